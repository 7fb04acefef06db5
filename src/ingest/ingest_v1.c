/* ingest_v1 — the older settlement flat file (33 or 36 columns): one row per item, where
 * each (type, amount) column pair that is filled becomes its own amount line, typed the way
 * V2 types it so mapping rules serve both layouts. */
#include "ingest_int.h"

#include <stdio.h>
#include <string.h>

enum {
    C_PRICE_TYPE = SC_SHARED, C_PRICE_AMOUNT, C_FEE_TYPE, C_FEE_AMOUNT, C_SHIP_FEE_TYPE,
    C_SHIP_FEE_AMOUNT, C_ORDER_FEE_TYPE, C_ORDER_FEE_AMOUNT, C_PROMO_TYPE, C_PROMO_AMOUNT,
    C_DIRECT_TYPE, C_DIRECT_AMOUNT, C_MISC_FEE, C_OTHER_FEE, C_OTHER_FEE_REASON, C_OTHER_AMOUNT,
    C_COUNT
};

static const char *const names[C_COUNT] = {
    SETTLE_SHARED_NAMES,
    "price-type", "price-amount", "item-related-fee-type", "item-related-fee-amount",
    "shipment-fee-type", "shipment-fee-amount", "order-fee-type", "order-fee-amount",
    "promotion-type", "promotion-amount", "direct-payment-type", "direct-payment-amount",
    "misc-fee-amount", "other-fee-amount", "other-fee-reason-description", "other-amount",
};

static const int required[C_COUNT] = {
    [SC_SETTLEMENT_ID] = 1, [SC_START] = 1, [SC_END] = 1, [SC_DEPOSIT] = 1, [SC_TOTAL] = 1,
    [SC_CURRENCY] = 1, [SC_TRANSACTION_TYPE] = 1, [SC_POSTED_DATE] = 1,
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
    { C_OTHER_AMOUNT, SC_TRANSACTION_TYPE, "other-transaction", NULL },
};

static int v1_pair(struct ingest_ctx *c, struct settle_reader *rd, const struct delim_row *r,
                   const struct pair *p, struct settle_amount *a, struct err *e)
{
    const char *amount = SETTLE_F(r, rd, p->amount);
    const char *desc = p->type >= 0 ? SETTLE_F(r, rd, p->type) : "";
    if (!*amount)
        return 0;
    if (settle_parse_amount(rd->s, amount, &a->amount, e) < 0)
        return ingest_err_at(c, e, r->line, rd->col[p->amount] + 1, names[p->amount]);
    a->amount_type = p->amount_type;
    a->amount_description = *desc ? desc : p->fixed_description ? p->fixed_description
                                                                 : p->amount_type;
    return settle_add(rd->s, a, e);
}

/* One row, zero or more amounts. */
static int v1_line(struct ingest_ctx *c, struct settle_reader *rd, const struct delim_row *r,
                   struct err *e)
{
    struct settle_amount a = { .line = r->line };

    int amounts = 0;
    if (settle_reader_fields(c, rd, r, SC_POSTED_DATE, &a, e) < 0)
        return -1;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        amounts |= *SETTLE_F(r, rd, pairs[i].amount) != '\0';
    if (!amounts && a.quantity > 0 && *a.order_id && *a.sku) {
        /* an item's quantity row: its Principal lines take the quantity, before or after */
        snprintf(rd->qty_order, sizeof rd->qty_order, "%s", a.order_id);
        snprintf(rd->qty_sku, sizeof rd->qty_sku, "%s", a.sku);
        rd->qty = a.quantity;
        return settle_quantity(rd->s, a.order_id, a.sku, a.quantity, e);
    }
    if (a.quantity < 0 && rd->qty > 0 && !strcmp(a.order_id, rd->qty_order) &&
        !strcmp(a.sku, rd->qty_sku))
        a.quantity = rd->qty;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (v1_pair(c, rd, r, &pairs[i], &a, e) < 0)
            return -1;
    return 0;
}

static int v1_check(struct ingest_ctx *c, const struct settle_reader *rd,
                    const struct delim_row *hdr, struct err *e)
{
    if (rd->col[C_PRICE_AMOUNT] < 0 && rd->col[C_FEE_AMOUNT] < 0 && rd->col[C_OTHER_AMOUNT] < 0)
        return ingest_err(c, e, hdr->line, 0, "a settlement header with neither 'amount' (V2) "
                          "nor 'price-amount'/'item-related-fee-amount'/'other-amount' (older "
                          "layout): unknown settlement layout");
    return 0;
}

static const struct settle_layout v1_layout = {
    .kind = "settlement_v1", .format = "v1", .names = names, .required = required,
    .ncols = C_COUNT, .check = v1_check, .line = v1_line,
};

int ingest_v1_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    return settle_reader_start(c, hdr, &v1_layout, e);
}
