# settlements — every real-world settlement variant in fixtures/settlements ingests with the
# exact numbers; re-ingest is a no-op; a second version of a settlement needs --replace, which
# supersedes the first atomically and leaves an audit trail.
. "$(dirname "$0")/../lib.sh"
F="$FX/settlements"

# S ID EXPR: one value from the settlement row of settlement-id ID
S() { q "select $2 from settlement where settlement_id='$1'"; }
# L ID EXPR [WHERE]: EXPR over the settlement's lines in file order, space separated
L() { q "select group_concat(x, ' ') from (select $2 as x from settlement_line l join settlement s
         on s.id = l.settlement_ref where s.settlement_id = '$1' ${3:+and $3} order by l.id)"; }

"$SB" init >/dev/null 2>&1
GOOD="v2-us.tsv v2-de-eur.tsv v2-uk-gbp.tsv v2-iso8601.tsv v2-posted-date-time.tsv v2-crlf.tsv
v2-bom.tsv v2-cp1252.tsv v2-liquidations-ragged.tsv v2-trailing-blanks.tsv
v2-multiline-field.tsv v2-reordered.tsv v2-negative.tsv v2-zero-reserve.tsv v1-36col.tsv
v2-mismatch.tsv v2-replace-a.tsv v2-jp-jpy.tsv"
set --
for f in $GOOD; do set -- "$@" "$F/$f"; done
status "ingest every variant in one batch (mismatch fixtures: exit 1)" 1 "$SB" --json ingest "$@"
cp "$T/.out" ingest.json
eq "no sanitizer report" "$(grep -c 'Sanitizer\|runtime error' "$T/.err")" "0"
eq "one settlement per file" "$(q "select count(*) from settlement")" "18"
eq "ingest --json: one entry per file" \
   "$(python3 -c 'import json;print(len(json.load(open("ingest.json"))))')" "18"
eq "ingest --json: mismatch flags" \
   "$(python3 -c 'import json;print(" ".join(e["settlement_id"] for e in json.load(open("ingest.json")) if e["mismatch"]))')" \
   "17171717171 18181818181"

# --- V2 US -----------------------------------------------------------------------------------
U=11223344551
eq "US totals" "$(S $U "format||' '||currency||' '||total_minor||' '||lines_sum_minor||' '||line_count")" "v2 USD 7450 7450 17"
eq "US bounds (UTC)" "$(S $U "start_utc||' '||end_utc||' '||deposit_utc")" \
   "2024-09-25T14:28:38Z 2024-10-09T14:28:38Z 2024-10-11T14:28:38Z"
eq "US marketplace skips the MCF row's 'Non-Amazon US'" "$(S $U marketplace)" "Amazon.com"
eq "US amounts in file order" "$(L $U amount_minor)" \
   "-540 2499 206 499 -206 -375 -322 -499 8997 -1350 -966 -1999 300 -60 12000 -9500 -1234"
eq "US line numbers" "$(L $U line_no)" "3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19"
eq "US posted-date (date only)" "$(L $U posted "l.line_no in (4, 14, 19)")" "2024-09-27 2024-10-03 2024-10-05"
eq "US reserve lines: empty marketplace is NULL" \
   "$(L $U "amount_description||':'||amount_minor||':'||coalesce(l.marketplace,'NULL')" "l.amount_description like '%Reserve%'")" \
   "Previous Reserve Amount Balance:12000:NULL Current Reserve Amount:-9500:NULL"
eq "US facilitator tax" "$(L $U amount_minor "l.amount_type='ItemWithheldTax'")" "-206"
eq "US ids are text (leading zeros, / and +)" "$(L $U sku "l.line_no=4")" "0012/A+B"
eq "US quantity and order id" "$(L $U "quantity||' '||order_id" "l.line_no=11")" "3 112-0000003-0000003"
eq "US refund keeps adjustment ids" "$(L $U "adjustment_id||' '||merchant_adjustment_item_id" "l.line_no=14")" "amzn1.adj.1 adj-0001"
eq "US promotion id" "$(L $U promotion_id "l.amount_type='Promotion'")" "US Core Free Shipping Promotion 8821"
eq "US service fee typed as in the file" "$(L $U "transaction_type||'/'||amount_type||'/'||amount_description" "l.line_no=19")" \
   "ServiceFee/Cost of Advertising/TransactionTotalAmount"

# --- V2 DE/EUR: EU dates, decimal commas -----------------------------------------------------------
D=22334455661
eq "DE totals" "$(S $D "currency||' '||marketplace||' '||total_minor||' '||lines_sum_minor||' '||line_count")" "EUR Amazon.de 100964 100964 13"
eq "DE EU dates" "$(S $D "start_utc||' '||end_utc||' '||deposit_utc")" \
   "2024-08-30T08:59:52Z 2024-09-13T08:59:52Z 2024-09-15T08:59:52Z"
eq "DE 1.234,56 / 4,99 / 128,84 / -1,50" "$(L $D amount_minor "l.line_no in (3, 4, 8, 14)")" "123456 499 12884 -150"
eq "DE posted dd.mm.yyyy" "$(L $D posted "l.line_no in (3, 8, 13)")" "2024-09-02 2024-09-05 2024-09-01"

# --- V2 UK/GBP: EU dates, dot decimals -------------------------------------------------------------
K=33445566771
eq "UK totals" "$(S $K "currency||' '||marketplace||' '||total_minor||' '||lines_sum_minor||' '||line_count")" "GBP Amazon.co.uk 118195 118195 5"
eq "UK amounts" "$(L $K amount_minor)" "123456 -3704 -257 -150 -1150"
eq "UK posted-date-time wins over posted-date" "$(L $K posted "l.line_no=3")" "2024-09-12T21:04:11Z"
eq "UK posted-date alone" "$(L $K posted "l.line_no=6")" "2024-09-13"

# --- ISO 8601 with offsets -------------------------------------------------------------------------
I=44556677881
eq "ISO bounds, +02:00 converted to UTC" "$(S $I "start_utc||' '||end_utc||' '||deposit_utc")" \
   "2024-09-25T14:28:38Z 2024-10-09T14:28:38Z 2024-10-11T14:28:38Z"
eq "ISO posted -07:00 becomes the next UTC day" "$(L $I posted)" "2024-10-02T05:15:00Z 2024-10-02T05:15:00Z"
eq "ISO totals" "$(S $I "currency||' '||total_minor||' '||lines_sum_minor")" "CAD 1674 1674"

# --- posted-date-time column -----------------------------------------------------------------------
P=55667788991
eq "posted-date-time, else posted-date" "$(L $P posted)" "2024-10-02T17:45:10Z 2024-10-03"

# --- CRLF ------------------------------------------------------------------------------------------
C=66778899001
eq "CRLF totals" "$(S $C "total_minor||' '||lines_sum_minor||' '||line_count")" "2750 2750 2"
eq "CRLF: last column carries no CR" "$(L $C "hex(promotion_id)" "l.promotion_id is not null")" "50524F4D4F2D4352"
eq "CRLF line numbers" "$(L $C line_no)" "3 4"

# --- BOM -------------------------------------------------------------------------------------------
eq "BOM: first column found, id exact" "$(q "select hex(settlement_id)||' '||total_minor from settlement where total_minor=525")" \
   "3737383839393030313131 525"

# --- Windows-1252 ----------------------------------------------------------------------------------
W=88990011221
eq "cp1252 é stored as UTF-8 C3A9" "$(L $W "hex(sku)" "l.line_no=3")" "74617373652D636166C3A9"
eq "cp1252 € stored as UTF-8 E282AC" "$(L $W "hex(promotion_id)" "l.line_no=4")" "52656D6973652031E282AC20636166C3A9"
eq "cp1252 file recorded as windows-1252" "$(q "select encoding from source_file where path like '%v2-cp1252.tsv'")" "windows-1252"
eq "utf-8 file recorded as utf-8" "$(q "select encoding from source_file where path like '%v2-us.tsv'")" "utf-8"
eq "cp1252 EUR amounts" "$(L $W amount_minor)" "1990 -100 -245"

# --- ragged Liquidations rows ----------------------------------------------------------------------
R=99001122331
eq "ragged rows: 23 fields accepted" "$(S $R "total_minor||' '||lines_sum_minor||' '||line_count")" "970 970 3"
eq "liquidation order id in merchant-order-id" \
   "$(L $R "coalesce(order_id,'NULL')||' '||merchant_order_id||' '||quantity||' '||amount_minor" "l.transaction_type='Liquidations'")" \
   "NULL LQ-000123 4 1200 NULL LQ-000123 4 -180"

# --- padded amounts, blank lines -------------------------------------------------------------------
B=10101010101
eq "padded amounts and total" "$(S $B "total_minor||' '||lines_sum_minor||' '||line_count")" "925 925 2"
eq "padded amount values" "$(L $B amount_minor)" "1250 -325"
eq "a blank line keeps physical line numbers" "$(L $B line_no)" "3 5"

# --- quoted field with a line break ----------------------------------------------------------------
M=12121212121
eq "multi-line field: rows keep their physical line" "$(L $M line_no)" "3 4 6"
eq "multi-line field value keeps its LF" "$(L $M "hex(sku)" "l.line_no=4")" "4D55472D0A424C5545"
eq "multi-line totals" "$(S $M "total_minor||' '||lines_sum_minor||' '||line_count")" "2000 2000 3"

# --- columns in another order ----------------------------------------------------------------------
O=13131313131
eq "reordered: parsed by name" "$(S $O "total_minor||' '||lines_sum_minor||' '||line_count||' '||start_utc")" "4130 4130 3 2024-09-25T14:28:38Z"
eq "reordered amounts and fields" "$(L $O "amount_description||':'||amount_minor||':'||quantity||':'||sku")" \
   "Principal:4998:2:LAMP-2 Commission:-750:2:LAMP-2 FBAPerUnitFulfillmentFee:-118:2:LAMP-2"

# --- negative and zero settlements ---------------------------------------------------------------
eq "negative settlement" "$(S 14141414141 "total_minor||' '||lines_sum_minor||' '||line_count")" "-4567 -4567 4"
eq "zero settlement" "$(S 15151515151 "total_minor||' '||lines_sum_minor||' '||line_count")" "0 0 4"
eq "zero: reserve withholds everything" "$(L 15151515151 amount_minor "l.amount_description='Current Reserve Amount'")" "-3928"

# --- V1, 36 columns --------------------------------------------------------------------------------
V=16161616161
eq "V1 totals" "$(S $V "format||' '||total_minor||' '||lines_sum_minor||' '||line_count")" "v1 286 286 11"
eq "V1 row 3 carries two amounts" "$(L $V "amount_type||'/'||amount_description||'/'||amount_minor" "l.line_no=3")" \
   "ItemPrice/Principal/1999 ItemFees/Commission/-300"
eq "V1 fee + promotion on one row" "$(L $V "amount_type||'/'||amount_minor||'/'||coalesce(promotion_id,'')" "l.line_no=5")" \
   "ItemFees/-322/PROMO-9 Promotion/-399/PROMO-9"
eq "V1 quantity-only row gives no line" "$(L $V "count(*)" "l.line_no=9")" "0"
eq "V1 other-amount rows" "$(L $V "transaction_type||'/'||amount_type||'/'||amount_minor" "l.line_no in (7, 8)")" \
   "Storage Fee/other-transaction/-437 WAREHOUSE_DAMAGE/other-transaction/1200"
eq "V1 misc fee" "$(L $V "amount_type||'/'||amount_description||'/'||amount_minor" "l.line_no=10")" "MiscFees/MiscFee/-50"
eq "V1 ISO posted" "$(L $V posted "l.line_no=6")" "2025-08-05T09:00:00Z 2025-08-05T09:00:00Z"

# --- JPY --------------------------------------------------------------------------------------------
eq "JPY: no minor unit, 1,980 grouped" "$(L 19191919191 amount_minor)" "1980 -297 500"
eq "JPY total 2,183" "$(S 19191919191 "total_minor||' '||lines_sum_minor")" "2183 2183"

# --- the total check ---------------------------------------------------------------------------------
X=17171717171
eq "mismatch kept as the file says" "$(S $X "total_minor||' '||lines_sum_minor||' '||line_count")" "10000 5500 2"
eq "mismatch exception" "$(q "select kind||' '||severity||' '||scope||' '||currency||' '||expected_minor||' '||actual_minor||' '||difference_minor from exception where settlement_id='$X'")" \
   "SETTLEMENT_TOTAL_MISMATCH error ingest USD 10000 5500 -4500"
eq "mismatch explanation" "$(q "select explanation from exception where settlement_id='$X'")" \
   "The amount lines sum to 55.00 USD but the report's total-amount is 100.00 USD."
eq "only the mismatching files are flagged" "$(q "select group_concat(settlement_id, ' ') from (select settlement_id from exception order by settlement_id)")" \
   "17171717171 18181818181"
contains "the ingest summary says MISMATCH" "$T/.err" "MISMATCH"

# --- settlebook settlements --json ------------------------------------------------------------------
"$SB" settlements --json > s.json
eq "settlements --json lists all" "$(python3 -c 'import json;print(len(json.load(open("s.json"))))')" "18"
eq "settlements --json fields (DE)" "$(python3 -c '
import json
s = [x for x in json.load(open("s.json")) if x["settlement_id"] == "22334455661"][0]
print(s["format"], s["marketplace"], s["currency"], s["start"], s["end"], s["deposit_date"],
      s["total_minor"], s["lines_sum_minor"], s["lines"])')" \
   "v2 Amazon.de EUR 2024-08-30T08:59:52Z 2024-09-13T08:59:52Z 2024-09-15T08:59:52Z 100964 100964 13"
eq "settlements --json source sha256" \
   "$(python3 -c 'import json;print([x for x in json.load(open("s.json")) if x["settlement_id"]=="11223344551"][0]["source_sha256"])')" \
   "$(sha256sum "$F/v2-us.tsv" | cut -d' ' -f1)"
eq "settlements --json: negative total" \
   "$(python3 -c 'import json;print([x["total_minor"] for x in json.load(open("s.json")) if x["settlement_id"]=="14141414141"][0])')" "-4567"

# --- re-ingest: same bytes are a no-op ---------------------------------------------------------------
dump > before.sql
status "re-ingest identical bytes exits 0" 0 "$SB" ingest "$F/v2-us.tsv" "$F/v2-de-eur.tsv"
contains "re-ingest says already ingested" "$T/.err" "already ingested"
dump > after.sql
check "re-ingest changes nothing" cmp -s before.sql after.sql
cp "$F/v2-us.tsv" same-bytes-other-name.tsv
status "same bytes under another name: no-op" 0 "$SB" ingest same-bytes-other-name.tsv
contains "copy is recognised by sha256" "$T/.err" "already ingested"
dump > after.sql
check "copy changes nothing" cmp -s before.sql after.sql

# --- a second version of one settlement ------------------------------------------------------------
Y=18181818181
eq "version A: a truncated download, flagged" "$(S $Y "total_minor||' '||lines_sum_minor||' '||line_count")" "5000 3500 2"
status "version B without --replace is refused" 2 "$SB" ingest "$F/v2-replace-b.tsv"
contains "refusal names --replace" "$T/.err" "--replace"
contains "refusal names file and line" "$T/.err" "v2-replace-b.tsv:2:1: settlement 18181818181 is already in the ledger"
dump > after.sql
check "refusal changes nothing" cmp -s before.sql after.sql

# --replace with a broken B must leave A exactly as it was
sed 's/	20.00	/	20.0x	/' "$F/v2-replace-b.tsv" > replace-b-broken.tsv
status "--replace with a broken file is refused" 2 "$SB" ingest --replace replace-b-broken.tsv
contains "broken B: line and column" "$T/.err" "replace-b-broken.tsv:5:15: amount"
dump > after.sql
check "failed --replace changes nothing" cmp -s before.sql after.sql

old_src=$(q "select source_file_id from settlement where settlement_id='$Y'")
old_ref=$(q "select id from settlement where settlement_id='$Y'")
status "version B with --replace" 0 "$SB" --json ingest --replace "$F/v2-replace-b.tsv"
eq "--replace reported in --json" "$(python3 -c 'import json,sys;e=json.load(open(sys.argv[1]))[0];print(e["replaced"],e["mismatch"],e["lines"])' "$T/.out")" "True False 4"
eq "B is the settlement now" "$(S $Y "total_minor||' '||lines_sum_minor||' '||line_count")" "5000 5000 4"
eq "B's lines are in" "$(L $Y amount_minor)" "4000 -500 2000 -500"
eq "A's lines are gone" "$(q "select count(*) from settlement_line where settlement_ref=$old_ref")" "0"
eq "no orphan lines" "$(q "select count(*) from settlement_line where settlement_ref not in (select id from settlement)")" "0"
new_src=$(q "select source_file_id from settlement where settlement_id='$Y'")
eq "A's source file superseded by B's" "$(q "select superseded_by from source_file where id=$old_src")" "$new_src"
eq "B's source file is current" "$(q "select coalesce(superseded_by,'NULL')||' '||sha256 from source_file where id=$new_src")" \
   "NULL $(sha256sum "$F/v2-replace-b.tsv" | cut -d' ' -f1)"
eq "A's mismatch exception is gone" "$(q "select count(*) from exception where settlement_id='$Y'")" "0"
eq "audit row settlement.replace" "$(q "select count(*) from audit_log where event='settlement.replace' and detail like 'settlement $Y: source $(sha256sum "$F/v2-replace-a.tsv" | cut -c1-64) replaced by $(sha256sum "$F/v2-replace-b.tsv" | cut -c1-64)'")" "1"
eq "other settlements untouched" "$(q "select count(*) from settlement")" "18"
status "audit chain verifies after --replace" 0 "$SB" audit verify

# A superseded file's bytes are still known: re-ingesting A is a no-op, it does not revert
dump > before.sql
status "re-ingest superseded A: no-op" 0 "$SB" ingest "$F/v2-replace-a.tsv"
contains "superseded A: already ingested" "$T/.err" "already ingested"
dump > after.sql
check "superseded A changes nothing" cmp -s before.sql after.sql

# two versions in one batch with --replace: the later wins, inside one transaction
rm -f settlebook.db*
"$SB" init >/dev/null 2>&1
status "A then B in one --replace batch" 0 "$SB" ingest --replace "$F/v2-replace-a.tsv" "$F/v2-replace-b.tsv"
eq "batch: B wins" "$(S $Y "total_minor||' '||lines_sum_minor||' '||line_count")" "5000 5000 4"
eq "batch: one settlement.replace" "$(q "select count(*) from audit_log where event='settlement.replace'")" "1"
status "batch: audit chain verifies" 0 "$SB" audit verify

# Bytes shaped like UTF-8 that are not (ED A0 80 encodes a UTF-16 surrogate, which JSON and
# Xero refuse): the file is read as Windows-1252, so the ledger only ever holds valid UTF-8.
sed -e "s/PIN-1/PIN-$(printf '\355\240\200')/" -e 's/77889900111/77889900119/g' "$F/v2-bom.tsv" > surrogate.tsv
status "a UTF-16 surrogate in UTF-8 form" 0 "$SB" ingest surrogate.tsv
eq "surrogate file read as windows-1252" "$(q "select encoding from source_file where path='surrogate.tsv'")" "windows-1252"
eq "surrogate bytes stored as valid UTF-8" "$(q "select hex(sku) from settlement_line l join settlement s on s.id=l.settlement_ref where s.settlement_id='77889900119'")" \
   "50494E2DC3ADC2A0E282AC"
finish
