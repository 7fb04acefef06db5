/* reconcile_int — what the reconcile checks share. Private to src/reconcile*.c. Each check
 * reads the ledger with ORDER BY on every key, so the same ledger gives the same rows in the
 * same order, and emits them into the run's exception batch through reconcile_emit. */
#ifndef SETTLEBOOK_RECONCILE_INT_H
#define SETTLEBOOK_RECONCILE_INT_H

#include <stdint.h>

#include "base.h"
#include "reconcile.h"

struct reconcile_ctx {
    struct ledger *lg;
    const struct config *cfg;
    const char *period;        /* "" = every settlement; bound as ?1 of PERIOD_SCOPE_SQL */
    int has_history;           /* any order history in the ledger */
    struct exception_batch *batch;  /* the fresh rows of this run */
    void *scratch;             /* the running check's own state */
    struct rcombos *combos;    /* the combinations of the settlements in scope, in scope
                                * order, from UNMAPPED's pass (reused by NEW_AMOUNT_TYPE) */
    size_t ncombos;
    struct rsettles *settles;  /* the settlements in scope: unchanged since their last run? */
    struct rdupseed *dupseeds; /* per settlement UNMAPPED's pass read, the fingerprints of
                                * its lines' first partition that repeat (reconcile_lines.c):
                                * DUPLICATE_LINE goes on from there without a read of its own */
    size_t ndupseeds;
    struct fees *fees;         /* the fee check's samples, collected during UNMAPPED's read */
    struct rf *refunds;        /* the refunds check's tables, its Order lines from that read */
    struct ship *shipped;      /* UNITS_NOT_SETTLED's units settled, from that read */
};

/* Adds one fresh exception to the run's batch (see exception_batch_add). */
int reconcile_emit(struct reconcile_ctx *c, const struct exception_row *r, struct err *e);

/* money_format with the currency's exponent (2 when unknown) and the code appended:
 * "-12.34 USD". buf holds at least RECONCILE_AMOUNT_MAX bytes. */
#define RECONCILE_AMOUNT_MAX (MONEY_FMT_MAX + 8)
char *reconcile_amount(char *buf, int64_t v, const char *currency);

/* Column text, or NULL for SQL NULL (reconcile_col) / "" (reconcile_str). */
const char *reconcile_col(sqlite3_stmt *st, int i);
const char *reconcile_str(sqlite3_stmt *st, int i);

/* Binds the period as ?1 and steps st to completion, calling row(c, st, e) per row;
 * finalizes st. */
int reconcile_each(struct reconcile_ctx *c, sqlite3_stmt *st,
                   int (*row)(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e),
                   struct err *e);

/* ---- streaming (reconcile_scan.c) ------------------------------------------------------
 * The line checks run as C passes over each settlement's lines (in the order of the
 * settlement_ref index) with hash tables keyed by what the old GROUP BY grouped by, and sort
 * their groups by the old ORDER BY, so they emit the same rows in the same order. */
#define RECONCILE_KEY_MAX (4 << 20)       /* bytes of one grouping key */
#define RECONCILE_GROUPS_MAX 4000000      /* distinct groups of one hash table */

/* 1 when SETTLEBOOK_RECONCILE_SQL=1: run the reference GROUP BY queries instead. */
int reconcile_sql_reference(void);

/* A grouping key: fields appended as tagged bytes (NULL and "" differ). Owned buffer. */
struct rkey {
    char *buf;
    size_t len, cap;
};
void rkey_reset(struct rkey *k);
int rkey_text(struct rkey *k, const char *s, size_t n, struct err *e);
int rkey_col(struct rkey *k, sqlite3_stmt *st, int i, struct err *e);
int rkey_int(struct rkey *k, int64_t v, struct err *e);
void rkey_free(struct rkey *k);
uint64_t reconcile_fp(const void *p, size_t n);
/* A fingerprint built field by field: start from RECONCILE_FP_SEED, add each field (a NULL
 * text differs from ""), finish with reconcile_fp_done. */
#define RECONCILE_FP_SEED 0x9e3779b97f4a7c15ULL
uint64_t reconcile_fp_text(uint64_t h, const char *s, size_t n);
uint64_t reconcile_fp_int(uint64_t h, int64_t v);
uint64_t reconcile_fp_done(uint64_t h);

/* Open-addressing table of key -> val_size zeroed bytes. */
struct rtab_entry {
    uint64_t hash;
    char *val, *key;
    size_t key_len;
};
struct rtab {
    struct rtab_entry **slots;
    size_t cap, n, val_size;
};
int rtab_init(struct rtab *t, size_t val_size, struct err *e);
/* The value of key k, created zeroed (*created = 1) when new; NULL with e filled on error. */
void *rtab_get(struct rtab *t, const struct rkey *k, int *created, struct err *e);
/* The value of key k, or NULL when absent (never creates). */
void *rtab_find(const struct rtab *t, const struct rkey *k);
/* The n entries in slot order (malloc'd array; entries stay owned by t). */
struct rtab_entry **rtab_entries(struct rtab *t, struct err *e);
void rtab_free(struct rtab *t);

/* A set of nonzero 64-bit fingerprints (open addressing; zero marks a free slot), used to
 * tell whether an order's lines came back after another order's. */
struct rseen {
    uint64_t *v;
    size_t n, cap;
};
/* Adds fp; *seen = 1 when it was there already, or when the set holds max already. */
int rseen_add(struct rseen *t, size_t max, uint64_t fp, int *seen, struct err *e);
void rseen_free(struct rseen *t);

/* A settlement in scope; strings valid during the callback. */
struct rsettlement {
    int64_t ref, lines;
    const char *id, *currency, *marketplace;
};
/* Calls fn per settlement in scope, ORDER BY start_utc, settlement_id. */
int reconcile_settlements(struct reconcile_ctx *c,
                          int (*fn)(struct reconcile_ctx *c, const struct rsettlement *s,
                                    struct err *e),
                          struct err *e);
/* A settlement's (transaction-type, amount-type, amount-description, marketplace: the line's,
 * else the settlement's) combinations with their lines and sum, sorted by the four texts as
 * GROUP BY ... ORDER BY them would (texts owned). One pass over its lines. */
struct rcombo {
    int64_t n, sum;
    char *f[4];
};
struct rcombos {
    int64_t ref;
    struct rcombo *v;
    size_t n;
};
int reconcile_combos(struct reconcile_ctx *c, const struct rsettlement *s, struct rcombos *out,
                     struct err *e);
void reconcile_combos_free(struct rcombos *x);
void reconcile_dupseeds_free(struct reconcile_ctx *c);
/* ---- per-settlement reuse (reconcile_settle.c) ------------------------------------------ */
/* Finds which settlements in scope are unchanged since their last run (says so under
 * --verbose: "reconcile: N of M settlement(s) recomputed"). */
int reconcile_settles_begin(struct reconcile_ctx *c, struct err *e);
/* How many settlements are in scope. */
size_t reconcile_settles_count(const struct reconcile_ctx *c);
/* 1 when settlement ref's own checks may carry their previous rows over. */
int reconcile_settle_same(const struct reconcile_ctx *c, int64_t ref);
/* Emits again settlement s's previous rows of kind (UNMAPPED, or DUPLICATE_LINE within it). */
int reconcile_settle_carry(struct reconcile_ctx *c, const struct rsettlement *s,
                           const char *kind, struct err *e);
/* Records the recomputed settlements' digests (after the batch is applied). */
int reconcile_settles_remember(struct reconcile_ctx *c, struct err *e);
void reconcile_settles_free(struct reconcile_ctx *c);
/* Calls fn(arg, st) per line of settlement ref, with "SELECT columns". */
int reconcile_lines_each(struct reconcile_ctx *c, const char *columns, int64_t ref,
                         int (*fn)(void *arg, sqlite3_stmt *st, struct err *e), void *arg,
                         struct err *e);
/* Calls fn(arg, st) per row of sql (no parameters). */
int reconcile_query_each(struct reconcile_ctx *c, const char *sql,
                         int (*fn)(void *arg, sqlite3_stmt *st, struct err *e), void *arg,
                         struct err *e);
/* Settlements in the whole ledger. */
int reconcile_settlement_count(struct reconcile_ctx *c, int64_t *out, struct err *e);
/* Whether *buf (of *cap bytes, NULL at first) holds s already: if not, *changed = 1 and s
 * is copied there. For "the same order as the line before". */
int reconcile_keep_text(char **buf, size_t *cap, const char *s, int *changed, struct err *e);
/* ORDER BY on TEXT: bytes, NULL first. */
int reconcile_cmp_text(const char *a, const char *b);
/* Room for element n of the array *pp of *cap elements of size bytes (doubling from 16). */
int reconcile_grow(void *pp, size_t *cap, size_t n, size_t size, struct err *e);
/* *sum += v, an error on 64-bit overflow (as SQLite's sum()). */
int reconcile_add(int64_t *sum, int64_t v, struct err *e);

/* ---- one read of a settlement's lines for several checks ----------------------------------
 * UNMAPPED's read of a settlement in scope (reconcile_lines.c) selects these columns, so the
 * duplicate-line fingerprints and the fee check's samples come from the same read. */
#define RECONCILE_LINE_COLS                                                                 \
    "order_id, sku, transaction_type, amount_type, amount_description, amount_minor, "     \
    "posted, order_item_code, adjustment_id, shipment_id, marketplace, quantity, id"
enum { RL_ORDER, RL_SKU, RL_TT, RL_AT, RL_AD, RL_AMOUNT, RL_POSTED, RL_OIC, RL_ADJ, RL_SHIP,
       RL_MK, RL_QTY, RL_ID };
struct fees;
/* Called per settlement of the ledger as the fee check collects its samples: sets *shared
 * when it read the settlement's lines itself (RECONCILE_LINE_COLS, ORDER BY id), each given
 * to reconcile_fees_line(c->fees, ...). */
typedef int (*reconcile_fees_reader)(struct reconcile_ctx *c, const struct rsettlement *s,
                                     int in_scope, void *arg, int *shared, struct err *e);
/* Collects the fee check's samples into c->fees (reconcile_fees_collect.c), read() asked
 * first for each settlement; reconcile_fees uses them then instead of collecting its own. */
int reconcile_fees_collect(struct reconcile_ctx *c, reconcile_fees_reader read, void *arg,
                           struct err *e);
int reconcile_fees_line(struct fees *f, sqlite3_stmt *st, struct err *e);
void reconcile_fees_discard(struct reconcile_ctx *c);
/* The same for the refunds check (reconcile_refunds.c: the Refund lines are read at begin)
 * and UNITS_NOT_SETTLED (reconcile_shipped.c): their checks use c->refunds, c->shipped when
 * set, the line functions being given every line of every settlement, with its ref. */
struct rf;
struct ship;
int reconcile_refunds_begin(struct reconcile_ctx *c, struct err *e);
int reconcile_refunds_line(struct rf *r, sqlite3_stmt *st, struct err *e);
void reconcile_refunds_discard(struct reconcile_ctx *c);
int reconcile_shipped_begin(struct reconcile_ctx *c, struct err *e);
int reconcile_shipped_line(struct ship *p, int64_t sref, sqlite3_stmt *st, struct err *e);
/* The shared read gives UNITS_NOT_SETTLED no order's lines apart from each other: an order's
 * lines that came back after another's (the fee check, reading the same lines in the same
 * order, found it: reconcile_fees_apart) leave it to the query. */
void reconcile_shipped_apart(struct ship *p);
int reconcile_fees_apart(const struct fees *f);
void reconcile_shipped_discard(struct reconcile_ctx *c);

/* The checks, run in this order by reconcile_run:
 *   unmapped    UNMAPPED                     duplicates  DUPLICATE_LINE
 *   reserve     RESERVE_DISCONTINUITY        payable     PAYABLE_DISCONTINUITY
 *   deposit     DEPOSIT_*, bank CURRENCY_MISMATCH
 *   orders      ORDER_*, PRICE_MISMATCH, the order side of CURRENCY_MISMATCH
 *   refunds     REFUND_WITHOUT_ORDER, REFUND_EXCEEDS_CHARGE
 *   fees        FEE_ANOMALY
 *   inventory   REIMBURSEMENT_DUE, UNITS_NOT_SETTLED, INVENTORY_MISMATCH */
int reconcile_unmapped(struct reconcile_ctx *c, struct err *e);
int reconcile_duplicates(struct reconcile_ctx *c, struct err *e);
int reconcile_reserve(struct reconcile_ctx *c, struct err *e);
int reconcile_payable(struct reconcile_ctx *c, struct err *e);
int reconcile_deposit(struct reconcile_ctx *c, struct err *e);
int reconcile_orders(struct reconcile_ctx *c, struct err *e);
int reconcile_refunds(struct reconcile_ctx *c, struct err *e);
int reconcile_fees(struct reconcile_ctx *c, struct err *e);
int reconcile_inventory(struct reconcile_ctx *c, struct err *e);
/* UNITS_NOT_SETTLED from one read of the Order lines (reconcile_shipped.c): emits the rows
 * through emit and sets *done, or leaves *done 0 (nothing emitted) when the lines are not in
 * the order it needs; then the caller runs the query. */
int reconcile_shipped(struct reconcile_ctx *c,
                      int (*emit)(struct reconcile_ctx *c, const char *month, const char *sku,
                                  const char *location, int64_t shipped, int64_t settled,
                                  struct err *e),
                      int *done, struct err *e);
/*   newtypes    NEW_AMOUNT_TYPE (reconcile_newtypes.c) */
int reconcile_newtypes(struct reconcile_ctx *c, struct err *e);
/*   market      MARKETPLACE_UNCONFIGURED (reconcile_market.c) */
int reconcile_market(struct reconcile_ctx *c, struct err *e);

#endif
