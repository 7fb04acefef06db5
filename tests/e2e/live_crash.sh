# live_crash — kill -9 at every named point of live posting (SETTLEBOOK_CRASH_AT, see
# src/crash.c), then a rerun: afterwards the fake Xero holds every document exactly once and
# every outbox row is confirmed. Covers each posting mode's lookups (invoices by number,
# payments by reference and invoice, credit notes, bank transfers, manual journals by
# narration), a batch found in part, and a crash inside the answer's transaction.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/live_lib.sh"

# after CRASH_AT...: each crash in turn (each must kill the run), then a clean rerun
after() {
  for p in "$@"; do crash "$p"; done
  sb 0 "rerun after $*" post --live
  eq "after $*: all confirmed" "$(sq "select count(*) from outbox where state != 'confirmed'")" "0"
  once "after $*"
  sent_bytes "after $*"
}

# summary mode: 3 settlements, 6 requests (invoice, invoice, payment; a negative settlement's
# bill, never paid from the bank; ...)
for p in after_ref_fetch after_preflight after_mark_sending after_http_before_commit \
         before_confirm_commit after_confirm:2 between_requests:3 after_mark_sending:5 \
         after_http_before_commit:6; do
  scenario "crash-${p%%:*}-${p#*:}" summary
  after "$p"
done

S="$TOP/crash-after_http_before_commit-after_http_before_commit"
eq "after_http_before_commit: the rerun found the invoice instead of resending it" "$(puts)" "6"
contains "after_http_before_commit: the rerun looked it up" "$S/.err" "1 found already in Xero"
S="$TOP/crash-after_mark_sending-after_mark_sending"
eq "after_mark_sending: not in Xero, so sent once, same key" "$(python3 -c 'import json,sys; k=[json.loads(l)["idempotency_key"] for l in open(sys.argv[1]) if "\"PUT\"" in l]; print(len(k), len(set(k)))' "$S/requests.jsonl")" "6 6"

# two crashes in a row: while looking up, then after the resend's answer
scenario crash-twice summary
after after_http_before_commit:2 after_lookup after_http_before_commit

# the rejected document's state survives a crash right after it is recorded
scenario crash-dead summary
ffault '{"PUT /Invoices": ["reject:0"]}'
crash after_dead
eq "after_dead: dead, and stays so" "$(sq "select state from outbox where id = 1")" "dead"
sb 1 "after_dead: rerun sends the other settlements" post --live
sb 0 "after_dead: retry" outbox retry 1
sb 0 "after_dead: rerun" post --live
once "after_dead"

# orders mode: batches of invoices, a credit note, payments by reference, a bill, transfers
FILES="$FX/reconcile/clean-s1.tsv $FX/reconcile/clean-s2.tsv $FX/reconcile/clean-orders.tsv"
export FILES
for p in after_http_before_commit:1 after_http_before_commit:2 after_http_before_commit:3 \
         after_http_before_commit:6 before_confirm_commit:4; do
  scenario "orders-${p%%:*}-${p#*:}" orders
  sb 0 "orders: dry run" post
  items
  after "$p"
done
eq "orders: the lookups found every document (no second PUT with a document in it)" \
   "$(cat "$TOP"/orders-*/requests.jsonl | grep -c '"method": "PUT"')" "55"
# request 3 of settlement 3001 is the credit note's allocation: after the crash it was
# found on the credit note (GET /CreditNotes/{id}), not allocated twice
S="$TOP/orders-after_http_before_commit-3"
eq "orders: the crashed request was the allocation" \
   "$(sq "select path from outbox where settlement_id = '3001' and seq = 3")" \
   "/CreditNotes/{CreditNoteID:AMZ-3001-113-0000001-0000001-R}/Allocations"
contains "orders: the rerun found the allocation" "$S/.err" "1 found already in Xero"
eq "orders: one allocation PUT" "$(grep '"method": "PUT"' "$S/requests.jsonl" | grep -c '/Allocations')" "1"

# a batch that Xero answered in part, then the process died: the rerun finds the 5 created
# payments and sends only the one that is missing, under a key of its own
scenario orders-partial orders
sb 0 "partial: dry run" post
items
ffault '{"PUT /Payments": ["reject:2"]}'
crash after_http_before_commit:4
ffault '{"PUT /Payments": ["ok"]}'
sb 0 "partial: rerun" post --live
eq "partial: 5 found, 1 sent" "$(sq "select count(*) from outbox_doc d join outbox o on o.id = d.outbox_id where o.path = '/Payments' and o.seq = 4 and o.settlement_id = '3001'") $(grep '"method": "PUT"' requests.jsonl | grep Payments | sed -n 2p | python3 -c 'import json,sys; print(len(json.loads(json.loads(sys.stdin.read())["body"])["Payments"]))')" "6 1"
once partial
unset FILES

# journal mode: manual journals are found by their narration
for p in after_http_before_commit:1 after_http_before_commit:4; do
  scenario "journal-${p%%:*}-${p#*:}" journal
  after "$p"
done

canary_check
finish
