#!/bin/sh
# events_transactions — `settlebook fetch --events` with spapi.finances_api listTransactions
# (Finances API 2024-06-19) against tests/fake_spapi.py: postedAfter/postedBefore windows,
# nextToken paging with the same arguments through empty pages, 500 and 429 (with and without
# x-amzn-RateLimit-Limit) retried, Amazon staying down exits 3 with the ledger unchanged, a
# failure inside a window leaves the mark where it was (the pages before it stay in, a rerun
# adds the rest once); then a ledger read with listFinancialEvents switching to
# listTransactions: the old operation finishes its mark's day, the new one starts at midnight,
# and no amount is counted twice (a --since overlapping the other API's day is refused).
. "$(dirname "$0")/../lib.sh"
TXF="$FX/events/transactions-2025-10-usd.json"
"$SB" init >/dev/null 2>&1
spapi_fake
cp "$TXF" "$F/tx.json"
cp "$FX/events/events-2025-09-page1.json" "$F/p1.json"
cp "$FX/events/events-2025-09-page2.json" "$F/p2.json"
# spapi KEY VALUE: sets a key of the config's spapi section (a number when it looks like one)
spapi() { python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open("settlebook.json"))
c["spapi"][sys.argv[1]] = int(sys.argv[2]) if sys.argv[2].isdigit() else sys.argv[2]
json.dump(c, open("settlebook.json", "w"), indent=1)
PY
}
api() { spapi finances_api "$1"; }
# state [EXTRA]: what the fake serves from now on (fault counters restart)
state() {
  cat >"$F/state.tmp" <<EOF2
{ $CRED, "rate_limit": "20", "rate_limit_429": "2", "transactions": "tx.json",
  "transaction_page_size": 2, "empty_pages": true, "finance_pages": ["p1.json", "p2.json"],
  "finance_span": ["2025-09-27T10:00:00Z", "2025-10-02T09:00:00Z"]${1:+, $1} }
EOF2
  mv "$F/state.tmp" "$F/state.json"
}
txlog() { grep "GET /finances/2024-06-19/transactions" "$LOG"; }
answers() { txlog | sed 's/.*-> //' | tr '\n' ' '; }
mark() { q "SELECT value FROM event_cursor WHERE name = '$1'"; }
lines() { q "SELECT count(*) || ' ' || coalesce(sum(amount_minor), 0) FROM unsettled_line"; }
W1='postedAfter=2025-10-01T00%3A00%3A00Z&postedBefore=2026-03-30T00%3A00%3A00Z'

# ---- a failure inside the first window: the pages before it stay, no mark --------------
api listTransactions
spapi max_retries 1   # failures give up after one retry (the fault runs are quick)
state '"faults": {"http_500_after": 1}'
status "Amazon fails after the first page: exit 3" 3 "$SB" fetch --events --since 2025-10-01
eq "the first page's amounts are in (2 transactions, 5 amounts)" "$(lines)" "5 2720"
eq "no mark: the window is not complete" "$(q "SELECT count(*) FROM event_cursor")" "0"

# ---- the whole fetch ------------------------------------------------------------------
state
: > "$LOG"
status "fetch --events with listTransactions" 0 "$SB" --json fetch --events --since 2025-10-01
contains "first window: postedAfter from --since, postedBefore 180 days on" "$LOG" \
  "GET /finances/2024-06-19/transactions?$W1 "
check "no page size parameter (the operation has none)" sh -c "! grep -q 'transactions?[^ ]*MaxResults' '$LOG'"
eq "window 1: five pages (two empty ones between, as the model allows); then one per later window" \
  "$(answers)" "200 200 200 200 200 200 200 "
eq "every nextToken sent with the same postedAfter/postedBefore (the fake refuses others)" \
  "$(txlog | grep -c "?$W1&nextToken=")" "4"
eq "listFinancialEvents not asked" "$(grep -c financialEvents "$LOG")" "0"
eq "all five transactions, each amount once (10 amounts, -14.49)" "$(lines)" "10 -1449"
eq "pages kept under events/ as transactions-*.json (6 distinct)" "$(ls data/events/transactions-*.json | wc -l | tr -d ' ')" "6"
eq "event files are listTransactions pages" "$(q "SELECT group_concat(DISTINCT kind) FROM event_file")" "finances_transactions"
eq "fetch --json names the operation" "$(python3 -c "import json;d=json.load(open('$T/.out'));print(d['events_api'], d['event_pages'], d['event_lines'], repr(d['events_handover']))")" \
  "listTransactions 7 5 ''"
MARK=$(mark transactions.posted)
eq "the listTransactions mark is a window end more than two minutes back" "$(python3 -c "
import calendar, time
t = calendar.timegm(time.strptime('$MARK', '%Y-%m-%dT%H:%M:%SZ'))
print(120 < time.time() - t < 900)")" "True"
eq "the listFinancialEvents mark is untouched" "$(mark finances.posted)" ""

sleep 1.1
: > "$LOG"
status "rerun from the mark" 0 "$SB" fetch --events
contains "the rerun starts at the mark" "$LOG" "postedAfter=$(echo "$MARK" | sed 's/:/%3A/g')&"
eq "rerun: one request, nothing new" "$(answers) $(lines)" "200  10 -1449"

# ---- faults: 500, 429 with the stated rate, 429 without it ----------------------------
spapi max_retries 3
state '"faults": {"http_500": 1, "http_429": 2}'
: > "$LOG"
status "through a 500 and two 429s" 0 "$SB" fetch --events --since 2025-10-01
eq "500, 429, 429, then the pages" "$(answers | cut -d' ' -f1-5)" "500 429 429 200 200"
eq "paced after a 429 at its x-amzn-RateLimit-Limit (2/s): >= 0.45 s apart" \
  "$(txlog | awk '{t[n++]=$1} END {print (t[2]-t[1] >= 0.45 && t[3]-t[2] >= 0.45) ? "yes" : "no"}')" "yes"
state '"rate_limit_429": null, "faults": {"http_429": 1}'
: > "$LOG"
status "a 429 without the header (best effort, as documented)" 0 "$SB" fetch --events --since 2025-10-01
eq "retried after a backoff (>= 0.25 s)" "$(txlog | awk '{t[n++]=$1} END {print (t[1]-t[0] >= 0.25) ? "yes" : "no"}')" "yes"
eq "still 10 amounts" "$(lines)" "10 -1449"

# ---- Amazon stays down: exit 3, the mark and the ledger unchanged ---------------------
spapi max_retries 1
state '"faults": {"http_500": -1}'
# a mark an hour back, so the fetch has a window to ask for even within the second the
# last run set it (the window ends two minutes before now)
q "UPDATE event_cursor SET value = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')"
dump > before.txt
status "Amazon down: exit 3" 3 "$SB" fetch --events
contains "says to run it again later" "$T/.err" "again later"
dump > after.txt
check "ledger unchanged" cmp before.txt after.txt

# ---- a later window failing leaves the stored mark where it was -----------------------
q "UPDATE event_cursor SET value = '2025-10-03T00:00:00Z'"
state '"faults": {"http_500_after": 1}'
status "mark at 3 October, Amazon fails after one page: exit 3" 3 "$SB" fetch --events
eq "the mark stays at 3 October" "$(mark transactions.posted)" "2025-10-03T00:00:00Z"
state
status "run again" 0 "$SB" fetch --events
eq "the mark moved on, nothing counted twice" "$(lines) $(mark transactions.posted | cut -c1-4)" "10 -1449 $(date -u +%Y)"

# ---- switching from listFinancialEvents: one operation per day, no double counting ------
rm -f settlebook.db && rm -rf data
api listFinancialEvents
status "init a second ledger" 0 "$SB" init
state
status "listFinancialEvents from 1 September" 0 "$SB" fetch --events --since 2025-09-01
eq "the v0 events (2 pages, through 2 October 09:00)" "$(lines)" "18 2642"
# as if that fetch had run on 2 October at 09:33
q "UPDATE event_cursor SET value = '2025-10-02T09:30:00Z'"
api listTransactions
: > "$LOG"
status "switch to listTransactions" 0 "$SB" --json fetch --events
contains "listFinancialEvents finishes 2 October" "$LOG" \
  "PostedAfter=2025-10-02T09%3A30%3A00Z&PostedBefore=2025-10-03T00%3A00%3A00Z "
contains "listTransactions starts at midnight" "$LOG" "postedAfter=2025-10-03T00%3A00%3A00Z&"
eq "the summary names the handover" "$(python3 -c "import json;d=json.load(open('$T/.out'));print(d['events_handover'], d['events_api'], d['events_since'])")" \
  "listFinancialEvents listTransactions 2025-10-02T09:30:00Z"
eq "4 new transactions (8 amounts, -24.69); 2 October's shipment only once, from v0" "$(lines)" "26 173"
eq "order 111-4000004 (2 October): its 2 amounts, from listFinancialEvents" "$(q "SELECT count(*) || ' ' || group_concat(DISTINCT source_list) FROM unsettled_line WHERE order_id = '111-4000004-0000004'")" "2 ShipmentEventList"
eq "each operation's mark" "$(mark finances.posted) $(mark transactions.posted | cut -c1-4)" "2025-10-03T00:00:00Z $(date -u +%Y)"
dump > before.txt
status "a --since into a day listFinancialEvents holds is refused (exit 2)" 2 "$SB" fetch --events --since 2025-10-02
contains "names the other API and the day" "$T/.err" "USD amounts posted on 2025-10-02 are already in the ledger from the other Finances API"
dump > after.txt
check "refused: ledger and marks unchanged" cmp before.txt after.txt
# back to listFinancialEvents: listTransactions read today, so it finishes today first
api listFinancialEvents
sleep 1.1
: > "$LOG"
status "switch back the same day" 0 "$SB" fetch --events
eq "only listTransactions asked (today is its day)" "$(grep -c financialEvents "$LOG") $(txlog | wc -l | tr -d ' ')" "0 1"
finish
