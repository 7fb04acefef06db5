/* xero_cogs — the cost-of-goods journal of a month as one Xero ManualJournal, the same in
 * every posting mode (manual journals carry no currency: the journal is in base_currency).
 * Pure: the journal comes loaded (journal_cogs_load); nothing here reads the ledger. */
#include <stdio.h>
#include <string.h>

#include "xero.h"

int xero_render_cogs(const struct cogs_view *v, struct xero_reqs *out, struct err *e)
{
    struct jw w;
    struct xero_req q;
    char narration[256];
    int rc;

    if (!v->found || v->n == 0 || v->blocked[0])
        return 0;   /* nothing to book, or held back (the caller says why) */
    memset(&q, 0, sizeof q);
    snprintf(q.settlement_id, sizeof q.settlement_id, "%s", v->sid);
    snprintf(q.month, sizeof q.month, "%s", v->month);
    snprintf(q.doc_number, sizeof q.doc_number, "%s", v->sid);
    snprintf(q.method, sizeof q.method, "PUT");
    snprintf(q.path, sizeof q.path, "/ManualJournals");
    snprintf(q.query, sizeof q.query, "summarizeErrors=false");
    snprintf(q.kind, sizeof q.kind, "manual-journal");
    q.documents = 1;
    q.total_minor = v->total;
    /* the narration is what a lookup finds the journal by after a crash: unique per month */
    snprintf(narration, sizeof narration, "Cost of goods sold %s: %s, Amazon units sold less "
             "units returned to stock, at unit cost (settlebook)", v->month, v->sid);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_key(&w, "ManualJournals");
    jw_arr(&w);
    jw_obj(&w);
    jw_kstr(&w, "Narration", narration);
    jw_kstr(&w, "Date", v->date);
    jw_kstr(&w, "Status", strcmp(v->cfg->status, "AUTHORISED") == 0 ? "POSTED" : "DRAFT");
    jw_kstr(&w, "LineAmountTypes", "NoTax");
    jw_key(&w, "JournalLines");
    jw_arr(&w);
    for (size_t i = 0; i < v->n; i++) {
        const struct cogs_view_line *l = &v->lines[i];
        jw_obj(&w);
        jw_kmoney(&w, "LineAmount", -l->amount, v->exp);   /* Xero: debit positive */
        jw_kstr(&w, "AccountCode", l->code);
        jw_kstr(&w, "Description", l->description);
        jw_end_obj(&w);
    }
    jw_end_arr(&w);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    rc = xero_reqs_add(out, &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}
