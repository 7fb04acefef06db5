/* reconcile_fees — private to reconcile_fees*.c: the samples the fee check collects
 * (reconcile_fees_collect.c) and judges (reconcile_fees.c). */
#ifndef SETTLEBOOK_RECONCILE_FEES_H
#define SETTLEBOOK_RECONCILE_FEES_H

#include "reconcile_int.h"

#define FEE_UNIT_SCALE 10000     /* per-unit fees in 1/10000 of a minor unit */
#define FEE_RATE_SCALE 1000000   /* referral rates in millionths of the sales price */
#define FEE_TYPES_MAX 10000

struct fee_type {
    char *at, *ad;
    int rate;                    /* 1: a share of the sales price (Commission) */
};

struct fee_sample {
    int64_t value;               /* per unit (FEE_UNIT_SCALE) or rate (FEE_RATE_SCALE) */
    int64_t fee, basis;          /* the item's fee, its quantity or sales price */
    int64_t line;                /* settlement_line.id of its first fee line (its order id) */
    uint64_t seq;                /* that line in reading order */
    int32_t qty, day;            /* the item's units; yyyymmdd of that line */
    uint32_t sett;               /* index in fees.sett */
};

struct fee_group {               /* one SKU, fee type and currency */
    const char *sku;             /* interned in fees.skus */
    uint32_t type;
    struct fee_sample *v;
    size_t n, cap;
};

struct fee_item {                /* one order item of the settlement being read */
    int64_t qty, price;
    uint32_t idx;                /* creation order: sorts its fee lines */
    const char *sku;
};

struct fee_rec {                 /* one fee line of that settlement */
    struct fee_item *item;
    int64_t fee, line;
    uint64_t seq;
    uint32_t type;
    int32_t day;
};

struct fee_sett {
    char *id, *currency;
    int in_scope;
};

/* Memory: the settlement being read holds a table of its order items and 40 bytes per fee
 * line; the history holds 56 bytes per sample (order item and fee type). */
struct fees {
    struct reconcile_ctx *c;
    struct rtab types, groups, skus, items;
    struct fee_type *type;
    size_t ntypes, captypes;
    struct fee_sett *sett;
    size_t nsett, capsett;
    struct fee_rec *rec;
    size_t nrec, caprec;
    uint32_t nitems;
    uint64_t seq;
    int32_t start_day;           /* of the settlement being read: for lines without a date */
    struct rkey k;
};

/* Fills f (f->c set, the rest zeroed) with every settlement of the ledger and the samples of
 * their order items, grouped by SKU, fee type and currency. */
int fees_collect(struct fees *f, struct err *e);
void fees_free(struct fees *f);

#endif
