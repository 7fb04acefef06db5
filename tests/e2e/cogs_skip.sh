# cogs_skip — the cost-of-goods journal of a month is not counted again when nothing it reads
# changed (stage_input 'cogs': the verbose log says "skipped", the ledger is byte-identical),
# and every input change counts it again with the numbers a fresh ledger given the same files
# gets: another inventory ledger row, another unit cost, another settlement, a config edit; a
# month sent, or locked, after its journal was built is looked at again (frozen: the journal
# stays, the units it does not hold go on with PERIOD_LOCKED).
. "$(dirname "$0")/../lib.sh"
I="$FX/inventory"
M=2025-09
# a second settlement of the month: the fixture's lines under other ids
sed 's/70000000001/70000000002/; s/\tO-/\tP-/g' "$I/settlement-2025-09.tsv" >s2.tsv
printf 'sku,unit_cost,currency,effective_from\nWIDGET-B,12.00,USD,2025-09-25\n' >cost2.csv

postv() { "$SB" --verbose post --period "$M" >post.out 2>post.err; s=$?
  [ "$s" = 0 ] || [ "$s" = 1 ] || bad "post: exit $s: $(tail -n 3 post.err)"; }
built() { check "$1: counted again" grep -q "cost of goods $M: built from" post.err
  eq "$1: not skipped" "$(grep -c "cost of goods $M: inputs unchanged" post.err)" 0; }
skipped() { contains "$1: skipped" post.err "cost of goods $M: inputs unchanged since its last build: skipped"; }
# what cost of goods wrote, to compare with a fresh ledger's
cogs_state() { sqlite3 "$1" "select * from cogs_journal order by month;
  select * from cogs_line order by month, line_no; select * from cogs_cover;
  select kind, month, sku, explanation from exception where scope = 'cogs' order by 1, 2, 3, 4"; }
# fresh NAME FILE...: a new ledger given the files at once, posted; prints its cogs state
fresh() { n=$1; shift; rm -rf "$T/$n" && mkdir -p "$T/$n" && (cd "$T/$n" &&
  "$SB" init >/dev/null 2>&1 && "$SB" ingest "$@" >/dev/null 2>&1 &&
  "$SB" post --period "$M" >/dev/null 2>&1); cogs_state "$T/$n/settlebook.db"; }
same_as_fresh() { n=$1; shift; eq "$n: the numbers of a fresh ledger" "$(cogs_state settlebook.db)" "$(fresh "$n" "$@")"; }

"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" "$I/costs.csv" >/dev/null 2>&1
postv
built "first post"
eq "first post: 11.80" "$(q "select total_minor from cogs_journal where month = '$M'")" 1180
eq "the month's inputs are recorded" "$(q "select count(*) from stage_input where stage = 'cogs' and scope = '$M'")" 1
dump >l1.sql
postv
skipped "rerun"
eq "rerun: ledger unchanged" "$(dump | cmp - l1.sql)" ""

# an inventory ledger row: September writes off WIDGET-A 3 @ 4.50 and WIDGET-B 2 @ 10.25
"$SB" ingest "$I/ledger-2025-09.tsv" >/dev/null 2>&1
postv
built "inventory ledger"
eq "inventory ledger: write-offs" "$(q "select group_concat(sku||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month = '$M' and kind = 'writeoff' and account_code = '630' order by line_no)")" "WIDGET-A:3:1350 WIDGET-B:2:2050"
same_as_fresh inv "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv"
postv
skipped "inventory ledger, rerun"

# another unit cost: WIDGET-B at 12.00 from 25 September (its sale and put-back on 25 and 26
# September net to nothing; its 2 written off on the 30th: 24.00, not 20.50)
"$SB" ingest cost2.csv >/dev/null 2>&1
postv
built "new cost"
same_as_fresh cost "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv" "$T/cost2.csv"
eq "new cost: WIDGET-B's lines" "$(q "select group_concat(kind||':'||units||':'||amount_minor, ' ') from (select * from cogs_line where month = '$M' and sku = 'WIDGET-B' and account_code = '630' order by line_no)")" "writeoff:2:2400"

# another settlement of the month: the fixture's units sold again (WIDGET-B nets to nothing)
"$SB" ingest s2.tsv >/dev/null 2>&1
postv
built "new settlement"
eq "new settlement: units sold twice over" "$(q "select group_concat(sku||':'||units, ' ') from (select * from cogs_line where month = '$M' and kind = 'sold' and account_code = '630' order by line_no)")" "GADGET-LONG-SKU-NAME-THAT-IS-OVER-30-CHARS:6 WIDGET-A:4"
same_as_fresh s2 "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv" "$T/cost2.csv" "$T/s2.tsv"
postv
skipped "new settlement, rerun"

# a config edit the journal reads: one pair of lines in total instead of per SKU
cp settlebook.json settlebook.json.orig
python3 -c "
import json; c = json.load(open('settlebook.json')); c.setdefault('cogs', {})['group_by_sku'] = False
json.dump(c, open('settlebook.json', 'w'), indent=2)"
postv
built "config"
eq "config: one pair per kind" "$(q "select count(*) from cogs_line where month = '$M'")" 4
cp settlebook.json.orig settlebook.json
postv
built "config back"
same_as_fresh cfg "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv" "$T/cost2.csv" "$T/s2.tsv"

# COGS-2025-09 confirmed in Xero (as a live run leaves it): the month is frozen now
eq "queued" "$(q "select state from outbox where settlement_id = 'COGS-$M'")" pending
q "update outbox set state = 'confirmed' where settlement_id = 'COGS-$M'"
before=$(q "select * from cogs_journal; select * from cogs_line")
postv
built "sent"
eq "sent: the journal stays" "$(q "select * from cogs_journal; select * from cogs_line")" "$before"
postv
skipped "sent, rerun"
cd "$T" || exit 1

# a lock: the month built, then locked, then its inventory ledger arrives. The lock alone
# changes nothing it books but is looked at; the late write-offs go on to October.
mkdir -p "$T/lock" && cd "$T/lock" || exit 1
"$SB" init >/dev/null 2>&1
"$SB" ingest "$I/settlement-2025-09.tsv" "$I/costs.csv" >/dev/null 2>&1
postv
built "lock: first post"
"$SB" period lock "$M" >/dev/null 2>&1
postv
built "lock: locked"
eq "lock: the journal stays" "$(sqlite3 settlebook.db "select total_minor from cogs_journal where month = '$M'")" 1180
eq "lock: nothing left over" "$(sqlite3 settlebook.db "select count(*) from exception where scope = 'cogs'")" 0
postv
skipped "lock: rerun"
"$SB" ingest "$I/ledger-2025-09.tsv" >/dev/null 2>&1
postv
built "lock: inventory ledger after the lock"
eq "lock: the late write-offs go on" "$(sqlite3 settlebook.db "select explanation from exception where scope = 'cogs' and kind = 'PERIOD_LOCKED'")" "$M: the cost-of-goods journal COGS-$M is locked; 0 unit(s) sold (less put back) and 5 written off in the month are not in it (34.00 USD at cost): they are booked in the first month after it whose journal is open, now 2025-10, at the unit cost of their own dates"
eq "lock: the journal still stays" "$(sqlite3 settlebook.db "select total_minor||' '||line_count from cogs_journal where month = '$M'")" "1180 4"
postv
skipped "lock: rerun after the write-offs"
cd "$T" || exit 1

# units sold are read in one pass that folds each order item's lines as they come, together;
# an item whose lines are apart (O-1's fee line moved to the end) is read again through SQL's
# GROUP BY: the same journal either way
awk -F '\t' '$7 == "Order" && $8 == "O-1" && $13 == "ItemFees" { held = $0; next } { print }
  END { print held }' "$I/settlement-2025-09.tsv" >apart.tsv
check "the fixture's O-1 fee line moved" sh -c "tail -n 1 apart.tsv | grep -q 'O-1'"
want=$(fresh together "$I/settlement-2025-09.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv")
mkdir -p "$T/apart" && cd "$T/apart" || exit 1
"$SB" init >/dev/null 2>&1
"$SB" ingest "$T/apart.tsv" "$I/costs.csv" "$I/ledger-2025-09.tsv" >/dev/null 2>&1
postv
contains "lines apart: said" post.err "cost of goods $M: an order item's lines are not together: units sold grouped by SQL"
eq "lines apart: the same cost of goods" "$(cogs_state settlebook.db)" "$want"
eq "lines apart: the same journal total" "$(sqlite3 settlebook.db "select total_minor from cogs_journal")" 1180
sqlite3 "$T/together/settlebook.db" "delete from stage_input where stage = 'cogs'"
status "lines together: counted again" 0 sh -c "cd '$T/together' && '$SB' --verbose post --period $M"
contains "lines together: built" "$T/.err" "cost of goods $M: built from"
eq "lines together: no second reading" "$(grep -c 'grouped by SQL' "$T/.err")" 0
cd "$T" || exit 1
finish
