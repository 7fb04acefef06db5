# report_aside — a close starts the workbook's pass over the settlement lines right after
# ingest, on a second connection in a thread of its own (report_prefetch_start, ledger.h's
# aside), so it reads the lines while reconcile and the journals run; the workbook takes
# what it found, temporary tables included. SETTLEBOOK_ASIDE=0 keeps everything on the one
# connection: the workbook, the preview and the exceptions must be the same bytes either
# way, with order history (Orders' differences), inventory (Inventory's sums), and lines of
# an order that are not adjacent (the sheets' own queries).
. "$(dirname "$0")/../lib.sh"
F="$FX/demo"

# close NAME ASIDE FILE...: a fresh ledger in NAME closed for 2025-09
close() {
  d=$1; a=$2; shift 2
  mkdir -p "$d" && (cd "$d" && "$SB" init >/dev/null 2>&1 &&
    SETTLEBOOK_ASIDE=$a "$SB" --verbose close --period 2025-09 "$@" >close.out 2>close.err)
  s=$?; [ "$s" = 0 ] || [ "$s" = 1 ] || bad "$d: close exit $s: $(tail -n 3 "$d/close.err")"
}
exceptions() {
  sqlite3 "$1/settlebook.db" "select kind, severity, settlement_id, month, explanation
    from exception order by kind, settlement_id, explanation"
}
same() { # NAME: NAME (aside) and NAME-one (one connection) gave the same files
  contains "$1: the pass was done aside" "$1/close.err" \
    "report: the pass over the lines was done aside, while the close ran"
  check "$1: with SETTLEBOOK_ASIDE=0 it was not" \
    sh -c "! grep -q 'done aside' $1-one/close.err"
  check "$1: the same workbook bytes" \
    cmp -s "$1/reports/2025-09/reconciliation.xlsx" "$1-one/reports/2025-09/reconciliation.xlsx"
  check "$1: the same preview bytes" \
    cmp -s "$1/reports/2025-09/xero-preview.json" "$1-one/reports/2025-09/xero-preview.json"
  eq "$1: the same exceptions" "$(exceptions "$1")" "$(exceptions "$1-one")"
}

# a few orders' item prices changed: their settled principal no longer matches the history
awk -F'\t' -v OFS='\t' 'NR >= 2 && NR <= 40 { $17 = sprintf("%.2f", $17 + 1) } { print }' \
  "$F/orders-us.tsv" >orders.tsv
set -- "$F/settlement-us-2025-09.tsv" "$T/orders.tsv" "$F/inventory-us-2025-09.tsv" \
  "$F/costs-us.csv"
close demo 1 "$@"
close demo-one 0 "$@"
same demo
# the Orders sheet lists orders whose settled principal differs from the order history (the
# rows the pass left in its temporary table, copied across): some exist, so a copy that
# lost them would show
n=$(python3 - demo/reports/2025-09/reconciliation.xlsx <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
names = re.findall(r'<sheet name="([^"]+)"', wb)
x = z.read("xl/worksheets/sheet%d.xml" % (names.index("Orders") + 1)).decode()
print(len(re.findall(r"<row ", x)))
EOF
)
check "demo: the Orders sheet has rows ($n)" [ "$n" -gt 3 ]

# an order's principal line moved to the end of the file: its lines are no longer adjacent,
# so Orders and Inventory read the lines with their own queries, aside or not
"$SB" synth --rows 600 --seed 41 --locale us -o s.tsv 2>/dev/null
x=$(awk -F'\t' 'NR > 2 && $7 == "Order" && $13 == "ItemPrice" && $14 == "Principal" { if (n[$8]++) { print NR; exit } }' s.tsv)
awk -v x="$x" 'NR != x' s.tsv >apart.tsv && sed -n "${x}p" s.tsv >>apart.tsv
P=$(sed -n 2p s.tsv | cut -f2 | cut -c1-7)
check "the moved file has the same number of lines" [ "$(wc -l <apart.tsv)" = "$(wc -l <s.tsv)" ]
for a in 1 0; do
  d=apart; [ $a = 0 ] && d=apart-one
  mkdir -p $d && (cd $d && "$SB" init >/dev/null 2>&1 &&
    SETTLEBOOK_ASIDE=$a "$SB" --verbose close --period "$P" ../apart.tsv >close.out 2>close.err)
done
for d in apart apart-one; do
  contains "$d: Orders' own query" $d/close.err \
    "Orders reads the lines with its own query (an order's lines are not adjacent)"
done
contains "apart: the pass was done aside" apart/close.err "done aside"
check "apart: the same workbook bytes" \
  cmp -s apart/reports/$P/reconciliation.xlsx apart-one/reports/$P/reconciliation.xlsx

# a ledger of more lines than the limit (SETTLEBOOK_ASIDE_MAX; 2,097,152 by default): the
# pass waits for the workbook stage, the same bytes
close capped 1 "$@"
SETTLEBOOK_ASIDE_MAX=100 close capped-max 1 "$@"
contains "capped: the pass waits for the workbook" capped-max/close.err \
  "the workbook's pass over them waits for the workbook"
check "capped: so it was not done aside" sh -c "! grep -q 'done aside' capped-max/close.err"
check "capped: the same workbook bytes" \
  cmp -s capped/reports/2025-09/reconciliation.xlsx capped-max/reports/2025-09/reconciliation.xlsx

# a close that ingests nothing new starts no pass aside (the workbook is likely unchanged)
(cd demo && "$SB" --verbose close --period 2025-09 "$@" >again.out 2>again.err)
check "a rerun with nothing new does not start the pass aside" \
  sh -c "! grep -q 'done aside' demo/again.err"
finish
