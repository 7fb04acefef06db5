# inventory — unit costs, the FBA Inventory Ledger summary view and the cost-of-goods journal:
# hand-checked numbers on fixtures/inventory (see its README), hold-back on MISSING_COST,
# refund_restock and grouping, reruns that write nothing.
. "$(dirname "$0")/../lib.sh"
I="$FX/inventory"
"$SB" init >/dev/null 2>&1
L=GADGET-LONG-SKU-NAME-THAT-IS-OVER-30-CHARS

# ---- inputs -------------------------------------------------------------------------------
before=$(dump)
status "costs in another currency" 2 "$SB" ingest "$I/costs-eur.csv"
contains "names the currency" "$T/.err" "costs-eur.csv:2:3: currency 'EUR' is not the base currency USD"
status "cost file with another header" 2 "$SB" ingest "$I/costs-bad-header.csv"
contains "exact header" "$T/.err" "costs-bad-header.csv:1: a unit-cost file needs exactly the header 'sku,unit_cost,currency,effective_from'"
status "cost date not ISO" 2 "$SB" ingest "$I/costs-bad-date.csv"
contains "date column" "$T/.err" "costs-bad-date.csv:2:4: effective_from '01/09/2025' is not an ISO date"
status "inventory date neither MM/YYYY nor MM/DD/YYYY" 2 "$SB" ingest "$I/ledger-bad-date.tsv"
contains "date named" "$T/.err" "ledger-bad-date.tsv:2:1: Date '2025-09' is neither MM/YYYY"
status "good files with a refused one: nothing is ingested" 2 "$SB" ingest "$I/costs.csv" "$I/costs-eur.csv"
eq "ledger unchanged" "$(dump)" "$before"

status "settlement, costs and inventory ledger" 0 "$SB" ingest "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv"
eq "kinds" "$(q "select group_concat(kind||':'||rows, ' ') from (select * from source_file order by id)")" "settlement_v2:15 unit_costs:4 inventory_ledger:4"
eq "costs in minor units" "$(q "select group_concat(sku||'@'||effective_from||'='||unit_cost_minor, ' ') from (select * from unit_cost order by sku, effective_from)")" "$L@2025-09-01=110 WIDGET-A@2025-01-01=400 WIDGET-A@2025-09-27=450 WIDGET-B@2025-01-01=1025"
eq "monthly rows" "$(q "select group_concat(month||'|'||day||'|'||msku||'|'||disposition||'|'||starting||'|'||ending||'|'||broken, ' ') from (select * from inventory_ledger order by id)")" "2025-09||WIDGET-A|SELLABLE|100|115|0 2025-09||WIDGET-B|SELLABLE|50|49|0 2025-09||$L|SELLABLE|30|26|0 2025-09||WIDGET-B|UNSELLABLE|5|4|1"
eq "broken row kept and raised" "$(q "select kind||' '||severity||' '||sku||' '||expected_minor||' '||actual_minor||' '||difference_minor from exception where kind='INVENTORY_LEDGER_BROKEN'")" "INVENTORY_LEDGER_BROKEN error WIDGET-B 3 4 1"
status "daily view" 0 "$SB" ingest "$I/ledger-daily.tsv"
eq "daily rows" "$(q "select group_concat(day||' '||receipts||' '||lost||' '||ending, '|') from (select * from inventory_ledger where day != '' order by day)")" "2025-09-21 0 0 98|2025-09-22 20 -2 116"
before=$(dump)
status "same bytes again" 0 "$SB" ingest "$I/costs.csv"
eq "unchanged" "$(dump)" "$before"

# ---- cost of goods ------------------------------------------------------------------------
# September: WIDGET-A 2 @ 4.00 (21 Sep) + 1 @ 4.50 (28 Sep) sold = 12.50; O-1 (2 at 20.00)
# refunded 20.00 puts back round(20.00 / 20.00) = 1 unit at the cost of its order's date,
# 4.00: 8.50; WIDGET-B 1 sold, 1 put back (O-9 not in the ledger: one unit, at the refund
# date's cost) = 0, no line; the long SKU 3 @ 1.10 = 3.30. Total 11.80. October: WIDGET-B
# 2 @ 10.25 = 20.50.
# Written off in the same journal (FBA Inventory Ledger, September, every disposition, at the
# cost in force on 30 Sep): WIDGET-A lost 2 + damaged 1 = 3 @ 4.50 = 13.50; WIDGET-B disposed 2
# (UNSELLABLE) @ 10.25 = 20.50; the long SKU lost 1 and found 1 = 0, no line. 34.00 to 315.
status "post September" 0 "$SB" post --period 2025-09
contains "summary line" "$T/.out" "cost of goods sold 2025-09: COGS-2025-09 PUT /ManualJournals, 11.80 USD, 8 line(s), debit 310 credit 630"
contains "write-off summary line" "$T/.out" "inventory written off (lost, damaged or disposed less found): 34.00 USD, debit 315 credit 630"
eq "journal" "$(q "select date||' '||total_minor||' '||line_count||' '||state from cogs_journal where month='2025-09'")" "2025-09-30 1180 8 final"
eq "lines" "$(q "select group_concat(account_code||':'||sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month='2025-09' and kind='sold' order by line_no)")" "310:$L:3:-330 630:$L:3:330 310:WIDGET-A:2:-850 630:WIDGET-A:2:850"
eq "write-off lines, after the sales" "$(q "select group_concat(line_no||':'||account_code||':'||sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month='2025-09' and kind='writeoff' order by line_no)")" "5:315:WIDGET-A:3:-1350 6:630:WIDGET-A:3:1350 7:315:WIDGET-B:2:-2050 8:630:WIDGET-B:2:2050"
eq "write-off description" "$(q "select description from cogs_line where month='2025-09' and line_no=5")" "WIDGET-A: 3 lost, damaged or disposed, 0 found, written off at 4.50"
P=reports/2025-09/xero-preview.json
eq "one COGS request in the preview, last" "$(python3 -c "
import json; r=json.load(open('$P'))['requests']
c=[x for x in r if x['settlement_id']=='COGS-2025-09']
j=c[0]['body']['ManualJournals'][0]
print(len(c), r[-1]['settlement_id'], j['Narration'][:26], j['Date'], sum(l['LineAmount'] for l in j['JournalLines']), [l['LineAmount'] for l in j['JournalLines'] if l['AccountCode']=='310'], [l['LineAmount'] for l in j['JournalLines'] if l['AccountCode']=='315'])")" "1 COGS-2025-09 Cost of goods sold 2025-09 2025-09-30 0.0 [3.3, 8.5] [13.5, 20.5]"
eq "narration names the write-off" "$(python3 -c "
import json; r=json.load(open('$P'))['requests']
print([x for x in r if x['settlement_id']=='COGS-2025-09'][0]['body']['ManualJournals'][0]['Narration'])")" "Cost of goods sold 2025-09: COGS-2025-09, Amazon units sold less units returned to stock, and units lost, damaged or disposed less found written off, at unit cost (settlebook)"
eq "outbox row" "$(q "select settlement_id||' '||month||' '||seq||' '||state from outbox where settlement_id like 'COGS-%'")" "COGS-2025-09 2025-09 1 pending"
before=$(dump)
status "post again" 0 "$SB" post --period 2025-09
eq "rerun writes nothing" "$(dump)" "$before"
status "post October" 0 "$SB" post --period 2025-10
eq "October" "$(q "select total_minor||' '||line_count from cogs_journal where month='2025-10'")" "2050 2"

# refund_restock false: nothing put back: 12.50 + 10.25 + 3.30 = 26.05
sed 's/"refund_restock": true/"refund_restock": false/' settlebook.json > norestock.json
status "refund_restock false" 0 "$SB" --config norestock.json post --period 2025-09
eq "no put back" "$(q "select total_minor||' '||line_count from cogs_journal where month='2025-09'")" "2605 10"
eq "pending row replaced" "$(q "select count(*) from outbox where settlement_id='COGS-2025-09' and state='pending'")" "1"
# grouped: one line pair in total
sed 's/"group_by_sku": true/"group_by_sku": false/' settlebook.json > grouped.json
status "grouped" 0 "$SB" --config grouped.json post --period 2025-09
eq "one pair" "$(q "select group_concat(account_code||':'||sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month='2025-09' order by line_no)")" "310::5:-1180 630::5:1180 315::5:-3400 630::5:3400"
sed 's/"group_by_sku": true/"group_by": true/' settlebook.json > badkey.json
status "bad cogs key" 2 "$SB" --config badkey.json post --period 2025-09
contains "names the key" "$T/.err" "cogs.group_by\": unknown key (refund_restock, group_by_sku)"

# every posting mode queues the same journal; orders mode maps the long SKU to a 30-character
# ItemCode (first 21 characters, '~', 8 hex digits of its SHA-256)
for mode in orders journal; do
  sed "s/\"mode\": \"summary\"/\"mode\": \"$mode\"/" settlebook.json > $mode.json
  status "post in $mode mode" 0 "$SB" --config $mode.json post --period 2025-09
  eq "$mode: the COGS journal" "$(python3 -c "
import json; r=json.load(open('reports/2025-09/xero-preview.json'))['requests']
c=[x for x in r if x['settlement_id']=='COGS-2025-09']
print(len(c), sum(l['LineAmount'] for l in c[0]['body']['ManualJournals'][0]['JournalLines'] if l['AccountCode']=='310'))")" "1 11.8"
  [ $mode = orders ] && eq "orders: ItemCode of the long SKU" "$(python3 -c "
import json; r=json.load(open('reports/2025-09/xero-preview.json'))['requests']
print(sorted({l.get('ItemCode') for x in r for d in x['body'].get('Invoices', []) for l in d['LineItems'] if 'GADGET' in l.get('Description', '')}))")" "['GADGET-LONG-SKU-NAME-~88c001e6']"
done
status "back to summary mode" 0 "$SB" post --period 2025-09

# ---- reconcile ----------------------------------------------------------------------------
# WIDGET-A: 2 lost + 1 damaged, 2 reimbursed (WAREHOUSE_LOST on 1 Oct, within 60 days): 1 due
# at 4.50; the long SKU: 1 lost (and 1 found, which does not pay): 1 due at 1.10. Shipped 4 of
# the long SKU, 3 settled. The WIDGET-A daily rows are ignored: the month has a monthly row.
status "reconcile (the broken inventory row is an error)" 1 "$SB" reconcile --period 2025-09
# The 60 days after September run to 29 Nov; the only settlement ends 4 Oct, so the window is
# still open: info, no case yet (the ledger's data decides, never the clock).
eq "REIMBURSEMENT_DUE while the window is open" "$(q "select group_concat(sku||' '||severity||' '||expected_minor||' '||currency, '|') from (select * from exception where kind='REIMBURSEMENT_DUE' order by sku)")" "$L info 110 USD|WIDGET-A info 450 USD"
eq "REIMBURSEMENT_DUE open text" "$(q "select explanation from exception where kind='REIMBURSEMENT_DUE' and sku='WIDGET-A'")" "2025-09: 3 unit(s) of SKU WIDGET-A lost or damaged in Amazon's warehouses, 2 reimbursed in the month or the 60 days after: 1 unit(s) not reimbursed yet, worth 4.50 USD at cost; the window is open until 2025-11-29 (the settlements do not reach past it yet)"
eq "no case advised yet" "$(q "select action like 'Nothing yet%' from exception where kind='REIMBURSEMENT_DUE' limit 1")" "1"
eq "UNITS_NOT_SETTLED" "$(q "select group_concat(sku||' '||severity||' '||expected_minor||' '||actual_minor, '|') from exception where kind='UNITS_NOT_SETTLED'")" "$L info 4 3"
before=$(dump)
status "reconcile again" 1 "$SB" reconcile --period 2025-09
eq "rerun writes nothing" "$(dump)" "$before"
# the inventory findings are September's (the inventory ledger's month): October's run neither
# lists them nor fails on the broken September row, and leaves them as they are
sept="select group_concat(id||' '||uid||' '||run_id, '|') from (select * from exception where month = '2025-09' order by id)"
rows=$(q "$sept")
status "reconcile October: September's inventory is not October's" 0 "$SB" reconcile --period 2025-10
eq "same inventory rows, each in its month" "$(q "select count(*)||' '||group_concat(distinct month) from exception where kind in ('REIMBURSEMENT_DUE','UNITS_NOT_SETTLED','INVENTORY_LEDGER_BROKEN')")" "4 2025-09"
eq "September's rows untouched (ids, runs)" "$(q "$sept")" "$rows"
# A settlement ending 30 Nov reaches past the window (29 Nov): now a warning with the case.
printf 'settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmarketplace-name\tamount-type\tamount-description\tamount\tposted-date\torder-item-code\tsku\tquantity-purchased\n70000000002\t2025-11-16 00:00:00 UTC\t2025-11-30 00:00:00 UTC\t2025-12-02 00:00:00 UTC\t5.00\tUSD\t\t\t\t\t\t\t\t\t\t\n70000000002\t\t\t\t\t\tOrder\tO-20\tAmazon.com\tItemPrice\tPrincipal\t5.00\t2025-11-20\tI20\tWIDGET-B\t1\n' > late.tsv
"$SB" ingest late.tsv >/dev/null 2>&1
status "reconcile after the window" 1 "$SB" reconcile --period 2025-09
eq "REIMBURSEMENT_DUE once the window passed" "$(q "select group_concat(sku||' '||severity||' '||expected_minor, '|') from (select * from exception where kind='REIMBURSEMENT_DUE' order by sku)")" "$L warning 110|WIDGET-A warning 450"
eq "REIMBURSEMENT_DUE text" "$(q "select explanation from exception where kind='REIMBURSEMENT_DUE' and sku='WIDGET-A'")" "2025-09: 3 unit(s) of SKU WIDGET-A lost or damaged in Amazon's warehouses, 2 reimbursed in the month or the 60 days after: 1 unit(s) due, worth 4.50 USD at cost"
eq "advises a case" "$(q "select action like 'Open a case in Seller Central%' from exception where kind='REIMBURSEMENT_DUE' limit 1")" "1"
# A tracked Xero Item as the preflight caches it (GET /Items: IsTrackedAsInventory,
# QuantityOnHand): Xero books its cost, and its quantity is compared with Amazon's.
sqlite3 settlebook.db "insert into xero_ref(kind, key, status, detail) values ('item', 'WIDGET-A', 'ACTIVE', 'tracked qty=110')"
status "reconcile with a tracked item" 1 "$SB" reconcile --period 2025-09
eq "INVENTORY_MISMATCH" "$(q "select sku||' '||severity||' '||expected_minor||' '||actual_minor||' '||difference_minor from exception where kind='INVENTORY_MISMATCH'")" "WIDGET-A warning 115 110 -5"
status "post with a tracked item" 0 "$SB" post --period 2025-09
eq "left to Xero (sales and write-off)" "$(q "select total_minor||' '||group_concat(sku||':'||kind, ' ') from (select c.*, j.total_minor from cogs_line c join cogs_journal j using (month) where month='2025-09' and account_code='630' order by line_no)")" "330 $L:sold WIDGET-B:writeoff"
contains "summary says so" "$T/.out" "1 Xero Item(s) are tracked inventory: their SKUs are left to Xero"

# ---- the Inventory sheet --------------------------------------------------------------------
status "workbook" 1 "$SB" report --period 2025-09
eq "Inventory sheet after Fees" "$(python3 -c "
import openpyxl; wb=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx'); print(wb.sheetnames.index('Inventory') - wb.sheetnames.index('Fees'))")" "1"
eq "Inventory rows" "$(python3 -c "
import openpyxl; ws=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx')['Inventory']
for r in ws.iter_rows(min_row=2, values_only=True): print('|'.join('' if v is None else str(v) for v in r))")" "2025-09|$L|GADGET-LONG-SKU-NAME-~88c001e6|30|0|4|0|1|0|26|0|3|3|USD|1.1|3.3|0|28.6
2025-09|WIDGET-A|WIDGET-A|100|20|3|1|3|0|115|3|3||USD|4.5|||517.5
2025-09|WIDGET-B|WIDGET-B|55|0|1|0|0|0|53|2|1|0|USD|10.25||20.5|543.25"

# Written off = Lost + Damaged + Disposed - Found over every disposition (the journal's
# formula): WIDGET-A 2 + 1 = 3, WIDGET-B 2 disposed (UNSELLABLE), the long SKU 1 - 1 = 0; its
# value at the cost of 30 Sep: WIDGET-B 2 x 10.25 = 20.50, the long SKU 0, WIDGET-A blank (a
# tracked Xero Item: Xero books it). Units sold (all marketplaces) are what the journal costed:
# the long SKU 3 (x 1.10 = COGS 3.30), WIDGET-B 1 sold - 1 put back = 0, WIDGET-A blank
# (tracked). Units settled stay the ledger country's count.
eq "Inventory: the write-off and units-sold headers" "$(python3 -c "
import openpyxl; ws=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx')['Inventory']
print('|'.join(c.value for c in ws[1][7:17]))")" "Lost/damaged|Reimbursed|Ending|Written off|Units settled (this ledger's country)|Units sold (all marketplaces)|Currency|Unit cost|COGS|Write-off value"
# the Postings sheet holds the cost-of-goods journal as the preview sends it: 310 3.30 (the
# long SKU), 315 20.50 (WIDGET-B written off), each against 630
eq "Postings: COGS-2025-09 as in the preview" "$(python3 -c "
import json, openpyxl
ws=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx')['Postings']
h=[c.value for c in ws[1]]
got=[(r[h.index('Account code')], r[h.index('Amount')]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]=='COGS-2025-09']
r=json.load(open('reports/2025-09/xero-preview.json'))['requests']
want=[(l['AccountCode'], l['LineAmount']) for x in r if x['settlement_id']=='COGS-2025-09' for l in x['body']['ManualJournals'][0]['JournalLines']]
print(got == want, got)")" "True [('310', 3.3), ('630', -3.3), ('315', 20.5), ('630', -20.5)]"

# ---- write-off: found units reverse, a move to a damaged disposition is no loss yet ----------
# October (ledger-2025-10-writeoff.tsv): WIDGET-A found 2 = -2 @ 4.50 = -9.00 (debit inventory,
# credit the write-off account); WIDGET-B damaged -1 on SELLABLE, +1 and disposed -1 on
# WAREHOUSE_DAMAGED = 1 @ 10.25 = 10.25 (once, not twice); WIDGET-Z lost 1 with no cost:
# MISSING_COST holds October back until its cost (3.00) arrives. Net 4.25 written off;
# October's sales (WIDGET-B 2 @ 10.25 = 20.50) are booked beside it.
mkdir -p "$T/woff" && cd "$T/woff" || exit 1
wq() { sqlite3 "$T/woff/settlebook.db" "$1"; }
"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-10-writeoff.tsv" >/dev/null 2>&1
status "write-off without a cost" 0 "$SB" post --period 2025-10
contains "held back" "$T/.out" "cost of goods sold 2025-10: HELD BACK, not queued: MISSING_COST: 1 SKU(s) written off in 2025-10 have no unit cost"
eq "MISSING_COST for the write-off" "$(wq "select severity||' '||sku||' '||explanation from exception where kind='MISSING_COST'")" "error WIDGET-Z 2025-10: SKU WIDGET-Z wrote off 1 unit(s) (lost, damaged or disposed, less found, in the FBA Inventory Ledger) with no unit cost in force; the cost-of-goods journal of 2025-10 is held back"
eq "not queued" "$(wq "select count(*) from outbox where settlement_id like 'COGS-%'")" "0"
"$SB" ingest "$I/costs-widget-z.csv" >/dev/null 2>&1
status "write-off with the cost" 0 "$SB" post --period 2025-10
eq "MISSING_COST resolved" "$(wq "select count(*) from exception where kind='MISSING_COST'")" "0"
eq "October lines" "$(wq "select group_concat(kind||':'||account_code||':'||sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month='2025-10' order by line_no)")" "sold:310:WIDGET-B:2:-2050 sold:630:WIDGET-B:2:2050 writeoff:315:WIDGET-A:-2:900 writeoff:630:WIDGET-A:-2:-900 writeoff:315:WIDGET-B:1:-1025 writeoff:630:WIDGET-B:1:1025 writeoff:315:WIDGET-Z:1:-300 writeoff:630:WIDGET-Z:1:300"
contains "net write-off in the summary" "$T/.out" "inventory written off (lost, damaged or disposed less found): 4.25 USD, debit 315 credit 630"
eq "found units in the description" "$(wq "select description from cogs_line where month='2025-10' and sku='WIDGET-A' and account_code='315'")" "WIDGET-A: 0 lost, damaged or disposed, 2 found, written off at 4.50"
eq "Xero: found units debit inventory" "$(python3 -c "
import json; r=json.load(open('reports/2025-10/xero-preview.json'))['requests']
j=[x for x in r if x['settlement_id']=='COGS-2025-10'][0]['body']['ManualJournals'][0]
print(sum(l['LineAmount'] for l in j['JournalLines']), [(l['AccountCode'], l['LineAmount']) for l in j['JournalLines'] if 'WIDGET-A' in l['Description']])")" "0.0 [('315', -9.0), ('630', 9.0)]"
cd "$T" || exit 1

# ---- units settled per country: two marketplaces ---------------------------------------------
# September: Amazon.com settled WIDGET-A 2 + 1 = 3 and WIDGET-B 1 (settlement-2025-09.tsv),
# Amazon.ca settled WIDGET-A 3 and WIDGET-B 2 (settlement-ca-2025-09.tsv, CAD). The ledger
# (ledger-2025-09-us-ca.tsv) shipped WIDGET-A 3 from US and 4 from CA, WIDGET-B 1 from US:
# US 3 = 3 and WIDGET-B 1 = 1 tie; CA 4 against 3 is the one UNITS_NOT_SETTLED. The sheet
# counts WIDGET-A 3 + 3 = 6 settled and WIDGET-B 1 (Amazon.ca's 2 are not this ledger's).
mkdir -p "$T/country" && cd "$T/country" || exit 1
"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" "$I/settlement-ca-2025-09.tsv" "$I/ledger-2025-09-us-ca.tsv" >/dev/null 2>&1
"$SB" reconcile --period 2025-09 >/dev/null 2>&1
eq "UNITS_NOT_SETTLED per country" "$(sqlite3 settlebook.db "select group_concat(sku||' '||expected_minor||' '||actual_minor||' '||explanation, '|') from exception where kind='UNITS_NOT_SETTLED'")" "WIDGET-A 4 3 2025-09: Amazon shipped 4 unit(s) of SKU WIDGET-A to customers in CA, the settlements paid for 3 posted in the month (-1)"
"$SB" report --period 2025-09 >/dev/null 2>&1
eq "Inventory sheet: units settled in the ledger's countries" "$(python3 -c "
import openpyxl; ws=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx')['Inventory']
print(' '.join('%s=%s/%s' % (r[1], r[5], r[11]) for r in ws.iter_rows(min_row=2, values_only=True)))")" "WIDGET-A=7/6 WIDGET-B=1/1"
cd "$T" || exit 1

# ---- MISSING_COST holds the journal back ------------------------------------------------------
rm -f settlebook.db && "$SB" init >/dev/null 2>&1 && rm -f settlebook.json && "$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" "$I/costs-no-gadget.csv" >/dev/null 2>&1
status "post without the long SKU's cost" 0 "$SB" post --period 2025-09
contains "held back in the summary" "$T/.out" "cost of goods sold 2025-09: HELD BACK, not queued: MISSING_COST: 1 SKU(s) sold in 2025-09 have no unit cost"
eq "MISSING_COST with the units" "$(q "select severity||' '||sku||' '||explanation from exception where kind='MISSING_COST'")" "error $L 2025-09: SKU $L sold 3 unit(s) with no unit cost in force; the cost-of-goods journal of 2025-09 is held back"
eq "not queued" "$(q "select count(*) from outbox where settlement_id like 'COGS-%'")" "0"
eq "not in the preview" "$(grep -c COGS- reports/2025-09/xero-preview.json)" "0"
before=$(dump)
status "post again" 0 "$SB" post --period 2025-09
eq "rerun writes nothing" "$(dump)" "$before"
"$SB" ingest "$I/costs.csv" >/dev/null 2>&1
status "post after the cost arrived" 0 "$SB" post --period 2025-09
eq "MISSING_COST resolved" "$(q "select count(*) from exception where kind='MISSING_COST'")" "0"
eq "queued once" "$(q "select count(*)||' '||min(state) from outbox where settlement_id='COGS-2025-09'")" "1 pending"
eq "booked" "$(q "select total_minor||' '||blocked from cogs_journal where month='2025-09'")" "1180 "

# ---- fetch: the FBA Inventory Ledger per missing month, through the fake SP-API -------------
# createReport with the month's dataStartTime/dataEndTime, getReport until DONE (the fake says
# IN_PROGRESS once) or FATAL (a month it has no file for), download (gzip), ingest.
mkdir -p "$T/fetch/fake" && cd "$T/fetch" || exit 1
F="$T/fetch/fake"
M2=$(date -u -d "$(date -u +%Y-%m-01) -2 month" +%Y-%m)   # complete months before this one
M1=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m)
MM="$(echo "$M2" | cut -c6-7)/$(echo "$M2" | cut -c1-4)"
sed "s#09/2025#$MM#" "$I/ledger-2025-09.tsv" > "$F/inv.tsv"
export SETTLEBOOK_LWA_CLIENT_ID='amzn1.application-oa2-client.CANARYCLIENT'
export SETTLEBOOK_LWA_CLIENT_SECRET='amzn1.oa2-cs.v1.CANARYSECRET'
export SETTLEBOOK_LWA_REFRESH_TOKEN='Atzr|CANARY-REFRESH-0123456789'
cat > "$F/state.json" <<JSON
{ "client_id": "amzn1.application-oa2-client.CANARYCLIENT",
  "client_secret": "amzn1.oa2-cs.v1.CANARYSECRET", "refresh_token": "Atzr|CANARY-REFRESH-0123456789",
  "rate_limit": "20", "reports": [], "orders": [], "inventory": {"$M2": "inv.tsv"},
  "inventory_polls": 1 }
JSON
python3 "$ROOT/tests/fake_spapi.py" "$F" &
FAKE=$!
trap 'kill $FAKE 2>/dev/null' EXIT
i=0; while [ ! -s "$F/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$F/port")
"$SB" --ledger fetch.db init >/dev/null 2>&1
python3 - "$PORT" <<'PY'
import json, sys
c = json.load(open("settlebook.json"))
url = "http://127.0.0.1:%s" % sys.argv[1]
c["spapi"] = {"endpoint": url, "token_url": url + "/auth/o2/token", "marketplace_ids":
              "ATVPDKIKX0DER", "data_dir": "data", "max_retries": 2, "timeout_ms": 5000}
json.dump(c, open("settlebook.json", "w"), indent=1)
PY
fq() { sqlite3 fetch.db "$1"; }
status "fetch without inventory in the ledger" 0 "$SB" --ledger fetch.db fetch --since "$M2-01"
eq "no report asked for" "$(cat "$F/created.log" 2>/dev/null | wc -l)" "0"
"$SB" --ledger fetch.db ingest "$I/costs.csv" >/dev/null 2>&1
status "fetch with unit costs in the ledger" 0 "$SB" --ledger fetch.db fetch --since "$M2-01"
contains "summary" "$T/.out" "inventory: 1 month(s) of the FBA Inventory Ledger fetched"
E2=$(date -u -d "$M1-01 -1 day" +%Y-%m-%d); E1=$(date -u -d "$(date -u +%Y-%m-01) -1 day" +%Y-%m-%d)
eq "createReport per missing month, the month's bounds" "$(awk '{printf "%s..%s ", $2, $3}' "$F/created.log")" "${M2}-01T00:00:00Z..${E2}T23:59:59Z ${M1}-01T00:00:00Z..${E1}T23:59:59Z "
eq "polled until DONE, then downloaded" "$(grep -c "GET /reports/2021-06-30/reports/INV1 " "$F/requests.log")" "2"
eq "ingested" "$(fq "select count(*)||' '||min(month) from inventory_ledger")" "4 $M2"
eq "kept and recorded" "$(fq "select report_type||' '||compression||' '||state||' '||path from fetched_report")" "GET_LEDGER_SUMMARY_VIEW_DATA gzip ingested data/inventory/$M2.tsv"
eq "broken row raised" "$(fq "select count(*) from exception where kind='INVENTORY_LEDGER_BROKEN'")" "1"
status "fetch again" 0 "$SB" --ledger fetch.db fetch --since "$M2-01"
eq "only the FATAL month is asked for again" "$(cut -d' ' -f2 "$F/created.log" | cut -c1-7 | sort | uniq -c | tr -s ' ' | tr '\n' '|')" " 1 $M2| 2 $M1|"
kill $FAKE 2>/dev/null
cd "$T" || exit 1

# ---- synth: a matching inventory ledger and cost file ----------------------------------------
mkdir -p "$T/synth" && cd "$T/synth" || exit 1
sq() { sqlite3 "$T/synth/settlebook.db" "$1"; }
"$SB" synth --rows 3000 --seed 7 -o s.tsv --inventory inv.tsv --costs costs.csv >/dev/null 2>&1
"$SB" synth --rows 3000 --seed 7 -o s2.tsv --inventory inv2.tsv --costs costs2.csv >/dev/null 2>&1
eq "same options, same bytes" "$(cat inv.tsv costs.csv | sha256sum)" "$(cat inv2.tsv costs2.csv | sha256sum)"
"$SB" init >/dev/null 2>&1
"$SB" --ledger nocost.db init >/dev/null 2>&1
"$SB" --ledger nocost.db ingest s.tsv >/dev/null 2>&1
status "post without unit costs" 0 "$SB" --ledger nocost.db --reports nocost post
eq "no cost-of-goods line, journal or exception" "$(grep -c 'cost of goods' "$T/.out") $(sqlite3 nocost.db "select count(*) from cogs_journal") $(sqlite3 nocost.db "select count(*) from exception where kind = 'MISSING_COST'")" "0 0 0"
status "ingest the synthetic seller" 0 "$SB" ingest s.tsv inv.tsv costs.csv
eq "every inventory row adds up" "$(sq "select count(*) from inventory_ledger where broken = 1")" "0"
eq "50 SKUs, two months" "$(sq "select count(distinct msku)||' '||count(distinct month) from inventory_ledger")" "50 2"
# cost of goods worked out again from the files, independently of settlebook
want=$(python3 - <<'PY'
import csv
cost = {r["sku"]: round(float(r["unit_cost"]) * 100) for r in csv.DictReader(open("costs.csv"))}
rows = list(csv.DictReader(open("s.tsv"), delimiter="\t"))[1:]
from decimal import Decimal
cents = lambda v: int(Decimal(v) * 100)
qty, op, rp, rmonth, rsku, tot = {}, {}, {}, {}, {}, {}
for r in rows:
    k, pr = (r["order-id"], r["order-item-code"]), r["amount-description"] == "Principal"
    if r["transaction-type"] == "Order" and r["quantity-purchased"]:
        qty[k] = int(r["quantity-purchased"])
    if r["transaction-type"] == "Order" and pr:
        op[k] = op.get(k, 0) + cents(r["amount"])
    if r["transaction-type"] == "Refund":
        rmonth.setdefault(k, r["posted-date"][:7]); rsku[k] = r["sku"]
        rp[k] = rp.get(k, 0) - (cents(r["amount"]) if pr else 0)
for r in rows:
    if r["transaction-type"] == "Order" and r["quantity-purchased"]:
        m = r["posted-date"][:7]
        tot[m] = tot.get(m, 0) + int(r["quantity-purchased"]) * cost[r["sku"]]
# a refund puts back round(refund principal / order principal per unit), at most the quantity
for k, m in rmonth.items():
    q = qty.get(k)
    back = 1 if q is None or op.get(k, 0) <= 0 else min(q, (2 * abs(rp[k]) * q + op[k]) // (2 * op[k]))
    tot[m] = tot.get(m, 0) - back * cost[rsku[k]]
print(" ".join("%s=%d" % (m, tot[m]) for m in sorted(tot)))
PY
)
status "post" 0 "$SB" post
eq "COGS per month = units x cost" "$(sq "select group_concat(month||'='||total_minor, ' ') from (select * from cogs_journal order by month)")" "$want"
eq "no MISSING_COST" "$(sq "select count(*) from exception where kind='MISSING_COST'")" "0"
"$SB" reconcile >/dev/null 2>&1
eq "the unreimbursed lost unit of each month" "$(sq "select group_concat(sku||' '||substr(explanation,1,7), '|') from (select * from exception where kind='REIMBURSEMENT_DUE' order by explanation)")" "SB-BCB-BLK-01 $(cut -f1 inv.tsv | sed -n 2p | awk -F/ '{print $2"-"$1}')|SB-BCB-BLK-01 $(cut -f1 inv.tsv | sed -n 3p | awk -F/ '{print $2"-"$1}')"
cd "$T" || exit 1

# ---- orders mode: Xero Items created through the outbox, once, before the invoices -----------
. "$ROOT/tests/live_lib.sh"
FILES="$FX/reconcile/clean-s1.tsv $FX/reconcile/clean-s2.tsv $FX/reconcile/clean-orders.tsv" \
  scenario items orders
printf 'sku,unit_cost,currency,effective_from\nSKU-K,2.00,USD,2025-01-01\nSKU-L,3.00,USD,2025-01-01\n' > costs.csv
sb 0 "items: ingest costs" ingest costs.csv
sb 0 "items: dry run" post --period 2025-10
P=reports/2025-10/xero-preview.json
eq "items: PUT /Items first, both codes" "$(python3 -c "
import json; r=json.load(open('$P'))['requests']
print(r[0]['settlement_id'], r[0]['path'], [i['Code'] for i in r[0]['body']['Items']], sum(x['path'] == '/Items' for x in r))")" "ITEMS-2025-10 /Items ['SKU-K', 'SKU-L'] 1"
fctl '{"add_items": [{"Code": "SKU-K", "IsTrackedAsInventory": true, "QuantityOnHand": 7}]}' >/dev/null
# the accounts of Xero's demo company that cost of goods uses (310 Cost of Goods Sold, 630
# Inventory); the fake's seed chart holds only what the other tests need
fctl '{"add_account": {"Code": "310", "Type": "DIRECTCOSTS"}}' >/dev/null
fctl '{"add_account": {"Code": "630", "Type": "INVENTORY"}}' >/dev/null
sb 0 "items: post --live (SKU-K already in Xero)" post --live --period 2025-10
eq "items: SKU-K looked up, not created; SKU-L created once" "$(curl -s "$XU/__state" | python3 -c '
import json, sys
o = list(json.load(sys.stdin)["orgs"].values())[0]
print(sorted(o["items"]), [d["Code"] for d in o["docs"]["Items"]])')" "['SKU-K', 'SKU-L'] ['SKU-L']"
eq "items: the item request went before the invoices" "$(python3 -c "
import json
r = [json.loads(l) for l in open('requests.jsonl')]
p = [x['path'].rsplit('/', 1)[1] for x in r if x['method'] == 'PUT']
print(p[0], p.index('Invoices') > p.index('Items'))")" "Items True"
eq "items: every request confirmed" "$(sq "select count(*) from outbox where state != 'confirmed'")" "0"
eq "items: found and created documents" "$(sq "select group_concat(label||':'||st, ' ') from (select d.label, d.state as st from outbox_doc d join outbox o on o.id = d.outbox_id where o.path = '/Items' order by d.idx)")" "item SKU-K:confirmed item SKU-L:confirmed"
n=$(wc -l < requests.jsonl)
sb 0 "items: rerun" post --live --period 2025-10
# a live run reads the organisation's contacts first (one GET), then sends nothing
eq "items: rerun sends nothing, one GET /Contacts" "$(tail -n +$((n + 1)) requests.jsonl | python3 -c 'import json,sys; print(" ".join(json.loads(l)["method"] + " " + json.loads(l)["path"].split("?")[0] for l in sys.stdin))')" "GET /api.xro/2.0/Contacts"
sb 0 "items: dry run after live" post --period 2025-10
eq "items: no new item request" "$(sq "select count(*) from outbox where path = '/Items'")" "1"
# INVENTORY_MISMATCH from what the preflight cached: SKU-K is a tracked item with 7 on hand in
# Xero; Amazon's ledger ends October with 10 sellable units
printf 'Date\tFNSKU\tMSKU\tDisposition\tStarting Warehouse Balance\tReceipts\tCustomer Shipments\tCustomer Returns\tVendor Returns\tWarehouse Transfer In/Out\tFound\tLost\tDamaged\tDisposed\tOther Events\tEnding Warehouse Balance\n10/2025\tX0K\tSKU-K\tSELLABLE\t12\t0\t-2\t0\t0\t0\t0\t0\t0\t0\t0\t10\n' > inv.tsv
sb 0 "items: an inventory ledger without the optional columns" ingest inv.tsv
eq "items: the preflight cached the tracked item" "$(sq "select detail from xero_ref where kind = 'item' and key = 'SKU-K'")" "tracked qty=7"
sb 0 "items: reconcile" reconcile --period 2025-10
eq "INVENTORY_MISMATCH" "$(sq "select sku||' '||expected_minor||' '||actual_minor||' '||difference_minor from exception where kind = 'INVENTORY_MISMATCH'")" "SKU-K 10 7 -3"
cd "$T" || exit 1

# ---- orders mode without unit costs: ItemCode only for items Xero has -----------------------
# No costs, so no item is created: the invoices name no ItemCode (Xero refuses an unknown one).
# SKU-K made by hand in Xero reaches the cache at the live run's preflight, after the preview:
# the live run sends the preview as it is, and the posted settlements keep their documents.
FILES="$FX/reconcile/clean-s1.tsv $FX/reconcile/clean-s2.tsv $FX/reconcile/clean-orders.tsv" \
  scenario noitems orders
fctl '{"add_items": ["SKU-K"]}'
sb 0 "no items: dry run" post --period 2025-10
itemcodes() { sq "select count(*) from outbox, json_each(body, '\$.Invoices') d, json_each(d.value, '\$.LineItems') li where json_extract(li.value, '\$.ItemCode') is not null"; }
eq "no items: no ItemCode, no PUT /Items" "$(itemcodes) $(sq "select count(*) from outbox where path = '/Items'")" "0 0"
sb 0 "no items: post --live" post --live --period 2025-10
eq "no items: every request confirmed" "$(sq "select count(*) from outbox where state != 'confirmed'")" "0"
eq "no items: the preflight cached SKU-K" "$(sq "select count(*) from xero_ref where kind = 'item' and key = 'SKU-K'")" "1"
before=$(sqlite3 "$S/settlebook.db" .dump)
sb 0 "no items: dry run after live" post --period 2025-10
eq "no items: posted settlements keep their documents" "$(itemcodes) $(sq "select count(*) from exception where kind = 'POSTED_DOCUMENT_CHANGED'")" "0 0"
eq "no items: rerun writes nothing" "$(sqlite3 "$S/settlebook.db" .dump)" "$before"
# the fake refuses an unknown ItemCode as Xero documents it
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["access_token"])' "$T/xero-token.json")
TEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tenant_id"])' "$T/xero-token.json")
eq "fake: unknown ItemCode refused" "$(curl -s -X PUT -H "Authorization: Bearer $TOKEN" -H "Xero-tenant-id: $TEN" --data-binary '{"Invoices":[{"Type":"ACCREC","Contact":{"Name":"Amazon.com Customers"},"Date":"2025-10-01","LineItems":[{"Description":"x","ItemCode":"NOPE","Quantity":1,"UnitAmount":1.00,"AccountCode":"200","TaxType":"NONE"}]}]}' "$XU/api.xro/2.0/Invoices" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Type"], d["Elements"][0]["ValidationErrors"][0]["Message"])')" "ValidationException Item code 'NOPE' is not valid"

# ---- ingest --costs-from-xero: PurchaseDetails.UnitPrice of the Xero Items ------------------
# SKU-L 3.25; the long SKU's item (its 30-character code) 1.105, rounded half up to 1.11 and
# stored under the SKU the ledger knows; an item without a purchase price and SKU-K (none
# given) are skipped; a CSV cost on the same date wins over Xero's.
fctl '{"add_items": [{"Code": "SKU-L", "PurchaseDetails": {"UnitPrice": 3.25}}, {"Code": "GADGET-LONG-SKU-NAME-~88c001e6", "PurchaseDetails": {"UnitPrice": 1.105}}, {"Code": "NOPRICE", "SalesDetails": {"UnitPrice": 9}}, {"Code": "SKU-M", "PurchaseDetails": {"UnitPrice": 7.00}}]}'
printf 'sku,unit_cost,currency,effective_from\nSKU-M,6.50,USD,1970-01-01\n' > m.csv
sb 0 "costs: ingest the long SKU's settlement and a CSV cost" ingest "$I/settlement-2025-09.tsv" m.csv
n=$(wc -l < requests.jsonl)
sb 0 "costs: ingest --costs-from-xero" ingest --costs-from-xero
eq "costs: one read-only GET /Items" "$(tail -n +$((n + 1)) requests.jsonl | python3 -c 'import json,sys; print(" ".join(json.loads(l)["method"] + " " + json.loads(l)["path"].split("?")[0] for l in sys.stdin))')" "GET /api.xro/2.0/Items"
eq "costs: stored from Xero" "$(sq "select group_concat(sku||'@'||effective_from||'='||unit_cost_minor||':'||currency||':'||origin, ' ') from (select * from unit_cost order by sku)")" "$L@1970-01-01=111:USD:xero SKU-L@1970-01-01=325:USD:xero SKU-M@1970-01-01=650:USD:csv"
contains "costs: said" "$S/.err" "Xero Items: xero_items: 3 records, 2 stored"
before=$(sqlite3 "$S/settlebook.db" .dump)
sb 0 "costs: read again" ingest --costs-from-xero
eq "costs: the same prices change nothing" "$(sqlite3 "$S/settlebook.db" .dump)" "$before"
fctl '{"add_items": [{"Code": "SKU-L", "PurchaseDetails": {"UnitPrice": 3.5}}]}'
sb 0 "costs: after a price change in Xero" ingest --costs-from-xero
eq "costs: replaced" "$(sq "select unit_cost_minor from unit_cost where sku = 'SKU-L'")" "350"
cd "$T" || exit 1

# the cost-of-goods journal (summary mode) and the item request (orders mode) against Xero's
# OpenAPI spec, as tests/e2e/contract.sh checks every other request
python3 "$ROOT/tests/xero_contract.py" "$T/reports/2025-09/xero-preview.json" \
  "$T/items/reports/2025-10/xero-preview.json" > contract.out 2>&1
eq "COGS journal and PUT /Items satisfy Xero's spec" "$?" "0"
contains "requests checked" contract.out "0 failure(s)"

# ---- orders documents: the units of a Principal and of a refund ----------------------------
# units-settlement.tsv, MUG-1 only. U-1 2 units for 99.99: Quantity 2 at 49.995 (4 decimals:
# the request asks unitdp=4; Xero computes 2 x 49.995 = 99.99); U-2 3 for 100.00 (not exact at
# 4 decimals): 2 at 33.33 (66.66) + 1 at 33.34, both lines MUG-1; U-3 2 for 40.00, refunded
# 20.00: round(20.00 / 20.00) = 1 unit back; U-4 3 for 60.00 refunded in full: 3 units back.
# COGS: 10 sold - 4 back = 6 at 4.00 = 24.00 (the same put-back rule).
lineitems() { python3 -c '
import json, sys
from decimal import Decimal
for r in json.load(open(sys.argv[1]), parse_float=Decimal)["requests"]:
    for k in ("Invoices", "CreditNotes"):
        for d in r["body"].get(k, []):
            if d["Type"] in ("ACCREC", "ACCRECCREDIT"):
                print(d.get("InvoiceNumber") or d["CreditNoteNumber"], r["query"], "|".join(
                    "%s %s %s %s" % (l.get("ItemCode"), l["Quantity"], l["UnitAmount"],
                                     l["LineAmount"]) for l in d["LineItems"]))' "$1"; }
FILES="$I/units-settlement.tsv $I/costs-units.csv" scenario units orders
sb 0 "units: dry run" post --period 2025-11
eq "units: quantities, unit amounts, items and the unitdp query" "$(lineitems reports/2025-11/xero-preview.json)" "AMZ-70000000201-U-1 summarizeErrors=false&unitdp=4 MUG-1 2 49.995 99.99
AMZ-70000000201-U-2 summarizeErrors=false&unitdp=4 MUG-1 2 33.33 66.66|MUG-1 1 33.34 33.34
AMZ-70000000201-U-3 summarizeErrors=false&unitdp=4 MUG-1 2 20.00 40.00
AMZ-70000000201-U-4 summarizeErrors=false&unitdp=4 MUG-1 3 20.00 60.00
AMZ-70000000201-U-3-R summarizeErrors=false MUG-1 1 20.00 20.00
AMZ-70000000201-U-4-R summarizeErrors=false MUG-1 3 20.00 60.00"
sq "select body from outbox where path = '/Invoices' and doc_number = 'AMZ-70000000201-U-1'" > u1.json
contains "units: U-1's exact line" u1.json '"LineItems":[{"Description":"MUG-1 Principal","ItemCode":"MUG-1","Quantity":2,"UnitAmount":49.995,"AccountCode":"200","TaxType":"NONE","LineAmount":99.99}]'
contains "units: U-2's exact lines" u1.json '"LineItems":[{"Description":"MUG-1 Principal","ItemCode":"MUG-1","Quantity":2,"UnitAmount":33.33,"AccountCode":"200","TaxType":"NONE","LineAmount":66.66},{"Description":"MUG-1 Principal","ItemCode":"MUG-1","Quantity":1,"UnitAmount":33.34,"AccountCode":"200","TaxType":"NONE","LineAmount":33.34}]'
eq "units: only the request needing 4 decimals asks unitdp=4" "$(sq "select group_concat(path||' '||doc_number||' '||query, ',') from outbox where query like '%unitdp%'")" "/Invoices AMZ-70000000201-U-1 summarizeErrors=false&unitdp=4"
eq "units: COGS puts back the same units" "$(sq "select description from cogs_line where month = '2025-11' and account_code = '310'")" "MUG-1: 10 sold, 4 returned to stock, at 4.00"
python3 "$ROOT/tests/xero_contract.py" reports/2025-11/xero-preview.json > contract-units.out 2>&1
eq "units: the unitdp=4 request satisfies Xero's spec" "$?" "0"
# refund_restock false: the refunds go back to no stock, so no ItemCode moves it
mkdir -p "$T/units-norestock" && cp settlebook.db "$T/units-norestock/"
sed 's/"refund_restock": true/"refund_restock": false/' settlebook.json > "$T/units-norestock/settlebook.json"
(cd "$T/units-norestock" && "$SB" post --period 2025-11 >/dev/null 2>&1)
eq "units: refund_restock false, no item on the credit notes" "$(lineitems "$T/units-norestock/reports/2025-11/xero-preview.json" | grep -- -R)" "AMZ-70000000201-U-3-R summarizeErrors=false None 1 20.00 20.00
AMZ-70000000201-U-4-R summarizeErrors=false None 1 60.00 60.00"
# live: MUG-1 a tracked item with 100 on hand; Xero computes every line from Quantity x
# UnitAmount (refusing a LineAmount that differs) and moves the stock
fctl '{"add_items": [{"Code": "MUG-1", "IsTrackedAsInventory": true, "QuantityOnHand": 100}]}'
fctl '{"add_account": {"Code": "310", "Type": "DIRECTCOSTS"}}'
fctl '{"add_account": {"Code": "630", "Type": "INVENTORY"}}'
sb 0 "units: post --live" post --live --period 2025-11
eq "units: every request confirmed" "$(sq "select count(*) from outbox where state != 'confirmed'")" "0"
sent_bytes units
eq "units: Xero's totals are Amazon's, stock moved by 10 - 4" "$(curl -s "$XU/__state" | python3 -c '
import json, sys
from decimal import Decimal
d = json.load(sys.stdin, parse_float=Decimal)
for o in d["orgs"].values():
    for k in ("Invoices", "CreditNotes"):
        print(k, " ".join("%s=%s" % (x.get("InvoiceNumber") or x["CreditNoteNumber"], x["Total"]) for x in o["docs"][k] if "-U-" in (x.get("InvoiceNumber") or x.get("CreditNoteNumber"))))
    print("MUG-1", int(o["stock"]["MUG-1"]))')" "Invoices AMZ-70000000201-U-1=99.99 AMZ-70000000201-U-2=100.0 AMZ-70000000201-U-3=40.0 AMZ-70000000201-U-4=60.0
CreditNotes AMZ-70000000201-U-3-R=20.0 AMZ-70000000201-U-4-R=60.0
MUG-1 94"
# the diff reads Xero's documents back with unitdp=4 (else 49.995 would read 50.00); an
# organisation that has MUG-1 already, as a preflight cached it (no unit costs: no item
# request, which --diff refuses)
FILES="$I/units-settlement.tsv" scenario unitsdiff orders
fctl '{"add_items": ["MUG-1"]}'
sq "insert into xero_ref(kind, key, status, detail) values ('item', 'MUG-1', 'ACTIVE', '')"
sb 0 "units: post --live, MUG-1 in Xero" post --live --period 2025-11
contains "units: the item named" requests.jsonl '\"ItemCode\":\"MUG-1\",\"Quantity\":2,\"UnitAmount\":49.995'
sb 0 "units: diff after posting" --json post --diff --period 2025-11
eq "units: Xero holds the documents as sent" "$(python3 -c 'import json,sys
print(sorted({x["status"] for x in json.load(open(sys.argv[1]))["documents"]}))' "$S/.out")" "['identical']"
eq "units: the diff's GETs of documents ask unitdp=4" "$(grep '"method": "GET"' requests.jsonl | grep -E 'Invoices|CreditNotes' | grep -vc 'unitdp=4')" "0"
cd "$T" || exit 1

# ---- the demo data: partial refunds put back only the units they pay for ----------------------
# 302-2187357-7050675 (SB-YGM-BLU-13, 2 at 35.99, refunded 35.99) and 111-8501170-9536242
# (SB-PHS-BLU-33, 2 at 10.99, refunded 10.99) each put back 1 unit, not 2: September 358.24.
mkdir -p "$T/demo" && cd "$T/demo" || exit 1
"$SB" init >/dev/null 2>&1
"$SB" ingest "$FX"/demo/*.tsv "$FX"/demo/*.csv >/dev/null 2>&1
status "demo: post September" 0 "$SB" post --period 2025-09
eq "demo: September COGS" "$(sqlite3 settlebook.db "select total_minor from cogs_journal where month = '2025-09'")" "35824"
eq "demo: partial refunds put back one unit" "$(sqlite3 settlebook.db "select group_concat(description, '|') from (select * from cogs_line where sku in ('SB-YGM-BLU-13', 'SB-PHS-BLU-33') and account_code = '310' order by sku)")" "SB-PHS-BLU-33: 2 sold, 1 returned to stock, at 3.84|SB-YGM-BLU-13: 2 sold, 1 returned to stock, at 12.59"
# SB-SWB-WHT-07 sells 1 unit on Amazon.de only (the DE settlement): the US inventory ledger's
# country settled 0 of it, the journal costed 1 x 6.99 = 6.99 (all marketplaces)
"$SB" report --period 2025-09 >/dev/null 2>&1
eq "demo: units settled here vs units sold everywhere" "$(python3 -c "
import openpyxl; ws=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx')['Inventory']
h=[c.value for c in ws[1]]
r=[r for r in ws.iter_rows(min_row=2, values_only=True) if r[1]=='SB-SWB-WHT-07'][0]
print(*(r[h.index(k)] for k in (\"Units settled (this ledger's country)\", 'Units sold (all marketplaces)', 'Unit cost', 'COGS')))")" "0 1 6.99 6.99"
cd "$T" || exit 1

# ---- cost of goods follows the journals' month (locked or sent months) -----------------------
# Unlocked, September books 11.80 and October 20.50 (above). Here September's COGS journal is
# built from the inventory ledger alone (34.00 written off, no sale yet), then September is
# locked and the settlement arrives: the sales journal moves September's lines to October
# (PERIOD_LOCKED), and so does cost of goods: October = 20.50 + 11.80 = 32.30, per SKU
# WIDGET-A 2 @ 4.00 + 1 @ 4.50 - 1 put back @ 4.00 = 8.50, the long SKU 3 @ 1.10 = 3.30,
# WIDGET-B 3 sold - 1 put back = 2 @ 10.25 = 20.50.
mkdir -p "$T/lockcogs" && cd "$T/lockcogs" || exit 1
lq() { sqlite3 "$T/lockcogs/settlebook.db" "$1"; }
"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/costs.csv" "$I/ledger-2025-09.tsv" >/dev/null 2>&1
status "lock: September from the inventory ledger alone" 0 "$SB" post --period 2025-09
eq "lock: September written off, nothing sold" "$(lq "select total_minor||' '||line_count from cogs_journal where month='2025-09'")" "0 4"
"$SB" period lock 2025-09 --force >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" >/dev/null 2>&1
status "lock: post October" 0 "$SB" post --period 2025-10
contains "lock: October books September's late sales" "$T/.out" "cost of goods sold 2025-10: COGS-2025-10 PUT /ManualJournals, 32.30 USD, 6 line(s)"
contains "lock: and says so" "$T/.out" "includes 5 unit(s) sold (less put back) and 0 written off in 2025-09, booked here like the sales"
eq "lock: October lines" "$(lq "select group_concat(sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month='2025-10' and account_code='630' order by line_no)")" "$L:3:330 WIDGET-A:2:850 WIDGET-B:2:2050"
eq "lock: September untouched" "$(lq "select total_minor||' '||line_count from cogs_journal where month='2025-09'")" "0 4"
eq "lock: the units and the month the sales journal booked them in" "$(lq "select group_concat(origin||'<'||home||':'||sku||':'||kind||':'||units, ' ') from (select * from cogs_cover where month='2025-10' order by sku, kind, home, cost_date)")" "2025-10<2025-09:$L:sold:3 2025-10<2025-09:WIDGET-A:back:1 2025-10<2025-09:WIDGET-A:sold:2 2025-10<2025-09:WIDGET-A:sold:1 2025-10<2025-09:WIDGET-B:back:1 2025-10<2025-09:WIDGET-B:sold:1 2025-10<2025-10:WIDGET-B:sold:2"
status "lock: September again" 0 "$SB" post --period 2025-09
eq "lock: nothing of September left over" "$(lq "select count(*) from exception where scope='cogs' and kind='PERIOD_LOCKED'")" "0"
before=$(dump)
status "lock: October again" 0 "$SB" post --period 2025-10
eq "lock: rerun writes nothing" "$(dump)" "$before"
cd "$T" || exit 1

# The sales journals booked September's lines in September, but September was locked before
# its COGS journal could be built (the costs came later): September passes its units on
# (PERIOD_LOCKED, scope cogs, 5 units, 11.80) and October books them beside its own: 32.30.
mkdir -p "$T/lockcogs2" && cd "$T/lockcogs2" || exit 1
lq() { sqlite3 "$T/lockcogs2/settlebook.db" "$1"; }
"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" >/dev/null 2>&1
"$SB" post --period 2025-09 >/dev/null 2>&1
"$SB" period lock 2025-09 >/dev/null 2>&1
"$SB" ingest "$I/costs.csv" >/dev/null 2>&1
status "locked first: post September" 0 "$SB" post --period 2025-09
eq "locked first: no September journal" "$(lq "select count(*) from cogs_journal")" "0"
eq "locked first: PERIOD_LOCKED" "$(lq "select severity||' '||month||' '||explanation from exception where scope='cogs' and kind='PERIOD_LOCKED'")" "warning 2025-09 2025-09: the cost-of-goods journal COGS-2025-09 is locked; 5 unit(s) sold (less put back) and 0 written off in the month are not in it (11.80 USD at cost): they are booked in the first month after it whose journal is open, now 2025-10, at the unit cost of their own dates"
contains "locked first: in the summary" "$T/.out" "cost of goods sold 2025-09: PERIOD_LOCKED: the cost-of-goods journal COGS-2025-09 is locked; 5 unit(s)"
status "locked first: post October" 0 "$SB" post --period 2025-10
eq "locked first: October" "$(lq "select total_minor||' '||line_count from cogs_journal where month='2025-10'")" "3230 6"
cd "$T" || exit 1

# A month whose cost of goods is held back (MISSING_COST: GADGET has no cost) is not locked
# by accident: lock refuses and changes nothing; --force locks it, with a warning.
mkdir -p "$T/lockheld" && cd "$T/lockheld" || exit 1
lq() { sqlite3 "$T/lockheld/settlebook.db" "$1"; }
"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" "$I/costs-no-gadget.csv" >/dev/null 2>&1
"$SB" post --period 2025-09 >/dev/null 2>&1
n=$(lq "select count(*) from exception where kind = 'MISSING_COST' and severity = 'error'")
eq "held back: one MISSING_COST is open (GADGET)" "$n" 1
before=$(lq .dump)
status "held back: lock refused" 2 "$SB" period lock 2025-09
contains "held back: and says why" "$T/.err" "period lock 2025-09: $n error-severity exception(s) are open (MISSING_COST $n): fix them and close the month again, or accept them (settlebook exceptions accept ID --reason TEXT); or lock it as it is with --force"
eq "held back: the refused lock changed nothing" "$(lq .dump)" "$before"
status "held back: --force locks all the same" 0 "$SB" period lock 2025-09 --force
contains "held back: --force warns" "$T/.err" "warning: period 2025-09 locked with $n open error(s): MISSING_COST $n"
eq "held back: locked" "$(lq "select state from period where month = '2025-09'")" locked
status "held back: unlock takes no --force" 2 "$SB" period unlock 2025-09 --force
cd "$T" || exit 1

# COGS-2025-09 sent (11.80, no inventory ledger yet); then September's inventory ledger
# arrives: its write-offs (WIDGET-A 3 @ 4.50 = 13.50, WIDGET-B 2 @ 10.25 = 20.50, the cost on
# 30 Sep) cannot join the sent journal and are booked in October beside October's 20.50 sales.
FILES="$I/settlement-2025-09.tsv $I/costs.csv" scenario cogssent summary
fctl '{"add_account": {"Code": "310", "Type": "DIRECTCOSTS"}}' >/dev/null
fctl '{"add_account": {"Code": "630", "Type": "INVENTORY"}}' >/dev/null
sb 0 "sent: post --live September" post --live --period 2025-09
eq "sent: COGS-2025-09 confirmed" "$(sq "select state from outbox where settlement_id='COGS-2025-09'")" "confirmed"
sb 0 "sent: the inventory ledger arrives" ingest "$I/ledger-2025-09.tsv"
sb 0 "sent: post September again" post --period 2025-09
eq "sent: September's journal stays" "$(sq "select total_minor||' '||line_count||' '||count(*) from cogs_line join cogs_journal using (month) where month='2025-09'")" "1180 4 4"
eq "sent: PERIOD_LOCKED" "$(sq "select explanation from exception where scope='cogs' and kind='PERIOD_LOCKED'")" "2025-09: the cost-of-goods journal COGS-2025-09 is already sent; 0 unit(s) sold (less put back) and 5 written off in the month are not in it (34.00 USD at cost): they are booked in the first month after it whose journal is open, now 2025-10, at the unit cost of their own dates"
sb 0 "sent: post October" post --period 2025-10
eq "sent: October's write-offs are September's" "$(sq "select group_concat(kind||':'||sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month='2025-10' and account_code='630' order by line_no)")" "sold:WIDGET-B:2:2050 writeoff:WIDGET-A:3:1350 writeoff:WIDGET-B:2:2050"
eq "sent: every unit booked once" "$(sq "select sum(amount_minor) from cogs_line where account_code='630'")" "$((1180 + 2050 + 3400))"
cd "$T" || exit 1

# ---- Liquidations leave inventory: their quantity is units sold ------------------------------
# v2-liquidations-ragged.tsv: LQ-000123 liquidates 4 OLD-LAMP (the quantity repeats on its
# brokerage fee line: one liquidation, 4 units), 4 @ 5.00 = 20.00; a second settlement holds
# two liquidations of the same SKU (LQ-2 2 units, LQ-3 3 units) = 5 @ 5.00 = 25.00 more in
# November; an Order fee line without a quantity sells nothing.
mkdir -p "$T/liq" && cd "$T/liq" || exit 1
"$SB" init >/dev/null 2>&1
printf 'sku,unit_cost,currency,effective_from\nOLD-LAMP,5.00,USD,2024-01-01\n' > costs.csv
printf 'settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmerchant-order-id\tmarketplace-name\tamount-type\tamount-description\tamount\tposted-date\torder-item-code\tsku\tquantity-purchased\n99001122332\t2024-11-01 00:00:00 UTC\t2024-11-15 00:00:00 UTC\t2024-11-17 00:00:00 UTC\t11.00\tUSD\t\t\t\t\t\t\t\t\t\t\t\n99001122332\t\t\t\t\t\tLiquidations\t\tLQ-2\tAmazon.com\tItemPrice\tPrincipal\t5.00\t2024-11-03\t\tOLD-LAMP\t2\n99001122332\t\t\t\t\t\tLiquidations\t\tLQ-3\tAmazon.com\tItemPrice\tPrincipal\t6.00\t2024-11-04\t\tOLD-LAMP\t3\n' > liq2.tsv
"$SB" ingest "$FX/settlements/v2-liquidations-ragged.tsv" liq2.tsv costs.csv >/dev/null 2>&1
status "liquidations: post October" 0 "$SB" post --period 2024-10
contains "liquidations: booked" "$T/.out" "cost of goods sold 2024-10: COGS-2024-10 PUT /ManualJournals, 20.00 USD, 2 line(s), debit 310 credit 630"
eq "liquidations: the lines" "$(sqlite3 settlebook.db "select group_concat(account_code||':'||units||':'||amount_minor||':'||description, '|') from (select * from cogs_line where month='2024-10' order by line_no)")" "310:4:-2000:OLD-LAMP: 4 sold, 0 returned to stock, at 5.00|630:4:2000:OLD-LAMP: 4 sold, 0 returned to stock, at 5.00"
status "liquidations: post November" 0 "$SB" post --period 2024-11
eq "liquidations: one quantity per liquidation" "$(sqlite3 settlebook.db "select total_minor||' '||group_concat(units) from cogs_journal join cogs_line using (month) where month='2024-11' and account_code='630'")" "2500 5"
cd "$T" || exit 1

# ---- the Postings sheet ties to the preview: the accrual of a month ---------------------------
# Finances API events with no settlement yet: September's preview is only the accrual
# ACCRUAL-2025-09-USD (618 Amazon Unsettled debited 16.22, tests/e2e/events.sh); the sheet
# lists it line by line with the same amounts, and tests/xlsx_check.py agrees row by row.
mkdir -p "$T/accrual" && cd "$T/accrual" || exit 1
"$SB" init >/dev/null 2>&1
"$SB" ingest "$FX/events/events-2025-09-page1.json" "$FX/events/events-2025-09-page2.json" >/dev/null 2>&1
"$SB" post --period 2025-09 >/dev/null 2>&1
"$SB" report --period 2025-09 >/dev/null 2>&1
eq "Postings: the accrual's lines" "$(python3 -c "
import openpyxl
ws=openpyxl.load_workbook('reports/2025-09/reconciliation.xlsx')['Postings']
h=[c.value for c in ws[1]]
rows=[r for r in ws.iter_rows(min_row=2, values_only=True)]
print(len(rows), sorted({r[0] for r in rows}), [r[h.index('Amount')] for r in rows if r[h.index('Account code')]=='618'], round(sum(r[h.index('Amount')] for r in rows), 2), rows[0][h.index('Currency')], rows[0][h.index('Document type')])")" "11 ['ACCRUAL-2025-09-USD'] [16.22] 0.0 USD Manual journal"
python3 "$ROOT/tests/xlsx_check.py" reports/2025-09/reconciliation.xlsx --ledger settlebook.db --period 2025-09 > xc.out 2>&1
eq "Postings: xlsx_check ties the sheet to the outbox" "$(grep -c '^PASS Postings' xc.out) $(grep -c '^FAIL Postings' xc.out)" "8 0"
cd "$T" || exit 1

finish
