-- 002: accounting. Built-in mapping rules, periods and locks, balanced journals, and the
-- outbox of Xero requests (written in the same transaction as the journals they render).

-- Built-in rules; user rules from settlebook.json come first. Patterns use fnmatch(3)
-- syntax ('*' any text). Each field scores literal 2, pattern 1, '*' 0; the most specific
-- rule wins, comparing marketplace, then transaction-type, amount-type, amount-description
-- in that order; on a tie the earlier rule wins.
CREATE TABLE mapping_default (
    id                  INTEGER PRIMARY KEY,
    transaction_type    TEXT NOT NULL,
    amount_type         TEXT NOT NULL,
    amount_description  TEXT NOT NULL,
    account_role        TEXT NOT NULL,
    tax                 TEXT NOT NULL CHECK (tax IN ('sales', 'fees', 'none')),
    category            TEXT NOT NULL
);

CREATE TABLE period (
    month       TEXT PRIMARY KEY CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    state       TEXT NOT NULL CHECK (state IN ('open', 'locked'))
) WITHOUT ROWID;

-- One journal per settlement and calendar month part. Amounts are signed minor units,
-- credit positive, debit negative; a journal may only become 'final' when its lines sum to
-- zero, and a final journal's lines can no longer change.
CREATE TABLE journal (
    id              INTEGER PRIMARY KEY,
    settlement_ref  INTEGER NOT NULL REFERENCES settlement(id) ON DELETE CASCADE,
    part            INTEGER NOT NULL,          -- 1..parts, in month order
    parts           INTEGER NOT NULL,
    month           TEXT NOT NULL,             -- YYYY-MM the part belongs to
    date            TEXT NOT NULL,             -- document date YYYY-MM-DD
    currency        TEXT NOT NULL,
    part_total_minor INTEGER NOT NULL,         -- sum of the part's settlement lines
    line_count      INTEGER NOT NULL,
    input_sha256    TEXT NOT NULL,             -- of what it was built from: file, config
    content_sha256  TEXT NOT NULL,             -- of the settlement's whole journal set
    state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'final')),
    UNIQUE (settlement_ref, part)
);
CREATE INDEX journal_by_month ON journal(month);

CREATE TABLE journal_line (
    id              INTEGER PRIMARY KEY,
    journal_id      INTEGER NOT NULL REFERENCES journal(id) ON DELETE CASCADE,
    line_no         INTEGER NOT NULL,
    role            TEXT NOT NULL,             -- account role, or 'code' for a literal code
    account_code    TEXT NOT NULL,
    tax_type        TEXT NOT NULL,
    tracking_name   TEXT NOT NULL DEFAULT '',
    tracking_option TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL,
    sku             TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL,          -- credit positive
    source_lines    INTEGER NOT NULL,          -- settlement lines behind this line
    UNIQUE (journal_id, line_no)
);

CREATE TRIGGER journal_final_balanced BEFORE UPDATE OF state ON journal
WHEN NEW.state = 'final'
BEGIN
    SELECT RAISE(ABORT, 'journal does not balance')
    WHERE (SELECT COALESCE(SUM(amount_minor), 1) FROM journal_line WHERE journal_id = NEW.id) != 0;
    SELECT RAISE(ABORT, 'journal line count differs')
    WHERE (SELECT COUNT(*) FROM journal_line WHERE journal_id = NEW.id) != NEW.line_count;
END;
CREATE TRIGGER journal_line_frozen_ins BEFORE INSERT ON journal_line
WHEN (SELECT state FROM journal WHERE id = NEW.journal_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'journal is final'); END;
CREATE TRIGGER journal_line_frozen_upd BEFORE UPDATE ON journal_line
WHEN (SELECT state FROM journal WHERE id = OLD.journal_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'journal is final'); END;
-- Deleting the journal itself (a rebuild) cascades to its lines; by then the parent row is
-- gone, so only a direct delete of a final journal's line is refused.
CREATE TRIGGER journal_line_frozen_del BEFORE DELETE ON journal_line
WHEN (SELECT state FROM journal WHERE id = OLD.journal_id) = 'final'
BEGIN SELECT RAISE(ABORT, 'journal is final'); END;

-- One row per Xero request. The preview is rendered from these rows, and live posting
-- sends exactly these bodies with exactly these keys.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    settlement_id   TEXT NOT NULL,
    month           TEXT NOT NULL,
    seq             INTEGER NOT NULL,          -- order within the settlement
    doc_number      TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    query           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) <= 128),
    body            TEXT NOT NULL,
    body_sha256     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'confirmed', 'dead', 'superseded')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    xero_id         TEXT,
    last_error      TEXT,
    UNIQUE (settlement_id, seq, body_sha256)
);
CREATE INDEX outbox_by_month ON outbox(month, settlement_id, seq);
