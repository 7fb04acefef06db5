/* report_fees — the Fees sheet: what Amazon charged, by fee type (transaction type, amount
 * type, description) and by SKU, each with its effective rate (fees charged / principal, as
 * a percentage), and a total per currency. A fee is a line whose mapping rule books it to a
 * fee account, exactly as the journal does. Built from the line groups: reads only. */
#include "report_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct report_col cols[] = {
    { "View", 9, 0 }, { "Currency", 9, 0 }, { "Transaction type", 18, 0 },
    { "Amount type", 20, 0 }, { "Amount description", 30, 0 }, { "SKU", 20, 0 },
    { "Category", 16, 0 }, { "Account code", 9, 0 }, { "Lines", 10, 1 }, { "Fees", 15, 1 },
    { "Principal", 15, 1 }, { "Effective rate", 10, 1 },
};
enum { C_VIEW, C_CUR, C_TT, C_AT, C_AD, C_SKU, C_CAT, C_CODE, C_LINES, C_FEES, C_PRIN,
       C_RATE };

/* Every field, so that the sorts below are total orders and the rows never move. */
static int all_fields(const struct report_combo *x, const struct report_combo *y)
{
    int c = strcmp(x->tt, y->tt);
    if (!c)
        c = strcmp(x->at, y->at);
    if (!c)
        c = strcmp(x->ad, y->ad);
    if (!c)
        c = strcmp(x->mk, y->mk);
    if (!c)
        c = strcmp(x->sku, y->sku);
    return c;
}

static int by_type_key(const void *a, const void *b)
{
    const struct report_combo *x = *(const struct report_combo *const *)a;
    const struct report_combo *y = *(const struct report_combo *const *)b;
    int c = strcmp(x->cur, y->cur);
    if (!c)
        c = strcmp(x->tt, y->tt);
    if (!c)
        c = strcmp(x->at, y->at);
    if (!c)
        c = strcmp(x->ad, y->ad);
    return c;
}

static int by_type(const void *a, const void *b)
{
    int c = by_type_key(a, b);
    return c ? c : all_fields(*(const struct report_combo *const *)a,
                              *(const struct report_combo *const *)b);
}

static int by_sku_key(const void *a, const void *b)
{
    const struct report_combo *x = *(const struct report_combo *const *)a;
    const struct report_combo *y = *(const struct report_combo *const *)b;
    int c = strcmp(x->cur, y->cur);
    return c ? c : strcmp(x->sku, y->sku);
}

static int by_sku(const void *a, const void *b)
{
    int c = by_sku_key(a, b);
    return c ? c : all_fields(*(const struct report_combo *const *)a,
                              *(const struct report_combo *const *)b);
}

/* Principal of a currency, or of one SKU in it (sku NULL: all). */
static int principal(const struct report_ctx *r, const char *cur, const char *sku,
                     money_t *out, struct err *e)
{
    *out = 0;
    for (size_t i = 0; i < r->n_combos; i++) {
        const struct report_combo *c = &r->combos[i];
        if (c->principal && strcmp(c->cur, cur) == 0 && (!sku || strcmp(c->sku, sku) == 0) &&
            money_add(out, c->sum, e) < 0)
            return -1;
    }
    return 0;
}

static void rate(struct report_sheet *s, money_t fees, money_t prin)
{
    if (fees == INT64_MIN || prin <= 0)
        report_blank(s, C_RATE);
    else
        report_pct(s, C_RATE, -fees, prin);
}

static void amounts(struct report_sheet *s, int64_t lines, money_t fees, money_t prin,
                    const char *cur)
{
    int exp = report_exp(cur);
    report_int(s, C_LINES, lines);
    report_money(s, C_FEES, fees, exp);
    report_money(s, C_PRIN, prin, exp);
    rate(s, fees, prin);
    report_next_row(s);
}

/* Writes groups of consecutive equal entries (by cmp) of v[0..n). */
static int types(struct report_ctx *r, struct report_sheet *s, struct report_combo **v,
                 size_t n, struct err *e)
{
    for (size_t i = 0; i < n;) {
        const struct report_combo *c = v[i];
        money_t fees = 0, prin;
        int64_t lines = 0;
        size_t j;
        for (j = i; j < n && by_type_key(&v[i], &v[j]) == 0; j++) {
            lines += v[j]->lines;
            if (money_add(&fees, v[j]->sum, e) < 0)
                return -1;
        }
        if (principal(r, c->cur, NULL, &prin, e) < 0)
            return -1;
        report_text(s, C_VIEW, "By type");
        report_text(s, C_CUR, c->cur);
        report_text(s, C_TT, c->tt);
        report_text(s, C_AT, c->at);
        report_text(s, C_AD, c->ad);
        report_blank(s, C_SKU);
        report_text(s, C_CAT, c->rule ? c->rule->category : "");
        report_text(s, C_CODE, c->rule ? c->rule->code : "");
        amounts(s, lines, fees, prin, c->cur);
        i = j;
    }
    return 0;
}

static int skus(struct report_sheet *s, struct report_combo **v, size_t n, struct err *e)
{
    for (size_t i = 0; i < n;) {
        const struct report_combo *c = v[i];
        money_t fees = 0, prin = 0;
        int64_t lines = 0;
        size_t j;
        for (j = i; j < n && by_sku_key(&v[i], &v[j]) == 0; j++) {
            if (v[j]->fee) {
                lines += v[j]->lines;
                if (money_add(&fees, v[j]->sum, e) < 0)
                    return -1;
            } else if (money_add(&prin, v[j]->sum, e) < 0) {
                return -1;
            }
        }
        i = j;
        if (lines == 0)
            continue; /* a SKU that paid no fee */
        report_text(s, C_VIEW, "By SKU");
        report_text(s, C_CUR, c->cur);
        for (lxw_col_t k = C_TT; k <= C_AD; k++)
            report_blank(s, k);
        report_text(s, C_SKU, c->sku[0] ? c->sku : "(no SKU)");
        report_blank(s, C_CAT);
        report_blank(s, C_CODE);
        amounts(s, lines, fees, prin, c->cur);
    }
    return 0;
}

static int totals(struct report_ctx *r, struct report_sheet *s, struct report_combo **v,
                  size_t n, struct err *e)
{
    char label[48];
    report_sheet_table_end(s);
    if (n)
        report_next_row(s);
    for (size_t i = 0; i < n;) {
        const char *cur = v[i]->cur;
        money_t fees = 0, prin;
        int64_t lines = 0;
        for (; i < n && strcmp(v[i]->cur, cur) == 0; i++) {
            lines += v[i]->lines;
            if (money_add(&fees, v[i]->sum, e) < 0)
                return -1;
        }
        if (principal(r, cur, NULL, &prin, e) < 0)
            return -1;
        s->fill = RF_TOTAL;
        snprintf(label, sizeof label, "Total %s", cur);
        report_text(s, C_VIEW, label);
        report_text(s, C_CUR, cur);
        for (lxw_col_t k = C_TT; k <= C_CODE; k++)
            report_blank(s, k);
        amounts(s, lines, fees, prin, cur);
    }
    return 0;
}

int report_fees(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    struct report_combo **fee = NULL, **sku = NULL;
    size_t nf = 0, ns = 0;
    int rc = -1;

    if (report_sheet_begin(r, &s, "Fees", cols, sizeof cols / sizeof cols[0], e) < 0)
        return -1;
    fee = calloc(r->n_combos + 1, sizeof *fee);
    sku = calloc(r->n_combos + 1, sizeof *sku);
    if (!fee || !sku) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < r->n_combos; i++) {
        if (r->combos[i].fee)
            fee[nf++] = &r->combos[i];
        if (r->combos[i].fee || r->combos[i].principal)
            sku[ns++] = &r->combos[i];
    }
    if (nf > 1)
        qsort(fee, nf, sizeof *fee, by_type);
    if (ns > 1)
        qsort(sku, ns, sizeof *sku, by_sku);
    if (types(r, &s, fee, nf, e) < 0 || skus(&s, sku, ns, e) < 0 ||
        totals(r, &s, fee, nf, e) < 0)
        goto done;
    rc = report_sheet_end(&s, e);
done:
    free(fee);
    free(sku);
    return rc;
}
