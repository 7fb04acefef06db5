# rare_lines — the few lines some checks look for among all of a ledger's lines ("Payable to
# Amazon", refunds, reimbursements of lost and damaged units) are listed in sql/017's
# settlement_line_rare, which ingest fills as it inserts the lines and a replaced settlement
# empties of its rows; the checks' queries read them through it, not a scan of every line.
# The table holds exactly the lines the plain conditions select (the ones the queries and
# sql/013's and sql/016's partial indexes wrote before), after an ingest, a replace and the
# migration of a ledger that had the partial indexes; the queries are taken from the binary
# itself (its SQL is string constants) and planned by SQLite on a ledger the binary wrote.
. "$(dirname "$0")/../lib.sh"

"$SB" init >/dev/null 2>&1
"$SB" synth --rows 20000 --seed 5 -o s.tsv --inventory inv.csv --costs costs.csv 2>/dev/null
"$SB" ingest s.tsv inv.csv costs.csv >/dev/null 2>&1
"$SB" ingest "$FX/settlements/v1-ca-chain-before.tsv" "$FX/settlements/v1-ca-chain-after.tsv" \
  >/dev/null 2>&1
eq "the table, no partial index" \
  "$(q "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE name LIKE
        'settlement_line%' ORDER BY name)")" "settlement_line settlement_line_by_settlement settlement_line_rare"

# the lines of each kind by the plain conditions, written here apart from sql/017 and ingest
PLAIN="SELECT 'payable' AS kind, settlement_ref, id AS line_id FROM settlement_line
  WHERE transaction_type = 'Payable to Amazon' OR amount_description = 'Payable to Amazon'
  UNION ALL SELECT 'refund', settlement_ref, id FROM settlement_line WHERE transaction_type = 'Refund'
  UNION ALL SELECT 'reimbursement', settlement_ref, id FROM settlement_line
  WHERE amount_type = 'FBA Inventory Reimbursement' OR amount_description IN ('WAREHOUSE_DAMAGE',
  'WAREHOUSE_LOST', 'WAREHOUSE_LOST_MANUAL', 'WAREHOUSE_DAMAGE_EXCEPTION', 'REVERSAL_REIMBURSEMENT')"
TABLE="SELECT kind, settlement_ref, line_id FROM settlement_line_rare"
# same DB: rows of the table the conditions do not select, and the other way round
same() {
  sqlite3 "$1" "SELECT (SELECT count(*) FROM ($TABLE EXCEPT SELECT * FROM ($PLAIN))) || ' ' ||
                       (SELECT count(*) FROM (SELECT * FROM ($PLAIN) EXCEPT $TABLE))"
}
# kinds DB: each kind's count in the table
kinds() {
  sqlite3 "$1" "SELECT group_concat(kind || ' ' || n, ', ') FROM (SELECT kind, count(*) AS n
                FROM settlement_line_rare GROUP BY kind ORDER BY kind)"
}
eq "ingest: the table holds the conditions' lines" "$(same settlebook.db)" "0 0"
eq "ingest: each kind" "$(kinds settlebook.db)" "payable 1, refund 1298, reimbursement 102"

# the binary's queries of the table: the journal's and the payable check's Payable to Amazon,
# the refunds check's three reads, cost of goods' put-back (its q read with the lines, or
# aside), the units a refund restocks, and REIMBURSEMENT_DUE's reimbursements
strings -n 200 "$SB" > sql.txt
pick() { grep -E "$2" sql.txt | grep -F settlement_line_rare > $1.sql; }
pick journal_payable "^SELECT COALESCE\(SUM\(l.amount_minor\), 0\), MIN\(COALESCE\(l.posted"
pick check_payable "^SELECT s.settlement_id, s.currency, p.settlement_id, \(SELECT coalesce"
pick refund_lines "^SELECT l.settlement_ref, l.order_id, l.sku, l.amount_type"
pick refunds "^SELECT s.settlement_id, s.currency, l.order_id, "
pick exceeds "^WITH per AS \(SELECT l.order_id AS oid, l.sku AS sku, l.settlement_ref"
pick putback "^WITH r AS \(SELECT l.order_id AS oid, l.order_item_code AS item, MAX\(l.sku\) AS sku, MIN"
grep -F 'temp.cogs_q)' putback.sql > putback_aside.sql
grep -vF 'temp.cogs_q)' putback.sql > putback.tmp && mv putback.tmp putback.sql
# the put-back's order items of every refunded order, read aside during reconcile
pick refunded_items "^DROP TABLE IF EXISTS temp.cogs_q; CREATE TEMP TABLE cogs_q AS SELECT"
sed -i 's/^DROP TABLE IF EXISTS temp.cogs_q; CREATE TEMP TABLE cogs_q AS //' refunded_items.sql
pick restock "^WITH r AS \(SELECT l.order_id AS oid, l.order_item_code AS item, MAX\(l.sku\) AS sku, -SUM"
pick reimburse "^WITH lost AS \(SELECT month, msku"
ALL="journal_payable check_payable refund_lines refunds exceeds putback putback_aside restock
  refunded_items reimburse"
eq "the binary's queries of the table: these and no other" "$(grep -c settlement_line_rare sql.txt)" 10
for f in $ALL; do eq "$f: one query found in the binary" "$(wc -l < $f.sql)" 1; done

# plan FILE: SQLite's plan of the query in FILE (the temp tables it reads made empty)
plan() {
  sqlite3 settlebook.db "CREATE TEMP TABLE cogs_q(order_id, order_item_code, q, op, p, e);
    CREATE TEMP TABLE reconcile_ordered(oid); CREATE TEMP TABLE
    reconcile_charged(oid, sku, c, PRIMARY KEY (oid, sku)); EXPLAIN QUERY PLAN $(cat "$1")" 2>&1
}
for f in $ALL; do
  plan $f.sql > $f.plan
  contains "$f: reads the table by its key" $f.plan "_k USING PRIMARY KEY (kind=?"
  if grep -qE "SCAN [a-z]+_k|Error" $f.plan; then bad "$f: scans the table"; else ok; fi
done
for f in journal_payable check_payable restock; do
  contains "$f: one settlement's rows, a range" $f.plan "(kind=? AND settlement_ref=?)"
done
# no query of the binary names a kind's condition but through the table (the cost-of-goods
# put-back, the refunds check: every Refund line they read comes from it)
eq "no other query looks for the kinds' lines" "$(grep -E "transaction_type = 'Refund'|= 'Payable to Amazon'|WAREHOUSE_LOST_MANUAL" sql.txt |
  grep -vE "^(INSERT INTO settlement_line_rare|UPDATE mapping_default| *WHERE| *OR)" | grep -vc settlement_line_rare)" 0

# a ledger as sql/016 left it (the partial indexes, no table) migrates to the same table,
# without the indexes, and closes to the same bytes
P=$(sqlite3 settlebook.db "SELECT substr(min(posted), 1, 7) FROM settlement_line WHERE settlement_ref = 1")
cp settlebook.db old.db
sqlite3 old.db "DROP TABLE settlement_line_rare;
  $(sed -n '/^CREATE INDEX settlement_line_payable/,/;/p' "$ROOT"/sql/*_file_seen.sql)
  $(sed -n '/^CREATE INDEX/,/;/p' "$ROOT"/sql/*_rare_lines.sql)
  PRAGMA user_version = $(basename "$ROOT"/sql/*_rare_lines.sql | cut -c1-3 | sed 's/^0*//')"
eq "old.db has the three indexes" "$(sqlite3 old.db "SELECT count(*) FROM sqlite_master WHERE name LIKE 'settlement_line_%'")" 4
cp settlebook.db with.db
"$SB" --ledger with.db close --period "$P" >/dev/null 2>&1
mv reports with
"$SB" --ledger old.db close --period "$P" >/dev/null 2>&1
mv reports migrated
eq "migrated: the same table" "$(sqlite3 old.db "$TABLE" | md5sum)" "$(sqlite3 settlebook.db "$TABLE" | md5sum)"
eq "migrated: the conditions' lines" "$(same old.db)" "0 0"
eq "migrated: no partial index left" "$(sqlite3 old.db "SELECT group_concat(name, ' ') FROM sqlite_master WHERE name LIKE 'settlement_line_%' ORDER BY name")" \
  "settlement_line_by_settlement settlement_line_rare"
eq "migrated: integrity" "$(sqlite3 old.db "PRAGMA integrity_check")" ok
eq "the close wrote a preview" "$(ls with/"$P")" "$(printf 'reconciliation.xlsx\nxero-preview.json')"
check "migrated: the same preview" cmp with/"$P"/xero-preview.json migrated/"$P"/xero-preview.json
check "migrated: the same workbook" cmp with/"$P"/reconciliation.xlsx migrated/"$P"/reconciliation.xlsx
eq "migrated: the same exceptions" "$(sqlite3 old.db "SELECT group_concat(uid || kind, ' ') FROM exception")" \
  "$(sqlite3 with.db "SELECT group_concat(uid || kind, ' ') FROM exception")"

# replacing the synthetic settlement: its rows go, the new file's come, every kind's
# condition term by term, and near misses (case, a suffix) that are none
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 2 && $7 == "Order" && $14 == "Principal" { n++
  if (n == 1) $7 = "Payable to Amazon"; if (n == 2) $14 = "Payable to Amazon"
  if (n == 3) $13 = "FBA Inventory Reimbursement"; if (n == 4) $14 = "WAREHOUSE_LOST"
  if (n == 5) $14 = "WAREHOUSE_LOST_MANUAL"; if (n == 6) $14 = "WAREHOUSE_DAMAGE_EXCEPTION"
  if (n == 7) $7 = "refund"; if (n == 8) $14 = "WAREHOUSE_LOST_"; if (n == 9) $14 = "payable to amazon" }
  NR > 2 && $7 == "Refund" && !r++ { $7 = "Order" }
  NR > 2 && $14 == "REVERSAL_REIMBURSEMENT" && !v++ { next } { print }' s.tsv > s2.tsv
"$SB" ingest --replace s2.tsv >/dev/null 2>&1
eq "replace: the table holds the conditions' lines" "$(same settlebook.db)" "0 0"
eq "replace: each kind" "$(kinds settlebook.db)" "payable 3, refund 1297, reimbursement 105"
eq "replace: no row of the replaced settlement's lines" \
  "$(q "SELECT count(*) FROM settlement_line_rare k LEFT JOIN settlement_line l ON l.id = k.line_id
        WHERE l.id IS NULL OR l.settlement_ref != k.settlement_ref")" 0

# a file refused halfway (a bad amount on its last line) leaves no row behind
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 { $1 = "15956912499" } { if (NR > 1) print prev; prev = $0 }
  END { $15 = "x1.00"; print }' s2.tsv > bad.tsv
before=$(sqlite3 settlebook.db "$TABLE" | md5sum)
status "a bad line refuses the file" 2 "$SB" ingest bad.tsv
eq "refused: the table unchanged" "$(sqlite3 settlebook.db "$TABLE" | md5sum)" "$before"
finish
