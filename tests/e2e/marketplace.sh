#!/bin/sh
# marketplace — a settlement from a marketplace settlebook.json does not list is an error
# (MARKETPLACE_UNCONFIGURED) that holds it back, instead of borrowing the first listed
# marketplace's contact and tax types; listing the marketplace clears it.
. "$(dirname "$0")/../lib.sh"
F="$FX/settlements/v2-jp-jpy.tsv"
P=$(sed -n 2p "$F" | cut -f3 | cut -c1-7)   # the month of its final part
check "init" "$SB" init
check "ingest the Amazon.co.jp settlement" "$SB" ingest "$F"
status "close: an error remains" 1 "$SB" close --period "$P"
eq "MARKETPLACE_UNCONFIGURED raised" "$(q "select kind||' '||severity||' '||settlement_id from exception where kind = 'MARKETPLACE_UNCONFIGURED'")" "MARKETPLACE_UNCONFIGURED error 19191919191"
contains "the preview holds it back" "reports/$P/xero-preview.json" '"blocked": "MARKETPLACE_UNCONFIGURED: '
python3 - <<'PY'
import json
c = json.load(open("settlebook.json"))
c["marketplaces"]["Amazon.co.jp"] = {"contact": "Amazon.co.jp", "tax": {"sales": "NONE", "fees": "NONE", "none": "NONE"}}
json.dump(c, open("settlebook.json", "w"), indent=1)
PY
status "close once the marketplace is listed" 0 "$SB" close --period "$P"
eq "the exception is gone" "$(q "select count(*) from exception where kind = 'MARKETPLACE_UNCONFIGURED'")" "0"
eq "the invoice goes to its own contact" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted({r["body"]["Invoices"][0]["Contact"]["Name"] for r in d["requests"] if r["path"].endswith("/Invoices")}))' "reports/$P/xero-preview.json")" "['Amazon.co.jp']"
finish
