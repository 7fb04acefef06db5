/* reconcile_fees — private to reconcile_fees*.c: the samples the fee check collects
 * (reconcile_fees_collect.c) and judges (reconcile_fees.c). */
#ifndef SETTLEBOOK_RECONCILE_FEES_H
#define SETTLEBOOK_RECONCILE_FEES_H

#include "reconcile_int.h"

#define FEE_UNIT_SCALE 10000     /* per-unit fees in 1/10000 of a minor unit */
#define FEE_RATE_SCALE 1000000   /* referral rates in millionths of the sales price */
#define FEE_TYPES_MAX 10000
#define FEE_SEQ_BITS 40          /* line ids below 2^40 */
#define FEE_ORDERS_MAX ((size_t)1 << 19)   /* orders of a settlement read in reading order */

struct fee_type {
    char *at, *ad;
    int rate;                    /* 1: a share of the sales price (Commission) */
};

struct fee_sample {
    int64_t value;               /* per unit (FEE_UNIT_SCALE) or rate (FEE_RATE_SCALE) */
    int64_t fee, basis;          /* the item's fee, its quantity or sales price */
    int64_t line;                /* settlement_line.id of its first fee line (its order id) */
    uint64_t seq;                /* that line in reading order: sett << FEE_SEQ_BITS | line */
    int32_t qty, day;            /* the item's units; yyyymmdd of that line */
    uint32_t sett;               /* index in fees.sett */
};

struct fee_group {               /* one SKU, fee type and currency */
    char *sku;
    uint32_t type;
    int64_t n, n0;               /* its samples; before the settlement being read */
};

struct fee_item {                /* one order item of the order being read */
    struct rkey key;             /* order item code, SKU */
    char *sku;
    size_t capsku;
    int64_t qty, price;
};

struct fee_rec {                 /* one fee line of the order being read */
    int64_t fee, line;
    uint64_t seq;
    uint32_t item, type;         /* item: index in fees.it */
    int32_t day;
};

struct fee_sett {
    char *id, *currency;
    int in_scope;
};

/* Memory stays flat as the ledger grows: the samples go to a SQLite temp table (temp_store
 * is a file by default, its cache SQLite's default 2 MB), sorted there by SQLite's external
 * sort; the settlement's lines are read ordered by order id, so only one order's lines are
 * held; what stays in memory grows with the SKUs, fee types and settlements, never with the
 * lines. */
struct fees {
    struct reconcile_ctx *c;
    struct rtab types, groups;   /* groups: key -> index in grp */
    struct fee_type *type;
    size_t ntypes, captypes;
    struct fee_sett *sett;
    size_t nsett, capsett;
    struct fee_group *grp;
    size_t ngrp, capgrp;
    char *order;                 /* the order being read: its id */
    size_t caporder;
    struct fee_item *it;         /* its items; initit slots have a key buffer */
    size_t nit, capit, initit;
    struct fee_rec *rec;         /* its fee lines */
    size_t nrec, caprec, held;   /* held: the most fee lines held at once (--verbose) */
    struct rseen seen;           /* fingerprints of the orders read */
    int64_t nput;                /* rows of temp.fee_sample (its rowids: 1 ..) */
    struct rkey k;               /* scratch */
    sqlite3_stmt *put;           /* INSERT INTO temp.fee_sample */
    int32_t start_day;           /* of the settlement being read: for lines without a date */
    const int *col;              /* where the read's columns are (FC_*) */
    int apart;                   /* an order's lines came back after another's */
};
/* The columns the fee pass reads, in LINES_SQL's order. */
enum { FC_ORDER, FC_OIC, FC_SKU, FC_QTY, FC_AT, FC_AD, FC_AMOUNT, FC_POSTED, FC_ID, FC_NCOLS };

/* Fills f (f->c set, the rest zeroed) with every settlement of the ledger and their SKU fee
 * groups, the samples of their order items in temp.fee_sample (column grp: index in f->grp). */
int fees_collect(struct fees *f, reconcile_fees_reader read, void *arg, struct err *e);
void fees_free(struct fees *f);

/* A group's samples read back a page at a time (reconcile_fees_pages.c). */
struct fee_page {
    int64_t lo, n;               /* rows lo .. lo + n - 1 */
    struct fee_sample *s;
    uint64_t used;
};
struct fee_pages {
    struct fees *f;
    struct err *e;
    sqlite3_stmt *all, *put, *get, *middle;
    struct fee_page pg[2];
    int64_t first, n;            /* the group's rows in fee_ord, or pg[0] when it fits */
    size_t size;                 /* samples per page */
    uint64_t tick;
    int64_t *val;                /* 2 x size: a level's values and feestat_of's scratch */
    int failed;                  /* a read failed: e says why */
    size_t held;                 /* the most samples held at once (--verbose) */
};
int fee_pages_open(struct fee_pages *p, struct fees *f, struct err *e);
/* Reads the next group, g (every group in turn, in index order). */
int fee_pages_next(struct fee_pages *p, const struct fee_group *g, struct err *e);
/* Sample i of the group (0-based, time order); on a failed read p->failed is set and a
 * zeroed sample returned, so callers check p->failed once after a scan. */
const struct fee_sample *fee_pages_at(struct fee_pages *p, size_t i);
/* The median and MAD of samples a .. b-1 of the group; -1 on error. */
struct feestat;
int fee_pages_stat(struct fee_pages *p, size_t a, size_t b, struct feestat *out);
/* Frees p; closing twice is harmless. */
void fee_pages_close(struct fee_pages *p);

#endif
