#!/usr/bin/python3
"""xero_contract — checks every request in settlebook's dry-run previews against Xero's own
OpenAPI spec (tests/spec/xero/xero_accounting.yaml, see SOURCE.md there), the contract live
posting relies on.

usage: xero_contract.py [--spec YAML] PREVIEW.json...

For each request {settlement_id, period, method, path, query, idempotency_key, body}:
  - the path and method exist in the spec, and every query parameter is one that operation
    declares (with a value of the declared type), and it declares the Idempotency-Key header;
  - the body validates against the operation's requestBody schema, with the spec's
    "#/components/schemas/..." references resolved inside the yaml, and with every object schema
    made strict (additionalProperties: false), so a property Xero does not know fails;
  - no readOnly or response-only property is sent; the spec's required properties and the few
    that Xero's documentation requires (EXTRA_REQUIRED) are present;
  - what Xero checks beyond the schema: an invoice or credit note that is not a DRAFT has line
    items, LineAmount = Quantity x UnitAmount, no document total is negative, a manual
    journal has at least two lines summing to zero, amounts paid or transferred are positive;
  - dates are YYYY-MM-DD; money has at most as many decimals as the currency has minor digits
    (2 at most; UnitAmount 4 in a request with unitdp=4; read from the raw text as Decimal,
    never as float);
  - idempotency keys are 1..128 characters, unique within each reports folder (one ledger),
    and a key never names two different requests anywhere.
Prints one line per failure (file, request index, JSON path, what) and exits 1 on any; 2 on
usage errors. Needs Debian's python3-yaml and python3-jsonschema (4.x).
"""
import copy
import decimal
import json
import os
import re
import sqlite3
import sys
import urllib.parse
import warnings

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC = os.path.join(HERE, "spec", "xero", "xero_accounting.yaml")

# Properties Xero's documentation requires when a document is created that the spec leaves
# optional (the same schemas also describe references such as a payment's Invoice, so these
# apply to the documents of the body's top-level array only).
EXTRA_REQUIRED = {
    "Invoices": ["Type", "Contact", "Date", "LineItems"],
    "CreditNotes": ["Type", "Contact", "Date", "LineItems"],
    "ManualJournals": ["Narration", "Date", "JournalLines"],
    "Payments": ["Account", "Date", "Amount"],
    "BankTransfers": ["FromBankAccount", "ToBankAccount", "Amount", "Date"],
    "BankTransactions": ["Type", "Contact", "BankAccount", "Date", "LineItems"],
}
LINE_REQUIRED = {"LineItems": ["Description", "AccountCode", "LineAmount"],
                 "JournalLines": ["LineAmount", "AccountCode"]}
# Response-only properties the spec does not mark readOnly: a request never carries them.
RESPONSE_ONLY = {"ValidationErrors", "Warnings", "HasErrors", "HasValidationErrors",
                 "StatusAttributeString", "pagination", "UpdatedDateUTC"}
MONEY_KEYS = {"LineAmount", "UnitAmount", "Amount", "TaxAmount", "BankAmount",
              "DiscountAmount", "Total", "SubTotal", "TotalTax"}
DATE_KEYS = {"Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"}
DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
# ISO 4217 minor digits that differ from 2 (what settlebook's money.c knows).
EXPONENT = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3,
            "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3}


PLACEHOLDER = re.compile(r"\{(InvoiceID|CreditNoteID):[^}]*\}")
ANY_ID = "00000000-0000-0000-0000-000000000000"


def any_ids(v):
    """v with each placeholder string replaced by an id."""
    if isinstance(v, str):
        return PLACEHOLDER.sub(ANY_ID, v)
    if isinstance(v, dict):
        return {k: any_ids(x) for k, x in v.items()}
    if isinstance(v, list):
        return [any_ids(x) for x in v]
    return v


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(f, Loader=loader)


def strict_copy(spec):
    """A deep copy in which every object schema with properties refuses unknown ones."""
    doc = copy.deepcopy(spec)

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc["components"]["schemas"])
    return doc


def read_only(validator, value, instance, schema):
    if value:
        yield jsonschema.ValidationError("readOnly property sent")


def make_validator(doc):
    # RefResolver is what Debian's jsonschema 4.10 offers; newer ones only deprecate it.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    cls = jsonschema.validators.extend(jsonschema.Draft7Validator, {"readOnly": read_only})
    resolver = jsonschema.RefResolver(base_uri="", referrer=doc)
    return cls, resolver


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/")
        node = doc
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def operation_params(doc, path_item, op):
    out = {}
    for p in path_item.get("parameters", []) + op.get("parameters", []):
        p = resolve(doc, p)
        out[(p["in"], p["name"])] = p
    return out


def jpath(parts):
    s = "body"
    for p in parts:
        s += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return s


def walk_values(node, path):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_values(v, path + [k])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_values(v, path + [i])


def decimals(d):
    exp = d.as_tuple().exponent
    return -exp if exp < 0 else 0


def ledger_currencies(preview_path):
    """settlement id -> currency from settlebook.db beside the reports folder, if any."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(preview_path))))
    db = os.path.join(root, "settlebook.db")
    if not os.path.exists(db):
        return {}
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return dict(con.execute("SELECT settlement_id, currency FROM settlement"))
    finally:
        con.close()


class Checker:
    def __init__(self, spec_path):
        self.doc = load_spec(spec_path)
        self.strict = strict_copy(self.doc)
        self.cls, self.resolver = make_validator(self.strict)
        self.validators = {}
        self.failures = 0
        self.requests = 0
        self.keys_by_folder = {}
        self.key_meaning = {}

    def fail(self, where, msg):
        self.failures += 1
        print("FAIL %s: %s" % (where, msg))

    def validator_for(self, path, method):
        k = (path, method)
        if k not in self.validators:
            item = self.doc["paths"].get(path)
            op = item.get(method.lower()) if item else None
            if op is None:
                self.validators[k] = None
            else:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                schema = resolve(self.strict, schema)
                self.validators[k] = (item, op, self.cls(schema, resolver=self.resolver))
        return self.validators[k]

    def check_file(self, fname):
        with open(fname, encoding="utf-8") as f:
            text = f.read()
        try:
            pv = json.loads(text, parse_float=decimal.Decimal)
        except ValueError as ex:
            self.fail(fname, "not JSON: %s" % ex)
            return
        if pv.get("version") != 1 or not isinstance(pv.get("requests"), list):
            self.fail(fname, "not a version 1 preview")
            return
        folder = os.path.dirname(os.path.dirname(os.path.abspath(fname)))
        keys = self.keys_by_folder.setdefault(folder, {})
        currencies = ledger_currencies(fname)
        for i, r in enumerate(pv["requests"]):
            self.requests += 1
            self.check_request("%s: request %d" % (fname, i), r, pv, keys, currencies)

    def check_request(self, where, r, pv, keys, currencies):
        for f in ("settlement_id", "period", "method", "path", "query", "idempotency_key",
                  "body"):
            if f not in r:
                self.fail(where, "missing %s" % f)
                return
        if r["period"] != pv.get("period"):
            self.fail(where, "period %s in the preview for %s" % (r["period"], pv.get("period")))
        key = r["idempotency_key"]
        if not (0 < len(key) <= 128) or not key.isprintable():
            self.fail(where, "idempotency key of %d characters" % len(key))
        if key in keys:
            self.fail(where, "idempotency key %s also used by %s" % (key, keys[key]))
        keys[key] = where
        meaning = json.dumps([r["settlement_id"], r["method"], r["path"], r["query"], r["body"]],
                             sort_keys=True, default=str)
        if self.key_meaning.setdefault(key, meaning) != meaning:
            self.fail(where, "idempotency key %s names two different requests" % key)
        # ids of documents created earlier in the run stand as placeholders that live
        # posting fills in (src/xero/xero_send_refs.c): the operation is the spec's
        # templated path, and any id will do for the schema
        v = self.validator_for(PLACEHOLDER.sub(lambda m: "{%s}" % m.group(1), r["path"]),
                               r["method"])
        if v is None:
            self.fail(where, "%s %s is not an operation of the Xero spec" % (r["method"],
                                                                             r["path"]))
            return
        item, op, validator = v
        params = operation_params(self.doc, item, op)
        if ("header", "Idempotency-Key") not in params:
            self.fail(where, "%s %s takes no Idempotency-Key" % (r["method"], r["path"]))
        for name, value in urllib.parse.parse_qsl(r["query"], keep_blank_values=True,
                                                  strict_parsing=bool(r["query"])):
            p = params.get(("query", name))
            if p is None:
                self.fail(where, "query parameter %s is not declared for %s %s"
                          % (name, r["method"], r["path"]))
                continue
            t = p.get("schema", {}).get("type")
            if (t == "boolean" and value not in ("true", "false")) or \
               (t == "integer" and not re.fullmatch(r"-?\d+", value)):
                self.fail(where, "query %s=%s is not a %s" % (name, value, t))
        body = any_ids(r["body"])
        for err in sorted(validator.iter_errors(body), key=lambda x: list(x.absolute_path)):
            self.fail(where, "%s: %s" % (jpath(list(err.absolute_path)), err.message))
        self.check_values(where, r, body, currencies)

    def check_required(self, where, body):
        for coll, docs in body.items():
            if not isinstance(docs, list):
                continue
            for i, d in enumerate(docs):
                if not isinstance(d, dict):
                    continue
                for f in EXTRA_REQUIRED.get(coll, []):
                    if f not in d:
                        self.fail(where, "%s: required property %s missing"
                                  % (jpath([coll, i]), f))
                if coll == "Payments" and "Invoice" not in d and "CreditNote" not in d:
                    self.fail(where, "%s: pays neither an Invoice nor a CreditNote"
                              % jpath([coll, i]))
                self.check_document(where, coll, i, d)
                for lk, req in LINE_REQUIRED.items():
                    for n, line in enumerate(d.get(lk, []) if isinstance(d.get(lk), list)
                                             else []):
                        for f in req:
                            if f not in line:
                                self.fail(where, "%s: required property %s missing"
                                          % (jpath([coll, i, lk, n]), f))

    def check_document(self, where, coll, i, d):
        """Rules Xero applies when it validates a document, beyond the schema."""
        at = jpath([coll, i])
        num = lambda v: v if isinstance(v, (int, decimal.Decimal)) and \
            not isinstance(v, bool) else None
        if coll in ("Invoices", "CreditNotes"):
            items = d.get("LineItems") or []
            if not items and d.get("Status") != "DRAFT":
                self.fail(where, "%s: no line items (Xero: one or more line items must be "
                          "specified)" % at)
            total = decimal.Decimal(0)
            for n, l in enumerate(items):
                q, u, a = num(l.get("Quantity", 1)), num(l.get("UnitAmount")), \
                    num(l.get("LineAmount"))
                if None not in (q, u, a) and (decimal.Decimal(q) * u).quantize(
                        decimal.Decimal("0.01"), decimal.ROUND_HALF_UP) != a:
                    self.fail(where, "%s: LineAmount %s is not Quantity %s x UnitAmount %s"
                              % (jpath([coll, i, "LineItems", n]), a, q, u))
                total += a or 0
            if total < 0:
                self.fail(where, "%s: total %s is negative" % (at, total))
            if coll == "CreditNotes" and d.get("Allocations"):
                # Xero support: an allocation cannot be applied when the credit note is
                # created (xeroizer#196); the spec's operation for it is PUT
                # /CreditNotes/{CreditNoteID}/Allocations
                self.fail(where, "%s: Allocations inside PUT /CreditNotes are not applied "
                          "by Xero" % at)
        if coll == "Allocations":
            if not (d.get("Invoice") or {}).get("InvoiceID"):
                self.fail(where, "%s: the invoice must be named by its InvoiceID (the "
                          "spec's createCreditNoteAllocation)" % at)
            if (num(d.get("Amount")) or 0) <= 0:
                self.fail(where, "%s: allocation of %s" % (at, d.get("Amount")))
        if coll == "ManualJournals":
            lines = d.get("JournalLines") or []
            if len(lines) < 2:
                self.fail(where, "%s: %d journal line(s), Xero needs at least 2"
                          % (at, len(lines)))
            total = sum((num(l.get("LineAmount")) or 0) for l in lines)
            if total != 0:
                self.fail(where, "%s: journal lines sum to %s" % (at, total))
        if coll in ("Payments", "BankTransfers") and (num(d.get("Amount")) or 0) <= 0:
            self.fail(where, "%s: amount %s is not positive" % (at, d.get("Amount")))

    def check_values(self, where, r, body, currencies):
        self.check_required(where, body)
        for path, v in walk_values(body, []):
            k = path[-1] if path else None
            if k in RESPONSE_ONLY:
                self.fail(where, "%s: response-only property sent" % jpath(path))
            if k in DATE_KEYS and not (isinstance(v, str) and DATE_RE.match(v)):
                self.fail(where, "%s: %r is not a YYYY-MM-DD date" % (jpath(path), v))
            if k in MONEY_KEYS and isinstance(v, decimal.Decimal):
                doc = body[path[0]][path[1]] if len(path) > 2 else {}
                cur = (doc.get("CurrencyCode") if isinstance(doc, dict) else None) or \
                    currencies.get(r["settlement_id"]) or "USD"
                limit = min(2, EXPONENT.get(cur, 2))
                # unit amounts to 4 decimals when the request opts in (the spec's unitdp
                # parameter: "You can opt in to use four decimal places for unit amounts")
                if k == "UnitAmount" and ("unitdp", "4") in urllib.parse.parse_qsl(
                        r.get("query") or ""):
                    limit = 4
                if decimals(v) > limit:
                    self.fail(where, "%s: %s has more than %d decimals for %s"
                              % (jpath(path), v, limit, cur))


def main(argv):
    spec = DEFAULT_SPEC
    files = []
    i = 1
    while i < len(argv):
        if argv[i] == "--spec" and i + 1 < len(argv):
            spec = argv[i + 1]
            i += 2
            continue
        if argv[i].startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        files.append(argv[i])
        i += 1
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    c = Checker(spec)
    for f in files:
        c.check_file(f)
    print("xero_contract: %d preview(s), %d request(s), %d failure(s)"
          % (len(files), c.requests, c.failures))
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
