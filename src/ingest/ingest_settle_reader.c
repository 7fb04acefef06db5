/* ingest_settle_reader — the record loop both settlement layouts share: header columns, the
 * summary row, the one-settlement-per-file check, ragged and over-wide rows, and the end of
 * the file. Each layout supplies only how a detail row becomes amount lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"

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

static int posted(struct ingest_ctx *c, struct settle_reader *rd, const struct delim_row *r,
                  int col_time, int col_date, const char **out, struct err *e)
{
    char buf[DATES_ISO_MAX];
    const char *when = delim_get(r, rd->col[col_time]);
    int col = rd->col[col_time];
    if (!*when) {
        when = delim_get(r, rd->col[col_date]);
        col = rd->col[col_date];
    }
    if (rd->have_last && strcmp(when, rd->last_when) == 0) {
        *out = rd->last_posted[0] ? rd->last_posted : NULL;
        return 0;
    }
    if (settle_posted(c, when, r->line, col + 1, "posted-date", buf, out, e) < 0)
        return -1;
    rd->have_last = strlen(when) < sizeof rd->last_when;
    snprintf(rd->last_posted, sizeof rd->last_posted, "%s", *out ? *out : "");
    if (rd->have_last)
        memcpy(rd->last_when, when, strlen(when) + 1);
    *out = rd->last_posted[0] ? rd->last_posted : NULL;
    return 0;
}

int settle_reader_fields(struct ingest_ctx *c, struct settle_reader *rd,
                         const struct delim_row *r, int col_time, struct settle_amount *a,
                         struct err *e)
{
    if (posted(c, rd, r, col_time, SC_POSTED_DATE, &a->posted, e) < 0 ||
        ingest_quantity(c, SETTLE_F(r, rd, SC_QUANTITY), r->line, rd->col[SC_QUANTITY],
                        &a->quantity, e) < 0)
        return -1;
    a->transaction_type = SETTLE_F(r, rd, SC_TRANSACTION_TYPE);
    a->order_id = SETTLE_F(r, rd, SC_ORDER_ID);
    a->merchant_order_id = SETTLE_F(r, rd, SC_MERCHANT_ORDER_ID);
    a->adjustment_id = SETTLE_F(r, rd, SC_ADJUSTMENT_ID);
    a->shipment_id = SETTLE_F(r, rd, SC_SHIPMENT_ID);
    a->marketplace = SETTLE_F(r, rd, SC_MARKETPLACE);
    a->fulfillment_id = SETTLE_F(r, rd, SC_FULFILLMENT_ID);
    a->order_item_code = SETTLE_F(r, rd, SC_ORDER_ITEM_CODE);
    a->merchant_order_item_id = SETTLE_F(r, rd, SC_MERCHANT_ORDER_ITEM_ID);
    a->merchant_adjustment_item_id = SETTLE_F(r, rd, SC_MERCHANT_ADJUSTMENT_ITEM_ID);
    a->sku = SETTLE_F(r, rd, SC_SKU);
    a->promotion_id = SETTLE_F(r, rd, SC_PROMOTION_ID);
    return 0;
}

static int head(struct ingest_ctx *c, struct settle_reader *rd, const struct delim_row *r,
                struct err *e)
{
    struct settle_head h = {
        .format = rd->layout->format, .id = SETTLE_F(r, rd, SC_SETTLEMENT_ID),
        .start = SETTLE_F(r, rd, SC_START), .end = SETTLE_F(r, rd, SC_END),
        .deposit = SETTLE_F(r, rd, SC_DEPOSIT), .total = SETTLE_F(r, rd, SC_TOTAL),
        .currency = SETTLE_F(r, rd, SC_CURRENCY), .line = r->line,
        .col_id = rd->col[SC_SETTLEMENT_ID], .col_start = rd->col[SC_START],
        .col_end = rd->col[SC_END], .col_deposit = rd->col[SC_DEPOSIT],
        .col_total = rd->col[SC_TOTAL], .col_currency = rd->col[SC_CURRENCY],
    };
    return settle_begin(c, &h, &rd->s, e);
}

static int row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct settle_reader *rd = c->state;
    if (ingest_check_width(c, r, rd->header_fields, e) < 0)
        return -1;
    c->res->records++;
    if (!rd->s)
        return head(c, rd, r, e);
    if (strcmp(SETTLE_F(r, rd, SC_SETTLEMENT_ID), settle_id(rd->s)) != 0)
        return ingest_err(c, e, r->line, rd->col[SC_SETTLEMENT_ID] + 1, "settlement-id '%.40s' differs from "
                          "the summary row's '%s': one file, one settlement",
                          SETTLE_F(r, rd, SC_SETTLEMENT_ID), settle_id(rd->s));
    return rd->layout->line(c, rd, r, e);
}

static int finish(struct ingest_ctx *c, struct err *e)
{
    struct settle_reader *rd = c->state;
    if (!rd->s)
        return err_set(e, ERR_INPUT, "%s:2: the header has no rows: a settlement report needs "
                       "its summary row; re-download the report", c->path);
    return settle_end(rd->s, e);
}

static void free_reader(void *state)
{
    struct settle_reader *rd = state;
    if (rd)
        settle_free(rd->s);
    free(rd);
}

int settle_reader_start(struct ingest_ctx *c, const struct delim_row *hdr,
                        const struct settle_layout *L, struct err *e)
{
    struct settle_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = rd;
    c->free_state = free_reader;
    rd->layout = L;
    rd->header_fields = hdr->n;
    snprintf(c->res->kind, sizeof c->res->kind, "%s", L->kind);
    if (L->ncols > SETTLE_COLS_MAX)
        return err_set(e, ERR_INTERNAL, "settlement layout with %zu columns", L->ncols);
    if (ingest_columns(c, hdr, L->names, L->required, rd->col, L->ncols, e) < 0 ||
        (L->check && L->check(c, rd, hdr, e) < 0))
        return -1;
    c->row = row;
    c->finish = finish;
    return 0;
}
