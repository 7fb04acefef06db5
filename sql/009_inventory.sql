-- 009: inventory and cost of goods. Unit costs per SKU (from a cost CSV or Xero Items), the
-- FBA Inventory Ledger summary view, and the cost-of-goods journals built from them (one per
-- month, balanced, frozen like settlement journals once final).

-- source_file.kind gains 'unit_costs' and 'inventory_ledger'. SQLite cannot change a CHECK in
-- place: the table is rebuilt with foreign keys deferred to the commit, when every child row
-- (settlement, orders, bank_line, fetched_report, ...) has its parent again.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE source_file_009 AS SELECT * FROM source_file;
DROP TABLE source_file;
CREATE TABLE source_file (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('settlement_v2', 'settlement_v1', 'orders_flat',
                                              'orders_spapi', 'order_items_spapi', 'bank_csv',
                                              'unit_costs', 'inventory_ledger')),
    path        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    rows        INTEGER NOT NULL,
    encoding    TEXT NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id),
    superseded_by INTEGER REFERENCES source_file(id)
);
INSERT INTO source_file SELECT * FROM temp.source_file_009;
DROP TABLE temp.source_file_009;

-- The cost of one unit of a SKU from effective_from (YYYY-MM-DD) on, in base_currency minor
-- units. A later file (or Xero read) giving the same SKU and date replaces the row.
CREATE TABLE unit_cost (
    sku             TEXT NOT NULL,
    effective_from  TEXT NOT NULL,
    unit_cost_minor INTEGER NOT NULL CHECK (unit_cost_minor >= 0),
    currency        TEXT NOT NULL,
    origin          TEXT NOT NULL CHECK (origin IN ('csv', 'xero')),
    source_file_id  INTEGER REFERENCES source_file(id),
    line_no         INTEGER NOT NULL,
    PRIMARY KEY (sku, effective_from)
) WITHOUT ROWID;

-- One row of the FBA Inventory Ledger summary view (GET_LEDGER_SUMMARY_VIEW_DATA), units as
-- Amazon reports them (shipments, lost, damaged negative). `day` is YYYY-MM-DD for the daily
-- view, '' for the monthly one; `month` is YYYY-MM either way. `broken` = 1 when start
-- plus movements is not the ending balance (kept as is, INVENTORY_LEDGER_BROKEN).
CREATE TABLE inventory_ledger (
    id                  INTEGER PRIMARY KEY,
    source_file_id      INTEGER NOT NULL REFERENCES source_file(id),
    line_no             INTEGER NOT NULL,
    month               TEXT NOT NULL,
    day                 TEXT NOT NULL,
    fnsku               TEXT NOT NULL,
    asin                TEXT NOT NULL,
    msku                TEXT NOT NULL,
    title               TEXT NOT NULL,
    disposition         TEXT NOT NULL,
    location            TEXT NOT NULL,
    starting            INTEGER NOT NULL,
    in_transit          INTEGER NOT NULL,
    receipts            INTEGER NOT NULL,
    customer_shipments  INTEGER NOT NULL,
    customer_returns    INTEGER NOT NULL,
    vendor_returns      INTEGER NOT NULL,
    warehouse_transfer  INTEGER NOT NULL,
    found               INTEGER NOT NULL,
    lost                INTEGER NOT NULL,
    damaged             INTEGER NOT NULL,
    disposed            INTEGER NOT NULL,
    other_events        INTEGER NOT NULL,
    ending              INTEGER NOT NULL,
    unknown_events      INTEGER NOT NULL,
    broken              INTEGER NOT NULL,
    UNIQUE (month, day, fnsku, msku, disposition, location)
);
CREATE INDEX inventory_ledger_by_sku ON inventory_ledger(msku, month);

-- Per month and SKU the rows to read: the monthly view's, or the daily view's when the month
-- has no monthly row for the SKU (never both, which would count twice). `first` / `last`
-- mark the day whose starting / ending balance is the month's (always 1 for monthly rows).
CREATE VIEW inventory_month AS
SELECT i.*, i.day = '' OR i.day = (SELECT min(d.day) FROM inventory_ledger d WHERE
       d.month = i.month AND d.fnsku = i.fnsku AND d.msku = i.msku AND d.disposition =
       i.disposition AND d.location = i.location) AS first,
       i.day = '' OR i.day = (SELECT max(d.day) FROM inventory_ledger d WHERE
       d.month = i.month AND d.fnsku = i.fnsku AND d.msku = i.msku AND d.disposition =
       i.disposition AND d.location = i.location) AS last
FROM inventory_ledger i
WHERE i.day = '' OR NOT EXISTS (SELECT 1 FROM inventory_ledger m WHERE m.month = i.month
      AND m.msku = i.msku AND m.day = '');

-- One cost-of-goods journal per month: per SKU (or one pair in total) a debit to
-- accounts.cogs and a credit to accounts.inventory, in base_currency. Same rules as journal:
-- final only when balanced, and then frozen.
CREATE TABLE cogs_journal (
    month           TEXT PRIMARY KEY,
    date            TEXT NOT NULL,             -- last day of the month
    currency        TEXT NOT NULL,
    total_minor     INTEGER NOT NULL,          -- the cost of goods booked
    line_count      INTEGER NOT NULL,
    input_sha256    TEXT NOT NULL,             -- of the units, costs and config it came from
    blocked         TEXT NOT NULL DEFAULT '',  -- why it may not be sent yet ('' = it may)
    state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'final'))
) WITHOUT ROWID;

CREATE TABLE cogs_line (
    month           TEXT NOT NULL REFERENCES cogs_journal(month) ON DELETE CASCADE,
    line_no         INTEGER NOT NULL,
    sku             TEXT NOT NULL,             -- '' when grouped
    account_code    TEXT NOT NULL,
    description     TEXT NOT NULL,
    units           INTEGER NOT NULL,          -- sold less put back
    unit_cost_minor INTEGER NOT NULL,          -- 0 when grouped
    amount_minor    INTEGER NOT NULL,          -- credit positive
    PRIMARY KEY (month, line_no)
) WITHOUT ROWID;

CREATE TRIGGER cogs_journal_final_balanced BEFORE UPDATE OF state ON cogs_journal
WHEN NEW.state = 'final'
BEGIN
    SELECT RAISE(ABORT, 'cogs journal does not balance')
    WHERE (SELECT COALESCE(SUM(amount_minor), 1) FROM cogs_line WHERE month = NEW.month) != 0;
    SELECT RAISE(ABORT, 'cogs journal line count differs')
    WHERE (SELECT COUNT(*) FROM cogs_line WHERE month = NEW.month) != NEW.line_count;
END;
CREATE TRIGGER cogs_line_frozen_ins BEFORE INSERT ON cogs_line
WHEN (SELECT state FROM cogs_journal WHERE month = NEW.month) = 'final'
BEGIN SELECT RAISE(ABORT, 'cogs journal is final'); END;
CREATE TRIGGER cogs_line_frozen_upd BEFORE UPDATE ON cogs_line
WHEN (SELECT state FROM cogs_journal WHERE month = OLD.month) = 'final'
BEGIN SELECT RAISE(ABORT, 'cogs journal is final'); END;
CREATE TRIGGER cogs_line_frozen_del BEFORE DELETE ON cogs_line
WHEN (SELECT state FROM cogs_journal WHERE month = OLD.month) = 'final'
BEGIN SELECT RAISE(ABORT, 'cogs journal is final'); END;
