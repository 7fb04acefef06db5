# cli — the command line as a new user meets it: options anywhere, one-line usage errors with
# the nearest name, paths checked before any work (exit 2 with advice), an empty month said
# aloud (PERIOD_EMPTY), one JSON document per reporting command, `exceptions` exiting 1 while
# errors remain, progress only on a terminal, and messages that count right.
. "$(dirname "$0")/../lib.sh"
D="$FX/demo"
US="$D/settlement-us-2025-09.tsv"
DE="$D/settlement-de-2025-09.tsv"
NEG="$D/settlement-us-negative-2025-09.tsv"

status "init" 0 "$SB" init

# --- 1. options anywhere; `--` ends options; one-line errors with the nearest name ---
status "ingest FILE --replace (option after the file)" 0 "$SB" ingest "$US" --replace
contains "the file was loaded" "$T/.err" "settlement 62616141773 USD: 400 lines"
status "global option after the command and files" 0 "$SB" ingest "$DE" --quiet --ledger settlebook.db
eq "--quiet said nothing" "$(cat "$T/.err")" ""
cp "$NEG" ./--odd-name.tsv
status "-- ends options: a file named like an option" 0 "$SB" ingest -- --odd-name.tsv
eq "it was ingested" "$(q "select count(*) from settlement where settlement_id = '62616100001'")" "1"
status "close --period P FILE --dry-run (options around a file)" 0 "$SB" close --period 2025-09 "$D/orders-us.tsv" --dry-run
contains "close ran" "$T/.out" "close 2025-09: 3 settlement(s)"
# the demo's settlements span the month end: the count is of September's requests, as the
# preview shows them, not of October's parts as well
n=$(python3 -c 'import json; print(len(json.load(open("reports/2025-09/xero-preview.json"))["requests"]))')
contains "close counts the preview's requests" "$T/.out" " $n request(s) for "
status "--period=P form" 0 "$SB" reconcile --period=2025-09

usage_error() {  # usage_error DESCRIPTION "expected one line" ARGS...
  d=$1; want=$2; shift 2
  status "$d: exit 2" 2 "$SB" "$@"
  eq "$d: one line" "$(wc -l < "$T/.err" | tr -d ' ')" "1"
  contains "$d: says what is wrong" "$T/.err" "$want"
}
usage_error "close --period without a value" "--period needs a value: YYYY-MM" close --period
usage_error "close --period followed by an option" "--period needs a value: YYYY-MM" close --period --live
usage_error "close 2025-09" "did you mean --period 2025-09?" close 2025-09
usage_error "clsoe" "unknown command 'clsoe'; did you mean close?" clsoe --period 2025-09
usage_error "--jsn on a command" "unknown option --jsn; did you mean --json?" settlements --jsn
usage_error "--jsn before the command" "unknown option --jsn; did you mean --json?" --jsn settlements
usage_error "--perod" "unknown option --perod; did you mean --period?" report --perod 2025-09
usage_error "report 2025-09" "unexpected argument '2025-09'; did you mean --period 2025-09?" report 2025-09
usage_error "--ledger without a value" "--ledger needs a value: PATH" settlements --ledger
usage_error "outbox lsit" "unknown subcommand 'lsit'; did you mean list?" outbox lsit
usage_error "outbox list --state bad" "did you mean dead?" outbox list --state daed
usage_error "period lock without a month" "period lock YYYY-MM" period lock
usage_error "ingest without files" "which files?" ingest --replace
usage_error "flag given a value" "--live takes no value" close --period 2025-09 --live=yes
usage_error "synth --rows x" "--rows x: a whole number" synth --rows x
usage_error "--version after a command" "--version goes before the command: settlebook --version" close --version
usage_error "unknown option far from any name" "unknown option --zzzzzzzz" settlements --zzzzzzzz
status "--help after other words" 0 "$SB" close --period 2025-09 --help
contains "close usage on stdout" "$T/.out" "usage: settlebook close"
status "a file named --help after --" 2 "$SB" ingest -- --help
contains "it is a file, not a request for help" "$T/.err" "--help: cannot open"

# --- 2. paths: exit 2 and "PATH: what is wrong and what to do", nothing written ---
path_error() {  # path_error DESCRIPTION "expected text" ARGS...
  d=$1; want=$2; shift 2
  status "$d: exit 2" 2 "$SB" "$@"
  contains "$d: names the path and what to do" "$T/.err" "$want"
}
path_error "--ledger in a missing folder" "/missing/dir/x.db: folder /missing/dir does not exist: create it (mkdir -p /missing/dir)" --ledger /missing/dir/x.db init
path_error "--ledger a folder" "$T: is a folder, --ledger wants a file: pass a file name such as $T/settlebook.db" --ledger "$T" init
path_error "--ledger a folder (reading)" "is a folder, --ledger wants a file" --ledger "$T" settlements
path_error "-o in a missing folder" "/missing/x.xlsx: folder /missing does not exist" report --period 2025-09 -o /missing/x.xlsx
path_error "-o a folder" "$T: is a folder, -o wants a file: pass a file name such as $T/reconciliation.xlsx" report --period 2025-09 -o "$T"
echo x > afile
path_error "--reports a file" "afile: is a file, --reports wants a folder" --reports afile close --period 2025-09
path_error "--reports in a missing folder" "/missing/r: folder /missing does not exist" --reports /missing/r report --period 2025-09
path_error "--config that does not exist" "/tmp/settlebook-nope.json: no such config file" --config /tmp/settlebook-nope.json close --period 2025-09
path_error "--config a folder" "is a folder, --config wants the settlebook.json file" --config "$T" close --period 2025-09
# a place nobody can create a file in, root included (/proc refuses new files)
path_error "--ledger where no file can be created" "/proc/settlebook.db: cannot create a file there" --ledger /proc/settlebook.db init
path_error "-o where no file can be created" "/proc/x.xlsx: cannot create a file there" report --period 2025-09 -o /proc/x.xlsx
path_error "--reports where no folder can be created" "/proc/r: cannot create a file there" --reports /proc/r close --period 2025-09
path_error "synth -o in a missing folder" "/missing/s.tsv: folder /missing does not exist" synth --rows 10 -o /missing/s.tsv
eq "no stray file from the refused commands" "$(ls /missing 2>&1 | grep -c 'No such file')" "1"
mkdir -p empty && cd empty || exit 1
status "the default config may be absent" 0 "$SB" --ledger ../settlebook.db settlements
status "... said under --verbose" 0 "$SB" --verbose --ledger ../settlebook.db reconcile --period 2025-09
contains "built-in defaults named" "$T/.err" "no settlebook.json here: using the built-in defaults"
cd "$T" || exit 1

# --- 3. an empty month is said aloud ---
runs=$(q "select count(*) from run")
status "close of a month without data: exit 0 (a warning)" 0 "$SB" close --period 2019-01
contains "summary names PERIOD_EMPTY" "$T/.out" "warning  PERIOD_EMPTY"
contains "stderr names the months with data" "$T/.err" "no settlement has a line in 2019-01"
contains "... and lists them" "$T/.err" "months with data: 2025-09, 2025-10"
eq "one PERIOD_EMPTY in the ledger" "$(q "select count(*) from exception where kind = 'PERIOD_EMPTY'")" "1"
status "exceptions --period 2019-01 lists it" 0 "$SB" exceptions --period 2019-01
contains "with its action" "$T/.out" "check --period (a typo?)"
python3 - "$T/reports/2019-01/reconciliation.xlsx" > "$T/wb.txt" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
for row in wb["Exceptions"].iter_rows(values_only=True):
    print(" | ".join("" if v is None else str(v) for v in row))
PY
contains "the workbook's Exceptions sheet has it" "$T/wb.txt" "PERIOD_EMPTY"
dump > before.sql
status "the same empty close again" 0 "$SB" close --period 2019-01
dump > after.sql
check "a rerun changes nothing in the ledger" cmp before.sql after.sql
status "close of a month with data" 0 "$SB" close --period 2025-09
eq "PERIOD_EMPTY gone" "$(q "select count(*) from exception where kind = 'PERIOD_EMPTY'")" "0"

# --- 4. --json: one document on stdout, messages on stderr ---
json_ok() {  # json_ok DESCRIPTION WANT_STATUS ARGS...
  d=$1; w=$2; shift 2
  status "$d --json: exit $w" "$w" "$SB" --json "$@"
  if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/.out" 2>/dev/null; then ok
  else bad "$d: stdout is not one JSON document: $(head -c 200 "$T/.out")"; fi
}
json_ok "close" 0 close --period 2025-09
eq "close json fields" "$(python3 -c 'import json;d=json.load(open(".out"));print(d["period"], d["settlements"], d["errors"], d["empty"], d["workbook"])')" "2025-09 3 0 False reports/2025-09/reconciliation.xlsx"
contains "close's preview summary went to stderr" "$T/.err" "Xero preview for 2025-09"
json_ok "close of an empty month" 0 close --period 2019-02
eq "empty close json" "$(python3 -c 'import json;d=json.load(open(".out"));print(d["empty"], d["months_with_data"], [k["kind"] for k in d["kinds"]])')" "True 2025-09, 2025-10 ['PERIOD_EMPTY']"
json_ok "post" 0 post --period 2025-09
# (no deposit payments: record_payment statement waits for the bank statement, issue 11/17)
eq "post json: September's requests, as its preview holds them" "$(python3 -c 'import json;d=json.load(open(".out"));print(d["requests"], d["previews"], len(json.load(open(d["previews"][0]))["requests"]))')" "3 ['reports/2025-09/xero-preview.json'] 3"
json_ok "report" 0 report --period 2025-09
json_ok "exceptions" 0 exceptions --period 2025-09
json_ok "settlements" 0 settlements
json_ok "reconcile" 0 reconcile --period 2025-09
json_ok "period list" 0 period list
eq "period list json" "$(python3 -c 'import json;print([(m["month"], m["state"], m["settlements"]) for m in json.load(open(".out"))])')" "[('2025-09', 'open', True), ('2025-10', 'open', True)]"
json_ok "audit verify" 0 audit verify
eq "audit json" "$(python3 -c 'import json;d=json.load(open(".out"));print(d["chain"], d["entries"] > 3)')" "intact True"
json_ok "outbox list" 0 outbox list --period 2025-09
json_ok "outbox dead" 0 outbox dead
json_ok "auth status" 0 auth status
json_ok "ingest" 0 ingest "$US"
status "period lock" 0 "$SB" period lock 2025-08
status "period list (text)" 0 "$SB" period list
eq "period list shows data months and locks" "$(cat "$T/.out")" "2025-08 locked no settlements
2025-09 open   settlements
2025-10 open   settlements"

# exceptions exits 1 while error-severity exceptions remain
cat > bad.tsv <<'TSV'
settlement-id	settlement-start-date	settlement-end-date	deposit-date	total-amount	currency	transaction-type	order-id	amount-type	amount-description	amount	posted-date
555	2025-09-01 00:00:00 UTC	2025-09-14 00:00:00 UTC	2025-09-16 00:00:00 UTC	10.00	USD
555						Order	111-1	ItemPrice	Principal	9.00	2025-09-02
TSV
status "a settlement that does not tie out: exit 1" 1 "$SB" ingest bad.tsv
contains "1 line, not 1 lines" "$T/.err" "USD: 1 line, total 10.00"
status "exceptions: exit 1 while an error remains" 1 "$SB" exceptions
contains "it lists it" "$T/.out" "SETTLEMENT_TOTAL_MISMATCH"
json_ok "exceptions with an error" 1 exceptions

# "N stored" only once the batch committed: a refused file leaves nothing said as stored
printf 'garbage\n' > junk.tsv
"$SB" synth --rows 5 --seed 9 -o s9.tsv --orders o9.tsv 2>/dev/null
status "a batch with a refused file" 2 "$SB" ingest o9.tsv junk.tsv
check "nothing claimed stored" sh -c "! grep -q stored '$T/.err'"
contains "the refusal said" "$T/.err" "nothing was ingested"
status "the good file alone" 0 "$SB" ingest o9.tsv
contains "stored said after the commit" "$T/.err" "stored"

# --- 5. progress: on a terminal only ---
"$SB" synth --rows 3000 --seed 5 -o big.tsv 2>/dev/null
SETTLEBOOK_PROGRESS=always "$SB" ingest big.tsv 2> prog.err
contains "forced: stage shown" prog.err "ingest big.tsv: "
contains "forced: done of total with percent" prog.err "of 3002 lines (100%)"
eq "redrawn in place: every redraw on one line" "$(grep -c 'lines (' prog.err)" "1"
check "redrawn in place: with carriage returns" test "$(tr -cd '\r' < prog.err | wc -c)" -ge 2
check "line erased at the end" grep -q "$(printf '\033\\[K')" prog.err
SETTLEBOOK_PROGRESS=always "$SB" --quiet close --period 2025-09 2> prog2.err >/dev/null
eq "--quiet: no progress even when forced" "$(wc -c < prog2.err | tr -d ' ')" "0"
"$SB" close --period 2025-09 2> prog3.err >/dev/null
check "stderr a file: no progress" sh -c "! grep -q 'steps (' prog3.err"
if command -v script >/dev/null; then
  # a real pseudo-terminal: util-linux script(1) runs the command with stderr on a tty
  script -qfec "$SB close --period 2025-09 >/dev/null" /dev/null > tty.out 2>&1
  contains "on a terminal: close shows its steps" tty.out "close 2025-09: workbook: 5 of 6 steps (83%)"
  contains "on a terminal: finished" tty.out "of 6 steps (100%)"
  script -qfec "$SB --quiet close --period 2025-09 >/dev/null" /dev/null > tty2.out 2>&1
  check "on a terminal with --quiet: nothing" sh -c "! grep -q 'steps' tty2.out"
else
  bad "script(1) is missing (util-linux): cannot test a real terminal"
fi
finish
