/* post — outbox maintenance. A settlement's rendered requests replace its pending rows only
 * when they differ, so reruns leave the ledger byte-identical. */
#include "post.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "journal.h"
#include "xero.h"
#include "post_int.h"

/* Records an error exception of the post stage once (a rerun adds no duplicate). */
static int post_exception(struct ledger *lg, const char *sid, const char *kind,
                          const char *explanation, const char *action, struct err *e)
{
    struct exception_row x = { .kind = kind, .severity = "error", .settlement_id = sid,
                               .explanation = explanation, .action = action };
    return exception_add_once(lg, "post", &x, e);
}

static int conflict(struct ledger *lg, const char *sid, struct err *e)
{
    return post_exception(lg, sid, "POSTED_DOCUMENT_CHANGED", "The documents for this "
                          "settlement would differ from the ones already sent to Xero; nothing "
                          "was re-sent.", "Compare the preview with Xero and correct there "
                          "(credit note or manual journal).", e);
}

int post_rows(const struct xero_reqs *reqs, struct outbox_new **out, struct err *e)
{
    /* room for two rows at least: post_accrual.c fills an accrual pair in place */
    *out = calloc(reqs->n > 2 ? reqs->n : 2, sizeof **out);
    if (!*out)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < reqs->n; i++) {
        const struct xero_req *q = &reqs->v[i];
        (*out)[i] = (struct outbox_new){ .settlement_id = q->settlement_id, .month = q->month,
                                         .doc_number = q->doc_number, .method = q->method,
                                         .path = q->path, .query = q->query, .body = q->body,
                                         .seq = q->seq };
    }
    return 0;
}

static int one(struct ledger *lg, const struct config *cfg, int64_t ref, const char *sid,
               struct post_summary *out, struct err *e)
{
    struct journal_view view = {0};
    struct xero_reqs reqs = {0};
    struct outbox_new *rows = NULL;
    int posted, same, rc = -1;
    if (journal_view_load(lg, cfg, ref, cfg->mode == POST_ORDERS, &view, e) < 0 ||
        xero_render(&view, &reqs, e) < 0)
        goto done;
    if (reqs.blocked[0] ? post_exception(lg, sid, "CURRENCY_MISMATCH", reqs.blocked, "Post "
                                         "this settlement in summary or orders mode, which "
                                         "carry the currency on each document.", e) < 0
                        : exception_clear(lg, "post", "CURRENCY_MISMATCH", sid, NULL, e) < 0)
        goto done;
    if (post_rows(&reqs, &rows, e) < 0 ||
        outbox_compare(lg, sid, rows, reqs.n, &same, &posted, e) < 0)
        goto done;
    out->requests += (int64_t)reqs.n;
    for (size_t i = 0; i < reqs.n; i++)
        out->documents += reqs.v[i].documents;
    if (same) {
        out->unchanged++;
        /* back to what was sent: an earlier difference is resolved */
        if (exception_clear(lg, "post", "POSTED_DOCUMENT_CHANGED", sid, NULL, e) < 0)
            goto done;
    } else if (posted) {
        out->conflicts++;
        if (conflict(lg, sid, e) < 0)
            goto done;
    } else {
        out->written++;
        if (outbox_replace_unposted(lg, sid, rows, reqs.n, e) < 0)
            goto done;
    }
    rc = 0;
done:
    free(rows);
    xero_reqs_free(&reqs);
    journal_view_free(&view);
    return rc;
}

int post_outbox(struct ledger *lg, const struct config *cfg, const char *period,
                struct post_summary *out, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (ledger_prepare(lg, &st, "SELECT s.id, s.settlement_id FROM settlement s WHERE "
                       PERIOD_SCOPE_SQL " ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        char sid[64];
        snprintf(sid, sizeof sid, "%s", (const char *)sqlite3_column_text(st, 1));
        out->settlements++;
        rc = one(lg, cfg, sqlite3_column_int64(st, 0), sid, out, e);
        if (rc < 0)
            err_prefix(e, "settlement %s: ", sid);
    }
    sqlite3_finalize(st);
    return rc < 0 ? -1 : post_accruals(lg, cfg, period, out, e);
}
