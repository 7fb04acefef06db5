#!/bin/sh
# tests/fuzz.sh — `make fuzz`: builds the libFuzzer targets in tests/fuzz/ with clang and
# ASan+UBSan in build-fuzz/, then runs each for FUZZ_SECONDS (default 60). The corpus grows in
# build-fuzz/corpus/<target> (not committed), seeded from fixtures/ (public samples included).
# Anything that crashes lands in tests/fuzz/crashers/<target>-...; commit it once fixed:
# tests/e2e/fuzz_replay.sh replays those files in `make test`.
# FUZZ_TARGETS="ingest" limits the run; FUZZ_JOBS=N fuzzes with N processes (-fork=N).
set -u
cd "$(dirname "$0")/.." || exit 4
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
TARGETS=${FUZZ_TARGETS:-ingest parse}
B=build-fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
FLAGS="-O1 -g $SAN -fsanitize=fuzzer-no-link -Wno-unknown-warning-option"
command -v clang >/dev/null || { echo "fuzz: clang is missing (make deps)"; exit 4; }

# The library objects, built by the Makefile's own rules with clang.
objs=$(for f in src/*.c; do [ "$f" = src/main.c ] || echo "$B/$(basename "$f" .c).o"; done)
mkdir -p $B
make --no-print-directory BUILD=$B CC=clang CFLAGS="$FLAGS" $objs $B/sql_embed.o >$B/build.log 2>&1 ||
  { tail -n 30 $B/build.log; echo "fuzz: build failed"; exit 4; }
# The same flags and libraries as the Makefile (read from it, so they never drift).
mkvar() { printf 'print:\n\t@echo $(%s)\n' "$1" |
  make --no-print-directory -s -f Makefile -f - BUILD=$B CC=clang CFLAGS="$FLAGS" print; }
CFLAGS_ALL=$(mkvar ALL_CFLAGS)
LIBS=$(mkvar PKG_LIBS)

status=0
mkdir -p tests/fuzz/crashers
for t in $TARGETS; do
  bin=$B/fuzz_$t
  # shellcheck disable=SC2086
  clang $CFLAGS_ALL -fsanitize=fuzzer -o "$bin" "tests/fuzz/fuzz_$t.c" $objs $B/sql_embed.o \
    $LIBS -fsanitize=fuzzer $SAN || { echo "fuzz: cannot link $bin"; exit 4; }
  corpus=$B/corpus/$t
  seeds=$B/seeds/$t
  mkdir -p "$corpus" "$seeds"
  if [ "$t" = ingest ]; then
    find fixtures tests/fuzz/crashers -type f ! -name '*.md' ! -name '*.py' \
      -size -256k 2>/dev/null | while read -r f; do cp "$f" "$seeds/$(echo "$f" | tr / _)"; done
    extra="-dict=tests/fuzz/ingest.dict -max_len=16384"
  else
    i=0
    for s in "24.99" "-1,50" "1.234,56" "1,234.56" "92233720368547758.07" "2024-10-09 14:28:38 UTC" \
             "13.09.2024 08:59:52 UTC" "2024-10-09T14:28:38+00:00" "2024-10-09T14:28:38.058Z" \
             "13/09/2024" "2024-10-09 14:28:38 PDT" "caf\351 \200"; do
      printf '\002%s' "$s" > "$seeds/seed-$i"; i=$((i + 1))
    done
    extra="-max_len=256"
  fi
  [ "$JOBS" -gt 1 ] && extra="$extra -fork=$JOBS"
  echo "fuzz: $t for ${SECS}s ($JOBS process(es))"
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="tests/fuzz/crashers/$t-" $extra "$corpus" "$seeds" >"$B/fuzz_$t.log" 2>&1
  st=$?
  grep -E 'stat::number_of_executed_units|stat::new_units_added|cov: ' "$B/fuzz_$t.log" | tail -n 3
  if [ $st != 0 ]; then
    echo "fuzz: $t FAILED (exit $st); see $B/fuzz_$t.log and tests/fuzz/crashers/"
    grep -E 'ERROR|runtime error|fuzz_(ingest|parse):' "$B/fuzz_$t.log" | head -n 5
    status=1
  fi
done
[ $status = 0 ] && echo "fuzz: no crashes"
exit $status
