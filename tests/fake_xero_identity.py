#!/usr/bin/env python3
"""fake_xero_identity — a local stand-in for Xero's identity service, for tests only.
Python standard library only. Listens on 127.0.0.1 on a port the OS picks.

Start:
  python3 tests/fake_xero_identity.py --port-file PORT --tokens-file TOKENS.json \
      --client-id ID [--client-secret S] [--tenant ID:NAME ...] [--access-ttl 1800] \
      [--client-token-file PATH]
The port is written to --port-file (atomically, once listening) and printed as "port N".

Endpoints (paths are matched by their ending, so any prefix works):
  GET  .../authorize      the browser step: response_type=code, client_id, redirect_uri,
                          scope, state, code_challenge, code_challenge_method=S256. Answers
                          302 to redirect_uri?code=...&state=... (what a user clicking "Allow"
                          produces). Codes live 300 s and work once.
  POST .../connect/token  form body; client authentication by HTTP Basic (id:secret) or, for
                          a public PKCE client, client_id in the form.
                          grant_type=client_credentials   needs Basic with the secret; no
                                                          refresh token; first tenant only
                          grant_type=authorization_code   code, redirect_uri, code_verifier
                                                          (S256 checked)
                          grant_type=refresh_token        rotation: the used refresh token
                                                          dies; reusing it is invalid_grant
                          Errors are {"error": "..."} with 400 (invalid_grant, invalid_request,
                          unsupported_grant_type, unauthorized_client) or 401 (invalid_client).
  GET  .../connections    needs "Authorization: Bearer <access token>"; 401 otherwise; the
                          token's tenants as [{id, tenantId, tenantName, tenantType, ...}].
  POST /_control          JSON object of faults/settings, merged into the current ones:
                            token_500: N          the next N token calls answer 500
                            invalid_grant: N      the next N token calls answer invalid_grant
                            invalid_scope: N      the next N token calls answer invalid_scope,
                                                  as Xero does for an app created from
                                                  2 March 2026 that asks for the retired
                                                  accounting.transactions scope
                            token_delay_ms: M     every token call waits M ms first
                            access_ttl: S         expires_in of access tokens issued from now
                            expire_access: true   every access token issued so far expires now
                            tenants: [{"tenantId","tenantName"}]  tenants for new grants
  GET  /_stats            JSON counters: token_calls, grants.{client_credentials,
                          authorization_code,refresh_token} (successful ones), refused,
                          connections, connections_401, persist_violations.

Tokens:
  access token  "at-<32 hex>-exp<unix seconds>"   refresh token  "rt-<32 hex>"
  code          "code-<24 hex>"

Contract with other fakes (tests/fake_xero.py validates bearer tokens with it):
  --tokens-file is rewritten atomically (temp file + rename) after every change:
    {"access_tokens": {"<token>": {"expires_at": <unix s>, "client_id": "...",
                                   "grant": "...", "tenants": ["<tenantId>", ...]}},
     "refresh_tokens": {"<token>": "live" | "used"},
     "tenants": [{"tenantId": "...", "tenantName": "..."}]}
  A bearer token is valid iff it is a key of access_tokens with expires_at > now (else 401);
  a request's xero-tenant-id must be one of that token's tenants (else 403). A request without
  xero-tenant-id is fine only for a "client_credentials" token (a Custom Connection reaches one
  organisation; settlebook omits the header when it has no tenant id). The "exp<epoch>" suffix repeats the
  expiry at issue time for processes that cannot read the file, but the file is the
  authority (expire_access rewrites expires_at without changing the token text).

Persist-before-use check: with --client-token-file, every /connections call reads that file
(settlebook's token file) and counts a persist_violation when it holds a refresh token that
is not live, i.e. settlebook used a new access token before saving the rotated refresh token.

Never prints tokens or secrets; its log lines name only methods, paths and status codes.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "codes": {},            # code -> dict
    "access": {},           # token -> dict
    "refresh": {},          # token -> {"state": live|used, client_id, tenants}
    "tenants": [],
    "faults": {"token_500": 0, "invalid_grant": 0, "invalid_scope": 0, "token_delay_ms": 0},
    "access_ttl": 1800,
    "stats": {"token_calls": 0, "refused": 0, "connections": 0, "connections_401": 0,
              "persist_violations": 0,
              "grants": {"client_credentials": 0, "authorization_code": 0, "refresh_token": 0}},
}
ARGS = None
VERIFIER_RE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


def save_tokens_file():
    """Called with LOCK held."""
    doc = {
        "access_tokens": {t: {"expires_at": a["expires_at"], "client_id": a["client_id"],
                              "grant": a["grant"], "tenants": a["tenants"]}
                          for t, a in STATE["access"].items()},
        "refresh_tokens": {t: r["state"] for t, r in STATE["refresh"].items()},
        "tenants": STATE["tenants"],
    }
    tmp = ARGS.tokens_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, ARGS.tokens_file)


def issue(client_id, grant, tenants, with_refresh):
    """Called with LOCK held. Returns the token answer."""
    ttl = int(STATE["access_ttl"])
    exp = int(time.time()) + ttl
    at = "at-%s-exp%d" % (secrets.token_hex(16), exp)
    STATE["access"][at] = {"expires_at": exp, "client_id": client_id, "grant": grant,
                           "tenants": list(tenants)}
    out = {"access_token": at, "expires_in": ttl, "token_type": "Bearer",
           "scope": "offline_access accounting.transactions"}
    if with_refresh:
        rt = "rt-" + secrets.token_hex(16)
        STATE["refresh"][rt] = {"state": "live", "client_id": client_id,
                                "tenants": list(tenants)}
        out["refresh_token"] = rt
    save_tokens_file()
    return out


def tenant_ids(tenants):
    return [t["tenantId"] for t in tenants]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # method, path without query, status only
        sys.stderr.write("fake-identity: %s %s\n" % (self.command, self.path.split("?")[0]))

    def reply(self, status, obj=None, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # --- GET -------------------------------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path.endswith("/authorize"):
            return self.authorize(q)
        if url.path.lower().endswith("/connections"):
            return self.connections()
        if url.path == "/_stats":
            with LOCK:
                return self.reply(200, STATE["stats"])
        self.reply(404, {"error": "not_found"})

    def authorize(self, q):
        need = ["response_type", "client_id", "redirect_uri", "scope", "state",
                "code_challenge", "code_challenge_method"]
        missing = [k for k in need if not q.get(k)]
        if missing or q["response_type"] != "code" or q["code_challenge_method"] != "S256":
            return self.reply(400, {"error": "invalid_request", "missing": missing})
        if q["client_id"] != ARGS.client_id:
            return self.reply(400, {"error": "unauthorized_client"})
        code = "code-" + secrets.token_hex(12)
        with LOCK:
            STATE["codes"][code] = {"client_id": q["client_id"],
                                    "redirect_uri": q["redirect_uri"],
                                    "challenge": q["code_challenge"],
                                    "expires": time.time() + 300, "used": False,
                                    "tenants": list(STATE["tenants"])}
        loc = q["redirect_uri"] + ("&" if "?" in q["redirect_uri"] else "?") + \
            urllib.parse.urlencode({"code": code, "state": q["state"],
                                    "scope": q["scope"], "session_state": "fake"})
        self.reply(302, None, {"Location": loc})

    def connections(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with LOCK:
            STATE["stats"]["connections"] += 1
            self.check_persisted()
            a = STATE["access"].get(token)
            if not a or a["expires_at"] <= time.time():
                STATE["stats"]["connections_401"] += 1
                return self.reply(401, {"Title": "Unauthorized", "Status": 401,
                                        "Detail": "TokenExpired" if a else "TokenInvalid"})
            names = {t["tenantId"]: t["tenantName"] for t in STATE["tenants"]}
            out = [{"id": "c0nn-" + tid[-12:], "authEventId": "00000000-0000-0000-0000-"
                    "000000000000", "tenantId": tid, "tenantType": "ORGANISATION",
                    "tenantName": names.get(tid, "Org " + tid[:8]),
                    "createdDateUtc": "2024-01-01T00:00:00.0000000",
                    "updatedDateUtc": "2024-01-01T00:00:00.0000000"} for tid in a["tenants"]]
        self.reply(200, out)

    def check_persisted(self):
        """Called with LOCK held."""
        path = ARGS.client_token_file
        if not path or not os.path.exists(path):
            return
        try:
            with open(path) as f:
                rt = json.load(f).get("refresh_token") or ""
        except (OSError, ValueError):
            return
        if rt and STATE["refresh"].get(rt, {}).get("state") != "live":
            STATE["stats"]["persist_violations"] += 1

    # --- POST ------------------------------------------------------------------------------
    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.body()
        if url.path == "/_control":
            return self.control(raw)
        if url.path.endswith("/connect/token"):
            return self.token(raw)
        self.reply(404, {"error": "not_found"})

    def control(self, raw):
        try:
            c = json.loads(raw or b"{}")
        except ValueError:
            return self.reply(400, {"error": "bad json"})
        with LOCK:
            for k in ("token_500", "invalid_grant", "invalid_scope", "token_delay_ms"):
                if k in c:
                    STATE["faults"][k] = int(c[k])
            if "access_ttl" in c:
                STATE["access_ttl"] = int(c["access_ttl"])
            if c.get("expire_access"):
                now = int(time.time()) - 1
                for a in STATE["access"].values():
                    a["expires_at"] = min(a["expires_at"], now)
            if "tenants" in c:
                STATE["tenants"] = list(c["tenants"])
            save_tokens_file()
            self.reply(200, {"ok": True})

    def client(self, form):
        """(client_id, authenticated_with_secret) or (None, error) on bad credentials."""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                cid, _, sec = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None, "invalid_client"
            if cid != ARGS.client_id or not ARGS.client_secret or \
                    not secrets.compare_digest(sec, ARGS.client_secret):
                return None, "invalid_client"
            return cid, True
        if form.get("client_secret"):
            return None, "invalid_client"   # secrets go in the header, not the body
        if form.get("client_id") != ARGS.client_id:
            return None, "invalid_client"
        return form["client_id"], False

    def token(self, raw):
        with LOCK:
            STATE["stats"]["token_calls"] += 1
            delay = STATE["faults"]["token_delay_ms"]
        if delay:
            time.sleep(delay / 1000.0)
        if self.headers.get("Content-Type", "").split(";")[0] != \
                "application/x-www-form-urlencoded":
            return self.refuse(400, "invalid_request")
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"),
                                           keep_blank_values=True))
        with LOCK:
            if STATE["faults"]["token_500"] > 0:
                STATE["faults"]["token_500"] -= 1
                return self.reply(500, {"error": "server_error"})
            if STATE["faults"]["invalid_grant"] > 0:
                STATE["faults"]["invalid_grant"] -= 1
                return self.refuse(400, "invalid_grant")
            if STATE["faults"]["invalid_scope"] > 0:
                STATE["faults"]["invalid_scope"] -= 1
                return self.refuse(400, "invalid_scope")
            cid, how = self.client(form)
            if cid is None:
                return self.refuse(401, how)
            grant = form.get("grant_type")
            if grant == "client_credentials":
                if not how:
                    return self.refuse(400, "unauthorized_client")
                tenants = tenant_ids(STATE["tenants"])[:1]
                out = issue(cid, grant, tenants, False)
            elif grant == "authorization_code":
                c = STATE["codes"].get(form.get("code", ""))
                v = form.get("code_verifier", "")
                if not c or c["used"] or c["expires"] < time.time() or c["client_id"] != cid \
                        or c["redirect_uri"] != form.get("redirect_uri"):
                    return self.refuse(400, "invalid_grant")
                if not VERIFIER_RE.match(v):
                    return self.refuse(400, "invalid_grant")
                digest = base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest())
                if digest.decode().rstrip("=") != c["challenge"]:
                    return self.refuse(400, "invalid_grant")
                c["used"] = True
                out = issue(cid, grant, tenant_ids(c["tenants"]), True)
            elif grant == "refresh_token":
                r = STATE["refresh"].get(form.get("refresh_token", ""))
                if not r or r["state"] != "live" or r["client_id"] != cid:
                    return self.refuse(400, "invalid_grant")
                r["state"] = "used"
                out = issue(cid, grant, r["tenants"], True)
            else:
                return self.refuse(400, "unsupported_grant_type")
            STATE["stats"]["grants"][grant] += 1
        self.reply(200, out, {"Cache-Control": "no-store"})

    def refuse(self, status, code):
        STATE["stats"]["refused"] += 1
        self.reply(status, {"error": code})


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--tokens-file", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", default="")
    p.add_argument("--tenant", action="append", default=[],
                   help="ID:NAME, repeatable (default: one tenant)")
    p.add_argument("--access-ttl", type=int, default=1800)
    p.add_argument("--client-token-file", default="")
    ARGS = p.parse_args()
    tenants = [{"tenantId": t.split(":", 1)[0], "tenantName": t.split(":", 1)[1]}
               for t in ARGS.tenant] or \
        [{"tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58", "tenantName": "Demo Company (NZ)"}]
    STATE["tenants"] = tenants
    STATE["access_ttl"] = ARGS.access_ttl
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    with LOCK:
        save_tokens_file()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, ARGS.port_file)
    print("port %d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
