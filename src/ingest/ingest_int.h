/* ingest_int — what the per-format readers share. Private to src/ingest*.c. */
#ifndef SETTLEBOOK_INGEST_INT_H
#define SETTLEBOOK_INGEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "ingest.h"

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

/* The columns both settlement layouts share. A layout's column list begins with these, in
 * this order (SETTLE_SHARED_NAMES), and numbers its own columns from SC_SHARED on. */
enum settle_col {
    SC_SETTLEMENT_ID, SC_START, SC_END, SC_DEPOSIT, SC_TOTAL, SC_CURRENCY,
    SC_TRANSACTION_TYPE, SC_ORDER_ID, SC_MERCHANT_ORDER_ID, SC_ADJUSTMENT_ID, SC_SHIPMENT_ID,
    SC_MARKETPLACE, SC_FULFILLMENT_ID, SC_POSTED_DATE, SC_ORDER_ITEM_CODE,
    SC_MERCHANT_ORDER_ITEM_ID, SC_MERCHANT_ADJUSTMENT_ITEM_ID, SC_SKU, SC_QUANTITY,
    SC_PROMOTION_ID, SC_SHARED
};

#define SETTLE_SHARED_NAMES                                                                   \
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",          \
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",          \
    "adjustment-id", "shipment-id", "marketplace-name", "fulfillment-id", "posted-date",      \
    "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku",         \
    "quantity-purchased", "promotion-id"

/* A settlement layout (V2 or the older flat file) for the shared reader below. */
#define SETTLE_COLS_MAX 48

struct settle_reader;
struct settle_amount;

struct settle_layout {
    const char *kind;                 /* source_file.kind: "settlement_v2" */
    const char *format;               /* settlement.format: "v2" */
    const char *const *names;
    const int *required;
    size_t ncols;
    /* optional: refuses a header that has the required columns but is still not this layout */
    int (*check)(struct ingest_ctx *c, const struct settle_reader *rd,
                 const struct delim_row *hdr, struct err *e);
    /* one detail row, after the shared checks (width, settlement-id) */
    int (*line)(struct ingest_ctx *c, struct settle_reader *rd, const struct delim_row *r,
                struct err *e);
};

struct settle_reader {
    const struct settle_layout *layout;
    int col[SETTLE_COLS_MAX];         /* header index of each layout column, -1 when absent */
    size_t header_fields;
    struct settle *s;                 /* after the summary row */
    /* the lines of one order share their posted date: the last one parsed and its result
     * ("" for none), so a repeat costs a strcmp */
    char last_when[64], last_posted[DATES_ISO_MAX];
    int have_last;
    /* the older layout gives an item's quantity on a row of its own, without amounts: the
     * last such row, for the item's amount rows that follow it */
    char qty_order[64], qty_sku[64];
    int64_t qty;
};

/* Column i of the layout in row r ("" when absent or past a ragged row's end). */
#define SETTLE_F(r, rd, i) delim_get(r, (rd)->col[i])

/* Installs the shared settlement reader for layout L on c. */
int settle_reader_start(struct ingest_ctx *c, const struct delim_row *hdr,
                        const struct settle_layout *L, struct err *e);

/* Fills what every amount line of row r shares: transaction type, identifiers, SKU,
 * quantity, and the posted date (from column col_time when filled, else posted-date), parsed
 * through the reader's cache. */
int settle_reader_fields(struct ingest_ctx *c, struct settle_reader *rd,
                         const struct delim_row *r, int col_time, struct settle_amount *a,
                         struct err *e);

/* Format readers: each checks the header and installs row/finish/free_state on c. */
int ingest_v2_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_v1_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_orders_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_bank_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_costs_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);
int ingest_inventory_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e);

/* SP-API Orders JSON (getOrders, getOrder, getOrderItems); reads the whole file. */
int ingest_spapi(struct ingest_ctx *c, struct err *e);

/* Parses a whole-number quantity; "" gives -1. col is 0-based. */
int ingest_quantity(struct ingest_ctx *c, const char *q, size_t line, int col, int64_t *out,
                    struct err *e);

/* Refuses non-empty fields beyond the header's width. */
int ingest_check_width(struct ingest_ctx *c, const struct delim_row *r, size_t header_fields,
                       struct err *e);

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

/* Sets the quantity of the Principal lines of order_id and sku already added without one
 * (the older layout's quantity row came after them). */
int settle_quantity(struct settle *s, const char *order_id, const char *sku, int64_t qty,
                    struct err *e);
int settle_exponent(const struct settle *s);

/* Parses an amount in either convention ("1.234,56", "-1,50", "29.99    "): the last
 * separator is the decimal mark, except that one followed by exactly three final digits reads
 * as the file's other amounts showed (thousands before any showed it). */
int settle_parse_amount(struct settle *s, const char *v, money_t *out, struct err *e);
char settle_decimal_of(const char *v, int exp);
int settle_add(struct settle *s, const struct settle_amount *a, struct err *e);
int settle_end(struct settle *s, struct err *e);
void settle_free(struct settle *s);

/* Parses a posted date into canonical text (buf DATES_ISO_MAX); "" stays NULL. */
int settle_posted(struct ingest_ctx *c, const char *s, size_t line, int col, const char *name,
                  char *buf, const char **out, struct err *e);

/* Order history, shared by the All Orders flat file and SP-API JSON readers
 * (ingest_orderdb.c). Strings are borrowed for the call; NULL or "" is stored as NULL. */
enum orderdb_money {
    OM_ITEM_PRICE, OM_ITEM_TAX, OM_SHIPPING_PRICE, OM_SHIPPING_TAX, OM_GIFT_WRAP_PRICE,
    OM_GIFT_WRAP_TAX, OM_ITEM_PROMOTION_DISCOUNT, OM_SHIP_PROMOTION_DISCOUNT, OM_COUNT
};

struct orderdb_order {
    const char *order_id, *merchant_order_id, *purchase, *last_updated, *status;
    const char *fulfillment_channel, *sales_channel, *currency, *ship_country, *buyer_ref;
    int has_total;           /* order_total is known */
    money_t total;
    int is_business;         /* 1, 0, or -1 when unknown */
};

struct orderdb_item {
    const char *order_id, *order_item_id, *sku, *asin, *product_name, *item_status;
    const char *currency;    /* NULL when the row has no prices (cancelled, pending) */
    int64_t quantity;
    money_t amount[OM_COUNT];
};

struct orderdb;

/* Prepares the statements for c's source file; the caller owns *out (orderdb_free). */
int orderdb_open(struct ingest_ctx *c, struct orderdb **out, struct err *e);
/* Inserts or updates the order: values the new file carries win, absent ones (NULL) keep
 * what the ledger knew. */
int orderdb_order(struct orderdb *d, const struct orderdb_order *o, struct err *e);
/* Deletes the order's items that came from other source files: all of them when
 * order_item_id is NULL, else those with that id and those with no id (flat-file rows),
 * so the pages of one getOrderItems listing do not erase each other. */
int orderdb_replace(struct orderdb *d, const char *order_id, const char *order_item_id,
                    struct err *e);
int orderdb_item(struct orderdb *d, const struct orderdb_item *it, struct err *e);
void orderdb_free(struct orderdb *d);

/* ---- file identity (ingest_seen.c) ---------------------------------------------------- */
struct ingest_seen {
    int64_t dev, ino, bytes, mtime_ns, ctime_ns;
    int usable;              /* a regular file that stat could read */
    int known;               /* its identity was recorded: hex came from file_seen */
};
/* The file's SHA-256 into hex from file_seen: 1 when its identity on disk is the one
 * recorded (and verify is 0), 0 when it must be read (out says whether it is a regular
 * file), -1 on error. */
int ingest_seen_lookup(struct ledger *lg, const char *path, int verify,
                       char hex[HASH_HEX_LEN], struct ingest_seen *out, struct err *e);
/* Records the identity a hash was read under (nothing when it came from file_seen). */
int ingest_seen_record(struct ledger *lg, const struct ingest_seen *s, const char *hex,
                       struct err *e);

#endif
