# bad_input — every kind of bad input is refused with exit 2, a "FILE:LINE[:COLUMN]: what is
# wrong and what to do" message, and a ledger that is byte-for-byte what it was. Nothing
# crashes. The inputs are derived from fixtures/settlements/v2-us.tsv at test time (big ones
# too), into this test's folder.
. "$(dirname "$0")/../lib.sh"
US="$FX/settlements/v2-us.tsv"

"$SB" init >/dev/null 2>&1
"$SB" ingest "$FX/settlements/v2-de-eur.tsv" >/dev/null 2>&1   # a ledger with something in it
dump > base.sql
eq "seed ledger has one settlement" "$(q "select count(*) from settlement")" "1"

# setf FILE LINE COLUMN VALUE: FILE with one tab-separated field replaced
setf() { awk -F'\t' -v OFS='\t' -v l="$2" -v c="$3" -v v="$4" 'NR == l { $c = v } 1' "$1"; }

# refused NAME WANT FILE...: `settlebook ingest FILE...` exits 2 with WANT in its stderr,
# the first error reads "FILE:LINE[:COL]: ..." (or "FILE: ..." when there is no line), no
# sanitizer spoke, and the ledger is unchanged.
refused() {
  name=$1 want=$2; shift 2
  "$SB" ingest "$@" >"$T/.out" 2>"$T/.err"; s=$?
  if [ "$s" = 2 ]; then ok; else bad "$name: exit $s, want 2: $(head -c 400 "$T/.err")"; fi
  if grep -qF -- "$want" "$T/.err"; then ok; else bad "$name: '$want' not in: $(head -c 400 "$T/.err")"; fi
  first=$(grep -m1 '^settlebook: error: ' "$T/.err" | sed 's/^settlebook: error: //')
  form=0
  for f in "$@"; do
    case "$first" in
      "$f:"[1-9]*|"$f: "*) form=1 ;;
    esac
  done
  if [ $form = 1 ]; then ok; else bad "$name: first error is not FILE:LINE[:COL]: ...: [$first]"; fi
  if grep -q 'Sanitizer\|runtime error\|Segmentation\|Aborted' "$T/.err"; then
    bad "$name: crashed or sanitizer report: $(head -c 400 "$T/.err")"; else ok; fi
  dump > now.sql
  if cmp -s base.sql now.sql; then ok; else bad "$name: the ledger changed"; fi
}

# --- empty, blank, header only ------------------------------------------------------------------
: > empty.tsv
refused "empty file" "empty.tsv:1: the file is empty" empty.tsv
printf '\n\n   \r\n\n' > blank.tsv
refused "only blank lines" "blank.tsv:1: the file holds only blank lines" blank.tsv
head -n 1 "$SAMPLES/settlement-v1-ca-negative.txt" > v1-header.tsv
printf '\n\n\n' >> v1-header.tsv
refused "V1 header with no rows" "v1-header.tsv:2: the header has no rows" v1-header.tsv
head -n 1 "$US" > v2-header.tsv
refused "V2 header only" "v2-header.tsv:2: the header has no rows" v2-header.tsv

# --- not a settlement at all ---------------------------------------------------------------------
printf 'Dear seller,\nthank you for your order.\n' > letter.txt
refused "random text" "letter.txt:1: unknown kind of file" letter.txt
printf '<?xml version="1.0"?>\n<AmazonEnvelope><Message/></AmazonEnvelope>\n' > report.xml
refused "XML report" "report.xml:1: XML settlement reports are not supported" report.xml
printf 'settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\tposted-date\n1\t2024-01-01 00:00:00 UTC\t2024-01-02 00:00:00 UTC\t2024-01-03 00:00:00 UTC\t1.00\tUSD\t\t\n' > no-amounts.tsv
refused "settlement header without amount columns" "no-amounts.tsv:1: a settlement header with neither 'amount'" no-amounts.tsv

# --- header problems ----------------------------------------------------------------------------
setf "$US" 1 6 kurrency > missing-currency-col.tsv
refused "missing required column" "missing-currency-col.tsv:1: required column 'currency' is missing" missing-currency-col.tsv
setf "$US" 1 15 betrag > missing-amount-col.tsv
refused "missing amount column" "missing-amount-col.tsv:1: required column 'amount' is missing" missing-amount-col.tsv

# --- the summary row ----------------------------------------------------------------------------
setf "$US" 2 6 "" > no-currency.tsv
refused "missing currency" "no-currency.tsv:2:6: currency is missing from the summary row" no-currency.tsv
setf "$US" 2 6 XYZ > odd-currency.tsv
refused "unknown currency" "odd-currency.tsv:2:6: currency 'XYZ' is not an ISO 4217 code" odd-currency.tsv
setf "$US" 2 2 "last Tuesday" > bad-start.tsv
refused "unparsable summary date" "bad-start.tsv:2:2: settlement-start-date: date 'last Tuesday'" bad-start.tsv
setf "$US" 2 4 "" > no-deposit.tsv
refused "empty deposit date" "no-deposit.tsv:2:4: deposit-date is empty in the summary row" no-deposit.tsv
setf "$US" 2 5 "74,5O" > bad-total.tsv
refused "unparsable total" "bad-total.tsv:2:5: total-amount: amount '74,5O'" bad-total.tsv
setf "$US" 2 1 "" > no-id.tsv
refused "empty settlement-id" "no-id.tsv:2:1: settlement-id is empty" no-id.tsv
setf "$US" 2 1 "1234567890123456789012345678901234567890123456789012345678901234567890" > long-id.tsv
refused "settlement-id too long" "long-id.tsv:2:1: settlement-id is too long" long-id.tsv
sed 2d "$US" > no-summary.tsv
refused "no summary row" "no-summary.tsv:2: the summary row is missing" no-summary.tsv

# --- amount lines -------------------------------------------------------------------------------
setf "$US" 3 15 "12.3x" > bad-amount.tsv
refused "unparsable amount (line 3, column 15)" "bad-amount.tsv:3:15: amount: amount '12.3x' is not a valid amount" bad-amount.tsv
setf "$US" 5 15 "2.065" > three-decimals.tsv
refused "three decimals in a dot-decimal file" "three-decimals.tsv:5:15: amount: amount '2.065' is not a valid amount (2 decimals, '.'" three-decimals.tsv
setf "$FX/settlements/v2-cp1252.tsv" 5 15 "-2,455" > eu-three-decimals.tsv
refused "three decimals in a comma-decimal file" "eu-three-decimals.tsv:5:15: amount: amount '-2,455' is not a valid amount (2 decimals, ','" eu-three-decimals.tsv
setf "$US" 7 15 "1e3" > exponent.tsv
refused "exponent" "exponent.tsv:7:15: amount: amount '1e3'" exponent.tsv
setf "$US" 4 15 "" > empty-amount.tsv
refused "empty amount" "empty-amount.tsv:4:15: amount is empty" empty-amount.tsv
setf "$US" 3 17 "2024-02-30" > bad-date.tsv
refused "unparsable date (line 3, column 17)" "bad-date.tsv:3:17: posted-date: date '2024-02-30' is not a date Amazon writes" bad-date.tsv
setf "$US" 9 18 "25:61" > bad-time.tsv
refused "unparsable posted-date-time" "bad-time.tsv:9:18: posted-date: date '25:61'" bad-time.tsv
setf "$US" 3 23 "one" > bad-qty.tsv
refused "quantity not a number" "bad-qty.tsv:3:23: quantity 'one' is not a whole number" bad-qty.tsv
setf "$US" 3 15 "92233720368547758.08" > huge-amount.tsv
refused "amount too large for int64" "huge-amount.tsv:3:15: amount: amount '92233720368547758.08' is too large" huge-amount.tsv
{ setf "$US" 2 5 "0.00" | sed -n 1,2p; setf "$US" 3 15 "92233720368547758.07" | sed -n 3p
  setf "$US" 4 15 "1.00" | sed -n 4p; } > sum-overflow.tsv
refused "sum overflows int64" "sum-overflow.tsv:4: the amounts overflow 64-bit minor units" sum-overflow.tsv
{ setf "$US" 2 5 "-92233720368547758.07" | sed -n 1,2p; setf "$US" 3 15 "92233720368547758.07" | sed -n 3p; } > diff-overflow.tsv
refused "total minus sum overflows int64" "diff-overflow.tsv:2:5: total-amount -92233720368547758.07 and the lines' sum 92233720368547758.07" diff-overflow.tsv
setf "$US" 3 1 "11223344552" > two-ids.tsv
refused "two settlement-ids in one file" "two-ids.tsv:3:1: settlement-id '11223344552' differs from the summary row's '11223344551'" two-ids.tsv
awk 'NR == 5 { $0 = $0 "\tstray" } 1' "$US" > wide.tsv
refused "more fields than the header, holding data" "wide.tsv:5:25: this row has more fields (25) than the header (24)" wide.tsv
{ head -n 2 "$US"; i=0; while [ $i -lt 300 ]; do printf 'x\t'; i=$((i + 1)); done; printf '\n'; } > many-fields.tsv
refused "more than 256 fields" "many-fields.tsv:3: more than 256 fields in one record" many-fields.tsv

# --- quotes -------------------------------------------------------------------------------------
{ setf "$US" 3 22 '"MUG-01' | sed -n 1,3p; setf "$US" 4 22 '0012/A+B"' | sed -n '4,$p'; } > swallow.tsv
refused "stray quote swallowing a row" "swallow.tsv:3:22: a '\"' opens a quoted value that runs to line 4" swallow.tsv
{ sed -n 1,3p "$US"; printf '11223344551\t\t\t\t\t\tOrder\t"112-9\tfoo\n'; } > unterminated.tsv
refused "quote never closed" "unterminated.tsv:4:" unterminated.tsv
{ sed -n 1,3p "$US"; printf '11223344551\t\t\t\t\t\tOrder\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"no end\n'; } > unterminated-last.tsv
refused "quote never closed, at the end of the file" "unterminated-last.tsv:4: a '\"' opens a quoted value that never closes" unterminated-last.tsv

# --- encodings and binary -----------------------------------------------------------------------
printf 'settlement-id\tsettlement-start-date\n1\tbinary\000data\n' > nul.tsv
refused "NUL byte (line 2, column 9)" "nul.tsv:2:9: NUL byte" nul.tsv
printf '\377\376s\000e\000t\000\n\000' > utf16.tsv
refused "UTF-16 text" "utf16.tsv:1:1: UTF-16 text" utf16.tsv
# deterministic garbage: a fixed linear congruential generator, not /dev/urandom
# (the ZX81's x = (75x + 74) mod 65537: small enough that awk's doubles compute it exactly)
awk 'BEGIN { x = 12345; for (i = 0; i < 4096; i++) { x = (x * 75 + 74) % 65537;
  printf "%c", x % 256 } }' > garbage-with-nul.bin
refused "binary garbage" "garbage-with-nul.bin:" garbage-with-nul.bin
awk 'BEGIN { x = 777; for (i = 0; i < 4096; i++) { x = (x * 75 + 74) % 65537;
  printf "%c", 1 + x % 255 } }' > garbage-no-nul.bin
refused "binary garbage without NUL" "garbage-no-nul.bin:" garbage-no-nul.bin
{ head -n 1 "$US"; awk 'BEGIN { x = 99; for (i = 0; i < 8192; i++) { x = (x * 75 + 74) % 65537;
  c = 1 + x % 255; if (c == 10) c = 9; printf "%c", c } }'; } > header-then-garbage.tsv
refused "a real header, then garbage" "header-then-garbage.tsv:" header-then-garbage.tsv

# --- size limits (generated here, never committed) ------------------------------------------------
{ sed -n 1,2p "$US"; printf '11223344551\t\t\t\t\t\tOrder\t'
  head -c 5000000 /dev/zero | tr '\0' 'A'; printf '\t\n'; } > big-field.tsv
refused "a 5 MB field" "big-field.tsv:3: a record is longer than 1 MiB" big-field.tsv
{ sed -n 1,2p "$US"; printf '11223344551\t\t\t\t\t\tOrder\t'
  head -c 100000 /dev/zero | tr '\0' 'B'; printf '\t\n'; } > long-field.tsv
refused "a 100 KB field" "long-field.tsv:3: a field is longer than 64 KiB" long-field.tsv
{ sed -n 1,2p "$US"; printf '11223344551\t\t\t\t\t\tOrder\t"open\n'
  i=0; while [ $i -lt 9000 ]; do printf 'more text without a closing quote\n'; i=$((i + 1)); done; } > runaway.tsv
refused "a quote that runs to the end of the file" "runaway.tsv:3: a '\"' opens a quoted value that never closes" runaway.tsv
{ cat runaway.tsv
  yes 'more text without a closing quote, long enough to pass one mebibyte' | head -n 20000; } > runaway-big.tsv
refused "a quote that runs away past 1 MiB" "runaway-big.tsv:3: a record runs over several lines and past 1 MiB" runaway-big.tsv

# --- paths --------------------------------------------------------------------------------------
refused "nonexistent path" "does-not-exist.tsv: cannot open" does-not-exist.tsv
mkdir -p a-folder
refused "a folder" "a-folder: cannot read" a-folder

# --- batches: all or nothing --------------------------------------------------------------------
UK="$FX/settlements/v2-uk-gbp.tsv"
refused "good file then bad file" "bad-amount.tsv:3:15:" "$UK" bad-amount.tsv
contains "the batch says nothing was ingested" "$T/.err" "nothing was ingested"
refused "bad file then good file" "bad-date.tsv:3:17:" bad-date.tsv "$UK"
refused "every bad file is reported" "no-currency.tsv:2:6:" bad-amount.tsv "$UK" no-currency.tsv
contains "the second bad file is reported too" "$T/.err" "bad-amount.tsv:3:15:"
eq "still one settlement" "$(q "select count(*) from settlement")" "1"

# --- the ledger itself --------------------------------------------------------------------------
status "no ledger" 2 "$SB" --ledger nowhere.db ingest "$US"
contains "no ledger: says run init" "$T/.err" "settlebook init"
check "no ledger: none created" test ! -e nowhere.db
status "ingest without files" 2 "$SB" ingest
status "unknown option" 2 "$SB" ingest --frobnicate "$US"

# --- and after all that, a good file still goes in -----------------------------------------------
status "a good file after the bad ones" 0 "$SB" ingest "$US"
eq "good file ingested" "$(q "select total_minor||' '||lines_sum_minor from settlement where settlement_id='11223344551'")" "7450 7450"
status "audit chain verifies" 0 "$SB" audit verify
finish
