#!/usr/bin/python3
"""xlsx_check — reads a settlebook reconciliation workbook back with openpyxl and checks it
against the ledger it came from (sqlite3). Prints one line per check, "PASS name" or
"FAIL name: detail"; tests/e2e/report.sh counts them. Exit status 2 when the workbook does
not load at all.

usage: xlsx_check.py WORKBOOK --ledger DB [--period YYYY-MM] [--text T ...] [--truncated]
"""
import argparse
import json
import re
import sqlite3
import sys
from datetime import datetime
from decimal import Decimal

import openpyxl

SHEETS = ["Summary", "Charts", "Exceptions", "Settlements", "Postings", "Orders", "Fees",
          "Inventory", "Mapping", "Audit"]
SUMMARY = ["Settlement ID", "Marketplace", "Currency", "Start", "Start time (UTC)", "End",
           "End time (UTC)", "Deposit date", "Reported total", "Sum of lines", "Difference",
           "Deposit matched", "Documents", "Exceptions", "Status"]
STATUS = ["ERRORS", "UNPOSTED", "OK", "POSTED", "FAILED"]
# the Charts sheet's series: the journal line roles each one sums
SERIES = [("Sales", ("sales", "shipping", "gift_wrap")), ("Promotions", ("promotions",)),
          ("Refunds", ("refunds",)), ("Selling fees", ("fees_selling",)),
          ("FBA fees", ("fees_fba",)), ("Storage fees", ("fees_storage",)),
          ("Advertising fees", ("fees_advertising",)),
          ("Subscription fees", ("fees_subscription",)), ("Other fees", ("fees_other",)),
          ("Reimbursements", ("reimbursements",)), ("Reserves", ("reserves",))]
EXPONENT = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "HUF": 2, "KWD": 3, "BHD": 3, "OMR": 3,
            "JOD": 3, "TND": 3}
FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
SCOPE = "(?1 = '' OR (substr(s.start_utc, 1, 7) <= ?1 AND substr(s.end_utc, 1, 7) >= ?1))"
EXC_SCOPE = ("(?1 = '' OR x.settlement_id IS NULL OR x.settlement_id IN (SELECT s.settlement_id "
             "FROM settlement s WHERE " + SCOPE + "))")

results = []


def check(name, ok, detail=""):
    results.append(("PASS " + name) if ok else ("FAIL %s: %s" % (name, detail)))


def exp_of(cur):
    return EXPONENT.get(cur, 2)


def minor(v, exp):
    """A cell's number as minor units, exactly (the shortest repr of the double)."""
    if v is None:
        return None
    return int(Decimal(repr(v)).scaleb(exp))


def money_format(exp):
    return "#,##0" + ("." + "0" * exp if exp else "")


def excel_text(v):
    """A string cell as Excel shows it: _xHHHH_ escapes decoded (openpyxl leaves them)."""
    if not isinstance(v, str):
        return v
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), v)


def plain(text):
    """Text without replacement characters (the ledger may hold bytes that are not UTF-8;
    the workbook shows each as U+FFFD)."""
    return (text or "").replace("\ufffd", "")


def same_text(cell, ledger):
    """The cell shows the ledger's text, or its start and the truncation marker."""
    cell, ledger = plain(cell), plain(ledger)
    marker = "\u2026[truncated]"
    return cell == ledger or (cell.endswith(marker) and ledger.startswith(cell[:-len(marker)]))


def rows(ws):
    """Data rows up to the first empty row (the tables; totals follow an empty row)."""
    out = []
    for r in ws.iter_rows(min_row=2):
        if all(c.value is None for c in r):
            break
        out.append(r)
    return out


def by_blanks(ws):
    """Each non-empty row after the header with the number of empty rows above it."""
    blanks, out = 0, []
    for r in ws.iter_rows(min_row=2):
        if all(c.value is None for c in r):
            blanks += 1
        else:
            out.append((blanks, r))
    return out


def after_table(ws):
    """The block of rows after the table's first empty row, up to the next empty row."""
    return [r for b, r in by_blanks(ws) if b == 1]


def legend(ws):
    """The rows after the second empty row of the sheet (the Summary's legend)."""
    return [[c.value for c in r] for b, r in by_blanks(ws) if b >= 2]


def col(ws, name):
    for c in ws[1]:
        if c.value == name:
            return c.column - 1
    raise KeyError(name)


def structure(wb):
    check("sheet names and order", wb.sheetnames == SHEETS, str(wb.sheetnames))
    for ws in wb.worksheets:
        check(ws.title + ": frozen header row", ws.freeze_panes == "A2", str(ws.freeze_panes))
        ref = ws.auto_filter.ref or ""
        check(ws.title + ": autofilter from A1", ref.startswith("A1:"), ref)
        check(ws.title + ": bold header", all(c.font.b for c in ws[1] if c.value), "")
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        check(ws.title + ": column widths set", all(w and w >= 5 for w in widths), str(widths))
        formulas = [c.coordinate for r in ws.iter_rows() for c in r if c.data_type == "f"]
        check(ws.title + ": no formula cells", not formulas, str(formulas[:5]))


def summary(wb, db, period):
    ws = wb["Summary"]
    check("Summary headers exactly", [c.value for c in ws[1]] == SUMMARY,
          str([c.value for c in ws[1]]))
    want = db.execute("SELECT s.settlement_id, s.currency, s.total_minor, s.lines_sum_minor, "
                      "s.start_utc, s.deposit_utc FROM settlement s WHERE " + SCOPE +
                      " ORDER BY s.start_utc, s.settlement_id", (period,)).fetchall()
    got = rows(ws)
    check("Summary: one row per settlement in scope", len(got) == len(want),
          "%d rows, %d settlements" % (len(got), len(want)))
    totals = {}
    for r, (sid, cur, total, lsum, start, dep) in zip(got, want):
        exp = exp_of(cur)
        v = [c.value for c in r]
        check("Summary %s: id and currency" % sid, v[0] == sid and v[2] == cur, str(v[:3]))
        check("Summary %s: reported total" % sid, minor(v[8], exp) == total, "%r vs %d" % (v[8], total))
        check("Summary %s: sum of lines" % sid, minor(v[9], exp) == lsum, "%r vs %d" % (v[9], lsum))
        check("Summary %s: difference" % sid, minor(v[10], exp) == lsum - total, repr(v[10]))
        check("Summary %s: amount format" % sid,
              r[8].number_format.split(";")[0] == money_format(exp), r[8].number_format)
        check("Summary %s: dates are dates, times in their own column" % sid,
              isinstance(v[3], datetime) and v[3].strftime("%Y-%m-%d") == start[:10] and
              (v[3].hour, v[3].minute, v[3].second) == (0, 0, 0) and
              r[3].number_format == "yyyy-mm-dd" and
              (v[4] is None or v[4].strftime("%H:%M:%S") == start[11:19]) and
              r[4].number_format == "hh:mm:ss" and
              isinstance(v[7], datetime) and v[7].strftime("%Y-%m-%d") == dep[:10],
              str(v[3:8]))
        errors = db.execute("SELECT COUNT(*) FROM exception WHERE settlement_id = ? AND "
                            "severity = 'error'", (sid,)).fetchone()[0]
        n = db.execute("SELECT COUNT(*) FROM exception WHERE settlement_id = ?", (sid,)).fetchone()[0]
        check("Summary %s: exceptions count" % sid, v[13] == n, "%r vs %d" % (v[13], n))
        check("Summary %s: status" % sid, (v[14] == "ERRORS") == (errors > 0), str(v[14]))
        check("Summary %s: status word in the legend" % sid, v[14] in STATUS, str(v[14]))
        docs = [d for (d,) in db.execute("SELECT DISTINCT doc_number FROM outbox WHERE "
                                         "settlement_id = ? AND state != 'superseded'", (sid,))]
        check("Summary %s: documents" % sid, all(d in (v[12] or "") for d in docs[:12]),
              "%r vs %r" % (v[12], docs))
        t = totals.setdefault(cur, [0, 0, 0])
        t[0] += total
        t[1] += lsum
        t[2] += 1
    tot = {r[2].value: r for r in after_table(ws)}
    check("Summary: one total row per currency", sorted(tot) == sorted(totals),
          "%s vs %s" % (sorted(tot), sorted(totals)))
    for cur, (total, lsum, n) in totals.items():
        r = tot.get(cur)
        if r is None:
            continue
        exp = exp_of(cur)
        check("Summary total %s" % cur, minor(r[8].value, exp) == total and
              minor(r[9].value, exp) == lsum and minor(r[10].value, exp) == lsum - total and
              r[0].value.startswith("Total %s (%d settlement" % (cur, n)),
              str([c.value for c in r]))
    words = {row[0]: row[1] for row in legend(ws)}
    check("Summary legend defines every status word",
          all(words.get(w) for w in STATUS), str(sorted(words)))
    check("Summary legend explains the sign convention",
          "credit is + and debit is -" in (words.get("+ / -") or ""), str(words.get("+ / -")))


def charts(wb, db, period, path):
    """The Charts sheet against the journals, and the charts drawn in the file."""
    ws = wb["Charts"]
    head = [c.value for c in ws[1]]
    want = db.execute("SELECT s.id, s.settlement_id, s.currency, s.total_minor FROM settlement s "
                      "WHERE " + SCOPE + " AND EXISTS (SELECT 1 FROM journal j WHERE "
                      "j.settlement_ref = s.id) ORDER BY s.currency, s.end_utc, s.settlement_id",
                      (period,)).fetchall()
    got = rows(ws)
    check("Charts: one row per settlement with journals", len(got) == len(want),
          "%d rows, %d settlements" % (len(got), len(want)))
    for r, (ref, sid, cur, total) in zip(got, want):
        exp = exp_of(cur)
        v = dict(zip(head, [c.value for c in r]))
        sums = dict(db.execute("SELECT l.role, SUM(l.amount_minor) FROM journal_line l JOIN "
                               "journal j ON j.id = l.journal_id WHERE j.settlement_ref = ? "
                               "GROUP BY l.role", (ref,)).fetchall())
        drawn = 0
        for name, roles in SERIES:
            want_v = sum(sums.get(x, 0) for x in roles)
            check("Charts %s: %s" % (sid, name), minor(v[name], exp) == want_v,
                  "%r vs %d" % (v[name], want_v))
            drawn += minor(v[name], exp)
        drawn += minor(v["Other (tax, ...)"], exp)
        check("Charts %s: the parts sum to the deposit" % sid,
              drawn == total and minor(v["Deposit"], exp) == total, "%d vs %d" % (drawn, total))
        fees = -sum(sums.get(x, 0) for x in ("fees_selling", "fees_fba", "fees_storage",
                                              "fees_advertising", "fees_subscription",
                                              "fees_other"))
        sales = sum(sums.get(x, 0) for x in ("sales", "shipping", "gift_wrap"))
        rate = v["Fee rate (fees / sales)"]
        check("Charts %s: fee rate" % sid, (rate is None and sales == 0) or
              (sales and abs(rate - fees / sales) < 1e-12), "%r vs %r/%r" % (rate, fees, sales))
    import zipfile
    z = zipfile.ZipFile(path)
    xml = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    currencies = len(set(c for (_, _, c, _) in want))
    stacked = [x for x in xml if "<c:barChart>" in x and '<c:grouping val="stacked"/>' in x]
    lines = [x for x in xml if "<c:lineChart>" in x]
    check("Charts: a stacked column chart per currency", len(stacked) == currencies,
          "%d charts, %d currencies" % (len(stacked), currencies))
    check("Charts: a fee-rate line chart per currency", len(lines) == currencies,
          "%d charts, %d currencies" % (len(lines), currencies))
    dep = "$%s$1" % openpyxl.utils.get_column_letter(head.index("Deposit") + 1)
    check("Charts: the stacked chart draws the deposit",
          all(dep in x for x in stacked), dep)


def exceptions(wb, db, period):
    ws = wb["Exceptions"]
    want = db.execute("SELECT x.severity, x.kind, x.settlement_id, x.order_id, x.sku, "
                      "x.expected_minor, x.actual_minor, x.difference_minor, x.explanation, "
                      "coalesce(x.currency, (SELECT currency FROM settlement WHERE "
                      "settlement_id = x.settlement_id), 'USD') FROM exception x WHERE " +
                      EXC_SCOPE + " ORDER BY CASE x.severity WHEN 'error' THEN 0 WHEN 'warning' "
                      "THEN 1 ELSE 2 END, x.kind, x.settlement_id, x.order_id, x.sku, x.id",
                      (period,)).fetchall()
    got = rows(ws)
    check("Exceptions: every exception in scope", len(got) == len(want),
          "%d rows, %d exceptions" % (len(got), len(want)))
    rank = {"error": 0, "warning": 1, "info": 2}
    sev = [rank.get(r[0].value, 9) for r in got]
    check("Exceptions: errors first", sev == sorted(sev), str(sev[:20]))
    same = True
    for r, w in zip(got, want):
        v = [excel_text(c.value) for c in r]
        exp = exp_of(w[9])
        if (v[0], v[1], v[2], v[3], v[4]) != (w[0], w[1], w[2], w[3], w[4]) or \
           minor(v[6], exp) != w[5] or minor(v[7], exp) != w[6] or minor(v[8], exp) != w[7] \
           or not same_text(v[9], w[8]):
            same = False
            check("Exceptions: row matches the ledger", False, "%r vs %r" % (v, w))
            break
    if same:
        check("Exceptions: rows match the ledger, in order", True)
    fills = all((r[0].fill.fgColor.rgb or "")[-6:] == FILLS.get(r[0].value, "") for r in got)
    check("Exceptions: filled by severity", fills, "")


def settlements(wb, db, period):
    ws = wb["Settlements"]
    head = [c.value for c in ws[1]]
    months = [h for h in head if re.match(r"^\d{4}-\d{2} \(credit \+\)$", h or "")]
    ti = head.index("Total (credit +)")
    ok_rows = True
    per_settlement = {}
    lines = {}
    for r in rows(ws):
        v = [c.value for c in r]
        exp = exp_of(v[1])
        parts = [minor(x, exp) or 0 for x in v[6:6 + len(months)]]
        if sum(parts) != minor(v[ti], exp):
            ok_rows = False
        per_settlement[v[0]] = per_settlement.get(v[0], 0) + minor(v[ti], exp)
        if isinstance(v[5], int):
            lines[v[0]] = lines.get(v[0], 0) + v[5]
    check("Settlements: month columns add up to the total", ok_rows)
    check("Settlements: each settlement's journals net to zero",
          all(t == 0 for t in per_settlement.values()), str(per_settlement))
    want_months = [m for (m,) in db.execute(
        "SELECT DISTINCT j.month FROM journal j JOIN settlement s ON s.id = j.settlement_ref "
        "WHERE " + SCOPE + " ORDER BY 1", (period,))]
    check("Settlements: a column per month part", [m[:7] for m in months] == want_months,
          "%s vs %s" % (months, want_months))
    for sid, n in lines.items():
        want = db.execute("SELECT line_count FROM settlement WHERE settlement_id = ?",
                          (sid,)).fetchone()[0]
        check("Settlements %s: every settlement line counted once" % sid, n == want,
              "%d vs %d" % (n, want))
    for (sid, month, amount) in db.execute(
            "SELECT s.settlement_id, j.month, SUM(l.amount_minor) FROM journal_line l JOIN "
            "journal j ON j.id = l.journal_id JOIN settlement s ON s.id = j.settlement_ref "
            "WHERE " + SCOPE + " AND l.role = 'clearing' GROUP BY 1, 2", (period,)):
        # summary mode names the bank on a positive settlement's payout row
        cell = [r for r in rows(ws) if r[0].value == sid and
                r[2].value in ("Amazon clearing", "Bank (payout)")]
        i = 6 + [m[:7] for m in months].index(month)
        exp = exp_of(cell[0][1].value) if cell else 2
        check("Settlements %s: clearing %s" % (sid, month),
              cell and minor(cell[0][i].value, exp) == amount, "")


def postings(wb, db, period):
    ws = wb["Postings"]
    want = []
    # every request of the preview: settlement documents, items, COGS-<month> (base currency)
    # and ACCRUAL-<month>-<currency>[-R], in the preview's order
    for (sid, seq, body, cur, state) in db.execute(
            "SELECT o.settlement_id, o.seq, o.body, coalesce(s.currency, CASE WHEN "
            "o.settlement_id GLOB 'ACCRUAL-*' THEN substr(o.settlement_id, 17, 3) END, (SELECT c.currency FROM cogs_journal c "
            "WHERE 'COGS-' || c.month = o.settlement_id)), o.state "
            "FROM outbox o LEFT JOIN settlement s ON s.settlement_id = o.settlement_id WHERE "
            "(?1 = '' OR o.month = ?1) AND o.state != 'superseded' AND (s.id IS NOT NULL OR "
            "o.settlement_id GLOB 'COGS-*' OR o.settlement_id GLOB 'ITEMS-*' OR "
            "o.settlement_id GLOB 'ACCRUAL-*') ORDER BY o.settlement_id GLOB 'ITEMS-*' DESC, "
            "s.id IS NULL, o.settlement_id GLOB 'ACCRUAL-*', s.start_utc, o.settlement_id, "
            "o.seq", (period,)):
        doc = json.loads(body, parse_float=Decimal, parse_int=Decimal)
        for coll, docs in doc.items():
            for d in docs:
                lines = d.get("LineItems") or d.get("JournalLines")
                if lines:
                    for l in lines:
                        a = l.get("LineAmount", l.get("UnitAmount"))
                        want.append((sid, state, l.get("AccountCode"), a, exp_of(cur)))
                else:
                    code = (d.get("Account") or d.get("ToBankAccount") or {}).get("Code")
                    want.append((sid, state, code, d.get("Amount"), exp_of(cur)))
    got = rows(ws)
    check("Postings: one row per document line", len(got) == len(want),
          "%d rows, %d lines" % (len(got), len(want)))
    ai, ci, si = col(ws, "Amount"), col(ws, "Account code"), col(ws, "Outbox state")
    exact = all(r[0].value == w[0] and r[si].value == w[1] and r[ci].value == w[2] and
                minor(r[ai].value, w[4]) == int(w[3].scaleb(w[4]))
                for r, w in zip(got, want))
    check("Postings: amounts exactly as in the outbox bodies", exact, "")
    xi = col(ws, "Xero ID")
    check("Postings: Xero ID column present", xi >= 0)


def orders(wb, db, period):
    ws = wb["Orders"]
    got = rows(ws)
    n = {}
    for r in got:
        n[r[0].value] = n.get(r[0].value, 0) + (r[3].value or 0)
    settled = db.execute(
        "SELECT COUNT(DISTINCT l.order_id) FROM settlement s JOIN settlement_line l ON "
        "l.settlement_ref = s.id WHERE " + SCOPE + " AND l.transaction_type = 'Order' AND "
        "l.amount_type = 'ItemPrice' AND l.amount_description = 'Principal' AND "
        "coalesce(l.order_id, '') != ''", (period,)).fetchone()[0]
    counted = sum(v for k, v in n.items() if k not in ("Not settled", "Cancelled, not settled"))
    check("Orders: every settled order counted once", counted == settled,
          "%d vs %d (%s)" % (counted, settled, n))
    for r in got:
        if r[0].value == "Price differs":
            exp = exp_of(r[2].value)
            check("Orders %s: difference" % r[1].value,
                  minor(r[6].value, exp) == minor(r[4].value, exp) - minor(r[5].value, exp), "")


def fees(wb, db, period):
    ws = wb["Fees"]
    got = rows(ws)
    tot = {r[1].value: r for r in after_table(ws)}
    for cur, r in tot.items():
        exp = exp_of(cur)
        by_type = sum(minor(x[9].value, exp) for x in got if x[0].value == "By type" and x[1].value == cur)
        by_sku = sum(minor(x[9].value, exp) for x in got if x[0].value == "By SKU" and x[1].value == cur)
        check("Fees %s: by type adds up to the total" % cur, by_type == minor(r[9].value, exp),
              "%d vs %r" % (by_type, r[9].value))
        check("Fees %s: by SKU adds up to the total" % cur, by_sku == minor(r[9].value, exp),
              "%d vs %r" % (by_sku, r[9].value))
        principal = db.execute(
            "SELECT coalesce(SUM(l.amount_minor), 0) FROM settlement s JOIN settlement_line l "
            "ON l.settlement_ref = s.id WHERE " + SCOPE + " AND s.currency = ?2 AND "
            "l.amount_type = 'ItemPrice' AND l.amount_description = 'Principal'",
            (period, cur)).fetchone()[0]
        check("Fees %s: principal" % cur, minor(r[10].value, exp) == principal,
              "%r vs %d" % (r[10].value, principal))
    rates = [r[11] for r in got if r[11].value is not None]
    check("Fees: effective rates are percentages",
          all(c.number_format == "0.00%" and isinstance(c.value, float) for c in rates), "")


def mapping(wb, db, period):
    ws = wb["Mapping"]
    li = col(ws, "Lines matched")
    total = sum(r[li].value or 0 for r in rows(ws))
    want = db.execute("SELECT COUNT(*) FROM settlement s JOIN settlement_line l ON "
                      "l.settlement_ref = s.id WHERE " + SCOPE, (period,)).fetchone()[0]
    check("Mapping: every line in scope matched once", total == want, "%d vs %d" % (total, want))
    rules = db.execute("SELECT COUNT(*) FROM mapping_default").fetchone()[0]
    builtin = sum(1 for r in rows(ws) if r[0].value == "built-in")
    check("Mapping: every built-in rule listed", builtin == rules, "%d vs %d" % (builtin, rules))


def audit(wb, db, period):
    ws = wb["Audit"]
    v = [[c.value for c in r] for r in rows(ws)]
    check("Audit: version", any(r[1] == "settlebook version" and r[2] for r in v))
    checks = [r for r in v if r[0] == "Check"]
    check("Audit: checks pass", len(checks) >= 6 and all(r[2] in ("ok", "intact") for r in checks),
          str([(r[1], r[2]) for r in checks]))
    inputs = sorted((r[1], r[2], r[4], r[5], r[6]) for r in v if r[0] == "Input")
    want = sorted(db.execute("SELECT path, kind, sha256, rows, bytes FROM source_file"))
    check("Audit: every input with its sha256", inputs == [tuple(w) for w in want],
          "%s vs %s" % (inputs, want))
    runs = [r for r in v if r[0] == "Run"]
    want = db.execute("SELECT COUNT(*) FROM run").fetchone()[0]
    check("Audit: every run", len(runs) == want, "%d vs %d" % (len(runs), want))


def texts(wb, wanted):
    cells = {}
    for ws in wb.worksheets:
        for r in ws.iter_rows():
            for c in r:
                if c.value is not None:
                    cells.setdefault(excel_text(c.value), []).append(c)
    for t in wanted:
        found = cells.get(t, [])
        check("text %r shown as typed" % t, found and all(c.data_type == "s" for c in found),
              "found %d" % len(found))


def truncated(wb):
    long = [c for ws in wb.worksheets for r in ws.iter_rows() for c in r
            if isinstance(c.value, str) and len(c.value) > 30000]
    check("overlong text cut at 32,767 characters with a marker",
          long and all(len(c.value.encode("utf-16-le")) // 2 <= 32767 and
                       c.value.endswith("\u2026[truncated]") for c in long), str(len(long)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workbook")
    ap.add_argument("--ledger", required=True)
    ap.add_argument("--period", default="")
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--truncated", action="store_true")
    a = ap.parse_args()
    try:
        wb = openpyxl.load_workbook(a.workbook)
    except Exception as exc:  # the verdict: the file does not open
        print("FAIL workbook loads: %s" % exc)
        return 2
    check("workbook loads", True)
    db = sqlite3.connect("file:%s?mode=ro" % a.ledger, uri=True)
    db.text_factory = lambda b: b.decode("utf-8", "replace")
    for f in (structure, ):
        f(wb)
    for f in (summary, exceptions, settlements, postings, orders, fees, mapping, audit):
        try:
            f(wb, db, a.period)
        except Exception as exc:
            check(f.__name__ + " sheet readable", False, "%s: %s" % (type(exc).__name__, exc))
    try:
        charts(wb, db, a.period, a.workbook)
    except Exception as exc:
        check("charts sheet readable", False, "%s: %s" % (type(exc).__name__, exc))
    texts(wb, a.text)
    if a.truncated:
        truncated(wb)
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
