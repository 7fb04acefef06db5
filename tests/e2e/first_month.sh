# first_month — the commands README.md's "Your first month" shows run as written, in order, on
# the demo's US files under the names the README uses: the dry-run close and review first,
# then (against the local fakes of Xero and its identity service, set up as a Custom
# Connection) the connection check, the live close and the lock. If the README's commands
# change, this test runs the new ones.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/live_lib.sh"
# the code blocks of the section, one command a line, as "BLOCK<TAB>COMMAND"
python3 - "$ROOT/README.md" > "$T/commands.txt" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
sec = text.split("\n## Your first month\n", 1)[1].split("\n## ", 1)[0]
block, inside = 0, False
for line in sec.splitlines():
    if line.startswith("```"):
        inside = not inside
        block += inside
    elif inside and line.strip():
        print(f"{block}\t{line.strip()}")
PY
eq "the section shows two blocks of commands" "$(cut -f1 "$T/commands.txt" | sort -u | tr '\n' ' ')" "1 2 "
eq "every command is a settlebook command" "$(cut -f2 "$T/commands.txt" | grep -vc '^settlebook ')" "0"

S="$T/month"
mkdir -p "$S" && cd "$S" || exit 1
cp "$FX/demo/settlement-us-2025-09.tsv" settlement.tsv
cp "$FX/demo/orders-us.tsv" orders.txt
cp "$FX/demo/bank-us.csv" bank.csv
PATH="$(dirname "$SB"):$PATH"
run_block() {
  grep "^$1	" "$T/commands.txt" | cut -f2 | while IFS= read -r cmd; do
    sh -c "$cmd" > "$S/.out" 2> "$S/.err"
    echo "$? $cmd"
    cat "$S/.out" "$S/.err" >> "$ALL"
  done
}
run_block 1 > "$T/block1.txt"
eq "block 1: every command exits 0" "$(awk '$1 != 0' "$T/block1.txt")" ""
eq "block 1: the settlement is in" "$(sq "select settlement_id || ' ' || total_minor from settlement")" "62616141773 161933"
check "block 1: preview written" test -s reports/2025-09/xero-preview.json
check "block 1: workbook written" test -s reports/2025-09/reconciliation.xlsx
eq "block 1: deposit found in the bank statement" "$(sq "select count(*) from exception where kind like 'DEPOSIT%'")" "0"

# step 4's set-up, as a bookkeeper would do it: the Custom Connection's id and secret are in
# the environment (live_lib.sh), and settlebook.json's "xero" section points at the fakes
fake_start
config summary
run_block 2 > "$T/block2.txt"
eq "block 2: every command exits 0" "$(awk '$1 != 0' "$T/block2.txt")" ""
eq "block 2: every September request confirmed in Xero" "$(sq "select group_concat(distinct state) from outbox where month = '2025-09'")" "confirmed"
# the settlement crossing the month end: its October part and the deposit wait for October
eq "block 2: October's requests wait for October's close" "$(sq "select group_concat(distinct state) from outbox where month = '2025-10'")" "pending"
once "first month" 2025-09
sent_bytes "first month"
eq "block 2: the month is locked" "$(sq "select state from period where month = '2025-09'")" "locked"
canary_check
finish
