/* synth_inventory — the unit-cost CSV and the FBA Inventory Ledger summary view (monthly)
 * that go with a synthetic settlement: every unit shipped, refunded (returned to stock) or
 * reimbursed as damaged in the settlement moves the ledger of its SKU and month, shipped
 * orders no settlement paid are shipped too, and one unit of the first SKU is lost each
 * month with no reimbursement, so reconcile has something to find. Deterministic like the
 * rest of synth; memory is one small table, whatever the size. */
#include <stdio.h>
#include <string.h>

#include "synth_int.h"

#define INV_MONTHS 2   /* a settlement spans at most two calendar months (14 days) */

struct inv_cell {
    int64_t shipped, returned, damaged;
};

struct inv_tally {
    const struct synth_plan *p;
    int first_month;                      /* year * 12 + month - 1 of the start */
    struct inv_cell c[SYNTH_SKUS][INV_MONTHS];
};

static int month_of(int64_t t)
{
    int y, m, d;
    dates_civil(t / 86400, &y, &m, &d);
    return y * 12 + m - 1;
}

static struct inv_cell *cell(struct inv_tally *t, int sku, int64_t when)
{
    int k = month_of(when) - t->first_month;
    if (sku < 0 || sku >= SYNTH_SKUS)
        return NULL;
    return &t->c[sku][k < 0 ? 0 : k >= INV_MONTHS ? INV_MONTHS - 1 : k];
}

static int tally(void *ctx, const struct synth_event *ev, struct err *e)
{
    struct inv_tally *t = ctx;
    int64_t when = synth_posted(t->p, ev->index);
    (void)e;
    for (int i = 0; i < ev->n_items; i++) {
        struct inv_cell *x = cell(t, ev->items[i].sku, when);
        if (!x)
            continue;
        if (ev->kind == SK_ORDER)
            x->shipped += ev->items[i].qty;
        else if (ev->kind == SK_REFUND)
            x->returned += ev->items[i].qty;
        else if (ev->kind == SK_DAMAGE)
            x->damaged += ev->items[i].qty;
    }
    return 0;
}

static int inv_tally(const struct synth_plan *p, struct inv_tally *t, struct err *e)
{
    struct synth_event ev;
    memset(t, 0, sizeof *t);
    t->p = p;
    t->first_month = month_of(p->start);
    if (synth_walk(p, tally, t, e) < 0)
        return -1;
    /* shipped in the period's last days, paid in the next settlement (synth_write_orders) */
    for (int64_t u = 0; u < p->unsettled; u++) {
        synth_unsettled(p, u, &ev);
        for (int i = 0; i < ev.n_items; i++) {
            struct inv_cell *x = cell(t, ev.items[i].sku, p->end - 3600 * (1 + u % 40));
            if (x)
                x->shipped += ev.items[i].qty;
        }
    }
    return 0;
}

int synth_write_inventory(const struct synth_plan *p, FILE *f, struct err *e)
{
    struct inv_tally t;
    int months = month_of(p->end) - month_of(p->start) + 1;
    if (inv_tally(p, &t, e) < 0)
        return -1;
    if (months > INV_MONTHS)
        months = INV_MONTHS;
    fputs("Date\tFNSKU\tASIN\tMSKU\tTitle\tDisposition\tStarting Warehouse Balance\t"
          "In Transit Between Warehouses\tReceipts\tCustomer Shipments\tCustomer Returns\t"
          "Vendor Returns\tWarehouse Transfer In/Out\tFound\tLost\tDamaged\tDisposed\t"
          "Other Events\tEnding Warehouse Balance\tUnknown Events\tLocation\n", f);
    for (int s = 0; s < SYNTH_SKUS; s++) {
        struct synth_sku c;
        uint64_t h = synth_mix(p->key ^ (0x1A7Eu + (uint64_t)s));
        int64_t bal = 40 + (int64_t)(h % 300);
        synth_catalogue(s, &c);
        for (int m = 0; m < months; m++) {
            const struct inv_cell *x = &t.c[s][m];
            int mon = t.first_month + m;
            int64_t lost = s == 0 ? 1 : 0, need = x->shipped + x->damaged + lost;
            int64_t rec = bal - need + x->returned < 20 ? need + 100 : 0, end;
            end = bal + rec - x->shipped + x->returned - lost - x->damaged;
            fprintf(f, "%02d/%04d\tX00%07d\t%s\t%s\t%s\tSELLABLE\t%lld\t0\t%lld\t%lld\t%lld\t0\t"
                    "0\t0\t%lld\t%lld\t0\t0\t%lld\t0\t%s\n", mon % 12 + 1, mon / 12, s + 1,
                    c.asin, c.sku, c.name, (long long)bal, (long long)rec,
                    (long long)-x->shipped, (long long)x->returned, (long long)-lost,
                    (long long)-x->damaged, (long long)end, p->o.locale == SYNTH_US ? "US"
                    : p->o.locale == SYNTH_UK ? "GB" : "DE");
            bal = end;
        }
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : err_set(e, ERR_IO, "synth: write failed");
}

int synth_write_costs(const struct synth_plan *p, FILE *f, struct err *e)
{
    char amt[MONEY_FMT_MAX];
    fputs("sku,unit_cost,currency,effective_from\n", f);
    for (int s = 0; s < SYNTH_SKUS; s++) {
        struct synth_sku c;
        synth_catalogue(s, &c);
        /* a landed cost of about a third of the price, from well before any settlement */
        fprintf(f, "%s,%s,%s,2020-01-01\n", c.sku, money_format(amt, c.price * 35 / 100, 2),
                p->currency);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : err_set(e, ERR_IO, "synth: write failed");
}
