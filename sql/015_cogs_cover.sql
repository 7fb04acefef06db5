-- 015: what each cost-of-goods journal covers. Cost of goods follows the journals' month like
-- the sales: a unit sold or written off in a month whose COGS journal is frozen (the month is
-- locked, or COGS-<month> was already sent) is booked in the first month after it whose COGS
-- journal is open. To know which units a frozen journal already holds, every journal records
-- the units it was built from, per origin month (the month the sales journal booked the line
-- in, or the inventory ledger's month), the line's own month (home), source (settlement id, or
-- 'inventory'), SKU, kind and the date whose unit cost applied. A journal stored before this
-- migration has no rows here: it is taken to cover every unit of its own month, as it did.
CREATE TABLE cogs_cover (
    month           TEXT NOT NULL REFERENCES cogs_journal(month) ON DELETE CASCADE,
    origin          TEXT NOT NULL,
    home            TEXT NOT NULL,
    source          TEXT NOT NULL,
    sku             TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('sold', 'back', 'writeoff')),
    cost_date       TEXT NOT NULL,
    units           INTEGER NOT NULL,
    PRIMARY KEY (month, origin, home, source, sku, kind, cost_date)
) WITHOUT ROWID;
CREATE INDEX cogs_cover_by_origin ON cogs_cover(origin);
