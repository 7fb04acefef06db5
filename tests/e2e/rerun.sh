# rerun — closing a month again changes nothing: the ledger's contents, the Xero preview and
# the workbook stay byte-identical, and no run or audit row is added, also under another time
# zone and locale and a later clock; `post` reruns likewise.
. "$(dirname "$0")/../lib.sh"
"$SB" init >/dev/null 2>&1
"$SB" synth --rows 400 --seed 7 -o s.tsv --orders o.tsv --bank b.csv 2>/dev/null
"$SB" synth --rows 120 --seed 8 --locale eu -o eu.tsv --orders eu-o.tsv 2>/dev/null
status "ingest a synthetic seller" 0 "$SB" ingest s.tsv o.tsv b.csv eu.tsv eu-o.tsv
months=$(q "select distinct substr(start_utc, 1, 7) from settlement union select distinct substr(end_utc, 1, 7) from settlement order by 1")
check "the settlements cross a month end" test "$(echo "$months" | wc -l)" -ge 2

# close P: exit 0, or 1 when error exceptions remain; anything else is a failure.
close() {
  "$@" "$SB" close --period "$P" >"$T/.out" 2>"$T/.err"
  s=$?
  if [ "$s" = 0 ] || [ "$s" = 1 ]; then ok; else bad "close $P: exit $s: $(head -c 300 "$T/.err")"; fi
}
# state: what must not change, one line per item
state() {
  # stage_input's workbook rows record the workbook files written (their digests), so they
  # change exactly when a workbook does: kept on a line of their own
  echo "ledger $(dump | grep -v "^INSERT INTO stage_input VALUES('workbook'" | sha256sum | cut -c1-64)"
  echo "workbooks-recorded $(dump | grep "^INSERT INTO stage_input VALUES('workbook'" | sha256sum | cut -c1-64)"
  echo "runs $(q "select count(*) from run") audit $(q "select count(*) from audit_log")"
  for p in $months; do
    for f in xero-preview.json reconciliation.xlsx; do
      [ -f "reports/$p/$f" ] && echo "$p/$f $(sha256sum <"reports/$p/$f" | cut -c1-64)"
    done
  done
}

# Each month closed, then closed again at once under another time zone, locale and a later
# clock: nothing may change.
loc=C.UTF-8
locale -a 2>/dev/null | grep -qi '^de_DE.utf-\?8$' && loc=de_DE.UTF-8
for P in $months; do
  close env
  check "close $P wrote the preview" test -s "reports/$P/xero-preview.json"
  check "close $P wrote the workbook" test -s "reports/$P/reconciliation.xlsx"
  state >"before-$P.txt"
  sleep 1
  close env TZ=Asia/Tokyo LC_ALL=$loc
  state >"after-$P.txt"
  eq "close $P again (TZ=Asia/Tokyo, LC_ALL=$loc, later clock): nothing changed" \
    "$(diff "before-$P.txt" "after-$P.txt")" ""
done
state >first.txt

# The whole month-end again, in the same order: the ledger and the previews stay as they were.
# A month's workbook written before the later months were closed changes (its Audit sheet is
# ledger-wide: journals checked, last run), so workbooks are compared from the second round
# on: a third round changes nothing at all.
for P in $months; do close env; done
state >second.txt
eq "every month closed again: the ledger unchanged" "$(diff first.txt second.txt | grep -vE '^[<>] ([0-9-]+/reconciliation.xlsx|workbooks-recorded)' | grep '^[<>]')" ""
cp -r reports second-reports
for P in $months; do close env; done
state >third.txt
eq "every month closed a third time: nothing changed" "$(diff second.txt third.txt)" ""
check "reports byte-identical" diff -r second-reports reports

status "post reruns" 0 "$SB" post
state >fourth.txt
eq "post after close: nothing changed" "$(diff third.txt fourth.txt)" ""
status "audit chain verifies" 0 "$SB" audit verify
finish
