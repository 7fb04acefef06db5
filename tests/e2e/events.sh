#!/bin/sh
# events: Amazon Finances API events between settlements. Ingest of listFinancialEvents (two
# pages) and listTransactions; a settlement that arrives after the September accrual settles
# the events it holds; the accrual, its reversal and the settlement's own documents book
# each amount exactly once over September, October and November; an event the settlement
# never settles stays accrued at each month end; another currency raises CURRENCY_MISMATCH
# at each month end and is never accrued, while `balance` shows it; `balance --json` and the
# workbook Summary agree field by field at the period end (numbers checked by hand); both
# kinds of EVENT_MATCH_AMBIGUOUS name both sides.
. "$(dirname "$0")/../lib.sh"
EV="$FX/events"

# per-account sum of the ManualJournal lines of previews (Xero's LineAmount is debit +),
# leaving out the requests named in $SKIP
sums() { python3 - "$@" <<'PY'
import json, os, sys
from decimal import Decimal
tot = {}
skip = os.environ.get("SKIP", "").split()
for f in sys.argv[1:]:
    for r in json.load(open(f), parse_float=Decimal)["requests"]:
        if r["settlement_id"] in skip:
            continue
        for mj in r["body"].get("ManualJournals", []):
            for l in mj["JournalLines"]:
                tot[l["AccountCode"]] = tot.get(l["AccountCode"], Decimal(0)) + Decimal(l["LineAmount"])
print(" ".join("%s=%s" % (k, tot[k].quantize(Decimal("0.01"))) for k in sorted(tot) if tot[k] != 0))
PY
}
# the journal lines of one request (by settlement_id) of a preview, "code=amount ..."
doc() { python3 - "$1" "$2" <<'PY'
import json, sys
from decimal import Decimal
for r in json.load(open(sys.argv[1]), parse_float=Decimal)["requests"]:
    if r["settlement_id"] == sys.argv[2]:
        mj = r["body"]["ManualJournals"][0]
        t = {}
        for l in mj["JournalLines"]:
            t[l["AccountCode"]] = t.get(l["AccountCode"], Decimal(0)) + Decimal(l["LineAmount"])
        print(mj["Date"], " ".join("%s=%s" % (k, t[k]) for k in sorted(t)))
PY
}

status "init" 0 "$SB" init
# journal mode, so every document is a manual journal whose lines add up per account;
# Amazon unsettled is the default 618, its own account (not reserves 616, not Prepayments 620)
eq "accounts.unsettled defaults to 618" "$(python3 -c "import json;print(json.load(open('settlebook.json'))['accounts']['unsettled'])")" "618"
python3 - <<'PY'
import json
c = json.load(open("settlebook.json"))
c["posting"]["mode"] = "journal"
json.dump(c, open("settlebook.json", "w"), indent=1)
PY

# ---- ingest: both shapes, every page, numbers read from their digits -------------------
status "ingest two listFinancialEvents pages and a listTransactions page" 0 "$SB" ingest \
  "$EV/events-2025-09-page1.json" "$EV/events-2025-09-page2.json" "$EV/transactions-2025-09-eur.json"
eq "unsettled lines" "$(q "SELECT count(*) FROM unsettled_line")" "21"
eq "USD unsettled sum" "$(q "SELECT sum(amount_minor) FROM unsettled_line WHERE currency='USD'")" "2642"
eq "EUR unsettled sum" "$(q "SELECT sum(amount_minor) FROM unsettled_line WHERE currency='EUR'")" "2415"
eq "20.0 read as 2000 minor units" "$(q "SELECT amount_minor FROM unsettled_line WHERE order_id='111-4000001-0000001' AND amount_description='Principal'")" "2000"
eq "settlement vocabulary: withheld tax" "$(q "SELECT transaction_type||'/'||amount_type||'/'||amount_description FROM unsettled_line WHERE amount_minor=-160")" "Order/ItemWithheldTax/MarketplaceFacilitatorTax-Principal"
eq "refund names its adjustment item" "$(q "SELECT adjustment_item_id FROM unsettled_line WHERE transaction_type='Refund' AND amount_description='Principal'")" "80000000000003"
eq "ServiceFeeEvent (no PostedDate) takes its page's latest" "$(q "SELECT posted FROM unsettled_line WHERE transaction_type='ServiceFee'")" "2025-09-30T18:00:00Z"
eq "listTransactions breakdowns" "$(q "SELECT group_concat(amount_type||'/'||amount_description||'='||amount_minor, ' ') FROM (SELECT * FROM unsettled_line WHERE currency='EUR' ORDER BY id)")" "ItemPrice/Principal=2999 ItemFees/Commission=-450 ItemFees/FBAPerUnitFulfillmentFee=-134"
eq "event files" "$(q "SELECT group_concat(kind||':'||rows, ' ') FROM event_file")" "finances_events:15 finances_events:3 finances_transactions:3"
status "the same page again is skipped" 0 "$SB" ingest "$EV/events-2025-09-page1.json"
eq "still 21 lines" "$(q "SELECT count(*) FROM unsettled_line")" "21"
cp "$EV/events-2025-09-page1.json" overlap.json && printf '\n' >> overlap.json
status "an overlapping page (other bytes, same events)" 0 "$SB" ingest overlap.json
eq "overlap adds no line" "$(q "SELECT count(*) FROM unsettled_line")" "21"
q "SELECT * FROM unsettled_line ORDER BY id" > before.txt
printf '{"payload":{"FinancialEvents":{"ShipmentEventList":[{"AmazonOrderId":"1","PostedDate":"2025-09-01T00:00:00Z","ShipmentItemList":[{"ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"USD","CurrencyAmount":1.234}}]}]}]}}}' > bad.json
status "an amount with too many decimals is refused" 2 "$SB" ingest bad.json
contains "error names the JSON path" "$T/.err" "payload.FinancialEvents.ShipmentEventList[0]"
printf '{"payload":{"FinancialEvents":{"ShipmentEventList":[{"AmazonOrderId":"1","PostedDate":"2025-09-01T00:00:00Z","ShipmentItemList":[{"ItemChargeList":[{"ChargeType":"Principal","ChargeAmount":{"CurrencyCode":"USD","CurrencyAmount":1e3}}]}]}]}}}' > exp.json
status "an exponent is refused, never read through a double" 2 "$SB" ingest exp.json
printf '{"payload":{"FinancialEvents":{"ShipmentEventList":[{"AmazonOrderId":"1","PostedDate":"yesterday"}]}}}' > date.json
status "a bad PostedDate is refused" 2 "$SB" ingest date.json
sed 's/302-4000006-0000006/111-4000001-0000001/; s/EUR/USD/g; s/2025-09-29T07:30:00Z/2025-09-27T10:00:00Z/' "$EV/transactions-2025-09-eur.json" > other-api.json
status "the other API for the same days is refused (the same money twice)" 2 "$SB" ingest other-api.json
contains "says to load one of the two" "$T/.err" "load one of them per period"
q "SELECT * FROM unsettled_line ORDER BY id" > after.txt
check "refused pages changed nothing" cmp before.txt after.txt

# ---- September: accrual only (no settlement yet) ----------------------------------------
status "post September" 0 "$SB" post --period 2025-09
P9=reports/2025-09/xero-preview.json
eq "September accrual: 16.22 owed by Amazon, balanced" "$(doc $P9 ACCRUAL-2025-09-USD)" \
   "2025-09-30 200=-49.99 260=-18.50 425=3.22 429=9.06 485=39.99 618=16.22 820=0.00"
eq "September preview holds only the accrual" "$(python3 -c "import json;print([r['settlement_id'] for r in json.load(open('$P9'))['requests']])")" "['ACCRUAL-2025-09-USD']"
eq "EUR is not accrued: CURRENCY_MISMATCH" "$(q "SELECT kind||' '||severity||' '||currency||' '||actual_minor FROM exception WHERE scope='accrual-post 2025-09'")" "CURRENCY_MISMATCH error EUR 2415"
dump > d1.txt
status "post September again" 0 "$SB" post --period 2025-09
dump > d2.txt
check "rerun changes nothing" cmp d1.txt d2.txt
# (the EUR accrual's CURRENCY_MISMATCH is an open error of September: locked as it is)
status "lock September" 0 "$SB" period lock 2025-09 --force

# ---- the settlement arrives in October ----------------------------------------------------
status "ingest the settlement" 0 "$SB" ingest "$EV/settlement-us-88002.tsv"
status "post October" 0 "$SB" post --period 2025-10
P10=reports/2025-10/xero-preview.json
eq "16 amounts settled (orders A, B, D, refund C, subscription, reimbursement)" "$(q "SELECT count(*) FROM event_match")" "16"
eq "unsettled now: E (USD) and the EUR order" "$(q "SELECT group_concat(currency||':'||amount_minor, ' ') FROM (SELECT u.* FROM unsettled_line u WHERE NOT EXISTS (SELECT 1 FROM event_match m WHERE m.unsettled_id=u.id) ORDER BY u.id)")" \
   "USD:999 USD:-150 EUR:2999 EUR:-450 EUR:-134"
eq "differently named pairs are raised with both sides" "$(q "SELECT count(*) FROM exception WHERE kind='EVENT_MATCH_AMBIGUOUS' AND explanation LIKE '%named differently%'")" "2"
eq "October preview: reversal, settlement, accrual" "$(python3 -c "import json;print([r['settlement_id'] for r in json.load(open('$P10'))['requests']])")" \
   "['88002', 'ACCRUAL-2025-09-USD-R', 'ACCRUAL-2025-10-USD']"
eq "reversal is the September accrual negated, on 1 October" "$(doc $P10 ACCRUAL-2025-09-USD-R)" \
   "2025-10-01 200=49.99 260=18.50 425=-3.22 429=-9.06 485=-39.99 618=-16.22 820=0.00"
eq "October accrual: E only (8.49)" "$(doc $P10 ACCRUAL-2025-10-USD)" "2025-10-31 200=-9.99 429=1.50 618=8.49"
eq "September accrual left as it was (September locked)" "$(q "SELECT count(*) FROM outbox WHERE settlement_id='ACCRUAL-2025-09-USD' AND month='2025-09'")" "1"
status "post November" 0 "$SB" post --period 2025-11
P11=reports/2025-11/xero-preview.json
eq "November: the reversal of October's accrual" "$(doc $P11 ACCRUAL-2025-10-USD-R)" "2025-11-01 200=9.99 429=-1.50 618=-8.49"

eq "November accrual: E, still unsettled at 30 November" "$(doc $P11 ACCRUAL-2025-11-USD)" "2025-11-30 200=-9.99 429=1.50 618=8.49"
# the EUR order (24.15, Amazon.de) is never accrued in a USD book: no rate is invented, each
# month end raises it instead, and no request of any month is in EUR
eq "CURRENCY_MISMATCH for the EUR amounts at every month end" "$(q "SELECT group_concat(scope || ' ' || currency || ' ' || actual_minor, ', ') FROM (SELECT * FROM exception WHERE kind = 'CURRENCY_MISMATCH' ORDER BY scope)")" \
   "accrual-post 2025-09 EUR 2415, accrual-post 2025-10 EUR 2415, accrual-post 2025-11 EUR 2415"
eq "nothing accrued in EUR (outbox, previews)" "$(q "SELECT count(*) FROM outbox WHERE settlement_id LIKE '%EUR%' OR body LIKE '%EUR%'") $(cat $P9 $P10 $P11 | grep -c EUR)" "0 0"
# the EUR amounts stay unsettled: each month's accrual raises its own CURRENCY_MISMATCH, which
# belongs to that month (no settlement holds it) and is listed with that month only
eq "each month's accrual CURRENCY_MISMATCH is that month's" "$(q "SELECT group_concat(month||':'||scope, ' ') FROM (SELECT * FROM exception WHERE kind='CURRENCY_MISMATCH' ORDER BY month)")" \
   "2025-09:accrual-post 2025-09 2025-10:accrual-post 2025-10 2025-11:accrual-post 2025-11"
eq "October lists October's accrual mismatch only" "$("$SB" exceptions --period 2025-10 --json | python3 -c '
import json, sys; print([x["month"] for x in json.load(sys.stdin) if x["kind"] == "CURRENCY_MISMATCH"])')" "['2025-10']"
status "November's listing: its own error" 1 "$SB" exceptions --period 2025-11
# the same ledger before sql/014 (no month): opening it fills in the same months, ids kept
ids="SELECT group_concat(id||' '||uid||' '||coalesce(month, '-'), '|') FROM (SELECT * FROM exception ORDER BY id)"
cp settlebook.db old.db && exception_month_undo old.db
status "a ledger from before months migrates" 1 "$SB" --ledger old.db exceptions --period 2025-11
eq "accrual exceptions keep their ids and get their months" "$(sqlite3 old.db "$ids")" "$(q "$ids")"

# each amount booked once: over the three months the documents carry exactly the settlement
# (and what is still owed at the end, November's accrual, which December reverses)
eq "three months = the settlement's own journal" "$(SKIP=ACCRUAL-2025-11-USD sums $P9 $P10 $P11)" \
   "$(python3 - <<'PY'
import sqlite3
from decimal import Decimal
db = sqlite3.connect("settlebook.db")
t = {}
for code, a in db.execute("SELECT l.account_code, sum(l.amount_minor) FROM journal_line l JOIN journal j ON j.id = l.journal_id GROUP BY 1"):
    if a: t[code] = (-Decimal(a) / 100).quantize(Decimal("0.01"))
print(" ".join("%s=%s" % (k, t[k]) for k in sorted(t)))
PY
)"
# by hand from settlement-us-88002.tsv: sales 20+35-15+12+25 principal, 5 shipping, -5
# promotion = 77.00 credit; reimbursement 18.50 credit (260); FBA fee 3.22 (425); commissions
# 3.00+6.00-1.80+1.80+3.75 and refund commission 0.36 = 13.11 (429); subscription 39.99
# (485); the reserve 10.00 held (616); tax 1.60 and its withholding net to zero (820); the
# 29.18 deposit to clearing (615)
eq "three months, by hand: each amount once" "$(SKIP=ACCRUAL-2025-11-USD sums $P9 $P10 $P11)" \
   "200=-77.00 260=-18.50 425=3.22 429=13.11 485=39.99 615=29.18 616=10.00"
eq "Amazon unsettled nets to zero over the three months" "$(SKIP=ACCRUAL-2025-11-USD sums $P9 $P10 $P11 | tr ' ' '\n' | grep -c '^618=')" "0"
eq "settlement 29.18 to clearing, E (8.49) nowhere yet" "$(SKIP=ACCRUAL-2025-11-USD sums $P9 $P10 $P11 | tr ' ' '\n' | grep '^615=')" "615=29.18"
eq "no request is in two previews" "$(cat $P9 $P10 $P11 | grep -o '"idempotency_key": *"[^"]*"' | sort | uniq -d | wc -l)" "0"

# ---- what Amazon owes --------------------------------------------------------------------
status "balance" 0 "$SB" balance
contains "balance table, USD" "$T/.out" "Amazon.com       USD           8.49      2          10.00          18.49  88002          2025-10-10 2025-10-26"
status "balance --json" 0 "$SB" balance --json
eq "balance --json" "$(python3 -c "
import json; b = json.load(open('$T/.out'))['balances']
print([(x['marketplace'], x['currency'], x['unsettled_minor'], x['reserve_held_minor'], x['total_owed_minor'], x['expected_deposit_date']) for x in b])")" \
   "[('Amazon.com', 'USD', 849, 1000, 1849, '2025-10-26'), ('Amazon.de', 'EUR', 2415, 0, 2415, '')]"
owes() { /usr/bin/python3 - "$1" <<'PY'
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
# column I: the total (start and end dates carry their UTC times in their own columns)
print(" ".join("%s:%s:%.2f" % (r[1], r[2], r[8]) for r in ws.iter_rows(values_only=True)
               if r[0] and str(r[0]).startswith("Amazon owes")))
PY
}
"$SB" report --period 2025-09 -o sep.xlsx >/dev/null 2>&1
eq "Summary at end of September: what the September accrual booked (16.22)" "$(owes sep.xlsx)" "Amazon.com:USD:16.22 Amazon.de:EUR:24.15"
"$SB" report --period 2025-10 -o oct.xlsx >/dev/null 2>&1
eq "Summary at end of October: 8.49 unsettled + 10.00 reserve" "$(owes oct.xlsx)" "Amazon.com:USD:18.49 Amazon.de:EUR:24.15"
# nothing is posted after October, so `balance` (now) and the Summary at the end of October
# state the same thing; each field, per marketplace and currency, from both sides
owed_both() { "$SB" balance --json > bal.json && /usr/bin/python3 - "$1" <<'PY'
import json, openpyxl, re, sys
from decimal import Decimal
bal = ["%s %s unsettled=%s/%d reserve=%s by=%s deposit=%s end=%s total=%s" % (
    b["marketplace"], b["currency"], b["unsettled"], b["unsettled_lines"], b["reserve_held"],
    b["last_settlement_id"] or "-", b["expected_deposit_date"] or "-",
    b["last_settlement_end"][:10] or "-", b["total_owed"])
    for b in json.load(open("bal.json"))["balances"]]
ws = openpyxl.load_workbook(sys.argv[1])["Summary"]
summ = []
for r in ws.iter_rows(values_only=True):
    if not (r[0] and str(r[0]).startswith("Amazon owes")):
        continue
    m = re.match(r"Amazon owes (\w+): not yet in a settlement (\S+) \((\d+) amounts, Finances "
                 r"API\); reserve held by settlement (\S+): (\S+); next deposit expected (\S+)$", r[12])
    cur, uns, n, by, res, dep = m.groups()
    day = lambda v: v.strftime("%Y-%m-%d") if v else "-"
    assert cur == r[2] and (dep == "-" and r[7] is None or dep == day(r[7])), r
    summ.append("%s %s unsettled=%s/%s reserve=%s by=%s deposit=%s end=%s total=%.2f" % (
        r[1], r[2], uns, n, res, by, dep, day(r[5]), r[8]))
print("same" if bal == summ else "DIFFER balance=%s summary=%s" % (bal, summ))
print(" | ".join(bal))
PY
}
# by hand: Amazon.com USD: 111-4000005 never settled, Principal 9.99 + Commission -1.50 = 8.49
# (2 amounts); 88002 held a Current Reserve Amount of -10.00, so 10.00 is held; 88002 ended
# 2025-10-10 and was deposited 2025-10-12, the next deposit 14 days on: 2025-10-26; 18.49 in
# all. Amazon.de EUR: 302-4000006 (29.99 - 4.50 - 1.34 = 24.15, 3 amounts), no settlement yet.
eq "balance --json and the Summary at the end of October agree, field by field" "$(owed_both oct.xlsx)" "same
Amazon.com USD unsettled=8.49/2 reserve=10.00 by=88002 deposit=2025-10-26 end=2025-10-10 total=18.49 | Amazon.de EUR unsettled=24.15/3 reserve=0.00 by=- deposit=- end=- total=24.15"

# ---- summary mode: the accrual is a manual journal there too --------------------------
python3 - <<'PY'
import json
c = json.load(open("settlebook.json")); c["posting"]["mode"] = "summary"
c["posting"]["record_payment"] = "deposit"   # no bank statement here: pay on the deposit date
json.dump(c, open("settlebook.json", "w"), indent=1)
PY
status "post October in summary mode" 0 "$SB" post --period 2025-10
eq "summary mode: invoice, payment, then the journals" "$(python3 -c "import json;print([(r['settlement_id'], r['path']) for r in json.load(open('$P10'))['requests']])")" \
   "[('88002', '/Invoices'), ('88002', '/Payments'), ('ACCRUAL-2025-09-USD-R', '/ManualJournals'), ('ACCRUAL-2025-10-USD', '/ManualJournals')]"

# ---- posting.accrue_unsettled false: no accrual documents (unposted ones withdrawn) ------
python3 - <<'PY'
import json
c = json.load(open("settlebook.json")); c["posting"]["accrue_unsettled"] = False
json.dump(c, open("settlebook.json", "w"), indent=1)
PY
status "post October without accruals" 0 "$SB" post --period 2025-10
status "post November without accruals" 0 "$SB" post --period 2025-11
eq "October and November accruals withdrawn, the locked September pair kept" "$(q "SELECT group_concat(settlement_id, ' ') FROM (SELECT DISTINCT settlement_id FROM outbox WHERE settlement_id GLOB 'ACCRUAL-*' ORDER BY 1)")" \
   "ACCRUAL-2025-09-USD ACCRUAL-2025-09-USD-R"
# ---- ambiguity: one event for two identical lines, two identical events for one line, and
# a settlement line of a known order that settles nothing --------------------------------
"$SB" --ledger amb.db --config amb.json init >/dev/null 2>&1
cat > amb-events.json <<'JSON'
{"payload": {"FinancialEvents": {"ShipmentEventList": [
 {"AmazonOrderId": "111-9000009-0000009", "MarketplaceName": "Amazon.com", "PostedDate": "2025-11-03T09:00:00Z",
  "ShipmentItemList": [{"SellerSKU": "SKU-9", "OrderItemId": "90000000000009",
   "ItemChargeList": [{"ChargeType": "Principal", "ChargeAmount": {"CurrencyCode": "USD", "CurrencyAmount": 10.00}}],
   "ItemFeeList": [{"FeeType": "Commission", "FeeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -1.50}},
                   {"FeeType": "Commission", "FeeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -1.50}}]}]}]}}}
JSON
H='settlement-id	settlement-start-date	settlement-end-date	deposit-date	total-amount	currency	transaction-type	order-id	marketplace-name	amount-type	amount-description	amount	posted-date-time	order-item-code	sku'
{ echo "$H"
  printf '99003\t2025-11-01 00:00:00 UTC\t2025-11-15 00:00:00 UTC\t2025-11-17 00:00:00 UTC\t20.50\tUSD\t\t\t\t\t\t\t\t\t\n'
  for l in 'ItemPrice	Principal	10.00' 'ItemPrice	Principal	10.00' 'ItemFees	Commission	-1.50' 'ItemPrice	Shipping	2.00'; do
    printf '99003\t\t\t\t\t\tOrder\t111-9000009-0000009\tAmazon.com\t%s\t2025-11-03 10:00:00 UTC\t90000000000009\tSKU-9\n' "$l"
  done; } > amb-settlement.tsv
status "ingest the ambiguous pair" 0 "$SB" --ledger amb.db --config amb.json ingest amb-events.json amb-settlement.tsv
status "post November" 0 "$SB" --ledger amb.db --config amb.json post --period 2025-11
eq "one Principal and one Commission paired" "$(sqlite3 amb.db "SELECT group_concat(u.amount_description, ' ') FROM event_match m JOIN unsettled_line u ON u.id = m.unsettled_id")" "Principal Commission"
eq "EVENT_MATCH_AMBIGUOUS: event on 2 lines, line with 2 events, 2 lines left over" "$(sqlite3 amb.db "SELECT count(*), sum(explanation LIKE '%matches 2 settlement lines%'), sum(explanation LIKE '%matches 2 Finances API events%'), sum(explanation LIKE '%settles no Finances API event%') FROM exception WHERE kind = 'EVENT_MATCH_AMBIGUOUS' AND severity = 'warning'")" "4|1|1|2"
# both kinds, each naming both sides: the event (names, amount, order, posted) and the
# settlement lines it could be (settlement, posted); the left-over line (settlement, names,
# amount, order) and the order's events still unsettled (names, amount in USD, posted)
eq "an event matching two settlement lines names both" "$(sqlite3 amb.db "SELECT explanation FROM exception WHERE kind = 'EVENT_MATCH_AMBIGUOUS' AND explanation LIKE 'Finances API event%'")" \
   "Finances API event Order/ItemPrice/Principal 10.00 USD of order 111-9000009-0000009 posted 2025-11-03T09:00:00Z matches 2 settlement lines (settlement and posted: 99003 2025-11-03T10:00:00Z, 99003 2025-11-03T10:00:00Z); it settles one of them only."
eq "a settlement line left over names the order's unsettled event" "$(sqlite3 amb.db "SELECT explanation FROM exception WHERE kind = 'EVENT_MATCH_AMBIGUOUS' AND explanation LIKE '%Shipping%'")" \
   "Settlement 99003 line Order/ItemPrice/Shipping 2.00 USD of order 111-9000009-0000009 posted 2025-11-03T10:00:00Z settles no Finances API event of its order; the order's unsettled events (1): Order/ItemFees/Commission -1.50 USD posted 2025-11-03T09:00:00Z."
eq "each carries the settlement, order and amount in its columns" "$(sqlite3 amb.db "SELECT group_concat(settlement_id || ' ' || order_id || ' ' || actual_minor, ', ') FROM (SELECT * FROM exception WHERE kind = 'EVENT_MATCH_AMBIGUOUS' ORDER BY explanation)")" \
   "99003 111-9000009-0000009 1000, 99003 111-9000009-0000009 -150, 99003 111-9000009-0000009 1000, 99003 111-9000009-0000009 200"
eq "the second Commission stays unsettled and is accrued" "$(sqlite3 amb.db "SELECT body LIKE '%\"LineAmount\":-1.50%' FROM outbox WHERE settlement_id = 'ACCRUAL-2025-11-USD'")" "1"

# ---- orders mode, September locked after its close (issue 17 point 5, issue 15) -------
# Credit-positive sums per account of every document of the previews (invoices, credit
# notes, bills, supplier credits, payments, receive-money transactions, manual journals).
# LINES=1 counts only document lines (no payments); SID=x keeps only settlement x's;
# NEG=1 negates.
docsums() { python3 - "$@" <<'PY'
import json, os, sys
from decimal import Decimal
lines_only, sid = os.environ.get("LINES") == "1", os.environ.get("SID", "")
reqs = [r for f in sys.argv[1:] for r in json.load(open(f), parse_float=Decimal)["requests"]
        if not sid or r["settlement_id"] == sid]
kind = {}   # document number -> type, for the payments' sign
for r in reqs:
    for k in ("Invoices", "CreditNotes"):
        for d in r["body"].get(k, []):
            kind[d.get("InvoiceNumber") or d.get("CreditNoteNumber")] = d["Type"]
t = {}
def add(code, a): t[code] = t.get(code, Decimal(0)) + a
for r in reqs:
    b = r["body"]
    for k in ("Invoices", "CreditNotes"):
        for d in b.get(k, []):
            sign = 1 if d["Type"] in ("ACCREC", "ACCPAYCREDIT") else -1
            for l in d["LineItems"]:
                add(l["AccountCode"], sign * Decimal(l["LineAmount"]))
    for mj in b.get("ManualJournals", []):
        for l in mj["JournalLines"]:
            add(l["AccountCode"], -Decimal(l["LineAmount"]))
    if lines_only:
        continue
    for p in b.get("Payments", []):
        doc = p.get("Invoice") or p.get("CreditNote")
        num = doc.get("InvoiceNumber") or doc.get("CreditNoteNumber")
        # money in (a customer invoice, a supplier credit) debits the paying account
        add(p["Account"]["Code"], (-1 if kind[num] in ("ACCREC", "ACCPAYCREDIT") else 1) * Decimal(p["Amount"]))
    for bt in b.get("BankTransactions", []):
        for l in bt["LineItems"]:
            add(l["AccountCode"], (1 if bt["Type"] == "RECEIVE" else -1) * Decimal(l["LineAmount"]))
neg = -1 if os.environ.get("NEG") == "1" else 1
print(" ".join("%s=%s" % (k, (neg * t[k]).quantize(Decimal("0.01"))) for k in sorted(t) if t[k] != 0))
PY
}
# credit-positive sums per account of the settlement's journals: every line, or (MONTH=m)
# only part m's document lines (not its carried-forward and clearing sides)
jsums() { sqlite3 "$1" "SELECT l.account_code, sum(l.amount_minor) FROM journal_line l JOIN journal j ON j.id = l.journal_id WHERE '${MONTH:-}' = '' OR (j.month = '${MONTH:-}' AND l.role NOT IN ('carried_forward', 'clearing')) GROUP BY 1 ORDER BY 1" | python3 -c "
import sys
from decimal import Decimal
t = [(c, Decimal(a) / 100) for c, a in (l.strip().split('|') for l in sys.stdin) if int(a)]
print(' '.join('%s=%s' % (c, a.quantize(Decimal('0.01'))) for c, a in t))"; }
ordcfg() { python3 - "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["posting"]["mode"] = "orders"
c["accounts"]["unsettled"] = "1250"
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}
OSB() { "$SB" --ledger ord.db --config ord.json --reports ord "$@"; }
OSB init >/dev/null 2>&1 && ordcfg ord.json
status "orders: ingest the September events" 0 OSB ingest "$EV/events-2025-09-page1.json" "$EV/events-2025-09-page2.json"
status "orders: close September (accrual only)" 0 OSB close --period 2025-09
status "orders: lock September" 0 OSB period lock 2025-09 --force
status "orders: ingest the settlement with September lines" 0 OSB ingest "$EV/settlement-us-88002.tsv"
status "orders: close October with September locked" 0 OSB close --period 2025-10
O9=ord/2025-09/xero-preview.json O10=ord/2025-10/xero-preview.json
eq "orders: the September lines are in October's one journal part" "$(sqlite3 ord.db "SELECT group_concat(month||':'||parts, ' ') FROM journal")" "2025-10:1"
eq "orders: October holds the reversal and the settlement's documents" "$(python3 -c "import json;print(sorted(set((r['settlement_id'], r['path']) for r in json.load(open('$O10'))['requests'])))")" \
   "[('88002', '/CreditNotes'), ('88002', '/Invoices'), ('88002', '/Payments'), ('ACCRUAL-2025-09-USD-R', '/ManualJournals'), ('ACCRUAL-2025-10-USD', '/ManualJournals')]"
eq "orders: the reversal undoes September's accrual" "$(SID=ACCRUAL-2025-09-USD-R docsums $O10)" \
   "$(NEG=1 SID=ACCRUAL-2025-09-USD docsums $O9)"
eq "orders: September's lines are dated on the first open day (1 October)" "$(python3 -c "
import json
for r in json.load(open('$O10'))['requests']:
    for d in r['body'].get('Invoices', []):
        if d['InvoiceNumber'] == 'AMZ-88002-111-4000001-0000001': print(d['Date'])")" "2025-10-01"
eq "orders: October's documents carry exactly October's journal part" "$(LINES=1 SID=88002 docsums $O10)" "$(MONTH=2025-10 jsums ord.db)"
status "orders: close November" 0 OSB close --period 2025-11
O11=ord/2025-11/xero-preview.json
# each amount booked once: over the three months the documents carry the settlement's
# totals; November's accrual (what is still owed, reversed in December) left out
eq "orders: three months of documents = the settlement's journals" \
   "$(python3 - $O11 <<'PY' > o11.json
import json, sys
p = json.load(open(sys.argv[1])); p["requests"] = [r for r in p["requests"] if r["settlement_id"] != "ACCRUAL-2025-11-USD"]
json.dump(p, sys.stdout)
PY
docsums $O9 $O10 o11.json)" "$(jsums ord.db)"
eq "orders: clearing carries the settlement total (29.18 debit)" "$(docsums $O9 $O10 o11.json | tr ' ' '\n' | grep '^615=')" "615=-29.18"
# the same settlement with no month locked: each month's documents carry exactly that
# month's journal part (September's lines in September, October's in October)
OSB2() { "$SB" --ledger ord2.db --config ord2.json --reports ord2 "$@"; }
OSB2 init >/dev/null 2>&1 && ordcfg ord2.json
status "orders, nothing locked: ingest" 0 OSB2 ingest "$EV/settlement-us-88002.tsv"
status "orders, nothing locked: close September" 0 OSB2 close --period 2025-09
status "orders, nothing locked: close October" 0 OSB2 close --period 2025-10
eq "orders, nothing locked: two journal parts" "$(sqlite3 ord2.db "SELECT group_concat(month, ' ') FROM (SELECT month FROM journal ORDER BY month)")" "2025-09 2025-10"
eq "orders, nothing locked: September's documents = September's part" "$(LINES=1 SID=88002 docsums ord2/2025-09/xero-preview.json)" "$(MONTH=2025-09 jsums ord2.db)"
eq "orders, nothing locked: October's documents = October's part" "$(LINES=1 SID=88002 docsums ord2/2025-10/xero-preview.json)" "$(MONTH=2025-10 jsums ord2.db)"
check "orders, nothing locked: September's part is not empty" test -n "$(MONTH=2025-09 jsums ord2.db)"

printf '{"posting": {"accrue_unsettled": "yes"}}' > badcfg.json
status "a non-boolean accrue_unsettled is refused" 2 "$SB" --config badcfg.json post --period 2025-10
contains "the error names the key" "$T/.err" "posting.accrue_unsettled"
finish
