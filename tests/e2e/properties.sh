# properties — the accounting invariants hold over 210 synthetic sellers: every journal
# balances and the ledger refuses one that does not, month parts carry forward to exactly the
# settlement total, every settlement line lands in exactly one journal line (checked against
# an independent reading of the mapping rules), and the preview of every posting mode carries
# exactly the journals (tests/invariants.py). Seeds mix locales (us/eu/uk), formats (v2/v1),
# sizes (3..400 lines), posting modes, statuses, SKU grouping, tracking, tax types and time
# zones; every seventh ledger holds a second settlement in another currency.
. "$(dirname "$0")/../lib.sh"
INV="$ROOT/tests/invariants.py"
SEEDS=${SEEDS:-210}

# Twelve configurations: three modes x four variants, written once.
mkdir -p tmpl && (cd tmpl && "$SB" init >/dev/null 2>&1)
python3 - tmpl <<'EOF'
import json, sys
d = sys.argv[1]
base = json.load(open(d + "/settlebook.json"))
variants = [
    dict(status="AUTHORISED", group_by_sku=False, timezone="UTC"),
    dict(status="DRAFT", group_by_sku=True, timezone="America/Los_Angeles"),
    dict(status="AUTHORISED", group_by_sku=True, timezone="Asia/Kolkata", tracking=1),
    dict(status="AUTHORISED", group_by_sku=False, timezone="Pacific/Auckland", taxed=1),
]
for mode in ("summary", "orders", "journal"):
    for k, v in enumerate(variants):
        c = json.loads(json.dumps(base))
        c["posting"].update(mode=mode, status=v["status"], group_by_sku=v["group_by_sku"],
                            timezone=v["timezone"])
        m = c["marketplaces"]
        if v.get("tracking"):
            for name in ("Amazon.com", "Amazon.de", "Amazon.co.uk"):
                m[name]["tracking"] = {"name": "Channel", "option": name}
        if v.get("taxed"):
            m["Amazon.de"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2", "none": "NONE"}
            m["Amazon.co.uk"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2", "none": "NONE"}
        json.dump(c, open("%s/%s-%d.json" % (d, mode, k), "w"), indent=2)
EOF

# seed N: one ledger in s/N (synth, ingest, post); prints nothing unless something fails.
one_seed() {
  n=$1
  dir="$T/s/$n"
  mkdir -p "$dir" && cd "$dir" || return
  # independent choices: mode n%3, locale (n/3)%3, format (n/9)%3, variant n%4, size (n/2)%9
  set -- summary orders journal
  i=$((n % 3 + 1)); eval "mode=\${$i}"
  set -- us eu uk
  i=$((n / 3 % 3 + 1)); eval "locale=\${$i}"
  set -- v2 v2 v1
  i=$((n / 9 % 3 + 1)); eval "format=\${$i}"
  set -- 3 5 12 30 50 90 160 250 400
  i=$((n / 2 % 9 + 1)); eval "rows=\${$i}"
  cp "$T/tmpl/settlebook.db" .
  cp "$T/tmpl/$mode-$((n % 4)).json" settlebook.json
  "$SB" synth --rows "$rows" --seed "$n" --locale "$locale" --format "$format" -o a.tsv \
    --orders o.tsv --bank b.csv 2>>log || echo "FAIL seed $n: synth"
  files="a.tsv o.tsv b.csv"
  if [ $((n % 7)) = 0 ]; then
    "$SB" synth --rows 60 --seed $((n + 100000)) --locale uk -o c.tsv 2>>log
    files="$files c.tsv"
  fi
  # shellcheck disable=SC2086
  "$SB" ingest $files >>log 2>&1 || echo "FAIL seed $n: ingest exit $?"
  "$SB" post --quiet >>log 2>&1 || echo "FAIL seed $n: post exit $?"
}

start=$(date +%s)
worker() {
  w=$1
  n=$((1 + w))
  while [ "$n" -le "$SEEDS" ]; do
    (one_seed "$n")
    n=$((n + 2))
  done
}
worker 0 >w0.out &
worker 1 >w1.out
wait
cat w0.out w1.out >seeds.out
eq "every seed synthesised, ingested and posted" "$(grep -c '^FAIL' seeds.out)" "0"
head -n 5 seeds.out

# Regression: a fee line from another marketplace ("Non-Amazon US", an MCF order) in an
# Amazon.de settlement takes Amazon.de's tax type and tracking in every mode, as in the
# journal (orders mode once used the first configured marketplace's).
for mode in summary orders journal; do
  dir="$T/s/mcf-$mode"
  mkdir -p "$dir"
  cp tmpl/settlebook.db "$dir/"
  cp "tmpl/$mode-2.json" "$dir/settlebook.json"
  python3 - "$dir/settlebook.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["marketplaces"]["Amazon.de"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2", "none": "NONE"}
json.dump(c, open(sys.argv[1], "w"), indent=2)
EOF
  sed 's/Amazon\.com/Amazon.de/g' "$FX/settlements/v2-us.tsv" >"$dir/de.tsv"
  (cd "$dir" && "$SB" ingest de.tsv >log 2>&1 && "$SB" post --quiet >>log 2>&1)
  eq "mcf $mode: post exits 0" "$?" "0"
done

python3 "$INV" s/* >invariants.out 2>&1
eq "invariants hold on every ledger" "$?" "0"
grep '^FAIL' invariants.out | head -n 20
tail -n 1 invariants.out
check "all $SEEDS seeds checked" grep -q "$((SEEDS + 3)) ledgers" invariants.out
num() { sed -n "s/.* \([0-9]*\) $1[,].*/\1/p" invariants.out; }
check "orders documents settled on many seeds" test "$(num orders_settled)" -ge 40
check "many settlements split across months" test "$(num month_split)" -ge 150
check "negative settlements among them" test "$(num negative)" -ge 5

# The checker must see what it claims to: plant one fault of each kind in copies.
plant() { # NAME SEED-DIR SQL-OR-EMPTY [PYTHON-ON-PREVIEW]
  rm -rf "planted/$1" && mkdir -p "planted/$1" && cp -r "s/$2/." "planted/$1/"
  [ -n "$3" ] && sqlite3 "planted/$1/settlebook.db" "$3"
  if [ -n "${4:-}" ]; then
    python3 - "planted/$1" "$4" <<'EOF'
import glob, json, sys
d, code = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob(d + "/reports/*/xero-preview.json")):
    pv = json.load(open(f))
    try:
        exec(code)
    except (IndexError, KeyError):
        continue
    json.dump(pv, open(f, "w"), indent=2)
    break
EOF
  fi
}
# in the first AUTHORISED ledger of each mode with a deposit, an invoice, a manual journal
set -- $(python3 - s <<'EOF'
import glob, json, os, sys
pick = {}
need = {"summary": "/Payments", "orders": "/Invoices", "journal": "/ManualJournals"}
for d in sorted(glob.glob(sys.argv[1] + "/[0-9]*"), key=lambda d: int(os.path.basename(d))):
    c = json.load(open(d + "/settlebook.json"))["posting"]
    paths = {r["path"] for f in glob.glob(d + "/reports/*/xero-preview.json")
             for r in json.load(open(f))["requests"]}
    if c["status"] == "AUTHORISED" and need[c["mode"]] in paths:
        pick.setdefault(c["mode"], os.path.basename(d))
print(pick.get("summary", "none"), pick.get("orders", "none"), pick.get("journal", "none"))
EOF
) none none none
sum=$1 ord=$2 jnl=$3
check "ledgers to plant faults in" test "$sum$ord$jnl" = "${sum#none}${ord#none}${jnl#none}"
plant raw-line "$sum" "UPDATE settlement_line SET amount_minor = amount_minor + 1 WHERE id = (SELECT MAX(id) FROM settlement_line)"
plant unbalanced "$sum" "DROP TRIGGER journal_line_frozen_upd; UPDATE journal_line SET amount_minor = amount_minor + 5 WHERE id = (SELECT MIN(id) FROM journal_line WHERE role != 'clearing')"
plant no-clearing "$jnl" "DROP TRIGGER journal_line_frozen_upd; UPDATE journal_line SET role = 'code' WHERE role = 'clearing'"
plant deposit "$sum" "" '[r for r in pv["requests"] if r["path"] == "/Payments"][-1]["body"]["Payments"][0]["Amount"] = 1'
plant orders-line "$ord" "" '[r for r in pv["requests"] if r["path"] == "/Invoices"][0]["body"]["Invoices"][0]["LineItems"][0]["AccountCode"] = "260"'
plant journal-line "$jnl" "" 'pv["requests"][0]["body"]["ManualJournals"][0]["JournalLines"][0]["TaxType"] = "OUTPUT2"'
python3 "$INV" planted/* >planted.out 2>&1
eq "planted faults fail the checker" "$?" "1"
for want in "planted/raw-line: settlement" "journal differs from the mapped lines" \
    "planted/unbalanced: settlement" "lines sum to 5" "the ledger allowed changing a line" \
    "planted/no-clearing: settlement" "clearing [], lines sum" "planted/deposit: " \
    "planted/orders-line: settlement" "documents differ from journals" \
    "planted/journal-line: AMZ-"; do
  contains "planted: $want" planted.out "$want"
done
echo "properties: $(($(date +%s) - start)) s for $SEEDS seeds"
finish
