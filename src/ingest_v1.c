/* ingest_v1 — the older settlement flat file (33 or 36 columns): one row per item, where
 * each (type, amount) column pair that is filled becomes its own amount line, typed the way
 * V2 types it so mapping rules serve both layouts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "ingest_int.h"

enum {
    C_SETTLEMENT_ID, C_START, C_END, C_DEPOSIT, C_TOTAL, C_CURRENCY, C_TRANSACTION_TYPE,
    C_ORDER_ID, C_MERCHANT_ORDER_ID, C_ADJUSTMENT_ID, C_SHIPMENT_ID, C_MARKETPLACE,
    C_FULFILLMENT_ID, C_POSTED_DATE, C_ORDER_ITEM_CODE, C_MERCHANT_ORDER_ITEM_ID,
    C_MERCHANT_ADJUSTMENT_ITEM_ID, C_SKU, C_QUANTITY, C_PROMOTION_ID,
    C_PRICE_TYPE, C_PRICE_AMOUNT, C_FEE_TYPE, C_FEE_AMOUNT, C_SHIP_FEE_TYPE, C_SHIP_FEE_AMOUNT,
    C_ORDER_FEE_TYPE, C_ORDER_FEE_AMOUNT, C_PROMO_TYPE, C_PROMO_AMOUNT, C_DIRECT_TYPE,
    C_DIRECT_AMOUNT, C_MISC_FEE, C_OTHER_FEE, C_OTHER_FEE_REASON, C_OTHER_AMOUNT, C_COUNT
};

static const char *const names[C_COUNT] = {
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "fulfillment-id", "posted-date",
    "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
    "quantity-purchased", "promotion-id",
    "price-type", "price-amount", "item-related-fee-type", "item-related-fee-amount",
    "shipment-fee-type", "shipment-fee-amount", "order-fee-type", "order-fee-amount",
    "promotion-type", "promotion-amount", "direct-payment-type", "direct-payment-amount",
    "misc-fee-amount", "other-fee-amount", "other-fee-reason-description", "other-amount",
};

static const int required[C_COUNT] = {
    [C_SETTLEMENT_ID] = 1, [C_START] = 1, [C_END] = 1, [C_DEPOSIT] = 1, [C_TOTAL] = 1,
    [C_CURRENCY] = 1, [C_TRANSACTION_TYPE] = 1, [C_POSTED_DATE] = 1,
};

/* Each amount column, the V2 amount-type it becomes, and where its description comes from
 * (a type column, or -1 for a fixed description). */
static const struct pair {
    int amount, type;
    const char *amount_type, *fixed_description;
} pairs[] = {
    { C_PRICE_AMOUNT, C_PRICE_TYPE, "ItemPrice", NULL },
    { C_FEE_AMOUNT, C_FEE_TYPE, "ItemFees", NULL },
    { C_SHIP_FEE_AMOUNT, C_SHIP_FEE_TYPE, "ShipmentFees", NULL },
    { C_ORDER_FEE_AMOUNT, C_ORDER_FEE_TYPE, "OrderFees", NULL },
    { C_PROMO_AMOUNT, C_PROMO_TYPE, "Promotion", NULL },
    { C_DIRECT_AMOUNT, C_DIRECT_TYPE, "DirectPayment", NULL },
    { C_MISC_FEE, -1, "MiscFees", "MiscFee" },
    { C_OTHER_FEE, C_OTHER_FEE_REASON, "OtherFees", "OtherFee" },
    { C_OTHER_AMOUNT, C_TRANSACTION_TYPE, "other-transaction", NULL },
};

struct v1 {
    int col[C_COUNT];
    size_t header_fields;
    struct settle *s;
};

#define F(r, st, c) delim_get(r, (st)->col[c])

static int v1_head(struct ingest_ctx *c, struct v1 *v, const struct delim_row *r, struct err *e)
{
    struct settle_head h = {
        .format = "v1", .id = F(r, v, C_SETTLEMENT_ID), .start = F(r, v, C_START),
        .end = F(r, v, C_END), .deposit = F(r, v, C_DEPOSIT), .total = F(r, v, C_TOTAL),
        .currency = F(r, v, C_CURRENCY), .line = r->line, .col_id = v->col[C_SETTLEMENT_ID],
        .col_start = v->col[C_START], .col_end = v->col[C_END],
        .col_deposit = v->col[C_DEPOSIT], .col_total = v->col[C_TOTAL],
        .col_currency = v->col[C_CURRENCY],
    };
    return settle_begin(c, &h, &v->s, e);
}

static int v1_pair(struct ingest_ctx *c, struct v1 *v, const struct delim_row *r,
                   const struct pair *p, struct settle_amount *a, struct err *e)
{
    const char *amount = F(r, v, p->amount);
    const char *desc = p->type >= 0 ? F(r, v, p->type) : "";
    if (!*amount)
        return 0;
    if (settle_parse_amount(v->s, amount, &a->amount, e) < 0)
        return ingest_err_at(c, e, r->line, v->col[p->amount] + 1, names[p->amount]);
    a->amount_type = p->amount_type;
    a->amount_description = *desc ? desc : p->fixed_description ? p->fixed_description
                                                                 : p->amount_type;
    return settle_add(v->s, a, e);
}

static int v1_line(struct ingest_ctx *c, struct v1 *v, const struct delim_row *r, struct err *e)
{
    struct settle_amount a = { .line = r->line };
    char posted[DATES_ISO_MAX];

    if (strcmp(F(r, v, C_SETTLEMENT_ID), settle_id(v->s)) != 0)
        return ingest_err(c, e, r->line, v->col[C_SETTLEMENT_ID] + 1, "settlement-id '%.40s' "
                          "differs from the summary row's '%s': one file, one settlement",
                          F(r, v, C_SETTLEMENT_ID), settle_id(v->s));
    if (settle_posted(c, F(r, v, C_POSTED_DATE), r->line, v->col[C_POSTED_DATE] + 1,
                      "posted-date", posted, &a.posted, e) < 0 ||
        ingest_quantity(c, F(r, v, C_QUANTITY), r->line, v->col[C_QUANTITY], &a.quantity, e) < 0)
        return -1;
    a.transaction_type = F(r, v, C_TRANSACTION_TYPE);
    a.order_id = F(r, v, C_ORDER_ID);
    a.merchant_order_id = F(r, v, C_MERCHANT_ORDER_ID);
    a.adjustment_id = F(r, v, C_ADJUSTMENT_ID);
    a.shipment_id = F(r, v, C_SHIPMENT_ID);
    a.marketplace = F(r, v, C_MARKETPLACE);
    a.fulfillment_id = F(r, v, C_FULFILLMENT_ID);
    a.order_item_code = F(r, v, C_ORDER_ITEM_CODE);
    a.merchant_order_item_id = F(r, v, C_MERCHANT_ORDER_ITEM_ID);
    a.merchant_adjustment_item_id = F(r, v, C_MERCHANT_ADJUSTMENT_ITEM_ID);
    a.sku = F(r, v, C_SKU);
    a.promotion_id = F(r, v, C_PROMOTION_ID);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (v1_pair(c, v, r, &pairs[i], &a, e) < 0)
            return -1;
    return 0;
}

static int v1_row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct v1 *v = c->state;
    if (ingest_check_width(c, r, v->header_fields, e) < 0)
        return -1;
    c->res->records++;
    if (!v->s)
        return v1_head(c, v, r, e);
    return v1_line(c, v, r, e);
}

static int v1_finish(struct ingest_ctx *c, struct err *e)
{
    struct v1 *v = c->state;
    if (!v->s)
        return err_set(e, ERR_INPUT, "%s:2: the header has no rows: a settlement report needs "
                       "its summary row; re-download the report", c->path);
    return settle_end(v->s, e);
}

static void v1_free(void *state)
{
    struct v1 *v = state;
    if (v)
        settle_free(v->s);
    free(v);
}

int ingest_v1_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    struct v1 *v = calloc(1, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = v;
    c->free_state = v1_free;
    snprintf(c->res->kind, sizeof c->res->kind, "settlement_v1");
    v->header_fields = hdr->n;
    if (ingest_columns(c, hdr, names, required, v->col, C_COUNT, e) < 0)
        return -1;
    if (v->col[C_PRICE_AMOUNT] < 0 && v->col[C_FEE_AMOUNT] < 0 && v->col[C_OTHER_AMOUNT] < 0)
        return ingest_err(c, e, hdr->line, 0, "a settlement header with neither 'amount' (V2) "
                          "nor 'price-amount'/'item-related-fee-amount'/'other-amount' (older "
                          "layout): unknown settlement layout");
    c->row = v1_row;
    c->finish = v1_finish;
    return 0;
}
