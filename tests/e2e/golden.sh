# golden — the dry-run preview of a few small, hand-checked settlements in each posting mode
# is byte-identical to tests/golden/<name>.<mode>.<period>.json (one file per month the
# settlement touches). After an intended change to the rendering, review and rewrite them with
#   UPDATE_GOLDEN=1 sh tests/e2e/golden.sh
# and read the diff before committing it.
. "$(dirname "$0")/../lib.sh"
G="$ROOT/tests/golden"

# golden_config NAME: the fixture's own settings over the default settlebook.json
golden_config() {
  python3 - "$1" <<'EOF'
import json, sys
c = json.load(open("settlebook.json"))
if sys.argv[1] == "ca-chain":
    c["base_currency"] = "CAD"
if sys.argv[1] == "uk-vat":
    c["base_currency"] = "GBP"
    c["marketplaces"]["Amazon.co.uk"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2",
                                                "none": "NONE"}
    c["marketplaces"]["Amazon.co.uk"]["vat_rate"] = 20
json.dump(c, open("settlebook.json", "w"), indent=1)
EOF
}

# name and inputs: a V2 settlement crossing a month end (Sep/Oct) with the bank statement
# showing its payout, a negative one, an EU one (decimal commas, EUR), Amazon's public V1
# sample (negative, CAD), that sample between the negative settlement before it and the one
# collecting it ("Payable to Amazon"), and a UK settlement with VAT folded (OUTPUT2).
set -- us-month-crossing "$FX/settlements/v2-us.tsv $FX/bank/statement-golden-us.csv" \
       negative "$FX/settlements/v2-negative.tsv" \
       eu-eur "$FX/settlements/v2-de-eur.tsv" \
       v1-ca-sample "$SAMPLES/settlement-v1-ca-negative.txt" \
       ca-chain "$FX/settlements/v1-ca-chain-before.tsv $SAMPLES/settlement-v1-ca-negative.txt $FX/settlements/v1-ca-chain-after.tsv" \
       uk-vat "$FX/settlements/v2-uk-vat.tsv"
while [ $# -ge 2 ]; do
  name=$1 file=$2
  shift 2
  for mode in summary orders journal; do
    dir="$T/$name.$mode"
    mkdir -p "$dir"
    (cd "$dir" && "$SB" init >/dev/null 2>&1 &&
     sed "s/\"mode\": \"summary\"/\"mode\": \"$mode\"/" settlebook.json >c.json &&
     mv c.json settlebook.json && golden_config "$name" && "$SB" ingest $file >/dev/null 2>&1 &&
     "$SB" post >post.out 2>post.err)
    eq "$name $mode: post exits 0" "$?" "0"
    n=0
    for p in "$dir"/reports/*/xero-preview.json; do
      [ -f "$p" ] || continue
      n=$((n + 1))
      period=$(basename "$(dirname "$p")")
      want="$G/$name.$mode.$period.json"
      if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        mkdir -p "$G" && cp "$p" "$want"
      fi
      if cmp -s "$p" "$want"; then
        ok
      else
        bad "$name $mode $period: preview differs from tests/golden/$(basename "$want")"
        diff -u "$want" "$p" 2>&1 | head -n 30
      fi
    done
    check "$name $mode: a preview was written" test "$n" -gt 0
    # every golden file of this fixture and mode was produced again (none went missing)
    for want in "$G/$name.$mode".*.json; do
      [ -f "$want" ] || continue
      period=${want#"$G/$name.$mode."}
      period=${period%.json}
      check "$name $mode: $period still rendered" test -f "$dir/reports/$period/xero-preview.json"
    done
  done
done
finish
