# post_diff — `post --diff --period P [--json]` against the fake Xero: every status (new,
# identical, differs field by field, xero_only), GETs only (nothing is ever sent), batched
# calls and paging, the documents of each posting mode, and no secret in any output.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/live_lib.sh"

docs() { python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for x in d["documents"]: print(x["status"], x["type"], x["number"], "|".join(x["differences"]))' "$S/.out"; }
calls() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["calls"])' "$S/.out"; }
methods() { python3 -c 'import json,sys
print(" ".join(sorted(set(json.loads(l)["method"] for l in open(sys.argv[1])))))' "$S/requests.jsonl"; }
lines() { wc -l < "$S/requests.jsonl"; }

# --- summary mode: new, identical, differs, xero_only ----------------------------------------
scenario summary summary
sb 0 "new: diff before posting" --json post --diff --period 2024-10
eq "new: both documents" "$(docs)" "new ACCREC AMZ-11223344551-2 
new PAYMENT payment of AMZ-11223344551-2 "
eq "new: 3 period queries, 1 by number, 1 payment lookup" "$(calls)" "5"
eq "new: GETs only" "$(methods)" "GET"
eq "new: invoices asked for by number, batched" "$(grep -c 'InvoiceNumbers=AMZ-11223344551-2&page=1' requests.jsonl)" "1"
eq "new: the period's numbered documents by a date range" "$(grep -c 'StartsWith%28%22AMZ-%22%29%20AND%20Date%20%3E%3D%20DateTime%282024%2C%2010%2C%2001%29%20AND%20Date%20%3C%20DateTime%282024%2C%2011%2C%2001%29&page=1' requests.jsonl)" "3"

sb 0 "post live" post --live --period 2024-10
n=$(lines)
sb 0 "identical: diff after posting" --json post --diff --period 2024-10
eq "identical: both" "$(docs)" "identical ACCREC AMZ-11223344551-2 
identical PAYMENT payment of AMZ-11223344551-2 "
eq "identical: the invoice came with the period query (4 calls)" "$(calls)" "4"
eq "identical: nothing sent" "$(tail -n +$((n + 1)) requests.jsonl | grep -vc '"method": "GET"')" "0"
eq "identical: PAID counts as the AUTHORISED we sent" "$(curl -s "$XU/__state" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([i["InvoiceNumber"] + " " + i["Status"] for o in d["orgs"].values() for i in o["docs"]["Invoices"]])')" "['AMZ-11223344551-2 PAID']"
# (posting October sends October's part only: the September part goes with September)

# Someone edits the posted invoice and the payment in Xero.
fctl '{"edit_doc": {"collection": "Invoices", "number": "AMZ-11223344551-2", "set": {"Status": "VOIDED", "Reference": "edited"}, "line": 2, "line_set": {"AccountCode": "400", "LineAmount": -11.0, "UnitAmount": -11.0, "TaxType": "INPUT"}}}'
fctl '{"edit_doc": {"collection": "Payments", "field": "Reference", "number": "Amazon settlement 11223344551", "set": {"Amount": 70.5, "Date": "2024-10-12"}}}'
fctl '{"add_doc": {"collection": "Invoices", "doc": {"Type": "ACCREC", "InvoiceNumber": "AMZ-99999-1", "Date": "2024-10-15", "Status": "AUTHORISED", "LineItems": []}}}'
fctl '{"add_doc": {"collection": "Invoices", "doc": {"Type": "ACCREC", "InvoiceNumber": "AMZ-99998-1", "Date": "2024-10-16", "Status": "DELETED", "LineItems": []}}}'
fctl '{"add_doc": {"collection": "Invoices", "doc": {"Type": "ACCREC", "InvoiceNumber": "AMZ-99997-1", "Date": "2024-11-01", "Status": "AUTHORISED", "LineItems": []}}}'
fctl '{"add_doc": {"collection": "Invoices", "doc": {"Type": "ACCREC", "InvoiceNumber": "INV-0001", "Date": "2024-10-15", "Status": "AUTHORISED", "LineItems": []}}}'
sb 1 "differs: exit 1" --json post --diff --period 2024-10
eq "differs: field by field; xero_only only for our live numbering in the month" "$(docs)" "differs ACCREC AMZ-11223344551-2 Reference: ours Amazon settlement 11223344551 (2024-09-25 to 2024-10-09) part 2 of 2, Xero edited|Status: ours AUTHORISED, Xero VOIDED|line 3 UnitAmount: ours -11.10, Xero -11.0|line 3 AccountCode: ours 429, Xero 400|line 3 TaxType: ours NONE, Xero INPUT|line 3 LineAmount: ours -11.10, Xero -11.0
differs PAYMENT payment of AMZ-11223344551-2 Date: ours 2024-10-11, Xero 2024-10-12|Amount: ours 74.50, Xero 70.5
xero_only ACCREC AMZ-99999-1 "
sb 1 "differs: text form" post --diff --period 2024-10
contains "text: a differing document" "$S/.out" "~ differs    ACCREC         AMZ-11223344551-2"
contains "text: a field" "$S/.out" "      line 3 AccountCode: ours 429, Xero 400"
contains "text: only in Xero" "$S/.out" "- xero_only  ACCREC         AMZ-99999-1"
contains "text: totals" "$S/.out" "2 differ, 1 only in Xero, 0 new, 0 identical"
eq "still GETs only" "$(methods)" "GET PUT"
eq "no PUT after the live post" "$(tail -n +$((n + 1)) requests.jsonl | grep -c '"method": "PUT"')" "0"

# Paging: 130 of our documents dated in the month take two pages of 100.
for i in $(seq 1 130); do fctl "{\"add_doc\": {\"collection\": \"Invoices\", \"doc\": {\"Type\": \"ACCREC\", \"InvoiceNumber\": \"AMZ-5000-$i\", \"Date\": \"2024-10-20\", \"Status\": \"AUTHORISED\", \"LineItems\": []}}}"; done
sb 1 "paging" --json post --diff --period 2024-10
eq "paging: all 131 only in Xero" "$(docs | grep -c '^xero_only')" "131"
eq "paging: page 2 asked for" "$(grep -c 'DateTime%282024%2C%2011%2C%2001%29&page=2' requests.jsonl)" "1"

# Usage.
sb 2 "no period" post --diff
contains "needs a period" "$S/.err" "needs --period YYYY-MM"
sb 2 "bad period" post --diff --period 2024-13
sb 0 "help" post --diff --help

# --- journal mode: manual journals matched by narration -------------------------------------
scenario journal journal
sb 0 "journal: post live" post --live --period 2024-10
sb 0 "journal: identical" --json post --diff --period 2024-10
eq "journal: the manual journal" "$(docs)" "identical MANUALJOURNAL AMZ-11223344551-2 "
fctl '{"edit_doc": {"collection": "ManualJournals", "field": "Narration", "number": "AMZ-11223344551-2", "line": 0, "line_set": {"LineAmount": -1.0}}}'
sb 1 "journal: differs" --json post --diff --period 2024-10
eq "journal: the line" "$(docs | cut -d'|' -f1)" "differs MANUALJOURNAL AMZ-11223344551-2 line 1 LineAmount: ours -89.97, Xero -1.0"

# --- orders mode: credit notes, bills, payments and the transfer ----------------------------
scenario orders orders
sb 0 "orders: dry run" post --period 2024-10
items
sb 0 "orders: post live" post --live --period 2024-10
sb 0 "orders: all identical" --json post --diff --period 2024-10
# the payout is a receive-money bank transaction (issue 17: a transfer needs two bank accounts)
eq "orders: statuses" "$(docs | cut -d' ' -f1-2 | sort | uniq -c | tr -s ' ')" " 1 identical ACCPAY
 1 identical ACCREC
 1 identical ACCRECCREDIT
 3 identical PAYMENT
 1 identical RECEIVE"
fctl '{"edit_doc": {"collection": "CreditNotes", "number": "AMZ-11223344551-112-0000002-0000002-R", "set": {"Date": "2024-10-04"}}}'
sb 1 "orders: credit note differs" --json post --diff --period 2024-10
eq "orders: the date" "$(docs | grep '^differs')" "differs ACCRECCREDIT AMZ-11223344551-112-0000002-0000002-R Date: ours 2024-10-03, Xero 2024-10-04"

canary_check
finish
