-- 001: the ledger's foundation: runs, source files, settlements and their amount lines,
-- order history, bank lines, exceptions and the hash-chained audit log.
-- Money columns end in _minor: int64 minor units of the row's currency (ISO 4217 exponent).
-- No column holds a wall-clock time: the same inputs give the same ledger.

CREATE TABLE run (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,
    version     TEXT NOT NULL
);

CREATE TABLE source_file (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('settlement_v2', 'settlement_v1', 'orders_flat',
                                              'orders_spapi', 'order_items_spapi', 'bank_csv')),
    path        TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    rows        INTEGER NOT NULL,
    encoding    TEXT NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id),
    superseded_by INTEGER REFERENCES source_file(id)
);

CREATE TABLE settlement (
    id              INTEGER PRIMARY KEY,
    settlement_id   TEXT NOT NULL UNIQUE,
    source_file_id  INTEGER NOT NULL REFERENCES source_file(id),
    format          TEXT NOT NULL CHECK (format IN ('v1', 'v2')),
    marketplace     TEXT NOT NULL,
    currency        TEXT NOT NULL,
    start_utc       TEXT NOT NULL,
    end_utc         TEXT NOT NULL,
    deposit_utc     TEXT NOT NULL,
    total_minor     INTEGER NOT NULL,
    lines_sum_minor INTEGER NOT NULL,
    line_count      INTEGER NOT NULL
);

-- One row per amount. `posted` is "YYYY-MM-DDTHH:MM:SSZ" when the file gives a time,
-- "YYYY-MM-DD" when it gives a date only, NULL when it gives neither.
CREATE TABLE settlement_line (
    id                  INTEGER PRIMARY KEY,
    settlement_ref      INTEGER NOT NULL REFERENCES settlement(id) ON DELETE CASCADE,
    line_no             INTEGER NOT NULL,
    transaction_type    TEXT NOT NULL,
    amount_type         TEXT NOT NULL,
    amount_description  TEXT NOT NULL,
    amount_minor        INTEGER NOT NULL,
    posted              TEXT,
    order_id            TEXT,
    merchant_order_id   TEXT,
    adjustment_id       TEXT,
    shipment_id         TEXT,
    marketplace         TEXT,
    fulfillment_id      TEXT,
    order_item_code     TEXT,
    merchant_order_item_id TEXT,
    merchant_adjustment_item_id TEXT,
    sku                 TEXT,
    quantity            INTEGER,
    promotion_id        TEXT
);
CREATE INDEX settlement_line_by_settlement ON settlement_line(settlement_ref);

CREATE TABLE orders (
    amazon_order_id     TEXT PRIMARY KEY,
    merchant_order_id   TEXT,
    purchase_utc        TEXT,
    last_updated_utc    TEXT,
    order_status        TEXT,
    fulfillment_channel TEXT,
    sales_channel       TEXT,
    currency            TEXT,
    order_total_minor   INTEGER,
    ship_country        TEXT,
    is_business_order   INTEGER,
    buyer_ref           TEXT,   -- masked: a short hash, never a name or e-mail
    source_file_id      INTEGER NOT NULL REFERENCES source_file(id)
) WITHOUT ROWID;

CREATE TABLE order_item (
    id                  INTEGER PRIMARY KEY,
    amazon_order_id     TEXT NOT NULL,
    order_item_id       TEXT,
    sku                 TEXT,
    asin                TEXT,
    product_name        TEXT,
    item_status         TEXT,
    quantity            INTEGER NOT NULL,
    currency            TEXT,
    item_price_minor    INTEGER NOT NULL DEFAULT 0,
    item_tax_minor      INTEGER NOT NULL DEFAULT 0,
    shipping_price_minor INTEGER NOT NULL DEFAULT 0,
    shipping_tax_minor  INTEGER NOT NULL DEFAULT 0,
    gift_wrap_price_minor INTEGER NOT NULL DEFAULT 0,
    gift_wrap_tax_minor INTEGER NOT NULL DEFAULT 0,
    item_promotion_discount_minor INTEGER NOT NULL DEFAULT 0,
    ship_promotion_discount_minor INTEGER NOT NULL DEFAULT 0,
    source_file_id      INTEGER NOT NULL REFERENCES source_file(id)
);
CREATE INDEX order_item_by_order ON order_item(amazon_order_id);
CREATE INDEX order_item_by_sku ON order_item(sku);

-- `seq` numbers identical (date, amount, description, reference) rows within one file, so
-- overlapping statements add each real transaction once.
CREATE TABLE bank_line (
    id              INTEGER PRIMARY KEY,
    source_file_id  INTEGER NOT NULL REFERENCES source_file(id),
    line_no         INTEGER NOT NULL,
    date            TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    payee           TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    reference       TEXT NOT NULL DEFAULT '',
    seq             INTEGER NOT NULL,
    UNIQUE (date, amount_minor, currency, payee, description, reference, seq)
);

CREATE TABLE exception (
    id               INTEGER PRIMARY KEY,
    scope            TEXT NOT NULL,      -- 'ingest' or 'reconcile'
    kind             TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    settlement_id    TEXT,
    order_id         TEXT,
    sku              TEXT,
    currency         TEXT,
    expected_minor   INTEGER,
    actual_minor     INTEGER,
    difference_minor INTEGER,
    explanation      TEXT NOT NULL,
    action           TEXT NOT NULL,
    run_id           INTEGER NOT NULL REFERENCES run(id)
);
CREATE INDEX exception_by_settlement ON exception(settlement_id);

-- Each entry's hash = sha256(prev_hash || seq || run_id || event || detail): editing or
-- deleting any earlier row breaks every later hash.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES run(id),
    event       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
