# stage_skip — a rerun with nothing changed skips reconcile, the preview and the workbook
# (stage_input), and gives byte-identical outputs; whatever changes an input runs the stage
# again: another file, an edited config, a removed or edited output file; replacing one
# settlement rebuilds that settlement's journals only. Timings are make bench's business.
. "$(dirname "$0")/../lib.sh"
"$SB" init >/dev/null 2>&1
"$SB" synth --rows 3000 --seed 11 -o a0.tsv --orders a-o.tsv --bank a-b.csv 2>/dev/null
# with an amount type no rule maps and repeated lines, so settlement a has UNMAPPED and
# DUPLICATE_LINE rows of its own for reconcile to carry over
awk -F '\t' 'BEGIN { OFS = "\t" } NR > 2 && NR % 97 == 0 { $13 = "MysteryFee"; $14 = "Mystery" }
  { print } NR > 2 && NR % 53 == 0 { print }' a0.tsv >a.tsv
"$SB" synth --rows 2000 --seed 12 -o b.tsv 2>/dev/null
P=$(sed -n 2p a.tsv | cut -f2 | cut -c1-7)
PB=$(sed -n 2p b.tsv | cut -f2 | cut -c1-7)
closev() { p=$1; shift; "$SB" --verbose close --period "$p" "$@" >close.out 2>close.err; s=$?
  [ "$s" = 0 ] || [ "$s" = 1 ] || bad "close $p: exit $s: $(tail -n 3 close.err)"; }
outputs() { sha256sum "reports/$P/xero-preview.json" "reports/$P/reconciliation.xlsx"; }

closev "$P" a.tsv a-o.tsv a-b.csv
check "first close reconciled" grep -q "reconcile: unmapped checks took" close.err
dump >ledger1.sql; outputs >out1
cp close.out summary1
closev "$P" a.tsv a-o.tsv a-b.csv
contains "rerun: reconcile skipped" close.err "reconcile: inputs unchanged since the last run of $P: skipped"
contains "rerun: preview not rewritten" close.err "close: preview inputs unchanged"
contains "rerun: workbook not rewritten" close.err "close: workbook inputs unchanged"
eq "rerun: ledger unchanged" "$(dump | cmp - ledger1.sql)" ""
eq "rerun: outputs byte-identical" "$(outputs | diff - out1)" ""
# (apart from the journal parts built this time: none)
eq "rerun: the same summary on stdout" \
  "$(diff close.out summary1 | grep '^[<>]' | grep -v 'journal part(s) built')" ""

# a removed or edited output file is written again, with the same bytes
rm "reports/$P/reconciliation.xlsx"
printf 'x' >>"reports/$P/xero-preview.json"
closev "$P"
check "removed workbook written again" grep -q "close: workbook took" close.err
eq "edited preview and removed workbook: the same bytes again" "$(outputs | diff - out1)" ""
eq "rewriting the same bytes left the ledger alone" "$(dump | cmp - ledger1.sql)" ""

# an unchanged file is known by its identity on disk (file_seen), not read again: a wrong
# recorded digest is believed (the file looks new, and its settlement is refused as different
# bytes), until --verify or any write to the file (its change time moves) makes ingest hash it
eq "file_seen holds the file's digest" \
  "$(q "select sha256 from file_seen where bytes = $(wc -c <a.tsv)")" "$(sha256sum <a.tsv | cut -c1-64)"
q "update file_seen set sha256 = substr('0000000000' || sha256, 1, 64) where bytes = $(wc -c <a.tsv)"
status "a recorded identity is trusted: the file is not read again" 2 \
  "$SB" close --period "$P" a.tsv
closev "$P" --verify a.tsv
contains "--verify hashes it: the same bytes, skipped" close.err "close: ingest took"
eq "--verify corrected the record" \
  "$(q "select sha256 from file_seen where bytes = $(wc -c <a.tsv)")" "$(sha256sum <a.tsv | cut -c1-64)"
q "update file_seen set sha256 = substr('0000000000' || sha256, 1, 64) where bytes = $(wc -c <a.tsv)"
sleep 0.01; touch a.tsv
dump >ledger-touch.sql
closev "$P" a.tsv
check "a touched file is hashed again: the same bytes, skipped" grep -q "close: ingest took" close.err
eq "and the ledger is left as it was" "$(dump | cmp - ledger-touch.sql)" ""
eq "file_seen is no stage's input: the rerun skipped reconcile" \
  "$(grep -c "reconcile: inputs unchanged" close.err)" 1

# an edited config is an input of every stage
python3 - <<'EOF'
import json
c = json.load(open("settlebook.json"))
c.setdefault("reconcile", {})["order_days_unsettled"] = 1
json.dump(c, open("settlebook.json", "w"), indent=1)
EOF
n0=$(q "select input_sha256 from stage_input where stage = 'reconcile' and scope = '$P'")
closev "$P"
check "edited config: reconcile ran again" grep -q "reconcile: unmapped checks took" close.err
n1=$(q "select input_sha256 from stage_input where stage = 'reconcile' and scope = '$P'")
check "edited config: a new input digest recorded" test -n "$n1" -a "$n1" != "$n0"
closev "$P"
contains "and the rerun after it skips again" close.err "reconcile: inputs unchanged"

# another settlement: reconcile of the month runs again; replacing it rebuilds its journals
# and leaves the other settlement's alone
"$SB" synth --rows 2000 --seed 12 -o b.tsv 2>/dev/null
closev "$PB" b.tsv
check "a new file: reconcile ran" grep -q "reconcile: unmapped checks took" close.err
jb=$(q "select group_concat(j.id || ':' || j.content_sha256) from journal j join settlement s on s.id = j.settlement_ref where s.settlement_id = (select settlement_id from settlement order by id limit 1)")
jbb=$(q "select group_concat(j.content_sha256) from journal j join settlement s on s.id = j.settlement_ref where s.id = (select max(id) from settlement)")
# a different file for settlement b: one reimbursement line more, total adjusted
python3 - b.tsv b2.tsv <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")]
h = rows[0]; i = {k: n for n, k in enumerate(h)}
extra = [""] * len(h)
extra[i["settlement-id"]] = rows[1][i["settlement-id"]]
extra[i["transaction-type"]] = "other-transaction"
extra[i["amount-type"]] = "other-transaction"
extra[i["amount-description"]] = "REVERSAL_REIMBURSEMENT"
extra[i["amount"]] = "1.00"
extra[i["posted-date"]] = rows[2][i["posted-date"]]
tot = rows[1][i["total-amount"]]
neg = tot.startswith("-"); d = tot.lstrip("-").replace(",", "")
cents = int(d.replace(".", "")) * (-1 if neg else 1) + 100
rows[1][i["total-amount"]] = ("-" if cents < 0 else "") + "%d.%02d" % divmod(abs(cents), 100)
rows.append(extra)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join("\t".join(r) for r in rows) + "\n")
EOF
"$SB" --verbose ingest --replace b2.tsv >/dev/null 2>&1
# reconciling every settlement recomputes the replaced settlement's own checks only: the
# other one, unchanged since its month's close, carries its UNMAPPED and duplicate-line rows
# over; and a full recompute (the reference queries) finds exactly those rows
"$SB" --verbose reconcile >rec.out 2>rec.err
contains "replaced settlement: only it recomputed" rec.err \
  "reconcile: 1 of 2 settlement(s) recomputed, 1 unchanged"
check "the unchanged settlement's rows were carried over" test "$(q "select count(distinct kind) from exception where scope = 'reconcile' and kind in ('UNMAPPED', 'DUPLICATE_LINE') and settlement_id = (select settlement_id from settlement order by id limit 1)")" = 2
dump >ledger2.sql
q "delete from stage_input where stage = 'settlement' or (stage = 'reconcile' and scope = '')"
"$SB" --verbose reconcile >rec.out 2>rec.err
contains "without the records both are recomputed" rec.err "reconcile: 2 of 2 settlement(s) recomputed"
eq "carried over = recomputed: the ledger is the same" "$(dump | cmp - ledger2.sql)" ""
closev "$PB"
jba=$(q "select group_concat(j.content_sha256) from journal j join settlement s on s.id = j.settlement_ref where s.settlement_id = (select settlement_id from settlement where id = (select max(id) from settlement))")
check "replaced settlement: its journals rebuilt" test -n "$jba" -a "$jba" != "$jbb"
ja=$(q "select group_concat(j.id || ':' || j.content_sha256) from journal j join settlement s on s.id = j.settlement_ref where s.settlement_id = (select settlement_id from settlement order by id limit 1)")
eq "the other settlement's journals untouched" "$ja" "$jb"
finish
