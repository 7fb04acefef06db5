/* report_exceptions — the Exceptions sheet: every exception in scope (those of the
 * settlements touching the period, those of no settlement that belong to the period's month
 * and the ledger-wide ones: EXCEPTION_SCOPE_SQL), errors first, each row filled
 * by its severity, with its stable id and, for an accepted error, "accepted: <reason>". Reads the exception table only; never runs reconcile. */
#include "report_int.h"

#include <string.h>


static const struct report_col cols[] = {
    { "Severity", 9, 0 }, { "Kind", 26, 0 }, { "Settlement ID", 14, 0 }, { "Order ID", 21, 0 },
    { "SKU", 22, 0 }, { "Currency", 9, 0 }, { "Expected", 13, 1 }, { "Actual", 13, 1 },
    { "Difference", 13, 1 }, { "Explanation", 60, 0 }, { "Suggested action", 50, 0 },
    { "Exception ID", 14, 0 }, { "Accepted", 40, 0 },
};
enum { C_SEV, C_KIND, C_ID, C_ORDER, C_SKU, C_CUR, C_EXP, C_ACT, C_DIFF, C_WHY, C_ACTION,
       C_UID, C_ACCEPTED };

static const char ROWS[] =
    "SELECT x.severity, x.kind, x.settlement_id, x.order_id, x.sku, "
    "coalesce(x.currency, (SELECT s2.currency FROM settlement s2 WHERE s2.settlement_id = "
    "x.settlement_id), ?2), x.expected_minor, x.actual_minor, x.difference_minor, "
    "x.explanation, x.action, x.uid, (SELECT 'accepted: ' || a.reason FROM exception_accept a "
    "WHERE a.uid = x.uid) FROM exception x WHERE " EXCEPTION_SCOPE_SQL " "
    "ORDER BY CASE x.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, x.kind, "
    "x.settlement_id, x.order_id, x.sku, x.id";

static void amount(struct report_sheet *s, lxw_col_t c, sqlite3_stmt *st, int i, int exp)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        report_blank(s, c);
    else
        report_money(s, c, sqlite3_column_int64(st, i), exp);
}

int report_exceptions(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    sqlite3_stmt *st;
    int step;

    if (report_sheet_begin(r, &s, "Exceptions", cols, sizeof cols / sizeof cols[0], e) < 0 ||
        ledger_prepare(r->lg, &st, ROWS, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->cfg->base_currency, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int exp = report_exp(report_col_text(st, 5));
        s.fill = report_severity_fill(report_col_text(st, 0));
        report_text(&s, C_SEV, report_col_text(st, 0));
        report_text(&s, C_KIND, report_col_text(st, 1));
        report_text(&s, C_ID, report_col_text(st, 2));
        report_text(&s, C_ORDER, report_col_text(st, 3));
        report_text(&s, C_SKU, report_col_text(st, 4));
        report_text(&s, C_CUR, report_col_text(st, 5));
        amount(&s, C_EXP, st, 6, exp);
        amount(&s, C_ACT, st, 7, exp);
        amount(&s, C_DIFF, st, 8, exp);
        report_wrap(&s, C_WHY, report_col_text(st, 9));
        report_wrap(&s, C_ACTION, report_col_text(st, 10));
        report_text(&s, C_UID, report_col_text(st, 11));
        if (sqlite3_column_type(st, 12) == SQLITE_NULL)
            report_blank(&s, C_ACCEPTED);
        else
            report_wrap(&s, C_ACCEPTED, report_col_text(st, 12));
        report_next_row(&s);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return ledger_fail(r->lg, e, "exceptions");
    return report_sheet_end(&s, e);
}
