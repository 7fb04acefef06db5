/* xero_orders — orders posting: one invoice per order (items by SellerSKU), refunds as
 * credit notes (allocated to the order's invoice when it is in the same settlement, else
 * refunded from the clearing account), payments from clearing, Amazon's fees and every other
 * amount as one bill per settlement, and the payout as a bank transfer from clearing to the
 * bank. At most XERO_BATCH_MAX documents per request. The per-account totals of the documents
 * are checked against the journals they must equal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "xero_orders_int.h"

/* Customer-facing amounts of an Order or Refund go on the order's documents; liquidation
 * proceeds on an income invoice of their own; everything else (fees, withheld tax, reserves,
 * reimbursements) goes on the settlement's bill. */
static int on_order_document(const char *tt, const char *category)
{
    static const char *const cats[] = { "Sales", "Shipping", "Gift wrap", "Promotions",
                                        "Refunds", "Sales tax" };
    if (strcmp(tt, "Order") != 0 && strcmp(tt, "Refund") != 0)
        return 0;
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
        if (strcmp(category, cats[i]) == 0)
            return 1;
    return 0;
}

static int add_line(struct oline **v, size_t *n, size_t *cap, const struct oline *l,
                    struct err *e)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        struct oline *p = realloc(*v, c * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = *l;
    return 0;
}

/* Adds l to v, merged into a line of the same month, account, tax, tracking and category.
 * With same_item (an order's lines) the SKU and description must match too and quantities
 * add up; otherwise (Amazon's documents) a merged line keeps a SKU or description only when
 * all its parts share it (else the category names it). The merged line keeps the earliest
 * date. */
static int merge_add(struct oline **v, size_t *n, size_t *cap, const struct oline *l,
                     int same_item, struct err *e)
{
    for (size_t i = 0; i < *n; i++) {
        struct oline *b = &(*v)[i];
        if (strcmp(b->code, l->code) || strcmp(b->tax, l->tax) || strcmp(b->tname, l->tname) ||
            b->vat_rate_bp != l->vat_rate_bp ||
            strcmp(b->topt, l->topt) || strcmp(b->category, l->category) ||
            strncmp(b->date, l->date, 7) || (same_item && (strcmp(b->sku, l->sku) ||
                                                           strcmp(b->description, l->description))))
            continue;
        b->amount += l->amount;
        b->vat += l->vat;
        b->sources += l->sources;
        if (same_item)
            b->quantity += l->quantity;
        if (strcmp(b->sku, l->sku) != 0)
            b->sku[0] = '\0';
        if (strcmp(b->description, l->description) != 0)
            b->description[0] = '\0';
        if (strcmp(l->date, b->date) < 0)
            snprintf(b->date, sizeof b->date, "%s", l->date);
        return 0;
    }
    return add_line(v, n, cap, l, e);
}

int xero_orders_bill_add(struct octx *o, const struct oline *l, struct err *e)
{
    return merge_add(&o->bill, &o->bill_n, &o->bill_cap, l, 0, e);
}

int xero_orders_liq_add(struct octx *o, const struct oline *l, struct err *e)
{
    return merge_add(&o->liq, &o->liq_n, &o->liq_cap, l, 0, e);
}

/* The line as a document line. */
static void as_line(const struct jv_amount *a, struct oline *l)
{
    memset(l, 0, sizeof *l);
    snprintf(l->code, sizeof l->code, "%s", a->code);
    snprintf(l->tax, sizeof l->tax, "%s", a->tax);
    snprintf(l->tname, sizeof l->tname, "%s", a->tname);
    snprintf(l->topt, sizeof l->topt, "%s", a->topt);
    snprintf(l->category, sizeof l->category, "%s", a->category);
    snprintf(l->sku, sizeof l->sku, "%s", a->sku);
    snprintf(l->description, sizeof l->description, "%s", a->description);
    snprintf(l->date, sizeof l->date, "%s", a->date);
    l->amount = a->amount;
    l->quantity = a->quantity;
    l->sources = a->sources;
    l->vat = a->vat;
    l->vat_rate_bp = a->vat_rate_bp;
}

/* Amounts come ordered by order id; an order's amounts are gathered, then rendered. */
static int collect(struct octx *o, struct err *e)
{
    struct order cur;
    int rc = 0;
    memset(&cur, 0, sizeof cur);
    for (size_t i = 0; rc == 0 && i < o->s->n_amounts; i++) {
        const struct jv_amount *a = &o->s->amounts[i];
        struct oline l;
        as_line(a, &l);
        if (strcmp(l.category, "Liquidations") == 0 && l.amount > 0) {
            l.sku[0] = '\0'; /* an ASIN or SKU of written-off stock is no Xero item */
            rc = xero_orders_liq_add(o, &l, e);
            continue;
        }
        /* a deemed supply's tax stays on its order's document (so the invoice totals
         * what the customer paid), on the facilitator-tax account the bill's
         * withholding offsets */
        if (!a->order_id[0] ||
            (!a->deemed && !on_order_document(a->transaction_type, l.category))) {
            rc = xero_orders_bill_add(o, &l, e);
            continue;
        }
        if (strcmp(cur.id, a->order_id) != 0) {
            if (cur.id[0] && (rc = xero_orders_flush(o, &cur, e)) < 0)
                break;
            xero_order_reset(&cur);
            snprintf(cur.id, sizeof cur.id, "%s", a->order_id);
        }
        if (strcmp(a->transaction_type, "Refund") == 0) {
            if (!cur.refund_date[0] || strcmp(a->date, cur.refund_date) < 0)
                snprintf(cur.refund_date, sizeof cur.refund_date, "%s", a->date);
            rc = merge_add(&cur.refund, &cur.refund_n, &cur.refund_cap, &l, 1, e);
        } else {
            if (!cur.sale_date[0] || strcmp(a->date, cur.sale_date) < 0)
                snprintf(cur.sale_date, sizeof cur.sale_date, "%s", a->date);
            rc = merge_add(&cur.sale, &cur.sale_n, &cur.sale_cap, &l, 1, e);
        }
    }
    if (rc == 0 && cur.id[0])
        rc = xero_orders_flush(o, &cur, e);
    xero_order_reset(&cur);
    return rc;
}

int xero_render_orders(const struct journal_view *s, struct xero_reqs *out, struct err *e)
{
    struct octx o;
    int rc = -1;
    memset(&o, 0, sizeof o);
    o.s = s;
    o.out = out;
    o.doc_rate = xero_document_rate(s);
    o.pay_rate = xero_statement_rate(s);
    if (collect(&o, e) < 0 || xero_orders_finish(&o, e) < 0 || xero_orders_check(&o, e) < 0)
        goto done;
    rc = 0;
done:
    xero_orders_free(&o);
    return rc;
}
