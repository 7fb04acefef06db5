# fetch — `settlebook fetch` against tests/fake_spapi.py (Login with Amazon + SP-API Reports
# 2021-06-30 and Orders v0 on 127.0.0.1): first fetch, incremental fetch, a rerun that changes
# nothing, each fault (429, 500, expired token, cut gzip, truncated download, Amazon staying
# down -> exit 3 with nothing ingested), buyer PII kept out of the data folder and the ledger,
# canary tokens in no output, file or ledger; then `close --fetch`.
. "$(dirname "$0")/../lib.sh"
F="$T/fake"
ALL="$T/all-output.log"   # every stdout and stderr of settlebook, searched for tokens at the end
mkdir -p "$F" && : >"$ALL"
LOG="$F/requests.log"

export SETTLEBOOK_LWA_CLIENT_ID='amzn1.application-oa2-client.CANARYCLIENT'
export SETTLEBOOK_LWA_CLIENT_SECRET='amzn1.oa2-cs.v1.CANARYSECRET'
export SETTLEBOOK_LWA_REFRESH_TOKEN='Atzr|CANARY-REFRESH-0123456789'
CRED='"client_id": "amzn1.application-oa2-client.CANARYCLIENT", "client_secret": "amzn1.oa2-cs.v1.CANARYSECRET", "refresh_token": "Atzr|CANARY-REFRESH-0123456789"'

for s in 11 12 13 14 15 16 17 18 19 20 21 22; do
  "$SB" synth --rows 200 --seed $s -o "$F/s$s.tsv" >/dev/null 2>&1 || bad "synth seed $s"
done
sid() { head -2 "$F/s$1.tsv" | tail -1 | cut -f1; }

python3 "$ROOT/tests/fake_spapi.py" "$F" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null' EXIT
i=0; while [ ! -s "$F/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$F/port")

# state REPORTS ORDERS [EXTRA]: what the fake serves from now on (fault counters restart)
state() {
  cat >"$F/state.tmp" <<EOF
{ $CRED, "rate_limit": "20", "report_page_size": 2, "order_page_size": 2, "item_page_size": 1,
  "reports": [$1], "orders": [$2]${3:+, $3} }
EOF
  mv "$F/state.tmp" "$F/state.json"
}
# rep ID CREATED-DAY SEED [gzip] [STATUS]
rep() { printf '{"id": "%s", "created": "2025-01-%sT00:00:00Z", "file": "s%s.tsv", "gzip": %s, "status": "%s"}' \
  "$1" "$2" "$3" "$([ "${4:-}" = gzip ] && echo true || echo false)" "${5:-DONE}"; }
# ord ID UPDATED-DAY STATUS ITEMS-JSON
ord() { printf '{"id": "%s", "updated": "2025-01-%sT10:00:00Z", "purchase": "2025-01-01T09:00:00Z", "status": "%s", "total": "23.99", "email": "Jane.Buyer@Example.com", "name": "Jane Canarybuyer", "items": [%s]}' "$1" "$2" "$3" "$4"; }
it() { printf '{"id": "%s", "sku": "%s", "price": "19.99", "tax": "4.00", "gift_wrap": "%s"}' "$1" "$2" "${3:-0.00}"; }

R1=$(rep R1 02 11); R2=$(rep R2 03 12 gzip); R3P=$(rep R3 04 13 plain IN_PROGRESS)
R3=$(rep R3 04 13); R4=$(rep R4 12 14 gzip)
O1=$(ord 111-0000001-0000001 05 Shipped "$(it 10000000000001 SKU-A 1.50),$(it 10000000000002 SKU-B)")
O2=$(ord 111-0000002-0000002 06 Unshipped "$(it 10000000000003 SKU-A)")
O3=$(ord 111-0000003-0000003 06 Shipped "$(it 10000000000004 SKU-C)")
O4=$(ord 111-0000004-0000004 07 Shipped "$(it 10000000000005 SKU-A)")
O5=$(ord 111-0000005-0000005 08 Shipped "$(it 10000000000006 SKU-B)")
ORDERS1="$O1, $O2, $O3, $O4, $O5"

"$SB" init >/dev/null 2>&1
python3 - "$PORT" <<'EOF'
import json, sys
c = json.load(open("settlebook.json"))
url = "http://127.0.0.1:%s" % sys.argv[1]
c["spapi"] = {"endpoint": url, "token_url": url + "/auth/o2/token", "marketplace_ids":
              "ATVPDKIKX0DER", "data_dir": "data", "max_retries": 2, "timeout_ms": 5000}
json.dump(c, open("settlebook.json", "w"), indent=1)
EOF

# fetch WANT DESCRIPTION [ARGS...]: runs a fetch (under $ENVCMD, e.g. "env -u VAR"), keeps its
# output for the token search, and leaves this run's requests in $T/.req
ENVCMD=
fetch() { w=$1; d=$2; shift 2; n=$(cat "$LOG" 2>/dev/null | wc -l)
  status "$d" "$w" $ENVCMD "$SB" fetch "$@"; cat "$T/.out" "$T/.err" >>"$ALL"
  tail -n +$((n + 1)) "$LOG" >"$T/.req" 2>/dev/null; }
req() { grep -c -- "$1" "$T/.req"; }

# --- no credentials: a usage error before any request ---
state "$R1" ""
ENVCMD="env -u SETTLEBOOK_LWA_REFRESH_TOKEN"
fetch 2 "missing refresh token is exit 2" --since 2025-01-01
ENVCMD=
contains "names the variable" "$T/.err" "SETTLEBOOK_LWA_REFRESH_TOKEN is not set"
eq "no request without credentials" "$(cat "$LOG" 2>/dev/null | wc -l)" "0"
fetch 2 "bad --since" --since 2025-13-45
eq "bad --since made no request" "$(cat "$T/.req" | wc -l)" "0"

# --- first fetch ---
state "$R1, $R2, $R3P" "$ORDERS1" '"now": "2025-01-10T00:00:00Z"'
ENVCMD="env SETTLEBOOK_PROGRESS=always"   # as on a terminal: the progress line is drawn
fetch 0 "first fetch" --since 2025-01-01
ENVCMD=
contains "progress: reports fetched of those listed" "$T/.err" "fetch settlement reports: 2 of 3 reports (66%)"
contains "progress: finished" "$T/.err" "fetch settlement reports: 3 of 3 reports (100%)"
contains "progress: each report's lines while it is ingested" "$T/.err" "ingest R"
eq "two settlements ingested" "$(q "select group_concat(settlement_id, ' ') from (select settlement_id from settlement order by settlement_id)")" \
  "$(printf '%s\n%s\n' "$(sid 11)" "$(sid 12)" | sort | tr '\n' ' ' | sed 's/ $//')"
eq "fetched_report rows" "$(q "select group_concat(report_id||':'||compression||':'||state, ' ') from (select * from fetched_report order by report_id)")" \
  "R1:none:ingested R2:gzip:ingested"
check "R1 kept byte for byte" cmp data/settlements/R1.tsv "$F/s11.tsv"
check "R2 gunzipped byte for byte" cmp data/settlements/R2.tsv "$F/s12.tsv"
eq "sha256 recorded" "$(q "select sha256 from fetched_report where report_id='R2'")" "$(sha256sum <"$F/s12.tsv" | cut -c1-64)"
eq "report linked to its source file" "$(q "select count(*) from fetched_report f join source_file s on s.id = f.source_file_id and s.sha256 = f.sha256")" "2"
check "in-progress report not downloaded" test ! -e data/settlements/R3.tsv
eq "no temp files left" "$(ls -A data/settlements | grep -c '^\.')" "0"
eq "orders ingested" "$(q "select count(*) from orders")" "5"
eq "items ingested (one order's items came in two pages)" "$(q "select count(*) from order_item")" "6"
eq "high-water mark = LastUpdatedBefore" "$(q "select value from fetch_cursor where name='orders.last_updated'")" "2025-01-10T00:00:00Z"
eq "reports cursor waits at the in-progress report" "$(q "select value from fetch_cursor where name='reports.created'")" "2025-01-04T00:00:00Z"
eq "one token grant for the whole run" "$(req 'POST /auth/o2/token')" "1"
eq "reports paged with nextToken alone" "$(grep 'reports?nextToken=' "$T/.req" | grep -c '&')" "0"
check "reports were paged" grep -q 'reports?nextToken=' "$T/.req"
check "orders were paged with NextToken and MarketplaceIds" grep -q 'orders?MarketplaceIds=ATVPDKIKX0DER&NextToken=' "$T/.req"
check "items were paged" grep -q 'orderItems?NextToken=' "$T/.req"
eq "no SP-API call without a valid token" "$(grep -v '/download/' "$T/.req" | grep -v 'POST' | grep -vc 'tok=valid')" "0"
eq "the token never went to the download host" "$(grep '/download/' "$T/.req" | grep -vc 'tok=none')" "0"
want=$(printf '%s' 'jane.buyer@example.com' | sha256sum | cut -c1-12)
eq "buyer masked, country kept" "$(q "select buyer_ref||' '||ship_country from orders where amazon_order_id='111-0000001-0000001'")" "buyer-$want US"
eq "gift wrap kept from the item's BuyerInfo" "$(q "select gift_wrap_price_minor from order_item where order_item_id='10000000000001'")" "150"
eq "no buyer PII in the data folder" "$(grep -rliE 'canarybuyer|example\.com|cross st|canton|48817|555-0100|birthday|zme-caps|1234567890123|company name|wayne' data | wc -l)" "0"
eq "no buyer PII in the ledger" "$(dump | grep -ciE 'canarybuyer|example\.com|cross st|canton|48817|birthday|zme-caps|company name')" "0"
check "audit chain verifies" "$SB" audit verify

# --- rerun: nothing new ---
before=$(dump)
fetch 0 "rerun"
eq "rerun changes nothing in the ledger" "$(dump)" "$before"
eq "rerun downloads nothing" "$(req '/download/')" "0"
check "rerun starts orders at the high-water mark" grep -q 'LastUpdatedAfter=2025-01-10T00%3A00%3A00Z' "$T/.req"
check "rerun starts reports at the cursor" grep -q 'createdSince=2025-01-04T00%3A00%3A00Z' "$T/.req"
eq "rerun asks for no order items" "$(req 'orderItems')" "0"
contains "rerun summary" "$T/.out" "1 settlement report(s) listed: 0 fetched, 0 fetched before, 1 still being prepared"

# --- incremental: R3 is done, R4 is new, order 2 changed, order 6 is new ---
O2B=$(ord 111-0000002-0000002 14 Canceled "$(it 10000000000003 SKU-A)")
O6=$(ord 111-0000006-0000006 15 Shipped "$(it 10000000000007 SKU-C)")
ORDERS2="$O1, $O2B, $O3, $O4, $O5, $O6"
state "$R1, $R2, $R3, $R4" "$ORDERS2" '"now": "2025-01-20T00:00:00Z"'
fetch 0 "incremental fetch"
eq "only the new reports downloaded" "$(grep '/download/' "$T/.req" | sed 's/.*download\/\(DOC-R[0-9]*\).*/\1/' | sort | tr '\n' ' ')" "DOC-R3 DOC-R4 "
eq "four settlements" "$(q "select count(*) from settlement")" "4"
eq "only the changed orders asked for items" "$(grep -o 'orders/111-[0-9-]*/orderItems' "$T/.req" | sort -u | tr '\n' ' ')" \
  "orders/111-0000002-0000002/orderItems orders/111-0000006-0000006/orderItems "
eq "order 2 updated" "$(q "select order_status from orders where amazon_order_id='111-0000002-0000002'")" "Canceled"
eq "six orders" "$(q "select count(*) from orders")" "6"
eq "high-water mark advanced" "$(q "select value from fetch_cursor where name='orders.last_updated'")" "2025-01-20T00:00:00Z"

ORDERS=$ORDERS2; REPORTS="$R1, $R2, $R3, $R4"
# more REPORT-JSON ORDER-JSON NOW-DAY [FAULTS]: adds a report and an order, sets the faults
more() { REPORTS="$REPORTS, $1"; ORDERS="$ORDERS, $2"
  extra="\"now\": \"2025-01-$3T00:00:00Z\""
  [ -n "${4:-}" ] && extra="$extra, \"faults\": {$4}"
  state "$REPORTS" "$ORDERS" "$extra"; }

# --- 429 with x-amzn-RateLimit-Limit: waits, then succeeds ---
more "$(rep R5 21 15)" "$(ord 111-0000007-0000007 21 Shipped "$(it 10000000000008 SKU-A)")" 22 '"http_429": 2'
fetch 0 "429 twice, then served" --verbose
eq "two 429s seen" "$(req ' -> 429')" "2"
gap=$(awk '/ -> 429/ { t = $1; next } t { printf "%d", ($1 - t) * 1000; exit }' "$T/.req")
check "waited at least the advertised rate (2/s) after a 429 (${gap} ms)" test "${gap:-0}" -ge 450
eq "R5 ingested" "$(q "select state from fetched_report where report_id='R5'")" "ingested"

# --- 500 twice: backs off and succeeds ---
more "$(rep R6 23 16 gzip)" "$(ord 111-0000008-0000008 23 Shipped "$(it 10000000000009 SKU-B)")" 24 '"http_500": 2'
fetch 0 "500 twice, then served" --verbose
eq "two 500s seen" "$(req ' -> 500')" "2"
eq "R6 and order 8 ingested" "$(q "select count(*) from fetched_report where report_id='R6'")/$(q "select count(*) from orders where amazon_order_id='111-0000008-0000008'")" "1/1"

# --- access token expires mid-run: renewed once, run completes ---
more "$(rep R7 25 17)" "$(ord 111-0000009-0000009 25 Shipped "$(it 10000000000010 SKU-C)")" 26 '"expire_after": 2'
fetch 0 "expired token renewed" --verbose
eq "one 403 for the expired token" "$(req 'tok=expired -> 403')" "1"
eq "a second token grant" "$(req 'POST /auth/o2/token')" "2"
eq "R7 ingested" "$(q "select state from fetched_report where report_id='R7'")" "ingested"

# --- a cut gzip document and a truncated download: detected, retried, never ingested cut ---
more "$(rep R8 27 18 gzip)" "$(ord 111-0000010-0000010 27 Shipped "$(it 10000000000011 SKU-A)")" 28 '"gzip_cut": 1'
fetch 0 "cut gzip retried" --verbose
eq "R8 downloaded twice" "$(req '/download/DOC-R8')" "2"
check "R8 kept whole" cmp data/settlements/R8.tsv "$F/s18.tsv"
contains "says why it retried" "$T/.err" "ends early"
more "$(rep R9 29 19)" "$(ord 111-0000011-0000011 29 Shipped "$(it 10000000000012 SKU-B)")" 30 '"truncate": 1'
fetch 0 "truncated download retried" --verbose
eq "R9 downloaded twice" "$(req '/download/DOC-R9')" "2"
check "R9 kept whole" cmp data/settlements/R9.tsv "$F/s19.tsv"
eq "nine settlements, each once" "$(q "select count(*)||'/'||count(distinct settlement_id) from settlement")" "9/9"

# --- Amazon stays unavailable: exit 3, nothing ingested, nothing moved ---
NEWR=$(rep R10 30 20); NEWO=$(ord 111-0000012-0000012 30 Shipped "$(it 10000000000013 SKU-C)")
before=$(dump)
for fault in '"http_500": -1' '"truncate": -1' '"gzip_cut": -1' '"token_500": -1'; do
  g=plain; [ "$fault" = '"gzip_cut": -1' ] && g=gzip
  state "$REPORTS, $(rep R10 30 20 $g)" "$ORDERS, $NEWO" \
    "\"now\": \"2025-01-31T00:00:00Z\", \"faults\": {$fault}"
  fetch 3 "stays down ($fault): exit 3"
  eq "stays down ($fault): ledger unchanged" "$(dump)" "$before"
  check "stays down ($fault): no R10 file" test ! -e data/settlements/R10.tsv
  eq "stays down ($fault): no temp file" "$(ls -A data/settlements | grep -c '^\.')" "0"
done
contains "clear message when Amazon stays down" "$T/.err" "Login with Amazon stayed unavailable"
state "$REPORTS, $NEWR" "$ORDERS, $NEWO" '"now": "2025-01-31T00:00:00Z", "faults": {"http_500": -1}'
fetch 3 "500 forever"
contains "names the request and the retries" "$T/.err" "Amazon SP-API stayed unavailable: GET /reports/2021-06-30/reports: HTTP 500, 3 attempt(s)"
ENVCMD="env SETTLEBOOK_LWA_REFRESH_TOKEN=Atzr|CANARY-WRONG"
fetch 3 "refused refresh token: exit 3"
ENVCMD=
contains "says the credentials were refused" "$T/.err" "refused the credentials (invalid_grant)"
eq "refused token: ledger unchanged" "$(dump)" "$before"

# --- back up: the missed report and order come in; --json summary ---
state "$REPORTS, $NEWR" "$ORDERS, $NEWO" '"now": "2025-01-31T00:00:00Z"'
n=$(cat "$LOG" | wc -l)
"$SB" --json fetch >"$T/fetch.json" 2>"$T/.err"; st=$?; cat "$T/fetch.json" "$T/.err" >>"$ALL"
eq "after the outage: exit 0" "$st" "0"
eq "json summary" "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["reports_fetched"], j["orders"], j["orders_high_water_mark"], sorted(f["kind"] for f in j["files"]))' "$T/fetch.json")" \
  "1 1 2025-01-31T00:00:00Z ['order_items', 'orders', 'settlement_report']"
eq "ten settlements" "$(q "select count(*) from settlement")" "10"
check "audit chain still verifies" "$SB" audit verify

# --- a document ingest refuses: kept, reported (exit 2), fetched again; the rest comes in ---
printf 'hello\tworld\n1\t2\n' >"$F/junk.tsv"
"$SB" ingest "$F/s22.tsv" >/dev/null 2>&1 || bad "manual ingest of s22"
REPORTS="$REPORTS, $(rep R12 31 22)"
state "$REPORTS, {\"id\": \"R11\", \"created\": \"2025-01-31T00:00:00Z\", \"file\": \"junk.tsv\"}" \
  "$ORDERS, $NEWO, $(ord 111-0000013-0000013 31 Shipped "$(it 10000000000014 SKU-A)")" '"now": "2025-02-01T00:00:00Z"'
fetch 2 "a report ingest refuses: exit 2"
contains "says where the refused report is kept" "$T/.err" "report R11 was downloaded to data/settlements/R11.tsv but not ingested"
eq "refused report not recorded" "$(q "select count(*) from fetched_report where report_id='R11'")" "0"
eq "same bytes already ingested by hand: recorded as known" "$(q "select state from fetched_report where report_id='R12'")" "known"
eq "orders still came in" "$(q "select value from fetch_cursor where name='orders.last_updated'")" "2025-02-01T00:00:00Z"
eq "reports cursor held back" "$(q "select value from fetch_cursor where name='reports.created'")" "2025-01-30T00:00:00Z"
fetch 2 "the refused report is fetched again"
eq "refused report downloaded again" "$(req '/download/DOC-R11')" "1"
state "$REPORTS" "$ORDERS, $NEWO" '"now": "2025-02-01T00:00:00Z", "faults": {"http_403": -1}'
fetch 3 "403 that a new token does not cure: exit 3"
contains "403 names the roles to check" "$T/.err" "check that the app has the"
eq "403: token renewed once, not more" "$(req 'POST /auth/o2/token')" "2"
state "$REPORTS" "$ORDERS, $NEWO" '"now": "2025-02-01T00:00:00Z"'
fetch 0 "without the refused report: clean"

# --- tokens: never in any output, file or the ledger ---
eq "no token in any output" "$(grep -c CANARY "$ALL")" "0"
eq "no token in the ledger dump" "$(dump | grep -c CANARY)" "0"
eq "no token in the ledger files" "$(cat settlebook.db* | grep -ac CANARY)" "0"
eq "no token in the data folder" "$(grep -rl CANARY data | wc -l)" "0"

# --- close --period P --fetch: fetches first (default start: 90 days back) ---
day() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
mkdir -p "$T/close" && cd "$T/close" || exit 1
cp "$T/settlebook.json" . && sed -i 's/"data_dir": "data"/"data_dir": "cdata"/' settlebook.json
"$SB" init >/dev/null 2>&1
cat >"$F/state.tmp" <<EOF
{ $CRED, "rate_limit": "20",
  "reports": [{"id": "C1", "created": "$(day '-2 days')", "file": "s12.tsv", "gzip": true, "status": "DONE"}],
  "orders": [{"id": "222-0000001-0000001", "updated": "$(day '-3 days')", "items": [{"id": "20000000000001"}]}] }
EOF
mv "$F/state.tmp" "$F/state.json"
"$SB" close --period 2025-01 --fetch --reports "$T/close/reports" >"$T/.out" 2>"$T/.err"; st=$?
cat "$T/.out" "$T/.err" >>"$ALL"
check "close --fetch ran (exit $st)" test "$st" -le 1
eq "close --fetch fetched the report" "$(sqlite3 settlebook.db "select report_id||' '||state from fetched_report")" "C1 ingested"
eq "close --fetch: high-water mark = latest LastUpdateDate" "$(sqlite3 settlebook.db "select value from fetch_cursor where name='orders.last_updated'")" \
  "$(sqlite3 settlebook.db "select last_updated_utc from orders")"
contains "close printed the fetch summary" "$T/.out" "fetch: 1 settlement report(s) listed: 1 fetched"
contains "close went on to the period" "$T/.out" "close 2025-01"
eq "no token in close's output" "$(cat "$T/.out" "$T/.err" | grep -c CANARY)" "0"
finish
