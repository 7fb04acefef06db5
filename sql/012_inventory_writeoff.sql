-- 012: inventory written off. The cost-of-goods journal of a month also writes off the units
-- the FBA Inventory Ledger shows Lost, Damaged or Disposed (less those Found), debiting
-- accounts.inventory_writeoff and crediting accounts.inventory at unit cost. `kind` tells the
-- two line pairs apart, so the Inventory sheet's COGS column stays the cost of units sold.
ALTER TABLE cogs_line ADD COLUMN kind TEXT NOT NULL DEFAULT 'sold'
    CHECK (kind IN ('sold', 'writeoff'));
