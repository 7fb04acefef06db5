/* synth — the event model behind `settlebook synth`: every event (an order, a refund, a fee,
 * a reimbursement) is a pure function of (seed, index), so any pass can regenerate any event
 * and nothing is held in memory. Never uses rand(), the clock or floating point. */
#include "synth.h"

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "synth_int.h"

#define ID_MOD 100000000000000ULL /* 10^14: the 14 digits of an order id */
#define HALF_MOD 10000000ULL      /* 10^7 */

uint64_t synth_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* A splitmix64 stream for one purpose (salt) of one event. */
static uint64_t stream(const struct synth_plan *p, int64_t k, uint64_t salt)
{
    return synth_mix(p->key ^ synth_mix((uint64_t)k * 0xD1B54A32D192ED03ULL + salt));
}

static uint64_t next(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15ULL;
    return synth_mix(*s);
}

/* Uniform enough in [0, n) for synthetic data (n is tiny next to 2^64). */
static int64_t below(uint64_t *s, int64_t n)
{
    return (int64_t)(next(s) % (uint64_t)n);
}

int synth_format_of(const char *s)
{
    return strcmp(s, "v2") == 0 ? SYNTH_V2 : strcmp(s, "v1") == 0 ? SYNTH_V1 : -1;
}

int synth_locale_of(const char *s)
{
    return strcmp(s, "us") == 0 ? SYNTH_US : strcmp(s, "eu") == 0 ? SYNTH_EU
         : strcmp(s, "uk") == 0 ? SYNTH_UK : -1;
}

/* ---- the catalogue: 10 products in 5 colours, stable SKUs, ASINs and prices ---- */

static const struct {
    const char *code, *name;
    money_t price, fba_fee;
} products[10] = {
    { "BCB", "Bamboo Cutting Board", 2499, 412 },
    { "SWB", "Insulated Steel Water Bottle 750ml", 1999, 356 },
    { "YGM", "Non-Slip Yoga Mat 6mm", 3499, 589 },
    { "LDL", "LED Desk Lamp with USB Port", 2899, 498 },
    { "SSS", "Silicone Spatula Set of 4", 1299, 322 },
    { "TMG", "Travel Mug 450ml", 1799, 356 },
    { "PHS", "Adjustable Phone Stand", 999, 307 },
    { "CBO", "Cable Organizer Box", 2199, 441 },
    { "NBK", "Dotted Notebook A5", 849, 307 },
    { "WSK", "Merino Wool Hiking Socks", 1649, 322 },
};

static const struct {
    const char *code, *name;
    money_t extra;
} colours[5] = {
    { "BLK", "Black", 0 }, { "WHT", "White", 0 }, { "BLU", "Blue", 100 },
    { "GRN", "Green", 100 }, { "GRY", "Grey", 200 },
};

void synth_catalogue(int i, struct synth_sku *out)
{
    int pr = i / 5 % 10, co = i % 5;
    uint64_t h = synth_mix(0xA5A5u + (uint64_t)i);
    snprintf(out->sku, sizeof out->sku, "SB-%s-%s-%02d", products[pr].code, colours[co].code,
             i + 1);
    snprintf(out->asin, sizeof out->asin, "B0%08llX", (unsigned long long)(h & 0xFFFFFFFFu));
    snprintf(out->name, sizeof out->name, "%s, %s", products[pr].name, colours[co].name);
    out->price = products[pr].price + colours[co].extra;
    out->fba_fee = products[pr].fba_fee;
}

/* ---- identifiers: bijections of the index, so they never collide ---- */

/* 14 scrambled digits of idx: a four-round Feistel network on two 7-digit halves, so every
 * idx below 10^14 gets its own value (a bijection) and every digit looks random. */
static uint64_t scramble(const struct synth_plan *p, uint64_t idx, uint64_t salt)
{
    uint64_t l = idx / HALF_MOD % HALF_MOD, r = idx % HALF_MOD;
    for (uint64_t round = 0; round < 4; round++) {
        uint64_t f = synth_mix(p->key ^ synth_mix(r * 8 + round + salt * 64)) % HALF_MOD;
        uint64_t t = (l + f) % HALF_MOD;
        l = r;
        r = t;
    }
    return l * HALF_MOD + r;
}

static void make_order_id(const struct synth_plan *p, int64_t idx, char *out)
{
    static const char *const prefixes[3][4] = {
        { "111", "112", "113", "114" }, { "302", "303", "304", "305" },
        { "202", "203", "204", "206" },
    };
    uint64_t x = scramble(p, (uint64_t)idx, 11);
    snprintf(out, SYNTH_ID_MAX, "%s-%07llu-%07llu",
             prefixes[p->o.locale][synth_mix(p->key ^ (uint64_t)idx) % 4],
             (unsigned long long)(x / 10000000ULL), (unsigned long long)(x % 10000000ULL));
}

static void make_alnum(uint64_t *s, char *out, int n)
{
    static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    for (int i = 0; i < n; i++)
        out[i] = set[below(s, (int64_t)sizeof set - 1)];
    out[n] = '\0';
}

/* ---- events ---- */

/* The first events cover every kind, so even a small file shows the whole vocabulary. */
static const int fixed_kinds[] = {
    SK_ORDER, SK_REFUND, SK_SUBSCRIPTION, SK_REVERSAL, SK_ORDER, SK_STORAGE, SK_ADVERTISING,
    SK_DAMAGE,
};
#define FIXED_KINDS ((int64_t)(sizeof fixed_kinds / sizeof fixed_kinds[0]))

static int kind_of(const struct synth_plan *p, int64_t k)
{
    int64_t r;
    if (k < FIXED_KINDS)
        return fixed_kinds[k];
    r = (int64_t)(stream(p, k, 1) % 1000);
    return r < 820 ? SK_ORDER : r < 920 ? SK_REFUND : r < 950 ? SK_ADVERTISING
         : r < 965 ? SK_STORAGE : r < 985 ? SK_REVERSAL : SK_DAMAGE;
}

static void add(struct synth_event *ev, const char *tt, const char *at, const char *desc,
                const char *v1type, int v1col, money_t amount, int item)
{
    struct synth_amount *a;
    if (amount == 0 || ev->n == SYNTH_AMOUNTS_MAX)
        return;
    a = &ev->a[ev->n++];
    memset(a, 0, sizeof *a);
    a->ttype = tt;
    a->atype = at;
    a->desc = desc;
    a->v1type = v1type;
    a->v1col = v1col;
    a->amount = amount;
    a->item = item;
}

/* Rounds a positive x * bp / 10000 half up. */
static money_t pct(money_t x, int bp)
{
    return (x * bp + 5000) / 10000;
}

static void begin(struct synth_event *ev, int kind, int64_t k)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->index = k;
    ev->marketplace = 1;
}

#define COMMISSION_BP 1500
#define REFUND_COMMISSION_BP 2000
#define REFUND_COMMISSION_MAX 500
#define PROMO_BP 1000

static void order_item(uint64_t *s, struct synth_item *it, int force_extras)
{
    static const int tax_bp[] = { 600, 725, 825, 875, 1000 };
    struct synth_sku c;
    int64_t r = below(s, 100);
    int rate = tax_bp[below(s, 5)];
    it->sku = (int)below(s, SYNTH_SKUS);
    it->qty = r < 70 ? 1 : r < 92 ? 2 : 3;
    synth_catalogue(it->sku, &c);
    it->principal = c.price * it->qty;
    it->tax = pct(it->principal, rate);
    if (force_extras || below(s, 100) < 30) {
        it->shipping = 299 + 100 * below(s, 6);
        it->shipping_tax = pct(it->shipping, rate);
        if (force_extras || below(s, 100) < 40)
            it->ship_promo = -it->shipping;
    }
    if (force_extras || below(s, 100) < 5)
        it->gift_wrap = 399;
    if (force_extras || below(s, 100) < 10)
        it->promo = -pct(it->principal, PROMO_BP);
}

static void order_amounts(struct synth_event *ev, int i)
{
    const struct synth_item *it = &ev->items[i];
    struct synth_sku c;
    /* the referral fee is charged on the sales price: item, shipping, gift wrap, less
     * promotions */
    money_t base = it->principal + it->shipping + it->gift_wrap + it->promo + it->ship_promo;
    synth_catalogue(it->sku, &c);
    add(ev, "Order", "ItemPrice", "Principal", "Order", V1_PRICE, it->principal, i);
    ev->a[ev->n - 1].qty = it->qty;
    add(ev, "Order", "ItemPrice", "Tax", "Order", V1_PRICE, it->tax, i);
    add(ev, "Order", "ItemPrice", "Shipping", "Order", V1_PRICE, it->shipping, i);
    add(ev, "Order", "ItemPrice", "ShippingTax", "Order", V1_PRICE, it->shipping_tax, i);
    add(ev, "Order", "ItemPrice", "GiftWrap", "Order", V1_PRICE, it->gift_wrap, i);
    add(ev, "Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "Order", V1_FEE,
        -it->tax, i);
    add(ev, "Order", "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", "Order", V1_FEE,
        -it->shipping_tax, i);
    add(ev, "Order", "Promotion", "Principal", "Order", V1_PROMO, it->promo, i);
    if (it->promo)
        ev->a[ev->n - 1].promo = 1;
    add(ev, "Order", "Promotion", "Shipping", "Order", V1_PROMO, it->ship_promo, i);
    if (it->ship_promo)
        ev->a[ev->n - 1].promo = 2;
    add(ev, "Order", "ItemFees", "FBAPerUnitFulfillmentFee", "Order", V1_FEE,
        -c.fba_fee * it->qty, i);
    add(ev, "Order", "ItemFees", "Commission", "Order", V1_FEE,
        -(base > 0 ? pct(base, COMMISSION_BP) : 0), i);
    add(ev, "Order", "ItemFees", "ShippingChargeback", "Order", V1_FEE, -it->shipping, i);
    add(ev, "Order", "ItemFees", "GiftwrapChargeback", "Order", V1_FEE, -it->gift_wrap, i);
}

/* Order number idx (an event index, or events + u for an unsettled order). */
static void gen_order(const struct synth_plan *p, int64_t idx, int first,
                      struct synth_event *ev)
{
    static const char *const promos[] = { "A17QJ2MKEWY3B5", "A2BKT7X4NAQ9JD",
                                          "A3R8HF2ZU6MPLC", "SPRING-SAVE-10" };
    uint64_t s = stream(p, idx, 2);
    begin(ev, SK_ORDER, idx);
    make_order_id(p, idx, ev->order_id);
    make_alnum(&s, ev->shipment_id, 9);
    snprintf(ev->promo_id, sizeof ev->promo_id, "%s", promos[below(&s, 4)]);
    ev->n_items = first ? 1 : below(&s, 100) < 85 ? 1 : 2;
    for (int i = 0; i < ev->n_items; i++) {
        struct synth_item *it = &ev->items[i];
        uint64_t code = scramble(p, (uint64_t)idx * SYNTH_ITEMS_MAX + (uint64_t)i, 21);
        order_item(&s, it, first);
        snprintf(it->code, sizeof it->code, "%014llu", (unsigned long long)code);
    }
    for (int i = 0; i < ev->n_items; i++)
        order_amounts(ev, i);
}

/* The order a refund at event k pays back: REFUND_LAG events earlier (the first refund
 * takes the first order). Distinct refunds always name distinct orders, so no order is
 * refunded twice; -1 when that event is not an order (then k becomes an order itself). */
#define REFUND_LAG 37
static int64_t refund_target(const struct synth_plan *p, int64_t k)
{
    int64_t j = k == 1 ? 0 : k - REFUND_LAG;
    return j == 0 || (j > 0 && kind_of(p, j) == SK_ORDER) ? j : -1;
}

static void gen_refund(const struct synth_plan *p, int64_t k, uint64_t *s,
                       struct synth_event *ev)
{
    struct synth_event o;
    int64_t j = refund_target(p, k);
    struct synth_sku c;
    money_t unit, tax, comm, promo;
    gen_order(p, j, j == 0, &o);
    begin(ev, SK_REFUND, k);
    memcpy(ev->order_id, o.order_id, sizeof ev->order_id);
    snprintf(ev->adjustment_id, sizeof ev->adjustment_id, "%014llu",
             (unsigned long long)(next(s) % ID_MOD));
    ev->n_items = 1;
    ev->items[0] = o.items[0];
    synth_catalogue(o.items[0].sku, &c);
    unit = c.price;
    tax = o.items[0].tax / o.items[0].qty;
    promo = o.items[0].promo / o.items[0].qty;
    comm = pct(unit + promo, COMMISSION_BP);
    add(ev, "Refund", "ItemPrice", "Principal", "Refund", V1_PRICE, -unit, 0);
    add(ev, "Refund", "ItemPrice", "Tax", "Refund", V1_PRICE, -tax, 0);
    add(ev, "Refund", "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", "Refund", V1_FEE,
        tax, 0);
    add(ev, "Refund", "Promotion", "Principal", "Refund", V1_PROMO, -promo, 0);
    if (promo) {
        ev->a[ev->n - 1].promo = 1;
        memcpy(ev->promo_id, o.promo_id, sizeof ev->promo_id);
    }
    add(ev, "Refund", "ItemFees", "Commission", "Refund", V1_FEE, comm, 0);
    comm = pct(comm, REFUND_COMMISSION_BP);
    add(ev, "Refund", "ItemFees", "RefundCommission", "Refund", V1_FEE,
        -(comm < REFUND_COMMISSION_MAX ? comm : REFUND_COMMISSION_MAX), 0);
}

static void gen_other(const struct synth_plan *p, int kind, int64_t k, uint64_t *s,
                      struct synth_event *ev)
{
    static const money_t subscription[3] = { 3999, 3900, 2500 };
    struct synth_sku c;
    int q;
    begin(ev, kind, k);
    switch (kind) {
    case SK_SUBSCRIPTION:
        add(ev, "ServiceFee", "other-transaction", "Subscription Fee", "Subscription Fee",
            V1_OTHER, -subscription[p->o.locale], -1);
        break;
    case SK_STORAGE:
        add(ev, "ServiceFee", "other-transaction", "Storage Fee", "Storage Fee", V1_OTHER,
            -(500 + below(s, 14500)), -1);
        break;
    case SK_ADVERTISING:
        add(ev, "ServiceFee", "Cost of Advertising", "TransactionTotalAmount",
            "Cost of Advertising", V1_OTHER, -(300 + below(s, 5700)), -1);
        break;
    default: /* SK_REVERSAL, SK_DAMAGE: Amazon pays for stock it lost or broke */
        ev->n_items = 1;
        ev->items[0].sku = (int)below(s, SYNTH_SKUS);
        ev->items[0].qty = q = 1 + (int)below(s, 3);
        synth_catalogue(ev->items[0].sku, &c);
        snprintf(ev->adjustment_id, sizeof ev->adjustment_id, "%014llu",
                 (unsigned long long)(next(s) % ID_MOD));
        if (kind == SK_REVERSAL)
            add(ev, "other-transaction", "FBA Inventory Reimbursement", "REVERSAL_REIMBURSEMENT",
                "REVERSAL_REIMBURSEMENT", V1_OTHER, c.price * q, 0);
        else
            add(ev, "other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE",
                "WAREHOUSE_DAMAGE", V1_OTHER, pct(c.price * q, 6000), 0);
        ev->a[0].qty = q;
        break;
    }
}

void synth_event(const struct synth_plan *p, int64_t k, int filler, struct synth_event *out)
{
    uint64_t s = stream(p, k, 3);
    int kind = filler ? (k % 3 ? SK_ADVERTISING : SK_STORAGE) : kind_of(p, k);
    if (kind == SK_REFUND && refund_target(p, k) < 0)
        kind = SK_ORDER;
    if (kind == SK_ORDER)
        gen_order(p, k, k == 0, out);
    else if (kind == SK_REFUND)
        gen_refund(p, k, &s, out);
    else
        gen_other(p, kind, k, &s, out);
}

void synth_unsettled(const struct synth_plan *p, int64_t u, struct synth_event *out)
{
    gen_order(p, p->events + u, 0, out);
}

static void reserve(const struct synth_plan *p, int kind, struct synth_event *ev)
{
    int prev = kind == SK_RESERVE_PREV;
    const char *d = prev ? "Previous Reserve Amount Balance" : "Current Reserve Amount";
    begin(ev, kind, prev ? -1 : p->events);
    ev->marketplace = 0;
    add(ev, "other-transaction", "other-transaction", d, d, V1_OTHER,
        prev ? p->reserve_prev : p->reserve_curr, -1);
}

int64_t synth_posted(const struct synth_plan *p, int64_t k)
{
    int64_t span = p->end - p->start, n = p->events > 0 ? p->events : 1;
    if (k < 0)
        return p->start;
    if (k >= n)
        return p->end;
    return p->start + (k * span + (int64_t)(stream(p, k, 4) % (uint64_t)span)) / n;
}

int synth_walk(const struct synth_plan *p, synth_event_fn fn, void *ctx, struct err *e)
{
    struct synth_event ev;
    int64_t left = p->o.rows - 2;
    int filler = 0;
    reserve(p, SK_RESERVE_PREV, &ev);
    if (fn(ctx, &ev, e) < 0)
        return -1;
    for (int64_t k = 0; left > 0; k++) {
        if (!filler) {
            synth_event(p, k, 0, &ev);
            filler = ev.n > left;
        }
        if (filler)
            synth_event(p, k, 1, &ev);
        if (fn(ctx, &ev, e) < 0)
            return -1;
        left -= ev.n;
    }
    reserve(p, SK_RESERVE_CURR, &ev);
    return fn(ctx, &ev, e);
}

/* ---- the plan: dates from the seed, then a first pass that counts and sums ---- */

struct tally {
    int64_t events, orders;
    money_t sum, sales;
};

static int tally_event(void *ctx, const struct synth_event *ev, struct err *e)
{
    struct tally *t = ctx;
    if (ev->kind == SK_RESERVE_PREV || ev->kind == SK_RESERVE_CURR)
        return 0;
    t->events++;
    t->orders += ev->kind == SK_ORDER;
    for (int i = 0; i < ev->n; i++) {
        if (money_add(&t->sum, ev->a[i].amount, e) < 0)
            return -1;
        if (ev->kind == SK_ORDER && strcmp(ev->a[i].desc, "Principal") == 0 &&
            money_add(&t->sales, ev->a[i].amount, e) < 0)
            return -1;
    }
    return 0;
}

static void plan_dates(struct synth_plan *p)
{
    uint64_t s = p->key ^ 0xDA7E5ULL;
    int y = 2024 + (int)below(&s, 2), m = 1 + (int)below(&s, 12), d, dim;
    int64_t day0;
    int y2, m2;
    /* days in month m: the day before the first of the next month */
    dates_civil(dates_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1, &y2, &m2, &dim);
    d = dim - 3 - (int)below(&s, 9);
    day0 = dates_days(y, m, d);
    p->start = day0 * 86400 + below(&s, 86400);
    p->end = p->start + 14 * 86400;
    p->deposit = p->end + 2 * 86400 + below(&s, 3600);
}

int synth_plan(struct synth_plan *p, const struct synth_opts *o, struct err *e)
{
    static const char *const cur[3] = { "USD", "EUR", "GBP" };
    static const char *const mkt[3] = { "Amazon.com", "Amazon.de", "Amazon.co.uk" };
    struct tally t = {0};
    uint64_t s;

    memset(p, 0, sizeof *p);
    if (o->rows < SYNTH_ROWS_MIN || o->rows > SYNTH_ROWS_MAX)
        return err_set(e, ERR_INPUT, "--rows %lld: give between %d and %d amount lines",
                       (long long)o->rows, SYNTH_ROWS_MIN, SYNTH_ROWS_MAX);
    if (o->format != SYNTH_V2 && o->format != SYNTH_V1)
        return err_set(e, ERR_INPUT, "--format: v2 or v1");
    if (o->locale < SYNTH_US || o->locale > SYNTH_UK)
        return err_set(e, ERR_INPUT, "--locale: us, eu or uk");
    p->o = *o;
    p->key = synth_mix(synth_mix(o->seed ^ 0x5E771EB00CULL) + (uint64_t)o->locale);
    p->currency = cur[o->locale];
    p->marketplace = mkt[o->locale];
    s = p->key;
    snprintf(p->settlement_id, sizeof p->settlement_id, "%llu",
             (unsigned long long)(10000000000ULL + next(&s) % 90000000000ULL));
    plan_dates(p);
    p->reserve_prev = 10000 + below(&s, 190000);
    if (synth_walk(p, tally_event, &t, e) < 0)
        return -1;
    p->events = t.events;
    p->orders = t.orders;
    p->unsettled = 2 + t.orders / 1000;
    /* Amazon holds back part of the period's sales as the next reserve */
    p->reserve_curr = -(pct(t.sales, 300 + (int)below(&s, 500)) + below(&s, 5000));
    p->total = t.sum;
    if (money_add(&p->total, p->reserve_prev, e) < 0 ||
        money_add(&p->total, p->reserve_curr, e) < 0)
        return -1;
    return 0;
}
