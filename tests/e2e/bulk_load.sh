# bulk_load — ingest loads a file with a rollback journal (ledger_begin_bulk: new pages are
# written once, not into the WAL and again at the checkpoint) and leaves the ledger in WAL
# mode, whether the load commits or is refused; when another process has the ledger open the
# load stays in WAL mode and still lands; a load killed halfway leaves the ledger as it was.
. "$(dirname "$0")/../lib.sh"
"$SB" init >/dev/null 2>&1
"$SB" synth --rows 4000 --seed 5 -o a.tsv 2>/dev/null
"$SB" synth --rows 3000 --seed 6 -o b.tsv 2>/dev/null
mode() { q "pragma journal_mode"; }

eq "a fresh ledger is in WAL mode" "$(mode)" wal
"$SB" --verbose ingest a.tsv >out 2>err
eq "ingest: exit 0" "$?" 0
eq "ingest: every line landed" "$(q 'select count(*) from settlement_line')" 4000
eq "after the load: WAL mode again" "$(mode)" wal
check "no rollback journal left behind" test ! -e settlebook.db-journal
check "the load did not say it stayed in WAL" sh -c '! grep -q "stays in WAL" err'

# a refused file: nothing ingested, WAL mode again, no journal left
dump >before.sql
awk -F "\t" 'BEGIN { OFS = "\t" } NR == 5 { $15 = "abc" } { print }' b.tsv >bad.tsv
status "a refused file: exit 2" 2 "$SB" ingest bad.tsv
eq "refused: the ledger as it was" "$(dump | cmp - before.sql)" ""
eq "refused: WAL mode again" "$(mode)" wal
check "refused: no rollback journal left behind" test ! -e settlebook.db-journal

# another process holds a read transaction: the load may not leave WAL, so it stays there,
# does not wait, and lands all the same once the reader's snapshot does not block it
mkfifo hold
(sqlite3 settlebook.db <hold >/dev/null 2>&1 &)
exec 9>hold
echo "begin; select count(*) from settlement_line;" >&9
sleep 0.3
"$SB" --verbose ingest b.tsv >out 2>err
eq "with a reader: exit 0" "$?" 0
contains "with a reader: said it stays in WAL" err "another connection is open: the load stays in WAL mode"
eq "with a reader: every line landed" "$(q 'select count(*) from settlement_line')" 7000
echo "commit; .quit" >&9
exec 9>&-
sleep 0.2
eq "with a reader: still WAL mode" "$(mode)" wal

# killed in the middle of a big load: the next open plays the rollback journal back
K="$SB --ledger k.db"
$K init >/dev/null 2>&1
$K ingest a.tsv >/dev/null 2>&1
"$SB" synth --rows 400000 --seed 7 -o big.tsv 2>/dev/null
eq "the big file is there" "$(wc -l <big.tsv)" 400002
sqlite3 k.db .dump >before.sql
$K ingest big.tsv >/dev/null 2>&1 &
pid=$!
n=0
# wait for a journal with something in it: killed the instant it is created (empty), SQLite
# rightly sees no hot journal and leaves the empty file (seen once under ASan's slower start)
while [ ! -s k.db-journal ] && [ "$n" -lt 3000 ]; do sleep 0.01; n=$((n + 1)); done
kill -9 "$pid" 2>/dev/null
check "killed while its rollback journal was on disk" test -e k.db-journal
wait "$pid" 2>/dev/null
$K settlements >/dev/null 2>&1
eq "killed: the ledger as it was" "$(sqlite3 k.db .dump | cmp - before.sql)" ""
eq "killed: WAL mode again after the next open" "$(sqlite3 k.db 'pragma journal_mode')" wal
check "killed: the journal was played back and removed" test ! -e k.db-journal
finish
