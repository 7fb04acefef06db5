-- 017: the few lines some checks look for among all of a ledger's lines, listed in a table of
-- their own instead of the partial indexes of sql/013 and sql/016. `PRAGMA integrity_check`
-- evaluates a partial index's WHERE for every row of its table: the three cost the workbook's
-- integrity check 0.85 -> 0.52 s at a million lines, while this table is a few per cent of
-- them. Its key makes a kind's lines a single range read, a settlement's or the whole
-- ledger's, in the order the partial indexes gave (settlement, then line).
-- Ingest writes a row for each line of a kind as it inserts the line, with the conditions
-- below word for word (ingest_settle.c); a settlement's rows go with it (ON DELETE CASCADE).
--   payable        "Payable to Amazon" lines (the journal view, PAYABLE_DISCONTINUITY)
--   refund         Refund lines (the refunds check, cost of goods put back, restocked units)
--   reimbursement  reimbursements of lost and damaged units (REIMBURSEMENT_DUE)
-- line_id is settlement_line.id without a foreign key: one would have SQLite look this table
-- up (no index by line_id) for every line a replaced settlement deletes. Deleting a settlement
-- looks its rows up by settlement_ref without an index either: a scan of this small table,
-- once per settlement replaced.
CREATE TABLE settlement_line_rare (
    kind            TEXT NOT NULL CHECK (kind IN ('payable', 'refund', 'reimbursement')),
    settlement_ref  INTEGER NOT NULL REFERENCES settlement(id) ON DELETE CASCADE,
    line_id         INTEGER NOT NULL,
    PRIMARY KEY (kind, settlement_ref, line_id)
) WITHOUT ROWID;

INSERT INTO settlement_line_rare SELECT 'payable', settlement_ref, id FROM settlement_line
    WHERE transaction_type = 'Payable to Amazon' OR amount_description = 'Payable to Amazon';
INSERT INTO settlement_line_rare SELECT 'refund', settlement_ref, id FROM settlement_line
    WHERE transaction_type = 'Refund';
INSERT INTO settlement_line_rare SELECT 'reimbursement', settlement_ref, id FROM settlement_line
    WHERE amount_type = 'FBA Inventory Reimbursement'
    OR amount_description = 'WAREHOUSE_DAMAGE' OR amount_description = 'WAREHOUSE_LOST'
    OR amount_description = 'WAREHOUSE_LOST_MANUAL'
    OR amount_description = 'WAREHOUSE_DAMAGE_EXCEPTION'
    OR amount_description = 'REVERSAL_REIMBURSEMENT';

DROP INDEX settlement_line_payable;
DROP INDEX settlement_line_refund;
DROP INDEX settlement_line_reimbursement;
