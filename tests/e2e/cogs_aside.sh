# cogs_aside — close reads the cost of goods' units sold in a thread on a second connection
# while reconcile runs (journal/journal_cogs_aside.c), kept per order item and day and cut
# by the window once the sales journal is known; the ledger, the preview and the workbook
# are then the bytes a close gives that reads them itself (SETTLEBOOK_ASIDE=0): in UTC and
# in a zone, with a locked month whose lines move on, with order items whose lines are not
# together or lie on both sides of the window's end, and with a second settlement of another
# period. Each close says it took the units read aside, so no case passes by reading them
# itself. Timings are make bench's business.
. "$(dirname "$0")/../lib.sh"
"$SB" synth --rows 4000 --seed 21 -o s.tsv --inventory inv.tsv --costs costs.csv 2>/dev/null
"$SB" synth --rows 1500 --seed 23 -o t.tsv --costs tcosts.csv 2>/dev/null
P=$(sed -n 2p s.tsv | cut -f2 | cut -c1-7)
N=$(sqlite3 :memory: "select strftime('%Y-%m', '$P-01', '+1 month')")
# the window's last day and the day after it (COGS_WINDOW: below the month's end + 1 day)
D1=$(sqlite3 :memory: "select date('$P-01', '+1 month')")
D2=$(sqlite3 :memory: "select date('$P-01', '+1 month', '+1 day')")
D0=$(sqlite3 :memory: "select date('$P-01', '+1 month', '-1 day')")
LO=$(sqlite3 :memory: "select date('$N-01', '-1 day')")

# apart.tsv: every third order item's Commission line moved to the end of the file (its
# item's lines are no longer together); the Tax line of each item posted on D1 moved, with a
# quantity of 7, by turns to D2 (past the window: not its units) or to the day before D1
# at 23:30, quantity 7 or 0 (an item of two days: its first posted time and its largest
# quantity count, the largest in either day)
awk -F'\t' -v OFS='\t' -v d1="$D1" -v d2="$D2" -v d0="$D0" '
  NR > 2 && $7 == "Order" && $14 == "Tax" && $17 == d1 {
    d = ++t % 2 ? d2 : d0; $17 = d; $18 = d (d == d2 ? " 00:30:00" : " 23:30:00") " UTC"
    $23 = d == d2 || t % 4 == 0 ? 7 : 0 }
  NR > 2 && $7 == "Order" && $14 == "Commission" && ++n % 3 == 0 { late = late $0 "\n"; next }
  { print }
  END { printf "%s", late }' s.tsv >apart.tsv
m=$(awk -F'\t' -v d0="$D0" '$14 == "Tax" && $17 == d0' apart.tsv | wc -l)
check "apart: Tax lines moved to the day before ($m)" [ "$m" -gt 0 ]

# early.tsv: the second seller's settlement moved to end on the first day of $N's window
# (LO): not in $N's scope, so not journaled there, and the window cuts its earlier days.
# Its order items of LO by turns: at noon (in $N 14 hours east of UTC) but the Tax line on
# the day before, quantity 7 (an item the window keeps one day of); the Principal line the
# first read and the last posted, across the zone's midnight (the earliest time decides the
# month); at noon, the Tax line with the largest quantity (7), read after the Principal's
python3 - "$LO" <<'PY'
import datetime, re, sys
lo = datetime.date.fromisoformat(sys.argv[1])
rows = open('t.tsv').read().split('\n')
end = datetime.date.fromisoformat(re.search(r'\d{4}-\d{2}-\d{2}', rows[1].split('\t')[2])[0])
shift = lo - end
move = lambda m: (datetime.date.fromisoformat(m[0]) + shift).isoformat()
out, items = [], {}
for r in rows:
    r = re.sub(r'\d{4}-\d{2}-\d{2}', move, r)
    f = r.split('\t')
    if len(f) > 22 and f[6] == 'Order' and f[16] == lo.isoformat():
        k = items.setdefault(f[7], len(items)) % 3
        f[17] = f[16] + ' 12:00:00 UTC'
        if k == 0 and f[13] == 'Tax':
            d = (lo - datetime.timedelta(days=1)).isoformat()
            f[16], f[17], f[22] = d, d + ' 23:00:00 UTC', '7'
        elif k == 1:
            f[17] = f[16] + (' 10:30:00 UTC' if f[13] == 'Principal' else ' 09:30:00 UTC')
        elif k == 2 and f[13] == 'Tax':
            f[22] = '7'
    out.append('\t'.join(f))
open('early.tsv', 'w').write('\n'.join(out))
PY
m=$(awk -F'\t' -v lo="$LO" '$14 == "Tax" && $23 == 7' early.tsv | wc -l)
check "early: Tax lines moved before the window ($m)" [ "$m" -gt 0 ]

# close NAME DIR ZONE LOCK PERIOD FILES...: a close in DIR (LOCK: a month locked first)
close_in() {
  d=$2; z=$3; lock=$4; p=$5; shift 5
  mkdir -p "$d" && cd "$d" || exit 1
  "$SB" init >/dev/null 2>&1
  python3 -c "import json; c = json.load(open('settlebook.json'))
c['posting']['timezone'] = '$z'
json.dump(c, open('settlebook.json', 'w'), indent=2)"
  [ -z "$lock" ] || "$SB" period lock "$lock" --force >/dev/null 2>&1 || bad "$d: lock"
  "$SB" --verbose close --reports r --period "$p" "$@" >close.out 2>close.err
  s=$?; [ "$s" = 0 ] || [ "$s" = 1 ] || bad "$d: close exit $s: $(tail -n 3 close.err)"
  cd "$T" || exit 1
}

cogs() {
  sqlite3 "$1" "select j.month, j.total_minor, l.sku, l.units, l.amount_minor from
    cogs_journal j join cogs_line l on l.month = j.month order by j.month, l.line_no"
}

# both NAME ZONE LOCK PERIOD FILES...: aside and not, the same bytes
both() {
  n=$1; z=$2; lock=$3; p=$4; shift 4
  close_in "$n" "$n" "$z" "$lock" "$p" "$@"
  SETTLEBOOK_ASIDE=0 close_in "$n" "$n-own" "$z" "$lock" "$p" "$@"
  contains "$n: the units sold were read aside" "$n/close.err" \
    "as read aside during reconcile"
  contains "$n: so were the put-back's order items" "$n/close.err" \
    "the put-back's order items too"
  b=$(sqlite3 "$n/settlebook.db" "select count(*) from cogs_cover where kind = 'back'")
  check "$n: units were put back ($b)" [ "$b" -gt 0 ]
  check "$n: SETTLEBOOK_ASIDE=0 reads them itself" \
    sh -c "! grep -q 'read aside' $n-own/close.err"
  r=$(cogs "$n/settlebook.db" | wc -l)
  check "$n: the cost of goods has lines ($r)" [ "$r" -gt 10 ]
  sqlite3 "$n/settlebook.db" .dump >"$n.sql"
  sqlite3 "$n-own/settlebook.db" .dump >"$n-own.sql"
  eq "$n: the same ledger either way" "$(diff "$n.sql" "$n-own.sql" | head -5)" ""
  check "$n: the same preview" cmp "$n/r/$p/xero-preview.json" "$n-own/r/$p/xero-preview.json"
  check "$n: the same workbook" cmp "$n/r/$p/reconciliation.xlsx" \
    "$n-own/r/$p/reconciliation.xlsx"
}

both utc UTC "" "$P" ../s.tsv ../inv.tsv ../costs.csv
both zone America/St_Johns "" "$P" ../s.tsv ../inv.tsv ../costs.csv
both east Asia/Kolkata "" "$N" ../s.tsv ../inv.tsv ../costs.csv

# the month before locked: its lines move to the next month's journals, cost of goods too
both locked UTC "$P" "$N" ../s.tsv ../inv.tsv ../costs.csv
eq "locked: the sales journal has no part in the locked month" \
  "$(sqlite3 locked/settlebook.db "select count(*) from journal where month = '$P'")" 0
check "locked: the cost of goods of $N holds units of $P" \
  [ "$(sqlite3 locked/settlebook.db "select count(*) from cogs_cover where month = '$N' and
       home = '$P'")" -gt 0 ]
contains "locked: first month $P" locked/close.err "cost of goods $N: units sold"

# an item's lines apart: read again grouped by SQL, still aside; items of two days
both apart America/St_Johns "" "$P" ../apart.tsv ../inv.tsv ../costs.csv
contains "apart: runs did not hold, grouped by SQL aside" apart/close.err "grouped by SQL"
check "apart: items of several days" \
  grep -Eq '[1-9][0-9]* item\(s\) of several days' apart/close.err
check "apart: the cost of goods differs from the lines' own" \
  [ "$(cogs apart/settlebook.db | md5sum)" != "$(cogs zone/settlebook.db | md5sum)" ]

# more refund lines than the limit (SETTLEBOOK_ASIDE_MAX, as a 4M-line settlement has more
# than 131,072): the units sold still aside, the put-back's order items read by the put-back
SETTLEBOOK_ASIDE_MAX=5 close_in capped capped UTC "" "$P" ../s.tsv ../inv.tsv ../costs.csv
contains "capped: the units sold were read aside" capped/close.err "as read aside during reconcile"
check "capped: the put-back's order items were not" \
  sh -c "! grep -q \"the put-back's order items too\" capped/close.err"
sqlite3 capped/settlebook.db .dump >capped.sql
eq "capped: the same ledger as without the limit" "$(diff capped.sql utc.sql | head -5)" ""

# a second settlement the window cuts (not journaled in the month): 14 hours east of UTC
# its last days' lines are the month's
both early +14:00 "" "$N" ../s.tsv ../early.tsv ../inv.tsv ../costs.csv ../tcosts.csv
check "early: items of several days" \
  grep -Eq '[1-9][0-9]* item\(s\) of several days' early/close.err
eq "early: its settlement has no journal in $N" "$(sqlite3 early/settlebook.db "select
  count(*) from journal j join settlement s on s.id = j.settlement_ref where s.end_utc <
  '$N' and j.month = '$N'")" 0
check "early: the cost of goods of $N holds units of it" [ "$(sqlite3 early/settlebook.db "
  select count(*) from cogs_cover c join settlement s on s.settlement_id = c.source where
  c.month = '$N' and s.end_utc < '$N'")" -gt 0 ]
finish
