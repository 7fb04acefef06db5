/* ingest_v2 — the settlement flat file V2: one summary row, then one amount per row. Columns
 * are found by name; rows may be shorter than the header (ragged Liquidations rows). */
#include "ingest_int.h"

enum {
    C_SETTLEMENT_ID, C_START, C_END, C_DEPOSIT, C_TOTAL, C_CURRENCY, C_TRANSACTION_TYPE,
    C_ORDER_ID, C_MERCHANT_ORDER_ID, C_ADJUSTMENT_ID, C_SHIPMENT_ID, C_MARKETPLACE,
    C_AMOUNT_TYPE, C_AMOUNT_DESCRIPTION, C_AMOUNT, C_FULFILLMENT_ID, C_POSTED_DATE,
    C_POSTED_DATE_TIME, C_ORDER_ITEM_CODE, C_MERCHANT_ORDER_ITEM_ID,
    C_MERCHANT_ADJUSTMENT_ITEM_ID, C_SKU, C_QUANTITY, C_PROMOTION_ID, C_COUNT
};

static const char *const names[C_COUNT] = {
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description",
    "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
    "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
};

static const int required[C_COUNT] = {
    [C_SETTLEMENT_ID] = 1, [C_START] = 1, [C_END] = 1, [C_DEPOSIT] = 1, [C_TOTAL] = 1,
    [C_CURRENCY] = 1, [C_TRANSACTION_TYPE] = 1, [C_AMOUNT_TYPE] = 1,
    [C_AMOUNT_DESCRIPTION] = 1, [C_AMOUNT] = 1,
};

/* One amount per row. */
static int v2_line(struct ingest_ctx *c, struct settle_reader *rd, const struct delim_row *r,
                   struct err *e)
{
    struct settle_amount a = { .line = r->line };
    const char *amount = SETTLE_F(r, rd, C_AMOUNT);

    if (!*amount)
        return ingest_err(c, e, r->line, rd->col[C_AMOUNT] + 1, "amount is empty: every row "
                          "after the summary row carries one amount");
    if (settle_parse_amount(rd->s, amount, &a.amount, e) < 0)
        return ingest_err_at(c, e, r->line, rd->col[C_AMOUNT] + 1, "amount");
    if (settle_reader_posted(c, rd, r, C_POSTED_DATE_TIME, C_POSTED_DATE, &a.posted, e) < 0 ||
        ingest_quantity(c, SETTLE_F(r, rd, C_QUANTITY), r->line, rd->col[C_QUANTITY],
                        &a.quantity, e) < 0)
        return -1;
    a.transaction_type = SETTLE_F(r, rd, C_TRANSACTION_TYPE);
    a.amount_type = SETTLE_F(r, rd, C_AMOUNT_TYPE);
    a.amount_description = SETTLE_F(r, rd, C_AMOUNT_DESCRIPTION);
    a.order_id = SETTLE_F(r, rd, C_ORDER_ID);
    a.merchant_order_id = SETTLE_F(r, rd, C_MERCHANT_ORDER_ID);
    a.adjustment_id = SETTLE_F(r, rd, C_ADJUSTMENT_ID);
    a.shipment_id = SETTLE_F(r, rd, C_SHIPMENT_ID);
    a.marketplace = SETTLE_F(r, rd, C_MARKETPLACE);
    a.fulfillment_id = SETTLE_F(r, rd, C_FULFILLMENT_ID);
    a.order_item_code = SETTLE_F(r, rd, C_ORDER_ITEM_CODE);
    a.merchant_order_item_id = SETTLE_F(r, rd, C_MERCHANT_ORDER_ITEM_ID);
    a.merchant_adjustment_item_id = SETTLE_F(r, rd, C_MERCHANT_ADJUSTMENT_ITEM_ID);
    a.sku = SETTLE_F(r, rd, C_SKU);
    a.promotion_id = SETTLE_F(r, rd, C_PROMOTION_ID);
    return settle_add(rd->s, &a, e);
}

static const struct settle_layout v2_layout = {
    .kind = "settlement_v2", .format = "v2", .names = names, .required = required,
    .ncols = C_COUNT, .line = v2_line,
};

int ingest_v2_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    return settle_reader_start(c, hdr, &v2_layout, e);
}
