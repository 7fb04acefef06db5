-- 006: live posting a bookkeeper can trust. Every exception gets a stable id (uid) derived
-- from what it says (kind, severity, settlement, order, SKU, currency, amounts, explanation)
-- by the ledger's exception_uid() function, so it survives reruns that delete and re-insert
-- the same finding; an error accepted deliberately (`settlebook exceptions accept ID
-- --reason TEXT`) is recorded by that id, so the acceptance holds as long as the finding is
-- the same, and a changed amount is a new, unaccepted exception.
ALTER TABLE exception ADD COLUMN uid TEXT;
UPDATE exception SET uid = exception_uid(kind, severity, settlement_id, order_id, sku,
                                         currency, expected_minor, actual_minor, explanation);
CREATE INDEX exception_by_uid ON exception(uid);

-- Acceptances are append-only: who accepted what is part of the audit trail (each one is
-- also an audit_log entry with the reason).
CREATE TABLE exception_accept (
    uid           TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    settlement_id TEXT,
    reason        TEXT NOT NULL CHECK (length(reason) > 0),
    run_id        INTEGER NOT NULL REFERENCES run(id)
) WITHOUT ROWID;
CREATE TRIGGER exception_accept_no_update BEFORE UPDATE ON exception_accept
BEGIN SELECT RAISE(ABORT, 'exception_accept is append-only'); END;
CREATE TRIGGER exception_accept_no_delete BEFORE DELETE ON exception_accept
BEGIN SELECT RAISE(ABORT, 'exception_accept is append-only'); END;
