/* xero_orders_docs — the documents of orders posting, batched per kind and month, and the
 * check that they carry exactly the journals' amounts per account. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xero_orders_int.h"

static const struct { const char *kind, *path, *key, *query; } kinds[K_COUNT] = {
    { "invoice", "/Invoices", "Invoices", "summarizeErrors=false" },
    { "credit-note", "/CreditNotes", "CreditNotes", "summarizeErrors=false" },
    { "allocation", "/CreditNotes", "Allocations", "summarizeErrors=false" },
    { "payment", "/Payments", "Payments", "summarizeErrors=false" },
    { "refund", "/Payments", "Payments", "summarizeErrors=false" },
    { "bill", "/Invoices", "Invoices", "summarizeErrors=false" },
    { "supplier-credit", "/CreditNotes", "CreditNotes", "summarizeErrors=false" },
    { "bill-payment", "/Payments", "Payments", "summarizeErrors=false" },
    { "bank-transaction", "/BankTransactions", "BankTransactions", "summarizeErrors=false" },
};

void xero_order_reset(struct order *o)
{
    free(o->sale);
    free(o->refund);
    memset(o, 0, sizeof *o);
}

/* Adds credit to account code of month (the first 7 characters of a date). */
static int acct_add(struct octx *o, const char *month, const char *code, int64_t credit,
                    struct err *e)
{
    for (size_t i = 0; i < o->nacct; i++)
        if (strncmp(o->acct[i].month, month, 7) == 0 && strcmp(o->acct[i].code, code) == 0) {
            o->acct[i].amount += credit;
            return 0;
        }
    if (o->nacct == sizeof o->acct / sizeof o->acct[0])
        return err_set(e, ERR_INTERNAL, "more than %zu accounts and months in one settlement",
                       sizeof o->acct / sizeof o->acct[0]);
    snprintf(o->acct[o->nacct].month, sizeof o->acct[0].month, "%.7s", month);
    snprintf(o->acct[o->nacct].code, sizeof o->acct[0].code, "%s", code);
    o->acct[o->nacct++].amount = credit;
    return 0;
}

static int close_batch(struct octx *o, struct obatch *b, int kind, struct err *e)
{
    struct xero_req q;
    int rc;
    if (!b->docs)
        return 0;
    jw_end_arr(&b->w);
    jw_end_obj(&b->w);
    memset(&q, 0, sizeof q);
    snprintf(q.settlement_id, sizeof q.settlement_id, "%s", o->s->id);
    snprintf(q.month, sizeof q.month, "%s", b->month);
    snprintf(q.doc_number, sizeof q.doc_number, "%s", b->first);
    snprintf(q.method, sizeof q.method, "PUT");
    snprintf(q.path, sizeof q.path, "%s", kinds[kind].path);
    /* only a request with a 4-decimal unit amount asks for them: the others stay as they
     * were sent (their idempotency keys hash the query) */
    snprintf(q.query, sizeof q.query, "%s%s", kinds[kind].query, b->unitdp ? "&unitdp=4" : "");
    snprintf(q.kind, sizeof q.kind, "%s", kinds[kind].kind);
    q.documents = b->docs;
    q.total_minor = b->total;
    rc = xero_reqs_add(&o->staged[kind], &q, jw_text(&b->w), e);
    jw_free(&b->w);
    b->docs = 0;
    b->total = 0;
    b->unitdp = 0;
    return rc;
}

/* The open batch for (kind, month), with its document array started. */
static struct obatch *batch(struct octx *o, int kind, const char *month, const char *number,
                            struct err *e)
{
    struct obatch *b = NULL;
    for (size_t i = 0; i < o->nb; i++)
        if (o->batches[i].kind == kind && !strcmp(o->batches[i].month, month))
            b = &o->batches[i];
    if (!b) {
        if (o->nb == sizeof o->batches / sizeof o->batches[0]) {
            err_set(e, ERR_INTERNAL, "too many document batches");
            return NULL;
        }
        b = &o->batches[o->nb++];
        memset(b, 0, sizeof *b);
        b->kind = kind;
        snprintf(b->month, sizeof b->month, "%s", month);
    }
    if (b->docs == 0) {
        jw_init(&b->w, 0);
        jw_obj(&b->w);
        jw_key(&b->w, kinds[kind].key);
        jw_arr(&b->w);
        snprintf(b->first, sizeof b->first, "%s", number);
    }
    return b;
}

static int done_doc(struct octx *o, struct obatch *b, int kind, int64_t total, struct err *e)
{
    b->docs++;
    b->total += total;
    b->unitdp |= o->unitdp;
    o->unitdp = 0;
    return b->docs == XERO_BATCH_MAX ? close_batch(o, b, kind, e) : 0;
}

static const char *amount_types(const struct oline *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].amount != 0 && strcmp(v[i].tax, "NONE") != 0)
            return "Inclusive";
    return "NoTax";
}

/* A line of amt for q units as Xero takes it: Xero computes LineAmount as Quantity x
 * UnitAmount rounded to 2 decimals, UnitAmount itself to 2 decimals, or 4 when the request
 * asks unitdp=4 (developer.xero.com/documentation/api-guides/rounding-in-xero). So the units
 * keep their quantity, with the fewest decimals (exp up to 4) at which amt / q is exact
 * (2 x 49.995 = 99.99); when it is exact at none (100.00 / 3), q - 1 units at the unit
 * rounded down and one unit at the rest (2 x 33.33 + 1 x 33.34): two lines of the item, each
 * exact, so the item's stock moves by q and the totals are Amazon's to the minor unit. */
struct units {
    int n, dp;                 /* lines (1 or 2); decimals of unit[] */
    int64_t qty[2], unit[2], amount[2];
};

#define UNIT_DP_MAX 4   /* Xero's unitdp=4 */
#define UNIT_DP_PLAIN 2 /* what Xero takes without unitdp (no more than the currency has) */

/* A VAT-inclusive line whose VAT, as Xero computes it (per line item: a split line's two
 * parts each), is not the tax Amazon charged and settlebook folded into it (beyond a minor
 * unit): noted for VAT_MISMATCH. */
static int vat_check(struct octx *o, const struct oline *l, const struct units *u, int64_t vat,
                     const char *doc, const char *desc, struct err *e)
{
    struct xero_reqs *r = o->out;
    int64_t amt = 0, xero = 0, d;
    for (int k = 0; k < u->n; k++) {
        int64_t t;
        if (l->vat_rate_bp <= 0 || money_inclusive_tax(u->amount[k], l->vat_rate_bp, &t) < 0)
            return 0;
        amt += u->amount[k];
        xero += t;
    }
    if (amt == 0)
        return 0;
    d = xero - vat;
    if (d <= 1 && d >= -1)
        return 0;
    struct xero_vat_line *p = realloc(r->vat, (r->n_vat + 1) * sizeof *p);
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    r->vat = p;
    p = &r->vat[r->n_vat++];
    memset(p, 0, sizeof *p);
    snprintf(p->doc, sizeof p->doc, "%s", doc);
    snprintf(p->description, sizeof p->description, "%s", desc);
    snprintf(p->code, sizeof p->code, "%s", l->code);
    snprintf(p->sku, sizeof p->sku, "%s", l->sku);
    p->amount = amt;
    p->vat = vat;
    p->xero = xero;
    p->rate_bp = l->vat_rate_bp;
    return 0;
}

/* A line's description: the SKU, then what the amount is. A promotion names itself as one
 * ("TEA-80 Promotion", "0012/A+B Promotion: Shipping"), not by the amount it discounts, which
 * would read as a negative sale of it. */
static void line_desc(const struct oline *l, char *out, size_t cap)
{
    const char *what = l->description[0] ? l->description : l->category;
    const char *sp = l->sku[0] ? " " : "";
    if (strcmp(l->category, "Promotions") != 0)
        snprintf(out, cap, "%s%s%s", l->sku, sp, what);
    else if (!l->description[0] || strcmp(l->description, "Principal") == 0)
        snprintf(out, cap, "%s%sPromotion", l->sku, sp);
    else
        snprintf(out, cap, "%s%sPromotion: %s", l->sku, sp, l->description);
}

static void units_split(int64_t amt, int64_t q, int exp, struct units *u)
{
    int64_t scaled = amt;
    memset(u, 0, sizeof *u);
    u->n = 1;
    u->dp = exp;
    u->qty[0] = q > 1 ? q : 1;
    u->unit[0] = u->amount[0] = amt;
    if (q <= 1)
        return;
    for (int dp = exp; dp <= UNIT_DP_MAX; dp++, scaled *= 10)
        if (scaled % q == 0) {
            u->unit[0] = scaled / q;
            u->dp = dp;
            return;
        }
    u->n = 2;
    u->qty[0] = q - 1;
    u->unit[0] = amt / q;
    u->amount[0] = (q - 1) * u->unit[0];
    u->qty[1] = 1;
    u->unit[1] = u->amount[1] = amt - u->amount[0];
}

/* One line item; item "" names none. */
static void put_line(struct jw *w, const struct oline *l, const char *desc, const char *item,
                     const struct units *u, int k, int exp)
{
    jw_obj(w);
    jw_kstr(w, "Description", desc);
    if (item[0])
        jw_kstr(w, "ItemCode", item);
    jw_kint(w, "Quantity", u->qty[k]);
    jw_kmoney(w, "UnitAmount", u->unit[k], u->dp);
    jw_kstr(w, "AccountCode", l->code);
    jw_kstr(w, "TaxType", l->tax);
    jw_kmoney(w, "LineAmount", u->amount[k], exp);
    xero_tracking(w, l->tname, l->topt);
    jw_end_obj(w);
}

/* Line items of document doc; sign turns credit-positive amounts into document amounts.
 * ItemCode only on sales documents (purchase set: a bill names no item: Xero would want it
 * purchased) and only for an item Xero has or the outbox creates: Xero refuses the whole
 * document for an unknown code ("Item code 'X' is not valid"). A unit amount of more than
 * 2 decimals sets o->unitdp: the request then asks unitdp=4. */
static int items(struct octx *o, struct jw *w, const struct oline *v, size_t n, int sign,
                 int purchase, const char *doc, struct err *e)
{
    int exp = o->s->exp;
    jw_key(w, "LineItems");
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        const struct oline *l = &v[i];
        int64_t amt = sign * l->amount, q = l->quantity;
        char desc[192], item[TEXT_ITEM_CODE_MAX] = "";   /* Xero codes hold 30 characters */
        struct units u;
        if (l->amount == 0)
            continue;
        if (acct_add(o, l->date, l->code, l->amount, e) < 0)
            return -1;
        /* a negative line (a promotion's Principal) is no sale of the item: an ItemCode
         * there would move a tracked item's stock */
        int per_unit = strcmp(l->description, "Principal") == 0 && l->sku[0] && q > 0 &&
                       amt > 0;
        line_desc(l, desc, sizeof desc);
        units_split(amt, per_unit ? q : 1, exp, &u);
        if (vat_check(o, l, &u, sign * l->vat, doc, desc, e) < 0)
            return -1;
        if (per_unit && !purchase && o->s->item_known) {
            text_item_code(l->sku, item);
            if (!o->s->item_known(o->s->item_arg, item))
                item[0] = '\0';
        }
        o->unitdp |= u.dp > (exp < UNIT_DP_PLAIN ? exp : UNIT_DP_PLAIN);
        for (int k = 0; k < u.n; k++)
            put_line(w, l, desc, item, &u, k, exp);
    }
    jw_end_arr(w);
    return 0;
}

static int64_t sum(const struct oline *v, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += v[i].amount;
    return t;
}

static void doc_head(struct octx *o, struct jw *w, const char *type, const char *contact,
                     const char *date, const char *numkey, const char *number, const char *ref)
{
    jw_obj(w);
    jw_kstr(w, "Type", type);
    jw_key(w, "Contact");
    jw_obj(w);
    jw_kstr(w, "Name", contact);
    jw_end_obj(w);
    jw_kstr(w, "Date", date);
    if (strcmp(numkey, "InvoiceNumber") == 0)
        jw_kstr(w, "DueDate", date);
    jw_kstr(w, numkey, number);
    jw_kstr(w, "Reference", ref);
    jw_kstr(w, "CurrencyCode", o->s->currency);
    xero_currency_rate(w, o->doc_rate);
    jw_kstr(w, "Status", o->s->cfg->status);
}

static int payment(struct octx *o, int kind, const char *month, const char *doc_key,
                   const char *number, const char *account, const char *date, int64_t amount,
                   struct err *e)
{
    struct obatch *b;
    char ref[96];
    if (amount <= 0 || strcmp(o->s->cfg->status, "AUTHORISED") != 0)
        return 0;
    if (!(b = batch(o, kind, month, number, e)))
        return -1;
    snprintf(ref, sizeof ref, "Amazon settlement %s", o->s->id);
    jw_obj(&b->w);
    jw_key(&b->w, doc_key);
    jw_obj(&b->w);
    jw_kstr(&b->w, strcmp(doc_key, "Invoice") == 0 ? "InvoiceNumber" : "CreditNoteNumber",
            number);
    jw_end_obj(&b->w);
    jw_key(&b->w, "Account");
    jw_obj(&b->w);
    jw_kstr(&b->w, "Code", account);
    jw_end_obj(&b->w);
    jw_kstr(&b->w, "Date", date);
    jw_kmoney(&b->w, "Amount", amount, o->s->exp);
    xero_currency_rate(&b->w, o->pay_rate);
    jw_kstr(&b->w, "Reference", ref);
    jw_end_obj(&b->w);
    return done_doc(o, b, kind, amount, e);
}

static void customer(const struct octx *o, char *out, size_t cap)
{
    snprintf(out, cap, "%s Customers", o->s->mk ? o->s->mk->contact : o->s->marketplace);
}

static int invoice(struct octx *o, const struct order *d, int64_t total, const char *number,
                   struct err *e)
{
    char month[8], ref[128], who[128];
    struct obatch *b;
    snprintf(month, sizeof month, "%.7s", d->sale_date);
    if (!(b = batch(o, K_INVOICE, month, number, e)))
        return -1;
    snprintf(ref, sizeof ref, "Amazon order %s (settlement %s)", d->id, o->s->id);
    customer(o, who, sizeof who);
    doc_head(o, &b->w, "ACCREC", who, d->sale_date, "InvoiceNumber", number, ref);
    jw_kstr(&b->w, "LineAmountTypes", amount_types(d->sale, d->sale_n));
    if (items(o, &b->w, d->sale, d->sale_n, 1, 0, number, e) < 0)
        return -1;
    jw_end_obj(&b->w);
    return done_doc(o, b, K_INVOICE, total, e);
}

static int credit_note(struct octx *o, const struct order *d, int64_t total, const char *number,
                       struct err *e)
{
    char month[8], ref[128], who[128];
    struct obatch *b;
    snprintf(month, sizeof month, "%.7s", d->refund_date);
    if (!(b = batch(o, K_CREDIT, month, number, e)))
        return -1;
    snprintf(ref, sizeof ref, "Amazon refund of order %s (settlement %s)", d->id, o->s->id);
    customer(o, who, sizeof who);
    doc_head(o, &b->w, "ACCRECCREDIT", who, d->refund_date, "CreditNoteNumber", number, ref);
    jw_kstr(&b->w, "LineAmountTypes", amount_types(d->refund, d->refund_n));
    if (items(o, &b->w, d->refund, d->refund_n, -1, 0, number, e) < 0)
        return -1;
    jw_end_obj(&b->w);
    return done_doc(o, b, K_CREDIT, total, e);
}

/* The refund's credit note allocated to the order's invoice. Xero allocates a credit note
 * only once it exists, by PUT /CreditNotes/{CreditNoteID}/Allocations naming the invoice by
 * its InvoiceID (Allocation in tests/spec/xero; allocations inside PUT /CreditNotes are not
 * applied). Neither id exists before the documents are created, so the request names them
 * by number in placeholders ({CreditNoteID:<number>}, {InvoiceID:<number>}) that live
 * posting replaces with the ids Xero returned for them (xero_send_refs.c). One request per
 * credit note, after the credit notes, before the payments. */
static int allocation(struct octx *o, const char *month, const char *cn_no,
                      const char *inv_no, int64_t amount, const char *date, struct err *e)
{
    struct xero_req q;
    struct jw w;
    char ref[160];
    int rc;
    memset(&q, 0, sizeof q);
    snprintf(q.settlement_id, sizeof q.settlement_id, "%s", o->s->id);
    snprintf(q.month, sizeof q.month, "%s", month);
    snprintf(q.doc_number, sizeof q.doc_number, "%s", cn_no);
    snprintf(q.method, sizeof q.method, "PUT");
    if ((size_t)snprintf(q.path, sizeof q.path, "/CreditNotes/{" XERO_REF_CREDIT_NOTE "%s}"
                         "/Allocations", cn_no) >= sizeof q.path)
        return err_set(e, ERR_INPUT, "credit note number %s too long", cn_no);
    snprintf(q.query, sizeof q.query, "summarizeErrors=false");
    snprintf(q.kind, sizeof q.kind, "allocation");
    q.documents = 1;
    q.total_minor = amount;
    snprintf(ref, sizeof ref, "{" XERO_REF_INVOICE "%s}", inv_no);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_key(&w, "Allocations");
    jw_arr(&w);
    jw_obj(&w);
    jw_key(&w, "Invoice");
    jw_obj(&w);
    jw_kstr(&w, "InvoiceID", ref);
    jw_end_obj(&w);
    jw_kmoney(&w, "Amount", amount, o->s->exp);
    jw_kstr(&w, "Date", date);
    jw_end_obj(&w);
    jw_end_arr(&w);
    jw_end_obj(&w);
    rc = xero_reqs_add(&o->staged[K_ALLOC], &q, jw_text(&w), e);
    jw_free(&w);
    return rc;
}

/* Moves lines that cannot stand as their own document (a negative invoice, a positive
 * refund) onto the settlement's bill. */
static int to_bill(struct octx *o, const struct oline *v, size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        struct oline l = v[i];
        l.sku[0] = '\0';
        if (xero_orders_bill_add(o, &l, e) < 0)
            return -1;
    }
    return 0;
}

static int any_nonzero(const struct oline *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].amount != 0)
            return 1;
    return 0;
}

/* The documents of one order within one month. An order with no customer amount (an MCF
 * order: principal 0.00, its fees on the bill) gets no invoice: Xero refuses one without
 * lines. */
static int flush_month(struct octx *o, struct order *d, const char *suffix, struct err *e)
{
    int64_t inv = sum(d->sale, d->sale_n), cn = -sum(d->refund, d->refund_n);
    char inv_no[180], cn_no[180], month[8];
    const char *clearing = o->s->cfg->accounts[ACCT_CLEARING];
    int allocate;

    snprintf(inv_no, sizeof inv_no, "AMZ-%s-%s%s", o->s->id, d->id, suffix);
    snprintf(cn_no, sizeof cn_no, "AMZ-%s-%s%s-R", o->s->id, d->id, suffix);
    if (d->sale_n && inv < 0 && to_bill(o, d->sale, d->sale_n, e) < 0)
        return -1;
    if (d->refund_n && cn < 0 && to_bill(o, d->refund, d->refund_n, e) < 0)
        return -1;
    int has_inv = d->sale_n && inv >= 0 && any_nonzero(d->sale, d->sale_n);
    int has_cn = d->refund_n && cn > 0;
    allocate = has_inv && has_cn && cn <= inv;
    if (has_inv && invoice(o, d, inv, inv_no, e) < 0)
        return -1;
    if (has_cn && credit_note(o, d, cn, cn_no, e) < 0)
        return -1;
    /* Xero allocates authorised credit notes only (a draft one is allocated by hand) */
    if (allocate && !strcmp(o->s->cfg->status, "AUTHORISED")) {
        snprintf(month, sizeof month, "%.7s", d->refund_date);
        if (allocation(o, month, cn_no, inv_no, cn,
                       strcmp(d->refund_date, d->sale_date) > 0 ? d->refund_date
                                                                : d->sale_date, e) < 0)
            return -1;
    }
    if (has_inv) {
        snprintf(month, sizeof month, "%.7s", d->sale_date);
        if (payment(o, K_PAY, month, "Invoice", inv_no, clearing, allocate &&
                    strcmp(d->refund_date, d->sale_date) > 0 ? d->refund_date : d->sale_date,
                    inv - (allocate ? cn : 0), e) < 0)
            return -1;
    }
    if (has_cn && !allocate) {
        snprintf(month, sizeof month, "%.7s", d->refund_date);
        if (payment(o, K_REFUND, month, "CreditNote", cn_no, clearing, d->refund_date, cn, e) < 0)
            return -1;
    }
    return 0;
}

/* Copies the lines of v in month m into out (a view: the lines are copied by value). */
static size_t pick_month(const struct oline *v, size_t n, const char *m, struct oline *out,
                         char date[11])
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(v[i].date, m, 7)) {
            out[k++] = v[i];
            if (!date[0] || strcmp(v[i].date, date) < 0)
                snprintf(date, 11, "%s", v[i].date);
        }
    return k;
}

static int month_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* An order's documents, one set per month its lines fall in, so each month's documents
 * carry exactly that month's lines: AMZ-<settlement>-<order> for its first month,
 * AMZ-<settlement>-<order>-<YYYY-MM> for each later one. */
int xero_orders_flush(struct octx *o, struct order *d, struct err *e)
{
    char months[8][8], suffix[16];
    size_t nm = 0;
    int rc = 0;
    for (size_t i = 0; i < d->sale_n + d->refund_n; i++) {
        const struct oline *l = i < d->sale_n ? &d->sale[i] : &d->refund[i - d->sale_n];
        size_t k = 0;
        while (k < nm && strncmp(months[k], l->date, 7) != 0)
            k++;
        if (k == nm && nm < sizeof months / sizeof months[0])
            snprintf(months[nm++], 8, "%.7s", l->date);
    }
    if (nm <= 1)
        return flush_month(o, d, "", e);
    qsort(months, nm, sizeof months[0], month_cmp);
    for (size_t k = 0; rc == 0 && k < nm; k++) {
        struct order m;
        memset(&m, 0, sizeof m);
        snprintf(m.id, sizeof m.id, "%s", d->id);
        m.sale = d->sale_n ? malloc(d->sale_n * sizeof *m.sale) : NULL;
        m.refund = d->refund_n ? malloc(d->refund_n * sizeof *m.refund) : NULL;
        if ((d->sale_n && !m.sale) || (d->refund_n && !m.refund))
            rc = err_set(e, ERR_NOMEM, "out of memory");
        else {
            m.sale_n = pick_month(d->sale, d->sale_n, months[k], m.sale, m.sale_date);
            m.refund_n = pick_month(d->refund, d->refund_n, months[k], m.refund,
                                    m.refund_date);
            snprintf(suffix, sizeof suffix, "%s%s", k == 0 ? "" : "-", k == 0 ? "" : months[k]);
            rc = flush_month(o, &m, suffix, e);
        }
        free(m.sale);
        free(m.refund);
    }
    return rc;
}

/* The date of month m's document: the settlement's part date for that month (month end for
 * an earlier part, the settlement's end for the final one). */
static const char *part_date(const struct journal_view *s, const char *m)
{
    for (size_t k = 0; k < s->n; k++)
        if (!strcmp(s->parts[k].month, m))
            return s->parts[k].date;
    return s->parts[s->n - 1].date;
}

/* One document of Amazon's amounts for month m: a bill of fees and other amounts (a supplier
 * credit when Amazon owes), or with income set an invoice of liquidation proceeds, paid from
 * clearing. The final month keeps the plain number (AMZ-<id>-FEES, AMZ-<id>-LIQ), earlier
 * months add -<YYYY-MM>. */
static int amazon_doc(struct octx *o, const struct oline *all, size_t n, const char *m,
                      int income, const char *last_month, struct err *e)
{
    struct oline *v = malloc((n ? n : 1) * sizeof *v);
    char number[120], ref[160], first[11] = "";
    const char *contact = o->s->mk ? o->s->mk->contact : o->s->marketplace;
    const char *date = part_date(o->s, m);
    size_t k;
    int64_t total;
    int credit, kind, pay, rc = -1;
    struct obatch *b;
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    k = pick_month(all, n, m, v, first);
    total = income ? sum(v, k) : -sum(v, k);
    credit = total < 0;
    kind = income ? K_INVOICE : credit ? K_BILLCREDIT : K_BILL;
    pay = income ? K_PAY : K_BILLPAY;
    if (!any_nonzero(v, k) || (income && credit)) {
        rc = income && credit ? to_bill(o, v, k, e) : 0;
        goto done;
    }
    snprintf(number, sizeof number, "AMZ-%s-%s%s%s", o->s->id, income ? "LIQ" : "FEES",
             strcmp(m, last_month) ? "-" : "", strcmp(m, last_month) ? m : "");
    snprintf(ref, sizeof ref, income ? "Amazon liquidation proceeds, settlement %s"
             : "Amazon fees and other amounts, settlement %s", o->s->id);
    if (!(b = batch(o, kind, m, number, e)))
        goto done;
    doc_head(o, &b->w, income ? "ACCREC" : credit ? "ACCPAYCREDIT" : "ACCPAY", contact, date,
             credit ? "CreditNoteNumber" : "InvoiceNumber", number, ref);
    jw_kstr(&b->w, "LineAmountTypes", amount_types(v, k));
    if (items(o, &b->w, v, k, income || credit ? 1 : -1, !income, number, e) < 0)
        goto done;
    jw_end_obj(&b->w);
    if (done_doc(o, b, kind, credit ? -total : total, e) < 0)
        goto done;
    rc = payment(o, pay, m, credit ? "CreditNote" : "Invoice", number,
                 o->s->cfg->accounts[ACCT_CLEARING], date, credit ? -total : total, e);
done:
    free(v);
    return rc;
}

/* Amazon's documents for every month the lines of v fall in, earliest first. */
static int amazon_docs(struct octx *o, const struct oline *v, size_t n, int income,
                       const struct jv_part *last, struct err *e)
{
    for (size_t k = 0; k < o->s->n; k++) {
        const char *m = o->s->parts[k].month;
        int used = 0;
        for (size_t i = 0; i < n && !used; i++)
            used = !strncmp(v[i].date, m, 7);
        if (used && amazon_doc(o, v, n, m, income, last->month, e) < 0)
            return -1;
    }
    return 0;
}

/* The payout as a receive-money BankTransaction into the bank account of the settlement's
 * currency, coded to the clearing account the documents were paid from (a BankTransfer
 * needs two bank accounts, and clearing is not one). Dated as posting.record_payment says;
 * a negative settlement pays out nothing (the next settlement collects it). */
static int receive(struct octx *o, const struct jv_part *last, struct err *e)
{
    const struct journal_view *s = o->s;
    const char *bank = xero_bank_account(s);
    const char *date = s->cfg->record_payment == PAY_STATEMENT ? s->statement_date : s->deposit;
    struct obatch *b;
    char number[96], ref[96];
    /* a BankTransaction is in its bank account's currency: a payout converted into the base
     * currency's account is received as the statement shows it, or left to reconciliation */
    int64_t amount = s->converted ? s->statement_base : s->total;
    int exp = s->converted ? money_exponent(s->cfg->base_currency) : s->exp;
    if (s->total <= 0 || !bank || s->cfg->record_payment == PAY_NEVER || !date[0] ||
        amount <= 0)
        return 0;
    if (strcmp(date, last->date) < 0)
        date = last->date;
    snprintf(number, sizeof number, "AMZ-%s-PAYOUT", s->id);
    snprintf(ref, sizeof ref, "Amazon settlement %s payout", s->id);
    if (!(b = batch(o, K_TRANSFER, last->month, number, e)))
        return -1;
    jw_obj(&b->w);
    jw_kstr(&b->w, "Type", "RECEIVE");
    jw_key(&b->w, "Contact");
    jw_obj(&b->w);
    jw_kstr(&b->w, "Name", s->mk ? s->mk->contact : s->marketplace);
    jw_end_obj(&b->w);
    jw_key(&b->w, "BankAccount");
    jw_obj(&b->w);
    jw_kstr(&b->w, "Code", bank);
    jw_end_obj(&b->w);
    jw_kstr(&b->w, "Date", date);
    jw_kstr(&b->w, "Reference", ref);
    jw_kstr(&b->w, "CurrencyCode", s->converted ? s->cfg->base_currency : s->currency);
    jw_kstr(&b->w, "LineAmountTypes", "NoTax");
    jw_key(&b->w, "LineItems");
    jw_arr(&b->w);
    jw_obj(&b->w);
    jw_kstr(&b->w, "Description", ref);
    jw_kmoney(&b->w, "Quantity", 1, 0);
    jw_kmoney(&b->w, "UnitAmount", amount, exp);
    jw_kstr(&b->w, "AccountCode", s->cfg->accounts[ACCT_CLEARING]);
    jw_kstr(&b->w, "TaxType", "NONE");
    jw_kmoney(&b->w, "LineAmount", amount, exp);
    jw_end_obj(&b->w);
    jw_end_arr(&b->w);
    jw_end_obj(&b->w);
    return done_doc(o, b, K_TRANSFER, amount, e);
}

int xero_orders_finish(struct octx *o, struct err *e)
{
    const struct jv_part *last = &o->s->parts[o->s->n - 1];
    /* liquidation income first: a negative one moves to the bill */
    if (amazon_docs(o, o->liq, o->liq_n, 1, last, e) < 0 ||
        amazon_docs(o, o->bill, o->bill_n, 0, last, e) < 0 || receive(o, last, e) < 0)
        return -1;
    for (size_t i = 0; i < o->nb; i++)
        if (close_batch(o, &o->batches[i], o->batches[i].kind, e) < 0)
            return -1;
    for (int k = 0; k < K_COUNT; k++)
        for (size_t i = 0; i < o->staged[k].n; i++)
            if (xero_reqs_add(o->out, &o->staged[k].v[i], o->staged[k].v[i].body, e) < 0)
                return -1;
    return 0;
}

/* Each month's documents must carry, per account, exactly what that month's journal part
 * carries (everything but the carried-forward and clearing sides, which payments and the
 * payout stand for): the month cut-off, late lines of a locked month included. */
int xero_orders_check(struct octx *o, struct err *e)
{
    for (size_t k = 0; k < o->s->n; k++)
        for (size_t i = 0; i < o->s->parts[k].n; i++) {
            const struct jv_line *l = &o->s->parts[k].lines[i];
            if (!strcmp(l->role, "carried_forward") || !strcmp(l->role, "clearing"))
                continue;
            if (acct_add(o, o->s->parts[k].month, l->code, -l->amount, e) < 0)
                return -1;
        }
    for (size_t i = 0; i < o->nacct; i++)
        if (o->acct[i].amount != 0)
            return err_set(e, ERR_INTERNAL, "orders documents of %s differ from the journals "
                           "on account %s by %lld minor units", o->acct[i].month,
                           o->acct[i].code, (long long)o->acct[i].amount);
    return 0;
}

void xero_orders_free(struct octx *o)
{
    for (size_t i = 0; i < o->nb; i++)
        jw_free(&o->batches[i].w);
    for (int k = 0; k < K_COUNT; k++)
        xero_reqs_free(&o->staged[k]);
    free(o->bill);
    free(o->liq);
}
