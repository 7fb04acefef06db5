# mappings — `settlebook mappings` lists the effective rules with what each maps; --review
# lists unmapped and wildcard-only combinations with a deterministic suggestion; --accept
# writes the rule into settlebook.json byte-preservingly (comments, order) and audits it;
# NEW_AMOUNT_TYPE fires once, on the first settlement, until accepted; the Mapping sheet
# shows reviews and accepted rules.
. "$(dirname "$0")/../lib.sh"
M="$FX/mappings"
export USER=tester
"$SB" init >/dev/null 2>&1
status "ingest" 0 "$SB" ingest "$M/mystery-s1.tsv" "$M/mystery-s2.tsv"

# The rules, with lines and amounts per currency; rules that never match.
status "mappings --json" 0 "$SB" mappings --json
cp "$T/.out" rules.json
eq "ItemFees/* maps commissions and the new fee" "$(python3 -c '
import json; d = json.load(open("rules.json"))
r = [x for x in d["rules"] if x["source"] == "built-in" and x["amount_type"] == "ItemFees" and x["amount_description"] == "*" and x["transaction_type"] == "*"][0]
print(r["account"], r["wildcard"], r["lines"], r["amounts"])')" "fees_selling True 6 [{'currency': 'USD', 'lines': 6, 'amount': -15.0}]"
eq "every line counted once" "$(python3 -c '
import json; d = json.load(open("rules.json")); print(sum(r["lines"] for r in d["rules"]))')" "11"
eq "user rule first, never matched listed" "$(python3 -c '
import json; d = json.load(open("rules.json"))
print(d["rules"][0]["source"], len(d["rules"]), len(d["never_matched"]), {"source": "settlebook.json", "index": 1} in d["never_matched"])')" "settlebook.json 73 69 True"
status "mappings text" 0 "$SB" mappings
contains "text rule" "$T/.out" "built-in          1  *                            ItemPrice            Principal                        -> sales (200), tax sales, Sales"
contains "text amounts" "$T/.out" "6 lines, -15.00 USD"
contains "text never matched" "$T/.out" "Never matched a ledger line (69): u1 2 3 5 6"

# The review list: the new fee (wildcard) and the unmapped credit, with suggestions.
status "review --json" 0 "$SB" mappings --review --json
cp "$T/.out" review.json
eq "two reviews" "$(python3 -c '
import json; d = json.load(open("review.json"))
for r in d["reviews"]: print(r["transaction_type"], r["amount_description"], r["status"], r["lines"], r["sum"], r["currency"], r["suggestion"], r["confidence"])')" "Order NewMysteryFee2026 wildcard 3 -3.75 USD {'account': 'fees_selling', 'tax': 'fees', 'category': 'Selling fees'} 0.5
other-transaction Amazon Growth Credit unmapped 1 7.0 USD {'account': 'reimbursements', 'tax': 'none', 'category': 'Reimbursements'} 0.2"
eq "explanation" "$(python3 -c '
import json; print(json.load(open("review.json"))["reviews"][0]["explanation"])')" "Resembles Order / ItemFees / Commission (same amount type ItemFees, same transaction type Order, both negative), whose 3 lines went to fees_selling (Selling fees)."
KEY=$(python3 -c 'import json; print(json.load(open("review.json"))["reviews"][0]["key"])')
KEY2=$(python3 -c 'import json; print(json.load(open("review.json"))["reviews"][1]["key"])')
TZ=Asia/Tokyo LC_ALL=C.UTF-8 "$SB" mappings --review --json > review2.json 2>/dev/null
check "review is deterministic (other zone, locale)" cmp review.json review2.json
status "review text" 0 "$SB" mappings --review
contains "review text key" "$T/.out" "$KEY  Order / ItemFees / NewMysteryFee2026 (Amazon.com): 3 lines, -3.75 USD"
contains "review text now" "$T/.out" "    now: built-in rule 20 (* / ItemFees / *) -> fees_selling"

# NEW_AMOUNT_TYPE: once, on the first settlement carrying the combination.
status "reconcile" 1 "$SB" reconcile
eq "one NEW_AMOUNT_TYPE on 5550001" "$(q "select settlement_id||' '||severity||' '||actual_minor from exception where kind='NEW_AMOUNT_TYPE'")" "5550001 warning -250"
contains "names where it went" "$T/.out" "  warning  NEW_AMOUNT_TYPE            1"
eq "explanation names the account" "$(q "select explanation like '%NewMysteryFee2026 (Amazon.com)%posted to fees_selling (account 429%' from exception where kind='NEW_AMOUNT_TYPE'")" "1"
eq "action names the key" "$(q "select action like '%--accept $KEY %' from exception where kind='NEW_AMOUNT_TYPE'")" "1"
status "reconcile rerun writes nothing" 1 "$SB" reconcile
contains "unchanged" "$T/.out" "(unchanged)"
status "reconcile of the later month only" 1 "$SB" reconcile --period 2025-09
eq "still one" "$(q "select count(*) from exception where kind='NEW_AMOUNT_TYPE'")" "1"

# Accept: the rule is inserted, every other byte of settlebook.json stays.
cp settlebook.json before.json
AUDIT0=$(q "select count(*) from audit_log")
status "accept" 0 "$SB" mappings --accept "$KEY"
contains "accept says" "$T/.out" "Order / ItemFees / NewMysteryFee2026 now maps to fees_selling (tax fees, category Selling fees)"
eq "only an insertion" "$(python3 - <<'PY'
a = open("before.json").read(); b = open("settlebook.json").read()
i = 0
while a[i] == b[i]: i += 1
j = len(a)
print(b[:i] == a[:i] and b.endswith(a[i:]) and len(b) > len(a), a.count('"//"') + 1 == b.count('"//"'))
PY
)" "True True"
eq "rule in config" "$(python3 -c '
import json; r = json.load(open("settlebook.json"))["mappings"][-1]
print(r["transaction_type"], r["amount_type"], r["amount_description"], r["account"], r["tax"], r["category"])')" "Order ItemFees NewMysteryFee2026 fees_selling fees Selling fees"
eq "audited" "$(q "select count(*) from audit_log")" "$((AUDIT0 + 1))"
eq "audit detail" "$(q "select json_extract(detail, '\$.key')||' '||json_extract(detail, '\$.by')||' '||json_extract(detail, '\$.data_to')||' '||json_extract(detail, '\$.account') from audit_log where event='mapping accept'")" "$KEY tester 2025-09-28 fees_selling"
status "audit chain" 0 "$SB" audit verify
status "review after accept" 0 "$SB" mappings --review --json
eq "review entry gone" "$(python3 -c 'import json,sys; print([r["key"] for r in json.load(open(sys.argv[1]))["reviews"]])' "$T/.out")" "['$KEY2']"
status "reconcile after accept" 1 "$SB" reconcile
eq "NEW_AMOUNT_TYPE gone" "$(q "select count(*) from exception where kind='NEW_AMOUNT_TYPE'")" "0"
status "accept again" 2 "$SB" mappings --accept "$KEY"
contains "no such review" "$T/.err" "no combination under review has key '$KEY'"

# Another account than suggested: tax and category follow the role.
status "accept with --account" 0 "$SB" mappings --accept "$KEY2" --account fees_other
eq "second rule" "$(python3 -c '
import json; r = json.load(open("settlebook.json"))["mappings"][-1]
print(r["amount_description"], r["account"], r["tax"], r["category"])')" "Amazon Growth Credit fees_other fees Other fees"
status "UNMAPPED cleared" 0 "$SB" reconcile
eq "no UNMAPPED" "$(q "select count(*) from exception where kind='UNMAPPED'")" "0"

# Bad usage changes nothing.
AUDIT1=$(q "select count(*) from audit_log")
cp settlebook.json before2.json
status "unknown role" 2 "$SB" mappings --accept "$KEY" --account not_a_role
status "--account without --accept" 2 "$SB" mappings --account sales
status "unknown option" 2 "$SB" mappings --frobnicate
status "help" 0 "$SB" mappings --help
check "config untouched" cmp before2.json settlebook.json
eq "no audit entry" "$(q "select count(*) from audit_log")" "$AUDIT1"

# Known kinds are never listed, even when a wildcard rule wins: a description some matching
# rule names literally (Payable to Amazon), or one of Amazon's known ones (MiscFee).
rm -f settlebook.db && "$SB" init >/dev/null 2>&1
status "ingest known kinds" 0 "$SB" ingest "$M/known-s3.tsv"
status "review of known kinds" 0 "$SB" mappings --review --json
eq "nothing to review" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reviews"])' "$T/.out")" "[]"
"$SB" reconcile >/dev/null 2>&1
eq "no NEW_AMOUNT_TYPE" "$(q "select count(*) from exception where kind='NEW_AMOUNT_TYPE'")" "0"

# A hand-written config: several "//" keys in one object, no "mappings" key. The rule array
# is added at the end; nothing else moves. A missing config is refused, ledger unchanged.
rm -f settlebook.db && "$SB" init >/dev/null 2>&1 && rm settlebook.json
"$SB" ingest "$M/mystery-s1.tsv" >/dev/null 2>&1
printf '{\n  "//": "first comment",\n  "base_currency": "USD",\n  "//": "second comment",\n  "posting": { "//": "a", "mode": "summary", "//": "b" }\n}\n' > hand.json
cp hand.json hand0.json
AUDIT2=$(q "select count(*) from audit_log")
status "accept without a config" 2 "$SB" mappings --accept "$KEY"
eq "ledger unchanged" "$(q "select count(*) from audit_log")" "$AUDIT2"
status "accept into hand-written config" 0 "$SB" --config hand.json mappings --accept "$KEY"
eq "hand config keeps its comments" "$(python3 - <<'PY'
a = open("hand0.json").read(); b = open("hand.json").read()
cut = a.rstrip().rfind("}")
print(b.startswith(a[:cut].rstrip()), b.count('"//"') == a.count('"//"') + 1, b.endswith("\n}\n"))
import json; print(json.loads(b)["mappings"][0]["amount_description"])
PY
)" "True True True
NewMysteryFee2026"

# The Mapping sheet: hit counts, reviews with suggestions, accepted rules with who and when.
status "report" 0 "$SB" --config hand.json report --period 2025-09 -o a.xlsx
"$SB" --config hand.json report --period 2025-09 -o b.xlsx >/dev/null 2>&1
check "workbook deterministic" cmp a.xlsx b.xlsx
eq "Mapping sheet rows" "$(python3 - <<'PY'
import openpyxl
ws = openpyxl.load_workbook("a.xlsx")["Mapping"]
rows = list(ws.iter_rows(values_only=True))
h = rows[0]
for r in rows[1:]:
    d = dict(zip(h, r))
    if d["Source"] in ("REVIEW", "UNMAPPED", "ACCEPTED"):
        print(d["Source"], d["Amount description"], d["Lines matched"], d["Suggestion"], d["Confidence"], d["Note"][:40] if d["Source"] != "ACCEPTED" else d["Note"])
    if d["Source"] == "settlebook.json":
        print("user", d["Amount description"], d["Lines matched"])
PY
)" "user NewMysteryFee2026 2
UNMAPPED Amazon Growth Credit 1 reimbursements, tax none, Reimbursements 0.2 1 line, 7.00 USD. Nothing the ledger kno
ACCEPTED NewMysteryFee2026 None suggested fees_selling None accepted by tester in audit entry 2 (run 2), when the ledger's data ran to 2025-09-14"
# An empty "mappings": [] gets the rule on its own line; the bracket stays where it was.
printf '{ "base_currency": "USD", "mappings": [ ], "//": "after" }\n' > empty.json
status "accept into an empty array" 0 "$SB" --config empty.json mappings --accept "$KEY"
eq "empty array filled" "$(python3 - <<'PY'
import json
b = open("empty.json").read()
print(b.startswith('{ "base_currency": "USD", "mappings": [\n    {"//": "accepted review'), b.endswith('}\n   ], "//": "after" }\n'),
      [r["amount_description"] for r in json.loads(b)["mappings"]])
PY
)" "True True ['NewMysteryFee2026']"

finish
