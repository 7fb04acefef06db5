#!/bin/sh
# make demo: a period close on the shipped demo data, in dry-run mode, in build/demo/.
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB="${SETTLEBOOK_BIN:+$ROOT/$SETTLEBOOK_BIN}"; SB="${SB:-$ROOT/settlebook}"
D="$ROOT/build/demo"
rm -rf "$D" && mkdir -p "$D" && cd "$D"
echo "== settlebook init"
"$SB" init
echo "== settlebook ingest fixtures/demo/*"
"$SB" ingest "$ROOT"/fixtures/demo/*.tsv "$ROOT"/fixtures/demo/*.csv
echo "== settlebook settlements"
"$SB" settlements
echo "== settlebook close --period 2025-09 (dry run)"
set +e
"$SB" close --period 2025-09
st=$?
set -e
echo "== settlebook exceptions --period 2025-09"
"$SB" exceptions --period 2025-09 | head -n 40
echo
echo "Demo ledger, preview and workbook are in $D (exit status of close: $st;"
echo "1 means error-severity exceptions remain for review, as listed above)."
[ "$st" -le 1 ]
