/* xero_orders — orders posting: one invoice per order (items by SellerSKU), refunds as
 * credit notes (allocated to the order's invoice when it is in the same settlement, else
 * refunded from the clearing account), payments from clearing, Amazon's fees and every other
 * amount as one bill per settlement, and the payout as a bank transfer from clearing to the
 * bank. At most XERO_BATCH_MAX documents per request. The per-account totals of the documents
 * are checked against the journals they must equal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"
#include "tz.h"
#include "xero_orders_int.h"

/* Customer-facing amounts of an Order or Refund go on the order's documents; everything
 * else (fees, withheld tax, reserves, reimbursements) goes on the settlement's bill. */
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

/* Adds l to the bill lines, merging by account, tax, tracking and category. A merged line
 * keeps a SKU or description only when all its parts share it (else the category names it). */
int xero_orders_bill_add(struct octx *o, const struct oline *l, struct err *e)
{
    for (size_t i = 0; i < o->bill_n; i++) {
        struct oline *b = &o->bill[i];
        if (!strcmp(b->code, l->code) && !strcmp(b->tax, l->tax) && !strcmp(b->tname, l->tname)
            && !strcmp(b->topt, l->topt) && !strcmp(b->category, l->category)) {
            b->amount += l->amount;
            b->sources += l->sources;
            if (strcmp(b->sku, l->sku) != 0)
                b->sku[0] = '\0';
            if (strcmp(b->description, l->description) != 0)
                b->description[0] = '\0';
            return 0;
        }
    }
    return add_line(&o->bill, &o->bill_n, &o->bill_cap, l, e);
}

/* The marketplace a line's tax type and tracking come from, as the journal resolves it: the
 * line's own when configured, else the settlement's. */
static const struct config_marketplace *line_market(const struct octx *o, const char *mk)
{
    const struct config *cfg = o->s->cfg;
    for (size_t i = 0; i < cfg->n_marketplaces; i++)
        if (strcmp(cfg->marketplaces[i].name, mk) == 0)
            return &cfg->marketplaces[i];
    return config_marketplace(cfg, o->s->marketplace);
}

static void resolve(struct octx *o, sqlite3_stmt *st, struct oline *l)
{
    const char *mk = ledger_text(st, 4);
    const struct mapping_rule *r = mapping_find(o->map, ledger_text(st, 1), ledger_text(st, 2), ledger_text(st, 3),
                                                mk[0] ? mk : o->s->marketplace);
    const struct config_marketplace *m = line_market(o, mk);
    memset(l, 0, sizeof *l);
    snprintf(l->code, sizeof l->code, "%s", r ? r->code
             : o->s->cfg->accounts[ACCT_SUSPENSE]);
    snprintf(l->tax, sizeof l->tax, "%s", r ? mapping_tax_type(o->map, r, m ? m->name : "")
             : m ? m->tax[TAX_NONE] : "NONE");
    snprintf(l->category, sizeof l->category, "%s", r ? r->category : "Unmapped");
    if (m) {
        snprintf(l->tname, sizeof l->tname, "%s", m->tracking_name);
        snprintf(l->topt, sizeof l->topt, "%s", m->tracking_option);
    }
    snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 5));
    snprintf(l->description, sizeof l->description, "%s", ledger_text(st, 3));
    l->amount = sqlite3_column_int64(st, 7);
    l->quantity = sqlite3_column_int64(st, 8);
    l->sources = sqlite3_column_int64(st, 9);
}

/* Rows come ordered by order id; an order's rows are gathered, then rendered. */
static int collect(struct octx *o, struct err *e)
{
    sqlite3_stmt *st;
    struct order cur;
    int rc = 0;
    memset(&cur, 0, sizeof cur);
    if (ledger_prepare(o->lg, &st, "SELECT COALESCE(order_id,''), transaction_type, "
                       "amount_type, amount_description, COALESCE(marketplace,''), "
                       "COALESCE(sku,''), MIN(COALESCE(posted,'')), SUM(amount_minor), "
                       "SUM(CASE WHEN amount_description = 'Principal' THEN "
                       "COALESCE(quantity, 0) ELSE 0 END), COUNT(*) FROM settlement_line "
                       "WHERE settlement_ref = ? GROUP BY 1, 2, 3, 4, 5, 6 "
                       "ORDER BY 1, 2, 6, 3, 4, 5", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, o->s->ref);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct oline l;
        const char *oid = ledger_text(st, 0), *tt = ledger_text(st, 1);
        char date[11];
        resolve(o, st, &l);
        if (!oid[0] || !on_order_document(tt, l.category)) {
            rc = xero_orders_bill_add(o, &l, e);
            continue;
        }
        if (strcmp(cur.id, oid) != 0) {
            if (cur.id[0] && (rc = xero_orders_flush(o, &cur, e)) < 0)
                break;
            xero_order_reset(&cur);
            snprintf(cur.id, sizeof cur.id, "%s", oid);
        }
        tz_local_date(o->zone, ledger_text(st, 6), o->s->end, date);
        if (strcmp(tt, "Refund") == 0) {
            if (!cur.refund_date[0] || strcmp(date, cur.refund_date) < 0)
                snprintf(cur.refund_date, sizeof cur.refund_date, "%s", date);
            rc = add_line(&cur.refund, &cur.refund_n, &cur.refund_cap, &l, e);
        } else {
            if (!cur.sale_date[0] || strcmp(date, cur.sale_date) < 0)
                snprintf(cur.sale_date, sizeof cur.sale_date, "%s", date);
            rc = add_line(&cur.sale, &cur.sale_n, &cur.sale_cap, &l, e);
        }
    }
    sqlite3_finalize(st);
    if (rc == 0 && cur.id[0])
        rc = xero_orders_flush(o, &cur, e);
    xero_order_reset(&cur);
    return rc;
}

int xero_render_orders(struct ledger *lg, const struct xsettle *s, struct xero_reqs *out,
                       struct err *e)
{
    struct octx o;
    struct mapping map;
    int rc = -1;
    memset(&o, 0, sizeof o);
    o.lg = lg;
    o.s = s;
    o.out = out;
    if (mapping_load(&map, lg, s->cfg, e) < 0)
        return -1;
    o.map = &map;
    if (tz_open(&o.zone, s->cfg->timezone, e) < 0)
        goto done;
    if (collect(&o, e) < 0 || xero_orders_finish(&o, e) < 0 || xero_orders_check(&o, e) < 0)
        goto done;
    rc = 0;
done:
    xero_orders_free(&o);
    tz_free(o.zone);
    mapping_free(&map);
    return rc;
}
