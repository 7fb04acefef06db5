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
for t in ingest parse; do echo "seed_corpus: $t: $(ls "$C/$t" | wc -l) file(s)"; done
