/* reconcile_fees_collect — the fee check's one pass over every settlement of the ledger (the
 * history, whatever the period): one sample per order item and fee type, the item's ItemFees
 * lines of that description summed, per unit of the quantity on the item's order lines, or
 * for the referral fee (Commission) per unit of the sales price it is a share of. Chargebacks
 * and taxes are left out (pass_through). Reads only. */
#include "reconcile_fees.h"
#include "reconcile_feestat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* yyyymmdd of an ISO date ("2025-08-31T...", "2025-08-31"), or fallback. */
static int32_t day_of(const char *s, int32_t fallback)
{
    int32_t d = 0;
    static const int pos[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return fallback;
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        if (s[pos[i]] < '0' || s[pos[i]] > '9')
            return fallback;
        d = d * 10 + (s[pos[i]] - '0');
    }
    return d;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* An ItemFees description that hands on what the buyer paid (a shipping or gift-wrap
 * chargeback, a facilitator tax the older layout files as a fee): no size tier or weight
 * sets it, it follows the price. SalesTaxCollectionFee is a fee. */
static int pass_through(const char *ad)
{
    return ends_with(ad, "Chargeback") ||
           ((strstr(ad, "Tax") || strstr(ad, "VAT")) && !ends_with(ad, "Fee"));
}

/* The index of fee type (at, ad), added when new. */
static int type_of(struct fees *f, const char *at, const char *ad, uint32_t *out, struct err *e)
{
    int created;
    rkey_reset(&f->k);
    if (rkey_text(&f->k, at, strlen(at), e) < 0 || rkey_text(&f->k, ad, strlen(ad), e) < 0)
        return -1;
    uint32_t *idx = rtab_get(&f->types, &f->k, &created, e);
    if (!idx)
        return -1;
    if (created) {
        if (f->ntypes >= FEE_TYPES_MAX)
            return err_set(e, ERR_INPUT, "reconcile: more than %d fee types", FEE_TYPES_MAX);
        if (reconcile_grow(&f->type, &f->captypes, f->ntypes, sizeof *f->type, e) < 0)
            return -1;
        struct fee_type *t = f->type;
        t[f->ntypes] = (struct fee_type){ strdup(at), strdup(ad), strcmp(ad, "Commission") == 0 };
        *idx = (uint32_t)f->ntypes++;
        if (!t[*idx].at || !t[*idx].ad)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    *out = *idx;
    return 0;
}

/* The SKU's one copy, kept for the whole run. */
static const char *sku_of(struct fees *f, sqlite3_stmt *st, struct err *e)
{
    int created;
    rkey_reset(&f->k);
    if (rkey_col(&f->k, st, 3, e) < 0)
        return NULL;
    char **v = rtab_get(&f->skus, &f->k, &created, e);
    if (v && created && !(*v = strdup(reconcile_str(st, 3))))
        err_set(e, ERR_NOMEM, "out of memory");
    return v ? *v : NULL;
}

static struct fee_group *group_of(struct fees *f, const char *sku, uint32_t type, struct err *e)
{
    int created;
    const char *cur = f->sett[f->nsett - 1].currency;
    rkey_reset(&f->k);
    if (rkey_text(&f->k, sku, strlen(sku), e) < 0 || rkey_int(&f->k, type, e) < 0 ||
        rkey_text(&f->k, cur, strlen(cur), e) < 0)
        return NULL;
    struct fee_group *g = rtab_get(&f->groups, &f->k, &created, e);
    if (g && created) {
        g->type = type;
        g->sku = sku;
    }
    return g;
}

/* A fee line of item it: appended to the settlement's fee lines. */
static int fee_line(struct fees *f, sqlite3_stmt *st, struct fee_item *it, struct err *e)
{
    uint32_t type = 0;
    if (type_of(f, reconcile_str(st, 5), reconcile_str(st, 6), &type, e) < 0)
        return -1;
    if (reconcile_grow(&f->rec, &f->caprec, f->nrec, sizeof *f->rec, e) < 0)
        return -1;
    f->rec[f->nrec++] = (struct fee_rec){ .item = it, .fee = sqlite3_column_int64(st, 7),
        .line = sqlite3_column_int64(st, 9), .seq = f->seq, .type = type,
        .day = day_of(reconcile_col(st, 8), f->start_day) };
    return 0;
}

/* Columns: transaction_type, order_id, order_item_code, sku, quantity, amount_type,
 * amount_description, amount_minor, posted, id. */
static int line(void *arg, sqlite3_stmt *st, struct err *e)
{
    struct fees *f = arg;
    const char *tt = reconcile_str(st, 0), *oid = reconcile_str(st, 1);
    const char *sku = reconcile_str(st, 3), *at = reconcile_str(st, 5);
    const char *ad = reconcile_str(st, 6);
    int created, is_fee, is_price;
    f->seq++;
    if (strcmp(tt, "Order") != 0 || !oid[0] || !sku[0])
        return 0;
    is_fee = strcmp(at, "ItemFees") == 0 && !pass_through(ad);
    /* the price Amazon's referral fee is charged on: principal, shipping, gift wrap, less
     * promotions, without tax */
    is_price = (strcmp(at, "ItemPrice") == 0 || strcmp(at, "Promotion") == 0) &&
               !strstr(ad, "Tax");
    if (!is_fee && !is_price && sqlite3_column_type(st, 4) == SQLITE_NULL)
        return 0;
    rkey_reset(&f->k);
    if (rkey_col(&f->k, st, 1, e) < 0 || rkey_col(&f->k, st, 2, e) < 0 ||
        rkey_col(&f->k, st, 3, e) < 0)
        return -1;
    struct fee_item *it = rtab_get(&f->items, &f->k, &created, e);
    if (!it)
        return -1;
    if (created) {
        it->idx = f->nitems++;
        if (!(it->sku = sku_of(f, st, e)))
            return -1;
    }
    if (is_fee)
        return fee_line(f, st, it, e);
    if (sqlite3_column_int64(st, 4) > it->qty)
        it->qty = sqlite3_column_int64(st, 4);
    return is_price ? reconcile_add(&it->price, sqlite3_column_int64(st, 7), e) : 0;
}

/* The sample of one order item and fee type (its fee lines summed; day, order and line of the
 * first), appended to its group; dropped when the item has no quantity, no positive sales
 * price for a rate, or absurd values. */
static int sample(struct fees *f, const struct fee_rec *r, int64_t fee, struct err *e)
{
    const struct fee_item *it = r->item;
    int rate = f->type[r->type].rate;
    struct fee_group *g;
    struct fee_sample s = { .fee = fee, .line = r->line, .seq = r->seq, .day = r->day,
                            .sett = (uint32_t)(f->nsett - 1) };
    if (it->qty > INT32_MAX)
        return 0;
    s.qty = (int32_t)it->qty;
    s.basis = rate ? it->price : s.qty;
    if (rate && s.qty <= 0)
        s.qty = 1;   /* a rate needs no quantity; per-unit amounts are then per line */
    if (s.basis <= 0 ||
        feestat_muldiv(s.fee, rate ? FEE_RATE_SCALE : FEE_UNIT_SCALE, s.basis, &s.value) < 0 ||
        s.value > FEESTAT_VALUE_MAX || s.value < -FEESTAT_VALUE_MAX)
        return 0;
    if (!(g = group_of(f, it->sku, r->type, e)))
        return -1;
    if (reconcile_grow(&g->v, &g->cap, g->n, sizeof *g->v, e) < 0)
        return -1;
    g->v[g->n++] = s;
    return 0;
}

static int by_item_type(const void *a, const void *b)
{
    const struct fee_rec *x = a, *y = b;
    if (x->item->idx != y->item->idx)
        return x->item->idx < y->item->idx ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The settlement's fee lines, one sample per order item and fee type. */
static int samples(struct fees *f, struct err *e)
{
    if (f->nrec > 1)   /* rec is NULL when there is none */
        qsort(f->rec, f->nrec, sizeof *f->rec, by_item_type);
    for (size_t i = 0, j; i < f->nrec; i = j) {
        int64_t fee = 0;
        for (j = i; j < f->nrec && f->rec[j].item == f->rec[i].item &&
                    f->rec[j].type == f->rec[i].type; j++)
            if (reconcile_add(&fee, f->rec[j].fee, e) < 0)
                return -1;
        if (sample(f, &f->rec[i], fee, e) < 0)
            return -1;
    }
    return 0;
}

static int settlement(struct fees *f, int64_t ref, struct err *e)
{
    int rc;
    f->nrec = 0;
    if (rtab_init(&f->items, sizeof(struct fee_item), e) < 0)
        return -1;
    rc = reconcile_lines_each(f->c, "transaction_type, order_id, order_item_code, sku, "
                              "quantity, amount_type, amount_description, amount_minor, "
                              "posted, id", ref, line, f, e);
    if (rc == 0)
        rc = samples(f, e);
    rtab_free(&f->items);
    return rc;
}

/* Every settlement of the ledger, ORDER BY start_utc, settlement_id, and whether it is in
 * the period's scope. */
static const char ALL[] =
    "SELECT s.id, s.settlement_id, s.currency, s.start_utc, " PERIOD_SCOPE_SQL " "
    "FROM settlement s ORDER BY s.start_utc, s.settlement_id";

static int collect_one(struct fees *f, sqlite3_stmt *st, struct err *e)
{
    if (reconcile_grow(&f->sett, &f->capsett, f->nsett, sizeof *f->sett, e) < 0)
        return -1;
    struct fee_sett *s = &f->sett[f->nsett++];
    *s = (struct fee_sett){ strdup(reconcile_str(st, 1)), strdup(reconcile_str(st, 2)),
                            sqlite3_column_int(st, 4) != 0 };
    if (!s->id || !s->currency)
        return err_set(e, ERR_NOMEM, "out of memory");
    f->start_day = day_of(reconcile_col(st, 3), 0);
    return settlement(f, sqlite3_column_int64(st, 0), e);
}

int fees_collect(struct fees *f, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (rtab_init(&f->types, sizeof(uint32_t), e) < 0 ||
        rtab_init(&f->groups, sizeof(struct fee_group), e) < 0 ||
        rtab_init(&f->skus, sizeof(char *), e) < 0 ||
        ledger_prepare(f->c->lg, &st, ALL, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, f->c->period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = collect_one(f, st, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(f->c->lg, e, "reconcile fees");
    sqlite3_finalize(st);
    return rc;
}


void fees_free(struct fees *f)
{
    for (size_t i = 0; f->groups.slots && i < f->groups.cap; i++)
        if (f->groups.slots[i])
            free(((struct fee_group *)f->groups.slots[i]->val)->v);
    for (size_t i = 0; f->skus.slots && i < f->skus.cap; i++)
        if (f->skus.slots[i])
            free(*(char **)f->skus.slots[i]->val);
    if (f->groups.slots)
        rtab_free(&f->groups);
    if (f->skus.slots)
        rtab_free(&f->skus);
    if (f->types.slots)
        rtab_free(&f->types);
    for (size_t i = 0; i < f->ntypes; i++) {
        free(f->type[i].at);
        free(f->type[i].ad);
    }
    free(f->type);
    for (size_t i = 0; i < f->nsett; i++) {
        free(f->sett[i].id);
        free(f->sett[i].currency);
    }
    free(f->sett);
    free(f->rec);
    rkey_free(&f->k);
}
