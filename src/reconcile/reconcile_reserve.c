/* reconcile_reserve — RESERVE_DISCONTINUITY: what a settlement brings forward as "Previous
 * Reserve Amount Balance" must be what the previous settlement of the same currency (and
 * marketplace) held back as "Current Reserve Amount". Reads only. */
#include "reconcile_int.h"

#include <stdint.h>
#include <stdio.h>


static const char QUERY[] =
    "SELECT s.settlement_id, s.currency, p.settlement_id, "
    SETTLEMENT_LINES_SUM("s.id", "Previous Reserve Amount Balance") ", "
    SETTLEMENT_LINES_SUM("p.id", "Current Reserve Amount") " "
    "FROM settlement s " PREVIOUS_SETTLEMENT_JOIN
    "WHERE " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id";

static int row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1), *prev = reconcile_str(st, 2);
    int64_t brought = sqlite3_column_int64(st, 3), held = sqlite3_column_int64(st, 4);
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], expl[512], action[256];
    if (held == INT64_MIN)
        return err_set(e, ERR_INPUT, "settlement %s: Current Reserve Amount overflows", prev);
    if (brought == -held)
        return 0;
    snprintf(expl, sizeof expl, "Previous Reserve Amount Balance is %s but settlement %s held "
             "back %s as Current Reserve Amount.", reconcile_amount(a, brought, cur), prev,
             reconcile_amount(b, held, cur));
    snprintf(action, sizeof action, "Check for a missing settlement between %s and %s (ingest "
             "it) or ask Amazon why the reserve changed.", prev, reconcile_str(st, 0));
    struct exception_row r = {
        .kind = "RESERVE_DISCONTINUITY", .severity = "warning",
        .settlement_id = reconcile_str(st, 0), .currency = cur, .has_expected = 1,
        .expected = -held, .has_actual = 1, .actual = brought, .explanation = expl,
        .action = action,
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_reserve(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, QUERY, e) < 0)
        return -1;
    return reconcile_each(c, st, row, e);
}
