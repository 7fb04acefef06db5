/* post_accrual — keeps the outbox in step with the month-end accrual of a period: one pair of
 * requests (accrual in P, reversal in P+1) per base currency, named ACCRUAL-<P>-<currency>.
 * A pair of which anything may exist in Xero, or of a locked month, is never touched again:
 * the accrual states what was unsettled when P was closed, and its reversal undoes exactly
 * that. Other currencies raise CURRENCY_MISMATCH instead of a document. */
#include "post.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal.h"
#include "ledger.h"
#include "xero.h"
#include "post_int.h"

/* Writes the accrual (outbox name id, month P) and its reversal (id-R, month P+1) of one
 * rendering (none: both empty), unless something of either may exist in Xero: a reversal
 * must undo exactly the accrual that was sent. */
static int put(struct ledger *lg, const char *id, const struct xero_reqs *reqs,
               struct post_summary *out, struct err *e)
{
    struct outbox_new *rows = NULL;
    char sid[2][72];
    size_t n[2] = { reqs->n > 0, reqs->n > 1 };
    int same[2], posted[2], rc = -1;
    snprintf(sid[0], sizeof sid[0], "%s", id);
    snprintf(sid[1], sizeof sid[1], "%s-R", id);
    if (post_rows(reqs, &rows, e) < 0)
        goto done;
    for (int k = 0; k < 2; k++) {
        rows[k].seq = 1;
        rows[k].settlement_id = sid[k];
        if (outbox_compare(lg, sid[k], &rows[k], n[k], &same[k], &posted[k], e) < 0)
            goto done;
    }
    out->requests += (int64_t)reqs->n;
    out->documents += (int64_t)reqs->n;
    if (same[0] && same[1])
        out->unchanged++;
    else if (!posted[0] && !posted[1]) {
        out->written++;
        for (int k = 0; k < 2; k++)
            if (!same[k] && outbox_replace_unposted(lg, sid[k], &rows[k], n[k], e) < 0)
                goto done;
    }
    rc = 0;
done:
    free(rows);
    return rc;
}

static int mismatch(struct exception_batch *b, const struct accrual *a, const char *period,
                    const char *why, struct err *e)
{
    struct exception_row r = {
        .kind = "CURRENCY_MISMATCH", .severity = "error", .currency = a->currency,
        .month = period,
        .has_actual = 1, .actual = a->net, .explanation = why,
        .action = "Book these amounts by hand at your rate, or leave them to the settlement "
                  "(set posting.accrue_unsettled to false to stop accruing).",
    };
    return exception_batch_add(b, &r, e);
}

/* Accruals of earlier renderings no longer due (settled since, or accruing turned off). */
static int drop_stale(struct ledger *lg, const char *period, const struct accrual *v, size_t n,
                      struct post_summary *out, struct err *e)
{
    sqlite3_stmt *st;
    char pattern[32], sid[64];
    struct xero_reqs none = {0};
    int rc = 0, s;
    snprintf(pattern, sizeof pattern, "ACCRUAL-%s-???", period);
    if (ledger_prepare(lg, &st, "SELECT DISTINCT settlement_id FROM outbox WHERE "
                       "settlement_id GLOB ? ORDER BY 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int keep = 0;
        snprintf(sid, sizeof sid, "%s", ledger_text(st, 0));
        for (size_t i = 0; i < n; i++)
            keep |= !strcmp(v[i].id, sid) && !strcmp(v[i].currency, v[i].cfg->base_currency);
        if (!keep)
            rc = put(lg, sid, &none, out, e);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "list accrual requests");
    return rc;
}

/* Months whose accrual is (partly) in Xero, not locked, and whose settlement journals now
 * book amounts that accrual held: the month counts them twice. (Months by UTC date.) */
static const char DOUBLE[] =
    "SELECT p, count(*), sum(amt) FROM (SELECT substr(o.settlement_id, 9, 7) AS p, "
    "  u.amount_minor AS amt FROM (SELECT DISTINCT settlement_id FROM outbox_posted WHERE "
    "  settlement_id GLOB 'ACCRUAL-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[A-Z][A-Z][A-Z]') o "
    "  JOIN unsettled_line u ON u.currency = substr(o.settlement_id, 17, 3) "
    "  AND substr(u.posted, 1, 7) <= substr(o.settlement_id, 9, 7) "
    "  JOIN event_match m ON m.unsettled_id = u.id "
    "  JOIN settlement_line sl ON sl.id = m.settlement_line_id "
    "  AND substr(sl.posted, 1, 7) = substr(o.settlement_id, 9, 7) "
    "  WHERE NOT EXISTS (SELECT 1 FROM period pe WHERE pe.month = substr(o.settlement_id, 9, 7) "
    "  AND pe.state = 'locked') AND EXISTS (SELECT 1 FROM journal j WHERE j.settlement_ref = "
    "  sl.settlement_ref AND j.month = substr(o.settlement_id, 9, 7))) GROUP BY p ORDER BY p";

static int double_counted(struct ledger *lg, struct err *e)
{
    struct exception_batch *b = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1, step, changed;
    if (exception_batch_begin(lg, &b, e) < 0 || ledger_prepare(lg, &st, DOUBLE, e) < 0)
        goto done;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char expl[400], action[300];
        const char *p = ledger_text(st, 0);
        snprintf(expl, sizeof expl, "The accrual already sent for %s holds %lld amount(s) that "
                 "settlement journals now also book in %s, which is not locked: the month "
                 "counts them twice.", p, (long long)sqlite3_column_int64(st, 1), p);
        snprintf(action, sizeof action, "Lock %s before posting the settlement (settlebook "
                 "period lock %s: its lines then go to the next open month, where the reversal "
                 "is), or correct %s in Xero.", p, p, p);
        struct exception_row r = { .kind = "POSTED_DOCUMENT_CHANGED", .severity = "error",
                                   .month = p, .has_actual = 1,
                                   .actual = sqlite3_column_int64(st, 2),
                                   .explanation = expl, .action = action };
        if (exception_batch_add(b, &r, e) < 0)
            goto done;
    }
    if (step != SQLITE_DONE) {
        ledger_fail(lg, e, "check posted accruals");
        goto done;
    }
    rc = exception_batch_apply(b, "accrual-check", "", &changed, e);
done:
    sqlite3_finalize(st);
    exception_batch_free(b);
    return rc;
}

int post_accruals(struct ledger *lg, const struct config *cfg, const char *period,
                  struct post_summary *out, struct err *e)
{
    struct accrual *v = NULL;
    struct exception_batch *b = NULL;
    char scope[32];
    size_t n = 0;
    int locked, changed, rc = -1;

    if (double_counted(lg, e) < 0)
        return -1;
    if (!period[0])
        return 0; /* accruals belong to the close of one month */
    if ((locked = period_is_locked(lg, period, e)) < 0)
        return -1;
    if (locked)
        return 0; /* P is closed: its accrual stays what it was */
    snprintf(scope, sizeof scope, "accrual-post %s", period);
    if ((cfg->accrue_unsettled && journal_accruals(lg, cfg, period, &v, &n, e) < 0) ||
        exception_batch_begin(lg, &b, e) < 0 || drop_stale(lg, period, v, n, out, e) < 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        struct xero_reqs reqs = {0};
        int r = xero_render_accrual(&v[i], &reqs, e);
        if (r == 0 && reqs.blocked[0])
            r = mismatch(b, &v[i], period, reqs.blocked, e);
        else if (r == 0)
            r = put(lg, v[i].id, &reqs, out, e);
        xero_reqs_free(&reqs);
        if (r < 0)
            goto done;
    }
    if (exception_batch_apply(b, scope, "", &changed, e) < 0)
        goto done;
    rc = 0;
done:
    exception_batch_free(b);
    journal_accruals_free(v, n);
    return rc;
}
