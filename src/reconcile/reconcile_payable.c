/* reconcile_payable — PAYABLE_DISCONTINUITY: a negative settlement is collected by the next
 * one of the same currency and marketplace as "Payable to Amazon", and that line must equal
 * the negative total (nothing when the previous settlement was not negative). The summary
 * mode pays the negative settlement's bill from the clearing account on that line, so a
 * difference leaves the clearing account off. A "Payable to Amazon" with no earlier
 * settlement in the ledger collects one settlebook never saw: its bill is not in Xero from
 * here, so nothing offsets the clearing line unless the user pays it there. Reads only. */
#include "reconcile_int.h"

#include <stdint.h>
#include <stdio.h>

static const char QUERY[] =
    "SELECT s.settlement_id, s.currency, p.settlement_id, "
    SETTLEMENT_PAYABLE_SUM("s.id") ", p.total_minor "
    "FROM settlement s LEFT " PREVIOUS_SETTLEMENT_JOIN
    "WHERE " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id";

/* The previous settlement is not in the ledger: say which bill the user must pay from
 * clearing, since settlebook cannot post it. */
static void no_previous(const struct reconcile_ctx *c, const char *sid, const char *cur,
                        int64_t payable, char *expl, size_t ecap, char *action, size_t acap)
{
    char a[RECONCILE_AMOUNT_MAX];
    const char *clearing = c->cfg->accounts[ACCT_CLEARING];
    snprintf(expl, ecap, "Payable to Amazon %s collects a settlement not in the ledger (before "
             "%s): pay that settlement's bill from %s in Xero, or ingest it.",
             reconcile_amount(a, payable < 0 ? -payable : payable, cur), sid, clearing);
    snprintf(action, acap, "Ingest the settlement before %s, or pay its bill from the clearing "
             "account %s in Xero so the clearing account nets to zero.", sid, clearing);
}

/* What the posting mode does with a negative settlement, so the advice says where the
 * difference is left. */
static const char *negative_booking(enum posting_mode mode)
{
    switch (mode) {
    case POST_ORDERS:
        return "orders mode pays a negative settlement's fee bill from the clearing account "
               "in full when it posts it, so the difference stays on the clearing account";
    case POST_JOURNAL:
        return "journal mode credits the clearing account with a negative settlement's "
               "total, so the difference stays on the clearing account";
    default:
        return "the bill of a negative settlement is paid from the clearing account only up "
               "to what the next one collects";
    }
}

/* The previous settlement's total differs from what this one collects. */
static void mismatch(const struct reconcile_ctx *c, const char *sid, const char *prev,
                     const char *cur, int64_t payable, int64_t total, char *expl, size_t ecap,
                     char *action, size_t acap)
{
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX];
    snprintf(expl, ecap, "Payable to Amazon is %s but the previous settlement %s %s %s.",
             reconcile_amount(a, payable, cur), prev, total < 0 ? "ended negative at"
             : "was not negative:", reconcile_amount(b, total, cur));
    snprintf(action, acap, "Check for a missing settlement between %s and %s (ingest it); %s.",
             prev, sid, negative_booking(c->cfg->mode));
}

static int row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *sid = reconcile_str(st, 0), *cur = reconcile_str(st, 1);
    int64_t payable = sqlite3_column_int64(st, 3), total = sqlite3_column_int64(st, 4);
    int64_t want = total < 0 ? total : 0;
    char expl[512], action[320];
    if (payable == want)
        return 0;
    if (!reconcile_col(st, 2))
        no_previous(c, sid, cur, payable, expl, sizeof expl, action, sizeof action);
    else
        mismatch(c, sid, reconcile_str(st, 2), cur, payable, total, expl, sizeof expl, action,
                 sizeof action);
    struct exception_row r = {
        .kind = "PAYABLE_DISCONTINUITY", .severity = "warning", .settlement_id = sid,
        .currency = cur, .has_expected = 1, .expected = want, .has_actual = 1,
        .actual = payable, .explanation = expl, .action = action,
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
