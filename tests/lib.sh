# tests/lib.sh — sourced by every tests/e2e/*.sh. Gives each test a fresh folder and the
# check helpers; `finish` prints "N passed, N failed" and sets the exit status.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SB="${SETTLEBOOK_BIN:+$ROOT/$SETTLEBOOK_BIN}"; SB="${SB:-$ROOT/settlebook}"
FX="$ROOT/fixtures"
SAMPLES="$FX/samples"   # public third-party samples, see fixtures/samples/README.md
NAME=$(basename "$0" .sh)
T="$ROOT/tests/out/$NAME"
rm -rf "$T" && mkdir -p "$T" && cd "$T" || exit 1
export TZ=UTC LC_ALL=C
# Under `make asan` a sanitizer report exits 99, never a status settlebook itself uses (0-4).
export ASAN_OPTIONS="${ASAN_OPTIONS:-exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:exitcode=99}"
# Debian's python3 has python3-jsonschema and python3-openpyxl; a pyenv shim may not.
export PATH="/usr/bin:$PATH"
PASS=0
FAIL=0
# Interrupted or stopped (tests/run.sh's time limit): end here, which runs the script's EXIT
# trap (stopping its fakes); a trap without exit would carry on with the fakes gone.
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $NAME: $*"; }

# check DESCRIPTION COMMAND...: passes when the command exits 0.
check() { d=$1; shift; if "$@" >/dev/null 2>&1; then ok; else bad "$d"; fi; }

# eq DESCRIPTION GOT WANT
eq() { if [ "$2" = "$3" ]; then ok; else bad "$1: got [$2] want [$3]"; fi; }

# status DESCRIPTION WANT COMMAND...: checks the exit status.
status() { d=$1; w=$2; shift 2; "$@" >"$T/.out" 2>"$T/.err"; s=$?
  if [ "$s" = "$w" ]; then ok; else bad "$d: exit $s, want $w: $(head -c 300 "$T/.err")"; fi; }

# contains DESCRIPTION FILE TEXT
contains() { if grep -qF -- "$3" "$2"; then ok; else bad "$1: '$3' not in $2: $(head -c 300 "$2")"; fi; }

# q SQL: one value from the test ledger
q() { sqlite3 "$T/settlebook.db" "$1"; }

# dump of the ledger's contents, for before/after comparisons
dump() { sqlite3 "$T/settlebook.db" .dump; }

# exception_month_undo DB: DB as a ledger of the schema before sql/NNN_exception_month.sql
# (no exception.month, user_version one below that migration's number), so opening it runs
# that migration again on rows as the older settlebook left them.
exception_month_undo() {
  n=$(basename "$ROOT"/sql/*_exception_month.sql | cut -c1-3)
  sqlite3 "$1" "DROP INDEX exception_by_month; ALTER TABLE exception DROP COLUMN month; PRAGMA user_version = $(expr "$n" - 1);"
}

finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; }
