# bank — bank statement CSV (Xero template by default, other layouts by config "bank"):
# quoted fields, date orders, decimal marks, overlapping statements adding each line once.
. "$(dirname "$0")/../lib.sh"
B="$FX/bank"
"$SB" init >/dev/null 2>&1

status "January statement (dd/mm/yyyy, Xero template)" 0 "$SB" ingest "$B/statement-jan.csv"
contains "summary" "$T/.err" "bank_csv USD: 5 lines, all new"
eq "lines and kind" "$(q "select count(*)||' '||(select kind||' '||rows from source_file) from bank_line")" "5 bank_csv 5"
eq "quoted amount with grouping" "$(q "select date||' '||amount_minor||' '||currency||' '||reference from bank_line where payee='Amazon Payments, Inc.'")" "2024-01-02 123456 USD AMZN-0001"
eq "quoted description with comma" "$(q "select description from bank_line where reference='AMZN-0001'")" "AMAZON SETTLEMENT 12746358451, USD"
eq "doubled quotes" "$(q "select payee||'|'||description from bank_line where reference='INV-7'")" 'Smith, Jones & Co|Rent "January"'
eq "identical lines numbered" "$(q "select group_concat(seq, ',') from (select seq from bank_line where date='2024-01-03' order by seq)")" "1,2"

status "overlapping statement (ISO dates)" 0 "$SB" ingest "$B/statement-jan-feb.csv"
contains "new vs known" "$T/.err" "6 lines, 2 new, 4 already in the ledger"
eq "each transaction once" "$(q "select count(*)||' '||sum(amount_minor) from bank_line")" "7 308606"
eq "two source files" "$(q "select count(*) from source_file")" "2"
before=$(dump)
status "same bytes again" 0 "$SB" ingest "$B/statement-jan.csv"
eq "unchanged" "$(dump)" "$before"

rm -f settlebook.db && "$SB" init >/dev/null 2>&1
status "both statements, newest first, in one run" 0 "$SB" ingest "$B/statement-jan-feb.csv" "$B/statement-jan.csv"
eq "same lines either way" "$(q "select count(*)||' '||sum(amount_minor) from bank_line")" "7 308606"

before=$(dump)
status "impossible date" 2 "$SB" ingest "$B/bad-date.csv"
contains "line and column" "$T/.err" "bad-date.csv:3:1: Date: date '31/02/2024'"
status "amount with a currency symbol" 2 "$SB" ingest "$B/bad-amount.csv"
contains "line and column" "$T/.err" "bad-amount.csv:3:2: Amount: amount '\$4.50'"
status "no amount column" 2 "$SB" ingest "$B/bad-no-amount.csv"
contains "says which columns it looked for" "$T/.err" "bad-no-amount.csv:1: unknown kind of file"
status "a new statement with a refused one: nothing is ingested" 2 "$SB" --config "$B/bank-eu.json" ingest "$B/statement-eu.csv" "$B/bad-amount.csv"
eq "ledger unchanged by refused files" "$(dump)" "$before"

status "EU layout by config: decimal comma, German column names" 0 "$SB" --config "$B/bank-eu.json" ingest "$B/statement-eu.csv"
eq "EUR lines" "$(q "select group_concat(date||' '||amount_minor||' '||payee, '|') from (select * from bank_line where currency='EUR' order by date)")" "2024-09-13 123456 Amazon EU S.a.r.l.|2024-09-14 -1250 Bäckerei Müller"
status "US layout by config: month first, two-digit year" 0 "$SB" --config "$B/bank-mdy.json" ingest "$B/statement-us-mdy.csv"
eq "mdy dates" "$(q "select group_concat(date||' '||amount_minor||' '||description, '|') from (select * from bank_line where description in ('AMAZON.COM SETTLEMENT','SUBSCRIPTION') order by date)")" "2024-01-31 25000 AMAZON.COM SETTLEMENT|2024-02-01 -999 SUBSCRIPTION"

status "audit chain verifies" 0 "$SB" audit verify
finish
