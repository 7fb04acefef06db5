#!/bin/sh
# tests/bench.sh — `make bench`: settlebook's ingest against SQLite's own importer.
# Generates a settlement of BENCH_ROWS amount lines (default 1,000,000) with `settlebook synth`,
# then times (a) `settlebook init` + `settlebook ingest FILE` into a fresh ledger and
# (b) `sqlite3 DB -cmd '.mode tabs' '.import FILE t'` into a fresh database, best of
# BENCH_RUNS rounds (default 3; each round runs both, so both meet the same machine load).
# Prints both times, their ratio (ours / sqlite), rows per second, and the peak resident
# memory of our ingest at BENCH_SMALL_ROWS (default 250,000) and at BENCH_ROWS lines, which
# shows that memory stays flat. Targets: ratio <= 1.0, peak RSS <= 64 MB.
# Files go to BENCH_DIR (default bench/, git-ignored). Needs only sqlite3 and Debian's python3
# (os.wait4 gives each child's ru_maxrss). Exit status: 0 when both targets are met, 1 when one
# is missed, 2 when something failed to run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB="$ROOT/settlebook"
B=${BENCH_DIR:-$ROOT/bench}
ROWS=${BENCH_ROWS:-1000000}
SMALL=${BENCH_SMALL_ROWS:-250000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
export TZ=UTC LC_ALL=C

[ -x "$SB" ] || { echo "bench: build settlebook first (make)"; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is not installed"; exit 2; }
[ -x "$PY" ] || { echo "bench: $PY is not installed"; exit 2; }
mkdir -p "$B" || exit 2
LOG="$B/bench.log"
: > "$LOG"

# measure CMD...: runs CMD with output appended to $LOG; prints "SECONDS MAXRSS_KB EXIT".
measure() {
  "$PY" -c '
import os, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
null = os.open(os.devnull, os.O_RDONLY)
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(null, 0); os.dup2(log, 1); os.dup2(log, 2)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
print("%.3f %d %d" % (time.monotonic() - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status)))
' "$LOG" "$@"
}

die() { echo "bench: $*"; echo "bench: see $LOG"; exit 2; }

# ok_run NAME RESULT: stops when the measured command failed.
ok_run() { case $2 in *" 0") ;; *) die "$1 failed (exit ${2##* })" ;; esac; }

# ours FILE LEDGER: fresh ledger, init + ingest; sets T (seconds) and RSS (KB, the larger).
ours() {
  rm -f "$2" "$2-wal" "$2-shm" "$B/bench.json"
  r1=$(measure "$SB" --ledger "$2" --config "$B/bench.json" --quiet init)
  ok_run "settlebook init" "$r1"
  r2=$(measure "$SB" --ledger "$2" --config "$B/bench.json" --quiet ingest "$1")
  ok_run "settlebook ingest $1" "$r2"
  T=$(echo "$r1 $r2" | awk '{ printf "%.3f", $1 + $4 }')
  RSS=$(echo "$r1 $r2" | awk '{ print ($2 > $5 ? $2 : $5) }')
}

# theirs FILE DB: fresh database, sqlite3 .import; sets T and RSS.
theirs() {
  rm -f "$2" "$2-journal"
  r=$(measure sqlite3 "$2" -cmd '.mode tabs' ".import $1 t")
  ok_run "sqlite3 .import" "$r"
  T=${r%% *}
  RSS=$(echo "$r" | awk '{ print $2 }')
}

# best_of FILE: $RUNS rounds, ours then sqlite's in each round (so both meet the same load);
# sets OURS/SQ (fastest), OURS_RSS/SQ_RSS (largest) and OURS_ALL/SQ_ALL (every time).
best_of() {
  OURS=""; SQ=""; OURS_RSS=0; SQ_RSS=0; OURS_ALL=""; SQ_ALL=""
  i=0
  while [ "$i" -lt "$RUNS" ]; do
    ours "$1" "$B/ours.db"
    OURS_ALL="$OURS_ALL $T"
    OURS=$(echo "${OURS:-$T} $T" | awk '{ print ($2 < $1 ? $2 : $1) }')
    [ "$RSS" -gt "$OURS_RSS" ] && OURS_RSS=$RSS
    if [ "$i" = 0 ]; then check_ledger; fi
    theirs "$1" "$B/sqlite.db"
    SQ_ALL="$SQ_ALL $T"
    SQ=$(echo "${SQ:-$T} $T" | awk '{ print ($2 < $1 ? $2 : $1) }')
    [ "$RSS" -gt "$SQ_RSS" ] && SQ_RSS=$RSS
    i=$((i + 1))
  done
}

# The ledger holds every line and they sum to the total.
check_ledger() {
  "$SB" --ledger "$B/ours.db" settlements --json > "$B/settlements.json" 2>>"$LOG" ||
    die "settlebook settlements failed"
  "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))[0]
sys.exit(0 if s["lines"] == int(sys.argv[2]) and s["total_minor"] == s["lines_sum_minor"] else 1)
' "$B/settlements.json" "$ROWS" || die "the ledger does not hold $ROWS lines summing to the total"
}

mb() { echo "$1" | awk '{ printf "%.1f MB", $1 / 1024 }'; }

BIG="$B/settlement-$ROWS.tsv"
SMALLF="$B/settlement-$SMALL.tsv"
echo "settlebook bench: $ROWS amount lines (flat file V2, us), best of $RUNS rounds"
r=$(measure "$SB" synth --rows "$ROWS" --seed 42 -o "$BIG" --inventory "$B/inventory.tsv" \
    --costs "$B/costs.csv")
ok_run "settlebook synth" "$r"
printf '  synth %-9s lines: %8ss  %s  peak RSS %s\n' "$ROWS" "${r%% *}" \
  "$(wc -c < "$BIG" | awk '{ printf "%.0f MB", $1 / 1048576 }')" "$(mb "$(echo "$r" | awk '{ print $2 }')")"
r=$(measure "$SB" synth --rows "$SMALL" --seed 42 -o "$SMALLF")
ok_run "settlebook synth" "$r"

best_of "$BIG"
# close on the ledger the last round ingested: reconcile, journals, preview and workbook of the
# month the settlement starts in (it crosses into the next one), with synth's inventory ledger
# and unit costs, so it includes cost of goods and the inventory checks
MONTH=$(sed -n 2p "$BIG" | cut -f2 | cut -c1-7)
r=$(measure "$SB" --ledger "$B/ours.db" --config "$B/bench.json" --reports "$B/reports" --quiet \
    close --period "$MONTH" "$B/inventory.tsv" "$B/costs.csv")
case "${r##* }" in 0|1) ;; *) die "settlebook close failed" ;; esac
CLOSE_T=${r%% *}; CLOSE_RSS=$(echo "$r" | awk '{ print $2 }')
ours "$SMALLF" "$B/ours-small.db"
SMALL_T=$T; SMALL_RSS=$RSS
rm -rf "$B"/ours*.db* "$B/sqlite.db" "$B/bench.json" "$B/settlements.json" "$B/reports"

RATIO=$(echo "$OURS $SQ" | awk '{ printf "%.2f", $1 / $2 }')
printf '  settlebook init + ingest: %8ss  (runs:%s)\n' "$OURS" "$OURS_ALL"
printf '  sqlite3 .import:          %8ss  (runs:%s)  peak RSS %s\n' "$SQ" "$SQ_ALL" "$(mb "$SQ_RSS")"
printf '  ratio ours/sqlite:        %8s   (target <= 1.00)\n' "$RATIO"
printf '  settlebook close %s:   %8ss  (%.1fx the ingest time; reconcile, journals, preview, workbook)  peak RSS %s\n' \
  "$MONTH" "$CLOSE_T" "$(echo "$CLOSE_T $OURS" | awk '{ print $1 / $2 }')" "$(mb "$CLOSE_RSS")"
printf '  settlebook rows/s:        %8s\n' "$(echo "$ROWS $OURS" | awk '{ printf "%.0f", $1 / $2 }')"
printf '  settlebook peak RSS:      %8s at %s lines (%ss), %s at %s lines (target <= 64 MB)\n' \
  "$(mb "$SMALL_RSS")" "$SMALL" "$SMALL_T" "$(mb "$OURS_RSS")" "$ROWS"

status=0
echo "$RATIO" | awk '{ exit !($1 <= 1.0) }' || { echo "  TARGET MISSED: ratio $RATIO > 1.00"; status=1; }
[ "$OURS_RSS" -le 65536 ] && [ "$SMALL_RSS" -le 65536 ] ||
  { echo "  TARGET MISSED: peak RSS above 64 MB"; status=1; }
[ "$status" = 0 ] && echo "  targets met"
exit "$status"
