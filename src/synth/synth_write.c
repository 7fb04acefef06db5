/* synth_write — lays the synthetic events out as Amazon and banks write them: the settlement
 * flat file V2 (24 columns) or the older layout (36 columns) in US, EU or UK conventions, the
 * All Orders report and a bank statement CSV in Xero's import layout. Streams line by line;
 * amounts go through money_format and are only re-punctuated for the locale. */
#include "synth.h"

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "synth_int.h"

#define LINE_MAX_BYTES 4096

/* A line being assembled; fields are appended, then the line is written at once. */
struct line {
    size_t n;
    char b[LINE_MAX_BYTES];
};

static void put(struct line *l, const char *s)
{
    size_t k = strlen(s);
    if (l->n + k >= sizeof l->b)
        k = sizeof l->b - 1 - l->n;
    memcpy(l->b + l->n, s, k);
    l->n += k;
}

static void sep(struct line *l, char c, int count)
{
    for (int i = 0; i < count && l->n + 1 < sizeof l->b; i++)
        l->b[l->n++] = c;
}

/* Appends s then the separator. */
static void field(struct line *l, const char *s, char c)
{
    put(l, s);
    sep(l, c, 1);
}

static int flush(struct line *l, FILE *f, struct err *e)
{
    l->b[l->n++] = '\n';
    if (fwrite(l->b, 1, l->n, f) != l->n)
        return err_set(e, ERR_IO, "synth: write failed (disk full?)");
    l->n = 0;
    return 0;
}

/* ---- dates and amounts as each layout writes them ---- */

enum style { TS_V2, DATE_V2, TS_ISO, DATE_BANK, DATE_ISO };

static void when(char *buf, size_t cap, int64_t t, int style, int eu)
{
    int64_t days = t / 86400, sec = t % 86400;
    int y, m, d, hh = (int)(sec / 3600), mi = (int)(sec / 60 % 60), ss = (int)(sec % 60);
    dates_civil(days, &y, &m, &d);
    if (style == TS_V2 && eu)
        snprintf(buf, cap, "%02d.%02d.%04d %02d:%02d:%02d UTC", d, m, y, hh, mi, ss);
    else if (style == TS_V2)
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", y, m, d, hh, mi, ss);
    else if (style == DATE_V2 && eu)
        snprintf(buf, cap, "%02d.%02d.%04d", d, m, y);
    else if (style == TS_ISO)
        snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", y, m, d, hh, mi, ss);
    else if (style == DATE_BANK)
        snprintf(buf, cap, "%02d/%02d/%04d", d, m, y);
    else
        snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}

/* money_format's text, with decimal commas and dot grouping for EU files ("1.234,56"). */
static void amount(char *out, money_t v, int decimal_comma)
{
    char b[MONEY_FMT_MAX];
    const char *p = money_format(b, v, 2), *dot;
    size_t o = 0, int_len;
    if (!decimal_comma) {
        memcpy(out, b, strlen(b) + 1);
        return;
    }
    if (*p == '-')
        out[o++] = *p++;
    dot = strchr(p, '.');
    int_len = dot ? (size_t)(dot - p) : strlen(p);
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            out[o++] = '.';
        out[o++] = p[i];
    }
    if (dot) {
        out[o++] = ',';
        for (p = dot + 1; *p; p++)
            out[o++] = *p;
    }
    out[o] = '\0';
}

/* ---- the settlement ---- */

static const char v2_header[] =
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
    "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"
    "marketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\tposted-date\t"
    "posted-date-time\torder-item-code\tmerchant-order-item-id\tmerchant-adjustment-item-id\t"
    "sku\tquantity-purchased\tpromotion-id";

static const char v1_header[] =
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
    "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"
    "marketplace-name\tshipment-fee-type\tshipment-fee-amount\torder-fee-type\t"
    "order-fee-amount\tfulfillment-id\tposted-date\torder-item-code\tmerchant-order-item-id\t"
    "merchant-adjustment-item-id\tsku\tquantity-purchased\tprice-type\tprice-amount\t"
    "item-related-fee-type\titem-related-fee-amount\tmisc-fee-amount\tother-fee-amount\t"
    "other-fee-reason-description\tpromotion-id\tpromotion-type\tpromotion-amount\t"
    "direct-payment-type\tdirect-payment-amount\tother-amount";

#define V2_FIELDS 24
#define V1_FIELDS 36

struct settle_out {
    const struct synth_plan *p;
    FILE *f;
    int eu_dates, eu_amounts;
    struct line l;
};

static const char *promo_id(const struct synth_event *ev, const struct synth_amount *a)
{
    return a->promo == 1 ? ev->promo_id : a->promo == 2 ? "Core Free Shipping Promotion" : "";
}

static const char *sku_of(const struct synth_event *ev, int item, struct synth_sku *c)
{
    if (item < 0 || ev->kind == SK_RESERVE_PREV || ev->kind == SK_RESERVE_CURR)
        return "";
    synth_catalogue(ev->items[item].sku, c);
    return c->sku;
}

static int v2_event(void *ctx, const struct synth_event *ev, struct err *e)
{
    struct settle_out *so = ctx;
    struct line *l = &so->l;
    int64_t t = ev->kind == SK_RESERVE_PREV ? so->p->start
              : ev->kind == SK_RESERVE_CURR ? so->p->end : synth_posted(so->p, ev->index);
    char date[32], ts[40], amt[MONEY_FMT_MAX + 8], qty[8];
    int order = ev->kind == SK_ORDER || ev->kind == SK_REFUND;
    struct synth_sku c;

    when(date, sizeof date, t, DATE_V2, so->eu_dates);
    when(ts, sizeof ts, t, TS_V2, so->eu_dates);
    for (int i = 0; i < ev->n; i++) {
        const struct synth_amount *a = &ev->a[i];
        const struct synth_item *it = a->item >= 0 ? &ev->items[a->item] : NULL;
        amount(amt, a->amount, so->eu_amounts);
        snprintf(qty, sizeof qty, "%d", a->qty);
        field(l, so->p->settlement_id, '\t');
        sep(l, '\t', 5);
        field(l, a->ttype, '\t');
        field(l, ev->order_id, '\t');
        sep(l, '\t', 1);                       /* merchant-order-id */
        field(l, ev->adjustment_id, '\t');
        field(l, ev->kind == SK_ORDER ? ev->shipment_id : "", '\t');
        field(l, ev->marketplace ? so->p->marketplace : "", '\t');
        field(l, a->atype, '\t');
        field(l, a->desc, '\t');
        field(l, amt, '\t');
        field(l, order ? "AFN" : "", '\t');
        field(l, date, '\t');
        field(l, ts, '\t');
        field(l, order && it ? it->code : "", '\t');
        sep(l, '\t', 2);                       /* merchant order / adjustment item ids */
        field(l, sku_of(ev, a->item, &c), '\t');
        field(l, a->qty ? qty : "", '\t');
        put(l, promo_id(ev, a));
        if (flush(l, so->f, e) < 0)
            return -1;
    }
    return 0;
}

/* The older layout: one line per item row; a price amount shares its line with the next
 * fee amount of the same item, as real files do. */
static void v1_amount(const struct settle_out *so, const struct synth_amount *a,
                      char cols[4][2][64])
{
    int col = a->v1col;
    snprintf(cols[col][0], sizeof cols[col][0], "%s", col == V1_OTHER ? "" : a->desc);
    amount(cols[col][1], a->amount, so->eu_amounts);
}

static int v1_row(struct settle_out *so, const struct synth_event *ev, const char *date,
                  const struct synth_amount *a, char cols[4][2][64], struct err *e)
{
    struct line *l = &so->l;
    const struct synth_item *it = a->item >= 0 ? &ev->items[a->item] : NULL;
    int order = ev->kind == SK_ORDER || ev->kind == SK_REFUND;
    struct synth_sku c;
    char qty[8];
    snprintf(qty, sizeof qty, "%d", a->qty);
    field(l, so->p->settlement_id, '\t');
    sep(l, '\t', 5);
    field(l, a->v1type, '\t');
    field(l, ev->order_id, '\t');
    field(l, ev->kind == SK_ORDER ? ev->order_id : "", '\t'); /* merchant-order-id */
    field(l, ev->adjustment_id, '\t');
    field(l, ev->kind == SK_ORDER ? ev->shipment_id : "", '\t');
    field(l, ev->marketplace ? so->p->marketplace : "", '\t');
    sep(l, '\t', 4);                           /* shipment-fee-*, order-fee-* */
    field(l, order ? "AFN" : "", '\t');
    field(l, date, '\t');
    field(l, order && it ? it->code : "", '\t');
    sep(l, '\t', 2);
    field(l, sku_of(ev, a->item, &c), '\t');
    field(l, a->qty ? qty : "", '\t');
    field(l, cols[V1_PRICE][0], '\t');
    field(l, cols[V1_PRICE][1], '\t');
    field(l, cols[V1_FEE][0], '\t');
    field(l, cols[V1_FEE][1], '\t');
    sep(l, '\t', 3);                           /* misc-fee, other-fee, its reason */
    field(l, cols[V1_PROMO][1][0] ? promo_id(ev, a) : "", '\t');
    field(l, cols[V1_PROMO][0], '\t');
    field(l, cols[V1_PROMO][1], '\t');
    sep(l, '\t', 2);                           /* direct-payment-* */
    put(l, cols[V1_OTHER][1]);
    return flush(l, so->f, e);
}

/* The fee that shares a line with a price amount in the older layout. */
static const char *v1_partner(const char *price_type)
{
    static const char *const pairs[][2] = {
        { "Principal", "Commission" }, { "Tax", "MarketplaceFacilitatorTax-Principal" },
        { "Shipping", "ShippingChargeback" }, { "ShippingTax", "MarketplaceFacilitatorTax-Shipping" },
        { "GiftWrap", "GiftwrapChargeback" },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(price_type, pairs[i][0]) == 0)
            return pairs[i][1];
    return "";
}

static int v1_event(void *ctx, const struct synth_event *ev, struct err *e)
{
    struct settle_out *so = ctx;
    int64_t t = ev->kind == SK_RESERVE_PREV ? so->p->start
              : ev->kind == SK_RESERVE_CURR ? so->p->end : synth_posted(so->p, ev->index);
    char date[40];
    char used[SYNTH_AMOUNTS_MAX] = {0};

    when(date, sizeof date, t, TS_ISO, 0);
    for (int i = 0; i < ev->n; i++) {
        char cols[4][2][64] = {{{0}}};
        const struct synth_amount *a = &ev->a[i];
        if (used[i])
            continue;
        v1_amount(so, a, cols);
        if (a->v1col == V1_PRICE)
            for (int j = i + 1; j < ev->n; j++)
                if (!used[j] && ev->a[j].v1col == V1_FEE && ev->a[j].item == a->item &&
                    strcmp(ev->a[j].desc, v1_partner(a->desc)) == 0) {
                    v1_amount(so, &ev->a[j], cols);
                    used[j] = 1;
                    break;
                }
        if (v1_row(so, ev, date, a, cols, e) < 0)
            return -1;
    }
    return 0;
}

int synth_write_settlement(const struct synth_plan *p, FILE *f, struct err *e)
{
    struct settle_out so = { .p = p, .f = f };
    int v1 = p->o.format == SYNTH_V1;
    struct line *l = &so.l;
    char a[40], b[40], c[40], total[MONEY_FMT_MAX + 8];
    int style = v1 ? TS_ISO : TS_V2;

    so.eu_dates = !v1 && p->o.locale != SYNTH_US;
    so.eu_amounts = p->o.locale == SYNTH_EU;
    put(l, v1 ? v1_header : v2_header);
    if (flush(l, f, e) < 0)
        return -1;
    when(a, sizeof a, p->start, style, so.eu_dates);
    when(b, sizeof b, p->end, style, so.eu_dates);
    when(c, sizeof c, p->deposit, style, so.eu_dates);
    amount(total, p->total, so.eu_amounts);
    field(l, p->settlement_id, '\t');
    field(l, a, '\t');
    field(l, b, '\t');
    field(l, c, '\t');
    field(l, total, '\t');
    put(l, p->currency);
    sep(l, '\t', (v1 ? V1_FIELDS : V2_FIELDS) - 6);
    if (flush(l, f, e) < 0 || synth_walk(p, v1 ? v1_event : v2_event, &so, e) < 0)
        return -1;
    return fflush(f) == 0 && !ferror(f) ? 0 : err_set(e, ERR_IO, "synth: write failed");
}

/* ---- the All Orders report ---- */

static const char orders_header[] =
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
    "fulfillment-channel\tsales-channel\torder-channel\turl\tship-service-level\t"
    "product-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\t"
    "shipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\t"
    "ship-promotion-discount\tship-country\tship-promotion-id\tpromotion-ids\t"
    "is-business-order\tpurchase-order-number\tprice-designation\tcustomized-url\t"
    "customized-page\tis-heavy-or-bulky\tis-replacement-order";

struct orders_out {
    const struct synth_plan *p;
    FILE *f;
    struct line l;
};

static void money_field(struct line *l, money_t v)
{
    char b[MONEY_FMT_MAX];
    field(l, money_format(b, v, 2), '\t');
}

/* One line per item; `shipped` is when the order left the warehouse. */
static int order_lines(struct orders_out *oo, const struct synth_event *ev, int64_t shipped,
                       struct err *e)
{
    static const char *const country[3] = { "US", "DE", "GB" };
    struct line *l = &oo->l;
    uint64_t s = synth_mix(oo->p->key ^ synth_mix((uint64_t)ev->index + 77));
    int64_t bought = shipped - 3600 - (int64_t)(s % (3 * 86400));
    char pd[40], ud[40], qty[8];

    when(pd, sizeof pd, bought, TS_ISO, 0);
    when(ud, sizeof ud, shipped, TS_ISO, 0);
    for (int i = 0; i < ev->n_items; i++) {
        const struct synth_item *it = &ev->items[i];
        struct synth_sku c;
        synth_catalogue(it->sku, &c);
        snprintf(qty, sizeof qty, "%d", it->qty);
        field(l, ev->order_id, '\t');
        sep(l, '\t', 1);
        field(l, pd, '\t');
        field(l, ud, '\t');
        field(l, "Shipped", '\t');
        field(l, "Amazon", '\t');
        field(l, oo->p->marketplace, '\t');
        sep(l, '\t', 2);                       /* order-channel, url */
        field(l, it->shipping ? "Expedited" : "Standard", '\t');
        field(l, c.name, '\t');
        field(l, c.sku, '\t');
        field(l, c.asin, '\t');
        field(l, "Shipped", '\t');
        field(l, qty, '\t');
        field(l, oo->p->currency, '\t');
        money_field(l, it->principal);
        money_field(l, it->tax);
        money_field(l, it->shipping);
        money_field(l, it->shipping_tax);
        money_field(l, it->gift_wrap);
        money_field(l, 0);
        money_field(l, it->promo);
        money_field(l, it->ship_promo);
        field(l, country[oo->p->o.locale], '\t');
        field(l, it->ship_promo ? "Core Free Shipping Promotion" : "", '\t');
        field(l, it->promo ? ev->promo_id : "", '\t');
        field(l, "false", '\t');
        sep(l, '\t', 4);                       /* PO number, price designation, custom */
        field(l, "false", '\t');
        put(l, "false");
        if (flush(l, oo->f, e) < 0)
            return -1;
    }
    return 0;
}

static int orders_event(void *ctx, const struct synth_event *ev, struct err *e)
{
    struct orders_out *oo = ctx;
    if (ev->kind != SK_ORDER)
        return 0;
    return order_lines(oo, ev, synth_posted(oo->p, ev->index), e);
}

int synth_write_orders(const struct synth_plan *p, FILE *f, struct err *e)
{
    struct orders_out oo = { .p = p, .f = f };
    struct synth_event ev;
    put(&oo.l, orders_header);
    if (flush(&oo.l, f, e) < 0 || synth_walk(p, orders_event, &oo, e) < 0)
        return -1;
    /* shipped in the last days of the period, paid in the next settlement */
    for (int64_t u = 0; u < p->unsettled; u++) {
        synth_unsettled(p, u, &ev);
        if (order_lines(&oo, &ev, p->end - 3600 * (1 + u % 40), e) < 0)
            return -1;
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : err_set(e, ERR_IO, "synth: write failed");
}

/* ---- the bank statement ---- */

struct bank_line {
    int64_t date;
    money_t amount;
    const char *payee, *description;
    char reference[24];
};

int synth_write_bank(const struct synth_plan *p, FILE *f, struct err *e)
{
    static const struct { const char *payee, *description; money_t lo, span; } other[] = {
        { "Acme Packaging", "Card purchase - shipping boxes", -2500, 40000 },
        { "City Power", "Direct debit - electricity", -9000, 20000 },
        { "Stripe", "STRIPE PAYOUT", 5000, 150000 },
        { "Landlord Properties", "Standing order - warehouse rent", -180000, 1 },
        { "Google Ads", "Card purchase - advertising", -3000, 30000 },
        { "Bank", "Account fee", -1500, 1 },
    };
    struct bank_line lines[8];
    int n = 0;
    uint64_t s = p->key ^ 0xBA4CULL;
    struct line l = {0};

    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        struct bank_line *b = &lines[n++];
        s = synth_mix(s);
        b->date = p->start + (int64_t)(s % (uint64_t)(p->deposit - p->start + 3 * 86400));
        b->amount = other[i].lo + (other[i].lo < 0 ? -1 : 1) * (int64_t)(s % (uint64_t)other[i].span);
        b->payee = other[i].payee;
        b->description = other[i].description;
        snprintf(b->reference, sizeof b->reference, "%06llu",
                 (unsigned long long)(synth_mix(s) % 1000000));
    }
    lines[n].date = p->deposit;
    lines[n].amount = p->total;
    lines[n].payee = "Amazon";
    lines[n].description = NULL;
    snprintf(lines[n].reference, sizeof lines[n].reference, "%s", p->settlement_id);
    n++;
    for (int i = 1; i < n; i++)             /* by date; stable, so ties keep their order */
        for (int j = i; j > 0 && lines[j - 1].date / 86400 > lines[j].date / 86400; j--) {
            struct bank_line t = lines[j];
            lines[j] = lines[j - 1];
            lines[j - 1] = t;
        }
    put(&l, "Date,Amount,Payee,Description,Reference");
    if (flush(&l, f, e) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char d[16], amt[MONEY_FMT_MAX], desc[64];
        when(d, sizeof d, lines[i].date, DATE_BANK, 0);
        if (lines[i].description)
            snprintf(desc, sizeof desc, "%s", lines[i].description);
        else
            snprintf(desc, sizeof desc, "AMAZON SETTLEMENT %s", p->settlement_id);
        field(&l, d, ',');
        field(&l, money_format(amt, lines[i].amount, 2), ',');
        field(&l, lines[i].payee, ',');
        field(&l, desc, ',');
        put(&l, lines[i].reference);
        if (flush(&l, f, e) < 0)
            return -1;
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : err_set(e, ERR_IO, "synth: write failed");
}
