#!/bin/sh
# tests/bench_post.sh — live posting throughput under Xero's real limits. Generates a period
# with `settlebook synth` (BENCH_POST_ROWS amount lines, default 12,000: about 1,500 orders),
# posts it in orders mode (50 documents per request) with `settlebook post --live` to the
# fake Xero (tests/fake_xero.py) enforcing Xero's limits — 60 calls in any 60 s, 5 at once,
# 5,000 a day — and prints documents per minute against the ceiling those limits allow
# (60 calls/min x 50 documents = 3,000 documents/min for batched documents). The default size
# needs just over one minute's calls, so the run takes about 65 s and crosses a window.
# Files go to BENCH_DIR/post (default bench/post). Exit status: 0 when every document is in
# the fake exactly once and the limits were never exceeded (no 429, <= 60 calls in any
# minute, <= 5 at once), 1 otherwise, 2 when something failed to run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB="$ROOT/settlebook"
B=${BENCH_DIR:-$ROOT/bench}/post
ROWS=${BENCH_POST_ROWS:-12000}
PY=/usr/bin/python3
export TZ=UTC LC_ALL=C

[ -x "$SB" ] || { echo "bench: build settlebook first (make)"; exit 2; }
[ -x "$PY" ] || { echo "bench: $PY is not installed"; exit 2; }
rm -rf "$B" && mkdir -p "$B" && cd "$B" || exit 2
LOG="$B/bench.log"
: >"$LOG"
PIDS=""
trap 'kill $PIDS 2>/dev/null' EXIT INT TERM
die() { echo "bench: $*"; echo "bench: see $LOG"; exit 2; }
waitfile() { i=0; while [ ! -s "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  [ -s "$1" ] || die "$2 did not start"; }

export SETTLEBOOK_XERO_CLIENT_ID=bench-client SETTLEBOOK_XERO_CLIENT_SECRET=bench-secret
export HOME="$B/home"
unset SETTLEBOOK_CRASH_AT SETTLEBOOK_XERO_TENANT_ID
mkdir -p "$HOME"
"$PY" "$ROOT/tests/fake_xero_identity.py" --port-file id.port --tokens-file id.tokens.json \
  --client-id bench-client --client-secret bench-secret >>"$LOG" 2>&1 &
PIDS="$PIDS $!"
waitfile id.port "the fake identity service"
"$PY" "$ROOT/tests/fake_xero.py" --port-file x.port --tokens-file id.tokens.json \
  --calls-per-minute 60 --window-s 60 --concurrent 5 --day-limit 5000 >>"$LOG" 2>&1 &
PIDS="$PIDS $!"
waitfile x.port "the fake Xero API"
IU="http://127.0.0.1:$(cat id.port)"
XU="http://127.0.0.1:$(cat x.port)"

"$SB" init >>"$LOG" 2>&1 || die "settlebook init failed"
"$PY" - "$XU" "$IU" <<'EOF' || die "cannot write the config"
import json, sys
c = json.load(open("settlebook.json"))
c["posting"]["mode"] = "orders"
c["xero"] = {"api_url": sys.argv[1] + "/api.xro/2.0", "token_url": sys.argv[2] + "/connect/token",
             "connections_url": sys.argv[2] + "/connections", "token_file": "xero-token.json"}
json.dump(c, open("settlebook.json", "w"), indent=1)
EOF
"$SB" synth --rows "$ROWS" --seed 7 -o settlement.tsv --orders orders.tsv >>"$LOG" 2>&1 ||
  die "settlebook synth failed"
"$SB" ingest settlement.tsv orders.tsv >>"$LOG" 2>&1 || die "settlebook ingest failed"
"$SB" post >>"$LOG" 2>&1 || die "settlebook post (dry run) failed"
# the organisation has an item per SKU, as a seller's Xero would
items=$(sqlite3 settlebook.db "select json_group_array(distinct json_extract(li.value, '\$.ItemCode')) from outbox, json_each(body, '\$.Invoices') d, json_each(d.value, '\$.LineItems') li where json_extract(li.value, '\$.ItemCode') is not null")
curl -s -X POST -d "{\"add_items\": $items}" "$XU/__control" >/dev/null || die "fake control failed"
REQ=$(sqlite3 settlebook.db "select count(*) from outbox")
DOCS=$(sqlite3 settlebook.db "select sum(json_array_length(json_extract(body, '\$.' || substr(path, 2)))) from outbox")
echo "settlebook bench (post --live): $ROWS amount lines, orders mode: $REQ requests for $DOCS documents"
echo "  the fake enforces Xero's limits: 60 calls in any 60 s, 5 at once, 5,000 a day"

T0=$("$PY" -c 'import time; print(time.monotonic())')
"$SB" post --live >>"$LOG" 2>&1
st=$?
T1=$("$PY" -c 'import time; print(time.monotonic())')
[ "$st" = 0 ] || die "settlebook post --live failed (exit $st)"
curl -s "$XU/__stats" >stats.json || die "cannot read the fake's counters"
ONCE=$("$PY" "$ROOT/tests/live_check.py" once settlebook.db "$XU")
CONF=$(sqlite3 settlebook.db "select count(*) from outbox_doc where state = 'confirmed'")
"$PY" - "$T0" "$T1" "$REQ" "$CONF" stats.json "$ONCE" <<'EOF'
import json, sys
t0, t1, req, docs, path, once = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5], sys.argv[6]
s = json.load(open(path))
el = t1 - t0
calls = s["calls"]
ceiling = 60 * 50
fill = docs / req if req else 0
# Xero counts calls in any 60 s: a run may spend a whole minute's calls at once (as here),
# so its wall-clock rate over one minute overstates what a long period sustains. Sustained:
# 60 calls a minute, of which the share that carries documents, times documents per call.
sustained = 60.0 * req / calls * fill if calls else 0
print("  post --live: %.1f s for %d documents, %d calls (%d requests + %d preflight), "
      "%d refused (429)" % (el, docs, calls, req, calls - req, s["rate_limited"]))
print("  most calls in any 60 s: %d (limit 60); most at once: %d (limit 5, sent one at a "
      "time)" % (s["max_in_window"], s["max_concurrent"]))
print("  documents per request: %7.1f  (at most 50: partial batches, bills, transfers)" % fill)
print("  documents per minute:  %7.0f  sustained = 60 calls/min x %d/%d calls with documents "
      "x %.1f documents" % (sustained, req, calls, fill))
print("                         %7d  ceiling = 60 calls/min x 50 documents (%.0f%% reached)"
      % (ceiling, 100.0 * sustained / ceiling))
print("                         %7.0f  this run's wall clock (%d calls fit in %d minute "
      "window(s): the first minute's go out at once)" % (docs / el * 60, calls,
                                                         -(-calls // 60)))
print("  every document in Xero exactly once: %s" % once)
ok = once == "ok" and s["rate_limited"] == 0 and s["max_in_window"] <= 60 and \
    s["max_concurrent"] <= 5 and docs > 0
print("  limits respected" if ok else "  LIMITS OR EXACTLY-ONCE VIOLATED")
sys.exit(0 if ok else 1)
EOF
