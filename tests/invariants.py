#!/usr/bin/python3
"""invariants — checks the accounting invariants of settlebook ledgers after `post`, from the
outside: SQL over the ledger, an independent re-implementation of the mapping rules, and the
dry-run previews.

usage: invariants.py DIR...   (each DIR holds settlebook.db, settlebook.json, reports/)

Per ledger:
 1. every journal is final and balances (its lines sum to zero), its line_count and
    part_total_minor are right; and the ledger refuses an unbalanced journal: changing, adding
    or deleting a line of a final journal fails, and so does finalising an unbalanced journal
    or one whose line count is wrong (each tried, then rolled back);
 2. per settlement: parts 1..n in month order; earlier parts have no clearing line and their
    carried-forward line zeroes them; the final part carries the earlier parts back and its
    one clearing line is minus the sum of the settlement's lines (= -total-amount when the
    file ties out);
 3. every settlement line lands in exactly one journal line: source_lines add up to the
    settlement's line count, and per (month, account, tax type, tracking, category) the
    journal lines equal the raw lines mapped by this file's own reading of the mapping rules
    (built-in rules from the ledger, user rules from settlebook.json, most specific wins);
 4. the preview renders exactly the journals: summary — each part's invoice (a bill when
    negative) has line amounts summing to the part total (0 for earlier parts, the settlement
    total for the last) and equal to the journal per account/tax/tracking, and the deposit is
    one payment of |total| from the bank account against the final document (AUTHORISED);
    journal — each manual journal is its journal, negated; orders — the documents carry the
    journals' amounts per account/tax/tracking, every document is settled exactly by its
    payments and allocations, the clearing account nets to zero, and the payout transfer is
    |total| (AUTHORISED).
Prints "FAIL dir: ..." per failure and a summary line; exit 1 on any failure.
"""
import datetime
import decimal
import fnmatch
import glob
import json
import os
import sqlite3
import sys
import zoneinfo
from collections import defaultdict

D = decimal.Decimal
EXPONENT = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3,
            "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3}


def minor(amount, currency):
    """A preview amount (Decimal from the JSON text) in minor units, exactly."""
    v = amount * (D(10) ** EXPONENT.get(currency, 2))
    if v != v.to_integral_value():
        raise ValueError("%s has sub-minor digits" % amount)
    return int(v)


def nz(d):
    return {k: v for k, v in d.items() if v != 0}


def field_score(p):
    if not p or p == "*":
        return 0
    return 1 if any(c in p for c in "*?[") else 2


def field_match(p, v):
    return not p or p == "*" or fnmatch.fnmatchcase(v, p)


def bp(v):
    """A percentage of the config (20, 5.5, "20.00") in basis points."""
    from decimal import Decimal
    return int(Decimal(str(v)) * 100) if v not in (None, "") else 0


def rate_class(it):
    """The README's rate classes: standard at vat_rate within a minor unit per tax row,
    zero when Amazon charged no tax, reduced at vat_rate_reduced; else standard."""
    net, tax, ntax, m = it[:4]
    std, red, tol = bp(m.get("vat_rate")), bp(m.get("vat_rate_reduced")), 10000 * max(ntax, 1)
    if net == 0:
        return "standard"
    if tax == 0:
        return "zero"
    if std and abs(tax * 10000 - net * std) <= tol:
        return "standard"
    if red and abs(tax * 10000 - net * red) <= tol:
        return "reduced"
    return "standard"


def class_tax(cls, m, standard):
    if cls == "zero":
        return m.get("tax", {}).get("sales_zero", "ZERORATEDOUTPUT")
    if cls == "reduced":
        return m["tax"]["sales_reduced"]
    return standard


class Mapping:
    """settlebook's matching rules, re-read: user rules first, then mapping_default."""

    def __init__(self, con, cfg):
        self.cfg = cfg
        self.rules = []
        for r in cfg.get("mappings", []):
            self.add(r.get("marketplace", ""), r.get("transaction_type", ""),
                     r.get("amount_type", ""), r.get("amount_description", ""),
                     r["account"], r.get("tax", "none"), r.get("category", "Other"))
        for row in con.execute("SELECT transaction_type, amount_type, amount_description, "
                               "account_role, tax, category FROM mapping_default ORDER BY id"):
            self.add("", *row)

    def add(self, mk, tt, at, desc, account, tax, category):
        score = field_score(mk) * 27 + field_score(tt) * 9 + field_score(at) * 3 + \
            field_score(desc)
        code = self.cfg["accounts"].get(account, account) if account != "//" else account
        self.rules.append((score, mk, tt, at, desc, code, tax, category, account))

    def find(self, tt, at, desc, mk):
        best = None
        for r in self.rules:
            if best and r[0] <= best[0]:
                continue
            if field_match(r[1], mk) and field_match(r[2], tt) and field_match(r[3], at) and \
                    field_match(r[4], desc):
                best = r
        return best

    def fold(self, r, m, tt, at, desc, mk):
        """A2X's folding, read from the README: with a tax type for the rule's tax category,
        a sales_tax / fees_tax amount joins the rule of its description without "Tax"."""
        cat = {"sales_tax": "sales", "fees_tax": "fees"}.get(r[8]) if r else None
        if not cat or (m or {}).get("tax", {}).get(cat, "NONE") in ("", "NONE") or \
                "Tax" not in desc:
            return r
        f = self.find(tt, at, desc.replace("Tax", "", 1) or "Principal", mk)
        return f if f and f[6] == cat and f[8] not in ("sales_tax", "fees_tax") else r


class Ledger:
    def __init__(self, path):
        self.dir = path
        self.failures = 0
        self.stats = defaultdict(int)

    def fail(self, msg):
        self.failures += 1
        print("FAIL %s: %s" % (self.dir, msg))

    def run(self):
        db = os.path.join(self.dir, "settlebook.db")
        self.cfg = json.load(open(os.path.join(self.dir, "settlebook.json")))
        self.con = sqlite3.connect(db, isolation_level=None)
        self.con.execute("PRAGMA foreign_keys = ON")
        try:
            self.check_journals()
            self.check_parts()
            self.check_lines()
            self.check_preview()
            self.check_refusal()
        finally:
            self.con.close()

    # 1 --------------------------------------------------------------------------------------
    def check_journals(self):
        q = self.con.execute
        for jid, state, s, n, lc, pt, sid, part in q(
                "SELECT j.id, j.state, COALESCE(SUM(l.amount_minor), 0), COUNT(l.id), "
                "j.line_count, j.part_total_minor, s.settlement_id, j.part FROM journal j "
                "JOIN settlement s ON s.id = j.settlement_ref LEFT JOIN journal_line l ON "
                "l.journal_id = j.id GROUP BY j.id"):
            self.stats["journals"] += 1
            if state != "final":
                self.fail("settlement %s part %d: journal is %s" % (sid, part, state))
            if s != 0:
                self.fail("settlement %s part %d: lines sum to %d" % (sid, part, s))
            if n != lc:
                self.fail("settlement %s part %d: %d lines, line_count %d" % (sid, part, n, lc))
        for sid, part, pt, ls in q(
                "SELECT s.settlement_id, j.part, j.part_total_minor, (SELECT COALESCE(SUM("
                "amount_minor), 0) FROM journal_line l WHERE l.journal_id = j.id AND l.role NOT "
                "IN ('carried_forward', 'clearing')) FROM journal j JOIN settlement s ON s.id = "
                "j.settlement_ref"):
            if pt != ls:
                self.fail("settlement %s part %d: part_total_minor %d, lines %d"
                          % (sid, part, pt, ls))

    def check_refusal(self):
        q = self.con.execute
        row = q("SELECT l.id, j.settlement_ref FROM journal_line l JOIN journal j ON "
                "j.id = l.journal_id WHERE j.state = 'final' ORDER BY l.id LIMIT 1").fetchone()
        if not row:
            return
        tries = [
            ("changing a line of a final journal",
             ["UPDATE journal_line SET amount_minor = amount_minor + 1 WHERE id = %d" % row[0]],
             "journal is final"),
            ("adding a line to a final journal",
             ["INSERT INTO journal_line(journal_id, line_no, role, account_code, tax_type, "
              "category, description, amount_minor, source_lines) SELECT journal_id, 999, "
              "'code', '200', 'NONE', 'x', 'x', 1, 0 FROM journal_line WHERE id = %d" % row[0]],
             "journal is final"),
            ("deleting a line of a final journal",
             ["DELETE FROM journal_line WHERE id = %d" % row[0]],
             "journal is final"),
            ("finalising an unbalanced journal",
             ["INSERT INTO journal(id, settlement_ref, part, parts, month, date, currency, "
              "part_total_minor, line_count, input_sha256, content_sha256) VALUES (-7, %d, 99, "
              "99, '2099-01', '2099-01-31', 'USD', 1, 2, 'x', 'x')" % row[1],
              "INSERT INTO journal_line(journal_id, line_no, role, account_code, tax_type, "
              "category, description, amount_minor, source_lines) VALUES (-7, 1, 'code', '200',"
              " 'NONE', 'x', 'x', 100, 1), (-7, 2, 'code', '091', 'NONE', 'x', 'x', -99, 0)",
              "UPDATE journal SET state = 'final' WHERE id = -7"],
             "journal does not balance"),
            ("finalising a journal whose line count is wrong",
             ["INSERT INTO journal(id, settlement_ref, part, parts, month, date, currency, "
              "part_total_minor, line_count, input_sha256, content_sha256) VALUES (-8, %d, 98, "
              "99, '2099-01', '2099-01-31', 'USD', 1, 3, 'x', 'x')" % row[1],
              "INSERT INTO journal_line(journal_id, line_no, role, account_code, tax_type, "
              "category, description, amount_minor, source_lines) VALUES (-8, 1, 'code', '200',"
              " 'NONE', 'x', 'x', 100, 1), (-8, 2, 'code', '091', 'NONE', 'x', 'x', -100, 0)",
              "UPDATE journal SET state = 'final' WHERE id = -8"],
             "journal line count differs"),
        ]
        before = q("SELECT COUNT(*), TOTAL(amount_minor) FROM journal_line").fetchone()
        for what, sqls, want in tries:
            q("BEGIN")
            try:
                for s in sqls:
                    q(s)
                self.fail("the ledger allowed %s" % what)
            except sqlite3.DatabaseError as ex:
                if want not in str(ex):
                    self.fail("%s failed for another reason: %s" % (what, ex))
            finally:
                q("ROLLBACK")
        if q("SELECT COUNT(*), TOTAL(amount_minor) FROM journal_line").fetchone() != before:
            self.fail("the refused changes left a trace")

    # 2 --------------------------------------------------------------------------------------
    def check_parts(self):
        q = self.con.execute
        self.settlements = {}
        for ref, sid, cur, total, lsum, count, mk, end, dep in q(
                "SELECT id, settlement_id, currency, total_minor, lines_sum_minor, line_count, "
                "marketplace, end_utc, deposit_utc FROM settlement ORDER BY id"):
            self.stats["settlements"] += 1
            self.settlements[sid] = dict(ref=ref, currency=cur, total=total, lsum=lsum,
                                         count=count, marketplace=mk, end=end, deposit=dep)
            parts = q("SELECT id, part, parts, month, date FROM journal WHERE settlement_ref = ?"
                      " ORDER BY part", (ref,)).fetchall()
            real = q("SELECT COUNT(*), COALESCE(SUM(amount_minor), 0) FROM settlement_line "
                     "WHERE settlement_ref = ?", (ref,)).fetchone()
            if real != (count, lsum):
                self.fail("settlement %s: line_count/lines_sum %s, lines say %s"
                          % (sid, (count, lsum), real))
            if count == 0:
                if parts:
                    self.fail("settlement %s: no lines but %d journals" % (sid, len(parts)))
                continue
            n = len(parts)
            if [p[1] for p in parts] != list(range(1, n + 1)) or any(p[2] != n for p in parts):
                self.fail("settlement %s: parts %s" % (sid, [(p[1], p[2]) for p in parts]))
                continue
            if sorted(set(p[3] for p in parts)) != [p[3] for p in parts]:
                self.fail("settlement %s: part months not increasing" % sid)
            self.settlements[sid]["parts"] = parts
            self.stats["month_split"] += n > 1
            self.stats["negative"] += total < 0
            earlier = 0
            for jid, part, _, month, date in parts:
                lines = q("SELECT role, amount_minor FROM journal_line WHERE journal_id = ?",
                          (jid,)).fetchall()
                body = sum(a for r, a in lines if r not in ("carried_forward", "clearing"))
                cf = [a for r, a in lines if r == "carried_forward"]
                cl = [a for r, a in lines if r == "clearing"]
                if not date.startswith(month):
                    self.fail("settlement %s part %d: date %s outside %s" % (sid, part, date,
                                                                            month))
                if part < n:
                    if cl:
                        self.fail("settlement %s part %d: clearing line in an earlier part"
                                  % (sid, part))
                    if cf != [-body]:
                        self.fail("settlement %s part %d: carried forward %s, part sums %d"
                                  % (sid, part, cf, body))
                else:
                    if n > 1 and cf != [earlier]:
                        self.fail("settlement %s final part: carried back %s, earlier parts %d"
                                  % (sid, cf, earlier))
                    if n == 1 and cf:
                        self.fail("settlement %s: carried-forward line in a single part" % sid)
                    if cl != [-lsum]:
                        self.fail("settlement %s: clearing %s, lines sum %d" % (sid, cl, lsum))
                    if lsum == total and cl != [-total]:
                        self.fail("settlement %s: clearing %s, total %d" % (sid, cl, total))
                earlier += body

    # 3 --------------------------------------------------------------------------------------
    def check_lines(self):
        q = self.con.execute
        cfg = self.cfg
        mapping = Mapping(self.con, cfg)
        zone = zoneinfo.ZoneInfo(cfg.get("posting", {}).get("timezone", "UTC"))
        markets = {k: v for k, v in cfg.get("marketplaces", {}).items() if k != "//"}
        first = next(iter(markets), None)

        def market(name):
            return markets.get(name)

        def local_date(posted, fallback):
            if not posted:
                return local_date(fallback, fallback) if fallback != posted else ""
            if len(posted) == 10:
                return posted
            t = datetime.datetime.strptime(posted[:16], "%Y-%m-%dT%H:%M").replace(
                tzinfo=datetime.timezone.utc)
            return t.astimezone(zone).strftime("%Y-%m-%d")

        for sid, s in self.settlements.items():
            if "parts" not in s:
                continue
            src = q("SELECT COALESCE(SUM(l.source_lines), 0) FROM journal_line l JOIN journal j "
                    "ON j.id = l.journal_id WHERE j.settlement_ref = ? AND l.role NOT IN "
                    "('carried_forward', 'clearing')", (s["ref"],)).fetchone()[0]
            extra = q("SELECT COALESCE(SUM(l.source_lines), 0) FROM journal_line l JOIN journal"
                      " j ON j.id = l.journal_id WHERE j.settlement_ref = ? AND l.role IN "
                      "('carried_forward', 'clearing')", (s["ref"],)).fetchone()[0]
            if src != s["count"] or extra != 0:
                self.fail("settlement %s: journal lines stand for %d (+%d) of %d lines"
                          % (sid, src, extra, s["count"]))
            m_set = market(s["marketplace"]) or (markets.get(first) if first else None)
            end_local = local_date(s["end"][:16].replace("Z", ""), s["end"]) if s["end"] else ""
            want = defaultdict(int)
            rows = list(q(
                    "SELECT transaction_type, amount_type, amount_description, COALESCE("
                    "marketplace, ''), substr(COALESCE(posted, ''), 1, 16), SUM(amount_minor), "
                    "COALESCE(order_id, ''), COALESCE(sku, ''), COUNT(*) FROM settlement_line "
                    "WHERE settlement_ref = ? GROUP BY 1, 2, 3, 4, 5, 7, 8", (s["ref"],)))
            # the README: tax.fees only on a fee Amazon charged tax on, i.e. one a tax row
            # of the settlement (same types and marketplace) folds into; others get tax.none
            # (or tax.fees / tax.fees_reverse_charge by fees_vat)
            taxed = set()
            for tt, at, desc, mk, _, _, _, _, _ in rows:
                r0 = mapping.find(tt, at, desc, mk or s["marketplace"])
                f = mapping.fold(r0, market(mk) or m_set, tt, at, desc, mk or s["marketplace"])
                if r0 and r0[8] == "fees_tax" and f is not r0:
                    taxed.add((tt, at, mk or s["marketplace"], f))
            # the README: one tax type per rate Amazon charged, per (transaction, order, SKU,
            # sales line): its folded tax over its amount without tax
            # [net, tax, tax rows, marketplace, is the principal, is a promotion]
            item = defaultdict(lambda: [0, 0, 0, None, False, False])
            # deemed supplies: order items (transaction, order, SKU) with VAT Amazon withheld
            # (MarketplaceFacilitatorVAT-*) on a marketplace folding its VAT
            deemed = set()
            for tt, at, desc, mk, posted, amount, oid, sku, n in rows:
                m = market(mk) or m_set
                r0 = mapping.find(tt, at, desc, mk or s["marketplace"])
                r = mapping.fold(r0, m, tt, at, desc, mk or s["marketplace"])
                if not oid or not r or \
                        (m or {}).get("tax", {}).get("sales", "NONE") in ("", "NONE"):
                    continue
                if r0[8] == "marketplace_facilitator_tax" and \
                        desc.startswith("MarketplaceFacilitatorVAT"):
                    deemed.add((tt, oid, sku))
                if r[6] != "sales":
                    continue
                it = item[(tt, oid, sku, id(r))]
                it[3] = m
                it[5] = r[8] == "promotions"
                if r is r0:
                    it[0] += amount
                    it[4] = it[4] or (at == "ItemPrice" and desc == "Principal")
                else:
                    it[1] += amount
                    it[2] += n
            # the VAT of a marketplace is itemised when a sales tax row of an item that is no
            # deemed supply exists, unless vat_itemised says yes or no
            itemised = {id(it[3]) for k, it in item.items()
                        if it[2] > 0 and k[:3] not in deemed}
            for mm in markets.values():
                v = mm.get("vat_itemised", "auto") if isinstance(mm, dict) else "auto"
                if v == "yes":
                    itemised.add(id(mm))
                elif v == "no":
                    itemised.discard(id(mm))

            def cls_of(k):
                it = item[k]
                if k[:3] in deemed:
                    return "zero"
                c = rate_class(it)
                return "standard" if c == "zero" and id(it[3]) not in itemised else c
            # a promotion without a tax row of its own: its principal's class
            principal = {}
            for k, it in item.items():
                if it[4] and k[:3] not in principal:
                    principal[k[:3]] = cls_of(k)
            klass = {k: principal[k[:3]] if it[5] and it[2] == 0 and k[:3] in principal
                     and k[:3] not in deemed else cls_of(k) for k, it in item.items()}
            for tt, at, desc, mk, posted, amount, oid, sku, _ in rows:
                m = market(mk) or m_set
                r0 = mapping.find(tt, at, desc, mk or s["marketplace"])
                r = mapping.fold(r0, m, tt, at, desc, mk or s["marketplace"])
                if r is not r0 and r[6] == "sales" and (tt, oid, sku) in deemed:
                    # a deemed supply's tax nets with the withholding of its part
                    part = "Shipping" if desc.startswith("Shipping") else "Giftwrap" \
                        if desc.lower().startswith("giftwrap") else "Principal"
                    r = mapping.find(tt, "ItemWithheldTax", "MarketplaceFacilitatorVAT-" + part,
                                     mk or s["marketplace"]) or r0
                if r:
                    code, tax, cat = r[5], (m or {}).get("tax", {}).get(r[6], "") or "NONE", r[7]
                    if r is r0 and r[6] == "fees" and \
                            (tt, at, mk or s["marketplace"], r) not in taxed:
                        fv = (m or {}).get("fees_vat", "separate")
                        if fv == "reverse_charge":
                            tax = (m or {}).get("tax", {}).get("fees_reverse_charge",
                                                               "REVERSECHARGES")
                        elif fv != "included" and tax != "NONE":
                            tax = (m or {}).get("tax", {}).get("none", "") or "NONE"
                    if r[6] == "sales" and (tt, oid, sku, id(r)) in item:
                        tax = class_tax(klass[(tt, oid, sku, id(r))], m, tax)
                else:
                    code, tax, cat = cfg["accounts"]["suspense"], \
                        (m or {}).get("tax", {}).get("none", "NONE") or "NONE", "Unmapped"
                tr = (m or {}).get("tracking", {})
                month = local_date(posted, end_local)[:7]
                want[(month, code, tax, tr.get("name", ""), tr.get("option", ""), cat)] += amount
            got = defaultdict(int)
            for row in q("SELECT j.month, l.account_code, l.tax_type, l.tracking_name, "
                         "l.tracking_option, l.category, SUM(l.amount_minor) FROM journal_line l"
                         " JOIN journal j ON j.id = l.journal_id WHERE j.settlement_ref = ? AND "
                         "l.role NOT IN ('carried_forward', 'clearing') GROUP BY 1, 2, 3, 4, 5, "
                         "6", (s["ref"],)):
                got[row[:6]] += row[6]
            if nz(want) != nz(got):
                keys = sorted(set(nz(want)) | set(nz(got)))
                diff = ["%s: lines %d, journal %d" % ("/".join(k), want.get(k, 0), got.get(k, 0))
                        for k in keys if want.get(k, 0) != got.get(k, 0)]
                self.fail("settlement %s: journal differs from the mapped lines: %s"
                          % (sid, "; ".join(diff[:4])))

    # 4 --------------------------------------------------------------------------------------
    def journal_by_key(self, jids):
        out = defaultdict(int)
        for jid in jids:
            for code, tax, tn, to, amount in self.con.execute(
                    "SELECT account_code, tax_type, tracking_name, tracking_option, amount_minor"
                    " FROM journal_line WHERE journal_id = ? AND role != 'clearing'", (jid,)):
                out[(code, tax, tn if tn and to else "", to if tn and to else "")] += amount
        return nz(out)

    def check_preview(self):
        posting = self.cfg.get("posting", {})
        mode = posting.get("mode", "summary")
        status = posting.get("status", "AUTHORISED")
        acc = self.cfg["accounts"]
        reqs = defaultdict(list)
        for f in sorted(glob.glob(os.path.join(self.dir, "reports", "*", "xero-preview.json"))):
            pv = json.load(open(f), parse_float=D)
            if pv["mode"] != mode:
                self.fail("%s: mode %s, config says %s" % (f, pv["mode"], mode))
            for r in pv["requests"]:
                reqs[r["settlement_id"]].append(r)
                self.stats["requests"] += 1
        for sid, s in self.settlements.items():
            parts = s.get("parts", [])
            rs = reqs.pop(sid, [])
            if not parts:
                if rs:
                    self.fail("settlement %s: requests without journals" % sid)
                continue
            cur = s["currency"]
            try:
                if mode == "summary":
                    self.summary(sid, s, parts, rs, cur, status, acc)
                elif mode == "journal":
                    self.journal(sid, s, parts, rs, cur)
                else:
                    self.orders(sid, s, parts, rs, cur, status, acc)
            except (KeyError, IndexError, ValueError, TypeError) as ex:
                self.fail("settlement %s: preview not as expected: %r" % (sid, ex))
        for sid in reqs:
            self.fail("requests for unknown settlement %s" % sid)

    @staticmethod
    def line_key(l):
        t = (l.get("Tracking") or [{}])[0]
        return (l["AccountCode"], l["TaxType"], t.get("Name", ""), t.get("Option", ""))

    def converted(self, cur):
        """accounts.bank has no account in cur: the payout arrives in the base currency's."""
        bank = self.cfg["accounts"].get("bank", "")
        base = self.cfg.get("base_currency", "USD")
        return cur != base and not (isinstance(bank, dict) and cur in bank)

    def statement_line(self, s, cur):
        """The bank line showing the payout, found independently of settlebook's query:
        (date, amount) or ("", 0)."""
        dep = s["deposit"][:10]
        if self.converted(cur):
            rows = self.con.execute(
                "SELECT substr(date,1,10), amount_minor FROM bank_line WHERE currency = ? AND "
                "amount_minor > 0 AND substr(date,1,10) BETWEEN date(?, '-1 days') AND "
                "date(?, '+5 days') AND (lower(payee || description || reference) LIKE "
                "'%amazon%' OR lower(payee || description || reference) LIKE '%amzn%') "
                "ORDER BY abs(julianday(substr(date,1,10)) - julianday(?)), date, id LIMIT 1",
                (self.cfg.get("base_currency", "USD"), dep, dep, dep)).fetchall()
        else:
            rows = self.con.execute(
                "SELECT substr(date,1,10), amount_minor FROM bank_line WHERE currency = ? AND "
                "amount_minor = ? AND substr(date,1,10) BETWEEN date(?, '-1 days') AND "
                "date(?, '+5 days') ORDER BY abs(julianday(substr(date,1,10)) - "
                "julianday(?)), date, id LIMIT 1", (cur, s["lsum"], dep, dep, dep)).fetchall()
        return rows[0] if rows else ("", 0)

    def statement_date(self, s, cur):
        return self.statement_line(s, cur)[0]

    def summary(self, sid, s, parts, rs, cur, status, acc):
        invoices = [r for r in rs if r["path"] == "/Invoices"]
        payments = [r for r in rs if r["path"] == "/Payments"]
        if len(invoices) + len(payments) != len(rs):
            self.fail("settlement %s: unexpected requests in summary mode" % sid)
        docs = {}
        for r in invoices:
            for d in r["body"]["Invoices"]:
                docs[d["InvoiceNumber"]] = (d, r["period"])
        n = len(parts)
        for jid, part, _, month, date in parts:
            number = "AMZ-%s-%d" % (sid, part)
            want = self.journal_by_key([jid])
            total = sum(want.values())
            if number not in docs:
                if want:
                    self.fail("settlement %s part %d: no invoice" % (sid, part))
                continue
            d, period = docs.pop(number)
            sign = -1 if d["Type"] == "ACCPAY" else 1
            if d["Type"] != ("ACCPAY" if total < 0 else "ACCREC"):
                self.fail("%s: %s for a part of %d" % (number, d["Type"], total))
            got = defaultdict(int)
            for l in d["LineItems"]:
                got[self.line_key(l)] += sign * minor(l["LineAmount"], cur)
                if l["LineAmount"] != l["Quantity"] * l["UnitAmount"]:
                    self.fail("%s: line amount %s != %s x %s" % (number, l["LineAmount"],
                                                                l["Quantity"], l["UnitAmount"]))
            if nz(got) != want:
                self.fail("%s: lines %s, journal %s" % (number, dict(got), want))
            if period != month or d["Date"] != date or d["Status"] != status:
                self.fail("%s: period %s date %s status %s; journal %s %s"
                          % (number, period, d["Date"], d["Status"], month, date))
            if part < n and total != 0:
                self.fail("%s: earlier part totals %d" % (number, total))
            if part == n and total != s["lsum"]:
                self.fail("%s: final part totals %d, settlement %d" % (number, total, s["lsum"]))
        if docs:
            self.fail("settlement %s: invoices without a journal: %s" % (sid, sorted(docs)))
        pays = [p for r in payments for p in r["body"]["Payments"]
                if p["Invoice"]["InvoiceNumber"] == "AMZ-%s-%d" % (sid, len(parts))]
        final = "AMZ-%s-%d" % (sid, len(parts))
        # posting.record_payment: statement (default; true in older configs) dates the deposit
        # on the bank line showing it, deposit on Amazon's deposit date, never leaves it to
        # Xero's bank reconciliation; a negative settlement is never paid from the bank.
        how = self.cfg["posting"].get("record_payment", "statement")
        how = {True: "statement", False: "never"}.get(how, how)
        date = self.statement_date(s, cur) if how == "statement" else s["deposit"][:10]
        want_pay = status == "AUTHORISED" and how != "never" and s["lsum"] > 0 and date
        if not want_pay:
            if pays:
                self.fail("settlement %s: payments %s in %s (%s)" % (sid, pays, status, how))
            return
        if len(pays) != 1:
            self.fail("settlement %s: %d deposit payments" % (sid, len(pays)))
            return
        p = pays[0]
        bank = acc["bank"] if isinstance(acc["bank"], str) else acc["bank"].get(cur)
        if minor(p["Amount"], cur) != abs(s["lsum"]) or p["Invoice"]["InvoiceNumber"] != final \
                or p["Account"]["Code"] != bank or p["Date"] < date:
            self.fail("settlement %s: deposit payment %s, want %d to %s from %s on %s"
                      % (sid, p, abs(s["lsum"]), final, bank, date))
        self.stats["deposits"] += 1

    def journal(self, sid, s, parts, rs, cur):
        if cur != self.cfg.get("base_currency", "USD"):
            # manual journals post in the base currency only: settlebook must refuse to render
            # them and raise CURRENCY_MISMATCH instead of converting at no rate
            if rs:
                self.fail("settlement %s: %s manual journal(s) in %s, base currency %s"
                          % (sid, len(rs), cur, self.cfg.get("base_currency", "USD")))
            n = self.con.execute("SELECT COUNT(*) FROM exception WHERE settlement_id = ? AND "
                                 "kind = 'CURRENCY_MISMATCH' AND scope = 'post'", (sid,)).fetchone()[0]
            if n != 1:
                self.fail("settlement %s: %d CURRENCY_MISMATCH exceptions, want 1" % (sid, n))
            self.stats["journal_blocked"] = self.stats.get("journal_blocked", 0) + 1
            return
        mjs = {}
        for r in rs:
            if r["path"] != "/ManualJournals":
                self.fail("settlement %s: %s in journal mode" % (sid, r["path"]))
                continue
            for d in r["body"]["ManualJournals"]:
                mjs[d["Narration"].split(":")[0]] = d
        for jid, part, _, month, date in parts:
            number = "AMZ-%s-%d" % (sid, part)
            want = defaultdict(int)
            for code, tax, tn, to, amount in self.con.execute(
                    "SELECT account_code, tax_type, tracking_name, tracking_option, amount_minor"
                    " FROM journal_line WHERE journal_id = ?", (jid,)):
                want[(code, tax, tn if tn and to else "", to if tn and to else "")] -= amount
            want = nz(want)
            d = mjs.pop(number, None)
            if d is None:
                if want:
                    self.fail("%s: no manual journal" % number)
                continue
            got = defaultdict(int)
            for l in d["JournalLines"]:
                got[self.line_key(l)] += minor(l["LineAmount"], cur)
            if nz(got) != want or sum(got.values()) != 0 or d["Date"] != date:
                self.fail("%s: manual journal %s on %s, journal %s on %s"
                          % (number, dict(got), d["Date"], want, date))
            if part == len(parts) and got.get((self.cfg["accounts"]["clearing"], "NONE", "",
                                               ""), 0) != s["lsum"] and s["lsum"] != 0:
                self.fail("%s: clearing debit %s, settlement %d" % (number, dict(got),
                                                                     s["lsum"]))
        if mjs:
            self.fail("settlement %s: manual journals without a journal: %s" % (sid, sorted(mjs)))

    def orders(self, sid, s, parts, rs, cur, status, acc):
        clearing, bank = acc["clearing"], acc["bank"]
        # carried-forward lines cancel out over a settlement's parts; clearing is what the
        # payments and the transfer stand for
        want = self.journal_by_key([p[0] for p in parts])
        want.pop((clearing, "NONE", "", ""), None)
        sign = {"ACCREC": 1, "ACCRECCREDIT": -1, "ACCPAY": -1, "ACCPAYCREDIT": 1}
        got = defaultdict(int)
        due = {}        # document number -> amount not yet settled
        types = {}
        cash = 0        # net into the clearing account
        transfers = []
        for r in rs:
            b = r["body"]
            for d in b.get("Invoices", []) + b.get("CreditNotes", []):
                num = d.get("InvoiceNumber") or d.get("CreditNoteNumber")
                types[num] = d["Type"]
                t = 0
                for l in d["LineItems"]:
                    a = minor(l["LineAmount"], cur)
                    got[self.line_key(l)] += sign[d["Type"]] * a
                    t += a
                    if l["LineAmount"] != l["Quantity"] * l["UnitAmount"]:
                        self.fail("%s: line amount %s != %s x %s" % (
                            num, l["LineAmount"], l["Quantity"], l["UnitAmount"]))
                if t <= 0:
                    self.fail("%s: %s of %d" % (num, d["Type"], t))
                due[num] = due.get(num, 0) + t
                for al in d.get("Allocations", []):
                    a = minor(al["Amount"], cur)
                    due[num] -= a
                    inv = al["Invoice"]["InvoiceNumber"]
                    due[inv] = due.get(inv, 0) - a
            # PUT /CreditNotes/{CreditNoteID:<credit note>}/Allocations, the invoice named
            # {InvoiceID:<number>} (live posting fills in Xero's ids)
            for al in b.get("Allocations", []):
                a = minor(al["Amount"], cur)
                cn = r["path"].split("{CreditNoteID:", 1)[1].split("}", 1)[0]
                inv = al["Invoice"]["InvoiceID"].split("{InvoiceID:", 1)[1].split("}", 1)[0]
                due[cn] = due.get(cn, 0) - a
                due[inv] = due.get(inv, 0) - a
            transfers += b.get("BankTransactions", [])
        for r in rs:
            for p in r["body"].get("Payments", []):
                if p["Account"]["Code"] != clearing:
                    self.fail("%s: payment from %s" % (sid, p["Account"]["Code"]))
                num = p["Invoice"]["InvoiceNumber"] if "Invoice" in p else \
                    p["CreditNote"]["CreditNoteNumber"]
                a = minor(p["Amount"], cur)
                due[num] = due.get(num, 0) - a
                # customers' invoices and Amazon's credit notes pay into clearing
                cash += a if types.get(num) in ("ACCREC", "ACCPAYCREDIT") else -a
        for t in transfers:
            # the payout: receive money into the bank, coded to clearing
            a = sum(minor(l["LineAmount"], t["CurrencyCode"]) for l in t["LineItems"]
                    if l["AccountCode"] == clearing)
            # a converted payout arrives in the base currency; what it leaves in clearing
            # against the settlement currency is Xero's FX difference, not a gap
            cash -= s["lsum"] if self.converted(cur) else a
        if nz(got) != want:
            keys = sorted(set(nz(got)) | set(want))
            diff = ["%s: documents %d, journals %d" % ("/".join(k), got.get(k, 0),
                                                         want.get(k, 0))
                    for k in keys if got.get(k, 0) != want.get(k, 0)]
            self.fail("settlement %s: documents differ from journals: %s"
                      % (sid, "; ".join(diff[:4])))
        t = s["lsum"]
        how = self.cfg["posting"].get("record_payment", "statement")
        how = {True: "statement", False: "never"}.get(how, how)
        date = self.statement_date(s, cur) if how == "statement" else s["deposit"][:10]
        base_amount = self.statement_line(s, cur)[1] if self.converted(cur) else t
        want = 1 if t > 0 and how != "never" and date and base_amount > 0 else 0
        if len(transfers) != want or (want and (
                transfers[0]["Type"] != "RECEIVE" or transfers[0]["BankAccount"]["Code"] != bank
                or sum(minor(l["LineAmount"], transfers[0]["CurrencyCode"])
                       for l in transfers[0]["LineItems"]) != base_amount)):
            self.fail("settlement %s: payout %s for %d (%s)" % (sid, transfers, t, how))
        if not want:
            cash -= t  # the payout is matched in Xero's bank reconciliation, or none
        if status == "AUTHORISED":
            open_docs = {k: v for k, v in due.items() if v != 0}
            if open_docs:
                self.fail("settlement %s: documents not settled: %s" % (sid, open_docs))
            if cash != 0:
                self.fail("settlement %s: clearing account nets to %d" % (sid, cash))
            self.stats["orders_settled"] += 1


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    failures = 0
    stats = defaultdict(int)
    for d in argv[1:]:
        lg = Ledger(d)
        try:
            lg.run()
        except Exception as ex:  # a checker crash is a failure, with where it happened
            lg.fail("checker error: %r" % ex)
        failures += lg.failures
        stats["ledgers"] += 1
        for k, v in lg.stats.items():
            stats[k] += v
    print("invariants: %s, %d failure(s)"
          % (", ".join("%d %s" % (v, k) for k, v in sorted(stats.items())), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
