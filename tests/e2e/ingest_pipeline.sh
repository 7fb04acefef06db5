# ingest_pipeline — ingest parses a file in a second thread while it inserts (delim's
# pipelined read): on a file many batches long, a bad value or a parse error far into it is
# reported with its own line and column, exit 2, and the ledger as it was; quoted values over
# two lines, some at the pipeline's batch edges, load whole and keep later line numbers right.
. "$(dirname "$0")/../lib.sh"

"$SB" init >/dev/null 2>&1
"$SB" ingest "$FX/settlements/v2-de-eur.tsv" >/dev/null 2>&1   # a ledger with something in it
"$SB" synth --rows 30000 --seed 11 -o big.tsv 2>/dev/null
eq "the big file is there" "$(wc -l <big.tsv)" 30002
dump > base.sql

# refused NAME WANT FILE: exit 2, WANT in stderr, the ledger unchanged, no sanitizer report
refused() {
  "$SB" ingest "$3" >"$T/.out" 2>"$T/.err"; s=$?
  eq "$1: exit" "$s" 2
  contains "$1: message" "$T/.err" "$2"
  if grep -q 'Sanitizer\|runtime error\|Segmentation\|Aborted\|ThreadSanitizer' "$T/.err"; then
    bad "$1: crashed or sanitizer report: $(head -c 400 "$T/.err")"; else ok; fi
  dump > now.sql
  if cmp -s base.sql now.sql; then ok; else bad "$1: the ledger changed"; fi
}

# the callback refuses a row deep in the file (the reader thread is ahead of it)
awk -F'\t' -v OFS='\t' 'NR == 20001 { $15 = "12.3x" } 1' big.tsv > bad-amount.tsv
refused "bad amount at line 20001" "bad-amount.tsv:20001:15: amount: amount '12.3x'" bad-amount.tsv
# ... and on the very last row
awk -F'\t' -v OFS='\t' 'NR == 30002 { $15 = "1e3" } 1' big.tsv > bad-last.tsv
refused "bad amount on the last line" "bad-last.tsv:30002:15: amount: amount '1e3'" bad-last.tsv

# the reader thread finds a parse error deep in the file: the rows before it went to the
# callback, none after, and the error is the reader's, with its line
awk -F'\t' -v OFS='\t' 'NR == 25001 { $22 = "\"stray" } NR == 25003 { $22 = "x\"" } 1' big.tsv > swallow.tsv
refused "stray quote at line 25001" "swallow.tsv:25001:22: a '\"' opens a quoted value that runs to line 25003 and swallows tabs" swallow.tsv
awk -F'\t' -v OFS='\t' 'NR == 25001 { $22 = "\"stray" } 1' big.tsv > unclosed.tsv
refused "stray quote at line 25001, never closed" "unclosed.tsv:25001: a '\"' opens a quoted value that never closes" unclosed.tsv
awk 'NR == 27001 { printf "%s", $0; for (i = 0; i < 70000; i++) printf "x"; print ""; next } 1' big.tsv > long-field.tsv
refused "a 70 KB field at line 27001" "long-field.tsv:27001: a field is longer than 64 KiB" long-field.tsv
{ cat big.tsv; printf '%s\t"never closed\n' "$(sed -n 3p big.tsv | cut -f1-21)"; } > runaway.tsv
refused "a quote open at the end of the file" "runaway.tsv:30003: a '\"' opens a quoted value that never closes" runaway.tsv

# quoted values over two lines around the batch edges (every 2048 records) and far apart:
# they load whole, and a bad value after them is named by its physical line
awk -F'\t' -v OFS='\t' 'NR > 2 && (NR % 2048 < 3 || NR % 2048 > 2045 || NR % 4999 == 0) { $22 = "\"SKU\n" NR "\"" } 1' big.tsv > multi.tsv
nq=$(awk -F'\t' 'NR > 2 && (NR % 2048 < 3 || NR % 2048 > 2045 || NR % 4999 == 0)' big.tsv | wc -l)
awk -v n="$((30002 + nq))" 'NR == n - 1 { sub(/\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*$/, "\tzz&") } 1' multi.tsv > multi-bad.tsv
refused "bad value after quoted multi-line values" "multi-bad.tsv:$((30002 + nq - 1)):15: amount: amount 'zz" multi-bad.tsv
status "quoted multi-line values: ingested" 0 "$SB" ingest multi.tsv
last="(select id from settlement order by id desc limit 1)"
eq "every line landed" "$(q "select count(*) from settlement_line where settlement_ref = $last")" 30000
eq "the last line's number counts the line breaks" "$(q "select max(line_no) from settlement_line where settlement_ref = $last")" "$((30002 + nq))"
eq "the multi-line SKUs kept their line break" "$(q "select count(*) from settlement_line where sku like 'SKU' || char(10) || '%'")" "$nq"
eq "the total matches the lines" "$(q "select total_minor = lines_sum_minor from settlement order by rowid desc limit 1")" 1
status "audit chain verifies" 0 "$SB" audit verify
finish
