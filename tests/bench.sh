#!/bin/sh
# tests/bench.sh — `make bench`: settlebook against SQLite's own importer, on one machine in one
# run. Generates a settlement of BENCH_ROWS amount lines (default 1,000,000) with `settlebook
# synth` and times, best of BENCH_RUNS rounds (default 3; each round runs everything once, so
# every command meets the same machine load):
#   .import        sqlite3 DB -cmd '.mode tabs' '.import FILE t' into a fresh database
#   ingest         settlebook init + ingest FILE into a fresh ledger
#   close          settlebook init + close --period P FILE into a fresh ledger ("from
#                  nothing": ingest, reconcile, journals, preview, workbook)
#   rerun          close --period P FILE again on that ledger, nothing changed
#   report alone   settlebook report --period P on that ledger
# and prints each as a ratio to .import, rows per second, peak RSS, and the stage split of
# close (from `--verbose`: "close: STAGE took N ms"). Peak RSS of close from nothing is also
# measured at BENCH_SMALL_ROWS (250,000) and BENCH_LARGE_ROWS (4,000,000; 0 skips it) lines,
# which shows that memory stays flat as the file grows.
# Targets: ingest <= 1.0x, close <= 1.5x (each the median of the rounds' own ratios), rerun
# <= 0.05x .import; peak RSS <= 64 MB.
# Files go to BENCH_DIR (default bench/, git-ignored). Needs only sqlite3 and Debian's python3
# (os.wait4 gives each child's ru_maxrss). SB=PATH benches another settlebook binary (e.g. an
# older build, for before/after numbers). Exit status: 0 when every target is met, 1 when one
# is missed, 2 when something failed to run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB=${SB:-$ROOT/settlebook}
B=${BENCH_DIR:-$ROOT/bench}
ROWS=${BENCH_ROWS:-1000000}
SMALL=${BENCH_SMALL_ROWS:-250000}
LARGE=${BENCH_LARGE_ROWS:-4000000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
export TZ=UTC LC_ALL=C

[ -x "$SB" ] || { echo "bench: build settlebook first (make)"; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is not installed"; exit 2; }
[ -x "$PY" ] || { echo "bench: $PY is not installed"; exit 2; }
mkdir -p "$B" || exit 2
LOG="$B/bench.log"
: > "$LOG"

# measure CMD...: runs CMD with output appended to ${MLOG:-$LOG}; prints "SECONDS MAXRSS_KB EXIT".
measure() {
  "$PY" -c '
import os, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
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
' "${MLOG:-$LOG}" "$@"
}

die() { echo "bench: $*"; echo "bench: see $LOG"; exit 2; }

# ok_run NAME RESULT [OK_EXITS]: stops when the measured command failed (exit 1 of close and
# report only means error-severity exceptions remain, which synth data may have).
ok_run() {
  x=${2##* }
  case " ${3:-0} " in *" $x "*) ;; *) die "$1 failed (exit $x)" ;; esac
}

# Each runner sets T (seconds) and RSS (KB, the largest of its commands).
# sb_init LEDGER: fresh ledger and config.
sb_init() {
  rm -f "$1" "$1-wal" "$1-shm" "$B/bench.json"; rm -rf "$B/reports"
  r0=$(measure "$SB" --ledger "$1" --config "$B/bench.json" --quiet init)
  ok_run "settlebook init" "$r0"
}
add_init() {
  T=$(echo "$r0 $1" | awk '{ printf "%.3f", $1 + $4 }')
  RSS=$(echo "$r0 $1" | awk '{ print ($2 > $5 ? $2 : $5) }')
}
ingest() { LEDGER=$2; sb_init "$2"; r=$(measure "$SB" --ledger "$LEDGER" --config "$B/bench.json" --reports "$B/reports" --quiet ingest "$1"); ok_run ingest "$r"
  add_init "$r"; }
# close FILE LEDGER: from nothing; the verbose log (stage split) goes to $B/close.log
close() { LEDGER=$2; sb_init "$2"; rm -f "$B/close.log"
  r=$(MLOG="$B/close.log" measure "$SB" --ledger "$LEDGER" --config "$B/bench.json" --reports "$B/reports" --verbose close --period "$MONTH" "$1" "$1.inventory.tsv" "$1.costs.csv"); ok_run close "$r" "0 1"
  add_init "$r"; }
rerun() { LEDGER=$2; r=$(MLOG="$B/rerun.log" measure "$SB" --ledger "$LEDGER" --config "$B/bench.json" --reports "$B/reports" --verbose close --period "$MONTH" "$1" "$1.inventory.tsv" "$1.costs.csv")
  ok_run "close (rerun)" "$r" "0 1"; T=${r%% *}; RSS=$(echo "$r" | awk '{ print $2 }'); }
report() { LEDGER=$2; r=$(measure "$SB" --ledger "$LEDGER" --config "$B/bench.json" --reports "$B/reports" --quiet report --period "$MONTH"); ok_run report "$r" "0 1"
  T=${r%% *}; RSS=$(echo "$r" | awk '{ print $2 }'); }
import() { rm -f "$2" "$2-journal"; r=$(measure sqlite3 "$2" -cmd '.mode tabs' ".import $1 t")
  ok_run "sqlite3 .import" "$r"; T=${r%% *}; RSS=$(echo "$r" | awk '{ print $2 }'); }

# best NAME FILE LEDGER: runs NAME once and keeps the fastest time (NAME_T), the largest RSS
# (NAME_RSS) and every time (NAME_ALL); for close, the stage split of the fastest run.
best() {
  "$1" "$2" "$3"
  eval "prev=\${${1}_T:-}; prss=\${${1}_RSS:-0}"
  eval "${1}_ALL=\"\${${1}_ALL:-} $T\""
  if [ -z "$prev" ] || echo "$T $prev" | awk '{ exit !($1 < $2) }'; then
    eval "${1}_T=$T"
    [ "$1" = close ] && cp "$B/close.log" "$B/close.best.log"
    [ "$1" = rerun ] && cp "$B/rerun.log" "$B/rerun.best.log"
  fi
  [ "$RSS" -gt "$prss" ] && eval "${1}_RSS=$RSS"
  return 0
}

# The ledger holds every line and they sum to the total.
check_ledger() {
  "$SB" --ledger "$1" settlements --json > "$B/settlements.json" 2>>"$LOG" ||
    die "settlebook settlements failed"
  "$PY" -c '
import json, sys
s = json.load(open(sys.argv[1]))[0]
sys.exit(0 if s["lines"] == int(sys.argv[2]) and s["total_minor"] == s["lines_sum_minor"] else 1)
' "$B/settlements.json" "$2" || die "the ledger does not hold $2 lines summing to the total"
}

mb() { echo "$1" | awk '{ printf "%.1f MB", $1 / 1024 }'; }
ratio() { echo "$1 $import_T" | awk '{ printf "%.3f", $1 / $2 }'; }
stage() { sed -n "s/.*close: $1 took \([0-9]*\) ms.*/\1/p" "$2" | tail -n 1; }

# synth N FILE: the settlement, with its FBA Inventory Ledger and unit costs beside it, so a
# close also books cost of goods and runs the inventory checks
synth() {
  r=$(measure "$SB" synth --rows "$1" --seed 42 -o "$2" --inventory "$2.inventory.tsv" \
      --costs "$2.costs.csv")
  ok_run "settlebook synth" "$r"
}
BIG="$B/settlement-$ROWS.tsv"
echo "settlebook bench: $ROWS amount lines (flat file V2, us), best of $RUNS rounds"
[ -s "$BIG" ] && [ -s "$BIG.costs.csv" ] || synth "$ROWS" "$BIG"
MONTH=$(sed -n 2p "$BIG" | cut -f2 | cut -c1-7)

# Each round's own ratios too: the machine's speed moves by a third between minutes, so the
# best of each command alone can pair a fast close with a slow .import; the median of the
# rounds' ratios (each against the .import of its round) is what the targets are held to.
i=0; R_INGEST=; R_CLOSE=
while [ "$i" -lt "$RUNS" ]; do
  best import "$BIG" "$B/sqlite.db"; IMP=$T
  best ingest "$BIG" "$B/ours.db"; R_INGEST="$R_INGEST $(echo "$T $IMP" | awk '{ printf "%.3f", $1 / $2 }')"
  [ "$i" = 0 ] && check_ledger "$B/ours.db" "$ROWS"
  best close "$BIG" "$B/ours.db"; R_CLOSE="$R_CLOSE $(echo "$T $IMP" | awk '{ printf "%.3f", $1 / $2 }')"
  i=$((i + 1))
done
i=0
while [ "$i" -lt "$RUNS" ]; do
  best rerun "$BIG" "$B/ours.db"
  best report "$BIG" "$B/ours.db"
  i=$((i + 1))
done
# The rerun wrote nothing: the ledger's content is what close from nothing left.
rm -f "$B/sqlite.db"

line() { # NAME SECONDS RSS_KB ALL
  printf '  %-24s %8ss  %7sx .import  %9s rows/s  peak RSS %-9s (runs:%s)\n' "$1" "$2" \
    "$(ratio "$2")" "$(echo "$ROWS $2" | awk '{ printf "%.0f", $1 / $2 }')" "$(mb "$3")" "$4"
}
line "sqlite3 .import" "$import_T" "$import_RSS" "$import_ALL"
line "init + ingest" "$ingest_T" "$ingest_RSS" "$ingest_ALL"
line "close from nothing" "$close_T" "$close_RSS" "$close_ALL"
line "close rerun (no change)" "$rerun_T" "$rerun_RSS" "$rerun_ALL"
line "report alone" "$report_T" "$report_RSS" "$report_ALL"
median() { echo "$1" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
  END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '  per round, x its .import: ingest%s (median %s); close%s (median %s)\n' "$R_INGEST" \
  "$(median "$R_INGEST")" "$R_CLOSE" "$(median "$R_CLOSE")"
printf '  close split (ms):        '
for s in ingest reconcile journal preview workbook; do
  printf ' %s %s' "$s" "$(stage $s "$B/close.best.log")"
done
printf '\n  rerun split (ms):        '
for s in ingest reconcile journal preview workbook; do
  printf ' %s %s' "$s" "$(stage $s "$B/rerun.best.log")"
done
echo

# Peak RSS of close from nothing as the file grows.
RSS_MAX=$close_RSS
printf '  close peak RSS:           %s at %s lines' "$(mb "$close_RSS")" "$ROWS"
for n in $SMALL $LARGE; do
  [ "$n" = 0 ] && continue
  f="$B/settlement-$n.tsv"
  [ -s "$f" ] && [ -s "$f.costs.csv" ] || synth "$n" "$f"
  close "$f" "$B/ours-rss.db"
  printf ', %s at %s lines (%ss)' "$(mb "$RSS")" "$n" "$T"
  [ "$RSS" -gt "$RSS_MAX" ] && RSS_MAX=$RSS
done
echo " (target <= 64 MB)"
rm -rf "$B"/ours*.db* "$B/bench.json" "$B/settlements.json" "$B/reports"

status=0
miss() { echo "  TARGET MISSED: $*"; status=1; }
median "$R_INGEST" | awk '{ exit !($1 <= 1.0) }' || miss "ingest $(median "$R_INGEST")x > 1.0x (median of the rounds)"
median "$R_CLOSE" | awk '{ exit !($1 <= 1.5) }' || miss "close $(median "$R_CLOSE")x > 1.5x (median of the rounds)"
ratio "$rerun_T" | awk '{ exit !($1 <= 0.05) }' || miss "rerun $(ratio "$rerun_T")x > 0.05x"
[ "$RSS_MAX" -le 65536 ] && [ "$ingest_RSS" -le 65536 ] || miss "peak RSS above 64 MB"
[ "$status" = 0 ] && echo "  targets met"
exit "$status"
