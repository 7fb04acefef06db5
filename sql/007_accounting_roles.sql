-- 007: built-in rules for the accounting an accountant signs (issue 17). Amazon's balances
-- get their own roles: "Payable to Amazon" (a previous negative settlement the next one
-- collects) lands on the clearing account, where the bill of that negative settlement is
-- paid, so the two offset; "Successful charge" (Amazon charging the card on file) lands on
-- the card role, the liability the card's statement line is coded to in Xero. Tax Amazon
-- charges on its own fees ("TaxAmount") is an input credit (fees_tax), never an expense.
-- Promotion tax (TaxDiscount) is tax, not a promotion.
UPDATE mapping_default SET account_role = 'clearing', category = 'Payable to Amazon'
 WHERE amount_description = 'Payable to Amazon' OR transaction_type = 'Payable to Amazon';
UPDATE mapping_default SET account_role = 'card', category = 'Card charge'
 WHERE amount_description = 'Successful charge' OR transaction_type = 'Successful charge';
INSERT INTO mapping_default(transaction_type, amount_type, amount_description, account_role, tax, category) VALUES
('*', '*', 'TaxAmount', 'fees_tax', 'none', 'Fee tax'),
('ServiceFee', '*', 'TaxAmount', 'fees_tax', 'none', 'Fee tax'),
('ServiceFee', 'Cost of Advertising', 'TaxAmount', 'fees_tax', 'none', 'Fee tax'),
('*', 'TaxAmount', '*', 'fees_tax', 'none', 'Fee tax'),
('ServiceFee', 'TaxAmount', '*', 'fees_tax', 'none', 'Fee tax'),
('*', 'Promotion', '*Tax*', 'sales_tax', 'none', 'Sales tax'),
('Refund', 'Promotion', '*Tax*', 'sales_tax', 'none', 'Sales tax');
