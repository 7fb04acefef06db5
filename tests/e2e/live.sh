# live — `post --live` and `close --live` against the fake Xero (tests/fake_xero.py) and the
# fake identity service: each posting mode end to end, the bytes sent equal to the preview,
# reruns that send nothing, the preflight stopping before anything is sent, the If-Modified-
# Since cache, `outbox list|dead`, and no secret anywhere. Faults: live_faults.sh; crashes:
# live_crash.sh.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/live_lib.sh"

# --- summary mode ------------------------------------------------------------------------------
scenario summary summary
sb 0 "summary: post --live" post --live
eq "summary: every request confirmed" "$(sq "select group_concat(state) from (select distinct state from outbox)")" "confirmed"
# 3002 is negative: its bill is not paid from the bank (the next settlement collects it)
eq "summary: 6 requests, one attempt each" "$(sq "select count(*)||' '||sum(attempts) from outbox")" "6 6"
eq "summary: documents in the fake" "$($CHECK count "$XU" Invoices) $($CHECK count "$XU" Payments)" "4 2"
once summary
sent_bytes summary
eq "summary: Xero ids stored for every document" "$(sq "select count(*) from outbox_doc where state = 'confirmed' and length(xero_id) = 36")" "6"
eq "summary: outbox xero_id is Xero's id" "$(sq "select count(*) from outbox where xero_id is null")" "0"
id1=$(sq "select xero_id from outbox where doc_number = 'AMZ-3001-1' and path = '/Invoices'")
eq "summary: the fake has that invoice id" "$(curl -s "$XU/__state" | python3 -c 'import json,sys; d=json.load(sys.stdin); print([i["InvoiceNumber"] for o in d["orgs"].values() for i in o["docs"]["Invoices"] if i["InvoiceID"] == sys.argv[1]])' "$id1")" "['AMZ-3001-1']"
eq "summary: the contacts, the preflight's organisation (5 GETs), then 6 PUTs" "$(grep -c '"method": "GET"' requests.jsonl) $(puts)" "5 6"
eq "summary: audit entries per confirmed request" "$(sq "select count(*) from audit_log where event = 'xero.confirmed'")" "6"
sb 0 "summary: audit chain verifies" audit verify

n=$(wc -l < requests.jsonl)
sb 0 "summary: rerun" post --live
eq "summary: rerun makes one call: the contacts, If-Modified-Since" "$(wc -l < requests.jsonl) $(tail -n 1 requests.jsonl | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); print(e["path"], e["if_modified_since"] is not None)')" "$((n + 1)) /api.xro/2.0/Contacts True"
n=$(wc -l < requests.jsonl)
once "summary rerun"
sb 0 "summary: dry run after live" post
eq "summary: the dry run sends nothing" "$(wc -l < requests.jsonl)" "$n"
sent_bytes "summary after dry run"

sb 0 "outbox list" outbox list
contains "outbox list shows confirmed rows" "$S/.out" "confirmed"
sb 0 "outbox list --state pending --json" --json outbox list --state pending
eq "no pending rows" "$(cat "$S/.out")" "[]"
sb 0 "outbox list --json" --json outbox list --period 2024-10
eq "outbox list --json: rows of 2024-10 with documents" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), sum(len(r["documents"]) for r in d), d[0]["state"])' "$S/.out")" "2 2 confirmed"
sb 0 "outbox dead with none" outbox dead
contains "outbox dead: none" "$S/.out" "no dead requests"
sb 2 "outbox bad state" outbox list --state lost
sb 2 "outbox retry needs ids" outbox retry
sb 2 "outbox retry of a confirmed row" outbox retry 1
contains "retry says only dead rows" "$S/.err" "only dead rows are retried"

# --- orders mode --------------------------------------------------------------------------------
FILES="$FX/reconcile/clean-s1.tsv $FX/reconcile/clean-s2.tsv $FX/reconcile/clean-orders.tsv" \
  scenario orders orders
# no unit costs, so settlebook creates no item, and Xero has none: the invoices name no
# ItemCode (Xero would refuse an unknown one), and everything goes at the first attempt
sb 0 "orders: post --live" post --live
eq "orders: no ItemCode sent" "$(grep -c ItemCode requests.jsonl)" "0"
eq "orders: every request confirmed" "$(sq "select count(*) from outbox where state != 'confirmed'")" "0"
eq "orders: kinds in the fake" "$($CHECK count "$XU" Invoices) $($CHECK count "$XU" CreditNotes) $($CHECK count "$XU" Payments) $($CHECK count "$XU" BankTransactions)" "9 1 9 1"
eq "orders: one document per outbox_doc row (20 and the allocation)" "$(sq "select count(*) from outbox_doc where state = 'confirmed'")" "21"
once orders
sent_bytes orders
eq "orders: invoices fully paid" "$(curl -s "$XU/__state" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted({i["Status"] for o in d["orgs"].values() for i in o["docs"]["Invoices"]}))')" "['PAID']"

# --- journal mode -------------------------------------------------------------------------------
scenario journal journal
sb 0 "journal: post --live" post --live
eq "journal: manual journals in the fake" "$($CHECK count "$XU" ManualJournals)" "4"
once journal
sent_bytes journal

# --- close --live: one month -------------------------------------------------------------------
scenario close summary
sb 0 "close --period 2025-10 --live" close --period 2025-10 --live
eq "close: October's settlements confirmed, nothing of September's" "$(sq "select settlement_id||':'||state from outbox group by settlement_id, state order by 1")" "3001:confirmed
3002:confirmed"
check "close: workbook written" test -s reports/2025-10/reconciliation.xlsx
once close
sent_bytes close

# --- preflight ---------------------------------------------------------------------------------
scenario preflight summary
fctl '{"archive_account": "429", "delete_contact": "Amazon.com", "lock_date": "2024-09-30"}'
sb 1 "preflight: missing references stop the run" post --live
eq "preflight: nothing was sent" "$(puts)" "0"
eq "preflight: every request still pending" "$(sq "select count(*) from outbox where state != 'pending'")" "0"
eq "preflight: exceptions" "$(sq "select kind||' '||settlement_id from exception where scope = 'xero' order by kind, settlement_id")" "XERO_PERIOD_LOCKED 11223344551
XERO_REFERENCE_MISSING 11223344551
XERO_REFERENCE_MISSING 3001
XERO_REFERENCE_MISSING 3002"
contains "preflight names the archived account" "$S/.err" "Account code '429' (used by AMZ-3001-1) is ARCHIVED"
contains "preflight: the missing contact is to be created first, not a problem" "$S/.out" "PUT  /Contacts        Amazon.com"
contains "preflight names the locked document" "$S/.err" "AMZ-11223344551-1 is dated 2024-09-30, on or before the organisation's lock date 2024-09-30"
sb 1 "preflight: exceptions listed (exit 1: errors remain)" exceptions --json
contains "exceptions list carries the action" "$S/.out" "then run \`settlebook post --live\` again"
fctl '{"add_account": {"Code": "429", "Name": "General Expenses", "Type": "EXPENSE"}, "add_contact": "Amazon.com", "lock_date": null}'
sb 0 "preflight: after the fixes in Xero" post --live
eq "preflight: exceptions cleared" "$(sq "select count(*) from exception where scope = 'xero'")" "0"
eq "preflight: the contact made in Xero meanwhile is not created again" "$(grep -c '"PUT", "path": "/api.xro/2.0/Contacts"' requests.jsonl) $(sq "select count(*) from outbox where path = '/Contacts'")" "0 0"
eq "preflight: the second run asked with If-Modified-Since" "$(grep '"path": "/api.xro/2.0/Accounts"' requests.jsonl | tail -n 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["if_modified_since"] is not None)')" "True"
eq "preflight: the cache holds the organisation" "$(sq "select count(*) from xero_ref where kind = 'account'")" "17"
once preflight

# --- credentials -------------------------------------------------------------------------------
scenario nocreds summary
config summary "\"token_file\": \"$S/no-token.json\""
SETTLEBOOK_XERO_CLIENT_SECRET= sb 2 "no credentials" post --live
contains "no credentials: says what to do" "$S/.err" "settlebook auth xero"
eq "no credentials: nothing sent" "$(puts)" "0"

canary_check
finish
