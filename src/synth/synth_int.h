/* synth_int — the event model shared by src/synth.c (generation) and src/synth_write.c
 * (the three file layouts). Private to src/synth*.c. */
#ifndef SETTLEBOOK_SYNTH_INT_H
#define SETTLEBOOK_SYNTH_INT_H

#include <stdint.h>

#include "base.h"
#include "synth.h"

#define SYNTH_ITEMS_MAX 2     /* items in one order */
#define SYNTH_AMOUNTS_MAX 32  /* amount lines in one event */
#define SYNTH_ID_MAX 24

enum synth_kind {
    SK_ORDER, SK_REFUND, SK_SUBSCRIPTION, SK_STORAGE, SK_ADVERTISING, SK_REVERSAL,
    SK_DAMAGE, SK_RESERVE_PREV, SK_RESERVE_CURR
};

/* Which amount column of the older layout an amount goes into. */
enum synth_v1col { V1_PRICE, V1_FEE, V1_PROMO, V1_OTHER };

struct synth_item {
    int sku;                          /* index into the catalogue */
    int qty;
    char code[SYNTH_ID_MAX];          /* order-item-code */
    money_t principal, tax, shipping, shipping_tax, gift_wrap, promo, ship_promo;
};

struct synth_amount {
    const char *ttype, *atype, *desc; /* V2 transaction-type, amount-type, description */
    const char *v1type;               /* the older layout's transaction-type */
    int v1col;                        /* enum synth_v1col */
    money_t amount;
    int item;                         /* index into items, or -1 */
    int qty;                          /* quantity-purchased on this line, 0 = empty */
    int promo;                        /* carries the promotion-id */
};

struct synth_event {
    int kind;                         /* enum synth_kind */
    int64_t index;                    /* position among the events */
    char order_id[SYNTH_ID_MAX], shipment_id[SYNTH_ID_MAX], adjustment_id[SYNTH_ID_MAX];
    char promo_id[SYNTH_ID_MAX];
    int marketplace;                  /* 1 when marketplace-name is filled */
    int n_items;
    struct synth_item items[SYNTH_ITEMS_MAX];
    int n;
    struct synth_amount a[SYNTH_AMOUNTS_MAX];
};

struct synth_sku {
    char sku[24], asin[12], name[64];
    money_t price, fba_fee;
};

/* The fixed catalogue of SYNTH_SKUS products (stable SKUs and prices). */
#define SYNTH_SKUS 50
void synth_catalogue(int i, struct synth_sku *out);

/* Event k of the settlement. filler = 1 gives a one-line event (used when the rows left
 * cannot hold a whole order). */
void synth_event(const struct synth_plan *p, int64_t k, int filler, struct synth_event *out);

/* An order that was shipped but is in no settlement (u = 0 .. p->unsettled-1). */
void synth_unsettled(const struct synth_plan *p, int64_t u, struct synth_event *out);

/* Walks the settlement's events in order, calling fn for each (reserves first and last). */
typedef int (*synth_event_fn)(void *ctx, const struct synth_event *ev, struct err *e);
int synth_walk(const struct synth_plan *p, synth_event_fn fn, void *ctx, struct err *e);

/* When event k happens (seconds since the epoch); monotonic in k. */
int64_t synth_posted(const struct synth_plan *p, int64_t k);

/* splitmix64 of x: the mixing step every random choice is derived from. */
uint64_t synth_mix(uint64_t x);

#endif
