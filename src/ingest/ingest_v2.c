/* ingest_v2 — the settlement flat file V2: one summary row, then one amount per row. Columns
 * are found by name; rows may be shorter than the header (ragged Liquidations rows). */
#include "ingest_int.h"

enum { C_AMOUNT_TYPE = SC_SHARED, C_AMOUNT_DESCRIPTION, C_AMOUNT, C_POSTED_DATE_TIME, C_COUNT };

static const char *const names[C_COUNT] = {
    SETTLE_SHARED_NAMES, "amount-type", "amount-description", "amount", "posted-date-time",
};

static const int required[C_COUNT] = {
    [SC_SETTLEMENT_ID] = 1, [SC_START] = 1, [SC_END] = 1, [SC_DEPOSIT] = 1, [SC_TOTAL] = 1,
    [SC_CURRENCY] = 1, [SC_TRANSACTION_TYPE] = 1, [C_AMOUNT_TYPE] = 1,
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
    if (settle_reader_fields(c, rd, r, C_POSTED_DATE_TIME, &a, e) < 0)
        return -1;
    a.amount_type = SETTLE_F(r, rd, C_AMOUNT_TYPE);
    a.amount_description = SETTLE_F(r, rd, C_AMOUNT_DESCRIPTION);
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
