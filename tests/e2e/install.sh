# install — `make install PREFIX=... DESTDIR=...` puts a stripped, self-contained binary in
# place (it creates a ledger without the source tree: the SQL migrations are compiled in), the
# man page and the bash completion; `make uninstall` removes exactly them. The man page is
# rendered and must name every command, option and environment variable the program knows;
# the completion is run the way bash runs it.
. "$(dirname "$0")/../lib.sh"
# BIN and -o: install the binary this run tests (make asan's is build-asan/settlebook), never
# rebuild it
IB=${SETTLEBOOK_BIN:-settlebook}
check "make install into a staging folder" make -s -C "$ROOT" -o "$IB" install BIN="$IB" \
  PREFIX=/opt/sb DESTDIR="$T/stage"
P="$T/stage/opt/sb"
BIN="$P/bin/settlebook"
MAN="$P/share/man/man1/settlebook.1"
COMP="$P/share/bash-completion/completions/settlebook"
check "installed binary is executable" test -x "$BIN"
check "man page installed" test -f "$MAN"
check "bash completion installed" test -f "$COMP"
eq "installed binary is stripped (no symbol table)" \
  "$(readelf -S "$BIN" | grep -c '\.symtab')" "0"
mkdir -p "$T/elsewhere" && cd "$T/elsewhere" || exit 1
status "installed binary creates a ledger away from the source tree" 0 "$BIN" init
eq "all migrations applied" "$(sqlite3 settlebook.db 'PRAGMA user_version')" \
  "$(ls "$ROOT"/sql/*.sql | wc -l | tr -d ' ')"
status "installed binary reports its version" 0 "$BIN" --version
contains "version printed" "$T/.out" "settlebook "

# the man page renders without a warning, with the sections a man page has
MANWIDTH=100 man -l "$MAN" > "$T/man.txt" 2> "$T/man.err"
eq "man -l renders it" "$?" "0"
groff -man -Tutf8 -ww -z "$MAN" 2> "$T/groff.err"
eq "groff finds nothing to warn about" "$(cat "$T/groff.err")" ""
for s in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT STATUS" FILES ENVIRONMENT \
         EXAMPLES; do
  contains "man page has $s" "$T/man.txt" "$s"
done
# every command, and every option of every command's --help, is in the man page
"$BIN" --help > "$T/usage.txt"
cmds=$(awk '/^commands:/{f=1;next} /^$/{f=0} f{print $1}' "$T/usage.txt")
eq "usage lists 16 commands" "$(echo $cmds | wc -w | tr -d ' ')" "16"
for c in $cmds; do
  contains "man page describes $c" "$T/man.txt" "$c"
  "$BIN" $c --help > "$T/help-$c.txt" 2>&1
  for o in $(grep -oE -- '--[a-z][a-z-]+' "$T/help-$c.txt" | sort -u); do
    contains "man page has $c's $o" "$T/man.txt" "$o"
  done
done
for o in $(grep -oE -- '--[a-z][a-z-]+' "$T/usage.txt" | sort -u); do
  contains "man page has global $o" "$T/man.txt" "$o"
done
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$ROOT/src" | sed 's/getenv("//; s/")//' | sort -u); do
  contains "man page has environment variable $v" "$T/man.txt" "$v"
done
for x in 0 1 2 3 4; do grep -qE "^ {7}$x\b" "$T/man.txt" && ok || bad "exit status $x described"; done

# bash completion: commands, options, periods found in the ledger
"$BIN" ingest "$FX/demo/settlement-us-2025-09.tsv" "$FX/demo/settlement-de-2025-09.tsv" \
  2>/dev/null
complete_words() {  # complete_words WORD... : what bash would offer for the last word
  PATH="$P/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
    _settlebook; [ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@" | sort | tr '\n' ' '
}
eq "commands" "$(complete_words settlebook c)" "close "
eq "close's options" "$(complete_words settlebook close --)" \
  "--config --dry-run --fetch --help --json --ledger --live --notify --period --quiet --reports --verbose --verify --version "
eq "periods found in the ledger" "$(complete_words settlebook close --period '')" "2025-09 2025-10 "
eq "periods of another --ledger" "$(complete_words settlebook --ledger "$T/elsewhere/settlebook.db" period lock 2025-1)" "2025-10 "
eq "no periods in an empty ledger" "$(complete_words settlebook --ledger "$T/none.db" close --period '')" ""
eq "subcommands" "$(complete_words settlebook outbox '')" "dead list retry "
eq "--state values" "$(complete_words settlebook outbox list --state '')" "confirmed dead pending sending superseded "

# uninstall removes exactly what install put there
check "make uninstall" make -s -C "$ROOT" -o settlebook uninstall PREFIX=/opt/sb DESTDIR="$T/stage"
eq "nothing left behind" "$(find "$T/stage" -type f | wc -l | tr -d ' ')" "0"
finish
