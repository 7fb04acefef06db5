# tests/live_lib.sh — sourced after lib.sh by the live posting tests (tests/e2e/live*.sh):
# starts the fake Xero identity service once and a fresh fake Xero API per scenario (each
# scenario has its own folder, ledger and config), runs settlebook with every byte of its
# output kept for the canary check, and asks the fake what it holds.
FAKE_ID="$ROOT/tests/fake_xero_identity.py"
FAKE_X="$ROOT/tests/fake_xero.py"
CHECK="python3 $ROOT/tests/live_check.py"
CANARY=CANARY-xero-client-secret-5f1d0c
CID=settlebook-live-test
export SETTLEBOOK_XERO_CLIENT_ID="$CID" SETTLEBOOK_XERO_CLIENT_SECRET="$CANARY"
export HOME="$T/home"
unset SETTLEBOOK_XERO_TENANT_ID SETTLEBOOK_CRASH_AT
mkdir -p "$HOME"
ALL="$T/all-output.log"
: >"$ALL"
ID_PID=""
X_PID=""
TOP="$T"
trap 'kill $ID_PID $X_PID 2>/dev/null' EXIT

# waitfile FILE: until FILE is non-empty (10 s at most)
waitfile() { i=0; while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done; }

python3 "$FAKE_ID" --port-file "$TOP/id.port" --tokens-file "$TOP/id.tokens.json" \
  --client-id "$CID" --client-secret "$CANARY" >"$TOP/id.log" 2>&1 &
ID_PID=$!
waitfile "$TOP/id.port"
IU="http://127.0.0.1:$(cat "$TOP/id.port")"

# fake_start [fake_xero options...]: a fresh fake Xero API for the current scenario
fake_start() {
  fake_stop
  rm -f "$S/x.port"
  python3 "$FAKE_X" --port-file "$S/x.port" --tokens-file "$TOP/id.tokens.json" \
    --log-file "$S/requests.jsonl" --calls-per-minute 100000 "$@" >"$S/x.log" 2>&1 &
  X_PID=$!
  waitfile "$S/x.port"
  XU="http://127.0.0.1:$(cat "$S/x.port")"
}
fake_stop() { if [ -n "$X_PID" ]; then kill "$X_PID" 2>/dev/null; wait "$X_PID" 2>/dev/null; X_PID=""; fi; }

# config MODE [XERO_JSON_FIELDS]: settlebook.json for the scenario, pointing at the fakes
config() {
  python3 - "$1" "$XU" "$IU" "$TOP/xero-token.json" "${2:-}" <<'EOF'
import json, sys
mode, xu, iu, tok, extra = sys.argv[1:6]
c = json.load(open("settlebook.json"))
c["posting"]["mode"] = mode
if mode == "journal":
    # Xero refuses a bank account on a manual journal line (tests/fake_xero.py does too), and
    # the default clearing account 091 is a bank account: journal mode needs a non-bank
    # clearing account, here the demo chart's 620 (a current asset taking payments)
    c.setdefault("accounts", {})["clearing"] = "620"
c["xero"] = {"api_url": xu + "/api.xro/2.0", "token_url": iu + "/connect/token",
             "connections_url": iu + "/connections", "token_file": tok,
             "timeout_ms": 1500, "max_retries": 4}
if extra:
    c["xero"].update(json.loads("{" + extra + "}"))
json.dump(c, open("settlebook.json", "w"), indent=1)
EOF
}

# scenario NAME MODE [fake_xero options...]: a fresh folder, ledger, fake and config; the
# fixtures given in $FILES (default: two October settlements and one across Sep/Oct) ingested
scenario() {
  S="$TOP/$1"
  rm -rf "$S" && mkdir -p "$S" && cd "$S" || exit 1
  "$SB" init >/dev/null 2>&1
  m=$2
  shift 2
  fake_start "$@"
  config "$m"
  "$SB" ingest ${FILES:-$FX/reconcile/clean-s1.tsv $FX/reconcile/clean-s2.tsv \
    $FX/settlements/v2-us.tsv} >/dev/null 2>&1 || bad "$S: ingest failed"
}

# sb WANT DESCRIPTION ARGS...: settlebook in the scenario; output in .out/.err and $ALL
sb() { w=$1; d=$2; shift 2; "$SB" "$@" >"$S/.out" 2>"$S/.err"; st=$?
  cat "$S/.out" "$S/.err" >>"$ALL"
  if [ "$st" = "$w" ]; then ok; else bad "$d: exit $st, want $w: $(tail -c 400 "$S/.err")"; fi; }

# crash POINT: post --live killed at POINT (exit 137 from SIGKILL)
crash() { SETTLEBOOK_CRASH_AT=$1 "$SB" post --live >"$S/.out" 2>"$S/.err"; st=$?
  cat "$S/.out" "$S/.err" >>"$ALL"
  if [ "$st" = 137 ]; then ok; else bad "crash at $1: exit $st, want 137: $(tail -c 300 "$S/.err")"; fi; }

# sq SQL: one value from the scenario's ledger
sq() { sqlite3 "$S/settlebook.db" "$1"; }

# once: the fake holds every outbox document exactly once and nothing else
# once DESC [YYYY-MM]: every document of the outbox (of that month and earlier) is in Xero
# exactly once, and nothing else is
once() { r=$($CHECK once "$S/settlebook.db" "$XU" ${2:-}); eq "$1: exactly once" "$r" "ok"; }

# sent_bytes: what was PUT equals the outbox rows and the preview
sent_bytes() { r=$($CHECK bytes "$S/settlebook.db" "$S/requests.jsonl" "$S/reports"); eq "$1: bytes sent = preview" "$r" "ok"; }

# puts: PUT requests the fake received
puts() { if [ -f "$S/requests.jsonl" ]; then grep -c '"method": "PUT"' "$S/requests.jsonl"; else echo 0; fi; }

# items: every ItemCode the outbox uses, created in the fake (orders mode needs them)
items() { fctl "{\"add_items\": $(sq "select json_group_array(distinct json_extract(li.value, '\$.ItemCode')) from outbox, json_each(body, '\$.Invoices') d, json_each(d.value, '\$.LineItems') li where json_extract(li.value, '\$.ItemCode') is not null")}"; }

# fstat KEY: a counter of the fake
fstat() { curl -s "$XU/__stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# fctl JSON: POST /__control; ffault JSON: POST /__faults
fctl() { curl -s -X POST -d "$1" "$XU/__control" >/dev/null; }
ffault() { curl -s -X POST -d "$1" "$XU/__faults" >/dev/null; }

# canary_check: neither the client secret nor any access token the identity fake issued
# appears in any output, ledger, preview, workbook or request log
canary_check() {
  found=0
  for f in "$ALL" $(find "$TOP" -name 'settlebook.db' -o -name 'xero-preview.json' \
             -o -name 'requests.jsonl' -o -name 'x.log'); do
    if grep -q -- "$CANARY" "$f" 2>/dev/null; then found=1; echo "canary in $f"; fi
  done
  for f in $(find "$TOP" -name '*.xlsx'); do   # zipped: look inside
    if python3 -c 'import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
sys.exit(0 if any(sys.argv[2].encode() in z.read(n) or re.search(rb"at-[0-9a-f]{32}", z.read(n))
                  for n in z.namelist()) else 1)' "$f" "$CANARY"; then found=1; echo "secret in $f"; fi
  done
  for db in $(find "$TOP" -name settlebook.db); do
    if sqlite3 "$db" .dump | grep -q -- "$CANARY"; then found=1; echo "canary in $db"; fi
    if sqlite3 "$db" .dump | grep -q -- 'at-[0-9a-f]\{32\}'; then found=1; echo "token in $db"; fi
  done
  if grep -q -- 'at-[0-9a-f]\{32\}' "$ALL"; then found=1; echo "access token in output"; fi
  eq "no secret or token in any output, ledger, preview or log" "$found" "0"
}
