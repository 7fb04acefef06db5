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
    int64_t fee, basis, qty;     /* the item's fee, its quantity or sales price, its units */
    uint64_t seq;                /* the item's first fee line, in reading order */
    int32_t day;                 /* yyyymmdd of that line */
    uint32_t sett;               /* index in fees.sett */
    char *order_id;              /* kept for settlements in scope only (the ones emitted) */
};

struct fee_group {               /* one SKU, fee type and currency */
    char *sku;
    uint32_t type;
    struct fee_sample *v;
    size_t n, cap;
};

struct fee_item {                /* one order item of the settlement being read */
    int64_t qty, price;
};

struct fee_acc {                 /* one order item and fee type of that settlement */
    int64_t fee;
    uint64_t seq;
    int32_t day;
    size_t item_len;             /* its key starts with its item's key */
    struct fee_group *group;
    char *order_id;
};

struct fee_sett {
    char *id, *currency;
    int in_scope;
};

struct fees {
    struct reconcile_ctx *c;
    struct rtab types, groups, items, accs;
    struct fee_type *type;
    size_t ntypes;
    struct fee_sett *sett;
    size_t nsett, capsett;
    uint64_t seq;
    int32_t start_day;           /* of the settlement being read: for lines without a date */
    struct rkey k;
};

/* Fills f (f->c set, the rest zeroed) with every settlement of the ledger and the samples of
 * their order items, grouped by SKU, fee type and currency. */
int fees_collect(struct fees *f, struct err *e);
void fees_free(struct fees *f);

#endif
