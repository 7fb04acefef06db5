#!/bin/sh
# tests/run.sh — runs every unit binary given as arguments and every tests/e2e/*.sh, in
# parallel: TEST_JOBS at a time (default: the number of CPUs). Each test's output goes to
# tests/out/<name>.log only (an e2e script also works in its own folder tests/out/<name>/, and
# its fakes listen on ports the OS picks, so no two can collide). The slowest start first:
# by the durations the last run recorded (tests/out/durations), else by a short static list.
# Then, in a fixed order (unit binaries as given, then the e2e scripts by name), one line per
# test with its "N passed, N failed" and time; for a test that failed, its FAIL lines and the
# end of its log. Ends with the total "N passed, N failed"; exit status 1 on any failure.
# TESTS="live fetch" runs only those e2e scripts, E2E=0 none (make unit); TEST_TIMEOUT (600)
# stops a test that hangs. SETTLEBOOK_BIN names the binary under test (make asan).
set -u
cd "$(dirname "$0")/.." || exit 4
OUT=tests/out
LIMIT=${TEST_TIMEOUT:-600}

now_ms() { date +%s%3N; }

# --one PATH: runs one test (a unit binary, or an e2e script with sh), its output in
# tests/out/<name>.log and "<exit status> <milliseconds>" in tests/out/<name>.result.
if [ "${1:-}" = --one ]; then
  p=$2
  case $p in *.sh) name=$(basename "$p" .sh); set -- sh "$p" ;; *) name=$(basename "$p"); set -- "$p" ;; esac
  t0=$(now_ms)
  timeout -k 10 "$LIMIT" "$@" >"$OUT/$name.log" 2>&1 </dev/null
  st=$?
  echo "$st $(( $(now_ms) - t0 ))" >"$OUT/$name.result"
  exit 0
fi

JOBS=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$OUT"
list=""
for b in "$@"; do list="$list $b"; done
for t in tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  [ "${E2E:-1}" = 0 ] && break
  if [ -n "${TESTS:-}" ]; then
    case " $TESTS " in *" $(basename "$t" .sh) "*) ;; *) continue ;; esac
  fi
  list="$list $t"
done

name_of() { case $1 in *.sh) basename "$1" .sh ;; *) basename "$1" ;; esac; }

# Expected milliseconds per test: the last run's, else these (measured on a 2-core VM), else 1 s.
STATIC="live_faults 26000
fetch 11000
live_crash 8000
properties 7500
auth 5500
rerun 5000
report 4000
fuzz_replay 3500
live 3200
contract 3200"
expected() {
  v=""
  [ -f "$OUT/durations" ] && v=$(awk -v n="$1" '$1 == n { print $2 }' "$OUT/durations")
  [ -z "$v" ] && v=$(echo "$STATIC" | awk -v n="$1" '$1 == n { print $2 }')
  echo "${v:-1000}"
}

start=$(now_ms)
for p in $list; do rm -f "$OUT/$(name_of "$p").result"; done
for p in $list; do echo "$(expected "$(name_of "$p")") $p"; done | sort -k1,1nr -k2 |
  cut -d' ' -f2- | tr '\n' '\0' | xargs -0 -n 1 -P "$JOBS" sh tests/run.sh --one
wall=$(( $(now_ms) - start ))

total_p=0
total_f=0
: >"$OUT/durations.new"
for p in $list; do
  name=$(name_of "$p")
  log="$OUT/$name.log"
  st=4 ms=0
  [ -f "$OUT/$name.result" ] && read -r st ms <"$OUT/$name.result"
  echo "$name $ms" >>"$OUT/durations.new"
  secs="$((ms / 1000)).$((ms % 1000 / 100))s"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" 2>/dev/null | tail -n 1)
  if [ -z "$line" ] || [ "$st" = 124 ] || [ "$st" = 137 ]; then
    why="no result line (exit $st)"
    case $st in 124|137) why="stopped after the time limit of ${LIMIT}s (TEST_TIMEOUT)" ;; esac
    printf '%-32s FAIL: %s  %s\n' "$name" "$why" "$secs"
    f=1 p_=0
  else
    p_=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
    if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; line="$line, but exit $st"; fi
    printf '%-32s %s  %s\n' "$name" "$line" "$secs"
  fi
  total_p=$((total_p + p_)); total_f=$((total_f + f))
  if [ "$f" != 0 ]; then
    grep -E '^FAIL' "$log" 2>/dev/null | head -n 20 | sed 's/^/    /'
    echo "    --- last lines of $log:"
    tail -n 15 "$log" 2>/dev/null | sed 's/^/    | /'
  fi
done
# keep what an earlier run recorded for the other tests that still exist (TESTS=...)
if [ -f "$OUT/durations" ]; then
  while read -r n ms; do
    grep -q "^$n " "$OUT/durations.new" && continue
    { [ -f "tests/e2e/$n.sh" ] || [ -f "tests/unit/$n.c" ]; } && echo "$n $ms" >>"$OUT/durations.new"
  done <"$OUT/durations"
fi
mv "$OUT/durations.new" "$OUT/durations"
echo "(wall time $((wall / 1000)).$((wall % 1000 / 100)) s, $JOBS job(s) at a time; logs in $OUT/<name>.log)"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
