#!/usr/bin/env python3
"""alert_sink — a tiny HTTP sink on 127.0.0.1 for the alert tests (settlebook --notify /
alerts.webhook_url). Every POST body is appended as one line to --out; the answer status
comes from --status-file (default 200), so a test can make the sink fail. Standard library.

  python3 tests/alert_sink.py --port-file PORT --out BODIES.jsonl [--status-file STATUS]
"""
import argparse
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with open(ARGS.out, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        status = 200
        if ARGS.status_file and os.path.exists(ARGS.status_file):
            status = int(open(ARGS.status_file).read().strip() or 200)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--status-file")
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
