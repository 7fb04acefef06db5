# fuzz_replay — every fuzz target (tests/fuzz/fuzz_<target>.c) replays its committed seed
# corpus (tests/fuzz/corpus/<target>/: every fixture and public sample, every bad input
# bad_input.sh derives, and every crasher `make fuzz` ever found, kept once fixed). The
# targets are built here with the Makefile's compiler, flags and library objects and a plain
# main() (tests/fuzz/replay_main.c), so no libFuzzer is needed; under `make asan` they carry
# the sanitizers too. Each target must run exactly as many inputs as its corpus holds files,
# without a crash, a broken invariant (the targets abort) or a sanitizer report. Then the
# ingest corpus goes through the real binary: accepted (0), flagged (1) or refused (2) with
# "FILE:...", never anything else. Adding a target is adding its .c file and its corpus
# folder: both lists are read from the tree.
. "$(dirname "$0")/../lib.sh"
FZ="$ROOT/tests/fuzz"
C="$FZ/corpus"

# A variable of the Makefile, as `make test` (or `make asan`, whose BUILD, CC and CFLAGS reach
# us through MAKEFLAGS) sees it.
mkvar() { printf 'print:\n\t@echo $(%s)\n' "$1" |
  make --no-print-directory -s -C "$ROOT" -f Makefile -f - print 2>/dev/null; }
CC_=$(mkvar CC)
CFLAGS_=$(mkvar TEST_CFLAGS)
OBJS_=$(mkvar OBJS)
LIBS_=$(mkvar PKG_LIBS)
LDFLAGS_=$(mkvar LDFLAGS)
check "the Makefile names the library objects" test -n "$OBJS_"
missing=""
for o in $OBJS_; do [ -f "$ROOT/$o" ] || missing="$missing $o"; done
eq "the library objects are built (make)" "$missing" ""

targets=""
for src in "$FZ"/fuzz_*.c; do
  [ -f "$src" ] || continue
  t=${src##*/fuzz_}; t=${t%.c}
  targets="$targets $t"
done
check "there are fuzz targets" test -n "$targets"
for d in "$C"/*/; do
  t=$(basename "$d")
  check "corpus $t has its target tests/fuzz/fuzz_$t.c" test -f "$FZ/fuzz_$t.c"
done

for t in $targets; do
  n=$(find "$C/$t" -type f 2>/dev/null | wc -l)
  check "$t: a corpus with files in tests/fuzz/corpus/$t" test "$n" -gt 0
  # shellcheck disable=SC2086
  if (cd "$ROOT" && $CC_ $CFLAGS_ -o "$T/replay_$t" tests/fuzz/replay_main.c \
        "tests/fuzz/fuzz_$t.c" $OBJS_ $LIBS_ $LDFLAGS_) >"$T/build_$t.log" 2>&1; then
    ok
  else
    bad "$t: cannot build the replay driver: $(tail -c 600 "$T/build_$t.log")"
    continue
  fi
  "$T/replay_$t" "$C/$t"/* >"$T/replay_$t.out" 2>"$T/replay_$t.err"
  st=$?
  last=$(grep '^replay: ' "$T/replay_$t.err" | tail -n 1)
  eq "$t: replay exits 0 (last input: ${last#replay: })" "$st" "0"
  eq "$t: inputs run = files in the corpus" \
    "$(sed -n 's/^replayed \([0-9]*\) input(s)$/\1/p' "$T/replay_$t.out")" "$n"
  if grep -q 'Sanitizer\|runtime error\|^fuzz_' "$T/replay_$t.err"; then
    bad "$t: $(grep -m 3 'Sanitizer\|runtime error\|^fuzz_' "$T/replay_$t.err")"; else ok; fi
  echo "replayed $n input(s) through $t"
done

# The ingest corpus holds every fixture (refreshed by tests/fuzz/seed_corpus.sh).
(cd "$C/ingest" && sha256sum -- * | cut -c1-64 | sort -u) >corpus.sums
absent=""
for f in $(cd "$FX" && find . -type f ! -name '*.md' ! -name '*.py' ! -name SHA256SUMS -size -256k | sort); do
  grep -qx "$(sha256sum <"$FX/$f" | cut -c1-64)" corpus.sums || absent="$absent ${f#./}"
done
eq "every fixture is in the ingest corpus (else: sh tests/fuzz/seed_corpus.sh)" "$absent" ""

# The same inputs through the real binary, one at a time and all at once.
"$SB" init >/dev/null 2>&1
n=0
for f in "$C"/ingest/*; do
  n=$((n + 1))
  name=$(basename "$f")
  "$SB" ingest "$f" >"$T/.out" 2>"$T/.err"; s=$?
  case $s in
    0|1|2) ok ;;
    *) bad "$name: exit $s: $(head -c 400 "$T/.err")" ;;
  esac
  if grep -q 'Sanitizer\|runtime error' "$T/.err"; then
    bad "$name: sanitizer report: $(head -c 400 "$T/.err")"; else ok; fi
  # a file refused must say where: FILE:LINE[:COL] (or FILE: for unreadable files)
  if [ $s = 2 ]; then contains "$name: error names the file" "$T/.err" "$f:"; fi
done
eq "settlebook ingested every file of the ingest corpus" "$n" "$(find "$C/ingest" -type f | wc -l)"
"$SB" ingest "$C"/ingest/* >"$T/.out" 2>"$T/.err"; s=$?
case $s in 0|1|2) ok ;; *) bad "batch: exit $s: $(head -c 400 "$T/.err")" ;; esac
status "audit chain verifies" 0 "$SB" audit verify
finish
