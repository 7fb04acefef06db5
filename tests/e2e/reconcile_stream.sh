# reconcile_stream — the streaming reconcile checks (C passes with hash tables) give exactly
# what the GROUP BY queries they replaced gave: the same exceptions emitted in the same order
# (so the same ids), the same ledger byte for byte, the same preview and workbook bytes. Each
# scenario is closed twice in fresh folders, once with the streaming checks and once with
# SETTLEBOOK_RECONCILE_SQL=1 (the reference queries), then everything is compared: on the
# reconcile fixtures, the demo data, and synthetic sellers of several seeds, sizes and locales,
# with duplicated lines, an unmapped type and two settlements in one ledger. The fee check
# (FEE_ANOMALY, FEE_CHANGED) has no SQL reference: its median, MAD and step detection are C
# only (reconcile_fees*.c, checked by tests/unit/test_feestat.c and tests/e2e/fee_anomaly.sh),
# so it runs the same code in both modes here and only the other checks are compared.
. "$(dirname "$0")/../lib.sh"
unset SETTLEBOOK_RECONCILE_SQL

# close_all DIR FILE...: a fresh ledger in DIR, the files ingested, every month closed.
close_all() {
  d=$1; shift
  mkdir -p "$d" && (
    cd "$d" || exit 4
    "$SB" init >/dev/null 2>&1 || exit 4
    "$SB" ingest "$@" >/dev/null 2>&1
    s=$?; [ "$s" = 0 ] || [ "$s" = 1 ] || exit 4
    months=$(sqlite3 settlebook.db "select distinct substr(start_utc, 1, 7) from settlement union select distinct substr(end_utc, 1, 7) from settlement order by 1")
    for p in $months; do
      "$SB" close --period "$p" >/dev/null 2>&1
      s=$?; [ "$s" = 0 ] || [ "$s" = 1 ] || exit 4
    done
    "$SB" reconcile >/dev/null 2>&1   # every settlement at once as well
    s=$?; [ "$s" = 0 ] || [ "$s" = 1 ] || exit 4
  )
}

# same NAME FILE...: closes the files both ways and compares the results.
same() {
  name=$1; shift
  rm -rf "$T/$name"
  close_all "$T/$name/stream" "$@"; s1=$?
  SETTLEBOOK_RECONCILE_SQL=1 close_all "$T/$name/sql" "$@"; s2=$?
  eq "$name: both closes ran" "$s1 $s2" "0 0"
  for v in stream sql; do
    sqlite3 "$T/$name/$v/settlebook.db" .dump >"$T/$name/$v.dump"
    sqlite3 "$T/$name/$v/settlebook.db" "select id, scope, kind, severity, settlement_id, order_id, sku, expected_minor, actual_minor, explanation, action from exception order by id" >"$T/$name/$v.exceptions"
  done
  eq "$name: exceptions (same rows, same emission order)" \
    "$(diff "$T/$name/sql.exceptions" "$T/$name/stream.exceptions" | head -n 5)" ""
  eq "$name: ledger byte-identical" "$(cmp "$T/$name/sql.dump" "$T/$name/stream.dump")" ""
  eq "$name: previews and workbooks byte-identical" \
    "$(diff -r "$T/$name/sql/reports" "$T/$name/stream/reports" 2>&1)" ""
  check "$name: wrote reports" test -n "$(ls "$T/$name/stream/reports")"
}

R="$FX/reconcile"
same problems "$R"/problems-s1.tsv "$R"/problems-s2.tsv "$R"/problems-s3.tsv \
  "$R"/problems-s4.tsv "$R"/problems-eu.tsv "$R"/problems-orders.tsv "$R"/problems-bank.csv
check "problems: the comparison covers UNMAPPED and both DUPLICATE_LINEs" test \
  "$(sqlite3 "$T/problems/stream/settlebook.db" "select count(*) from exception where kind in ('UNMAPPED', 'DUPLICATE_LINE')")" -ge 3
same clean "$R"/clean-s1.tsv "$R"/clean-s2.tsv "$R"/clean-orders.tsv "$R"/clean-bank.csv
same demo "$FX"/demo/*.tsv "$FX"/demo/*.csv
same settlements "$FX"/settlements/v2-de-eur.tsv "$FX"/settlements/v2-jp-jpy.tsv \
  "$FX"/settlements/v2-uk-gbp.tsv "$FX"/settlements/v1-36col.tsv

# Synthetic sellers. The "dup" variant repeats a slice of lines (identical lines in one
# settlement, some twice, some three times), renames one amount type so no rule maps it, and
# blanks some marketplace-names so the settlement's own is used.
mkdir -p "$T/data"
for spec in "1 300 us" "2 3000 eu" "3 20000 uk" "4 5000 us"; do
  set -- $spec
  f="$T/data/s$1.tsv"
  "$SB" synth --rows "$2" --seed "$1" --locale "$3" -o "$f" --orders "$T/data/o$1.tsv" \
    --bank "$T/data/b$1.csv" >/dev/null 2>&1
  awk -F '\t' 'BEGIN { OFS = "\t" }
    NR > 2 && NR % 97 == 0 { $13 = "MysteryFee" }
    NR > 2 && NR % 89 == 0 { $12 = "" }
    { print } NR > 2 && NR % 53 == 0 { print } NR > 2 && NR % 106 == 0 { print }' "$f" \
    >"$T/data/dup$1.tsv"
  same "synth-seed$1-$2" "$f" "$T/data/o$1.tsv" "$T/data/b$1.csv"
  same "synth-dup-seed$1-$2" "$T/data/dup$1.tsv" "$T/data/o$1.tsv"
done
check "synth-dup: duplicates and unmapped lines were found" test \
  "$(sqlite3 "$T/synth-dup-seed3-20000/stream/settlebook.db" "select count(distinct kind) from exception where kind in ('UNMAPPED', 'DUPLICATE_LINE')")" = 2
# the in-settlement duplicate check in partitions of 1,500 fingerprints (14 partitions)
export SETTLEBOOK_RECONCILE_FP_CHUNK=1500
same "synth-dup-partitioned" "$T/data/dup3.tsv" "$T/data/o3.tsv"
unset SETTLEBOOK_RECONCILE_FP_CHUNK
check "partitioned: duplicates were found" test \
  "$(sqlite3 "$T/synth-dup-partitioned/stream/settlebook.db" "select count(*) from exception where kind = 'DUPLICATE_LINE'")" -gt 10
# two sellers' settlements in one ledger: the cross-settlement checks have something to compare
same two-settlements "$T/data/s1.tsv" "$T/data/dup4.tsv" "$T/data/o1.tsv"
# both carry the renamed type: NEW_AMOUNT_TYPE goes to the first settlement only, also when
# closing the later one's month (the earlier settlement, out of scope, is read for it)
same two-new-types "$T/data/dup1.tsv" "$T/data/dup4.tsv"
eq "two-new-types: each new combination raised once, on its first settlement" \
  "$(sqlite3 "$T/two-new-types/stream/settlebook.db" "select count(*), count(distinct explanation) from exception where kind = 'NEW_AMOUNT_TYPE'")" \
  "$(sqlite3 "$T/two-new-types/sql/settlebook.db" "select count(*), count(distinct explanation) from exception where kind = 'NEW_AMOUNT_TYPE'")"
finish
