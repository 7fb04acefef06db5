# exception_scope — exceptions that belong to no settlement are listed with their month only
# (sql/014, EXCEPTION_SCOPE_SQL): two months of settlements and FBA Inventory Ledger
# (fixtures/exception_scope, see its README). September's inventory findings show in
# September's listing, workbook and exit status only, October's (an error among them) in
# October's only; the ledger-wide ones in both; a rerun is byte-identical; a ledger of the
# schema before sql/014 migrates with every exception id kept and the same months.
. "$(dirname "$0")/../lib.sh"
X="$FX/exception_scope"
"$SB" init >/dev/null 2>&1
status "ingest two months" 0 "$SB" ingest "$X/settlement-2025-09.tsv" "$X/settlement-2025-10.tsv" \
  "$X/ledger-2025-09.tsv" "$X/ledger-2025-10.tsv" "$X/costs.csv"
eq "the broken October row is October's" "$(q "select kind||' '||month from exception")" "INVENTORY_LEDGER_BROKEN 2025-10"

# kinds (and months) of a listing: "KIND:month" sorted, "-" for none
kinds() { python3 -c '
import json, sys
print(" ".join(sorted("%s:%s" % (x["kind"], x["month"] or "-") for x in json.load(sys.stdin))))'; }
# the Exceptions sheet of a workbook: "KIND" per row, sorted
sheet() { python3 -c '
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1])["Exceptions"]
print(" ".join(sorted(r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[1])))' "$1"; }

# what a rerun must leave byte-identical (as tests/e2e/rerun.sh: a month closed again at once)
state() {
  echo "ledger $(dump | sha256sum | cut -c1-64) runs $(q "select count(*) from run")"
  for f in xero-preview.json reconciliation.xlsx; do
    echo "$1/$f $(sha256sum < "reports/$1/$f" | cut -c1-64)"
  done
  "$SB" exceptions --period "$1"
}

# ---- September: no error of its own, so close exits 0 -----------------------------------
# WIDGET-A: 1 lost, none reimbursed (REIMBURSEMENT_DUE, info: its 60-day window is still open); 3 shipped, 2 settled
# (UNITS_NOT_SETTLED). No order history: ORDER_HISTORY_MISSING is ledger-wide.
status "close September: October's errors do not hold it back" 0 "$SB" close --period 2025-09
contains "summary counts September's only" "$T/.out" "exceptions: 0 error(s), 0 warning(s), 4 info"
"$SB" exceptions --period 2025-09 --json > sep.json
eq "September's listing" "$(kinds < sep.json)" \
   "DEPOSIT_NOT_CHECKED:- ORDER_HISTORY_MISSING:- REIMBURSEMENT_DUE:2025-09 UNITS_NOT_SETTLED:2025-09"
status "exceptions --period 2025-09 exits 0" 0 "$SB" exceptions --period 2025-09
eq "September's workbook" "$(sheet reports/2025-09/reconciliation.xlsx)" \
   "DEPOSIT_NOT_CHECKED ORDER_HISTORY_MISSING REIMBURSEMENT_DUE UNITS_NOT_SETTLED"
eq "September's preview: settlement and cost of goods, nothing blocked" "$(python3 -c "
import json; r=json.load(open('reports/2025-09/xero-preview.json'))['requests']
print([x['settlement_id'] for x in r], sum('blocked' in x for x in r))")" "['71000000009', 'COGS-2025-09'] 0"
state 2025-09 > before.txt
status "close September again" 0 "$SB" close --period 2025-09
state 2025-09 > after.txt
check "September rerun: ledger, preview, workbook and listing byte-identical" cmp before.txt after.txt

# ---- October: its own error (the broken row, MISSING_COST of WIDGET-B), exit 1 ----------
status "close October: its own errors" 1 "$SB" close --period 2025-10
contains "summary counts October's only" "$T/.out" "exceptions: 3 error(s), 0 warning(s), 3 info"
contains "October's cost of goods held back" "$T/.out" "cost of goods sold 2025-10: HELD BACK, not queued: MISSING_COST"
"$SB" exceptions --period 2025-10 --json > oct.json
eq "October's listing" "$(kinds < oct.json)" \
   "DEPOSIT_NOT_CHECKED:- INVENTORY_LEDGER_BROKEN:2025-10 MISSING_COST:2025-10 MISSING_COST:2025-10 ORDER_HISTORY_MISSING:- REIMBURSEMENT_DUE:2025-10"
eq "each REIMBURSEMENT_DUE in its own month" "$(python3 -c "
import json; print([x['explanation'][:8] for f in ('sep.json', 'oct.json') for x in json.load(open(f)) if x['kind'] == 'REIMBURSEMENT_DUE'])")" "['2025-09:', '2025-10:']"
eq "October's workbook" "$(sheet reports/2025-10/reconciliation.xlsx)" \
   "DEPOSIT_NOT_CHECKED INVENTORY_LEDGER_BROKEN MISSING_COST MISSING_COST ORDER_HISTORY_MISSING REIMBURSEMENT_DUE"
status "exceptions --period 2025-10 exits 1" 1 "$SB" exceptions --period 2025-10
state 2025-10 > before.txt
status "close October again" 1 "$SB" close --period 2025-10
state 2025-10 > after.txt
check "October rerun: ledger, preview, workbook and listing byte-identical" cmp before.txt after.txt
status "September still exits 0 after October's close" 0 "$SB" exceptions --period 2025-09
eq "the ledger-wide row is the same row in both" "$(python3 -c "
import json; print(len({x['id'] for f in ('sep.json', 'oct.json') for x in json.load(open(f)) if x['kind'] == 'ORDER_HISTORY_MISSING'}))")" "1"
eq "all months: every row" "$("$SB" exceptions --json | kinds)" \
   "DEPOSIT_NOT_CHECKED:- DEPOSIT_NOT_CHECKED:- INVENTORY_LEDGER_BROKEN:2025-10 MISSING_COST:2025-10 MISSING_COST:2025-10 ORDER_HISTORY_MISSING:- REIMBURSEMENT_DUE:2025-09 REIMBURSEMENT_DUE:2025-10 UNITS_NOT_SETTLED:2025-09"

# ---- an empty month: its PERIOD_EMPTY is its own ------------------------------------------
status "close November (empty): no other month's error" 0 "$SB" close --period 2025-11
eq "November's listing: PERIOD_EMPTY and the ledger-wide row" "$("$SB" exceptions --period 2025-11 --json | kinds)" \
   "ORDER_HISTORY_MISSING:- PERIOD_EMPTY:2025-11"
eq "not in September's" "$("$SB" exceptions --period 2025-09 --json | kinds)" "$(kinds < sep.json)"

# ---- a ledger of the schema before sql/014 ------------------------------------------------
# The same ledger as settlebook wrote it before 011: no month column, schema version 10.
ids="select group_concat(id||' '||uid||' '||coalesce(month, '-'), '|') from (select * from exception order by id)"
want=$(q "$ids")
"$SB" exceptions --period 2025-10 > new-oct.txt 2>/dev/null
cp settlebook.db old.db
exception_month_undo old.db
eq "old ledger: schema 10, no month" "$(sqlite3 old.db "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('exception') WHERE name = 'month'")" "$(($(basename "$ROOT"/sql/*_exception_month.sql | cut -c1-3 | sed 's/^0*//') - 1))
0"
status "old ledger: listing migrates it" 1 "$SB" --ledger old.db exceptions --period 2025-10
check "old ledger: the same October listing" cmp new-oct.txt "$T/.out"
eq "old ledger: migrated to the latest schema" "$(sqlite3 old.db "PRAGMA user_version")" "$(q "PRAGMA user_version")"
eq "old ledger: every id kept, every month derived as its writer gives it" "$(sqlite3 old.db "$ids")" "$want"
# closing a month with data removes November's PERIOD_EMPTY (close.c); every other row stays
status "old ledger: close September" 0 "$SB" --ledger old.db close --period 2025-09
eq "old ledger: September's close keeps the ids" "$(sqlite3 old.db "$ids")" \
   "$(q "select group_concat(id||' '||uid||' '||coalesce(month, '-'), '|') from (select * from exception where kind != 'PERIOD_EMPTY' order by id)")"

finish
