# synth — `settlebook synth` is deterministic, its settlements tie out in every layout and
# locale, it covers the whole vocabulary and a month end, and its orders and bank files load.
. "$(dirname "$0")/../lib.sh"
"$SB" init >/dev/null 2>&1

# determinism: same options, same bytes (stdout or -o); another seed, other bytes
"$SB" synth --rows 400 --seed 11 > a.tsv 2>/dev/null
"$SB" synth --rows 400 --seed 11 -o b.tsv 2>/dev/null
"$SB" synth --rows 400 --seed 12 -o c.tsv 2>/dev/null
check "same seed, byte-identical" cmp -s a.tsv b.tsv
if cmp -s a.tsv c.tsv; then bad "another seed gives other bytes"; else ok; fi
eq "no temporary file left" "$(ls | grep -c '\.tmp$')" "0"
eq "exactly N amount lines (+ header, summary row)" "$(wc -l < a.tsv | tr -d ' ')" "402"
eq "V2 header" "$(head -n 1 a.tsv | tr '\t' '\n' | wc -l | tr -d ' ')" "24"
eq "summary row: id, dates, total, currency only" \
  "$(sed -n 2p a.tsv | awk -F'\t' '{ n = 0; for (i = 7; i <= NF; i++) n += $i != ""; print NF, ($1 != "" && $5 != "" && $6 == "USD"), n }')" "24 1 0"

# every seed x locale x layout ingests with lines summing exactly to total-amount
n=0
for seed in 3 4 5; do
  for loc in us eu uk; do
    for fmt in v2 v1; do
      n=$((n + 1))
      rows=$((150 + n * 7))
      "$SB" synth --rows "$rows" --seed "$((seed * 10 + n))" --locale "$loc" --format "$fmt" \
        -o "s-$n.tsv" 2>/dev/null || bad "synth $seed $loc $fmt"
      echo "$rows" > "s-$n.rows"
    done
  done
done
status "ingest 18 synthetic settlements" 0 "$SB" ingest s-*.tsv
"$SB" settlements --json > s.json
eq "18 settlements, all tie out, all sizes exact" "$(python3 -c '
import json, glob
s = json.load(open("s.json"))
want = sorted(int(open(f).read()) for f in glob.glob("s-*.rows"))
print(len(s), sum(x["total_minor"] != x["lines_sum_minor"] for x in s),
      sorted(x["lines"] for x in s) == want)')" "18 0 True"
eq "layouts x currencies" "$(python3 -c '
import json
print(" ".join(sorted({x["format"] + x["currency"] for x in json.load(open("s.json"))})))')" \
  "v1EUR v1GBP v1USD v2EUR v2GBP v2USD"
eq "marketplaces" "$(q "select group_concat(m, ' ') from (select distinct marketplace m from settlement order by 1)")" \
  "Amazon.co.uk Amazon.com Amazon.de"
eq "no ingest exceptions" "$(q "select count(*) from exception where scope = 'ingest'")" "0"

# locale conventions
contains "EU decimal commas" s-3.tsv ",99	"
eq "EU dates" "$(sed -n 2p s-3.tsv | cut -f2 | grep -cE '^[0-9]{2}\.[0-9]{2}\.[0-9]{4} [0-9:]{8} UTC$')" "1"
eq "UK dot decimals" "$(cut -f15 s-5.tsv | grep -c ',')" "0"
eq "V1 ISO 8601 dates" "$(sed -n 2p s-2.tsv | cut -f2 | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$')" "1"
eq "V1 rows carrying two amounts" "$(awk -F'\t' 'NR > 2 && $25 != "" && $27 != ""' s-2.tsv | head -n 1 | wc -l | tr -d ' ')" "1"

# the vocabulary: a V2 US file shows every kind the synthetic seller has
"$SB" --ledger v.db init >/dev/null 2>&1
"$SB" synth --rows 300 --seed 21 -o v.tsv 2>/dev/null
"$SB" --ledger v.db ingest v.tsv >/dev/null 2>&1
types=$(sqlite3 v.db "select distinct transaction_type || '/' || amount_type || '/' || amount_description from settlement_line")
for t in Order/ItemPrice/Principal Order/ItemPrice/Shipping Order/ItemPrice/Tax \
  Order/ItemPrice/GiftWrap Order/ItemWithheldTax/MarketplaceFacilitatorTax-Principal \
  Order/ItemWithheldTax/MarketplaceFacilitatorTax-Shipping Order/ItemFees/Commission \
  Order/ItemFees/FBAPerUnitFulfillmentFee Order/ItemFees/ShippingChargeback \
  Order/Promotion/Principal Refund/ItemPrice/Principal Refund/ItemFees/Commission \
  Refund/ItemFees/RefundCommission "ServiceFee/other-transaction/Subscription Fee" \
  "ServiceFee/other-transaction/Storage Fee" "ServiceFee/Cost of Advertising/TransactionTotalAmount" \
  "other-transaction/FBA Inventory Reimbursement/REVERSAL_REIMBURSEMENT" \
  "other-transaction/FBA Inventory Reimbursement/WAREHOUSE_DAMAGE" \
  "other-transaction/other-transaction/Previous Reserve Amount Balance" \
  "other-transaction/other-transaction/Current Reserve Amount"; do
  case "
$types
" in *"
$t
"*) ok ;; *) bad "transaction type $t missing" ;; esac
done
eq "signs: refund principal -, refund commission +, RefundCommission -, reserves +/-" \
  "$(sqlite3 v.db "select (select min(amount_minor) < 0 and max(amount_minor) < 0 from settlement_line where transaction_type = 'Refund' and amount_description = 'Principal' and amount_type = 'ItemPrice') || (select min(amount_minor) > 0 from settlement_line where transaction_type = 'Refund' and amount_description = 'Commission') || (select max(amount_minor) < 0 from settlement_line where amount_description = 'RefundCommission') || (select amount_minor > 0 from settlement_line where amount_description = 'Previous Reserve Amount Balance') || (select amount_minor < 0 from settlement_line where amount_description = 'Current Reserve Amount')")" "11111"
eq "reserve lines have no marketplace" "$(sqlite3 v.db "select count(*) from settlement_line where amount_description like '%Reserve%' and marketplace is null")" "2"
eq "promotions carry a promotion-id" "$(sqlite3 v.db "select count(*) = sum(promotion_id is not null) from settlement_line where amount_type = 'Promotion'")" "1"
eq "month end crossed: posted dates in two months" \
  "$(sqlite3 v.db "select count(distinct substr(posted, 1, 7)) from settlement_line")" "2"
eq "order ids look like Amazon's" \
  "$(sqlite3 v.db "select count(*) from settlement_line where order_id is not null and order_id not glob '[0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9][0-9]'")" "0"
eq "quantities 1-3 on principal lines" "$(sqlite3 v.db "select min(quantity) >= 1 and max(quantity) <= 3 from settlement_line where amount_description = 'Principal' and transaction_type = 'Order'")" "1"

# orders and bank files
"$SB" synth --rows 300 --seed 21 -o v2.tsv --orders o.tsv --bank b.csv 2>/dev/null
check "settlement unchanged by --orders/--bank" cmp -s v.tsv v2.tsv
eq "orders header is the All Orders header" "$(head -n 1 o.tsv)" \
  "$(head -n 1 "$SAMPLES/orders-archived-header.tsv" | tr -d '\r')"
eq "bank header" "$(head -n 1 b.csv)" "Date,Amount,Payee,Description,Reference"
id=$(sed -n 2p v.tsv | cut -f1)
total=$(sed -n 2p v.tsv | cut -f5)
dep=$(sed -n 2p v.tsv | cut -f4 | awk '{ split($1, d, "-"); print d[3] "/" d[2] "/" d[1] }')
eq "deposit line: date, amount, payee, description" "$(grep -c "^$dep,$total,Amazon,AMAZON SETTLEMENT $id," b.csv)" "1"
status "ingest orders and bank" 0 "$SB" --ledger v.db ingest o.tsv b.csv
eq "every settled order is in the orders report" "$(sqlite3 v.db "select count(distinct order_id) from settlement_line where order_id is not null and order_id not in (select amazon_order_id from orders)")" "0"
eq "some shipped orders are not settled" "$(sqlite3 v.db "select count(*) >= 2 from orders where order_status = 'Shipped' and amazon_order_id not in (select order_id from settlement_line where order_id is not null)")" "1"
eq "item-price = settled principal, per order" "$(sqlite3 v.db "select count(*) from (select order_id, sum(amount_minor) p from settlement_line where transaction_type = 'Order' and amount_type = 'ItemPrice' and amount_description = 'Principal' group by order_id) l join (select amazon_order_id, sum(item_price_minor) p from order_item group by amazon_order_id) i on i.amazon_order_id = l.order_id where i.p <> l.p")" "0"
eq "bank deposit equals the total" "$(sqlite3 v.db "select count(*) from bank_line b join settlement s on b.amount_minor = s.total_minor and substr(b.date, 1, 10) = substr(s.deposit_utc, 1, 10)")" "1"

# a pipe or device is written in place, never replaced by a renamed temporary file
mkfifo pipe
cat pipe > piped.tsv &
"$SB" synth --rows 40 --seed 11 -o pipe 2>/dev/null
wait
eq "written through a FIFO" "$(wc -l < piped.tsv | tr -d ' ')" "42"
check "the FIFO is still a FIFO" test -p pipe

# bad usage changes nothing and says why
status "rows below the minimum" 2 "$SB" synth --rows 2
contains "says the range" "$T/.err" "between 3 and"
status "unknown locale" 2 "$SB" synth --locale fr
status "unknown layout" 2 "$SB" synth --format v3
status "not a number" 2 "$SB" synth --rows 12x
status "help" 0 "$SB" synth --help
# the help's examples are what the seeds produce: each command, run as shown, writes the demo
# fixture byte for byte, and the settlement line under it names that file's id, dates, count
# and total
"$SB" synth --help > help.txt
python3 - help.txt > examples.txt <<'PY'
import sys
lines = open(sys.argv[1]).read().split("examples", 1)[1].splitlines()[1:]
i = 0
while i < len(lines):
    cmd = lines[i].strip()
    if cmd.startswith("settlebook synth"):
        i += 1
        while i < len(lines) and lines[i].strip().startswith("--"):
            cmd += " " + lines[i].strip(); i += 1
        desc = lines[i].strip() if i < len(lines) else ""
        print(cmd[len("settlebook "):] + "\t" + desc)
    else:
        i += 1
PY
eq "help shows two examples" "$(wc -l < examples.txt | tr -d ' ')" "2"
mkdir -p ex && cd ex || exit 1
while IFS="$(printf '\t')" read -r cmd desc; do
  "$SB" $cmd 2>/dev/null
  for f in $(echo "$cmd" | grep -oE '[a-z-]+-20[0-9-]+\.tsv|orders-[a-z]+\.tsv|bank-[a-z]+\.csv'); do
    check "help example writes $f as in fixtures/demo" cmp "$f" "$FX/demo/$f"
  done
  f=$(echo "$cmd" | grep -oE 'settlement-[a-z]+-[0-9-]+\.tsv')
  id=$(sed -n 2p "$f" | cut -f1); total=$(sed -n 2p "$f" | cut -f5); cur=$(sed -n 2p "$f" | cut -f6)
  n=$(($(wc -l < "$f") - 2))
  eq "help example for $f names what it is" "$desc" "$(echo "$desc" | grep -F "settlement $id $cur" | grep -F "$n lines, total $total")"
  check "help example for $f: description present" test -n "$desc"
done < ../examples.txt
cd "$T" || exit 1
finish
