# auth — Xero OAuth against tests/fake_xero_identity.py: client credentials (Custom Connection),
# the PKCE bootstrap (flags and stdin), refresh-token rotation saved before use, one refresh for
# two concurrent runs, retries and refusals, token-file checks (mode, symlink, owner), tenants,
# and no secret or token in any output, the ledger or the preview.
. "$(dirname "$0")/../lib.sh"
FAKE="$ROOT/tests/fake_xero_identity.py"
CID=app-client-7f3e
SECRET=CANARY-SECRET-123
TA=aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa
TB=bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb
ALL="$T/all-output.log"
: >"$ALL"
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done' EXIT

# run DESCRIPTION WANT ARGS...: settlebook with the test config; output kept in .out/.err and
# appended to $ALL for the canary check at the end.
run() { d=$1; w=$2; shift 2; "$SB" --config "$T/xero.json" "$@" >"$T/.out" 2>"$T/.err"; s=$?
  cat "$T/.out" "$T/.err" >>"$ALL"
  if [ "$s" = "$w" ]; then ok; else bad "$d: exit $s, want $w: $(head -c 400 "$T/.err")"; fi; }

# fake settings and counters
ctl() { curl -s -X POST -d "$1" "http://127.0.0.1:$PORT/_control" >/dev/null; }
stat_of() { curl -s "http://127.0.0.1:$PORT/_stats" | python3 -c \
  'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {}, {"d": d}))' "$1"; }
# the token file's field
tok() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TOK" "$1"; }
# the fake's verdict on a refresh token: live, used or unknown
rt_state() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["refresh_tokens"].get(sys.argv[2], "unknown"))' "$T/fake.tokens.json" "$1"; }
# marks the stored access token expired, as if 30 minutes had passed (keeps the file 0600)
expire_file() { python3 -c 'import json,sys
p = sys.argv[1]; d = json.load(open(p)); d["expires_at"] = 1
open(p, "w").write(json.dumps(d))' "$TOK"; }
# the browser step: the fake's authorize page answers with the redirect
browser() { curl -s -o /dev/null -w '%{redirect_url}' "$1"; }

python3 "$FAKE" --port-file "$T/fake.port" --tokens-file "$T/fake.tokens.json" \
  --client-id "$CID" --client-secret "$SECRET" --tenant "$TA:Alpha Trading Ltd" \
  --tenant "$TB:Beta Goods Inc" --client-token-file "$T/home-pkce/.config/settlebook/xero-token.json" \
  >"$T/fake.log" 2>&1 &
PIDS="$PIDS $!"
i=0; while [ ! -s "$T/fake.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$T/fake.port")
U="http://127.0.0.1:$PORT"
cat >"$T/xero.json" <<EOF
{ "xero": { "token_url": "$U/connect/token", "connections_url": "$U/connections",
            "authorize_url": "$U/identity/connect/authorize", "timeout_ms": 5000,
            "max_retries": 2 } }
EOF

# --- client credentials (Custom Connection) ---------------------------------------------------
export HOME="$T/home-cc" SETTLEBOOK_XERO_CLIENT_ID="$CID" SETTLEBOOK_XERO_CLIENT_SECRET="$SECRET"
unset SETTLEBOOK_XERO_TENANT_ID
TOK="$HOME/.config/settlebook/xero-token.json"
run "status before any token" 0 auth status
contains "status says client credentials will be used" "$T/.out" "client credentials will be used"
run "client credentials: tenants" 0 auth tenants
contains "the Custom Connection's organisation" "$T/.out" "$TA"
eq "one client_credentials grant" "$(stat_of 'd["grants"]["client_credentials"]')" "1"
eq "token file 0600 at the default path" "$(stat -c %a "$TOK")" "600"
eq "folders created 0700" "$(stat -c %a "$HOME/.config") $(stat -c %a "$HOME/.config/settlebook")" "700 700"
eq "grant stored" "$(tok grant)" "client_credentials"
run "second run reuses the cached token" 0 auth tenants
eq "still one token call" "$(stat_of 'd["token_calls"]')" "1"
run "check: a session as posting gets it" 0 auth check
contains "check names the only organisation" "$T/.out" "organisation $TA"
eq "the only organisation is stored" "$(tok tenant_id)" "$TA"
run "status with cached token" 0 auth status
contains "status names the grant" "$T/.out" "client credentials (Custom Connection)"
contains "status gives the expiry" "$T/.out" "valid until"

export HOME="$T/home-cc-empty"
ctl '{"tenants": []}'
run "Custom Connection with no listed organisation: no tenant needed" 0 auth check
contains "says no tenant header" "$T/.out" "the Custom Connection's own"
ctl "{\"tenants\": [{\"tenantId\": \"$TA\", \"tenantName\": \"Alpha Trading Ltd\"}, {\"tenantId\": \"$TB\", \"tenantName\": \"Beta Goods Inc\"}]}"
before_cc=$(stat_of 'd["token_calls"]')
export HOME="$T/home-cc2"
ctl '{"token_500": 1}'
run "a 500 from the token endpoint is retried" 0 auth tenants
eq "two token calls for one grant" "$(( $(stat_of 'd["token_calls"]') - before_cc ))" "2"
export HOME="$T/home-cc3"
ctl '{"token_500": 10}'
run "token endpoint down: exit 3 after retries" 3 auth tenants
contains "says HTTP 500" "$T/.err" "HTTP 500"
eq "three attempts (max_retries 2)" "$(( $(stat_of 'd["token_calls"]') - before_cc ))" "5"
check "nothing stored when no token came" test ! -e "$HOME/.config/settlebook/xero-token.json"
ctl '{"token_500": 0}'
export SETTLEBOOK_XERO_CLIENT_SECRET=wrong-secret-456
run "wrong secret: exit 3" 3 auth tenants
contains "names invalid_client" "$T/.err" "invalid_client"
contains "says which variables to check" "$T/.err" "SETTLEBOOK_XERO_CLIENT_SECRET"
export SETTLEBOOK_XERO_CLIENT_SECRET="$SECRET"
unset SETTLEBOOK_XERO_CLIENT_ID
run "no client id: exit 2" 2 auth tenants
contains "names the variable" "$T/.err" "SETTLEBOOK_XERO_CLIENT_ID is not set"
export SETTLEBOOK_XERO_CLIENT_ID="$CID"
unset SETTLEBOOK_XERO_CLIENT_SECRET
run "no secret, no tokens: exit 2" 2 auth tenants
contains "says to run auth xero" "$T/.err" "run settlebook auth xero"
export SETTLEBOOK_XERO_CLIENT_SECRET="$SECRET"
sed "s|$U/connect/token|http://identity.example.com/connect/token|" "$T/xero.json" >"$T/plain.json"
"$SB" --config "$T/plain.json" auth tenants >"$T/.out" 2>"$T/.err"
eq "plain http to a remote host refused" "$?" "2"
contains "says https" "$T/.err" "is not an https:// URL"

# --- PKCE bootstrap: settlebook auth xero -------------------------------------------------------
export HOME="$T/home-pkce"
unset SETTLEBOOK_XERO_CLIENT_SECRET
TOK="$HOME/.config/settlebook/xero-token.json"
run "print the authorize URL" 0 auth xero --print-url
URL=$(cat "$T/.out")
for p in "response_type=code" "client_id=$CID" "redirect_uri=http%3A%2F%2Flocalhost%3A8723%2Fcallback" \
  "scope=offline_access%20accounting.invoices%20accounting.payments%20accounting.banktransactions%20accounting.manualjournals%20accounting.contacts%20accounting.settings.read" "code_challenge_method=S256" "state=" "code_challenge="; do
  contains "authorize URL has $p" "$T/.out" "$p"
done
eq "pending PKCE state is owner-only" "$(stat -c %a "$TOK.pkce")" "600"
REDIR=$(browser "$URL")
contains_s() { case $2 in *"$3"*) ok ;; *) bad "$1: '$3' not in '$2'" ;; esac; }
contains_s "the fake redirects with a code" "$REDIR" "http://localhost:8723/callback?code=code-"
run "a redirect with another state is refused" 2 auth xero --redirect "$(echo "$REDIR" | sed 's/state=[^&]*/state=forged/')"
contains "says state" "$T/.err" "state does not match"
run "a redirect without state is refused" 2 auth xero --redirect "http://localhost:8723/callback?code=code-x"
run "exchange the redirect" 0 auth xero --redirect "$REDIR"
contains "lists tenant A" "$T/.out" "$TA"
contains "lists tenant B by name" "$T/.out" "Beta Goods Inc"
contains "asks to choose" "$T/.err" "2 organisations are connected"
eq "token file 0600" "$(stat -c %a "$TOK")" "600"
eq "grant" "$(tok grant)" "authorization_code"
check "pending state removed" test ! -e "$TOK.pkce"
RT1=$(tok refresh_token)
eq "refresh token live at the fake" "$(rt_state "$RT1")" "live"
run "the same redirect cannot be used twice" 2 auth xero --redirect "$REDIR"
contains "nothing waiting" "$T/.err" "no authorization is waiting"
run "check with two organisations and none chosen: exit 2" 2 auth check
contains "asks to choose one" "$T/.err" "2 Xero organisations are connected"
run "tenants with two organisations" 0 auth tenants
contains "both listed" "$T/.out" "$TB"
run "choose tenant B" 0 auth tenant "$TB"
eq "tenant stored" "$(tok tenant_id)" "$TB"
run "check uses the chosen organisation" 0 auth check
contains "tenant B" "$T/.out" "organisation $TB"
run "an unknown tenant is refused" 2 auth tenant 00000000-0000-0000-0000-000000000000
export SETTLEBOOK_XERO_TENANT_ID="$TA"
run "status with env tenant" 0 auth status
contains "env tenant wins" "$T/.out" "$TA (from SETTLEBOOK_XERO_TENANT_ID)"
run "check with env tenant" 0 auth check
contains "env tenant used" "$T/.out" "organisation $TA"
unset SETTLEBOOK_XERO_TENANT_ID
export SETTLEBOOK_XERO_CLIENT_ID=another-app
run "tokens of another app are refused" 2 auth tenants
contains "says another app" "$T/.err" "belong to another Xero app"
export SETTLEBOOK_XERO_CLIENT_ID="$CID"

# again, with --tenant and a bare code
run "print the URL again" 0 auth xero --print-url
CODE=$(browser "$(cat "$T/.out")" | sed 's/.*code=\([^&]*\).*/\1/')
run "bare code with --tenant" 0 auth xero --code "$CODE" --tenant "$TA"
eq "chosen tenant stored" "$(tok tenant_id)" "$TA"
contains "chosen tenant marked" "$T/.out" "* $TA"

# interactive: the URL on stdout, the pasted redirect on stdin
rm -f "$T/in"; mkfifo "$T/in"
"$SB" --config "$T/xero.json" auth xero <"$T/in" >"$T/int.out" 2>"$T/int.err" &
AUTH_PID=$!
exec 3>"$T/in"
i=0; while ! grep -q '^http' "$T/int.out" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
browser "$(grep '^http' "$T/int.out")" >&3
echo >&3
exec 3>&-
wait $AUTH_PID
eq "interactive bootstrap" "$?" "0"
cat "$T/int.out" "$T/int.err" >>"$ALL"
contains "prompt on stderr" "$T/int.err" "paste the address"
contains "tenants listed" "$T/int.out" "Alpha Trading Ltd"
eq "re-authorizing keeps the organisation chosen before" "$(tok tenant_id)" "$TA"

# --- refresh-token rotation ---------------------------------------------------------------------
RT1=$(tok refresh_token)
ctl '{"expire_access": true}'
run "401 from Xero: refresh once and retry" 0 auth tenants
eq "one refresh" "$(stat_of 'd["grants"]["refresh_token"]')" "1"
RT2=$(tok refresh_token)
check "the file holds a new refresh token" test "$RT2" != "$RT1"
eq "the old refresh token is dead" "$(rt_state "$RT1")" "used"
eq "the new refresh token is live" "$(rt_state "$RT2")" "live"
code=$(curl -s -o /dev/null -w '%{http_code}' -d "grant_type=refresh_token&refresh_token=$RT1&client_id=$CID" "$U/connect/token")
eq "the fake rejects the old refresh token" "$code" "400"
expire_file
run "expired in the file: refresh before use" 0 auth tenants
eq "second refresh" "$(stat_of 'd["grants"]["refresh_token"]')" "2"
eq "no access token used before its refresh token was saved" "$(stat_of 'd["persist_violations"]')" "0"
eq "tenant survives refreshes" "$(tok tenant_id)" "$TA"

# an unwritable token file stops the run before the refresh token is rotated
RT3=$(tok refresh_token)
expire_file
mkdir "$TOK.tmp"
run "cannot write the token file: exit 4, no refresh" 4 auth tenants
contains "names the temp file" "$T/.err" "xero-token.json.tmp"
eq "no refresh attempted" "$(stat_of 'd["grants"]["refresh_token"]')" "2"
eq "stored refresh token still live" "$(rt_state "$RT3")" "live"
rmdir "$TOK.tmp"

# token endpoint faults during refresh
ctl '{"token_500": 1}'
run "refresh retried after a 500" 0 auth tenants
eq "third refresh" "$(stat_of 'd["grants"]["refresh_token"]')" "3"
RT4=$(tok refresh_token)
expire_file
ctl '{"invalid_grant": 1}'
run "invalid_grant: exit 3" 3 auth tenants
contains "names invalid_grant" "$T/.err" "invalid_grant"
contains "says to bootstrap again" "$T/.err" "run: settlebook auth xero"
eq "refresh token unchanged after a refusal" "$(tok refresh_token)" "$RT4"

# --- two runs at once: one refresh --------------------------------------------------------------
expire_file
before=$(stat_of 'd["token_calls"]')
ctl '{"token_delay_ms": 600}'
"$SB" --config "$T/xero.json" auth tenants >"$T/c1.out" 2>"$T/c1.err" & P1=$!
"$SB" --config "$T/xero.json" auth tenants >"$T/c2.out" 2>"$T/c2.err" & P2=$!
wait $P1; s1=$?; wait $P2; s2=$?
cat "$T/c1.out" "$T/c1.err" "$T/c2.out" "$T/c2.err" >>"$ALL"
ctl '{"token_delay_ms": 0}'
eq "both concurrent runs succeed" "$s1 $s2" "0 0"
eq "exactly one token call for two runs" "$(( $(stat_of 'd["token_calls"]') - before ))" "1"
eq "the stored refresh token is the live one" "$(rt_state "$(tok refresh_token)")" "live"
contains "run 1 listed tenants" "$T/c1.out" "$TA"
contains "run 2 listed tenants" "$T/c2.out" "$TA"

# --- the token file is refused when others could read or replace it -----------------------------
chmod 644 "$TOK"
run "0644 refused" 2 auth tenants
contains "says chmod 600" "$T/.err" "chmod 600"
run "status refuses it too" 2 auth status
chmod 640 "$TOK"
run "0640 refused" 2 auth tenants
chmod 600 "$TOK"
mv "$TOK" "$TOK.real" && ln -s "$TOK.real" "$TOK"
run "symlink refused" 2 auth tenants
contains "says symbolic link" "$T/.err" "symbolic link"
rm "$TOK" && mv "$TOK.real" "$TOK"
if [ "$(id -u)" = 0 ]; then
  chown nobody "$TOK"
  run "owned by another user refused" 2 auth tenants
  contains "says owner" "$T/.err" "not by you"
  chown 0 "$TOK"
else
  ok  # cannot give a file away without root; the owner check is covered when run as root
fi
run "fine again at 0600" 0 auth tenants

# --- canary: no secret or token anywhere we write -----------------------------------------------
export SETTLEBOOK_XERO_CLIENT_SECRET="$SECRET"
mkdir -p "$T/ledger" && cd "$T/ledger" || exit 1
"$SB" init >>"$ALL" 2>&1
"$SB" ingest "$FX/settlements/v2-us.tsv" >>"$ALL" 2>&1
"$SB" post >>"$ALL" 2>&1
cd "$T" || exit 1
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for t in list(d["access_tokens"]) + list(d["refresh_tokens"]): print(t)' "$T/fake.tokens.json" >"$T/secrets.txt"
echo "$SECRET" >>"$T/secrets.txt"
echo "$CODE" >>"$T/secrets.txt"
n=$(wc -l <"$T/secrets.txt")
check "the fake issued tokens to look for" test "$n" -gt 10
leaks=$(cat "$ALL" "$T/ledger/settlebook.db" "$T/ledger/settlebook.json" $(find "$T/ledger/reports" -type f 2>/dev/null) 2>/dev/null | grep -a -c -F -f "$T/secrets.txt")
eq "no secret, token or code in output, ledger or preview" "$leaks" "0"
check "the preview was written" test -n "$(find "$T/ledger/reports" -type f 2>/dev/null)"
eq "no token in the fake's own log" "$(grep -c -F -f "$T/secrets.txt" "$T/fake.log")" "0"

finish
