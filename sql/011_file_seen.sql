-- 011: the SHA-256 of each input file as last seen, by its identity on disk, so a rerun that
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
