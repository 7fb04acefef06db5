-- 014: exceptions scoped to their month. An exception of a settlement the ledger holds is
-- listed with that settlement (every month it touches); any other one with the month it
-- belongs to (`month`, YYYY-MM: the inventory ledger's month, the accrual's, the period
-- closed, the outbox row's), and only one with neither is ledger-wide (listed in every
-- month). Before, every row without a settlement was listed in every month, so October's
-- inventory findings held September's close back. The stable id (uid) is unchanged: the
-- month is not part of it (every month-scoped explanation names its month already), so
-- acceptances keep holding.
ALTER TABLE exception ADD COLUMN month TEXT
    CHECK (month IS NULL OR month GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]');

-- The month of the rows written before, derived from what each row says or refers to, with
-- the same values the writers now give (src/ledger/exception.c callers). Rows of a real
-- settlement keep NULL (their settlement decides); rows nothing dates stay ledger-wide:
-- ORDER_NOT_SETTLED and ORDER_HISTORY_MISSING (judged against the whole order history and
-- the latest settlement, not a month), and anything a later kind adds before its writer
-- sets a month.
UPDATE exception SET month = CASE
    WHEN kind IN ('REIMBURSEMENT_DUE', 'UNITS_NOT_SETTLED', 'MISSING_COST')
         AND explanation GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]:*'
        THEN substr(explanation, 1, 7)
    -- Amazon's ending balance of the latest month of the SKU (reconcile_inventory.c TRACKED)
    WHEN kind = 'INVENTORY_MISMATCH'
        THEN (SELECT max(i.month) FROM inventory_ledger i WHERE i.msku = exception.sku)
    -- "Inventory ledger YYYY-MM[-DD] ..." (ingest_inventory.c)
    WHEN kind = 'INVENTORY_LEDGER_BROKEN'
         AND explanation GLOB 'Inventory ledger [0-9][0-9][0-9][0-9]-[0-9][0-9]*'
        THEN substr(explanation, 18, 7)
    -- "no settlement has a line in YYYY-MM: ..." (close.c)
    WHEN kind = 'PERIOD_EMPTY'
         AND explanation GLOB 'no settlement has a line in [0-9][0-9][0-9][0-9]-[0-9][0-9]*'
        THEN substr(explanation, 29, 7)
    -- the accrual's unmapped amounts and its currency: scopes 'accrual P' / 'accrual-post P'
    WHEN scope GLOB 'accrual [0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN substr(scope, 9, 7)
    WHEN scope GLOB 'accrual-post [0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN substr(scope, 14, 7)
    -- "The accrual already sent for YYYY-MM holds ..." (post_accrual.c)
    WHEN scope = 'accrual-check'
         AND explanation GLOB 'The accrual already sent for [0-9][0-9][0-9][0-9]-[0-9][0-9]*'
        THEN substr(explanation, 30, 7)
END
WHERE scope != 'xero' AND (settlement_id IS NULL
   OR settlement_id NOT IN (SELECT s.settlement_id FROM settlement s));

-- Xero's findings carry the month of the outbox documents they are about, settlement or
-- not (ITEMS-<month>, COGS-<month> and ACCRUAL-<month>-<currency>[-R] belong to no
-- settlement): a rejection names its outbox row ("... (outbox row N, ..."), the preflight's
-- findings their settlement's latest outbox month (outbox.c, preflight.c).
UPDATE exception SET month = (SELECT o.month FROM outbox o WHERE o.id = CAST(substr(
    explanation, instr(explanation, ' (outbox row ') + 13) AS INTEGER))
WHERE scope = 'xero' AND kind = 'XERO_REJECTED' AND instr(explanation, ' (outbox row ') > 0;
UPDATE exception SET month = (SELECT max(o.month) FROM outbox o
                              WHERE o.settlement_id = exception.settlement_id)
WHERE scope = 'xero' AND kind IN ('XERO_REFERENCE_MISSING', 'XERO_PERIOD_LOCKED');

CREATE INDEX exception_by_month ON exception(month);
