# fee_stream — the fee check's memory stays flat as the history grows (README, Fee anomalies):
# the samples live in SQLite temp tables and come back one SKU fee group at a time, a group
# larger than a page is read a page at a time with its medians sorted by SQLite, and a
# settlement is read one order at a time. SETTLEBOOK_RECONCILE_FEE_PAGE (a test hook) makes
# pages tiny, so fixtures/fees runs the paged path: the same exceptions byte for byte, and
# never more than two pages of samples held. An order whose lines are apart in the file is
# read again sorted by order, with the same result as when they are together.
. "$(dirname "$0")/../lib.sh"
F="$FX/fees"
rows() { sqlite3 "$1/settlebook.db" "select kind, severity, settlement_id, order_id, sku, currency, expected_minor, actual_minor, difference_minor, explanation, action from exception where kind like 'FEE%' order by id"; }
ledger() { # DIR [ENV=VALUE]: a ledger of fees-s1 and fees-s2 (or FILE2), reconciled verbosely
  d=$1; shift; mkdir "$d" && (cd "$d" && "$SB" init >/dev/null 2>&1 &&
    "$SB" ingest "$F/fees-s1.tsv" "${FILE2:-$F/fees-s2.tsv}" >/dev/null 2>&1 &&
    env "$@" "$SB" -v reconcile >/dev/null 2>verbose.log)
}

ledger one X=1
eq "in memory: the planted anomaly and step" "$(rows one | cut -d'|' -f1,5)" "FEE_ANOMALY|SKU-STABLE
FEE_CHANGED|SKU-STEP"
contains "in memory: a group fits in a page" one/verbose.log \
  "fees: held at most 12 samples (pages of 16384) and 2 fee lines"
for p in 1 2 5; do
  ledger "page$p" SETTLEBOOK_RECONCILE_FEE_PAGE=$p
  eq "pages of $p: the same rows, byte for byte" "$(rows "page$p")" "$(rows one)"
  contains "pages of $p: at most two pages held" "page$p/verbose.log" \
    "fees: held at most $((2 * p)) samples (pages of $p)"
done

# The price line (with the quantity) of the anomalous order moved to the end of the file:
# the order's lines are apart, so reading order alone would see its fees without a quantity.
python3 - "$F/fees-s2.tsv" apart.tsv <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
k = next(i for i, l in enumerate(lines) if "114-0000019-0000019" in l and "\tPrincipal\t" in l)
moved = lines.pop(k)
lines[-1] = lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n"
open(sys.argv[2], "w").write("".join(lines) + moved)
PY
FILE2=$T/apart.tsv ledger apart X=1
contains "apart: read again sorted" apart/verbose.log \
  "fees: settlement 3002: an order's lines are apart (or more than 524288 orders), read again sorted by order"
eq "apart: the same rows as together" "$(rows apart)" "$(rows one)"
contains "apart: the same samples" apart/verbose.log \
  "$(grep -o 'fees: [0-9]* samples of [0-9]* SKU fee types' one/verbose.log)"
finish
