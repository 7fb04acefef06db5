#!/bin/sh
# events_live — the month-end accrual and its reversal posted live to the fake Xero, exactly
# once: September's accrual goes with September, its reversal with October (with the
# settlement that arrived in between and October's own accrual); reruns send nothing; the
# bytes sent are the previews'.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/live_lib.sh"
EV="$FX/events"

FILES="$EV/events-2025-09-page1.json $EV/events-2025-09-page2.json" scenario accrual journal
sb 0 "post --live September" post --live --period 2025-09
eq "September: the accrual, confirmed" "$(sq "select group_concat(settlement_id || ':' || state, ' ') from outbox order by id")" "ACCRUAL-2025-09-USD:confirmed ACCRUAL-2025-09-USD-R:pending"
eq "one manual journal in Xero" "$($CHECK count "$XU" ManualJournals)" "1"
sent_bytes "September"
n=$(puts)
sb 0 "rerun September" post --live --period 2025-09
eq "rerun sends nothing" "$(puts)" "$n"
sb 0 "lock September" period lock 2025-09
sb 0 "the settlement arrives" ingest "$EV/settlement-us-88002.tsv"
sb 0 "post --live October" post --live --period 2025-10
eq "October: settlement, September's reversal and October's accrual confirmed" "$(sq "select group_concat(settlement_id || ':' || month || ':' || state, ' ') from (select * from outbox where state = 'confirmed' order by id)")" \
   "ACCRUAL-2025-09-USD:2025-09:confirmed ACCRUAL-2025-09-USD-R:2025-10:confirmed 88002:2025-10:confirmed ACCRUAL-2025-10-USD:2025-10:confirmed"
eq "manual journals in Xero: accrual, reversal, settlement, October accrual" "$($CHECK count "$XU" ManualJournals)" "4"
# every sent document once (November's reversal is still pending, so not live_check's once)
eq "each journal in Xero once" "$(curl -s "$XU/__state" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(m["Narration"].split(":")[0] for o in d["orgs"].values() for m in o["docs"]["ManualJournals"]))')" \
   "['AMZ-88002-1', 'AMZ-ACCRUAL-2025-09-USD', 'AMZ-ACCRUAL-2025-09-USD-R', 'AMZ-ACCRUAL-2025-10-USD']"
sent_bytes "October"
n=$(puts)
sb 0 "rerun October" post --live --period 2025-10
eq "rerun sends nothing" "$(puts)" "$n"
eq "November's reversal waits for November" "$(sq "select state from outbox where settlement_id = 'ACCRUAL-2025-10-USD-R'")" "pending"
# the same without locking September: the settlement's September lines land in September,
# where the accrual already sent holds them too; that is raised, never silent
FILES="$EV/events-2025-09-page1.json $EV/events-2025-09-page2.json" scenario unlocked journal
sb 0 "unlocked: post --live September" post --live --period 2025-09
sb 0 "unlocked: the settlement arrives" ingest "$EV/settlement-us-88002.tsv"
"$SB" post --period 2025-10 >"$S/.out" 2>"$S/.err"
eq "unlocked: September counted twice is an error naming the month" "$(sq "select kind || ' ' || severity || ' ' || actual_minor from exception where scope = 'accrual-check' and explanation like '%sent for 2025-09 holds 14 amount(s)%'")" "POSTED_DOCUMENT_CHANGED error 773"
sb 0 "unlocked: the September accrual is not rebuilt" post --period 2025-09
eq "unlocked: September's accrual row still the one sent" "$(sq "select count(*) from outbox where settlement_id = 'ACCRUAL-2025-09-USD' and state = 'confirmed'")" "1"

canary_check
finish
