# install — `make install PREFIX=... DESTDIR=...` puts one self-contained binary in place: it
# creates a ledger without the source tree (the SQL migrations are compiled in).
. "$(dirname "$0")/../lib.sh"
# -o settlebook: install the binary this run tests, never rebuild it (make asan builds another)
check "make install into a staging folder" make -s -C "$ROOT" -o settlebook install \
  PREFIX=/opt/sb DESTDIR="$T/stage"
BIN="$T/stage/opt/sb/bin/settlebook"
check "installed binary is executable" test -x "$BIN"
mkdir -p "$T/elsewhere" && cd "$T/elsewhere" || exit 1
status "installed binary creates a ledger away from the source tree" 0 "$BIN" init
eq "all migrations applied" "$(sqlite3 settlebook.db 'PRAGMA user_version')" \
  "$(ls "$ROOT"/sql/*.sql | wc -l | tr -d ' ')"
status "installed binary reports its version" 0 "$BIN" --version
contains "version printed" "$T/.out" "settlebook "
finish
