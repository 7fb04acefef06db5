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

/* The checks, run in this order by reconcile_run:
 *   unmapped    UNMAPPED                     duplicates  DUPLICATE_LINE
 *   reserve     RESERVE_DISCONTINUITY        payable     PAYABLE_DISCONTINUITY
 *   deposit     DEPOSIT_*, bank CURRENCY_MISMATCH
 *   orders      ORDER_*, PRICE_MISMATCH, the order side of CURRENCY_MISMATCH
 *   refunds     REFUND_WITHOUT_ORDER, REFUND_EXCEEDS_CHARGE
 *   fees        FEE_ANOMALY */
int reconcile_unmapped(struct reconcile_ctx *c, struct err *e);
int reconcile_duplicates(struct reconcile_ctx *c, struct err *e);
int reconcile_reserve(struct reconcile_ctx *c, struct err *e);
int reconcile_payable(struct reconcile_ctx *c, struct err *e);
int reconcile_deposit(struct reconcile_ctx *c, struct err *e);
int reconcile_orders(struct reconcile_ctx *c, struct err *e);
int reconcile_refunds(struct reconcile_ctx *c, struct err *e);
int reconcile_fees(struct reconcile_ctx *c, struct err *e);

#endif
