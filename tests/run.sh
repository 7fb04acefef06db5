#!/bin/sh
# tests/run.sh — runs every unit binary given as arguments and every tests/e2e/*.sh, adds up
# their "N passed, N failed" lines, and ends with the total. Exit status 1 on any failure.
cd "$(dirname "$0")/.." || exit 4
total_p=0
total_f=0
mkdir -p tests/out
run_one() {
  name=$1; shift
  "$@" >"tests/out/$name.log" 2>&1
  st=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "tests/out/$name.log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "FAIL $name: no result line (exit $st)"; tail -n 20 "tests/out/$name.log"
    total_f=$((total_f + 1)); return
  fi
  p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed}
  if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  total_p=$((total_p + p)); total_f=$((total_f + f))
  if [ "$f" != 0 ]; then
    printf '%-32s %s\n' "$name" "$line"; grep -E '^FAIL' "tests/out/$name.log" | head -n 20
  else
    printf '%-32s %s\n' "$name" "$line"
  fi
}
for b in "$@"; do run_one "$(basename "$b")" "$b"; done
for t in tests/e2e/*.sh; do [ -f "$t" ] && run_one "$(basename "$t" .sh)" sh "$t"; done
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
