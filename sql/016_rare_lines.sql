-- 016: two kinds of line a few checks look for among all of a ledger's lines, each a few per
-- cent of them or fewer, found through a partial index instead of a scan of every line (a
-- query uses one only when its WHERE says the index's own condition, word for word): the
-- refunds (the refunds check and the cost of goods put back), and the reimbursements of lost
-- and damaged units (REIMBURSEMENT_DUE). Ingest adds an entry for those lines only.
CREATE INDEX settlement_line_refund ON settlement_line(settlement_ref)
    WHERE transaction_type = 'Refund';
-- The reimbursement condition is written as ORs of equalities, not `IN (...)`: SQLite builds
-- an IN list's lookup table each time it tests a row, which cost ingest 1.4 s per million
-- lines; the ORs cost nothing measurable.
CREATE INDEX settlement_line_reimbursement ON settlement_line(settlement_ref)
    WHERE amount_type = 'FBA Inventory Reimbursement'
    OR amount_description = 'WAREHOUSE_DAMAGE' OR amount_description = 'WAREHOUSE_LOST'
    OR amount_description = 'WAREHOUSE_LOST_MANUAL'
    OR amount_description = 'WAREHOUSE_DAMAGE_EXCEPTION'
    OR amount_description = 'REVERSAL_REIMBURSEMENT';
