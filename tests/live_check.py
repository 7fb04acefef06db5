#!/usr/bin/env python3
"""live_check — assertions of the live posting tests against the fake Xero and the ledger.

  live_check.py once LEDGER STATE_URL
      Every document of the ledger's outbox (all rows but superseded ones) is in the fake
      exactly once, and the fake holds nothing else; every contact the outbox creates was
      created by PUT /Contacts exactly once, and no other. Prints "ok" or what differs.
  live_check.py bytes LEDGER REQUESTS.jsonl REPORTS_DIR
      Every PUT the fake received that created documents carries exactly (byte for byte) the
      body and Idempotency-Key of an outbox row (or, for a resend of the documents Xero lacked,
      a subset of one), with summarizeErrors=false (but on /BankTransfers); and each request of the preview files
      equals, after a decimal-exact JSON parse, the outbox row with its key. Prints "ok".
  live_check.py contract PREVIEW.json REQUESTS.jsonl FROM_LINE
      The PUTs the fake logged after line FROM_LINE are exactly the preview's requests that
      carry no "blocked", in the preview's order: same method, path, query, Idempotency-Key
      and (decimal-exact) body. Prints "ok" or the first difference.
  live_check.py count STATE_URL KIND        documents of a kind in the fake (Invoices, ...)
Standard library only.
"""
import glob
import re
import json
import re
import os
import sqlite3
import sys
import urllib.request
from decimal import Decimal

KEYS = {"Invoices": "InvoiceNumber", "CreditNotes": "CreditNoteNumber"}


def ident(coll, d, numbers=None):
    """What makes a document unique, as the renderers write them. An allocation is known by
    its invoice's number and its amount: the outbox names the invoice by a placeholder
    ({InvoiceID:NUMBER}, resolved at send), the fake by the InvoiceID it gave (numbers maps
    those back)."""
    if coll == "Allocations":
        iid = (d.get("Invoice") or {}).get("InvoiceID", "")
        m = re.fullmatch(r"\{InvoiceID:([^}]*)\}", iid)
        return (coll, m.group(1) if m else (numbers or {}).get(iid, iid),
                str(Decimal(str(d.get("Amount"))).normalize()))
    if coll in KEYS:
        return (coll, d.get("Type", ""), d.get(KEYS[coll]))
    if coll == "Payments":
        t = (d.get("Invoice") or {}).get("InvoiceNumber") or \
            (d.get("CreditNote") or {}).get("CreditNoteNumber")
        return (coll, d.get("Reference"), t)
    if coll == "ManualJournals":
        return (coll, d.get("Narration"))
    if coll == "Items":
        return (coll, d.get("Code"))
    return (coll, d.get("Reference"))


def state(url):
    with urllib.request.urlopen(url + "/__state") as r:
        return json.load(r)


def outbox(ledger, through=None):
    """The live rows; with through (YYYY-MM), only those of that month and earlier: what
    posting those months must have sent."""
    db = sqlite3.connect(ledger)
    rows = db.execute("SELECT id, idempotency_key, body, state FROM outbox WHERE state != "
                      "'superseded' AND (?1 IS NULL OR month <= ?1) ORDER BY id",
                      (through,)).fetchall()
    db.close()
    return rows


def once(ledger, url, through=None):
    want = {}
    contacts = {}
    for _, _, body, _ in outbox(ledger, through):
        doc = json.loads(body, parse_float=Decimal)
        for coll, els in doc.items():
            for d in els:
                if coll == "Contacts":
                    contacts[d["Name"]] = 0
                else:
                    want[ident(coll, d)] = 0
    extra = []
    for org in state(url)["orgs"].values():
        numbers = {d.get("InvoiceID"): d.get("InvoiceNumber")
                   for d in org["docs"].get("Invoices", [])}
        for coll, docs in org["docs"].items():
            for d in docs:
                k = ident(coll, d, numbers)
                if k in want:
                    want[k] += 1
                else:
                    extra.append(k)
    for org in state(url)["orgs"].values():
        for name in org.get("created_contacts", []):
            if name in contacts:
                contacts[name] += 1
            else:
                extra.append(("Contacts", name))
    bad = ["%s x%d" % (k, n) for k, n in want.items() if n != 1]
    bad += ["contact %s x%d" % (k, n) for k, n in contacts.items() if n != 1]
    if bad or extra:
        print("not exactly once: %s; unexpected: %s" % ("; ".join(map(str, bad[:5])),
                                                       "; ".join(map(str, extra[:5]))))
        return 1
    print("ok")
    return 0


def canon(s):
    return json.loads(s, parse_float=Decimal) if isinstance(s, str) else s


PLACEHOLDER = re.compile(r"\{(InvoiceID|CreditNoteID):([^}]*)\}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def resolve(ledger, text):
    """text with each {InvoiceID:<number>} / {CreditNoteID:<number>} placeholder replaced by
    the id Xero gave that document (outbox_doc): what settlebook must send in its place."""
    db = sqlite3.connect(ledger)
    def one(m):
        path = "/Invoices" if m.group(1) == "InvoiceID" else "/CreditNotes"
        r = db.execute("SELECT d.xero_id FROM outbox_doc d JOIN outbox o ON o.id = "
                       "d.outbox_id WHERE o.path = ? AND d.label = ? AND d.state = "
                       "'confirmed'", (path, m.group(2))).fetchone()
        return r[0] if r else m.group(0)
    out = PLACEHOLDER.sub(one, text)
    db.close()
    return out


def same_shape(want, got):
    """got equals want, where want's placeholders stand for any Xero id."""
    if isinstance(want, str) and PLACEHOLDER.fullmatch(want):
        return isinstance(got, str) and bool(UUID.fullmatch(got))
    if isinstance(want, dict):
        return isinstance(got, dict) and want.keys() == got.keys() and \
            all(same_shape(want[k], got[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and \
            all(same_shape(a, b) for a, b in zip(want, got))
    return want == got


def path_matches(want, got):
    """got ends with want, where want's placeholders stand for any Xero id."""
    pieces = PLACEHOLDER.split(want)   # text, kind, number, text, ...
    rx = "".join(re.escape(p) if i % 3 == 0 else UUID.pattern if i % 3 == 1 else ""
                 for i, p in enumerate(pieces))
    return bool(re.search(rx + "$", got))


def _raw_subset(sent, full):
    """sent (a resend of the documents Xero lacked) is made of pieces of full's text."""
    return all(part in full for part in sent[sent.index("[") + 1:-2].split("},{"))


def bytes_check(ledger, reqlog, reports):
    rows = outbox(ledger)
    by_key = {k: b for _, k, b, _ in rows}
    bodies = [b for _, _, b, _ in rows]
    problems = []
    n = 0
    with open(reqlog) as f:
        for line in f:
            e = json.loads(line)
            if e["method"] not in ("PUT", "POST"):
                continue
            n += 1
            # Xero's PUT /BankTransfers takes no summarizeErrors (it answers 400 for errors)
            if "summarizeErrors=false" not in (e["query"] or "") and \
                    not e["path"].endswith("/BankTransfers"):
                problems.append("PUT %s without summarizeErrors=false" % e["path"])
            key = e.get("idempotency_key")
            if not key:
                problems.append("PUT without Idempotency-Key")
                continue
            if key in by_key:
                if e["body"] != resolve(ledger, by_key[key]):
                    problems.append("body sent under %s differs from the outbox row" % key)
            elif not any(_raw_subset(e["body"], b) for b in bodies):
                problems.append("body sent under %s is not (part of) an outbox row" % key)
    for path in glob.glob(os.path.join(reports, "*", "xero-preview.json")):
        with open(path) as f:
            prev = json.load(f, parse_float=Decimal)
        for r in prev["requests"]:
            b = by_key.get(r["idempotency_key"])
            if b is None:
                continue       # a resend of part of a row: checked above
            if canon(b) != r["body"]:
                problems.append("%s: preview body of %s differs from the outbox" %
                                (path, r["idempotency_key"]))
    if n == 0:
        problems.append("no PUT was sent")
    if problems:
        print("; ".join(problems[:5]))
        return 1
    print("ok")
    return 0


def contract(preview, reqlog, from_line):
    with open(preview) as f:
        want = [r for r in json.load(f, parse_float=Decimal)["requests"] if "blocked" not in r]
    got = []
    with open(reqlog) as f:
        for i, line in enumerate(f):
            e = json.loads(line)
            if i >= from_line and e["method"] in ("PUT", "POST"):
                got.append(e)
    if len(got) != len(want):
        print("%d request(s) sent, the preview has %d unblocked" % (len(got), len(want)))
        return 1
    for n, (w, g) in enumerate(zip(want, got)):
        for k, a, b in (("method", w["method"], g["method"]),
                        ("path", True, path_matches(w["path"], g["path"])),
                        ("query", w["query"], g["query"] or ""),
                        ("key", w["idempotency_key"], g["idempotency_key"]),
                        ("body", True, same_shape(w["body"], canon(g["body"])))):
            if a != b:
                print("request %d (%s %s): %s differs" % (n + 1, w["method"], w["path"], k))
                return 1
    print("ok")
    return 0


def count(url, kind):
    print(sum(len(o["docs"].get(kind, [])) for o in state(url)["orgs"].values()))
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "once":
        return once(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    if cmd == "bytes":
        return bytes_check(sys.argv[2], sys.argv[3], sys.argv[4])
    if cmd == "contract":
        return contract(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    if cmd == "count":
        return count(sys.argv[2], sys.argv[3])
    print("usage: live_check.py once|bytes|count ...")
    return 2


if __name__ == "__main__":
    sys.exit(main())
