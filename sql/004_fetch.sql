-- 004: fetch. What `settlebook fetch` took from Amazon's Selling Partner API: one row per
-- settlement report downloaded (so a report is fetched once), and the cursors the next fetch
-- starts from. Values come from Amazon's responses, never from the clock. No token is ever
-- stored here (or anywhere in the ledger).

CREATE TABLE fetched_report (
    report_id       TEXT PRIMARY KEY,
    report_type     TEXT NOT NULL,
    document_id     TEXT NOT NULL,
    created_utc     TEXT,                      -- the report's createdTime
    compression     TEXT NOT NULL CHECK (compression IN ('none', 'gzip')),
    sha256          TEXT NOT NULL,             -- of the file as kept (after gunzip)
    bytes           INTEGER NOT NULL,
    path            TEXT NOT NULL,             -- under spapi.data_dir
    -- ingested: loaded by this fetch; known: the same bytes were already in the ledger
    state           TEXT NOT NULL CHECK (state IN ('ingested', 'known')),
    source_file_id  INTEGER REFERENCES source_file(id),
    run_id          INTEGER NOT NULL REFERENCES run(id)
) WITHOUT ROWID;

-- 'orders.last_updated': LastUpdatedAfter of the next getOrders (the high-water mark);
-- 'reports.created': createdSince of the next getReports. Both "YYYY-MM-DDTHH:MM:SSZ".
CREATE TABLE fetch_cursor (
    name    TEXT PRIMARY KEY CHECK (name IN ('orders.last_updated', 'reports.created')),
    value   TEXT NOT NULL,
    run_id  INTEGER NOT NULL REFERENCES run(id)
) WITHOUT ROWID;
