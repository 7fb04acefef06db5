-- 005: live posting to Xero. What Xero answered for each document of an outbox request, how
-- often a rejected request was retried by hand, and the organisation's reference data
-- (accounts, tax rates, contacts, items, tracking, lock dates) cached for the preflight.

-- A retried request is sent under a new Idempotency-Key ("-r<retries>"), since Xero would
-- replay its first answer to the old one.
ALTER TABLE outbox ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;

-- One row per document (array element) of a request that Xero answered for: created
-- ('confirmed', with Xero's id and status) or refused ('rejected', with Xero's message).
-- A request whose documents are partly confirmed counts as posted: its journals are frozen
-- and a resend carries only the documents not confirmed.
CREATE TABLE outbox_doc (
    outbox_id   INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,              -- position in the request body, from 0
    label       TEXT NOT NULL,                 -- document number, or what identifies it
    state       TEXT NOT NULL CHECK (state IN ('confirmed', 'rejected')),
    xero_id     TEXT,
    xero_status TEXT,
    message     TEXT,
    PRIMARY KEY (outbox_id, idx)
) WITHOUT ROWID;

-- An outbox row may no longer be replaced by a new rendering once anything of it may exist
-- in Xero.
CREATE VIEW outbox_posted AS
SELECT o.* FROM outbox o
WHERE o.state IN ('sending', 'confirmed')
   OR EXISTS (SELECT 1 FROM outbox_doc d WHERE d.outbox_id = o.id AND d.state = 'confirmed');

-- Reference data of the connected organisation, refreshed with If-Modified-Since.
-- kind: account (key Code, detail "TYPE" plus " payments" when payments are enabled),
-- tax_rate (TaxType), contact (Name), item (Code), tracking ("Category/Option"),
-- lock_date (key 'period' or 'end_of_year', detail YYYY-MM-DD).
CREATE TABLE xero_ref (
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    status      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- When each endpoint was last read, in Xero's own clock (its DateTimeUTC), for the next
-- If-Modified-Since; and for which organisation (another tenant empties the cache).
CREATE TABLE xero_ref_sync (
    endpoint    TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    synced_utc  TEXT NOT NULL
) WITHOUT ROWID;
