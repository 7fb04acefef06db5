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
        struct fee_type *t = realloc(f->type, (f->ntypes + 1) * sizeof *t);
        if (!t)
            return err_set(e, ERR_NOMEM, "out of memory");
        f->type = t;
        t[f->ntypes] = (struct fee_type){ strdup(at), strdup(ad), strcmp(ad, "Commission") == 0 };
        *idx = (uint32_t)f->ntypes++;
        if (!t[*idx].at || !t[*idx].ad)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    *out = *idx;
    return 0;
}

static struct fee_group *group_of(struct fees *f, const char *sku, uint32_t type, struct err *e)
{
    int created;
    rkey_reset(&f->k);
    if (rkey_text(&f->k, sku, strlen(sku), e) < 0 || rkey_int(&f->k, type, e) < 0 ||
        rkey_text(&f->k, f->sett[f->nsett - 1].currency,
                  strlen(f->sett[f->nsett - 1].currency), e) < 0)
        return NULL;
    struct fee_group *g = rtab_get(&f->groups, &f->k, &created, e);
    if (g && created) {
        g->type = type;
        if (!(g->sku = strdup(sku))) {
            err_set(e, ERR_NOMEM, "out of memory");
            return NULL;
        }
    }
    return g;
}

/* A fee line: into its item's and fee type's sum. f->k holds the item's key. */
static int fee_line(struct fees *f, sqlite3_stmt *st, const char *sku, struct err *e)
{
    const char *at = reconcile_str(st, 5), *ad = reconcile_str(st, 6);
    size_t item_len = f->k.len;
    int created;
    uint32_t type = 0;
    if (rkey_col(&f->k, st, 5, e) < 0 || rkey_col(&f->k, st, 6, e) < 0)
        return -1;
    struct fee_acc *a = rtab_get(&f->accs, &f->k, &created, e);
    if (!a)
        return -1;
    if (created) {
        a->seq = f->seq;
        a->day = day_of(reconcile_col(st, 8), f->start_day);
        a->item_len = item_len;
        if (type_of(f, at, ad, &type, e) < 0 || !(a->group = group_of(f, sku, type, e)))
            return -1;
        if (f->sett[f->nsett - 1].in_scope && !(a->order_id = strdup(reconcile_str(st, 1))))
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    return reconcile_add(&a->fee, sqlite3_column_int64(st, 7), e);
}

/* Columns: transaction_type, order_id, order_item_code, sku, quantity, amount_type,
 * amount_description, amount_minor, posted. */
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
    if (is_fee)
        return fee_line(f, st, sku, e);
    struct fee_item *it = rtab_get(&f->items, &f->k, &created, e);
    if (!it)
        return -1;
    if (sqlite3_column_int64(st, 4) > it->qty)
        it->qty = sqlite3_column_int64(st, 4);
    return is_price ? reconcile_add(&it->price, sqlite3_column_int64(st, 7), e) : 0;
}

/* The sample of one order item and fee type, appended to its group (or dropped when the item
 * has no quantity, no positive sales price for a rate, or absurd values). */
static int sample(struct fees *f, struct rtab_entry *x, struct err *e)
{
    struct fee_acc *a = (struct fee_acc *)x->val;
    struct rkey ik = { .buf = x->key, .len = a->item_len };
    const struct fee_item *it = rtab_find(&f->items, &ik);
    struct fee_group *g = a->group;
    struct fee_sample s = { .fee = a->fee, .seq = a->seq, .day = a->day,
                            .sett = (uint32_t)(f->nsett - 1), .order_id = a->order_id };
    int rate = f->type[g->type].rate;
    s.qty = it ? it->qty : 0;
    s.basis = rate ? (it ? it->price : 0) : s.qty;
    if (rate && s.qty <= 0)
        s.qty = 1;   /* a rate needs no quantity; per-unit amounts are then per line */
    a->order_id = NULL;
    if (s.basis <= 0 ||
        feestat_muldiv(s.fee, rate ? FEE_RATE_SCALE : FEE_UNIT_SCALE, s.basis, &s.value) < 0 ||
        s.value > FEESTAT_VALUE_MAX || s.value < -FEESTAT_VALUE_MAX) {
        free(s.order_id);
        return 0;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        struct fee_sample *v = realloc(g->v, cap * sizeof *v);
        if (!v) {
            free(s.order_id);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n++] = s;
    return 0;
}

static void accs_free(struct rtab *t)
{
    for (size_t i = 0; t->slots && i < t->cap; i++)
        if (t->slots[i])
            free(((struct fee_acc *)t->slots[i]->val)->order_id);
    rtab_free(t);
}

static int settlement(struct fees *f, int64_t ref, struct err *e)
{
    struct rtab_entry **x = NULL;
    int rc = -1;
    if (rtab_init(&f->items, sizeof(struct fee_item), e) < 0)
        return -1;
    if (rtab_init(&f->accs, sizeof(struct fee_acc), e) < 0)
        goto done;
    if (reconcile_lines_each(f->c, "transaction_type, order_id, order_item_code, sku, "
                             "quantity, amount_type, amount_description, amount_minor, posted",
                             ref, line, f, e) < 0 ||
        !(x = rtab_entries(&f->accs, e)))
        goto done;
    for (size_t i = 0; i < f->accs.n; i++)
        if (sample(f, x[i], e) < 0)
            goto done;
    rc = 0;
done:
    free(x);
    if (f->accs.slots)
        accs_free(&f->accs);
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
    if (f->nsett == f->capsett) {
        size_t cap = f->capsett ? f->capsett * 2 : 16;
        struct fee_sett *v = realloc(f->sett, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        f->sett = v;
        f->capsett = cap;
    }
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
    struct rtab_entry **x = f->groups.slots ? f->groups.slots : NULL;
    for (size_t i = 0; x && i < f->groups.cap; i++) {
        struct fee_group *g = x[i] ? (struct fee_group *)x[i]->val : NULL;
        for (size_t j = 0; g && j < g->n; j++)
            free(g->v[j].order_id);
        if (g) {
            free(g->v);
            free(g->sku);
        }
    }
    if (f->groups.slots)
        rtab_free(&f->groups);
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
    rkey_free(&f->k);
}
