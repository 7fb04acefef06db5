#!/bin/sh
# tests/bench_fanout.sh — `make bench-fanout`: many sellers on one machine. Generates
# BENCH_FANOUT_SELLERS synthetic sellers (default 200; each its own seed, a settlement of
# BENCH_FANOUT_ROWS amount lines (default 20,000), its order history and bank statement, in
# its own folder), then closes them all as independent jobs, `xargs -P $(nproc)` at a time:
# per seller `settlebook init` and `settlebook close --period P FILES`, exactly what the
# CronJob / systemd timer in contrib/ run. Prints sellers per minute and the peak RSS per job
# (largest and median), and checks every job closed and wrote its preview and workbook.
# No coordination between jobs: one ledger per seller. Files go to BENCH_DIR/fanout
# (default bench/fanout). Exit status: 0 when every seller closed, 1 when one did not, 2 when
# something failed to run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SB=${SB:-$ROOT/settlebook}
B=${BENCH_DIR:-$ROOT/bench}/fanout
N=${BENCH_FANOUT_SELLERS:-200}
ROWS=${BENCH_FANOUT_ROWS:-20000}
PY=/usr/bin/python3
export TZ=UTC LC_ALL=C

# --job DIR: one seller's close (called by xargs); appends "DIR SECONDS PEAK_KB EXIT" to
# $B/results (one short line: appends of a few bytes do not interleave).
if [ "${1:-}" = "--job" ]; then
  d=$2
  cd "$d" || exit 2
  r=$("$PY" -c '
import os, sys, time
t0 = time.monotonic(); peak = 0; code = 0
for cmd in (sys.argv[1:3] + ["init"], sys.argv[1:3] + ["close", "--period", sys.argv[3],
            "s.tsv", "o.tsv", "b.csv"]):
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDWR)
        log = os.open("job.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(null, 0); os.dup2(log, 1); os.dup2(log, 2)
        try:
            os.execv(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    peak = max(peak, ru.ru_maxrss)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        break
print("%.3f %d %d" % (time.monotonic() - t0, peak, code))
' "$SB" --quiet "$(cat period)")
  echo "$d $r" >>"$B/results"
  exit 0
fi

[ -x "$SB" ] || { echo "bench-fanout: build settlebook first (make)"; exit 2; }
[ -x "$PY" ] || { echo "bench-fanout: $PY is not installed"; exit 2; }
P=$(nproc 2>/dev/null || echo 1)
rm -rf "$B" && mkdir -p "$B" || exit 2
echo "settlebook bench-fanout: $N sellers of $ROWS amount lines each, xargs -P $P (nproc)"
i=1
while [ "$i" -le "$N" ]; do
  d="$B/seller-$i"
  mkdir -p "$d"
  "$SB" synth --rows "$ROWS" --seed "$i" -o "$d/s.tsv" --orders "$d/o.tsv" --bank "$d/b.csv" \
    2>/dev/null || { echo "bench-fanout: synth failed for seller $i"; exit 2; }
  sed -n 2p "$d/s.tsv" | cut -f2 | cut -c1-7 >"$d/period"
  echo "$d"
  i=$((i + 1))
done >"$B/sellers"
echo "  generated in $B"

: >"$B/results"
T0=$("$PY" -c 'import time; print(time.monotonic())')
xargs -P "$P" -n 1 sh "$0" --job <"$B/sellers" || { echo "bench-fanout: xargs failed"; exit 2; }
T1=$("$PY" -c 'import time; print(time.monotonic())')

"$PY" - "$B" "$N" "$P" "$T0" "$T1" <<'EOF'
import os, statistics, sys
b, n, p, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), \
    float(sys.argv[5])
rows = [l.split() for l in open(os.path.join(b, "results")) if l.strip()]
ok = [r for r in rows if r[3] in ("0", "1") and
      os.path.exists(os.path.join(r[0], "reports", open(os.path.join(r[0], "period")).read().strip(),
                                  "reconciliation.xlsx"))]
el = t1 - t0
rss = sorted(int(r[2]) for r in rows)
secs = sorted(float(r[1]) for r in rows)
print("  %d of %d sellers closed in %.1f s with %d jobs at a time" % (len(ok), n, el, p))
print("  sellers per minute:   %8.1f" % (len(ok) / el * 60 if el > 0 else 0))
if rows:
    print("  seconds per job:      %8.2f median, %.2f max (init + close)" %
          (statistics.median(secs), secs[-1]))
    print("  peak RSS per job:     %8.1f MB median, %.1f MB max" %
          (statistics.median(rss) / 1024, rss[-1] / 1024))
    print("  one machine: %d cores x 64 MB per job; memory is not the limit, cores are" % p)
sys.exit(0 if len(ok) == n else 1)
EOF
