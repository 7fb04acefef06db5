/* xero_journal — journal posting: one ManualJournal per settlement month part, the journal
 * lines as they are (Xero's LineAmount is debit-positive, the ledger's credit-positive). */
#include <stdio.h>
#include <string.h>

#include "xero_int.h"

const char *xero_journal_amount_types(const struct jv_line *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].amount != 0 && strcmp(v[i].tax, "NONE") != 0)
            return "Inclusive";
    return "NoTax";
}

static int manual_journal(const struct journal_view *s, const struct jv_part *p,
                          struct xero_reqs *out, struct err *e)
{
    struct jw w;
    struct xero_req q;
    char narration[256];
    int64_t debits = 0;
    size_t lines = 0;
    int rc;

    for (size_t i = 0; i < p->n; i++)
        lines += p->lines[i].amount != 0;
    if (lines == 0)
        return 0; /* every line nets to zero: Xero refuses a journal without lines */
    char number[96];
    xero_doc_number(s, p->part, number, sizeof number);
    xero_journal_req(&q, s->id, p->month, number);
    snprintf(narration, sizeof narration, "%s: Amazon settlement %s (%s to %s) part %d of %d",
             q.doc_number, s->id, s->start, s->end, p->part, p->parts);
    xero_journal_open(&w, narration, p->date, s->cfg, xero_journal_amount_types(p->lines, p->n));
    for (size_t i = 0; i < p->n; i++) {
        const struct jv_line *l = &p->lines[i];
        if (l->amount == 0)
            continue;
        if (l->amount < 0)
            debits -= l->amount;
        jw_obj(&w);
        jw_kmoney(&w, "LineAmount", -l->amount, s->exp);
        jw_kstr(&w, "AccountCode", l->code);
        jw_kstr(&w, "Description", l->description);
        jw_kstr(&w, "TaxType", l->tax);
        xero_tracking(&w, l->tname, l->topt);
        jw_end_obj(&w);
    }
    xero_journal_close(&w);
    q.total_minor = debits;
    rc = xero_reqs_add(out, &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}

int xero_render_journal(const struct journal_view *s, struct xero_reqs *out, struct err *e)
{
    /* Xero's manual journals carry no currency: they post in the organisation's base
     * currency, and converting would need an exchange rate settlebook does not have. */
    if (strcmp(s->currency, s->cfg->base_currency) != 0) {
        snprintf(out->blocked, sizeof out->blocked, "Journal mode posts manual journals, which "
                 "Xero books in the base currency %s; this settlement is in %s.",
                 s->cfg->base_currency, s->currency);
        return 0;
    }
    for (size_t k = 0; k < s->n; k++)
        if (manual_journal(s, &s->parts[k], out, e) < 0)
            return -1;
    return 0;
}
