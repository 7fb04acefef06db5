# contract — every request body of every posting mode, on every settlement fixture, validates
# against Xero's OpenAPI spec (tests/xero_contract.py: strict schemas, no unknown or readOnly
# property, declared query parameters, money decimals, unique idempotency keys).
. "$(dirname "$0")/../lib.sh"
CONTRACT="$ROOT/tests/xero_contract.py"
SPEC="$ROOT/tests/spec/xero/xero_accounting.yaml"
eq "the Xero spec is the copy SOURCE.md names" "$(sha256sum <"$SPEC" | cut -c1-64)" \
  "$(sed -n 's/^| xero_accounting.yaml |.*| \([0-9a-f]\{64\}\) |$/\1/p' "$ROOT/tests/spec/xero/SOURCE.md")"

# One ledger holds every input; each configuration posts from its own copy of it.
mkdir -p in base
for s in 1 2 3; do
  "$SB" synth --rows 400 --seed "$s" -o "in/us$s.tsv" --orders "in/us$s-orders.tsv" \
    --bank "in/us$s-bank.csv" 2>/dev/null
done
"$SB" synth --rows 400 --seed 11 --locale eu -o in/eu11.tsv --orders in/eu11-orders.tsv 2>/dev/null
"$SB" synth --rows 400 --seed 12 --locale uk -o in/uk12.tsv --orders in/uk12-orders.tsv 2>/dev/null
"$SB" synth --rows 400 --seed 13 --format v1 -o in/v1-13.tsv 2>/dev/null
"$SB" synth --rows 400 --seed 14 --format v1 --locale uk -o in/v1-uk14.tsv 2>/dev/null
"$SB" synth --rows 60 --seed 15 --locale eu -o in/eu15.tsv 2>/dev/null
(cd base && "$SB" init >/dev/null 2>&1)
n_files=0
# v2-replace-a.tsv is a truncated download of v2-replace-b.tsv's settlement: take the full one.
for f in "$FX"/settlements/* "$FX"/reconcile/* "$FX"/report/* "$SAMPLES"/settlement-*.t* \
         "$T"/in/*; do
  [ -f "$f" ] || continue
  case $f in *v2-replace-a.tsv|*.md|*.py|*.json) continue ;; esac
  n_files=$((n_files + 1))
  (cd base && "$SB" ingest "$f" >/dev/null 2>&1)
done
n_settle=$(sqlite3 base/settlebook.db "select count(*) from settlement")
check "at least 35 settlements ingested (got $n_settle from $n_files files)" test "$n_settle" -ge 35

# variant NAME MODE STATUS GROUP_BY_SKU TRACKING(0/1) TAXED(0/1)
variant() {
  mkdir -p "$1" && cp base/settlebook.db base/settlebook.json "$1/"
  # an organisation that has an Item per SKU, as the preflight caches GET /Items: orders-mode
  # invoices name ItemCode only for items Xero has (or settlebook creates)
  [ "$1" = orders ] && sqlite3 "$1/settlebook.db" "insert or ignore into xero_ref(kind, key, status, detail) select distinct 'item', sku, 'ACTIVE', '' from settlement_line where coalesce(sku, '') != '' and length(sku) <= 30"
  python3 - "$1/settlebook.json" "$2" "$3" "$4" "$5" "$6" <<'EOF'
import json, sys
path, mode, status, sku, tracking, taxed = sys.argv[1:]
c = json.load(open(path))
c["posting"].update(mode=mode, status=status, group_by_sku=(sku == "true"))
m = c["marketplaces"]
if tracking == "1":
    m["Amazon.com"]["tracking"] = {"name": "Sales Channel", "option": "Amazon US"}
    m["Amazon.de"]["tracking"] = {"name": "Sales Channel", "option": "Amazon DE"}
if taxed == "1":
    m["Amazon.co.uk"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2", "none": "NONE"}
    m["Amazon.de"]["tax"] = {"sales": "OUTPUT2", "fees": "INPUT2", "none": "NONE"}
json.dump(c, open(path, "w"), indent=2)
EOF
  (cd "$1" && "$SB" post >post.out 2>post.err)
  st=$?
  eq "post in $1 exits 0" "$st" "0"
  [ "$st" = 0 ] || head -c 400 "$1/post.err"
}
variant summary       summary AUTHORISED false 0 0
variant summary-draft summary DRAFT      true  1 1
variant orders        orders  AUTHORISED false 1 1
variant orders-draft  orders  DRAFT      true  0 0
variant journal       journal AUTHORISED true  1 1
variant journal-draft journal DRAFT      false 0 0

ls */reports/*/xero-preview.json >previews.txt 2>/dev/null
check "previews written for every variant" test "$(cut -d/ -f1 previews.txt | sort -u | wc -l)" = 6
python3 "$CONTRACT" $(cat previews.txt) >contract.out 2>&1
st=$?
eq "every request satisfies Xero's spec" "$st" "0"
[ "$st" = 0 ] || head -n 40 contract.out
tail -n 1 contract.out

# The fixtures must exercise what the renderers can produce, or the check above proves little.
python3 - $(cat previews.txt) >coverage.out <<'EOF'
import json, sys
seen = set()
for f in sys.argv[1:]:
    mode = json.load(open(f))["mode"]
    for r in json.load(open(f))["requests"]:
        b = r["body"]
        seen.add("%s %s %s" % (mode, r["method"], r["path"]))
        seen |= {"unitdp=4"} if "unitdp=4" in r["query"] else set()
        for k in ("Invoices", "CreditNotes"):
            for d in b.get(k, []):
                seen.add("%s %s %s" % (mode, d["Type"], d["Status"]))
                seen.add("LineAmountTypes " + d["LineAmountTypes"])
                seen |= {"ItemCode" for l in d["LineItems"] if "ItemCode" in l}
                seen |= {"Tracking" for l in d["LineItems"] if "Tracking" in l}
                seen |= {"Allocations"} if "Allocations" in d else set()
                seen |= {"CurrencyRate " + k} if "CurrencyRate" in d else set()
        for d in b.get("ManualJournals", []):
            seen.add("journal " + d["Status"])
            seen |= {"JournalTracking" for l in d["JournalLines"] if "Tracking" in l}
        for d in b.get("Payments", []):
            seen.add("pays " + ("Invoice" if "Invoice" in d else "CreditNote"))
            seen |= {"CurrencyRate Payments"} if "CurrencyRate" in d else set()
for s in sorted(seen):
    print(s)
EOF
for want in "summary PUT /Invoices" "summary PUT /Payments" "summary ACCREC AUTHORISED" \
    "summary ACCPAY AUTHORISED" "summary ACCREC DRAFT" "summary ACCPAY DRAFT" \
    "orders PUT /Invoices" "orders PUT /CreditNotes" "orders PUT /Payments" \
    "orders PUT /BankTransactions" "orders ACCREC AUTHORISED" "orders ACCRECCREDIT AUTHORISED" \
    "orders ACCPAY AUTHORISED" "orders ACCREC DRAFT" "journal PUT /ManualJournals" \
    "journal POSTED" "journal DRAFT" "LineAmountTypes Inclusive" "LineAmountTypes NoTax" \
    "ItemCode" "Tracking" "JournalTracking" "Allocations" "pays Invoice" "pays CreditNote" \
    "CurrencyRate Invoices" "CurrencyRate CreditNotes" "CurrencyRate Payments" "unitdp=4"; do
  contains "fixtures exercise: $want" coverage.out "$want"
done

# The checker itself must catch what it claims to: a preview with one planted fault of each
# kind yields exactly those failures.
mkdir -p planted/reports/2099-01
python3 - summary/reports/*/xero-preview.json journal/reports/*/xero-preview.json \
  >planted/reports/2099-01/xero-preview.json <<'EOF'
import copy, json, sys
inv = pay = mj = None
for f in sys.argv[1:]:
    for r in json.load(open(f))["requests"]:
        if r["path"] == "/Invoices" and inv is None:
            inv = r
        if r["path"] == "/Payments" and pay is None:
            pay = r
        if r["path"] == "/ManualJournals" and mj is None:
            mj = r
reqs = []
def planted(r, key, mutate):
    r = copy.deepcopy(r)
    r["period"] = "2099-01"
    r["idempotency_key"] = "planted-" + key
    mutate(r)
    reqs.append(r)
planted(inv, "unknown", lambda r: r["body"]["Invoices"][0]["LineItems"][0].update(Colour="red"))
planted(inv, "readonly", lambda r: r["body"]["Invoices"][0].update(Total=1))
planted(inv, "type", lambda r: r["body"]["Invoices"][0]["LineItems"][0].update(Quantity="1"))
planted(inv, "enum", lambda r: r["body"]["Invoices"][0].update(Status="SENT"))
planted(inv, "nocontact", lambda r: r["body"]["Invoices"][0].pop("Contact"))
planted(pay, "decimals", lambda r: r["body"]["Payments"][0].update(Amount="@12.345@"))
planted(pay, "date", lambda r: r["body"]["Payments"][0].update(Date="2024-13-01"))
planted(pay, "query", lambda r: r.update(query="summarizeErrors=false&page=2"))
planted(pay, "path", lambda r: r.update(path="/Payment"))
planted(pay, "unknown", lambda r: None)   # the same key twice
reqs[-1]["idempotency_key"] = "planted-unknown"
planted(pay, "long", lambda r: r.update(idempotency_key="k" * 129))
planted(inv, "nolines", lambda r: r["body"]["Invoices"][0].update(LineItems=[]))
planted(inv, "product", lambda r: r["body"]["Invoices"][0]["LineItems"][0].update(Quantity=2))
planted(mj, "oneline", lambda r: r["body"]["ManualJournals"][0].update(
    JournalLines=r["body"]["ManualJournals"][0]["JournalLines"][:1]))
planted(pay, "negative", lambda r: r["body"]["Payments"][0].update(Amount=-5))
unit4 = dict(Quantity=2, UnitAmount=49.995, LineAmount=99.99)
planted(inv, "unitdp", lambda r: r["body"]["Invoices"][0]["LineItems"][0].update(unit4))
planted(inv, "unitdp4", lambda r: (r.update(query="summarizeErrors=false&unitdp=4"),
                                   r["body"]["Invoices"][0]["LineItems"][0].update(unit4)))
text = json.dumps({"version": 1, "mode": "summary", "period": "2099-01", "requests": reqs},
                  indent=2)
print(text.replace('"@12.345@"', "12.345"))
EOF
python3 "$CONTRACT" planted/reports/2099-01/xero-preview.json >planted.out 2>&1
eq "planted faults fail the check" "$?" "1"
for want in "request 0: body.Invoices[0].LineItems[0]: Additional properties are not allowed ('Colour'" \
    "request 1: body.Invoices[0].Total: readOnly property sent" \
    "request 2: body.Invoices[0].LineItems[0].Quantity: '1' is not of type 'number'" \
    "request 3: body.Invoices[0].Status: 'SENT' is not one of" \
    "request 4: body.Invoices[0]: required property Contact missing" \
    "request 5: body.Payments[0].Amount: 12.345 has more than 2 decimals for USD" \
    "request 6: body.Payments[0].Date: '2024-13-01' is not a YYYY-MM-DD date" \
    "request 7: query parameter page is not declared for PUT /Payments" \
    "request 8: PUT /Payment is not an operation of the Xero spec" \
    "request 9: idempotency key planted-unknown also used by" \
    "request 9: idempotency key planted-unknown names two different requests" \
    "request 10: idempotency key of 129 characters" \
    "request 11: body.Invoices[0]: no line items" \
    "request 12: body.Invoices[0].LineItems[0]: LineAmount" \
    "request 13: body.ManualJournals[0]: 1 journal line(s), Xero needs at least 2" \
    "request 13: body.ManualJournals[0]: journal lines sum to" \
    "request 14: body.Payments[0]: amount -5 is not positive" \
    "request 15: body.Invoices[0].LineItems[0].UnitAmount: 49.995 has more than 2 decimals"; do
  contains "planted: $want" planted.out "$want"
done
eq "planted: a 4-decimal unit amount with unitdp=4 passes" "$(grep -c 'request 16' planted.out)" "0"
eq "planted: nothing else reported" "$(grep -c '^FAIL' planted.out)" "18"
finish
