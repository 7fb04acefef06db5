# live_trust — live posting a bookkeeper can trust (issue 11), against the fake Xero: a month's
# live run sends exactly that month's preview and nothing of other months; open errors hold
# a settlement back (marked "blocked" in the preview) until accepted by their stable id;
# granular scopes and the advice on invalid_scope; credentials checked before any work; no
# dry-run words in live output, a progress line on a terminal only, the final counts; BUSY
# stops with exit 4; alerts to a local sink; Xero's refusals of bank-account lines.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/live_lib.sh"

SINK_PID=""
trap 'kill $ID_PID $X_PID $SINK_PID 2>/dev/null' EXIT INT TERM

# lines REQUESTS.jsonl: how many requests the fake has logged so far
lines() { if [ -f "$S/requests.jsonl" ]; then wc -l < "$S/requests.jsonl"; else echo 0; fi; }

# --- 1. the preview is the contract: one month, exactly its requests, in order ----------------
scenario period summary
sb 0 "period: dry run of 2024-09" post --period 2024-09
cp reports/2024-09/xero-preview.json sep.json
sb 0 "period: post --live --period 2024-09" post --live --period 2024-09
eq "period: live sent exactly September's preview, in order" "$($CHECK contract sep.json requests.jsonl 0)" "ok"
check "period: live wrote the same preview" cmp -s sep.json reports/2024-09/xero-preview.json
eq "period: September's part confirmed, October's part and payment still pending" "$(sq "select month||':'||path||':'||state from outbox where settlement_id = '11223344551' order by seq")" "2024-09:/Invoices:confirmed
2024-10:/Invoices:pending
2024-10:/Payments:pending"
eq "period: no other settlement's request was sent" "$(sq "select count(*) from outbox where state != 'pending' and settlement_id != '11223344551'")" "0"
eq "period: one PUT, no payment" "$(puts) $($CHECK count "$XU" Payments)" "1 0"
if grep -qi "dry run\|dry-run" "$S/.out" "$S/.err"; then bad "period: live output speaks of a dry run"; else ok; fi
contains "period: live output says what is sent" "$S/.out" "Xero requests for 2024-09 (sent now, in this order"
contains "period: final line counts calls, bytes, retries, dead" "$S/.err" "call(s), "
b=$(sed -n 's/.* \([0-9]*\) byte(s) downloaded.*/\1/p' "$S/.err")
check "period: bytes downloaded counted ($b)" test "${b:-0}" -gt 1000
if grep -q "request(s) sent" "$S/.err"; then bad "period: progress line without a terminal"; else ok; fi
sb 0 "period: dry run of 2024-10" post --period 2024-10
cp reports/2024-10/xero-preview.json oct.json
n=$(lines)
sb 0 "period: post --live --period 2024-10" post --live --period 2024-10
eq "period: October sent exactly its preview: the final part, then the deposit payment" "$($CHECK contract oct.json requests.jsonl "$n")" "ok"
eq "period: the payment went out with its own month" "$($CHECK count "$XU" Payments)" "1"
n=$(lines)
sb 0 "period: September again sends nothing" post --live --period 2024-09
eq "period: one call only, the contacts (If-Modified-Since)" "$(lines) $(tail -n 1 requests.jsonl | python3 -c 'import json,sys; e=json.loads(sys.stdin.read()); print(e["method"], e["path"], e["if_modified_since"] is not None)')" "$((n + 1)) GET /api.xro/2.0/Contacts True"
contains "period: counted in the final line" "$S/.err" " 1 call(s), "
n=$(lines)
sb 0 "period: --verbose" --verbose post --live --period 2024-10
contains "period: commits are durable before any request leaves" "$S/.err" "ledger: synchronous = FULL: every commit is on disk before the next request"
# on a terminal: a progress line of requests sent of the total, on stderr
script -qec "$SB post --live --period 2025-10" /dev/null >"$S/tty.out" 2>&1
contains "period: progress on a terminal" "$S/tty.out" "3 of 3 request(s) sent"
once period

# --- 2. open errors hold a settlement back; accepted by id they no longer do ----------------
FILES="$FX/reconcile/clean-s1.tsv" scenario blocked summary
sb 1 "blocked: ingest of a settlement that does not tie out" ingest "$FX/settlements/v2-mismatch.tsv"
sb 0 "blocked: dry run" post
eq "blocked: both requests of the settlement marked in the preview" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted({r["settlement_id"]+" "+r.get("blocked","-")[:40] for r in d["requests"]}))' reports/2024-10/xero-preview.json)" "['17171717171 SETTLEMENT_TOTAL_MISMATCH: The amount li']"
eq "blocked: each blocked request says why in one line" "$(grep -c '"blocked": "SETTLEMENT_TOTAL_MISMATCH: The amount lines sum to 55.00 USD but the report.s total-amount is 100.00 USD."' reports/2024-10/xero-preview.json)" "2"
eq "blocked: the other settlement is not marked" "$(grep -c '"blocked"' reports/2025-10/xero-preview.json)" "0"
sb 1 "blocked: post --live exits 1" post --live
contains "blocked: the held-back settlement is listed" "$S/.err" "settlement 17171717171: held back, nothing of it sent: SETTLEMENT_TOTAL_MISMATCH"
contains "blocked: counted in the final line" "$S/.err" "1 posted, 1 held back"
eq "blocked: nothing of it sent" "$(grep -c 17171717171 requests.jsonl)" "0"
eq "blocked: the other settlement went through" "$(sq "select group_concat(distinct state) from outbox where settlement_id = '3001'")" "confirmed"
eq "blocked: live sent exactly the unblocked requests of the preview" "$($CHECK contract reports/2025-10/xero-preview.json requests.jsonl 0)" "ok"
sb 1 "blocked: exceptions --json (exit 1: an error is open)" --json exceptions
id=$(python3 -c 'import json,sys; print([x["id"] for x in json.load(open(sys.argv[1])) if x["kind"] == "SETTLEMENT_TOTAL_MISMATCH"][0])' "$S/.out")
check "blocked: the id is X- and 10 hex digits ($id)" sh -c "echo '$id' | grep -qx 'X-[0-9A-F]\{10\}'"
sb 1 "blocked: exceptions (text)" exceptions
contains "blocked: the text listing shows the id" "$S/.out" "$id error   SETTLEMENT_TOTAL_MISMATCH"
sb 1 "blocked: reconcile" reconcile
sb 1 "blocked: exceptions after reconcile" --json exceptions
eq "blocked: the id is stable across reruns" "$(python3 -c 'import json,sys; print([x["id"] for x in json.load(open(sys.argv[1])) if x["kind"] == "SETTLEMENT_TOTAL_MISMATCH"][0])' "$S/.out")" "$id"
sb 2 "blocked: accept needs a reason" exceptions accept "$id"
sb 2 "blocked: accept of an unknown id" exceptions accept X-0000000000 --reason "x"
contains "blocked: unknown id named" "$S/.err" "no exception has the id X-0000000000"
warn=$(sq "select uid from exception where severity != 'error' limit 1")
if [ -n "$warn" ]; then sb 2 "blocked: a warning cannot be accepted" exceptions accept "$warn" --reason x; fi
before=$(sqlite3 settlebook.db "select * from settlement; select * from settlement_line; select * from journal_line; select * from outbox order by id" | sha256sum)
low=$(echo "$id" | tr 'A-F' 'a-f')
sb 0 "blocked: accept (any case)" exceptions accept "$low" --reason "Amazon case 4711: the missing 45.00 USD is a known report fault"
eq "blocked: accepting changes no amount" "$(sqlite3 settlebook.db "select * from settlement; select * from settlement_line; select * from journal_line; select * from outbox order by id" | sha256sum)" "$before"
eq "blocked: recorded in the audit chain with the reason" "$(sq "select detail from audit_log where event = 'exception.accept'")" "exception=$id kind=SETTLEMENT_TOTAL_MISMATCH settlement=17171717171 reason=Amazon case 4711: the missing 45.00 USD is a known report fault"
sb 0 "blocked: audit chain verifies" audit verify
sb 0 "blocked: accepting twice changes nothing" exceptions accept "$id" --reason "again"
eq "blocked: one acceptance" "$(sq "select count(*) from exception_accept")" "1"
sb 0 "blocked: exceptions --json after accept" --json exceptions
eq "blocked: listed as accepted, with the reason" "$(python3 -c 'import json,sys; x=[x for x in json.load(open(sys.argv[1])) if x["id"] == sys.argv[2]][0]; print(x["severity"], x["accepted"], x["accepted_reason"][:16])' "$S/.out" "$id")" "error True Amazon case 4711"
sb 0 "blocked: dry run after accepting" post
eq "blocked: nothing marked any more" "$(cat reports/*/xero-preview.json | grep -c '"blocked"')" "0"
cp reports/2024-10/xero-preview.json oct.json
n=$(lines)
sb 0 "blocked: post --live after accepting" post --live
eq "blocked: the accepted settlement sent exactly as previewed" "$($CHECK contract oct.json requests.jsonl "$n")" "ok"
sb 0 "blocked: report" report --period 2024-10
eq "blocked: the Exceptions sheet shows the id and the acceptance" "$(python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); t = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
print(sys.argv[2] in t, "accepted: Amazon case 4711" in t)' reports/2024-10/reconciliation.xlsx "$id")" "True True"
once blocked

# an error about Xero's side cannot be accepted: it is fixed there (or retried)
scenario rejected summary
ffault '{"PUT /Invoices": ["reject:0"]}'
sb 1 "rejected: post --live" post --live
rid=$(sq "select uid from exception where kind = 'XERO_REJECTED'")
sb 2 "rejected: XERO_REJECTED cannot be accepted" exceptions accept "$rid" --reason "no"
contains "rejected: says what to do instead" "$S/.err" "outbox retry"
sb 0 "rejected: dry run" post
eq "rejected: the preview marks the rejected settlement's unsent requests" "$(grep -c '"blocked": "XERO_REJECTED: Xero rejected AMZ-11223344551-1' reports/2024-09/xero-preview.json reports/2024-10/xero-preview.json | tr '\n' ' ')" "reports/2024-09/xero-preview.json:1 reports/2024-10/xero-preview.json:2 "
# the rejection carries its outbox row's month; a ledger from before sql/014 gets the same
xmonths="select group_concat(id||' '||uid||' '||coalesce(month, '-'), '|') from (select * from exception where scope = 'xero' order by id)"
eq "rejected: the rejection's month is its outbox row's" "$(sq "select count(*) from exception x join outbox o on x.explanation like '% (outbox row ' || o.id || ',%' where x.kind = 'XERO_REJECTED' and x.month = o.month")" "1"
cp settlebook.db old.db && exception_month_undo old.db
sb 1 "rejected: a ledger from before months migrates" --ledger old.db exceptions
eq "rejected: same ids, same month" "$(sqlite3 old.db "$xmonths")" "$(sq "$xmonths")"

# --- 3. scopes ---------------------------------------------------------------------------------
scenario scopes summary
SETTLEBOOK_XERO_CLIENT_SECRET= sb 0 "scopes: authorize URL" auth xero --print-url
contains "scopes: granular by default" "$S/.out" "scope=offline_access%20accounting.invoices%20accounting.payments%20accounting.banktransactions%20accounting.manualjournals%20accounting.contacts%20accounting.settings.read&"
if grep -q "accounting.transactions" "$S/.out"; then bad "scopes: asks for the retired scope"; else ok; fi
for code in invalid_scope unauthorized_client; do
  SETTLEBOOK_XERO_CLIENT_SECRET= sb 2 "scopes: $code from the sign-in" auth xero --redirect "http://localhost:8723/callback?error=$code&state=x"
  contains "scopes: $code says which scopes to enable" "$S/.err" "enable accounting.invoices, accounting.payments, accounting.banktransactions, accounting.manualjournals, accounting.contacts and accounting.settings.read on the app"
done
# the token endpoint refuses the scopes (a Custom Connection without them)
rm -f "$TOP/xero-token.json"
curl -s -X POST -d '{"invalid_scope": 1}' "$IU/_control" >/dev/null
sb 3 "scopes: invalid_scope from the token endpoint" post --live
contains "scopes: the token refusal says which scopes to enable" "$S/.err" "refused the client_credentials grant: invalid_scope; the app does not allow the scopes asked for (xero.scopes). Apps created from 2 March 2026 need Xero's granular scopes: enable accounting.invoices"
eq "scopes: nothing done" "$(sq "select count(*) from journal") $(puts)" "0 0"
config summary '"scopes": "offline_access accounting.transactions accounting.settings.read accounting.contacts"'
SETTLEBOOK_XERO_CLIENT_SECRET= sb 0 "scopes: xero.scopes overrides for older apps" auth xero --print-url
contains "scopes: the override is asked for" "$S/.out" "scope=offline_access%20accounting.transactions%20accounting.settings.read%20accounting.contacts&"

# --- 4. credentials before any work --------------------------------------------------------------
scenario nocreds summary
config summary "\"token_file\": \"$S/no-token.json\""
SETTLEBOOK_XERO_CLIENT_SECRET= sb 2 "nocreds: post --live" post --live --period 2025-10
contains "nocreds: says what to do" "$S/.err" "settlebook auth xero"
eq "nocreds: no work done (no journal, no preview)" "$(sq "select count(*) from journal") $(ls reports 2>/dev/null | wc -l)" "0 0"
SETTLEBOOK_XERO_CLIENT_SECRET= sb 2 "nocreds: close --live" close --period 2025-10 --live
eq "nocreds: close did nothing either" "$(sq "select count(*) from journal") $(ls reports 2>/dev/null | wc -l)" "0 0"

# --- 5. a locked ledger: BUSY is an error (exit 4), never "nothing to send" ---------------------
scenario busy summary
sb 0 "busy: dry run" post
python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None); db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").write("x"); time.sleep(14)' settlebook.db "$S/locked" &
LOCK_PID=$!
waitfile "$S/locked"
sb 4 "busy: post --live stops with exit 4" post --live
contains "busy: says the ledger is locked" "$S/.err" "database is locked"
eq "busy: nothing sent" "$(puts)" "0"
kill $LOCK_PID 2>/dev/null; wait $LOCK_PID 2>/dev/null
sb 0 "busy: rerun once the lock is gone" post --live
once busy

# --- 6. alerts ------------------------------------------------------------------------------------
scenario alerts summary
python3 "$ROOT/tests/alert_sink.py" --port-file "$S/sink.port" --out "$S/alerts.jsonl" \
  --status-file "$S/sink.status" >/dev/null 2>&1 &
SINK_PID=$!
waitfile "$S/sink.port"
SU="http://127.0.0.1:$(cat "$S/sink.port")/hook/T0/B0/$CANARY"
sb 0 "alerts: post --live --notify" post --live --notify "$SU"
eq "alerts: one JSON summary with exactly the documented keys" "$(python3 -c 'import json,sys; a=[json.loads(l) for l in open(sys.argv[1])]; print(len(a), sorted(a[0]), a[0]["exit_status"], a[0]["posted"], a[0]["blocked"], a[0]["dead"], a[0]["period"] == "")' alerts.jsonl)" "1 ['blocked', 'dead', 'exit_status', 'period', 'posted', 'text'] 0 3 0 0 True"
contains "alerts: Slack-compatible text" alerts.jsonl '"text":"settlebook: live posting of every month to Xero done (exit 0): 3 settlement(s) posted'
if grep -q -- "$CANARY\|Bearer\|at-" alerts.jsonl; then bad "alerts: a secret in the alert"; else ok; fi
contains "alerts: reported, naming only the host" "$S/.err" "alert sent to http://127.0.0.1:$(cat "$S/sink.port")"
config summary
python3 - "$SU" <<'EOF'
import json, sys
c = json.load(open("settlebook.json")); c["alerts"] = {"webhook_url": sys.argv[1]}
json.dump(c, open("settlebook.json", "w"), indent=1)
EOF
sb 0 "alerts: alerts.webhook_url" close --period 2025-10 --live
eq "alerts: sent from the config, for close too" "$(wc -l < alerts.jsonl) $(tail -n 1 alerts.jsonl | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["period"], a["exit_status"], a["posted"])')" "2 2025-10 0 0"
echo 500 > "$S/sink.status"
sb 0 "alerts: a failing sink changes no exit status" post --live
contains "alerts: the failure is reported" "$S/.err" "not delivered (the posting's outcome stands): answered HTTP 500"
kill $SINK_PID 2>/dev/null; wait $SINK_PID 2>/dev/null; SINK_PID=""
sb 0 "alerts: an unreachable sink changes no exit status" post --live
contains "alerts: reported too" "$S/.err" "not delivered"
if grep -q -- "$CANARY" "$ALL"; then bad "alerts: the webhook's secret path was printed"; else ok; fi
# the alert follows a failed run too: no credentials (exit 2)
rm -f "$S/sink.status" "$S/sink.port"
python3 "$ROOT/tests/alert_sink.py" --port-file "$S/sink.port" --out "$S/alerts2.jsonl" >/dev/null 2>&1 &
SINK_PID=$!
waitfile "$S/sink.port"
config summary "\"token_file\": \"$S/no-token.json\""
SETTLEBOOK_XERO_CLIENT_SECRET= sb 2 "alerts: failed run" post --live --notify "http://127.0.0.1:$(cat "$S/sink.port")/x"
eq "alerts: the failed run is reported with its exit status" "$(python3 -c 'import json,sys; a=json.loads(open(sys.argv[1]).readline()); print(a["exit_status"], a["posted"])' alerts2.jsonl)" "2 0"

# --- 7. Xero refuses a bank account on a document line (the fake follows Xero): the preflight
# knows the account types from GET /Accounts and refuses before anything is sent (issue 17) ---
scenario bankline journal
config journal
python3 -c 'import json; c=json.load(open("settlebook.json")); c["accounts"]["clearing"]="091"; json.dump(c, open("settlebook.json","w"))'
sb 1 "bankline: a manual journal line on bank account 091 is refused" post --live
contains "bankline: the preflight names the account and the rule" "$S/.err" "Account code '091' (used by AMZ-3001-1) is a bank account, and Xero refuses bank accounts"
eq "bankline: nothing was sent" "$(puts)" "0"

# --- 8. contacts: created by settlebook through the outbox, once, before their documents -------
# created: the names the fake created by PUT /Contacts
created() { curl -s "$XU/__state" | python3 -c 'import json,sys; print(" ".join(n for o in json.load(sys.stdin)["orgs"].values() for n in o["created_contacts"]))'; }
scenario contacts summary
fctl '{"delete_contact": "Amazon.com"}'
sb 0 "contacts: a dry run before any live run" post
eq "contacts: none queued before settlebook has read Xero's contacts" "$(sq "select count(*) from outbox where path = '/Contacts'")" "0"
sb 0 "contacts: post --live --period 2024-09" post --live --period 2024-09
eq "contacts: the preview creates the contact before the first document" "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["requests"]; print(r[0]["method"], r[0]["path"], json.dumps(r[0]["body"]), r[0]["idempotency_key"][:4], r[1]["path"])' reports/2024-09/xero-preview.json)" 'PUT /Contacts {"Contacts": [{"Name": "Amazon.com"}]} sb1- /Invoices'
eq "contacts: live sent exactly that preview" "$($CHECK contract reports/2024-09/xero-preview.json requests.jsonl 0)" "ok"
eq "contacts: queued once, in the first settlement that needs it" "$(sq "select settlement_id||' '||seq||' '||month||' '||state from outbox where path = '/Contacts'")" "11223344551 0 2024-09 confirmed"
eq "contacts: Xero's ContactID kept" "$(sq "select length(xero_id) from outbox where path = '/Contacts'")" "36"
eq "contacts: created once" "$(created)" "Amazon.com"
sb 0 "contacts: the other months" post --live
eq "contacts: still created once" "$(created)" "Amazon.com"
sb 0 "contacts: dry run after live" post
eq "contacts: the request stays in the outbox as sent" "$(sq "select count(*)||' '||min(state) from outbox where path = '/Contacts'")" "1 confirmed"
once contacts

# kill -9 between the contact and its first document (and around the contact's own request)
for p in after_confirm:1 after_http_before_commit:1 after_mark_sending:1 before_confirm_commit:1; do
  scenario "contacts-crash-${p%%:*}" summary
  fctl '{"delete_contact": "Amazon.com"}'
  crash "$p"
  sb 0 "contacts: rerun after $p" post --live
  eq "contacts: after $p all confirmed" "$(sq "select count(*) from outbox where state != 'confirmed'")" "0"
  eq "contacts: after $p the contact was created once" "$(created)" "Amazon.com"
  once "contacts after $p"
done
S="$TOP/contacts-crash-after_http_before_commit"
contains "contacts: the unknown outcome was looked up by name" "$S/.err" "1 found already in Xero"

# an archived contact is an error with advice; nothing is sent, nothing created
scenario contacts-archived summary
fctl '{"archive_contact": "Amazon.com"}'
sb 1 "contacts: archived contact" post --live
contains "contacts: archived named" "$S/.err" "Contact 'Amazon.com' (used by AMZ-3001-1) is ARCHIVED in the Xero organisation"
eq "contacts: with advice" "$(sq "select count(*) from exception where kind = 'XERO_REFERENCE_MISSING' and action like 'Restore the contact in Xero%'")" "3"
eq "contacts: each finding has its settlement's outbox month" "$(sq "select count(*) from exception x where kind = 'XERO_REFERENCE_MISSING' and month = (select max(o.month) from outbox o where o.settlement_id = x.settlement_id)")" "3"
cp settlebook.db old.db && exception_month_undo old.db
sb 1 "contacts: a ledger from before months migrates" --ledger old.db exceptions
eq "contacts: same ids, same months" "$(sqlite3 old.db "$xmonths")" "$(sq "$xmonths")"
eq "contacts: nothing sent, no contact queued" "$(puts) $(sq "select count(*) from outbox where path = '/Contacts'")" "0 0"

# missing accounts are still the user's to create: refused by the preflight
scenario contacts-account summary
fctl '{"delete_contact": "Amazon.com", "archive_account": "429"}'
sb 1 "contacts: a missing account still stops the run" post --live
contains "contacts: the account is named" "$S/.err" "Account code '429' (used by AMZ-3001-1) is ARCHIVED"
eq "contacts: nothing sent, not even the contact" "$(puts)" "0"

canary_check
finish
