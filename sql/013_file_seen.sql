-- 013: the SHA-256 of each input file as last seen, by its identity on disk, so a rerun that
-- names the same unchanged files does not read them again to hash them. A file whose device,
-- inode, size, mtime and ctime (nanoseconds) are all the ones stored here is taken to hold the
-- bytes hashed then: any write to a file changes its ctime, which no program can set back.
-- `--verify` hashes every file anyway. Derived data only: deleting every row just makes the
-- next ingest hash each file again. Written by ingest only.
CREATE TABLE file_seen (
    dev             INTEGER NOT NULL,
    ino             INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    mtime_ns        INTEGER NOT NULL,
    ctime_ns        INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    PRIMARY KEY (dev, ino)
) WITHOUT ROWID;

-- A settlement's "Payable to Amazon" lines (a handful) without reading all its lines: the
-- journal view asks for them on every close, also an unchanged rerun.
CREATE INDEX settlement_line_payable ON settlement_line(settlement_ref)
    WHERE transaction_type = 'Payable to Amazon' OR amount_description = 'Payable to Amazon';

-- stage_input also records the cost-of-goods journal of a month (stage 'cogs', scope the
-- month), so an unchanged rerun does not count the month's units sold again, and what each
-- settlement's own reconcile checks ran on (stage 'settlement', scope its settlement id), so
-- a period reconciled again recomputes only the settlements that changed.
CREATE TABLE stage_input_011 (
    stage           TEXT NOT NULL CHECK (stage IN ('reconcile', 'preview', 'workbook', 'cogs',
                                                   'settlement')),
    scope           TEXT NOT NULL,
    input_sha256    TEXT NOT NULL,
    output_sha256   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (stage, scope)
) WITHOUT ROWID;
INSERT INTO stage_input_011 SELECT * FROM stage_input;
DROP TABLE stage_input;
ALTER TABLE stage_input_011 RENAME TO stage_input;
