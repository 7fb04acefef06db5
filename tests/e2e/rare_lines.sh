# rare_lines — the refunds check, cost of goods' put-back and REIMBURSEMENT_DUE find their few
# lines through sql/016's partial indexes, not a scan of every line. The queries are taken
# from the binary itself (its SQL is string constants), planned by SQLite on a ledger the
# binary wrote; without the indexes the same queries scan settlement_line (so the check can
# fail), and with them the close's outputs are the same bytes.
. "$(dirname "$0")/../lib.sh"

"$SB" init >/dev/null 2>&1
"$SB" synth --rows 20000 --seed 5 -o s.tsv --inventory inv.csv --costs costs.csv 2>/dev/null
"$SB" ingest s.tsv inv.csv costs.csv >/dev/null 2>&1
eq "the indexes are in a new ledger" \
  "$(q "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE name IN
        ('settlement_line_refund', 'settlement_line_reimbursement') ORDER BY name)")" \
  "settlement_line_refund settlement_line_reimbursement"

# the binary's queries: the refunds check's orders without history, the put-back, REIMBURSE
strings -n 200 "$SB" > sql.txt
grep -E "^SELECT s.settlement_id, s.currency, l.order_id, .*transaction_type = 'Refund'" sql.txt > refunds.sql
grep -E "^WITH r AS \(SELECT l.order_id AS oid, l.order_item_code AS item, MAX\(l.sku\) AS sku, MIN" sql.txt > putback.sql
grep -E "^WITH lost AS \(SELECT month, msku" sql.txt > reimburse.sql
for f in refunds putback reimburse; do eq "$f: one query found in the binary" "$(wc -l < $f.sql)" 1; done

# plan DB FILE: SQLite's plan of the query in FILE on DB (temp tables it reads made empty)
plan() {
  sqlite3 "$1" "CREATE TEMP TABLE reconcile_ordered(oid); EXPLAIN QUERY PLAN $(cat "$2")" 2>&1
}
cp settlebook.db bare.db
sqlite3 bare.db "DROP INDEX settlement_line_refund; DROP INDEX settlement_line_reimbursement"
for f in refunds putback; do
  plan settlebook.db $f.sql > $f.plan
  plan bare.db $f.sql > $f.bare
  contains "$f: uses settlement_line_refund" $f.plan "USING INDEX settlement_line_refund"
  if grep -q "USING INDEX settlement_line_re" $f.bare; then bad "$f: index without the index"; else ok; fi
done
plan settlebook.db reimburse.sql > reimburse.plan
plan bare.db reimburse.sql > reimburse.bare
contains "reimburse: uses settlement_line_reimbursement" reimburse.plan \
  "SCAN r USING INDEX settlement_line_reimbursement"
contains "reimburse: scans every line without it" reimburse.bare "SCAN r"
if grep -q "settlement_line_reimbursement" reimburse.bare; then bad "reimburse: index without it"; else ok; fi

# the same close, byte for byte, with and without the indexes (a ledger already at the
# latest schema that lacks them: nothing adds them back, so every query scans)
P=$(q "SELECT substr(min(posted), 1, 7) FROM settlement_line")
cp settlebook.db with.db
"$SB" --ledger with.db close --period "$P" >/dev/null 2>&1
mv reports with
"$SB" --ledger bare.db close --period "$P" >/dev/null 2>&1
mv reports without
eq "the close wrote a preview" "$(ls with/"$P")" "$(printf 'reconciliation.xlsx\nxero-preview.json')"
check "the same preview without the indexes" cmp with/"$P"/xero-preview.json without/"$P"/xero-preview.json
check "the same workbook without the indexes" cmp with/"$P"/reconciliation.xlsx without/"$P"/reconciliation.xlsx
eq "the same exceptions" "$(sqlite3 bare.db "SELECT group_concat(uid || kind, ' ') FROM exception")" \
  "$(sqlite3 with.db "SELECT group_concat(uid || kind, ' ') FROM exception")"
eq "bare.db still lacks them" "$(sqlite3 bare.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'settlement_line_re%'")" 0
finish
