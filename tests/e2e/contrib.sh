# contrib — the deployment examples are well-formed and say what the README says: the
# Kubernetes CronJob (parsed with python3-yaml: one seller per job, concurrencyPolicy Forbid,
# the ledger on a PersistentVolumeClaim, every credential from a Secret, the command a real
# settlebook close), and the systemd service + timer (systemd-analyze verify when available,
# always a strict parse of the unit files). Each checker is also run on a broken copy, which it
# must reject.
. "$(dirname "$0")/../lib.sh"
C="$ROOT/contrib"
PY=/usr/bin/python3

cat >check_k8s.py <<'EOF'
import re, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
kinds = {d["kind"]: d for d in docs}
errs = []
def need(cond, what):
    if not cond:
        errs.append(what)
cj, pvc = kinds.get("CronJob"), kinds.get("PersistentVolumeClaim")
need(cj is not None and cj.get("apiVersion") == "batch/v1", "a batch/v1 CronJob")
need(pvc is not None and pvc.get("apiVersion") == "v1", "a v1 PersistentVolumeClaim")
if not errs:
    s = cj["spec"]
    need(s.get("concurrencyPolicy") == "Forbid", "concurrencyPolicy: Forbid")
    need(re.fullmatch(r"\S+( \S+){4}", s.get("schedule", "")) is not None, "a 5-field schedule")
    pod = s["jobTemplate"]["spec"]["template"]["spec"]
    need(pod.get("restartPolicy") in ("Never", "OnFailure"), "restartPolicy Never/OnFailure")
    cs = pod["containers"]
    need(len(cs) == 1, "one container: one seller per job")
    c = cs[0]
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    claims = [v["persistentVolumeClaim"]["claimName"] for v in vols.values()
              if "persistentVolumeClaim" in v]
    need(claims == [pvc["metadata"]["name"]], "the volume is the PersistentVolumeClaim")
    cmd = " ".join(c.get("command", []) + c.get("args", []))
    led = re.search(r"--ledger (\S+)", cmd)
    need(led is not None and "settlebook" in cmd and " close " in cmd, "runs settlebook close")
    need(led is not None and any(led.group(1).startswith(p + "/") for p in mounts.values()),
         "the ledger is on the mounted claim")
    env = {x["name"]: x for x in c.get("env", [])}
    for k in ("SETTLEBOOK_XERO_CLIENT_ID", "SETTLEBOOK_XERO_CLIENT_SECRET",
              "SETTLEBOOK_LWA_CLIENT_ID", "SETTLEBOOK_LWA_CLIENT_SECRET",
              "SETTLEBOOK_LWA_REFRESH_TOKEN"):
        need(k in env, "env " + k)
    for k, x in env.items():
        if k.startswith("SETTLEBOOK_") and ("SECRET" in k or "TOKEN" in k or "CLIENT" in k):
            need("value" not in x and "secretKeyRef" in x.get("valueFrom", {}),
                 k + " comes from a Secret, never a literal")
for e in errs:
    print("missing:", e)
sys.exit(1 if errs else 0)
EOF

cat >check_units.py <<'EOF'
# A strict reading of systemd unit files: every line a comment, a section header or Key=Value
# with a known key of that section; the sections and keys a oneshot service and its timer need.
import re, sys
KNOWN = {
    "Unit": {"Description", "Documentation", "After", "Wants", "Requires", "Before"},
    "Service": {"Type", "DynamicUser", "User", "Group", "StateDirectory", "StateDirectoryMode",
                "WorkingDirectory", "EnvironmentFile", "Environment", "ExecStart",
                "SuccessExitStatus", "TimeoutStartSec", "MemoryMax", "NoNewPrivileges",
                "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
                "ProtectKernelTunables", "ProtectControlGroups", "RestrictAddressFamilies"},
    "Timer": {"OnCalendar", "RandomizedDelaySec", "Persistent", "Unit"},
    "Install": {"WantedBy"},
}
errs = []
units = {}
for path in sys.argv[1:]:
    sec, keys = None, {}
    for n, line in enumerate(open(path), 1):
        s = line.rstrip("\n")
        if not s.strip() or s.lstrip().startswith(("#", ";")):
            continue
        m = re.fullmatch(r"\[(\w+)\]", s)
        if m:
            sec = m.group(1)
            if sec not in KNOWN:
                errs.append("%s:%d: unknown section [%s]" % (path, n, sec))
            continue
        m = re.fullmatch(r"([A-Za-z]+)=(.*)", s)
        if not m or sec is None:
            errs.append("%s:%d: not Key=Value in a section: %s" % (path, n, s))
        elif m.group(1) not in KNOWN.get(sec, ()):
            errs.append("%s:%d: unknown key %s in [%s]" % (path, n, m.group(1), sec))
        else:
            keys[(sec, m.group(1))] = m.group(2)
    units[path.rsplit(".", 1)[1]] = keys
svc, tmr = units.get("service", {}), units.get("timer", {})
for k in (("Service", "Type"), ("Service", "ExecStart"), ("Service", "EnvironmentFile")):
    if k not in svc:
        errs.append("service lacks %s=" % k[1])
if svc.get(("Service", "Type")) != "oneshot":
    errs.append("service is not Type=oneshot")
if "settlebook" not in svc.get(("Service", "ExecStart"), "") or " close " not in svc.get(("Service", "ExecStart"), ""):
    errs.append("ExecStart does not run settlebook close")
for k in (("Timer", "OnCalendar"), ("Timer", "Unit"), ("Install", "WantedBy")):
    if k not in tmr:
        errs.append("timer lacks %s=" % k[1])
print("\n".join(errs))
sys.exit(1 if errs else 0)
EOF

K="$C/kubernetes/settlebook-cronjob.yaml"
S="$C/systemd/settlebook-close@.service"
TM="$C/systemd/settlebook-close@.timer"
check "the CronJob file exists" test -s "$K"
status "CronJob: valid YAML with one seller per job, Forbid, a claim and Secrets" 0 "$PY" check_k8s.py "$K"
sed 's/concurrencyPolicy: Forbid/concurrencyPolicy: Allow/' "$K" >broken-policy.yaml
status "a CronJob that allows concurrent runs is refused" 1 "$PY" check_k8s.py broken-policy.yaml
sed 's/valueFrom: {secretKeyRef: {name: settlebook-acme, key: SETTLEBOOK_XERO_CLIENT_SECRET}}/value: hunter2/' "$K" >broken-secret.yaml
status "a literal credential is refused" 1 "$PY" check_k8s.py broken-secret.yaml
printf 'kind: CronJob\n  spec: [\n' >broken.yaml
status "a YAML syntax error is refused" 1 "$PY" check_k8s.py broken.yaml

status "systemd units: strict parse" 0 "$PY" check_units.py "$S" "$TM"
mkdir -p broken-units
sed 's/^MemoryMax=/MemoryMaxx=/' "$S" >"broken-units/settlebook-close@.service"
cp "$TM" broken-units/
status "a misspelt key is refused" 1 "$PY" check_units.py "broken-units/settlebook-close@.service" "broken-units/settlebook-close@.timer"

# systemd's own checker, on an instance of the templates (it only warns, so any output fails)
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p units && cp "$S" "$TM" units/
  out=$(systemd-analyze verify "$T/units/settlebook-close@acme.service" \
    "$T/units/settlebook-close@acme.timer" 2>&1); st=$?
  eq "systemd-analyze verify: clean" "$st $out" "0 "
  out=$(systemd-analyze verify "$T/broken-units/settlebook-close@acme.service" 2>&1)
  contains "systemd-analyze notices a misspelt key" /dev/stdin "MemoryMaxx" <<EOF2
$out
EOF2
  cal=$(sed -n 's/^OnCalendar=//p' "$TM")
  check "the timer's OnCalendar parses" systemd-analyze calendar "$cal"
else
  echo "systemd-analyze not installed: the strict parse above is the check"
fi
finish
