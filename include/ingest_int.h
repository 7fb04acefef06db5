/* ingest_int — what the per-format readers share. Private to src/ingest*.c. */
#ifndef SETTLEBOOK_INGEST_INT_H
#define SETTLEBOOK_INGEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "delim.h"
#include "ingest.h"
#include "money.h"

struct ingest_ctx {
    struct ledger *lg;
    const char *path;
    const struct ingest_opts *o;
    struct ingest_result *res;
    int64_t source_id;
    /* set by the format reader chosen from the header */
    void *state;
    int (*row)(struct ingest_ctx *c, const struct delim_row *r, struct err *e);
    int (*finish)(struct ingest_ctx *c, struct err *e);
    void (*free_state)(void *state);
};

/* "path:line:col: " + message; col 0 leaves the column out. Always returns -1. */
int ingest_err(struct ingest_ctx *c, struct err *e, size_t line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prefixes an error already in e (from money_parse, dates_parse) with path:line:col and the
 * column's name; returns -1. */
int ingest_err_at(struct ingest_ctx *c, struct err *e, size_t line, int col, const char *name);

/* Finds the columns named in names[0..n-1] in hdr; idx[i] = -1 when absent. Returns -1 with
 * an error naming the first missing column whose required[i] is set. */
int ingest_columns(struct ingest_ctx *c, const struct delim_row *hdr, const char *const *names,
                   const int *required, int *idx, size_t n, struct err *e);

/* Format readers: each checks the header and installs row/finish/free_state on c. */
int ingest_v2_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_v1_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_orders_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_bank_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);

/* SP-API Orders JSON (getOrders, getOrder, getOrderItems); reads the whole file. */
int ingest_spapi(struct ingest_ctx *c, struct err *e);

/* Parses a whole-number quantity; "" gives -1. col is 0-based. */
int ingest_quantity(struct ingest_ctx *c, const char *q, size_t line, int col, int64_t *out,
                    struct err *e);

/* Refuses non-empty fields beyond the header's width. */
int ingest_check_width(struct ingest_ctx *c, const struct delim_row *r, size_t header_fields,
                       struct err *e);

/* Masks a buyer identifier (e-mail, name) as "buyer-" + 12 hex digits of its SHA-256. */
void ingest_mask_buyer(const char *s, char out[20]);

/* Shared by the two settlement layouts. */
struct settle_head {
    const char *format;      /* "v1" or "v2" */
    const char *id, *start, *end, *deposit, *total, *currency;
    size_t line;
    int col_id, col_start, col_end, col_deposit, col_total, col_currency;
};

struct settle_amount {
    size_t line;
    const char *transaction_type, *amount_type, *amount_description;
    money_t amount;
    const char *posted;      /* canonical, or NULL */
    const char *order_id, *merchant_order_id, *adjustment_id, *shipment_id, *marketplace;
    const char *fulfillment_id, *order_item_code, *merchant_order_item_id;
    const char *merchant_adjustment_item_id, *sku, *promotion_id;
    int64_t quantity;        /* -1 when absent */
};

struct settle;

/* Validates the summary row and inserts the settlement (refusing a known settlement-id
 * unless --replace). The caller owns *out (settle_free). */
int settle_begin(struct ingest_ctx *c, const struct settle_head *h, struct settle **out,
                 struct err *e);
const char *settle_id(const struct settle *s);
int settle_exponent(const struct settle *s);

/* Parses an amount in either convention ("1.234,56", "-1,50", "29.99    "): a separator
 * followed by exactly three final digits groups thousands, otherwise the last one is the
 * decimal mark. */
int settle_parse_amount(const struct settle *s, const char *v, money_t *out, struct err *e);
char settle_decimal_of(const char *v, int exp);
int settle_add(struct settle *s, const struct settle_amount *a, struct err *e);
int settle_end(struct settle *s, struct err *e);
void settle_free(struct settle *s);

/* Parses a posted date into canonical text (buf DATES_ISO_MAX); "" stays NULL. */
int settle_posted(struct ingest_ctx *c, const char *s, size_t line, int col, const char *name,
                  char *buf, const char **out, struct err *e);

#endif
