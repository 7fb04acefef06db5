/* reconcile_payable — PAYABLE_DISCONTINUITY: a negative settlement is collected by the next
 * one of the same currency and marketplace as "Payable to Amazon", and that line must equal
 * the negative total (nothing when the previous settlement was not negative). The summary
 * mode pays the negative settlement's bill from the clearing account on that line, so a
 * difference leaves the clearing account off. Reads only. */
#include "reconcile_int.h"

#include <stdint.h>
#include <stdio.h>

static const char QUERY[] =
    "SELECT s.settlement_id, s.currency, p.settlement_id, "
    SETTLEMENT_LINES_SUM("s.id", "Payable to Amazon") ", p.total_minor "
    "FROM settlement s " PREVIOUS_SETTLEMENT_JOIN
    "WHERE " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id";

static int row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1), *prev = reconcile_str(st, 2);
    int64_t payable = sqlite3_column_int64(st, 3), total = sqlite3_column_int64(st, 4);
    int64_t want = total < 0 ? total : 0;
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], expl[512], action[256];
    if (payable == want)
        return 0;
    snprintf(expl, sizeof expl, "Payable to Amazon is %s but the previous settlement %s %s "
             "%s.", reconcile_amount(a, payable, cur), prev, total < 0 ? "ended negative at"
             : "was not negative:", reconcile_amount(b, total, cur));
    snprintf(action, sizeof action, "Check for a missing settlement between %s and %s (ingest "
             "it); the bill of a negative settlement is paid from the clearing account only "
             "up to what the next one collects.", prev, reconcile_str(st, 0));
    struct exception_row r = {
        .kind = "PAYABLE_DISCONTINUITY", .severity = "warning",
        .settlement_id = reconcile_str(st, 0), .currency = cur, .has_expected = 1,
        .expected = want, .has_actual = 1, .actual = payable, .explanation = expl,
        .action = action,
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_payable(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, QUERY, e) < 0)
        return -1;
    return reconcile_each(c, st, row, e);
}
