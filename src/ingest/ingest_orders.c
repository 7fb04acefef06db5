/* ingest_orders — the All Orders / archived orders flat file: one row per order item. Each
 * row upserts its order and stores its item; an order's items from earlier files are
 * replaced. Buyer names, e-mails, phones and addresses are never read: only a masked
 * buyer_ref is derived from buyer-email when an older layout carries it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"
#include "ingest_int.h"

enum {
    C_ORDER_ID, C_MERCHANT_ORDER_ID, C_PURCHASE, C_LAST_UPDATED, C_STATUS, C_FULFILLMENT,
    C_SALES_CHANNEL, C_PRODUCT_NAME, C_SKU, C_ASIN, C_ITEM_STATUS, C_QUANTITY, C_CURRENCY,
    C_ITEM_PRICE, C_ITEM_TAX, C_SHIPPING_PRICE, C_SHIPPING_TAX, C_GIFT_WRAP_PRICE,
    C_GIFT_WRAP_TAX, C_ITEM_PROMO, C_SHIP_PROMO, C_SHIP_COUNTRY, C_IS_BUSINESS, C_BUYER_EMAIL,
    C_COUNT
};

static const char *const names[C_COUNT] = {
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "product-name", "sku", "asin",
    "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price",
    "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
    "ship-promotion-discount", "ship-country", "is-business-order", "buyer-email",
};

static const int required[C_COUNT] = {
    [C_ORDER_ID] = 1, [C_PURCHASE] = 1, [C_SKU] = 1, [C_QUANTITY] = 1, [C_CURRENCY] = 1,
    [C_ITEM_PRICE] = 1,
};

/* The money columns, in the order of enum orderdb_money. */
static const int money_cols[OM_COUNT] = {
    C_ITEM_PRICE, C_ITEM_TAX, C_SHIPPING_PRICE, C_SHIPPING_TAX, C_GIFT_WRAP_PRICE,
    C_GIFT_WRAP_TAX, C_ITEM_PROMO, C_SHIP_PROMO,
};

struct orders {
    int col[C_COUNT];
    size_t header_fields;
    struct orderdb *db;
    char last_id[64];        /* order of the previous row: its older items are gone already */
};

#define F(r, st, c) delim_get(r, (st)->col[c])

/* Parses a date column into canonical ISO text; "" gives NULL. */
static int order_date(struct ingest_ctx *c, const struct delim_row *r, const struct orders *o,
                      int col, char buf[DATES_ISO_MAX], const char **out, struct err *e)
{
    const char *v = F(r, o, col);
    int64_t t;
    int has_time;
    *out = NULL;
    if (!*v)
        return 0;
    if (dates_parse(v, &t, &has_time, e) < 0)
        return ingest_err_at(c, e, r->line, o->col[col] + 1, names[col]);
    *out = dates_iso(buf, t, has_time);
    return 0;
}

/* "true"/"false" (and yes/no, 1/0) as 1/0; "" as -1 (unknown). */
static int order_flag(struct ingest_ctx *c, const struct delim_row *r, const struct orders *o,
                      int col, int *out, struct err *e)
{
    const char *v = F(r, o, col);
    *out = -1;
    if (!*v)
        return 0;
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
        *out = 0;
    else
        return ingest_err(c, e, r->line, o->col[col] + 1, "%s '%.20s' is neither true nor "
                          "false", names[col], v);
    return 0;
}

/* The item's prices: empty cells are 0; any price needs a currency. Cancelled and pending
 * orders leave currency and prices empty. */
static int order_money(struct ingest_ctx *c, const struct delim_row *r, const struct orders *o,
                       struct orderdb_item *it, struct err *e)
{
    const char *cur = F(r, o, C_CURRENCY);
    int exp = -1;
    if (*cur) {
        exp = money_exponent(cur);
        if (exp < 0)
            return ingest_err(c, e, r->line, o->col[C_CURRENCY] + 1, "currency '%.8s' is not "
                              "an ISO 4217 code settlebook knows", cur);
        it->currency = cur;
    }
    for (int i = 0; i < OM_COUNT; i++) {
        int col = money_cols[i];
        const char *v = F(r, o, col);
        it->amount[i] = 0;
        if (!*v)
            continue;
        if (exp < 0)
            return ingest_err(c, e, r->line, o->col[col] + 1, "%s '%.20s' has no currency: "
                              "currency is empty on this row; re-download the report",
                              names[col], v);
        if (money_parse_locale(v, money_decimal_guess(v, exp), exp, &it->amount[i], e) < 0)
            return ingest_err_at(c, e, r->line, o->col[col] + 1, names[col]);
    }
    return 0;
}

static int orders_row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct orders *o = c->state;
    struct orderdb_order ord = { .is_business = -1 };
    struct orderdb_item it = {0};
    char purchase[DATES_ISO_MAX], updated[DATES_ISO_MAX], buyer[20];
    const char *id = F(r, o, C_ORDER_ID), *email = F(r, o, C_BUYER_EMAIL);

    if (strcmp(id, names[C_ORDER_ID]) == 0)
        return 0; /* the header again: reports concatenated with their headers */
    if (ingest_check_width(c, r, o->header_fields, e) < 0)
        return -1;
    c->res->records++;
    if (!*id)
        return ingest_err(c, e, r->line, o->col[C_ORDER_ID] + 1, "amazon-order-id is empty: "
                          "every row of an orders report belongs to an order");
    if (!*F(r, o, C_PURCHASE))
        return ingest_err(c, e, r->line, o->col[C_PURCHASE] + 1, "purchase-date is empty");
    if (order_date(c, r, o, C_PURCHASE, purchase, &ord.purchase, e) < 0 ||
        order_date(c, r, o, C_LAST_UPDATED, updated, &ord.last_updated, e) < 0 ||
        order_flag(c, r, o, C_IS_BUSINESS, &ord.is_business, e) < 0 ||
        ingest_quantity(c, F(r, o, C_QUANTITY), r->line, o->col[C_QUANTITY], &it.quantity,
                        e) < 0 ||
        order_money(c, r, o, &it, e) < 0)
        return -1;
    if (it.quantity < 0)
        return ingest_err(c, e, r->line, o->col[C_QUANTITY] + 1, "quantity is empty: write "
                          "0 for a cancelled item");
    if (*email)
        ingest_mask_buyer(email, buyer);
    ord.order_id = id;
    ord.merchant_order_id = F(r, o, C_MERCHANT_ORDER_ID);
    ord.status = F(r, o, C_STATUS);
    ord.fulfillment_channel = F(r, o, C_FULFILLMENT);
    ord.sales_channel = F(r, o, C_SALES_CHANNEL);
    ord.currency = it.currency;
    ord.ship_country = F(r, o, C_SHIP_COUNTRY);
    ord.buyer_ref = *email ? buyer : NULL;
    it.order_id = id;
    it.sku = F(r, o, C_SKU);
    it.asin = F(r, o, C_ASIN);
    it.product_name = F(r, o, C_PRODUCT_NAME);
    it.item_status = F(r, o, C_ITEM_STATUS);
    /* Deleting the order's items from other files is a no-op after its first row; the rows
     * of one order are adjacent in Amazon's reports, so only a change of order runs it. */
    if (orderdb_order(o->db, &ord, e) < 0 ||
        (strcmp(id, o->last_id) != 0 && orderdb_replace(o->db, id, NULL, e) < 0) ||
        orderdb_item(o->db, &it, e) < 0)
        return -1;
    if (text_copy(o->last_id, sizeof o->last_id, id))
        o->last_id[0] = '\0'; /* too long to remember: replace again next row (harmless) */
    c->res->lines++;
    return 0;
}

static int orders_finish(struct ingest_ctx *c, struct err *e)
{
    (void)c;
    (void)e;
    return 0;
}

static void orders_free(void *state)
{
    struct orders *o = state;
    if (o)
        orderdb_free(o->db);
    free(o);
}

int ingest_orders_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    struct orders *o = calloc(1, sizeof *o);
    if (!o)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = o;
    c->free_state = orders_free;
    snprintf(c->res->kind, sizeof c->res->kind, "orders_flat");
    o->header_fields = hdr->n;
    if (ingest_columns(c, hdr, names, required, o->col, C_COUNT, e) < 0 ||
        orderdb_open(c, &o->db, e) < 0)
        return -1;
    c->row = orders_row;
    c->finish = orders_finish;
    return 0;
}
