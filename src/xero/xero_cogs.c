/* xero_cogs — the cost-of-goods journal of a month (units sold, and inventory written off)
 * as one Xero ManualJournal, the same in every posting mode (manual journals carry no currency: the journal is in base_currency).
 * Pure: the journal comes loaded (journal_cogs_load); nothing here reads the ledger. */
#include <stdio.h>
#include <string.h>

#include "xero.h"
#include "xero_int.h"

static int has_writeoff(const struct cogs_view *v)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->lines[i].writeoff)
            return 1;
    return 0;
}

int xero_render_cogs(const struct cogs_view *v, struct xero_reqs *out, struct err *e)
{
    struct jw w;
    struct xero_req q;
    char narration[256];
    int rc;

    if (!v->found || v->n == 0 || v->blocked[0])
        return 0;   /* nothing to book, or held back (the caller says why) */
    xero_journal_req(&q, v->sid, v->month, v->sid);
    q.total_minor = 0;
    for (size_t i = 0; i < v->n; i++)
        q.total_minor += v->lines[i].amount < 0 ? -v->lines[i].amount : 0;   /* the debits */
    /* the narration is what a lookup finds the journal by after a crash: unique per month;
     * a month without write-offs keeps the narration it always had */
    snprintf(narration, sizeof narration, "Cost of goods sold %s: %s, Amazon units sold less "
             "units returned to stock%s, at unit cost (settlebook)", v->month, v->sid,
             has_writeoff(v) ? ", and units lost, damaged or disposed less found written off"
                             : "");
    xero_journal_open(&w, narration, v->date, v->cfg, "NoTax");
    for (size_t i = 0; i < v->n; i++) {
        const struct cogs_view_line *l = &v->lines[i];
        jw_obj(&w);
        jw_kmoney(&w, "LineAmount", -l->amount, v->exp);   /* Xero: debit positive */
        jw_kstr(&w, "AccountCode", l->code);
        jw_kstr(&w, "Description", l->description);
        /* as the settlement and accrual journals do: cost of goods and inventory carry no
         * tax, whatever default tax rate the account has in Xero */
        jw_kstr(&w, "TaxType", "NONE");
        jw_end_obj(&w);
    }
    xero_journal_close(&w);
    rc = xero_reqs_add(out, &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}
