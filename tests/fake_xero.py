#!/usr/bin/env python3
"""fake_xero — a stateful local stand-in for Xero's Accounting API, for tests and the bench.
Python standard library only. Listens on 127.0.0.1 on a port the OS picks.

Start:
  python3 tests/fake_xero.py --port-file PORT --tokens-file TOKENS.json [--log-file REQ.jsonl]
      [--calls-per-minute 60] [--window-s 60] [--concurrent 5] [--day-limit 5000]
      [--stall-s 3] [--idempotency-window-s 86400] [--faults SCRIPT]
The port is written to --port-file (atomically, once listening).

Authentication (the contract of tests/fake_xero_identity.py): "Authorization: Bearer <token>"
must be a key of the identity fake's --tokens-file "access_tokens" with expires_at > now, and
"Xero-tenant-id" one of that token's tenants; otherwise 401 (TokenExpired / TokenInvalid) or
403. Each tenant gets its own organisation, seeded with Xero's demo-company chart.

API (under any prefix, e.g. /api.xro/2.0):
  GET  /Accounts /TaxRates /Contacts /Items /TrackingCategories /Organisation
       If-Modified-Since filters by UpdatedDateUTC; Contacts page=N (100 a page), where=.
  PUT|POST /Contacts     creates contacts; Name required and unique (Xero's message)
  PUT|POST /Invoices /CreditNotes /Payments /ManualJournals /BankTransfers /BankTransactions
           /Items
       summarizeErrors=false: 200 with per-element StatusAttributeString, HasErrors and
       ValidationErrors (the valid elements are created); otherwise any error rejects the
       whole request with 400 ValidationException. Checked: accounts (active; bank accounts
       for payments and transfers), tax types, items, tracking, the lock date, ACCREC
       InvoiceNumber uniqueness, payments against existing authorised documents and not above
       the amount due, balanced manual journals, tax types only on account classes their
       CanApplyTo flags allow. Allocations inside a credit note are not applied. UnitAmount
       is rounded to 2 decimals (4 with unitdp=4), LineAmount computed as Quantity x
       UnitAmount rounded to 2 and a different LineAmount refused; totals sum them. An
       authorised invoice (credit note) takes (puts back) the Quantity of a tracked item.
  PUT  /CreditNotes/{CreditNoteID}/Allocations
       allocates an authorised credit note to an invoice named by its InvoiceID (same
       contact, at most the credit left and the invoice's amount due); the credit note's
       GET shows its Allocations.
  GET  /Invoices?InvoiceNumbers=A,B&page=N, /Invoices/{id or number}, and where= filters
       (Field=="value", Field.StartsWith("v"), Date >= DateTime(y, m, d), joined by
       OR/||/AND/&&, dotted fields) on every document collection; 100 a page with page=N,
       line items only when paged; dates in Xero's "/Date(ms+0000)/" form plus DateString.
  Idempotency-Key: the same key and body within --idempotency-window-s replays the first
  answer (no new document); the same key with another body is a 400.
  Limits per tenant: --calls-per-minute calls in any --window-s seconds (429, Retry-After,
  X-Rate-Limit-Problem: minute), --concurrent in flight (429, problem: concurrent),
  --day-limit a day (429, problem: day). Every answer carries X-MinLimit-Remaining,
  X-DayLimit-Remaining and X-AppMinLimit-Remaining.

Faults: a script "METHOD /Path:f1,f2,...;METHOD /Path:..." (or POST /__faults with
{"PUT /Invoices": ["429", "ok", ...]}). Each request matching METHOD and path takes the next
fault of its list:
  ok        no fault               429       429 with Retry-After: 1 (429:N for N s)
  500, 503  that status, the request is not processed
  stall     processed, then the answer waits --stall-s before it is sent
  reset     processed, then the connection is reset (TCP RST), no answer
  cut       processed, the answer is cut short of its Content-Length, connection closed
  truncate  processed, the answer is a cut JSON text with a matching Content-Length
  reject:N  element N (from 0) of the batch gets a ValidationError
  401       401 TokenExpired, not processed

Control and inspection (no auth):
  POST /__faults        add faults (see above)
  POST /__control       {"lock_date": "YYYY-MM-DD" | null, "archive_account": "200",
                         "delete_contact": "Amazon.com", "add_contact": "Amazon.com",
                         "archive_contact": "Amazon.com",
                         "add_account": {"Code": ..., "Type": ...}, "add_items": [code or
                         {"Code", "IsTrackedAsInventory", "QuantityOnHand"}, ...],
                         "calls_per_minute": N, "window_s": S, "concurrent": N,
                         "edit_doc": {"collection", "number" (prefix), "set": {...},
                                      "line": N, "line_set": {...}},
                         "add_doc": {"collection", "doc": {...}},
                         "tenant": ID (default: every organisation, now and later)}
  GET  /__state         every tenant's documents, items, tracked items' quantities on hand
                        ("stock") and the counters (JSON)
  GET  /__stats         counters: calls, by_route, rate_limited, replays, faults,
                        max_concurrent, max_in_window (most accepted calls in any window),
                        max_arrivals_in_window (most calls that arrived in any window,
                        refused ones included: what the client sent, not what the fake let
                        through), early_calls (calls that arrived before the Retry-After the
                        fake last gave that organisation had passed), created (documents),
                        rejected (elements)
The request log (--log-file, JSON lines) holds method, path, query, Idempotency-Key, the raw
body, status and fault of every API request; never a header value that carries a secret.

Which Xero documentation each behaviour follows:
  - Limits and their headers: "API rate limits" (developer.xero.com/documentation/guides/
    oauth2/limits/, summarised in developer.xero.com/faq/limits): per organisation 5 calls in
    progress, 60 calls a minute, 5000 a day (and 10,000 a minute per app: hence the constant
    X-AppMinLimit-Remaining); every answer carries X-DayLimit-Remaining, X-MinLimit-Remaining
    and X-AppMinLimit-Remaining; a call over a limit gets 429 with Retry-After (seconds) and
    X-Rate-Limit-Problem (minute, day, concurrent). Xero's minute window is 60 s, the default
    of --window-s; a shorter --window-s is a test device only (tests/e2e/live_faults.sh pairs
    it with settlebook's loopback-only SETTLEBOOK_XERO_RATE_WINDOW_MS, so a "minute" passes in
    a few seconds of wall time).
  - Idempotency-Key: the idempotencyKey header parameter of Xero's OpenAPI spec
    (tests/spec/xero/xero_accounting.yaml: "safely retry requests without the risk of
    duplicate processing. 128 character max.") and Xero's idempotent-requests guide.
  - summarizeErrors=false, per-element ValidationErrors and StatusAttributeString: the
    summarizeErrors parameter and the response schemas of the same spec, and Xero's Invoices
    page (developer.xero.com/documentation/api/invoices#post).
  - Error answers (400 ValidationException, 401 TokenExpired/TokenInvalid, 403, 404, 429):
    developer.xero.com/documentation/api/http-response-codes.
  - Paging (100 a page) and If-Modified-Since: Xero's Accounting API "Requests and responses"
    guide and the page and If-Modified-Since parameters of the spec.
"""
import argparse
import collections
import copy
import datetime
import decimal
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ARGS = None
SEED_TIME = 1577836800          # 2020-01-01: seeded reference data was last changed then
ORGS = {}                       # tenant id -> organisation state
FAULTS = collections.defaultdict(collections.deque)   # "PUT /Invoices" -> deque of faults
STATS = {"calls": 0, "by_route": {}, "rate_limited": 0, "replays": 0, "faults": 0,
         "max_concurrent": 0, "max_in_window": 0, "max_arrivals_in_window": 0,
         "early_calls": 0, "created": 0, "rejected": 0,
         "auth_failures": 0, "idempotency_conflicts": 0}
LIMITS = {"calls_per_minute": 60, "window_s": 60.0, "concurrent": 5, "day_limit": 5000}

DOC_KINDS = {   # collection -> (id field, number field or None)
    "Invoices": ("InvoiceID", "InvoiceNumber"),
    "CreditNotes": ("CreditNoteID", "CreditNoteNumber"),
    "Payments": ("PaymentID", None),
    "ManualJournals": ("ManualJournalID", None),
    "BankTransfers": ("BankTransferID", None),
    "Items": ("ItemID", "Code"),
    "BankTransactions": ("BankTransactionID", None),
    "Allocations": ("AllocationID", None),   # PUT /CreditNotes/{CreditNoteID}/Allocations
}


def ms_date(t):
    return "/Date(%d+0000)/" % int(t * 1000)


def now_date():
    return "/Date(%d)/" % int(time.time() * 1000)


# Tax rates with the CanApplyTo flags Xero's GET /TaxRates returns (the OpenAPI spec's
# TaxRate schema, tests/spec/xero/xero_accounting.yaml; its TaxRates example shows the
# pattern): a tax on purchases applies to every class but revenue, a tax on sales to every
# class but expenses, a zero-rated sales rate to revenue and liabilities only, "no tax" to
# all. The US demo rates, and the UK demo company's VAT rates (Xero's UK tax rates: 20% VAT
# on Income OUTPUT2, on Expenses INPUT2, 5% on Income RROUTPUT and on Expenses RRINPUT,
# zero-rated and exempt income and expenses, Reverse Charge Expenses (20%) REVERSECHARGES;
# the codes are the OpenAPI spec's TaxType enum).
CAN_APPLY = ("CanApplyToAssets", "CanApplyToEquity", "CanApplyToExpenses",
             "CanApplyToLiabilities", "CanApplyToRevenue")
APPLIES = {"all": (True, True, True, True, True),
           "purchases": (True, True, True, True, False),
           "sales": (True, True, False, True, True),
           "zero sales": (False, False, False, True, True)}
TAX_RATES = [("NONE", "Tax Exempt", "0.0000", "all"),
             ("INPUT", "Tax on Purchases", "8.5000", "purchases"),
             ("OUTPUT", "Tax on Sales", "8.5000", "sales"),
             ("EXEMPTOUTPUT", "Exempt Sales", "0.0000", "zero sales"),
             ("OUTPUT2", "20% (VAT on Income)", "20.0000", "sales"),
             ("INPUT2", "20% (VAT on Expenses)", "20.0000", "purchases"),
             ("ZERORATEDOUTPUT", "Zero Rated Income", "0.0000", "zero sales"),
             ("ZERORATEDINPUT", "Zero Rated Expenses", "0.0000", "purchases"),
             ("EXEMPTINPUT", "Exempt Expenses", "0.0000", "purchases"),
             ("RROUTPUT", "5% (VAT on Income)", "5.0000", "sales"),
             ("RRINPUT", "5% (VAT on Expenses)", "5.0000", "purchases"),
             ("REVERSECHARGES", "Reverse Charge Expenses (20%)", "0.0000", "purchases")]

# Xero's Account Class of each Account Type (Xero's "Account Types" documentation: the
# types group into the classes ASSET, EQUITY, EXPENSE, LIABILITY and REVENUE)
ACCOUNT_CLASS = {"BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
                 "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET", "EQUITY": "EQUITY",
                 "DEPRECIATN": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE",
                 "OVERHEADS": "EXPENSE", "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY",
                 "TERMLIAB": "LIABILITY", "OTHERINCOME": "REVENUE", "REVENUE": "REVENUE",
                 "SALES": "REVENUE"}
CLASS_FLAG = {"ASSET": "CanApplyToAssets", "EQUITY": "CanApplyToEquity",
              "EXPENSE": "CanApplyToExpenses", "LIABILITY": "CanApplyToLiabilities",
              "REVENUE": "CanApplyToRevenue"}


def seed_org(tenant):
    accounts = [
        ("090", "Business Bank Account", "BANK", False), ("091", "Business Savings Account",
                                                         "BANK", False),
        ("200", "Sales", "REVENUE", False), ("260", "Other Revenue", "REVENUE", False),
        ("400", "Advertising", "EXPENSE", False), ("425", "Freight & Courier", "EXPENSE", False),
        ("429", "General Expenses", "EXPENSE", False), ("485", "Subscriptions", "EXPENSE", False),
        ("620", "Prepayments", "CURRENT", True), ("820", "Sales Tax", "CURRLIAB", False),
        # the accounts settlebook's default config asks the user to create (README)
        ("615", "Amazon Clearing", "CURRENT", True),
        ("616", "Amazon Reserved Balances", "CURRENT", False),
        ("617", "Amazon Split Month Rollovers", "CURRENT", False),
        ("618", "Amazon Unsettled", "CURRENT", False),
        ("815", "Amazon Card Charges", "CURRLIAB", False),
        ("850", "Suspense", "CURRLIAB", False), ("860", "Rounding", "CURRLIAB", False),
    ]
    org = {
        "tenant": tenant,
        "accounts": {c: {"AccountID": str(uuid.uuid4()), "Code": c, "Name": n, "Type": t,
                         "Class": ACCOUNT_CLASS[t],
                         "Status": "ACTIVE", "EnablePaymentsToAccount": p,
                         "UpdatedDateUTC": ms_date(SEED_TIME)} for c, n, t, p in accounts},
        "tax_rates": {t: dict({"Name": n, "TaxType": t, "Status": "ACTIVE",
                               "EffectiveRate": r, "UpdatedDateUTC": ms_date(SEED_TIME)},
                              **dict(zip(CAN_APPLY, APPLIES[a])))
                      for t, n, r, a in TAX_RATES},
        "contacts": {},
        "created_contacts": [],     # names created by PUT /Contacts, in order
        "items": {},
        "tracking": [],
        "lock_date": None,
        "docs": {k: [] for k in DOC_KINDS},
        "idem": {},                 # key -> (sha, status, body bytes, time)
        "calls": collections.deque(),
        "day_calls": 0,
        "in_flight": 0,
    }
    for name in ["Amazon.com", "Amazon.com Customers", "Amazon.ca", "Amazon.ca Customers",
                 "Amazon.co.uk", "Amazon.co.uk Customers", "Amazon.de", "Amazon.de Customers",
                 "Amazon.fr", "Amazon.fr Customers"]:
        add_contact(org, name, SEED_TIME)
    for c in SEED_CONTROLS:
        apply_control(org, c)
    return org


SEED_CONTROLS = []              # organisation changes made before the first request


def apply_control(org, c):
    """Applies a POST /__control change to one organisation. Holds LOCK."""
    if "lock_date" in c:
        org["lock_date"] = c["lock_date"]
    if c.get("archive_account"):
        a = org["accounts"][c["archive_account"]]
        a["Status"] = "ARCHIVED"
        a["UpdatedDateUTC"] = now_date()
    if c.get("add_account"):
        a = dict(c["add_account"])
        a.setdefault("AccountID", str(uuid.uuid4()))
        a.setdefault("Status", "ACTIVE")
        a.setdefault("EnablePaymentsToAccount", False)
        a.setdefault("Class", ACCOUNT_CLASS.get(a.get("Type"), "ASSET"))
        a["UpdatedDateUTC"] = now_date()
        org["accounts"][a["Code"]] = a
    if c.get("delete_contact"):
        org["contacts"].pop(c["delete_contact"], None)
    if c.get("archive_contact"):
        ct = org["contacts"][c["archive_contact"]]
        ct["ContactStatus"] = "ARCHIVED"
        ct["UpdatedDateUTC"] = now_date()
    if c.get("add_contact"):
        add_contact(org, c["add_contact"])
    if c.get("edit_doc"):
        # what someone changing a posted document in Xero's UI leaves behind
        ed = c["edit_doc"]
        numf = DOC_KINDS[ed["collection"]][1] or ed.get("field", "Reference")
        for d in org["docs"][ed["collection"]]:
            if str(d.get(numf, "")).startswith(ed["number"]):
                d.update(ed.get("set") or {})
                if "line" in ed:
                    key = "JournalLines" if ed["collection"] == "ManualJournals" else \
                        "LineItems"
                    d[key][ed["line"]].update(ed.get("line_set") or {})
                d["UpdatedDateUTC"] = now_date()
    if c.get("add_doc"):
        # a document created outside settlebook (or by an earlier run) under our numbering
        ad = c["add_doc"]
        doc = json.loads(json.dumps(ad["doc"]), parse_float=Decimal)
        doc[DOC_KINDS[ad["collection"]][0]] = str(uuid.uuid4())
        doc["UpdatedDateUTC"] = now_date()
        org["docs"][ad["collection"]].append(doc)
    for code in c.get("add_items") or []:
        # a code, or an Item object (e.g. {"Code", "IsTrackedAsInventory": true,
        # "QuantityOnHand": 7} as GET /Items shows a tracked inventory item)
        item = dict(code) if isinstance(code, dict) else {"Code": code}
        item.update(ItemID=str(uuid.uuid4()), UpdatedDateUTC=now_date())
        org["items"][item["Code"]] = item


def add_contact(org, name, t=None):
    c = {"ContactID": str(uuid.uuid4()), "Name": name, "ContactStatus": "ACTIVE",
         "UpdatedDateUTC": ms_date(t if t is not None else time.time())}
    org["contacts"][name] = c
    return c


def parse_ims(v):
    """If-Modified-Since as seconds (UTC), or None: ISO 8601 (Xero's form) or RFC 1123."""
    if not v:
        return None
    v = v.strip()
    try:
        if "T" in v:
            d = datetime.datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S")
        else:
            d = datetime.datetime.strptime(v, "%a, %d %b %Y %H:%M:%S GMT")
    except ValueError:
        return None
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


def updated_s(rec):
    m = re.search(r"/Date\((-?\d+)", rec.get("UpdatedDateUTC", ""))
    return int(m.group(1)) / 1000.0 if m else 0


def dec(v):
    if isinstance(v, Decimal):
        return v
    if v is None:
        return Decimal(0)
    try:
        return Decimal(str(v))
    except decimal.InvalidOperation:
        return Decimal(0)


class Enc(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        return super().default(o)


def dumps(o):
    return json.dumps(o, cls=Enc).encode()


def get_path(d, dotted):
    for part in dotted.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(part)
    return d


WHERE_RE = re.compile(r'\s*([A-Za-z0-9_.]+)\s*==\s*"([^"]*)"\s*')
# Xero's where filter (developer.xero.com/documentation/api/accounting/requests-and-responses
# "Optimised use of the where filter"): strings compare with == or .StartsWith("..."),
# .Contains, .EndsWith; dates with DateTime(yyyy, mm, dd) and >, >=, <, <=, ==; clauses join
# with AND / && and OR / || (AND binds tighter).
CALL_RE = re.compile(r'\s*([A-Za-z0-9_.]+)\.(StartsWith|EndsWith|Contains)\("([^"]*)"\)\s*')
DATE_RE = re.compile(r'\s*([A-Za-z0-9_.]+)\s*(>=|<=|==|>|<)\s*DateTime\(\s*(\d{4})\s*,\s*'
                     r'(\d{1,2})\s*,\s*(\d{1,2})\s*\)\s*')


def clause_match(clause, rec):
    m = WHERE_RE.fullmatch(clause)
    if m:
        return str(get_path(rec, m.group(1))) == m.group(2)
    m = CALL_RE.fullmatch(clause)
    if m:
        v = get_path(rec, m.group(1))
        if not isinstance(v, str):
            return False
        return {"StartsWith": v.startswith, "EndsWith": v.endswith,
                "Contains": lambda x: x in v}[m.group(2)](m.group(3))
    m = DATE_RE.fullmatch(clause)
    if m:
        v = str(get_path(rec, m.group(1)) or "")[:10]
        if not v:
            return False
        want = "%04d-%02d-%02d" % (int(m.group(3)), int(m.group(4)), int(m.group(5)))
        return {">=": v >= want, "<=": v <= want, "==": v == want, ">": v > want,
                "<": v < want}[m.group(2)]
    raise ValueError("cannot parse where clause: " + clause)


def where_match(where, rec):
    """Clauses joined by OR / || and AND / && (AND binds tighter)."""
    if not where:
        return True
    for alt in re.split(r"\s+OR\s+|\s*\|\|\s*", where):
        if all(clause_match(c, rec) for c in re.split(r"\s+AND\s+|\s*&&\s*", alt)):
            return True
    return False


def xero_form(coll, rec, with_lines, unitdp=2):
    """A stored document as Xero's GET answers show it: dates as "/Date(ms+0000)/" with a
    "DateString" beside them (the JSON form of the Accounting API's answers); lists of
    invoices and credit notes carry their LineItems only when paged (page=N), as Xero's
    GET /Invoices documents ("paging ... returns line items")."""
    out = copy.deepcopy(rec)
    for k in ("Date", "DueDate"):
        v = out.get(k)
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", v):
            d = datetime.datetime.strptime(v[:10], "%Y-%m-%d").replace(
                tzinfo=datetime.timezone.utc)
            out[k] = ms_date(d.timestamp())
            out[k + "String"] = v[:10] + "T00:00:00"
    if not with_lines and coll in ("Invoices", "CreditNotes"):
        out.pop("LineItems", None)
    # unit amounts answer in two decimals unless the GET asks unitdp=4 (Xero's "Rounding in
    # Xero" guide: the parameter applies to GETs of invoices, credit notes, bank
    # transactions too)
    for li in out.get("LineItems") or []:
        if li.get("UnitAmount") is not None:
            li["UnitAmount"] = xero_round(dec(li["UnitAmount"]), unitdp)
    return out


# --- validation and creation of documents ----------------------------------------------------

def account_errors(org, code, need_bank=False, what="line item"):
    a = org["accounts"].get(code)
    if a is None or a["Status"] != "ACTIVE":
        return ["Account code '%s' is not a valid code for this document." % code]
    if need_bank and a["Type"] != "BANK" and not a["EnablePaymentsToAccount"]:
        return ["Account code '%s' is not a bank account and cannot take payments." % code]
    return []


def line_errors(org, line):
    errs = []
    if "AccountCode" in line:
        errs += account_errors(org, line["AccountCode"])
        a = org["accounts"].get(line["AccountCode"])
        if not errs and a is not None and a["Type"] == "BANK":
            # Xero refuses bank accounts on invoice, credit note, bank transaction and
            # manual journal lines (money reaches a bank account only by payments,
            # bank transactions and transfers); it answers with its "not a valid code for
            # this document" validation message
            errs.append("Account code '%s' is not a valid code for this document."
                        % line["AccountCode"])
    tt = line.get("TaxType")
    if tt and (tt not in org["tax_rates"] or org["tax_rates"][tt]["Status"] != "ACTIVE"):
        errs.append("The TaxType code '%s' does not exist or cannot be used for this type of "
                    "transaction." % tt)
    elif tt and "AccountCode" in line and line["AccountCode"] in org["accounts"]:
        # a tax rate applies only to the account classes its CanApplyTo flags allow (Xero
        # refuses the line; the wording is the fake's)
        a = org["accounts"][line["AccountCode"]]
        if not org["tax_rates"][tt].get(CLASS_FLAG[a["Class"]], True):
            errs.append("The TaxType code '%s' cannot be used with account code '%s'."
                        % (tt, line["AccountCode"]))
    # Xero's Invoices/CreditNotes docs: a line's ItemCode must name an existing Item; an
    # unknown code fails the document with the ValidationException message "Item code 'X' is
    # not valid" (the whole request with summarizeErrors=true, the element otherwise)
    ic = line.get("ItemCode")
    if ic and ic not in org["items"]:
        errs.append("Item code '%s' is not valid" % ic)
    for tr in line.get("Tracking") or []:
        cat = next((c for c in org["tracking"] if c["Name"] == tr.get("Name")), None)
        opt = cat and next((o for o in cat["Options"] if o["Name"] == tr.get("Option")), None)
        if not opt:
            errs.append("Tracking option '%s/%s' is not valid" % (tr.get("Name"),
                                                                  tr.get("Option")))
    return errs


def date_errors(org, date):
    if org["lock_date"] and date and date[:10] <= org["lock_date"]:
        return ["The document date cannot be before the period lock date of %s."
                % org["lock_date"]]
    return []


def find_doc(org, coll, number_field, number):
    for d in org["docs"][coll]:
        if d.get(number_field) == number and d.get("Status") not in ("DELETED", "VOIDED"):
            return d
    return None


def contact_errors(org, el):
    name = (el.get("Contact") or {}).get("Name")
    if not name:
        return ["The Contact must contain at least 1 of the following elements to identify "
                "the contact: Name, ContactID, ContactNumber"]
    # Xero: an archived contact cannot be used on new transactions until it is restored
    # (Xero Central, "Archive or restore a contact"); the wording here is the fake's
    c = org["contacts"].get(name)
    if c is not None and c["ContactStatus"] == "ARCHIVED":
        return ["The contact '%s' is archived and cannot be used; restore it first." % name]
    return []


def check_contact(org, el, pending):
    """PUT /Contacts (Xero API: Contacts, "Create contacts"): Name is required and must be
    unique across the organisation's contacts."""
    name = el.get("Name")
    if not name:
        return ["Contact Name cannot be empty."]
    if name in org["contacts"] or name in pending:
        return ["The contact name %s is already assigned to another contact. The contact "
                "name must be unique across all active contacts." % name]
    return []


def check_invoice(org, el, pending):
    errs = []
    if el.get("Type") not in ("ACCREC", "ACCPAY"):
        errs.append("Invoice Type must be ACCREC or ACCPAY.")
    errs += contact_errors(org, el)
    num = el.get("InvoiceNumber")
    if el.get("Type") == "ACCREC" and num and (
            find_doc(org, "Invoices", "InvoiceNumber", num) or num in pending):
        errs.append("Invoice # must be unique.")
    errs += date_errors(org, el.get("Date"))
    for li in el.get("LineItems") or []:
        errs += line_errors(org, li)
    return errs


def check_credit(org, el, pending):
    errs = []
    if el.get("Type") not in ("ACCRECCREDIT", "ACCPAYCREDIT"):
        errs.append("CreditNote Type must be ACCRECCREDIT or ACCPAYCREDIT.")
    errs += contact_errors(org, el)
    num = el.get("CreditNoteNumber")
    if el.get("Type") == "ACCRECCREDIT" and num and (
            find_doc(org, "CreditNotes", "CreditNoteNumber", num) or num in pending):
        errs.append("Credit Note # must be unique.")
    errs += date_errors(org, el.get("Date"))
    for li in el.get("LineItems") or []:
        errs += line_errors(org, li)
    return errs


def check_allocation(org, el, cn, pending):
    """PUT /CreditNotes/{CreditNoteID}/Allocations: Xero's Allocation (tests/spec/xero)
    names the invoice by its InvoiceID; the credit note must be authorised, for the same
    contact, with credit left; the amount at most what the invoice still owes (Xero:
    "Credit Note cannot be allocated as amount is greater than amount outstanding")."""
    errs = []
    inv_id = (el.get("Invoice") or {}).get("InvoiceID")
    inv = next((d for d in org["docs"]["Invoices"] if inv_id and d.get("InvoiceID") == inv_id),
               None)
    amt = dec(el.get("Amount"))
    if not inv:
        errs.append("Invoice could not be found (an allocation names it by InvoiceID).")
    elif (inv.get("Contact") or {}).get("Name") != (cn.get("Contact") or {}).get("Name"):
        errs.append("The credit note and the invoice are for different contacts.")
    elif amt > inv["AmountDue"] - pending.get(id(inv), Decimal(0)):
        errs.append("Credit Note cannot be allocated as amount is greater than amount "
                    "outstanding on the invoice.")
    if cn.get("Status") != "AUTHORISED":
        errs.append("Only an authorised credit note can be allocated.")
    if amt <= 0 or amt > cn["RemainingCredit"] - pending.get(id(cn), Decimal(0)):
        errs.append("Credit Note cannot be allocated as amount is greater than amount "
                    "outstanding.")
    if not el.get("Date"):
        errs.append("Date is required.")
    errs += date_errors(org, el.get("Date"))
    if not errs:
        pending[id(inv)] = pending.get(id(inv), Decimal(0)) + amt
        pending[id(cn)] = pending.get(id(cn), Decimal(0)) + amt
    return errs


def check_payment(org, el, pending):
    errs = []
    inv = el.get("Invoice")
    cn = el.get("CreditNote")
    if inv:
        doc = find_doc(org, "Invoices", "InvoiceNumber", inv.get("InvoiceNumber"))
    elif cn:
        doc = find_doc(org, "CreditNotes", "CreditNoteNumber", cn.get("CreditNoteNumber"))
    else:
        doc = None
    if doc is None:
        errs.append("Invoice or credit note %s could not be found."
                    % ((inv or cn or {}).get("InvoiceNumber") or
                       (cn or {}).get("CreditNoteNumber")))
    elif doc.get("Status") != "AUTHORISED":
        errs.append("Payments can only be made against authorised documents.")
    elif dec(el.get("Amount")) > doc["AmountDue"] - pending.get(id(doc), Decimal(0)):
        errs.append("Payment amount exceeds the amount outstanding on this document.")
    errs += account_errors(org, (el.get("Account") or {}).get("Code"), need_bank=True)
    errs += date_errors(org, el.get("Date"))
    if dec(el.get("Amount")) <= 0:
        errs.append("Payment amount must be positive.")
    return errs, doc


def check_journal(org, el, pending):
    errs = []
    if not el.get("Narration"):
        errs.append("Narration cannot be empty.")
    lines = el.get("JournalLines") or []
    if len(lines) < 2:
        errs.append("A manual journal needs at least two lines.")
    if sum((dec(li.get("LineAmount")) for li in lines), Decimal(0)) != 0:
        errs.append("The total debits must equal the total credits.")
    for li in lines:
        errs += line_errors(org, li)
    errs += date_errors(org, el.get("Date"))
    return errs


def check_transfer(org, el, pending):
    errs = []
    for k in ("FromBankAccount", "ToBankAccount"):
        code = (el.get(k) or {}).get("Code")
        a = org["accounts"].get(code)
        if a is None or a["Status"] != "ACTIVE" or a["Type"] != "BANK":
            errs.append("%s '%s' must be an active bank account." % (k, code))
    if dec(el.get("Amount")) <= 0:
        errs.append("Amount must be positive.")
    errs += date_errors(org, el.get("Date"))
    return errs


def create(org, coll, el, doc_paid=None):
    """Stores element el of collection coll; returns the answer element."""
    if coll == "Contacts":
        c = add_contact(org, el["Name"])
        org["created_contacts"].append(el["Name"])
        STATS["created"] += 1
        return dict(copy.deepcopy(c), StatusAttributeString="OK", HasErrors=False,
                    ValidationErrors=[])
    out = copy.deepcopy(el)
    idf = DOC_KINDS[coll][0]
    out[idf] = str(uuid.uuid4())
    out["UpdatedDateUTC"] = now_date()
    out["StatusAttributeString"] = "OK"
    out["HasErrors"] = False
    if coll in ("Invoices", "CreditNotes"):
        total = sum((dec(li.get("LineAmount")) for li in out.get("LineItems") or []),
                    Decimal(0))
        out["SubTotal"] = total
        out["TotalTax"] = Decimal(0)
        out["Total"] = total
        out["AmountDue"] = total
        out["AmountPaid"] = Decimal(0)
        out.setdefault("Status", "DRAFT")
        name = (out.get("Contact") or {}).get("Name")
        c = org["contacts"].get(name) or add_contact(org, name)
        out["Contact"] = {"ContactID": c["ContactID"], "Name": name}
        restock(org, out, -1 if out.get("Type") == "ACCREC" else
                1 if out.get("Type") == "ACCRECCREDIT" else 0)
        if coll == "CreditNotes":
            out["RemainingCredit"] = total
            # Xero support: "The allocation cannot be applied at the same time the Credit
            # Note is created by the API" (XeroAPI users, waynerobinson/xeroizer#196):
            # Allocations sent inside PUT /CreditNotes are not applied
            out["Allocations"] = []
    elif coll == "Allocations":
        cn, inv = doc_paid
        amt = dec(out.get("Amount"))
        inv["AmountDue"] -= amt
        inv["AmountCredited"] = inv.get("AmountCredited", Decimal(0)) + amt
        if inv["AmountDue"] == 0:
            inv["Status"] = "PAID"
        cn["RemainingCredit"] -= amt
        out["CreditNote"] = {"CreditNoteID": cn["CreditNoteID"]}
        cn.setdefault("Allocations", []).append(
            {"AllocationID": out["AllocationID"], "Amount": amt, "Date": out.get("Date"),
             "Invoice": {"InvoiceID": inv["InvoiceID"],
                         "InvoiceNumber": inv.get("InvoiceNumber")}})
    elif coll == "Payments":
        out["Status"] = "AUTHORISED"
        amt = dec(out.get("Amount"))
        doc_paid["AmountDue"] -= amt
        doc_paid["AmountPaid"] = doc_paid.get("AmountPaid", Decimal(0)) + amt
        if doc_paid["AmountDue"] == 0:
            doc_paid["Status"] = "PAID"
        key = "Invoice" if "Invoice" in out else "CreditNote"
        out[key][DOC_KINDS["Invoices" if key == "Invoice" else "CreditNotes"][0]] = \
            doc_paid[DOC_KINDS["Invoices" if key == "Invoice" else "CreditNotes"][0]]
    elif coll == "ManualJournals":
        out.setdefault("Status", "DRAFT")
    elif coll == "Items":
        org["items"][out["Code"]] = out
    out["ValidationErrors"] = []
    org["docs"][coll].append(out)
    STATS["created"] += 1
    return out


def restock(org, doc, sign):
    """Xero's help "Why doesn't my tracked inventory item's quantity or value include my
    transaction?" (help.xero.com/int/Inventory_TSUpdate): an invoice or credit note updates
    a tracked item's quantity on hand when it is approved. A sale (sign -1) takes its lines'
    Quantity of each tracked ItemCode out, a customer credit note (+1) puts it back. (Xero
    also refuses negative stock; the fake does not.)"""
    if not sign or doc.get("Status") != "AUTHORISED":
        return
    for li in doc.get("LineItems") or []:
        item = org["items"].get(li.get("ItemCode") or "")
        if item and item.get("IsTrackedAsInventory"):
            item["QuantityOnHand"] = dec(item.get("QuantityOnHand")) + \
                sign * dec(li.get("Quantity", 1))


def check_item(org, el, pending):
    """PUT /Items (Xero's Items endpoint): Code required, at most 30 characters and unique in
    the organisation; Name at most 50; a sales account must exist and be active."""
    errs = []
    code = el.get("Code") or ""
    if not code:
        errs.append("Item Code must be supplied.")
    elif len(code) > 30:
        errs.append("The Item Code must not be more than 30 characters long.")
    elif code in org["items"] or code in pending:
        errs.append("Item code '%s' already exists" % code)
    if len(el.get("Name") or "") > 50:
        errs.append("The Item Name must not be more than 50 characters long.")
    acct = (el.get("SalesDetails") or {}).get("AccountCode")
    if acct and (acct not in org["accounts"] or org["accounts"][acct]["Status"] != "ACTIVE"):
        errs.append("Account code '%s' is not a valid code for this document." % acct)
    return errs


def check_bank_transaction(org, el, pending):
    """Xero's BankTransactions: Type RECEIVE or SPEND, a contact, a bank-type BankAccount,
    line items on accounts that are not bank accounts (Xero: "You cannot use a bank account
    as a line item account"), and a positive total."""
    errs = []
    if el.get("Type") not in ("RECEIVE", "SPEND"):
        errs.append("Type must be RECEIVE or SPEND.")
    if not (el.get("Contact") or {}).get("Name"):
        errs.append("A Contact must be specified for this type of transaction.")
    code = (el.get("BankAccount") or {}).get("Code")
    a = org["accounts"].get(code)
    if a is None or a["Status"] != "ACTIVE" or a["Type"] != "BANK":
        errs.append("BankAccount '%s' must be an active bank account." % code)
    lines = el.get("LineItems") or []
    if not lines:
        errs.append("At least one line item is required.")
    for li in lines:
        errs += line_errors(org, li)
    if sum((dec(li.get("LineAmount")) for li in lines), Decimal(0)) <= 0:
        errs.append("The total must be positive.")
    errs += date_errors(org, el.get("Date"))
    return errs


CHECKS = {"Invoices": check_invoice, "CreditNotes": check_credit, "Items": check_item,
          "Contacts": check_contact, "ManualJournals": check_journal,
          "BankTransfers": check_transfer, "BankTransactions": check_bank_transaction}


PRICED = ("Invoices", "CreditNotes", "BankTransactions")


def xero_round(v, places):
    """Xero rounds half away from zero ("1.795 ... would be rounded to $1.80")."""
    return v.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)


def priced(el, unitdp):
    """(el as Xero stores it, errors). Xero's "Rounding in Xero" guide
    (developer.xero.com/documentation/api-guides/rounding-in-xero): UnitAmount is taken to two
    decimal places unless the request opts in to four with the query parameter unitdp=4 (then
    to four); LineAmount, totals and the rest stay at two. Xero computes a line's amount as
    Quantity x UnitAmount rounded to two decimals and refuses a LineAmount sent beside them
    that differs: "The line total X does not match the expected line total Y" (Xero's
    ValidationError, XeroAPI/Xero-NetStandard#74 and #147). Totals are then the sum of the
    computed line amounts."""
    out = copy.deepcopy(el)
    errs = []
    for li in out.get("LineItems") or []:
        if li.get("UnitAmount") is None:
            continue
        unit = xero_round(dec(li["UnitAmount"]), unitdp)
        line = xero_round(dec(li.get("Quantity", 1)) * unit, 2)
        if li.get("LineAmount") is not None and dec(li["LineAmount"]) != line:
            errs.append("The line total %s does not match the expected line total %s"
                        % (dec(li["LineAmount"]), line))
        li["UnitAmount"] = unit
        li["LineAmount"] = line
    return out, errs


def put_documents(org, coll, doc, summarize, reject_idx, parent=None, unitdp=2):
    """Returns (status, answer) for a PUT/POST of documents (parent: the credit note id of
    PUT /CreditNotes/{CreditNoteID}/Allocations)."""
    els = doc.get(coll)
    if not isinstance(els, list) or not els:
        return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                     "Message": "The request body must hold a %s array" % coll}
    results = []        # (errors, element, payment doc)
    pending_numbers = set()
    pending_paid = {}
    for i, el in enumerate(els):
        paid = None
        if coll == "Payments":
            errs, paid = check_payment(org, el, pending_paid)
        elif coll == "Allocations":
            cn = next((d for d in org["docs"]["CreditNotes"] if d.get("CreditNoteID") == parent),
                      None)
            if cn is None:
                return 404, {"Message": "The resource you're looking for cannot be found"}
            errs = check_allocation(org, el, cn, pending_paid)
            inv_id = (el.get("Invoice") or {}).get("InvoiceID")
            paid = (cn, next((d for d in org["docs"]["Invoices"]
                              if d.get("InvoiceID") == inv_id), None))
        else:
            perrs = []
            if coll in PRICED:
                el, perrs = priced(el, unitdp)
            errs = CHECKS[coll](org, el, pending_numbers) + perrs
        if i == reject_idx:
            errs = errs + ["Account code '%s' has been archived, or has been deleted. Each "
                           "line item must reference a valid account." % (
                               first_code(el) or "?")]
        if not errs:
            num_field = DOC_KINDS[coll][1] if coll in DOC_KINDS else "Name"
            if num_field and el.get(num_field):
                pending_numbers.add(el[num_field])
            if paid is not None and coll == "Payments":
                pending_paid[id(paid)] = pending_paid.get(id(paid), Decimal(0)) + \
                    dec(el.get("Amount"))
        results.append((errs, el, paid))
    failed = [r for r in results if r[0]]
    STATS["rejected"] += len(failed)
    if failed and summarize:
        return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                     "Message": "A validation exception occurred",
                     "Elements": [dict(copy.deepcopy(el), ValidationErrors=[
                         {"Message": m} for m in errs]) for errs, el, _ in failed]}
    out = []
    for errs, el, paid in results:
        if errs:
            e = copy.deepcopy(el)
            e["StatusAttributeString"] = "ERROR"
            e["HasErrors"] = True
            e["ValidationErrors"] = [{"Message": m} for m in errs]
            out.append(e)
        else:
            out.append(create(org, coll, el, paid))
    return 200, {coll: out}


def first_code(el):
    for li in (el.get("LineItems") or el.get("JournalLines") or []):
        if li.get("AccountCode"):
            return li["AccountCode"]
    return (el.get("Account") or {}).get("Code") or (el.get("FromBankAccount") or {}).get(
        "Code")


# --- the HTTP handler ---------------------------------------------------------------------------

def envelope(extra):
    d = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "settlebook fake",
         "DateTimeUTC": now_date()}
    d.update(extra)
    return d


class Done(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # -- plumbing --
    def release(self):
        """The request stops counting as in flight (before its answer leaves, so a client
        that sends its next request the moment it reads this answer is not counted twice)."""
        org = getattr(self, "org_in_flight", None)
        if org is not None:
            with LOCK:
                org["in_flight"] -= 1
            self.org_in_flight = None

    def send_json(self, status, obj, headers=None, fault=None):
        body = obj if isinstance(obj, bytes) else dumps(obj)
        if fault == "stall":
            time.sleep(ARGS.stall_s)
        self.release()
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            raise Done()
        if fault == "truncate":
            body = body[:max(1, len(body) // 2)]
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if fault == "cut":
            self.send_header("Connection", "close")
        self.end_headers()
        if fault == "cut":
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            raise Done()
        self.wfile.write(body)

    def raw_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        return url, parts, q

    # -- control --
    def control(self, method, url, raw):
        if url.path == "/__stats" and method == "GET":
            with LOCK:
                return self.send_json(200, STATS)
        if url.path == "/__state" and method == "GET":
            with LOCK:
                return self.send_json(200, {"orgs": {t: {"docs": o["docs"],
                                                         "lock_date": o["lock_date"],
                                                         "items": sorted(o["items"]),
                                                         "stock": {
                                                             c: i.get("QuantityOnHand")
                                                             for c, i in o["items"].items()
                                                             if i.get("IsTrackedAsInventory")},
                                                         "created_contacts":
                                                             o["created_contacts"],
                                                         "contacts": list(
                                                             o["contacts"].values())}
                                                     for t, o in ORGS.items()},
                                            "stats": STATS})
        if url.path == "/__faults" and method == "POST":
            with LOCK:
                for k, v in json.loads(raw or b"{}").items():
                    FAULTS[normalise_route(k)].extend(v)
            return self.send_json(200, {"ok": True})
        if url.path == "/__control" and method == "POST":
            c = json.loads(raw or b"{}")
            with LOCK:
                for k in ("calls_per_minute", "concurrent", "day_limit"):
                    if k in c:
                        LIMITS[k] = int(c[k])
                if "window_s" in c:
                    LIMITS["window_s"] = float(c["window_s"])
                if c.get("tenant"):
                    if c["tenant"] not in ORGS:
                        ORGS[c["tenant"]] = seed_org(c["tenant"])
                    apply_control(ORGS[c["tenant"]], c)
                else:
                    SEED_CONTROLS.append(c)       # organisations seeded later get it too
                    for org in ORGS.values():
                        apply_control(org, c)
            return self.send_json(200, {"ok": True})
        return self.send_json(404, {"Message": "no such control endpoint"})

    # -- API --
    def handle_any(self, method):
        raw = self.raw_body()
        url, parts, q = self.route()
        try:
            if url.path.startswith("/__"):
                return self.control(method, url, raw)
            return self.api(method, url, parts, q, raw)
        except Done:
            return
        except (BrokenPipeError, ConnectionResetError):
            return

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_POST(self):
        self.handle_any("POST")

    def auth(self):
        """The org of a valid token and tenant, or None after answering 401/403."""
        h = self.headers.get("Authorization", "")
        token = h[7:] if h.startswith("Bearer ") else ""
        tenant = self.headers.get("Xero-tenant-id", "")
        try:
            with open(ARGS.tokens_file) as f:
                toks = json.load(f).get("access_tokens", {})
        except (OSError, ValueError):
            toks = {}
        a = toks.get(token)
        if not a or a.get("expires_at", 0) <= time.time():
            STATS["auth_failures"] += 1
            self.send_json(401, {"Type": None, "Title": "Unauthorized", "Status": 401,
                                 "Detail": "TokenExpired: token expired" if a else
                                 "AuthenticationUnsuccessful"},
                           {"WWW-Authenticate": "Bearer"})
            return None
        if not tenant or tenant not in a.get("tenants", []):
            STATS["auth_failures"] += 1
            self.send_json(403, {"Type": None, "Title": "Forbidden", "Status": 403,
                                 "Detail": "AuthenticationUnsuccessful: tenant not authorised"})
            return None
        if tenant not in ORGS:
            ORGS[tenant] = seed_org(tenant)
        return ORGS[tenant]

    def api(self, method, url, parts, q, raw):
        coll = parts[-1] if parts else ""
        ident = None
        if len(parts) >= 2 and parts[-2] in DOC_KINDS:
            coll, ident = parts[-2], parts[-1]
        if len(parts) >= 3 and parts[-3] == "CreditNotes" and parts[-1] == "Allocations":
            coll, ident = "Allocations", parts[-2]
        route = normalise_route("%s /%s" % (method, coll))
        entry = {"method": method, "path": url.path, "query": url.query,
                 "idempotency_key": self.headers.get("Idempotency-Key"),
                 "if_modified_since": self.headers.get("If-Modified-Since"),
                 "body": raw.decode("utf-8", "replace") if raw else None}
        with LOCK:
            org = self.auth()
            if org is None:
                log_request(entry, 401, None)
                return
            self.arrival(org)
            fault = FAULTS[route].popleft() if FAULTS[route] else "ok"
            if fault != "ok":
                STATS["faults"] += 1
            limited = self.limits(org)
            if limited:
                status, headers, problem = limited
                STATS["rate_limited"] += 1
                self.told_to_wait(org, headers["Retry-After"])
                log_request(entry, 429, "limit:" + problem)
                if fault != "ok":        # the fault was not used: keep it for the next call
                    FAULTS[route].appendleft(fault)
                return self.send_json(429, {"Title": "Too Many Requests"}, headers)
            STATS["calls"] += 1
            STATS["by_route"][route] = STATS["by_route"].get(route, 0) + 1
            org["calls"].append(time.monotonic())
            org["day_calls"] += 1
            org["in_flight"] += 1
            STATS["max_concurrent"] = max(STATS["max_concurrent"], org["in_flight"])
            STATS["max_in_window"] = max(STATS["max_in_window"], len(org["calls"]))
            headers = self.limit_headers(org)
            self.org_in_flight = org
        try:
            self.serve(method, org, coll, ident, q, raw, entry, fault, headers)
        finally:
            self.release()

    def arrival(self, org):
        """Counts every call that reaches the organisation, refused or not. Holds LOCK."""
        now = time.monotonic()
        arr = org.setdefault("arrivals", collections.deque())
        arr.append(now)
        while arr and arr[0] <= now - LIMITS["window_s"]:
            arr.popleft()
        STATS["max_arrivals_in_window"] = max(STATS["max_arrivals_in_window"], len(arr))
        if now < org.get("retry_after_until", 0.0):
            STATS["early_calls"] += 1

    def told_to_wait(self, org, retry_after):
        """A 429 with Retry-After: calls before it has passed count as early. Holds LOCK."""
        until = time.monotonic() + float(retry_after)
        org["retry_after_until"] = max(org.get("retry_after_until", 0.0), until)

    def limits(self, org):
        """(status, headers, problem) when the call is refused, else None. Holds LOCK."""
        now = time.monotonic()
        w = LIMITS["window_s"]
        while org["calls"] and org["calls"][0] <= now - w:
            org["calls"].popleft()
        if org["in_flight"] >= LIMITS["concurrent"]:
            return 429, dict(self.limit_headers(org), **{"Retry-After": "1",
                             "X-Rate-Limit-Problem": "concurrent"}), "concurrent"
        if org["day_calls"] >= LIMITS["day_limit"]:
            return 429, dict(self.limit_headers(org), **{"Retry-After": "86400",
                             "X-Rate-Limit-Problem": "day"}), "day"
        if len(org["calls"]) >= LIMITS["calls_per_minute"]:
            wait = max(1, int(org["calls"][0] + w - now + 0.999))
            return 429, dict(self.limit_headers(org), **{"Retry-After": str(wait),
                             "X-Rate-Limit-Problem": "minute"}), "minute"
        return None

    def limit_headers(self, org):
        return {"X-MinLimit-Remaining": str(max(0, LIMITS["calls_per_minute"] -
                                                len(org["calls"]))),
                "X-DayLimit-Remaining": str(max(0, LIMITS["day_limit"] - org["day_calls"])),
                "X-AppMinLimit-Remaining": "9999"}

    def serve(self, method, org, coll, ident, q, raw, entry, fault, headers):
        if fault in ("500", "503") or fault.startswith("429") or fault == "401":
            status = 401 if fault == "401" else 429 if fault.startswith("429") else int(fault)
            h = dict(headers)
            if status == 429:
                h["Retry-After"] = fault.split(":")[1] if ":" in fault else "1"
                h["X-Rate-Limit-Problem"] = "minute"
                with LOCK:
                    self.told_to_wait(org, h["Retry-After"])
            body = {"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired: token "
                    "expired"} if status == 401 else {"Title": "fault %s" % fault}
            with LOCK:
                log_request(entry, status, fault)
            return self.send_json(status, body, h)
        if method == "GET":
            with LOCK:
                status, answer = self.get(org, coll, ident, q)
                log_request(entry, status, None if fault == "ok" else fault)
            return self.send_json(status, answer, headers,
                                  fault if fault in ("stall", "reset", "cut", "truncate")
                                  else None)
        if ((coll not in DOC_KINDS and coll != "Contacts") or
                (ident is not None) != (coll == "Allocations")):
            with LOCK:
                log_request(entry, 404, None)
            return self.send_json(404, {"Message": "The resource you're looking for cannot be "
                                        "found"}, headers)
        key = self.headers.get("Idempotency-Key")
        sha = hashlib.sha256(raw).hexdigest()
        reject = int(fault.split(":")[1]) if fault.startswith("reject") else -1
        with LOCK:
            prev = org["idem"].get(key) if key else None
            if prev and time.time() - prev[3] > ARGS.idempotency_window_s:
                prev = None
            if prev and prev[0] != sha:
                STATS["idempotency_conflicts"] += 1
                log_request(entry, 400, "idempotency-conflict")
                status, body = 400, dumps({"ErrorNumber": 10, "Type": "ValidationException",
                                           "Message": "The Idempotency-Key has already been "
                                           "used with a different request body."})
            elif prev:
                STATS["replays"] += 1
                log_request(entry, prev[1], "replay")
                status, body = prev[1], prev[2]
            else:
                try:
                    doc = json.loads(raw, parse_float=Decimal)
                    status, answer = put_documents(
                        org, coll, doc, q.get("summarizeErrors", "true").lower() != "false",
                        reject, ident, 4 if q.get("unitdp") == "4" else 2)
                except ValueError as ex:
                    status, answer = 400, {"ErrorNumber": 14, "Type":
                                           "PostDataInvalidException",
                                           "Message": "JSON does not parse: %s" % ex}
                body = dumps(envelope(answer) if status == 200 else answer)
                if key:
                    org["idem"][key] = (sha, status, body, time.time())
                log_request(entry, status, None if fault == "ok" else fault)
        return self.send_json(status, body, headers,
                              fault if fault in ("stall", "reset", "cut", "truncate") else None)

    def get(self, org, coll, ident, q):
        ims = parse_ims(self.headers.get("If-Modified-Since"))
        where = q.get("where", "")
        udp = 4 if q.get("unitdp") == "4" else 2
        def filt(recs):
            return [r for r in recs if (ims is None or updated_s(r) > ims) and
                    where_match(where, r)]
        try:
            if coll == "Accounts":
                return 200, envelope({"Accounts": filt(org["accounts"].values())})
            if coll == "TaxRates":
                return 200, envelope({"TaxRates": filt(org["tax_rates"].values())})
            if coll == "Items":
                return 200, envelope({"Items": filt(org["items"].values())})
            if coll == "TrackingCategories":
                return 200, envelope({"TrackingCategories": filt(org["tracking"])})
            if coll == "Organisation":
                o = {"OrganisationID": org["tenant"], "Name": "Demo Company (US)",
                     "BaseCurrency": "USD", "Version": "US"}
                if org["lock_date"]:
                    t = datetime.datetime.strptime(org["lock_date"], "%Y-%m-%d").replace(
                        tzinfo=datetime.timezone.utc).timestamp()
                    o["PeriodLockDate"] = ms_date(t)
                    o["EndOfYearLockDate"] = ms_date(t)
                return 200, envelope({"Organisations": [o]})
            if coll == "Contacts":
                recs = filt(org["contacts"].values())
                if q.get("includeArchived", "").lower() != "true":
                    recs = [r for r in recs if r["ContactStatus"] == "ACTIVE"]
                return 200, envelope({"Contacts": page(recs, q)})
            if coll in DOC_KINDS:
                recs = org["docs"][coll]
                if ident:
                    idf, numf = DOC_KINDS[coll]
                    recs = [r for r in recs if r.get(idf) == ident or
                            (numf and r.get(numf) == ident)]
                    if not recs:
                        return 404, {"Message": "The resource you're looking for cannot be "
                                     "found"}
                    return 200, envelope({coll: [xero_form(coll, r, True, udp) for r in recs]})
                if coll == "Invoices" and q.get("InvoiceNumbers"):
                    want = set(q["InvoiceNumbers"].split(","))
                    recs = [r for r in recs if r.get("InvoiceNumber") in want]
                recs = filt(recs)
                recs = page(recs, q) if coll != "BankTransfers" else recs
                return 200, envelope({coll: [xero_form(coll, r, "page" in q, udp)
                                             for r in recs]})
        except ValueError as ex:
            return 400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": str(ex)}
        return 404, {"Message": "The resource you're looking for cannot be found"}


def page(recs, q):
    """Xero pages lists of documents and contacts when page= is given: 100 a page."""
    if "page" not in q:
        return recs
    n = max(1, int(q.get("page") or 1))
    size = min(1000, max(1, int(q.get("pageSize") or 100)))
    return recs[(n - 1) * size:n * size]


def normalise_route(r):
    m, _, p = r.strip().partition(" ")
    p = p.strip().rstrip("/")
    return "%s /%s" % (m.upper(), p.split("/")[-1])


LOG_F = None


def log_request(entry, status, fault):
    """Holds LOCK."""
    if LOG_F is None:
        return
    e = dict(entry, status=status, fault=fault, t=round(time.monotonic(), 3))
    LOG_F.write(json.dumps(e) + "\n")
    LOG_F.flush()


def parse_faults(script):
    for part in (script or "").split(";"):
        if not part.strip():
            continue
        route, _, faults = part.partition(":")
        FAULTS[normalise_route(route)].extend(f.strip() for f in faults.split(",") if f.strip())


def main():
    global ARGS, LOG_F
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--tokens-file", required=True)
    p.add_argument("--log-file", default="")
    p.add_argument("--calls-per-minute", type=int, default=60)
    p.add_argument("--window-s", type=float, default=60.0)
    p.add_argument("--concurrent", type=int, default=5)
    p.add_argument("--day-limit", type=int, default=5000)
    p.add_argument("--stall-s", type=float, default=3.0)
    p.add_argument("--idempotency-window-s", type=float, default=86400.0)
    p.add_argument("--faults", default="")
    p.add_argument("--tenant", action="append", default=[],
                   help="tenants to seed at start (others are seeded on first use)")
    ARGS = p.parse_args()
    LIMITS.update(calls_per_minute=ARGS.calls_per_minute, window_s=ARGS.window_s,
                  concurrent=ARGS.concurrent, day_limit=ARGS.day_limit)
    parse_faults(ARGS.faults)
    for t in ARGS.tenant:
        ORGS[t] = seed_org(t)
    if ARGS.log_file:
        LOG_F = open(ARGS.log_file, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.request_queue_size = 64
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
