# reconcile — every exception kind fires exactly where fixtures/reconcile puts it, nowhere
# else; reruns change nothing; --period scopes; exit statuses; `exceptions` order and JSON.
. "$(dirname "$0")/../lib.sh"
R="$FX/reconcile"
"$SB" init >/dev/null 2>&1
status "ingest the problem set" 0 "$SB" ingest "$R/problems-s1.tsv" "$R/problems-s2.tsv" \
  "$R/problems-s3.tsv" "$R/problems-s4.tsv" "$R/problems-eu.tsv" "$R/problems-orders.tsv" \
  "$R/problems-bank.csv"
eq "problem settlements tie out (nothing from ingest)" "$(q "select count(*) from exception")" "0"

rows() { q "select kind||' '||severity||' '||coalesce(settlement_id,'-')||' '||coalesce(order_id,'-')||' '||coalesce(sku,'-')||' '||coalesce(currency,'-')||' '||coalesce(expected_minor,'-')||' '||coalesce(actual_minor,'-')||' '||coalesce(difference_minor,'-') from exception where scope='reconcile' ${1:-} order by id"; }

# Everything: each kind once, in check order (lines, reserve, deposit, orders, refunds, fees).
status "reconcile (all)" 1 "$SB" reconcile
contains "all summary" "$T/.out" "reconcile (all periods): 5 settlements, 6 errors, 7 warnings, 2 infos"
contains "per kind" "$T/.out" "  error    UNMAPPED                   1"
eq "exact rows" "$(rows)" "UNMAPPED error 1003 - - USD - -750 -
DUPLICATE_LINE warning 1003 111-0000012-0000012 SKU-F USD -200 -400 -200
DUPLICATE_LINE error 1002 111-0000004-0000004 SKU-D USD 0 -250 -250
RESERVE_DISCONTINUITY warning 1002 - - USD 1000 900 -100
DEPOSIT_AMOUNT_MISMATCH error 1002 - - USD 6045 5545 -500
DEPOSIT_NOT_FOUND error 1003 - - USD 4215 0 -4215
CURRENCY_MISMATCH info 2001 - - EUR 5000 - -
DEPOSIT_NOT_CHECKED info 1004 - - USD 1700 - -
ORDER_NOT_IN_HISTORY warning 1002 111-0000008-0000008 SKU-N USD - 1500 -
CURRENCY_MISMATCH error 1002 111-0000009-0000009 SKU-E USD - 1020 -
PRICE_MISMATCH warning 1002 111-0000007-0000007 SKU-B USD 2500 2000 -500
ORDER_NOT_SETTLED warning - 111-0000020-0000020 SKU-J USD 3000 0 -3000
REFUND_WITHOUT_ORDER warning 1003 111-0000013-0000013 SKU-G USD - -700 -
REFUND_EXCEEDS_CHARGE error 1002 111-0000003-0000003 SKU-C USD 1000 1500 500
FEE_ANOMALY warning 1003 111-0000011-0000011 SKU-A USD -300 -600 -300"
eq "ids in emit order" "$(q "select min(id)||'..'||max(id) from exception")" "1..15"
eq "one run owns them" "$(q "select count(distinct run_id) from exception")" "1"
first_run=$(q "select max(run_id) from exception")
eq "explanation has the numbers" "$(q "select explanation from exception where kind='DEPOSIT_AMOUNT_MISMATCH'")" "The bank line of 2025-09-02 (AMAZON.COM SERVICES) is 55.45 USD but the settlement's total-amount is 60.45 USD (deposit date 2025-08-31)."
eq "fee rate of the sales price, per unit" "$(q "select explanation from exception where kind='FEE_ANOMALY'")" "ItemFees/Commission of order 111-0000011-0000011 SKU SKU-A is -6.00 USD for 1 unit, -6.00 USD per unit (30.00% of the sales price 20.00 USD); the SKU's usual rate is 15.00%, -3.00 USD per unit at this price (median of 7 lines), a difference of -3.00 USD per unit."
eq "not settled: days from the data" "$(q "select explanation from exception where kind='ORDER_NOT_SETTLED'")" "Order 111-0000020-0000020 (Shipped, purchased 2025-08-06, 30.00 USD) is in no settlement 51 days before the latest settlement end 2025-09-26 (limit 45 days)."
# 2001's EUR payout arrived converted in the USD account: with the default config settlebook
# posts it at the statement's rate (info); the error is for what it cannot post (below)
eq "EUR amounts formatted" "$(q "select explanation from exception where settlement_id='2001'")" "The EUR payout of 50.00 EUR arrived converted as 54.10 USD: settlebook posts the settlement at the bank statement's rate, CurrencyRate 0.924214 (EUR per USD), on its payments, so Xero books exactly what arrived, and on its documents unless one was sent to Xero before the statement showed the payout."
eq "every row explained" "$(q "select count(*) from exception where explanation='' or action=''")" "0"

# A rerun changes nothing: same rows, same ids, no run row, no audit entry. So do runs of one
# month: 1003 crosses the month end and belongs to both, and the ledger-wide rows
# (ORDER_NOT_SETTLED) do not depend on the month.
before=$(sqlite3 settlebook.db ".dump exception")
runs=$(q "select count(*) from run")
audits=$(q "select count(*) from audit_log")
status "rerun" 1 "$SB" reconcile
contains "rerun says unchanged" "$T/.out" "(unchanged)"
status "reconcile --period 2025-08" 1 "$SB" reconcile --period 2025-08
contains "2025-08 summary" "$T/.out" "reconcile 2025-08: 3 settlements, 6 errors, 7 warnings, 0 infos (unchanged)"
status "reconcile --period 2025-09" 1 "$SB" reconcile --period 2025-09
contains "2025-09 summary" "$T/.out" "reconcile 2025-09: 3 settlements, 2 errors, 4 warnings, 2 infos (unchanged)"
eq "exception table byte-identical" "$(sqlite3 settlebook.db ".dump exception")" "$before"
eq "no run row" "$(q "select count(*) from run")" "$runs"
eq "no audit entry" "$(q "select count(*) from audit_log")" "$audits"

# A period run rewrites only what changed in its scope: with a 51-day limit the order is no
# longer late and only that row goes; every other row keeps its id and run.
python3 -c 'import json;c=json.load(open("settlebook.json"));c["reconcile"]["order_days_unsettled"]=51;json.dump(c,open("settlebook.json","w"))'
status "51-day limit, 2025-08 only" 1 "$SB" reconcile --period 2025-08
eq "51 days is not more than 51" "$(q "select count(*) from exception where kind='ORDER_NOT_SETTLED'")" "0"
eq "the others untouched" "$(q "select group_concat(id, ',')||' '||min(run_id=$first_run) from (select * from exception order by id)")" "1,2,3,4,5,6,7,8,9,10,11,13,14,15 1"
python3 -c 'import json;c=json.load(open("settlebook.json"));c["reconcile"]["order_days_unsettled"]=50;json.dump(c,open("settlebook.json","w"))'
status "50-day limit" 1 "$SB" reconcile --period 2025-09
eq "51 days is more than 50" "$(rows "and kind='ORDER_NOT_SETTLED'")" "ORDER_NOT_SETTLED warning - 111-0000020-0000020 SKU-J USD 3000 0 -3000"
eq "added by the new run" "$(q "select id||' '||(run_id>$first_run) from exception where kind='ORDER_NOT_SETTLED'")" "16 1"
python3 -c 'import json;c=json.load(open("settlebook.json"));c["reconcile"]["order_days_unsettled"]=45;json.dump(c,open("settlebook.json","w"))'
status "back to 45 days" 1 "$SB" reconcile
eq "same 15 rows" "$(q "select count(*) from exception")" "15"
runs=$(q "select count(*) from run")

# exceptions: sorted by severity, then kind, settlement, order, sku; --period scopes.
"$SB" exceptions --json > all.json
eq "json order" "$(python3 -c 'import json;print(" ".join(x["severity"][0]+":"+x["kind"]+":"+(x["settlement_id"] or "-") for x in json.load(open("all.json"))))')" "e:CURRENCY_MISMATCH:1002 e:DEPOSIT_AMOUNT_MISMATCH:1002 e:DEPOSIT_NOT_FOUND:1003 e:DUPLICATE_LINE:1002 e:REFUND_EXCEEDS_CHARGE:1002 e:UNMAPPED:1003 w:DUPLICATE_LINE:1003 w:FEE_ANOMALY:1003 w:ORDER_NOT_IN_HISTORY:1002 w:ORDER_NOT_SETTLED:- w:PRICE_MISMATCH:1002 w:REFUND_WITHOUT_ORDER:1003 w:RESERVE_DISCONTINUITY:1002 i:CURRENCY_MISMATCH:2001 i:DEPOSIT_NOT_CHECKED:1004"
eq "json fields" "$(python3 -c 'import json;x=[x for x in json.load(open("all.json")) if x["kind"]=="PRICE_MISMATCH"][0];print(sorted(x), x["order_id"], x["sku"], x["currency"], x["expected_minor"], x["actual_minor"], x["difference_minor"], x["scope"])')" "['accepted', 'accepted_reason', 'action', 'actual_minor', 'currency', 'difference_minor', 'expected_minor', 'explanation', 'id', 'kind', 'month', 'order_id', 'scope', 'settlement_id', 'severity', 'sku'] 111-0000007-0000007 SKU-B USD 2500 2000 -500 reconcile"
eq "json null for no expected" "$(python3 -c 'import json;x=[x for x in json.load(open("all.json")) if x["kind"]=="UNMAPPED"][0];print(x["expected_minor"], x["difference_minor"], x["order_id"])')" "None None None"
"$SB" exceptions --period 2025-09 --json > sep.json
eq "--period 2025-09 lists 1003, 1004, 2001 and the ledger-wide row" "$(python3 -c 'import json;print(" ".join(sorted(set(x["settlement_id"] or "-" for x in json.load(open("sep.json"))))), len(json.load(open("sep.json"))))')" "- 1003 1004 2001 8"
status "exceptions text (exit 1: errors remain)" 1 "$SB" exceptions --period 2025-08
contains "text row" "$T/.out" "PRICE_MISMATCH            1002           111-0000007-0000007  SKU-B          USD        25.00        20.00        -5.00"
contains "text action" "$T/.out" "        -> Add {\"transaction_type\":\"other-transaction\""

# The UNMAPPED action names the exact rule; pasting it into settlebook.json clears it, and the
# changed scope is rewritten by a new run.
python3 - <<'PY'
import json, re
rows = json.load(open("all.json"))
action = [x for x in rows if x["kind"] == "UNMAPPED"][0]["action"]
rule = json.loads(re.search(r"Add (\{.*?\}) to", action).group(1))
cfg = json.load(open("settlebook.json"))
cfg["mappings"] = [rule]
json.dump(cfg, open("settlebook.json", "w"), indent=2)
PY
status "reconcile with the suggested rule" 1 "$SB" reconcile
eq "UNMAPPED gone" "$(q "select count(*) from exception where kind='UNMAPPED'")" "0"
eq "the other 14 untouched" "$(q "select count(*)||' '||sum(run_id=(select max(id) from run)) from exception")" "14 0"

# Exit statuses and usage.
status "bad period" 2 "$SB" reconcile --period 2025-13
contains "period message" "$T/.err" "period '2025-13' is not a month"
status "unknown option" 2 "$SB" reconcile --frobnicate
status "exceptions bad period" 2 "$SB" exceptions --period 25-01
status "help" 0 "$SB" reconcile --help
status "no settlement in the period" 0 "$SB" reconcile --period 2030-01
contains "nothing to reconcile" "$T/.err" "no settlement touches 2030-01"
status "missing ledger" 2 "$SB" --ledger nope.db reconcile
status "--json summary" 1 "$SB" --json reconcile --period 2025-08
eq "json summary" "$(python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(d["period"],d["settlements"],d["errors"],d["warnings"],d["infos"],d["changed"],d["kinds"][0])' "$T/.out")" "2025-08 3 5 7 0 False {'severity': 'error', 'kind': 'CURRENCY_MISMATCH', 'count': 1}"
# the converted payout stays an error where settlebook cannot post it: accounts.bank names a
# EUR account (so the payout should have arrived in EUR), or journal mode (manual journals
# are in the base currency only)
python3 -c 'import json;c=json.load(open("settlebook.json"));c["accounts"]["bank"]={"USD":"090","EUR":"094"};json.dump(c,open("settlebook.json","w"))'
"$SB" reconcile >/dev/null 2>&1
eq "EUR account configured: CURRENCY_MISMATCH error" "$(q "select severity||': '||explanation from exception where settlement_id='2001'")" "error: The settlement is in EUR (total 50.00 EUR) but the Amazon bank line near its deposit date is 54.10 USD on 2025-09-23: the payout was converted."
python3 -c 'import json;c=json.load(open("settlebook.json"));c["accounts"]["bank"]="090";c["posting"]["mode"]="journal";json.dump(c,open("settlebook.json","w"))'
"$SB" reconcile >/dev/null 2>&1
eq "journal mode: CURRENCY_MISMATCH error, saying why" "$(q "select severity||' '||(action like 'Journal mode posts manual journals%') from exception where settlement_id='2001'")" "error 1"
status "audit chain verifies" 0 "$SB" audit verify

# The clean set: nothing fires, exit 0; then an ingest-stage error keeps the exit at 1 and is
# neither duplicated nor removed by reconcile.
rm -f settlebook.db settlebook.json && "$SB" init >/dev/null 2>&1
"$SB" ingest "$R/clean-s1.tsv" "$R/clean-s2.tsv" "$R/clean-orders.tsv" "$R/clean-bank.csv" >/dev/null 2>&1
status "clean set reconciles" 0 "$SB" reconcile
contains "clean summary" "$T/.out" "2 settlements, 0 errors, 0 warnings, 0 infos"
eq "no exceptions" "$(q "select count(*) from exception")" "0"
status "clean exceptions list" 0 "$SB" exceptions
contains "empty list" "$T/.out" "(no exceptions)"
status "ingest a mismatching settlement (exit 1: an error stands)" 1 "$SB" ingest "$FX/settlements/v2-mismatch.tsv"
status "ingest error keeps exit 1" 1 "$SB" reconcile
eq "mismatch once, still ingest's" "$(q "select count(*)||' '||min(scope) from exception where kind='SETTLEMENT_TOTAL_MISMATCH'")" "1 ingest"
status "still there after a rerun" 1 "$SB" reconcile
eq "mismatch still once" "$(q "select count(*) from exception where kind='SETTLEMENT_TOTAL_MISMATCH'")" "1"

# Without order history the order checks are skipped, said once.
rm -f settlebook.db && "$SB" init >/dev/null 2>&1
"$SB" ingest "$R/clean-s1.tsv" "$R/clean-s2.tsv" "$R/clean-bank.csv" >/dev/null 2>&1
status "no order history" 0 "$SB" reconcile
eq "one info" "$(rows)" "ORDER_HISTORY_MISSING info - - - - - - -"
finish
