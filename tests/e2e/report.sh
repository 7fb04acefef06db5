# report — the reconciliation workbook: every sheet read back with openpyxl and checked against
# the ledger (tests/xlsx_check.py), text that looks like a formula shown as typed, overlong
# text cut with a marker, currency formats, byte-identical reruns, and a ledger left untouched.
. "$(dirname "$0")/../lib.sh"
RF="$FX/report"

# xcheck DESCRIPTION ARGS...: runs tests/xlsx_check.py and counts each PASS / FAIL line.
xcheck() { d=$1; shift
  if ! python3 "$ROOT/tests/xlsx_check.py" "$@" >"$T/.xc" 2>&1; then
    bad "$d: xlsx_check did not run: $(tail -c 600 "$T/.xc")"; return; fi
  while IFS= read -r line; do
    case $line in PASS*) ok ;; FAIL*) bad "$d: ${line#FAIL }" ;; esac
  done <"$T/.xc"
}
# fresh: an empty ledger
fresh() { rm -f settlebook.db settlebook.db-wal settlebook.db-shm && "$SB" init >/dev/null 2>&1; }
# created FILE: the workbook's dcterms:created
created() { unzip -p "$1" docProps/core.xml | sed -n 's/.*<dcterms:created[^>]*>\([^<]*\)<.*/\1/p'; }

# --- a synthetic settlement across a month end, with orders and a bank statement -----------
"$SB" synth --rows 300 --seed 3 -o s.tsv --orders o.tsv --bank b.csv >/dev/null 2>&1
fresh
status "ingest the synthetic month" 0 "$SB" ingest s.tsv o.tsv b.csv
"$SB" reconcile >/dev/null 2>&1
P=$(q "select substr(end_utc, 1, 7) from settlement")
P0=$(q "select substr(start_utc, 1, 7) from settlement")
status "post $P" 0 "$SB" post --period "$P"
before=$(dump)
want=0; [ "$(q "select count(*) from exception where severity = 'error'")" -gt 0 ] && want=1
status "report $P (exit 1 only when errors remain)" $want "$SB" report --period "$P"
X="$T/reports/$P/reconciliation.xlsx"
check "workbook at <reports>/<period>/reconciliation.xlsx" test -s "$X"
check "no temporary file left behind" test ! -e "$X.tmp"
eq "report never writes the ledger" "$(dump)" "$before"
xcheck "synthetic $P" "$X" --ledger "$T/settlebook.db" --period "$P"
eq "document date comes from the data" "$(created "$X")" "$(q "select end_utc from settlement")"
cp "$X" first.xlsx
sleep 2
TZ=Asia/Tokyo LC_ALL=C.UTF-8 "$SB" -q report --period "$P" >/dev/null 2>&1
check "byte-identical on a rerun (other TZ, later clock)" cmp -s first.xlsx "$X"
"$SB" -q report --period "$P" -o "$T/other.xlsx" >/dev/null 2>&1
check "-o FILE writes the same bytes elsewhere" cmp -s first.xlsx other.xlsx
# The workbook's one pass sums an order's (and an order item's) lines as a run of adjacent
# lines and proves the run was the whole group, else the sheet runs its own query. The same
# lines give the same workbook either way: a copy of an order's principal line at the end of
# the table (not adjacent: Orders and Inventory query) against the line and its copy both
# moved to the end (adjacent: the pass).
cols=$(q "select group_concat(name, ', ') from pragma_table_info('settlement_line') where name != 'id'")
x=$(q "select min(id) from settlement_line where transaction_type = 'Order' and amount_type = 'ItemPrice' and amount_description = 'Principal' and quantity is not null")
sqlite3 settlebook.db ".backup apart.db" && sqlite3 settlebook.db ".backup together.db"
sqlite3 apart.db "insert into settlement_line ($cols) select $cols from settlement_line where id = $x"
sqlite3 together.db "update settlement_line set id = (select max(id) + 1 from settlement_line) where id = $x; insert into settlement_line ($cols) select $cols from settlement_line where id = (select max(id) from settlement_line)"
"$SB" --ledger apart.db --verbose report --period "$P" -o "$T/apart.xlsx" >/dev/null 2>"$T/apart.err"
"$SB" --ledger together.db --verbose report --period "$P" -o "$T/together.xlsx" >/dev/null 2>"$T/together.err"
contains "lines apart: Orders' own query" "$T/apart.err" "Orders reads the lines with its own query (an order's lines are not adjacent)"
contains "lines apart: Inventory's own query" "$T/apart.err" "Inventory reads the lines with its own query (an order item's lines are not adjacent)"
check "lines together: the pass" sh -c "! grep -q 'with its own query' '$T/together.err'"
check "same workbook from the pass and from the sheets' own queries" cmp -s apart.xlsx together.xlsx
check "the copied line shows" sh -c "! cmp -s first.xlsx apart.xlsx"
"$SB" post --period "$P0" >/dev/null 2>&1
"$SB" -q report --period "$P0" >/dev/null 2>&1
xcheck "synthetic $P0 (first part)" "$T/reports/$P0/reconciliation.xlsx" --ledger "$T/settlebook.db" --period "$P0"
"$SB" -q report >/dev/null 2>&1
check "no --period: every settlement in reports/all" test -s "$T/reports/all/reconciliation.xlsx"
xcheck "all periods" "$T/reports/all/reconciliation.xlsx" --ledger "$T/settlebook.db"
status "a month with no settlement" 0 "$SB" report --period 2030-01
xcheck "empty month" "$T/reports/2030-01/reconciliation.xlsx" --ledger "$T/settlebook.db" --period 2030-01
eq "an empty workbook is dated 2000-01-01" "$(created "$T/reports/2030-01/reconciliation.xlsx")" "2000-01-01T00:00:00Z"
status "bad period" 2 "$SB" report --period 2024-13
status "unknown option" 2 "$SB" report --bogus
status "missing ledger" 2 "$SB" --ledger "$T/nope.db" report --period "$P"
if command -v soffice >/dev/null 2>&1; then
  # optional: LibreOffice opens it (never required)
  check "LibreOffice converts it to PDF" sh -c "cd '$T' && timeout 120 soffice --headless \
    --convert-to pdf --outdir '$T/pdf' first.xlsx >/dev/null 2>&1 && test -s '$T/pdf/first.pdf'"
fi

# --- order ids and SKUs that look like formulas, and an unmapped line ----------------------
fresh
status "ingest the formula-text fixture" 0 "$SB" ingest "$RF/v2-formula-text.tsv" "$RF/orders-formula-text.tsv"
"$SB" reconcile >/dev/null 2>&1
"$SB" post --period 2024-06 >/dev/null 2>&1
status "report 2024-06: the UNMAPPED error remains" 1 "$SB" report --period 2024-06
X="$T/reports/2024-06/reconciliation.xlsx"
xcheck "formula text" "$X" --ledger "$T/settlebook.db" --period 2024-06 \
  --text='=HYPERLINK("http://x")' --text=+1-555 --text=@SUM\(A1\) --text=-2+3 --text=_x0041_ \
  --text==1+1
eq "no formula element in any sheet" "$(unzip -p "$X" 'xl/worksheets/*.xml' | grep -c '<f>')" "0"

# --- text longer than a cell holds ----------------------------------------------------------
fresh
python3 -c 'import sys
t = open(sys.argv[1], encoding="utf-8").read()
print(t.replace("=1+1", "=" + "\u00e9" * 20000 + "x" * 20000), end="")' "$RF/v2-formula-text.tsv" >long.tsv
status "ingest a 40,001-character description" 0 "$SB" ingest long.tsv
"$SB" reconcile >/dev/null 2>&1
"$SB" -q report --period 2024-06 >/dev/null 2>&1
xcheck "overlong text" "$T/reports/2024-06/reconciliation.xlsx" --ledger "$T/settlebook.db" --period 2024-06 --truncated

# --- a zero-decimal currency ---------------------------------------------------------------
fresh
status "ingest JPY" 0 "$SB" ingest "$FX/settlements/v2-jp-jpy.tsv"
"$SB" reconcile >/dev/null 2>&1
"$SB" post --period 2024-10 >/dev/null 2>&1
"$SB" -q report --period 2024-10 >/dev/null 2>&1
xcheck "JPY" "$T/reports/2024-10/reconciliation.xlsx" --ledger "$T/settlebook.db" --period 2024-10
eq "JPY amounts without decimals" "$(python3 -c 'import openpyxl,sys
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
c = [x.value for x in ws[1]].index("Reported total") + 1
print(ws.cell(2, c).value, ws.cell(2, c).number_format)' "$T/reports/2024-10/reconciliation.xlsx")" "2183 #,##0;[Red]-#,##0"

finish
