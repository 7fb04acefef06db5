# fuzz_replay — every input the fuzzers ever crashed on (tests/fuzz/crashers/, kept once
# fixed) is ingested again: it may be accepted (0), flagged (1) or refused (2), never crash.
. "$(dirname "$0")/../lib.sh"
"$SB" init >/dev/null 2>&1
n=0
for f in "$ROOT"/tests/fuzz/crashers/*; do
  [ -f "$f" ] || continue
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
# and all of them at once, in one transaction
if [ $n -gt 0 ]; then
  "$SB" ingest "$ROOT"/tests/fuzz/crashers/* >"$T/.out" 2>"$T/.err"; s=$?
  case $s in 0|1|2) ok ;; *) bad "batch: exit $s: $(head -c 400 "$T/.err")" ;; esac
fi
status "audit chain verifies" 0 "$SB" audit verify
echo "replayed $n crasher(s)"
finish
