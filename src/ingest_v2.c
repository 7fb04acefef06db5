/* ingest_v2 — the settlement flat file V2: one summary row, then one amount per row. Columns
 * are found by name; rows may be shorter than the header (ragged Liquidations rows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
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

struct v2 {
    int col[C_COUNT];
    size_t header_fields;
    struct settle *s;
    /* The lines of one order share their posted date: the last one parsed, and its result
     * ("" for none), so a repeat costs a strcmp. */
    char last_when[64], last_posted[DATES_ISO_MAX];
    int have_last;
};

#define F(r, st, c) delim_get(r, (st)->col[c])

static int v2_head(struct ingest_ctx *c, struct v2 *v, const struct delim_row *r, struct err *e)
{
    struct settle_head h = {
        .format = "v2", .id = F(r, v, C_SETTLEMENT_ID), .start = F(r, v, C_START),
        .end = F(r, v, C_END), .deposit = F(r, v, C_DEPOSIT), .total = F(r, v, C_TOTAL),
        .currency = F(r, v, C_CURRENCY), .line = r->line, .col_id = v->col[C_SETTLEMENT_ID],
        .col_start = v->col[C_START], .col_end = v->col[C_END],
        .col_deposit = v->col[C_DEPOSIT], .col_total = v->col[C_TOTAL],
        .col_currency = v->col[C_CURRENCY],
    };
    return settle_begin(c, &h, &v->s, e);
}

/* Parses quantity-purchased; empty is -1. */
int ingest_quantity(struct ingest_ctx *c, const char *q, size_t line, int col, int64_t *out,
                    struct err *e)
{
    int64_t v = 0;
    *out = -1;
    if (!*q)
        return 0;
    for (const char *p = q; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1000000000)
            return ingest_err(c, e, line, col + 1, "quantity '%.20s' is not a whole number", q);
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

static int v2_line(struct ingest_ctx *c, struct v2 *v, const struct delim_row *r, struct err *e)
{
    struct settle_amount a = { .line = r->line };
    char posted[DATES_ISO_MAX];
    const char *amount = F(r, v, C_AMOUNT), *when = F(r, v, C_POSTED_DATE_TIME);
    int when_col = v->col[C_POSTED_DATE_TIME];

    if (strcmp(F(r, v, C_SETTLEMENT_ID), settle_id(v->s)) != 0)
        return ingest_err(c, e, r->line, v->col[C_SETTLEMENT_ID] + 1, "settlement-id '%.40s' "
                          "differs from the summary row's '%s': one file, one settlement",
                          F(r, v, C_SETTLEMENT_ID), settle_id(v->s));
    if (!*amount)
        return ingest_err(c, e, r->line, v->col[C_AMOUNT] + 1, "amount is empty: every row "
                          "after the summary row carries one amount");
    if (settle_parse_amount(v->s, amount, &a.amount, e) < 0)
        return ingest_err_at(c, e, r->line, v->col[C_AMOUNT] + 1, "amount");
    if (!*when) {
        when = F(r, v, C_POSTED_DATE);
        when_col = v->col[C_POSTED_DATE];
    }
    if (v->have_last && strcmp(when, v->last_when) == 0) {
        a.posted = v->last_posted[0] ? v->last_posted : NULL;
    } else {
        if (settle_posted(c, when, r->line, when_col + 1, "posted-date", posted, &a.posted,
                          e) < 0)
            return -1;
        v->have_last = strlen(when) < sizeof v->last_when;
        if (v->have_last) {
            memcpy(v->last_when, when, strlen(when) + 1);
            snprintf(v->last_posted, sizeof v->last_posted, "%s", a.posted ? a.posted : "");
        }
    }
    if (ingest_quantity(c, F(r, v, C_QUANTITY), r->line, v->col[C_QUANTITY], &a.quantity, e) < 0)
        return -1;
    a.transaction_type = F(r, v, C_TRANSACTION_TYPE);
    a.amount_type = F(r, v, C_AMOUNT_TYPE);
    a.amount_description = F(r, v, C_AMOUNT_DESCRIPTION);
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
    return settle_add(v->s, &a, e);
}

/* Extra trailing fields are tolerated only when empty (stray tabs at a line's end). */
int ingest_check_width(struct ingest_ctx *c, const struct delim_row *r, size_t header_fields,
                       struct err *e)
{
    for (size_t i = header_fields; i < r->n; i++)
        if (r->f[i][0])
            return ingest_err(c, e, r->line, (int)i + 1, "this row has more fields (%zu) than "
                              "the header (%zu): a tab inside a value?", r->n, header_fields);
    return 0;
}

static int v2_row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct v2 *v = c->state;
    if (ingest_check_width(c, r, v->header_fields, e) < 0)
        return -1;
    c->res->records++;
    if (!v->s)
        return v2_head(c, v, r, e);
    return v2_line(c, v, r, e);
}

static int v2_finish(struct ingest_ctx *c, struct err *e)
{
    struct v2 *v = c->state;
    if (!v->s)
        return err_set(e, ERR_INPUT, "%s:2: the header has no rows: a settlement report needs "
                       "its summary row; re-download the report", c->path);
    return settle_end(v->s, e);
}

static void v2_free(void *state)
{
    struct v2 *v = state;
    if (v)
        settle_free(v->s);
    free(v);
}

int ingest_v2_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    struct v2 *v = calloc(1, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = v;
    c->free_state = v2_free;
    snprintf(c->res->kind, sizeof c->res->kind, "settlement_v2");
    v->header_fields = hdr->n;
    if (ingest_columns(c, hdr, names, required, v->col, C_COUNT, e) < 0)
        return -1;
    c->row = v2_row;
    c->finish = v2_finish;
    return 0;
}
