# samples — the public real-world samples in fixtures/samples (copies of third-party files, see
# its README.md) are unmodified and ingest with the right numbers.
. "$(dirname "$0")/../lib.sh"
check "the samples are byte-for-byte the published copies (SHA256SUMS)" \
  sh -c 'cd "$1" && sha256sum --quiet -c SHA256SUMS' sh "$SAMPLES"
"$SB" init >/dev/null 2>&1
status "ingest the three real settlement samples (two do not tie out: exit 1)" 1 "$SB" ingest \
  "$SAMPLES/settlement-v1-ca-negative.txt" "$SAMPLES/settlement-v1-us-excerpt.txt" \
  "$SAMPLES/settlement-v1-synthetic-mock.tsv"
eq "CA negative total" "$(q "select total_minor||' '||lines_sum_minor||' '||line_count||' '||currency from settlement where settlement_id='12746358451'")" "-2999 -2999 3 CAD"
eq "CA trailing spaces amount" "$(q "select amount_minor from settlement_line where transaction_type='Successful charge'")" "2999"
eq "US excerpt sums" "$(q "select total_minor||' '||lines_sum_minor from settlement where settlement_id='6016502941'")" "1663013 2699"
eq "mismatches flagged" "$(q "select group_concat(settlement_id||':'||difference_minor, ' ') from (select * from exception where kind='SETTLEMENT_TOTAL_MISMATCH' order by settlement_id)")" "12345678901:-121779 6016502941:-1660314"
eq "V1 row with two amounts gives two lines" "$(q "select count(*) from settlement_line l join settlement s on s.id=l.settlement_ref where s.settlement_id='12345678901' and l.line_no=3")" "2"
eq "V1 fee typed like V2" "$(q "select amount_type||'/'||amount_description||'/'||amount_minor from settlement_line where amount_description like 'FBAPerUnit%'")" "ItemFees/FBAPerUnitFulfillmentFee/-322"
status "re-ingest same bytes is a no-op" 0 "$SB" ingest "$SAMPLES/settlement-v1-ca-negative.txt"
contains "notice says already ingested" "$T/.err" "already ingested"
eq "still one CA settlement" "$(q "select count(*) from settlement")" "3"
"$SB" settlements --json > s.json
eq "json sorted by start" "$(python3 -c 'import json;print(" ".join(s["settlement_id"] for s in json.load(open("s.json"))))')" "6016502941 12746358451 12345678901"
eq "json fields" "$(python3 -c 'import json;s=json.load(open("s.json"))[1];print(s["format"],s["currency"],s["start"],s["total_minor"],s["lines_sum_minor"],s["lines"],len(s["source_sha256"]))')" "v1 CAD 2020-04-24T07:52:49Z -2999 -2999 3 64"
status "audit chain verifies" 0 "$SB" audit verify
finish
