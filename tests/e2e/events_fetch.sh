#!/bin/sh
# events_fetch — `settlebook fetch --events` against tests/fake_spapi.py (Finances API v0
# listFinancialEvents on 127.0.0.1): PostedAfter from --since, then from the stored mark;
# PostedBefore more than two minutes back; NextToken paging with the same arguments; pages
# kept byte for byte and ingested; 429 and 500 retried at the stated rate; Amazon staying down
# exits 3 with the mark unmoved; a failure on page 2 keeps page 1 and no mark, and a rerun
# completes the window once; a rerun adds nothing.
. "$(dirname "$0")/../lib.sh"
"$SB" init >/dev/null 2>&1
spapi_fake
cp "$FX/events/events-2025-09-page1.json" "$F/p1.json"
cp "$FX/events/events-2025-09-page2.json" "$F/p2.json"

# state [EXTRA]: what the fake serves from now on (fault counters restart)
state() {
  cat >"$F/state.tmp" <<EOF2
{ $CRED, "rate_limit": "20", "rate_limit_429": "2", "finance_pages": ["p1.json", "p2.json"],
  "finance_span": ["2025-09-27T10:00:00Z", "2025-10-02T09:00:00Z"]${1:+, $1} }
EOF2
  mv "$F/state.tmp" "$F/state.json"
}
calls() { grep -c "GET /finances/v0/financialEvents" "$LOG" 2>/dev/null || echo 0; }

state
status "fetch --events --since" 0 "$SB" fetch --events --since 2025-09-01
contains "first window starts at --since" "$LOG" "PostedAfter=2025-09-01T00%3A00%3A00Z&PostedBefore=2026-02-28T00%3A00%3A00Z"
contains "MaxResultsPerPage is Amazon's maximum" "$LOG" "MaxResultsPerPage=100&"
contains "page 2 asked with the NextToken and the same arguments" "$LOG" "&NextToken=page-2"
eq "both pages' amounts in" "$(q "SELECT count(*) || ' ' || sum(amount_minor) FROM unsettled_line")" "18 2642"
eq "pages kept byte for byte" "$(cat data/events/*.json | grep -c '"CurrencyAmount": 20.0 }')" "1"
MARK=$(q "SELECT value FROM event_cursor WHERE name = 'finances.posted'")
eq "the mark is a window end more than two minutes back" "$(python3 -c "
import calendar, time, sys
t = calendar.timegm(time.strptime('$MARK', '%Y-%m-%dT%H:%M:%SZ'))
print(120 < time.time() - t < 900)")" "True"
check "no PostedBefore less than two minutes old (fake refuses it with 400)" sh -c "! grep -q -- '-> 400' '$LOG'"

N=$(calls); sleep 1.1
status "fetch --events again" 0 "$SB" fetch --events
contains "the rerun starts at the mark" "$LOG" "PostedAfter=$(echo "$MARK" | sed 's/:/%3A/g')"
eq "rerun: one request" "$(( $(calls) - N ))" "1"
eq "rerun adds nothing" "$(q "SELECT count(*) FROM unsettled_line")" "18"

# faults: a 500 and two 429s are retried (after a 429 at Amazon's stated 2 requests/s)
state '"faults": {"http_500": 1, "http_429": 2}'
: > "$LOG"
status "fetch --events through 500 and 429" 0 "$SB" fetch --events --since 2025-09-20
eq "500, 429, 429, then the two pages" "$(grep financialEvents "$LOG" | sed 's/.*-> //' | head -5 | tr '\n' ' ')" "500 429 429 200 200 "
eq "then only answers (one per later 180-day window)" "$(grep financialEvents "$LOG" | tail -n +6 | grep -vc -- '-> 200$')" "0"
eq "paced after a 429: at least 0.45 s between the retries" "$(awk '/financialEvents/ {t[n++]=$1} END {print (t[2]-t[1] >= 0.45 && t[3]-t[2] >= 0.45) ? "yes" : "no"}' "$LOG")" "yes"
eq "still 18 lines" "$(q "SELECT count(*) FROM unsettled_line")" "18"

# Amazon fails on page 2 of a window (a fresh ledger): page 1 stays in (its own
# transaction), the mark does not move; run again, page 2 follows and nothing is counted twice
python3 -c 'import json;c=json.load(open("settlebook.json"));c["spapi"]["max_retries"]=1;json.dump(c,open("settlebook.json","w"))'
"$SB" --ledger mid.db init >/dev/null 2>&1
state '"faults": {"http_500_after": 1}'
status "page 2 fails: exit 3" 3 "$SB" --ledger mid.db fetch --events --since 2025-09-01
eq "page 1's 15 amounts in, no mark" "$(sqlite3 mid.db "SELECT count(*) || ' ' || (SELECT count(*) FROM event_cursor) FROM unsettled_line")" "15 0"
state
status "run again" 0 "$SB" --ledger mid.db fetch --events --since 2025-09-01
eq "both pages, each amount once; the mark set" "$(sqlite3 mid.db "SELECT count(*) || ' ' || sum(amount_minor) || ' ' || (SELECT count(*) FROM event_cursor) FROM unsettled_line")" "18 2642 1"

# Amazon stays down: exit 3, the mark stays, nothing half-ingested
q "DELETE FROM event_cursor" >/dev/null 2>&1
state '"faults": {"http_500": -1}'
dump > before.txt
status "Amazon down: exit 3" 3 "$SB" fetch --events --since 2025-09-01
contains "says what to do" "$T/.err" "again later"
dump > after.txt
check "ledger unchanged" cmp before.txt after.txt

# a NextToken page the fake does not know: InvalidInput (400), not retried, exit 3
state '"finance_pages": ["p1.json"]'
status "a page whose NextToken leads nowhere: exit 3" 3 "$SB" fetch --events --since 2025-09-01
contains "names Amazon's answer" "$T/.err" "InvalidInput"
eq "mark not moved past the failed window" "$(q "SELECT count(*) FROM event_cursor")" "0"
finish
