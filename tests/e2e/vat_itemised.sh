# vat_itemised — which sales are zero-rated (README "Sales tax and VAT"): only where the
# settlement itemises VAT (VAT_NOT_ITEMISED otherwise, everything standard-rated), promotions
# at the rate of the principal they discount, and deemed supplies (MarketplaceFacilitatorVAT
# withheld) zero-rated with their VAT netting on the facilitator-tax account, in the
# summary, orders and journal modes. Every number is worked out by hand below and read from
# the preview or the ledger.
. "$(dirname "$0")/../lib.sh"

# the UK VAT config of the review: GBP, OUTPUT2 / INPUT2 / NONE at 20%, posting mode $1,
# Amazon.co.uk's vat_itemised $2 when given
UKCFG='import json, sys
c = json.load(open("settlebook.json"))
c["posting"]["mode"] = sys.argv[1]
c["base_currency"] = "GBP"
c["marketplaces"]["Amazon.co.uk"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2", "none": "NONE"}
c["marketplaces"]["Amazon.co.uk"]["vat_rate"] = 20
if len(sys.argv) > 2:
    c["marketplaces"]["Amazon.co.uk"]["vat_itemised"] = sys.argv[2]
json.dump(c, open("settlebook.json", "w"), indent=1)'

# fresh DIR MODE [VAT_ITEMISED]: a folder with the UK VAT config in posting mode MODE
fresh() {
  D="$T/$1"
  rm -rf "$D" && mkdir -p "$D" && cd "$D" && "$SB" init >/dev/null 2>&1 &&
    python3 -c "$UKCFG" "$2" ${3:+"$3"}
}
qq() { sqlite3 "$D/settlebook.db" "$1"; }

# lines: every document line of the preview, "ACCOUNT:TAX:AMOUNT" (manual journal lines as
# sent, debit positive), in preview order, one document per output line
lines() {
  python3 - reports/${1:-2025-09}/xero-preview.json <<'EOF'
import json, sys
from decimal import Decimal
for r in json.load(open(sys.argv[1]), parse_float=Decimal)["requests"]:
    for coll, els in r["body"].items():
        for d in els:
            ls = d.get("LineItems") or d.get("JournalLines")
            if ls:
                print(d.get("Type", "MJ"), " ".join("%s:%s:%s" % (l["AccountCode"],
                      l.get("TaxType"), l["LineAmount"]) for l in ls))
EOF
}

# settle ID TOTAL ROWS...: a UK settlement of Sep 2025; each row "tt|order|at|desc|amount|sku"
settle() {
  id=$1 total=$2
  shift 2
  printf 'settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\tmarketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\tposted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id\n'
  printf '%s\t01.09.2025 08:00:00 UTC\t15.09.2025 08:00:00 UTC\t17.09.2025 08:00:00 UTC\t%s\tGBP\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\n' "$id" "$total"
  for r in "$@"; do
    echo "$r" | awk -F'|' -v id="$id" 'BEGIN { OFS = "\t" } {
      q = $1 == "Order" ? "1" : ""
      print id, "", "", "", "", "", $1, $2, "", "", "Sh1", "Amazon.co.uk", $3, $4, $5, "AFN",
            "09.09.2025", "", "", "", "", $6, q, "" }'
  done
}
O1=206-1000001-0000001 O2=206-1000002-0000002 O3=206-1000003-0000003
# order 2: a book (no VAT) with a promotion of its own; order 3: a deemed supply, Tax and
# ShippingTax withheld by Amazon as MarketplaceFacilitatorVAT, refunded likewise
BOOK="Order|$O2|ItemPrice|Principal|10.00|BOOK-1
Order|$O2|Promotion|Principal|-1.00|BOOK-1"
DEEMED="Order|$O3|ItemPrice|Principal|10.00|TEA-40
Order|$O3|ItemPrice|Tax|2.00|TEA-40
Order|$O3|ItemPrice|Shipping|2.50|TEA-40
Order|$O3|ItemPrice|ShippingTax|0.50|TEA-40
Order|$O3|ItemWithheldTax|MarketplaceFacilitatorVAT-Principal|-2.00|TEA-40
Order|$O3|ItemWithheldTax|MarketplaceFacilitatorVAT-Shipping|-0.50|TEA-40
Refund|$O3|ItemPrice|Principal|-10.00|TEA-40
Refund|$O3|ItemPrice|Tax|-2.00|TEA-40
Refund|$O3|ItemWithheldTax|MarketplaceFacilitatorVAT-Principal|2.00|TEA-40"
# MIXED adds order 1: standard-rated tea, 20.00 + Tax 4.00 (20%), a 2.00 promotion without a
# TaxDiscount row, a 3.00 commission. Total by hand: order 1 20+4-2-3 = 19.00, order 2
# 10-1 = 9.00, order 3 10+2+2.5+0.5-2-0.5 = 12.50 and its refund -10-2+2 = -10.00: 30.50.
IFS='
'
settle 55667788991 30.50 "Order|$O1|ItemPrice|Principal|20.00|TEA-40" \
  "Order|$O1|ItemPrice|Tax|4.00|TEA-40" "Order|$O1|Promotion|Principal|-2.00|TEA-40" \
  "Order|$O1|ItemFees|Commission|-3.00|TEA-40" $BOOK $DEEMED >"$T/mixed.tsv"
# DEEMED alone with the book: its only Tax rows are the deemed supply's, which Amazon
# withheld, so no sale's VAT is itemised: 9.00 + 12.50 - 10.00 = 11.50
settle 55667788992 11.50 $BOOK $DEEMED >"$T/deemed.tsv"
unset IFS

# --- 1. a settlement that itemises VAT: summary --------------------------------------------
# Sales: order 1 20.00 + 4.00 = 24.00 OUTPUT2 (Xero: 24 x 20/120 = 4.00 = Amazon's 4.00);
# zero-rated: the book 10.00 (VAT itemised, none charged) + the deemed 10.00 = 20.00;
# shipping 2.50 deemed, zero-rated; order 1's promotion -2.00 takes its principal's
# standard rate, the book's -1.00 the book's zero rate; the deemed refund -10.00 zero-rated;
# the deemed Tax 2.00 + 0.50 - 2.00 (refund) and the withheld -2.00 - 0.50 + 2.00 net to
# 0.00 on 820, so no line is sent; commission -3.00 NONE (no TaxAmount row)
fresh mixed summary
status "mixed summary: ingest" 0 "$SB" ingest "$T/mixed.tsv"
status "mixed summary: post" 0 "$SB" post
eq "mixed summary: rates per item, deemed zero-rated, promotions at their principal's rate" \
   "$(lines)" \
   "ACCREC 200:OUTPUT2:24.00 200:ZERORATEDOUTPUT:20.00 200:ZERORATEDOUTPUT:2.50 200:OUTPUT2:-2.00 200:ZERORATEDOUTPUT:-1.00 200:ZERORATEDOUTPUT:-10.00 429:NONE:-3.00"
eq "mixed summary: the deemed VAT and Amazon's withholding net to zero on 820 (2 + 2 lines)" \
   "$(qq "select category||' '||amount_minor||' '||source_lines from journal_line where account_code = '820'")" \
   "Marketplace facilitator tax 0 6"
eq "mixed summary: no VAT_MISMATCH (24.00 -> 4.00 = Amazon's 4.00; the promotion is not judged)" \
   "$(qq "select count(*) from exception where kind = 'VAT_MISMATCH'")" "0"
eq "mixed summary: VAT is itemised, no VAT_NOT_ITEMISED" \
   "$(qq "select count(*) from exception where kind = 'VAT_NOT_ITEMISED'")" "0"
eq "mixed summary: MarketplaceFacilitatorVAT-* is a known amount type" \
   "$(qq "select count(*) from exception where kind = 'NEW_AMOUNT_TYPE'")" "0"

# --- 2. the same in orders mode: each document line at its item's rate ----------------------
# the deemed order's invoice keeps its VAT (2.00 + 0.50) on 820 NONE, so it totals what the
# customer paid (15.00); the credit note likewise (12.00); the bill carries the withholding
# net of the refund's (2.00 + 0.50 - 2.00 = 0.50), so 820 nets 2.50 - 2.00 - 0.50 = 0
fresh mixed-orders orders
status "mixed orders: ingest" 0 "$SB" ingest "$T/mixed.tsv"
status "mixed orders: post" 0 "$SB" post
eq "mixed orders: the documents' lines" "$(lines)" \
   "ACCREC 200:OUTPUT2:24.00 200:OUTPUT2:-2.00
ACCREC 200:ZERORATEDOUTPUT:10.00 200:ZERORATEDOUTPUT:-1.00
ACCREC 200:ZERORATEDOUTPUT:10.00 200:ZERORATEDOUTPUT:2.50 820:NONE:0.50 820:NONE:2.00
ACCRECCREDIT 200:ZERORATEDOUTPUT:10.00 820:NONE:2.00
ACCPAY 429:NONE:3.00 820:NONE:0.50"
eq "mixed orders: no VAT_MISMATCH on any document line" \
   "$(qq "select count(*) from exception where kind = 'VAT_MISMATCH'")" "0"
eq "mixed orders: no NEW_AMOUNT_TYPE, no VAT_NOT_ITEMISED" \
   "$(qq "select count(*) from exception where kind in ('NEW_AMOUNT_TYPE', 'VAT_NOT_ITEMISED')")" "0"

# --- 3. journal mode: the summary's lines, debit positive -----------------------------------
fresh mixed-journal journal
status "mixed journal: ingest" 0 "$SB" ingest "$T/mixed.tsv"
status "mixed journal: post" 0 "$SB" post
eq "mixed journal: the journal's lines" "$(lines)" \
   "MJ 200:OUTPUT2:-24.00 200:ZERORATEDOUTPUT:-20.00 200:ZERORATEDOUTPUT:-2.50 200:OUTPUT2:2.00 200:ZERORATEDOUTPUT:1.00 200:ZERORATEDOUTPUT:10.00 429:NONE:3.00 615:NONE:30.50"

# --- 4. no VAT itemised: every sale standard-rated, VAT_NOT_ITEMISED tells ------------------
# The deemed supply's Tax rows do not itemise the seller's own VAT: the book 10.00 and its
# promotion -1.00 are VAT-inclusive at OUTPUT2 (9.00 of sales assumed standard), the deemed
# supply stays zero-rated: 10.00 + 2.50 - 10.00
for mode in summary orders journal; do
  fresh deemed-$mode $mode
  status "deemed $mode: ingest" 0 "$SB" ingest "$T/deemed.tsv"
  status "deemed $mode: post" 0 "$SB" post
  eq "deemed $mode: VAT_NOT_ITEMISED, info, the 9.00 of sales assumed standard-rated" \
     "$(qq "select severity||' '||scope||' '||actual_minor from exception where kind = 'VAT_NOT_ITEMISED'")" \
     "info journal 900"
  eq "deemed $mode: no VAT_MISMATCH (Amazon gave no VAT to judge the book against)" \
     "$(qq "select count(*) from exception where kind = 'VAT_MISMATCH'")" "0"
done
cd "$T/deemed-summary" && D="$T/deemed-summary"
eq "deemed summary: the book standard-rated, the deemed supply zero-rated" "$(lines)" \
   "ACCREC 200:OUTPUT2:10.00 200:ZERORATEDOUTPUT:10.00 200:ZERORATEDOUTPUT:2.50 200:OUTPUT2:-1.00 200:ZERORATEDOUTPUT:-10.00"
cd "$T/deemed-orders" && D="$T/deemed-orders"
eq "deemed orders: the book's invoice at OUTPUT2" "$(lines | sed -n 1p)" \
   "ACCREC 200:OUTPUT2:10.00 200:OUTPUT2:-1.00"
status "deemed orders: exceptions" 0 "$SB" exceptions
contains "deemed orders: the advice names VCS" "$T/.out" "VAT Calculation Service (VCS)"
contains "deemed orders: says what was assumed" "$T/.out" \
  "settlebook assumed all its sales (9.00 GBP, VAT-inclusive) standard-rated at OUTPUT2."

# --- 5. Amazon's UK fixture without Tax rows (v2-uk-gbp): was ZERORATEDOUTPUT 1234.56 ------
fresh gbp summary
status "uk gbp: ingest" 0 "$SB" ingest "$FX/settlements/v2-uk-gbp.tsv"
status "uk gbp: post" 0 "$SB" post
eq "uk gbp: the VAT-inclusive principal at OUTPUT2 (Xero: 1234.56 / 6 = 205.76 of VAT)" \
   "$(lines 2024-09 | cut -d' ' -f1-2)" "ACCREC 200:OUTPUT2:1234.56"
eq "uk gbp: VAT_NOT_ITEMISED for 1234.56, no VAT_MISMATCH" \
   "$(qq "select kind||' '||actual_minor from exception where kind like 'VAT%'")" \
   "VAT_NOT_ITEMISED 123456"
# a rerun keeps the same exception row
before=$(qq "select id||'/'||run_id from exception where kind = 'VAT_NOT_ITEMISED'")
"$SB" post >/dev/null 2>&1
eq "uk gbp: a rerun keeps the same VAT_NOT_ITEMISED row" \
   "$(qq "select id||'/'||run_id from exception where kind = 'VAT_NOT_ITEMISED'")" "$before"

# --- 6. vat_itemised overrules the tax rows, in every mode ---------------------------------
# overridden VALUE FILE WANT_SUMMARY WANT_ORDERS_LINE WANT_JOURNAL: FILE posted in the three
# modes with vat_itemised VALUE: no VAT exception (the seller said so, and what is checked
# matches), the summary's and journal's lines and the line of the book's invoice as wanted
overridden() {
  for mode in summary orders journal; do
    fresh "$1-$mode" $mode "$1"
    status "vat_itemised $1 $mode: ingest" 0 "$SB" ingest "$2"
    status "vat_itemised $1 $mode: post" 0 "$SB" post
    eq "vat_itemised $1 $mode: no VAT exception" \
       "$(qq "select count(*) from exception where kind like 'VAT%'")" "0"
    case $mode in
      summary) eq "vat_itemised $1 summary: the invoice's lines" "$(lines)" "$3" ;;
      orders) eq "vat_itemised $1 orders: the book's invoice" "$(lines | grep -F "$4")" "$4" ;;
      journal) eq "vat_itemised $1 journal: the journal's lines" "$(lines)" "$5" ;;
    esac
  done
}
# yes: the deemed settlement's book (10.00, promotion -1.00) is zero-rated after all:
# zero-rated sales 10.00 + 10.00 = 20.00
overridden yes "$T/deemed.tsv" \
  "ACCREC 200:ZERORATEDOUTPUT:20.00 200:ZERORATEDOUTPUT:2.50 200:ZERORATEDOUTPUT:-1.00 200:ZERORATEDOUTPUT:-10.00" \
  "ACCREC 200:ZERORATEDOUTPUT:10.00 200:ZERORATEDOUTPUT:-1.00" \
  "MJ 200:ZERORATEDOUTPUT:-20.00 200:ZERORATEDOUTPUT:-2.50 200:ZERORATEDOUTPUT:1.00 200:ZERORATEDOUTPUT:10.00 615:NONE:11.50"
# no: in the mixed settlement the untaxed book is standard-rated despite order 1's Tax row:
# Sales OUTPUT2 24.00 + 10.00 = 34.00, Promotions OUTPUT2 -2.00 - 1.00 = -3.00; the deemed
# supply stays zero-rated. VAT_MISMATCH judges only the part Amazon gave VAT for (24.00 ->
# 4.00, Amazon's 4.00)
overridden no "$T/mixed.tsv" \
  "ACCREC 200:OUTPUT2:34.00 200:ZERORATEDOUTPUT:10.00 200:ZERORATEDOUTPUT:2.50 200:OUTPUT2:-3.00 200:ZERORATEDOUTPUT:-10.00 429:NONE:-3.00" \
  "ACCREC 200:OUTPUT2:10.00 200:OUTPUT2:-1.00" \
  "MJ 200:OUTPUT2:-34.00 200:ZERORATEDOUTPUT:-10.00 200:ZERORATEDOUTPUT:-2.50 200:OUTPUT2:3.00 200:ZERORATEDOUTPUT:10.00 429:NONE:3.00 615:NONE:30.50"

# --- 7. US sales tax is no VAT: nothing of this applies with tax.sales NONE ----------------
D="$T/us" && rm -rf "$D" && mkdir -p "$D" && cd "$D" && "$SB" init >/dev/null 2>&1
status "us: ingest" 0 "$SB" ingest "$FX/settlements/v2-us.tsv"
status "us: post" 0 "$SB" post
eq "us: no VAT exception of any kind" \
   "$(qq "select count(*) from exception where kind like 'VAT%'")" "0"

# --- 8. the independent re-reading of the README's rules agrees on every ledger above --------
cd "$T" && status "invariants.py holds on every ledger of this test" 0 \
  python3 "$ROOT/tests/invariants.py" $(ls -d */ | sed 's#/$##')
finish
