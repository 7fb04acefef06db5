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

# spapi_fake: starts tests/fake_spapi.py in $T/fake (F, LOG, PORT, FAKE; stopped on exit) with
# canary Login with Amazon credentials (exported, and as CRED for its state.json), and points
# the spapi section of ./settlebook.json (made by `settlebook init` first) at it.
spapi_fake() {
  F="$T/fake"; LOG="$F/requests.log"; mkdir -p "$F"
  export SETTLEBOOK_LWA_CLIENT_ID='amzn1.application-oa2-client.CANARYCLIENT'
  export SETTLEBOOK_LWA_CLIENT_SECRET='amzn1.oa2-cs.v1.CANARYSECRET'
  export SETTLEBOOK_LWA_REFRESH_TOKEN='Atzr|CANARY-REFRESH-0123456789'
  CRED='"client_id": "amzn1.application-oa2-client.CANARYCLIENT", "client_secret": "amzn1.oa2-cs.v1.CANARYSECRET", "refresh_token": "Atzr|CANARY-REFRESH-0123456789"'
  python3 "$ROOT/tests/fake_spapi.py" "$F" &
  FAKE=$!
  trap 'kill $FAKE 2>/dev/null' EXIT
  i=0; while [ ! -s "$F/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  PORT=$(cat "$F/port")
  python3 - "$PORT" <<'PY'
import json, sys
c = json.load(open("settlebook.json"))
url = "http://127.0.0.1:%s" % sys.argv[1]
c["spapi"] = {"endpoint": url, "token_url": url + "/auth/o2/token", "marketplace_ids":
              "ATVPDKIKX0DER", "data_dir": "data", "max_retries": 4, "timeout_ms": 5000}
json.dump(c, open("settlebook.json", "w"), indent=1)
PY
}

# exception_month_undo DB: DB as a ledger of the schema before sql/NNN_exception_month.sql
# (no exception.month, user_version one below that migration's number), so opening it runs
# that migration again on rows as the older settlebook left them (and the later ones: the
# table sql/*_cogs_cover.sql adds, the indexes of sql/*_rare_lines.sql, the table of
# sql/*_rare_line_table.sql, which drops them and sql/*_file_seen.sql's payable index: that
# one is put back as the older ledger had it).
exception_month_undo() {
  n=$(basename "$ROOT"/sql/*_exception_month.sql | cut -c1-3)
  payable=$(sed -n '/^CREATE INDEX settlement_line_payable/,/;/p' "$ROOT"/sql/*_file_seen.sql)
  sqlite3 "$1" "DROP TABLE IF EXISTS cogs_cover; DROP TABLE IF EXISTS settlement_line_rare; $payable DROP INDEX exception_by_month; ALTER TABLE exception DROP COLUMN month; PRAGMA user_version = $(expr "$n" - 1);"
}

finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; }
