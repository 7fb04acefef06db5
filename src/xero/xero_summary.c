/* xero_summary — summary posting: per settlement month part one invoice to the marketplace
 * contact (a bill when the part is negative), lines grouped as the journal groups them, and
 * the deposit as a payment against the final document. */
#include <stdio.h>
#include <string.h>

#include "xero_int.h"

/* Sum of a part's document lines: everything but the clearing line. */
static int64_t doc_total(const struct jv_part *p)
{
    int64_t t = 0;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->lines[i].role, "clearing") != 0)
            t += p->lines[i].amount;
    return t;
}

/* Lines the part's document would carry; Xero refuses an invoice without line items, so a
 * part whose lines all net to zero gets no document. */
static size_t doc_lines(const struct jv_part *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += strcmp(p->lines[i].role, "clearing") != 0 && p->lines[i].amount != 0;
    return n;
}

static const char *amount_types(const struct jv_part *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->lines[i].role, "clearing") != 0 && strcmp(p->lines[i].tax, "NONE") != 0)
            return "Inclusive";
    return "NoTax";
}

static void line_items(struct jw *w, const struct journal_view *s, const struct jv_part *p, int sign)
{
    jw_key(w, "LineItems");
    jw_arr(w);
    for (size_t i = 0; i < p->n; i++) {
        const struct jv_line *l = &p->lines[i];
        if (strcmp(l->role, "clearing") == 0 || l->amount == 0)
            continue;
        jw_obj(w);
        jw_kstr(w, "Description", l->description);
        jw_kmoney(w, "Quantity", 1, 0);
        jw_kmoney(w, "UnitAmount", sign * l->amount, s->exp);
        jw_kstr(w, "AccountCode", l->code);
        jw_kstr(w, "TaxType", l->tax);
        jw_kmoney(w, "LineAmount", sign * l->amount, s->exp);
        xero_tracking(w, l->tname, l->topt);
        jw_end_obj(w);
    }
    jw_end_arr(w);
}

static int invoice(const struct journal_view *s, const struct jv_part *p, struct xero_reqs *out,
                   struct err *e)
{
    struct jw w;
    struct xero_req q;
    int64_t total = doc_total(p);
    int bill = total < 0;
    char ref[160];
    int rc;

    if (doc_lines(p) == 0)
        return 0;
    memset(&q, 0, sizeof q);
    snprintf(q.settlement_id, sizeof q.settlement_id, "%s", s->id);
    snprintf(q.month, sizeof q.month, "%s", p->month);
    xero_doc_number(s, p->part, q.doc_number, sizeof q.doc_number);
    snprintf(q.method, sizeof q.method, "PUT");
    snprintf(q.path, sizeof q.path, "/Invoices");
    snprintf(q.query, sizeof q.query, "summarizeErrors=false");
    snprintf(q.kind, sizeof q.kind, "%s", bill ? "bill" : "invoice");
    q.documents = 1;
    q.total_minor = total;
    snprintf(ref, sizeof ref, "Amazon settlement %s (%s to %s) part %d of %d", s->id, s->start,
             s->end, p->part, p->parts);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_key(&w, "Invoices");
    jw_arr(&w);
    jw_obj(&w);
    jw_kstr(&w, "Type", bill ? "ACCPAY" : "ACCREC");
    jw_key(&w, "Contact");
    jw_obj(&w);
    jw_kstr(&w, "Name", s->mk ? s->mk->contact : s->marketplace);
    jw_end_obj(&w);
    jw_kstr(&w, "Date", p->date);
    jw_kstr(&w, "DueDate", strcmp(s->deposit, p->date) > 0 ? s->deposit : p->date);
    jw_kstr(&w, "InvoiceNumber", q.doc_number);
    jw_kstr(&w, "Reference", ref);
    jw_kstr(&w, "CurrencyCode", s->currency);
    jw_kstr(&w, "Status", s->cfg->status);
    jw_kstr(&w, "LineAmountTypes", amount_types(p));
    line_items(&w, s, p, bill ? -1 : 1);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    rc = xero_reqs_add(out, &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}

/* The deposit, paid from the bank account against the final document. Xero takes payments
 * only on AUTHORISED documents, so DRAFT mode leaves the payment to the user. */
static int payment(const struct journal_view *s, const struct jv_part *p, struct xero_reqs *out,
                   struct err *e)
{
    struct jw w;
    struct xero_req q;
    int64_t total = doc_total(p);
    char num[96], ref[96];
    int rc;

    if (!s->cfg->record_payment || total == 0 || strcmp(s->cfg->status, "AUTHORISED") != 0)
        return 0;
    memset(&q, 0, sizeof q);
    xero_doc_number(s, p->part, num, sizeof num);
    snprintf(q.settlement_id, sizeof q.settlement_id, "%s", s->id);
    snprintf(q.month, sizeof q.month, "%s", p->month);
    snprintf(q.doc_number, sizeof q.doc_number, "%s", num);
    snprintf(q.method, sizeof q.method, "PUT");
    snprintf(q.path, sizeof q.path, "/Payments");
    snprintf(q.query, sizeof q.query, "summarizeErrors=false");
    snprintf(q.kind, sizeof q.kind, "payment");
    q.documents = 1;
    q.total_minor = total < 0 ? -total : total;
    snprintf(ref, sizeof ref, "Amazon settlement %s deposit", s->id);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_key(&w, "Payments");
    jw_arr(&w);
    jw_obj(&w);
    jw_key(&w, "Invoice");
    jw_obj(&w);
    jw_kstr(&w, "InvoiceNumber", num);
    jw_end_obj(&w);
    jw_key(&w, "Account");
    jw_obj(&w);
    jw_kstr(&w, "Code", s->cfg->accounts[ACCT_BANK]);
    jw_end_obj(&w);
    jw_kstr(&w, "Date", strcmp(s->deposit, p->date) > 0 ? s->deposit : p->date);
    jw_kmoney(&w, "Amount", q.total_minor, s->exp);
    jw_kstr(&w, "Reference", ref);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    rc = xero_reqs_add(out, &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}

int xero_render_summary(const struct journal_view *s, struct xero_reqs *out, struct err *e)
{
    for (size_t k = 0; k < s->n; k++)
        if (invoice(s, &s->parts[k], out, e) < 0)
            return -1;
    return payment(s, &s->parts[s->n - 1], out, e);
}
