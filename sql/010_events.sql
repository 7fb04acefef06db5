-- 010: money between settlements. Amazon's Finances API pages (listFinancialEvents v0 and
-- listTransactions 2024-06-19) as unsettled lines in the settlement lines' vocabulary, which
-- settlement line settles each of them (written by the journal stage), and where the next
-- `fetch --events` starts. Values come from Amazon's answers, never from the clock.

-- One row per Finances API page loaded (the pages are not settlement reports, orders or bank
-- statements, so they are kept apart from source_file; the same bytes load once).
CREATE TABLE event_file (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('finances_events', 'finances_transactions')),
    path        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    rows        INTEGER NOT NULL,              -- amounts read (including ones already known)
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

-- One row per amount of an event, named like a settlement line (transaction_type,
-- amount_type, amount_description) so the same mapping rules apply. event_key identifies the
-- amount across pages and overlapping fetches (sha256 of its fields and its occurrence), so
-- an amount fetched twice is stored once. posted is "YYYY-MM-DDTHH:MM:SSZ"; NULL when Amazon
-- gives no date (ServiceFeeEvent) and the page holds no dated event either.
CREATE TABLE unsettled_line (
    id                  INTEGER PRIMARY KEY,
    event_file_id       INTEGER NOT NULL REFERENCES event_file(id),
    event_key           TEXT NOT NULL UNIQUE,
    source_list         TEXT NOT NULL,         -- ShipmentEventList, transactions, ...
    currency            TEXT NOT NULL,
    transaction_type    TEXT NOT NULL,
    amount_type         TEXT NOT NULL,
    amount_description  TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL,
    posted              TEXT,
    order_id            TEXT,
    merchant_order_id   TEXT,
    marketplace         TEXT,
    order_item_code     TEXT,
    adjustment_item_id  TEXT,
    sku                 TEXT,
    quantity            INTEGER,
    promotion_id        TEXT,
    deferred            INTEGER NOT NULL DEFAULT 0  -- listTransactions transactionStatus DEFERRED
);
CREATE INDEX unsettled_line_by_order ON unsettled_line(order_id, amount_minor);
CREATE INDEX unsettled_line_by_posted ON unsettled_line(posted);

-- Which settlement line settles which unsettled line (one each way). Rebuilt by the journal
-- stage whenever settlements or events change; a settled line is no longer accrued.
CREATE TABLE event_match (
    unsettled_id        INTEGER PRIMARY KEY REFERENCES unsettled_line(id) ON DELETE CASCADE,
    settlement_line_id  INTEGER NOT NULL UNIQUE REFERENCES settlement_line(id) ON DELETE CASCADE
);

-- 'finances.posted': PostedAfter of the next listFinancialEvents ("YYYY-MM-DDTHH:MM:SSZ"),
-- advanced only after every page of a window is in.
CREATE TABLE event_cursor (
    name    TEXT PRIMARY KEY CHECK (name IN ('finances.posted')),
    value   TEXT NOT NULL,
    run_id  INTEGER NOT NULL REFERENCES run(id)
) WITHOUT ROWID;
