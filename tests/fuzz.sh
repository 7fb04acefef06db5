#!/bin/sh
# tests/fuzz.sh — `make fuzz`: builds the libFuzzer targets in tests/fuzz/ with clang and
# ASan+UBSan in build-fuzz/, then runs each for FUZZ_SECONDS (default 60). The corpus grows in
# build-fuzz/corpus/<target> (not committed), seeded from the committed seed corpus
# tests/fuzz/corpus/<target>/ (every fixture and sample: tests/fuzz/seed_corpus.sh).
# Anything that crashes lands in that seed corpus as tests/fuzz/corpus/<target>/crash-...
# (leak-, timeout-, oom-); commit it once fixed: tests/e2e/fuzz_replay.sh replays every file
# of the seed corpora in `make test`.
# FUZZ_TARGETS="ingest" limits the run (default: every tests/fuzz/fuzz_<target>.c);
# FUZZ_JOBS=N fuzzes with N processes (-fork=N).
set -u
cd "$(dirname "$0")/.." || exit 4
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
TARGETS=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do f=${f##*/fuzz_}; echo "${f%.c}"; done)}
B=build-fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
FLAGS="-O1 -g $SAN -fsanitize=fuzzer-no-link -Wno-unknown-warning-option"
command -v clang >/dev/null || { echo "fuzz: clang is missing (make deps)"; exit 4; }

# The same objects, flags and libraries as the Makefile (read from it, so they never drift,
# wherever the sources live).
mkvar() { printf 'print:\n\t@echo $(%s)\n' "$1" |
  make --no-print-directory -s -f Makefile -f - BUILD=$B CC=clang CFLAGS="$FLAGS" print; }
objs=$(mkvar OBJS)
CFLAGS_ALL=$(mkvar TEST_CFLAGS)
LIBS=$(mkvar PKG_LIBS)
# The library objects (sql_embed.o included), built by the Makefile's own rules with clang.
mkdir -p $B
make --no-print-directory BUILD=$B CC=clang CFLAGS="$FLAGS" $objs >$B/build.log 2>&1 ||
  { tail -n 30 $B/build.log; echo "fuzz: build failed"; exit 4; }

status=0
for t in $TARGETS; do
  bin=$B/fuzz_$t
  # shellcheck disable=SC2086
  clang $CFLAGS_ALL -fsanitize=fuzzer -o "$bin" "tests/fuzz/fuzz_$t.c" $objs \
    $LIBS -fsanitize=fuzzer $SAN || { echo "fuzz: cannot link $bin"; exit 4; }
  corpus=$B/corpus/$t
  seeds=tests/fuzz/corpus/$t
  mkdir -p "$corpus" "$seeds"
  case $t in
    ingest) extra="-dict=tests/fuzz/ingest.dict -max_len=16384" ;;
    parse) extra="-max_len=256" ;;
    *) extra="" ;;
  esac
  [ "$JOBS" -gt 1 ] && extra="$extra -fork=$JOBS"
  echo "fuzz: $t for ${SECS}s ($JOBS process(es))"
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$seeds/" $extra "$corpus" "$seeds" >"$B/fuzz_$t.log" 2>&1
  st=$?
  grep -E 'stat::number_of_executed_units|stat::new_units_added|cov: ' "$B/fuzz_$t.log" | tail -n 3
  if [ $st != 0 ]; then
    echo "fuzz: $t FAILED (exit $st); see $B/fuzz_$t.log and $seeds/crash-*"
    grep -E 'ERROR|runtime error|fuzz_[a-z_]*:' "$B/fuzz_$t.log" | head -n 5
    status=1
  fi
done
[ $status = 0 ] && echo "fuzz: no crashes"
exit $status
