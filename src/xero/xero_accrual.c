/* xero_accrual — the month-end accrual of unsettled Finances API amounts as two Xero
 * ManualJournals: the accrual dated the last day of the period and its exact reversal dated
 * the first day of the next, in whatever posting mode (settlements may be invoices; an
 * accrual is a journal). Pure: struct accrual in, request bodies out; no database, no
 * network. Manual journals carry no currency, so only base-currency accruals render. */
#include <stdio.h>
#include <string.h>

#include "xero_int.h"

static int manual_journal(const struct accrual *a, int reverse, struct xero_reqs *out,
                          struct err *e)
{
    struct jw w;
    struct xero_req q;
    char narration[256];
    int64_t debits = 0;
    int rc;

    char number[96];
    snprintf(number, sizeof number, "AMZ-%s%s", a->id, reverse ? "-R" : "");
    xero_journal_req(&q, a->id, reverse ? a->rev_month : a->month, number);
    if (reverse)
        snprintf(narration, sizeof narration, "%s: reversal of %s, the Amazon amounts not yet "
                 "settled at %s (%s)", q.doc_number, a->id, a->date, a->currency);
    else
        snprintf(narration, sizeof narration, "%s: Amazon amounts posted by %s and not yet "
                 "in a settlement (%s); reversed on %s", q.doc_number, a->date, a->currency,
                 a->rev_date);
    /* sales folded with their VAT are tax-inclusive here as in the settlement's documents,
     * so the accrual moves sales and the VAT return, never the VAT control account */
    xero_journal_open(&w, narration, reverse ? a->rev_date : a->date, a->cfg,
                      xero_journal_amount_types(a->lines, a->n));
    for (size_t i = 0; i < a->n; i++) {
        const struct jv_line *l = &a->lines[i];
        /* Xero's LineAmount is debit-positive, the ledger's credit-positive */
        int64_t v = reverse ? l->amount : -l->amount;
        if (l->amount == 0)
            continue;
        if (v > 0)
            debits += v;
        jw_obj(&w);
        jw_kmoney(&w, "LineAmount", v, a->exp);
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

int xero_render_accrual(const struct accrual *a, struct xero_reqs *out, struct err *e)
{
    size_t lines = 0;
    if (strcmp(a->currency, a->cfg->base_currency) != 0) {
        snprintf(out->blocked, sizeof out->blocked, "The month-end accrual of unsettled Amazon "
                 "amounts at %s is a manual journal, which Xero books in the base currency %s; "
                 "these amounts are in %s and settlebook has no exchange rate.", a->date,
                 a->cfg->base_currency, a->currency);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++)
        lines += a->lines[i].amount != 0;
    if (lines == 0)
        return 0; /* everything nets to zero: Xero refuses a journal without lines */
    if (manual_journal(a, 0, out, e) < 0 || manual_journal(a, 1, out, e) < 0)
        return -1;
    return 0;
}
