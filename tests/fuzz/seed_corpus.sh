#!/bin/sh
# tests/fuzz/seed_corpus.sh — refreshes the committed seed corpus tests/fuzz/corpus/<target>/
# from what the repository holds; run it from a built tree after adding fixtures, then commit
# the corpus. tests/e2e/fuzz_replay.sh replays every file of each corpus through its target in
# `make test`, and fails when a fixture is missing from the ingest corpus.
#   ingest  every input file under fixtures/ (the public samples in fixtures/samples too) as
#           fx-<path>, and every bad input tests/e2e/bad_input.sh derives at run time as
#           bad-<name>; files of 256 KiB or more are left out (the fuzzer's inputs are small)
#   parse   a byte (the currency exponent, low 2 bits) then a money or date text, as
#           tests/fuzz/fuzz_parse.c reads them
#   xbody   every request body of the golden previews (tests/golden), and hand-made edge cases
#   xanswer two bytes (document count, status and collection) then an answer of Xero's shape
#   tzif    the TZif files of a few zones from the system's tzdata (public domain), whole and
#           cut short
# Files a fuzzer found (crash-*, leak-*, timeout-*, oom-*: `make fuzz` writes them into the
# corpus) are never touched. Other files are replaced, so a renamed fixture leaves no stale copy.
set -u
cd "$(dirname "$0")/../.." || exit 4
C=tests/fuzz/corpus
[ -x ./settlebook ] || { echo "seed_corpus: build first (make)"; exit 4; }

mkdir -p "$C/ingest" "$C/parse"
rm -f "$C"/ingest/fx-* "$C"/ingest/bad-* "$C"/parse/seed-*

find fixtures -type f ! -name '*.md' ! -name '*.py' ! -name SHA256SUMS -size -256k | sort |
  while read -r f; do cp "$f" "$C/ingest/fx-$(echo "${f#fixtures/}" | tr / _)"; done

sh tests/e2e/bad_input.sh >/dev/null 2>&1
out=tests/out/bad_input
for f in "$out"/*; do
  case ${f##*/} in base.sql|now.sql|settlebook.*) continue ;; esac
  [ -f "$f" ] && [ "$(wc -c <"$f")" -lt 262144 ] && cp "$f" "$C/ingest/bad-${f##*/}"
done

i=0
for s in "24.99" "-1,50" "1.234,56" "1,234.56" "92233720368547758.07" "2024-10-09 14:28:38 UTC" \
         "13.09.2024 08:59:52 UTC" "2024-10-09T14:28:38+00:00" "2024-10-09T14:28:38.058Z" \
         "13/09/2024" "2024-10-09 14:28:38 PDT" "caf\0351 \0200" "1,980" "29.99    " \
         "-92233720368547758.08" "0,001" "2024-02-30" "25:61"; do
  for x in 0 2 3; do
    printf "\\$(printf '%03o' "$x")%b" "$s" >"$C/parse/seed-$i"; i=$((i + 1))
  done
done
mkdir -p "$C/xbody" "$C/xanswer" "$C/tzif"
rm -f "$C"/xbody/seed-* "$C"/xanswer/seed-* "$C"/tzif/seed-*
/usr/bin/python3 - "$C" <<'PY'
import glob, json, os, sys
c = sys.argv[1]
bodies = []
for g in sorted(glob.glob('tests/golden/*.json')):
    for r in json.load(open(g))['requests']:
        b = r['body'] if isinstance(r['body'], str) else json.dumps(r['body'], separators=(',', ':'))
        if b not in bodies:
            bodies.append(b)
bodies += ['{"Invoices":[]}', '{"Invoices":[{"a":1}', '[{"a":1}]', '{ "CreditNotes" : [ {"a":1} , {"b":2} ] }',
           '{"Payments":[{"A":"x]}"},{"B":[1,{"c":"\\"}"}]},{"C":-0.05}]}', '{"Invoices":[{"a":"unterminated}]}']
for i, b in enumerate(bodies):
    open(os.path.join(c, 'xbody', 'seed-%03d' % i), 'w').write(b)
answers = [
    (2, 0, '{"Invoices":[{"InvoiceID":"i1","Status":"AUTHORISED"},{"InvoiceID":"i2","HasErrors":true,'
           '"StatusAttributeString":"ERROR","ValidationErrors":[{"Message":"Account code 999 is not valid"}]}]}'),
    (1, 1, '{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred",'
           '"Elements":[{"ValidationErrors":[{"Message":"Invoice not of valid status for creation"}]}]}'),
    (1, 16, '{"Payments":[{"PaymentID":"p1","Status":"AUTHORISED"}]}'),
    (3, 8, '{"CreditNotes":[{"CreditNoteID":"c1"},{"CreditNoteID":"c2"}]}'),
    (1, 24, '{"ManualJournals":[{"ManualJournalID":"m1","Status":"POSTED"}]}'),
    (1, 32, '{"BankTransfers":[{"BankTransferID":"b1"}]}'),
    (0, 6, '{"Title":"Too Many Requests","Status":429}'),
    (0, 3, '{"Title":"Unauthorized","Status":401,"Detail":"TokenExpired"}'),
    (1, 0, '{"Invoices":[{"InvoiceID":null,"ValidationErrors":[]}]}'),
    (1, 0, '{"Invoices":{}}'),
    (4, 0, '{"Invoices":[{"InvoiceID":"i1"}]}'),
]
for i, (n, st, a) in enumerate(answers):
    open(os.path.join(c, 'xanswer', 'seed-%03d' % i), 'wb').write(bytes([n, st]) + a.encode())
i = 0
for z in ['UTC', 'America/Los_Angeles', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata',
          'Pacific/Chatham', 'America/Sao_Paulo', 'Africa/Casablanca']:
    p = os.path.join('/usr/share/zoneinfo', z)
    if not os.path.exists(p):
        continue
    d = open(p, 'rb').read()
    for cut in (len(d), len(d) // 2, 60):
        open(os.path.join(c, 'tzif', 'seed-%03d' % i), 'wb').write(d[:cut])
        i += 1
PY
for t in ingest parse xbody xanswer tzif; do echo "seed_corpus: $t: $(ls "$C/$t" | wc -l) file(s)"; done
