#!/usr/bin/env python3
"""fake_spapi — a local stand-in for Login with Amazon's token endpoint and the SP-API
operations `settlebook fetch` calls (Reports 2021-06-30 getReports/getReportDocument plus the
document download, Orders v0 getOrders/getOrderItems, Finances v0 listFinancialEvents and
Finances 2024-06-19 listTransactions), for tests. Python 3 standard library.

usage: fake_spapi.py DIR
Listens on 127.0.0.1 with an OS-chosen port, written to DIR/port. Every request is logged to
DIR/requests.log as "<monotonic seconds> <METHOD> <path?query> tok=<none|valid|expired|bad>
-> <status>" (tokens themselves are never logged). DIR/state.json drives it and is re-read
whenever its bytes change (the fault counters restart then):

{
  "client_id": "...", "client_secret": "...", "refresh_token": "...",
  "expires_in": 3600,                    access tokens' lifetime
  "rate_limit": "10",                    x-amzn-RateLimit-Limit on every SP-API answer
  "rate_limit_429": "2",                 ... on a 429; null: none (Amazon returns the header
                                         "on a best-effort basis and only for specific HTTP
                                         responses", SP-API docs "Parse SP-API Responses", and
                                         the listTransactions model lists only
                                         x-amzn-RequestId on its 429)
  "reports": [{"id": "R1", "created": "2024-03-01T00:00:00Z", "file": "s1.tsv",
               "gzip": false, "status": "DONE", "type": "<reportType>"}],
  "report_page_size": 2,                 fewer than pageSize, to force nextToken paging
  "orders": [{"id": "111-...", "updated": "...", "purchase": "...", "status": "Shipped",
              "total": "23.99", "currency": "USD", "email": "...", "name": "...",
              "items": [{"id": "...", "sku": "...", "price": "19.99", "tax": "1.60",
                         "qty": 1}]}],
  "order_page_size": 2, "item_page_size": 1,
  "now": "2024-03-10T00:00:00Z",         answered as LastUpdatedBefore (omitted when absent)
  "finance_pages": ["p1.json", "p2.json"],  listFinancialEvents pages (files in DIR, sent
                                         byte for byte): the first call gets the first file;
                                         a NextToken equal to the NextToken a page carries
                                         gets the next file
  "finance_span": [FROM, TO],            the events' posted range: a window that does not
                                         overlap it gets an empty page
  "transactions": "tx.json",             listTransactions: a file in DIR holding a
                                         listTransactions answer; its payload.transactions are
                                         filtered by postedDate to [postedAfter, postedBefore)
                                         and paged, as the operation does
  "transaction_page_size": 2,            transactions per page (Amazon sets its own)
  "empty_pages": true,                   an empty page (with a nextToken) before every page but
                                         the first: "this operation can return empty pages"
  "inventory": {"2025-09": "inv.tsv"},   createReport GET_LEDGER_SUMMARY_VIEW_DATA: the file
                                         served for the month of dataStartTime (gzip); a month
                                         not listed ends FATAL, as Amazon ends a report it
                                         cannot produce
  "inventory_polls": 1,                  getReport answers IN_PROGRESS this many times first
  "faults": {
    "http_500": N,        the next N SP-API calls answer 500 (-1: all of them)
    "http_429": N,        the next N SP-API calls answer 429
    "http_500_after": N,  after N SP-API calls that got an answer, every call answers 500
    "http_403": N,        the next N SP-API calls answer 403 Unauthorized (a missing role)
    "expire_after": N,    after N authorized SP-API calls every issued token expires (403)
    "token_500": N,       the next N token requests answer 500 (-1: all)
    "truncate": N,        the next N downloads send half the body with the full
                          Content-Length, then close (-1: all)
    "gzip_cut": N         the next N GZIP downloads serve a cut gzip stream (-1: all)
  }
}
Orders are rendered in the shape of the official getOrders examples (with BuyerInfo and a full
ShippingAddress, so PII handling is exercised), items like the getOrderItems examples.
"""
import base64
import calendar
import gzip
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
STATE = os.path.join(DIR, "state.json")
LOG = os.path.join(DIR, "requests.log")
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
LOCK = threading.Lock()


class World:
    raw = None
    state = {}
    faults = {}
    calls = 0
    tokens = {}       # access token -> "valid" | "expired"
    created = []      # reports made by createReport
    grants = 0
    requests = 0      # x-amzn-RequestId counter


W = World()


def load():
    try:
        with open(STATE, "rb") as f:
            raw = f.read()
    except OSError:
        raw = b"{}"
    if raw != W.raw:
        W.raw = raw
        W.state = json.loads(raw or b"{}")
        W.faults = dict(W.state.get("faults", {}))
        W.calls = 0


def take(name):
    """Consumes one count of a fault; -1 never runs out."""
    n = W.faults.get(name, 0)
    if n == 0:
        return False
    if n > 0:
        W.faults[name] = n - 1
    return True


def token_next(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).decode()


def token_read(s):
    return json.loads(base64.urlsafe_b64decode(s.encode()))


def order_json(o):
    st = W.state
    return {
        "AmazonOrderId": o["id"],
        "PurchaseDate": o.get("purchase", o["updated"]),
        "LastUpdateDate": o["updated"],
        "OrderStatus": o.get("status", "Shipped"),
        "FulfillmentChannel": o.get("channel", "AFN"),
        "SalesChannel": "Amazon.com",
        "ShipServiceLevel": "Std US D2D Dom",
        "OrderTotal": {"CurrencyCode": o.get("currency", "USD"), "Amount": o.get("total", "11.01")},
        "NumberOfItemsShipped": 1,
        "NumberOfItemsUnshipped": 0,
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "IsReplacementOrder": False,
        "MarketplaceId": st.get("marketplace", "ATVPDKIKX0DER"),
        "ShipmentServiceLevelCategory": "Standard",
        "OrderType": "StandardOrder",
        "EarliestShipDate": o["updated"],
        "LatestShipDate": o["updated"],
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsGlobalExpressEnabled": False,
        "IsPremiumOrder": False,
        "IsSoldByAB": False,
        "IsIBA": False,
        "DefaultShipFromLocationAddress": {
            "Name": "MFNIntegrationTestMerchant", "AddressLine1": "2201 WESTLAKE AVE",
            "City": "SEATTLE", "StateOrRegion": "WA", "PostalCode": "98121-2778",
            "CountryCode": "US", "Phone": "+1 480-386-0930 ext. 73824",
            "AddressType": "Commercial"},
        "ShippingAddress": {
            "Name": o.get("name", "John Doe"), "AddressLine1": "1 Cross St.",
            "City": "Canton", "StateOrRegion": "MI", "PostalCode": "48817",
            "CountryCode": o.get("country", "US"), "Phone": "+1 555-0100"},
        "BuyerInfo": {
            "BuyerEmail": o.get("email", "user@example.com"),
            "BuyerName": o.get("name", "John Doe"),
            "BuyerCounty": "Wayne",
            "BuyerTaxInfo": {"CompanyLegalName": "A Company Name"},
            "PurchaseOrderNumber": "1234567890123"},
        "AutomatedShippingSettings": {"HasAutomatedShippingSettings": False},
        "EasyShipShipmentStatus": "PendingPickUp",
        "ElectronicInvoiceStatus": "NotRequired",
    }


def item_json(o, it):
    cur = o.get("currency", "USD")
    return {
        "ASIN": it.get("asin", "B00551Q3CS"),
        "OrderItemId": it["id"],
        "SellerSKU": it.get("sku", "SKU-1"),
        "Title": it.get("title", "Example item name"),
        "QuantityOrdered": it.get("qty", 1),
        "QuantityShipped": it.get("qty", 1),
        "ProductInfo": {"NumberOfItems": "1"},
        "ItemPrice": {"CurrencyCode": cur, "Amount": it.get("price", "10.00")},
        "ItemTax": {"CurrencyCode": cur, "Amount": it.get("tax", "0.00")},
        "PromotionDiscount": {"CurrencyCode": cur, "Amount": "0.00"},
        "IsGift": "true",
        "ConditionId": "New",
        "BuyerInfo": {
            "BuyerCustomizedInfo": {"CustomizedURL": "https://zme-caps.amazon.com/t/secret"},
            "GiftMessageText": "Happy birthday " + o.get("name", "John Doe"),
            "GiftWrapPrice": {"CurrencyCode": cur, "Amount": it.get("gift_wrap", "0.00")},
            "GiftWrapLevel": "Classic"},
        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false",
                                 "BuyerCancelReason": "Ask " + o.get("name", "John Doe")},
    }


def report_json(r):
    j = {
        "reportType": r.get("type", SETTLEMENT),
        "processingEndTime": r["created"],
        "processingStatus": r.get("status", "DONE"),
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "reportId": r["id"],
        "dataEndTime": r["created"],
        "createdTime": r["created"],
        "processingStartTime": r["created"],
        "dataStartTime": r["created"],
    }
    if j["processingStatus"] == "DONE":
        j["reportDocumentId"] = "DOC-" + r["id"]
    return j


def api_error(code, message, details=""):
    return {"errors": [{"code": code, "message": message, "details": details}]}


class H(BaseHTTPRequestHandler):
    server_version = "fake-spapi/1"

    def log_message(self, *a):
        pass

    def record(self, status, tok):
        with open(LOG, "a") as f:
            f.write("%.3f %s %s tok=%s -> %d\n" % (time.monotonic(), self.command, self.path,
                                                   tok, status))

    def send(self, status, body, tok="none", headers=(), length=None, cut=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.record(status, tok)
        self.send_response(status)
        # every SP-API answer carries x-amzn-RequestId (SP-API docs, "Parse SP-API Responses")
        self.send_header("x-amzn-RequestId", "fake-%08d" % W.requests)
        W.requests += 1
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        self.wfile.write(data if cut is None else data[:cut])
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True

    def do_POST(self):
        with LOCK:
            load()
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            if self.path.split("?")[0] == "/reports/2021-06-30/reports":
                return self.create_report(raw)
            form = urllib.parse.parse_qs(raw.decode())
            one = lambda k: (form.get(k) or [""])[0]
            if self.path.split("?")[0] != "/auth/o2/token":
                return self.send(404, {"error": "not_found"})
            if take("token_500"):
                return self.send(500, {"error": "server_error"})
            st = W.state
            if one("grant_type") != "refresh_token" or \
               one("refresh_token") != st.get("refresh_token") or \
               one("client_id") != st.get("client_id") or \
               one("client_secret") != st.get("client_secret"):
                return self.send(400, {"error": "invalid_grant",
                                       "error_description": "The request has an invalid grant "
                                       "parameter : refresh_token"})
            W.grants += 1
            tok = "Atza|CANARY-ACCESS-%d-%s" % (W.grants, os.urandom(6).hex())
            W.tokens[tok] = "valid"
            return self.send(200, {"access_token": tok, "token_type": "bearer",
                                   "expires_in": st.get("expires_in", 3600),
                                   "refresh_token": st.get("refresh_token")})

    def do_GET(self):
        with LOCK:
            load()
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
            if u.path.startswith("/download/"):
                return self.download(u.path[len("/download/"):])
            tok = self.headers.get("x-amz-access-token")
            state = "none" if tok is None else W.tokens.get(tok, "bad")
            rl = [("x-amzn-RateLimit-Limit", W.state.get("rate_limit", "10"))]
            if state != "valid":
                msg = ("The access token you provided has expired." if state == "expired"
                       else "Access to requested resource is denied.")
                return self.send(403, api_error("Unauthorized", msg), state, rl)
            W.calls += 1
            if W.faults.get("expire_after", 0) > 0 and W.calls > W.faults["expire_after"]:
                W.faults["expire_after"] = 0
                for k in W.tokens:
                    W.tokens[k] = "expired"
                return self.send(403, api_error("Unauthorized", "Access to requested resource "
                                                "is denied.", "The access token you provided "
                                                "has expired."), "expired", rl)
            if take("http_403"):
                return self.send(403, api_error("Unauthorized", "Access to requested resource "
                                                "is denied."), state, rl)
            if W.faults.get("http_500_after") is not None and \
               W.calls > W.faults["http_500_after"]:
                return self.send(500, api_error("InternalFailure", "We encountered an internal "
                                                "error. Please try again."), state, rl)
            if take("http_500"):
                return self.send(500, api_error("InternalFailure", "We encountered an internal "
                                                "error. Please try again."), state, rl)
            if take("http_429"):
                lim = W.state.get("rate_limit_429", "2")
                return self.send(429, api_error("QuotaExceeded", "You exceeded your quota for "
                                                "the requested resource."), state,
                                 [] if lim is None else [("x-amzn-RateLimit-Limit", lim)])
            p = u.path
            if p == "/reports/2021-06-30/reports":
                return self.reports(q, state, rl)
            if p.startswith("/reports/2021-06-30/reports/"):
                return self.get_report(p.rsplit("/", 1)[1], state, rl)
            if p.startswith("/reports/2021-06-30/documents/"):
                return self.document(p.rsplit("/", 1)[1], state, rl)
            if p == "/orders/v0/orders":
                return self.orders(q, state, rl)
            if p == "/finances/v0/financialEvents":
                return self.financial_events(q, state, rl)
            if p == "/finances/2024-06-19/transactions":
                return self.list_transactions(q, state, rl)
            if p.startswith("/orders/v0/orders/") and p.endswith("/orderItems"):
                return self.items(p.split("/")[4], q, state, rl)
            return self.send(404, api_error("NotFound", "Resource not found."), state, rl)

    def reports(self, q, state, rl):
        st = W.state
        if "nextToken" in q:
            if len(q) != 1:
                return self.send(400, api_error("InvalidInput", "nextToken must be the only "
                                                "parameter"), state, rl)
            t = token_read(q["nextToken"][0])
        else:
            t = {"types": q.get("reportTypes", [""])[0].split(","),
                 "since": q.get("createdSince", [""])[0], "size": int(q.get("pageSize", ["10"])[0]),
                 "o": 0}
        found = [r for r in st.get("reports", [])
                 if r.get("type", SETTLEMENT) in t["types"] and r["created"] >= t["since"]]
        found.sort(key=lambda r: r["created"], reverse=True)
        size = min(t["size"], st.get("report_page_size", 100))
        page = found[t["o"]:t["o"] + size]
        body = {"reports": [report_json(r) for r in page]}
        if t["o"] + size < len(found):
            t["o"] += size
            body["nextToken"] = token_next(t)
        return self.send(200, body, state, rl)

    # createReport (Reports API 2021-06-30): 202 with {"reportId"}; the body is JSON with
    # reportType, dataStartTime, dataEndTime and marketplaceIds, as documented.
    def create_report(self, raw):
        tok = self.headers.get("x-amz-access-token")
        state = "none" if tok is None else W.tokens.get(tok, "bad")
        rl = [("x-amzn-RateLimit-Limit", "0.0167")]
        if state != "valid":
            return self.send(403, api_error("Unauthorized", "Access to requested resource is "
                                            "denied."), state, rl)
        try:
            b = json.loads(raw)
        except ValueError:
            return self.send(400, api_error("InvalidInput", "Malformed JSON"), state, rl)
        if b.get("reportType") != "GET_LEDGER_SUMMARY_VIEW_DATA" or \
           not b.get("marketplaceIds") or not b.get("dataStartTime") or \
           not b.get("dataEndTime") or b["dataEndTime"] < b["dataStartTime"]:
            return self.send(400, api_error("InvalidInput", "Invalid report request"), state, rl)
        month = b["dataStartTime"][:7]
        W.created.append({"id": "INV%d" % (len(W.created) + 1), "month": month,
                          "file": W.state.get("inventory", {}).get(month), "polls": 0,
                          "start": b["dataStartTime"], "end": b["dataEndTime"]})
        with open(os.path.join(DIR, "created.log"), "a") as f:
            f.write("%s %s %s\n" % (W.created[-1]["id"], b["dataStartTime"], b["dataEndTime"]))
        return self.send(202, {"reportId": W.created[-1]["id"]}, state, rl)

    # getReport: IN_PROGRESS "inventory_polls" times, then DONE with a reportDocumentId (or
    # FATAL without one when the month has no file).
    def get_report(self, rid, state, rl):
        for r in W.created:
            if r["id"] == rid:
                r["polls"] += 1
                j = {"reportType": "GET_LEDGER_SUMMARY_VIEW_DATA", "reportId": rid,
                     "dataStartTime": r["start"], "dataEndTime": r["end"],
                     "createdTime": r["start"], "marketplaceIds": ["ATVPDKIKX0DER"]}
                if r["polls"] <= W.state.get("inventory_polls", 1):
                    j["processingStatus"] = "IN_PROGRESS"
                elif r["file"] is None:
                    j["processingStatus"] = "FATAL"
                else:
                    j["processingStatus"] = "DONE"
                    j["reportDocumentId"] = "DOC-" + rid
                return self.send(200, j, state, rl)
        return self.send(404, api_error("NotFound", "Report not found."), state, rl)

    def created_doc(self, doc):
        for r in W.created:
            if "DOC-" + r["id"] == doc and r["file"]:
                return dict(r, gzip=True)
        return None

    def document(self, doc, state, rl):
        c = self.created_doc(doc)
        if c:
            return self.send(200, {"reportDocumentId": doc, "compressionAlgorithm": "GZIP",
                                   "url": "http://127.0.0.1:%d/download/%s?X-Amz-Signature=fake"
                                   % (self.server.server_address[1], doc)}, state, rl)
        for r in W.state.get("reports", []):
            if "DOC-" + r["id"] == doc:
                body = {"reportDocumentId": doc,
                        "url": "http://127.0.0.1:%d/download/%s?X-Amz-Signature=fake" %
                        (self.server.server_address[1], doc)}
                if r.get("gzip"):
                    body["compressionAlgorithm"] = "GZIP"
                return self.send(200, body, state, rl)
        return self.send(404, api_error("NotFound", "Document not found."), state, rl)

    def download(self, doc):
        tok = "LEAKED" if self.headers.get("x-amz-access-token") else "none"
        c = self.created_doc(doc)
        for r in ([c] if c else []) + W.state.get("reports", []):
            if "DOC-" + r["id"] == doc:
                with open(os.path.join(DIR, r["file"]), "rb") as f:
                    data = f.read()
                if r.get("gzip"):
                    data = gzip.compress(data, mtime=0)
                    if take("gzip_cut"):
                        return self.send(200, data[:len(data) * 2 // 3], tok)
                if take("truncate"):
                    return self.send(200, data, tok, length=len(data), cut=len(data) // 2)
                return self.send(200, data, tok)
        return self.send(404, b"<Error><Code>NoSuchKey</Code></Error>", tok)

    def orders(self, q, state, rl):
        st = W.state
        if not q.get("MarketplaceIds", [""])[0]:
            return self.send(400, api_error("InvalidInput", "MarketplaceIds is required"),
                             state, rl)
        if "NextToken" in q:
            t = token_read(q["NextToken"][0])
        elif "LastUpdatedAfter" in q:
            t = {"after": q["LastUpdatedAfter"][0], "o": 0}
        else:
            return self.send(400, api_error("InvalidInput", "CreatedAfter or LastUpdatedAfter "
                                            "is required"), state, rl)
        found = sorted((o for o in st.get("orders", []) if o["updated"] > t["after"]),
                       key=lambda o: (o["updated"], o["id"]))
        size = st.get("order_page_size", 100)
        page = found[t["o"]:t["o"] + size]
        payload = {"Orders": [order_json(o) for o in page]}
        if "now" in st:
            payload["LastUpdatedBefore"] = st["now"]
        if t["o"] + size < len(found):
            t["o"] += size
            payload["NextToken"] = token_next(t)
        return self.send(200, {"payload": payload}, state, rl)

    def items(self, oid, q, state, rl):
        st = W.state
        o = next((o for o in st.get("orders", []) if o["id"] == oid), None)
        if o is None:
            return self.send(404, api_error("InvalidInput", "Invalid AmazonOrderId"), state, rl)
        off = token_read(q["NextToken"][0])["o"] if "NextToken" in q else 0
        size = st.get("item_page_size", 100)
        its = o.get("items", [])
        payload = {"AmazonOrderId": oid,
                   "OrderItems": [item_json(o, it) for it in its[off:off + size]]}
        if off + size < len(its):
            payload["NextToken"] = token_next({"o": off + size})
        return self.send(200, {"payload": payload}, state, rl)


def iso_time(s):
    """An ISO 8601 date-time as listFinancialEvents takes it, or None."""
    try:
        return calendar.timegm(time.strptime(s.replace("Z", "").split(".")[0],
                                             "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None


def financial_events(self, q, state, rl):
    """Finances API v0 listFinancialEvents, as its model (financesV0.json) documents it:
    MaxResultsPerPage 1..100 (default 100); PostedAfter required unless NextToken is given
    (InvalidInput otherwise); PostedBefore later than PostedAfter and more than two minutes
    before the request ("now" in the state stands for the time of the request); more than
    180 days apart answers an empty page; a page's NextToken gets the next page; the
    usage plan (0.5 requests/s, burst 30) is stated in x-amzn-RateLimit-Limit."""
    st = W.state
    size = q.get("MaxResultsPerPage", ["100"])[0]
    if not size.isdigit() or not 1 <= int(size) <= 100:
        return self.send(400, api_error("InvalidInput", "MaxResultsPerPage must be 1 to 100"),
                         state, rl)
    pages = st.get("finance_pages", [])
    if "NextToken" in q:
        token = q["NextToken"][0]
        for i, name in enumerate(pages):
            with open(os.path.join(DIR, name), "rb") as f:
                data = f.read()
            if json.loads(data)["payload"].get("NextToken") == token and i + 1 < len(pages):
                with open(os.path.join(DIR, pages[i + 1]), "rb") as f:
                    return self.send(200, f.read(), state, rl)
        return self.send(400, api_error("InvalidInput", "Invalid NextToken"), state, rl)
    after = iso_time(q.get("PostedAfter", [""])[0])
    if after is None:
        return self.send(400, api_error("InvalidInput", "PostedAfter is required (ISO 8601)"),
                         state, rl)
    before = iso_time(q["PostedBefore"][0]) if "PostedBefore" in q else None
    now = iso_time(st.get("now", "2100-01-01T00:00:00Z"))
    if "PostedBefore" in q and (before is None or before <= after or before > now - 120):
        return self.send(400, api_error("InvalidInput", "PostedBefore must be later than "
                                        "PostedAfter and more than two minutes before now"),
                         state, rl)
    span = [iso_time(x) for x in st.get("finance_span", [])]
    if span and (after > span[1] or (before is not None and before <= span[0])):
        pages = []
    if before is not None and before - after > 180 * 86400 or not pages:
        return self.send(200, {"payload": {"FinancialEvents": {}}}, state, rl)
    with open(os.path.join(DIR, pages[0]), "rb") as f:
        return self.send(200, f.read(), state, rl)


H.financial_events = financial_events


def list_transactions(self, q, state, rl):
    """Finances API 2024-06-19 listTransactions, as its model (finances_2024-06-19.json in
    amzn/selling-partner-api-models) documents it: postedAfter required (400 InvalidInput
    "Start date cannot be null", the model's example) and more than two minutes before the
    request; postedBefore later than postedAfter and more than two minutes before the request
    (default: two minutes before it); more than 180 days apart "the response is empty"; events
    posted on or after postedAfter and before (not on) postedBefore; no page size parameter;
    "call the operation with this token and include the same arguments as the call that
    produced the token" (a token with other arguments is refused here); "this operation can
    return empty pages"; usage plan 0.5 requests/s, burst 10, in x-amzn-RateLimit-Limit."""
    st = W.state
    now = iso_time(st.get("now", "2100-01-01T00:00:00Z"))
    after_s = q.get("postedAfter", [""])[0]
    before_s = q.get("postedBefore", [""])[0]
    after = iso_time(after_s) if after_s else None
    if after is None:
        return self.send(400, api_error("InvalidInput", "Start date cannot be null",
                                        "Start date cannot be null"), state, rl)
    before = iso_time(before_s) if before_s else now - 120
    if after > now - 120 or before is None or before <= after or before > now - 120:
        return self.send(400, api_error("InvalidInput", "postedBefore must be later than "
                                        "postedAfter and both more than two minutes before "
                                        "the request"), state, rl)
    args = [after_s, before_s]
    t = {"o": 0, "args": args}
    if "nextToken" in q:
        try:
            t = token_read(q["nextToken"][0])
        except ValueError:
            t = {}
        if t.get("args") != args:
            return self.send(400, api_error("InvalidInput", "Invalid nextToken: call with the "
                                            "arguments that produced it"), state, rl)
    if before - after > 180 * 86400:
        return self.send(200, {"payload": {"transactions": []}}, state, rl)
    with open(os.path.join(DIR, st["transactions"]), "rb") as f:
        every = json.load(f)["payload"]["transactions"]
    found = sorted((x for x in every if after <= iso_time(x["postedDate"]) < before),
                   key=lambda x: x["postedDate"])
    if st.get("empty_pages") and t["o"] > 0 and not t.get("gap"):
        return self.send(200, {"payload": {"nextToken": token_next(dict(t, gap=True)),
                                           "transactions": []}}, state, rl)
    size = st.get("transaction_page_size", 100)
    payload = {"transactions": found[t["o"]:t["o"] + size]}
    if t["o"] + size < len(found):
        payload = {"nextToken": token_next({"o": t["o"] + size, "args": args}), **payload}
    return self.send(200, {"payload": payload}, state, rl)


H.list_transactions = list_transactions


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    tmp = os.path.join(DIR, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, os.path.join(DIR, "port"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
