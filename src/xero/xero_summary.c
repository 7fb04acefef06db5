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
    xero_currency_rate(&w, xero_document_rate(s));
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

/* One Payment against document num from account code. */
static int put_payment(const struct journal_view *s, const char *month, const char *num,
                       const char *code, const char *date, int64_t amount, int64_t rate,
                       const char *ref, struct xero_reqs *out, struct err *e)
{
    struct jw w;
    struct xero_req q;
    int rc;
    memset(&q, 0, sizeof q);
    snprintf(q.settlement_id, sizeof q.settlement_id, "%s", s->id);
    snprintf(q.month, sizeof q.month, "%s", month);
    snprintf(q.doc_number, sizeof q.doc_number, "%s", num);
    snprintf(q.method, sizeof q.method, "PUT");
    snprintf(q.path, sizeof q.path, "/Payments");
    snprintf(q.query, sizeof q.query, "summarizeErrors=false");
    snprintf(q.kind, sizeof q.kind, "payment");
    q.documents = 1;
    q.total_minor = amount;
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
    jw_kstr(&w, "Code", code);
    jw_end_obj(&w);
    jw_kstr(&w, "Date", date);
    jw_kmoney(&w, "Amount", amount, s->exp);
    xero_currency_rate(&w, rate);
    jw_kstr(&w, "Reference", ref);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    rc = xero_reqs_add(out, &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}

/* The deposit, paid from the bank account of the settlement's currency against the final
 * invoice (posting.record_payment): dated on the bank-statement line that shows it
 * (statement, once the ledger holds that line), on the deposit date (deposit), or left to
 * Xero's bank reconciliation (never). A negative settlement's bill is never paid from the
 * bank: nothing left it; the next settlement collects it (chain_payment). Xero takes
 * payments only on AUTHORISED documents, so DRAFT leaves the payment to the user. */
static int payment(const struct journal_view *s, const struct jv_part *p, struct xero_reqs *out,
                   struct err *e)
{
    int64_t total = doc_total(p);
    const char *bank = xero_bank_account(s);
    const char *date;
    char num[96], ref[96];

    if (total <= 0 || s->cfg->record_payment == PAY_NEVER || !bank ||
        strcmp(s->cfg->status, "AUTHORISED") != 0)
        return 0;
    if (s->cfg->record_payment == PAY_STATEMENT && !s->statement_date[0])
        return 0;
    date = s->cfg->record_payment == PAY_STATEMENT ? s->statement_date : s->deposit;
    if (strcmp(date, p->date) < 0)
        date = p->date;
    /* a payout the statement shows converted into the base currency's account: the
     * CurrencyRate is the statement's, so Xero books exactly the amount that arrived */
    xero_doc_number(s, p->part, num, sizeof num);
    snprintf(ref, sizeof ref, "Amazon settlement %s deposit", s->id);
    return put_payment(s, p->month, num, bank, date, total, xero_statement_rate(s), ref, out,
                       e);
}

/* A previous negative settlement that this one carries as "Payable to Amazon": its bill is
 * paid from the clearing account (a non-bank account with payments enabled), dated on the
 * Payable line, which lands on the same account, so the two offset (Link My Books' way).
 * At this settlement's rate, the one its Payable line is converted at, so they offset in the
 * base currency too (the difference to the bill's own rate is Xero's realised gain). */
static int chain_payment(const struct journal_view *s, struct xero_reqs *out, struct err *e)
{
    int64_t amount = -s->payable;
    const char *month = s->parts[0].month;
    char num[96], ref[128];
    if (s->payable >= 0 || s->prev.total >= 0 || s->prev.parts == 0 ||
        strcmp(s->cfg->status, "AUTHORISED") != 0)
        return 0;
    if (amount > -s->prev.total)
        amount = -s->prev.total;  /* never more than the bill (PAYABLE_DISCONTINUITY says why) */
    for (size_t k = 0; k < s->n; k++)
        if (strncmp(s->parts[k].month, s->payable_date, 7) == 0)
            month = s->parts[k].month;
    snprintf(num, sizeof num, "AMZ-%s-%d", s->prev.id, s->prev.parts);
    snprintf(ref, sizeof ref, "Payable to Amazon, settlement %s", s->id);
    return put_payment(s, month, num, s->cfg->accounts[ACCT_CLEARING], s->payable_date, amount,
                       xero_statement_rate(s), ref, out, e);
}

int xero_render_summary(const struct journal_view *s, struct xero_reqs *out, struct err *e)
{
    for (size_t k = 0; k < s->n; k++)
        if (invoice(s, &s->parts[k], out, e) < 0)
            return -1;
    if (chain_payment(s, out, e) < 0)
        return -1;
    return payment(s, &s->parts[s->n - 1], out, e);
}
