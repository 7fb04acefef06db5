/* report_combos — the settlement lines in scope grouped by (transaction type, amount type,
 * description, marketplace, currency, SKU) with counts and sums, each group mapped by the
 * same rules the journal uses. The lines come from the workbook's one pass (report_pass.c);
 * the Fees and Mapping sheets read these groups. Grouping happens in C with a hash table:
 * SQLite's GROUP BY would sort a million rows on six text columns, several times slower.
 * Reads only. */
#include "report_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define NFIELDS REPORT_COMBO_FIELDS

/* A hash of the six fields, eight bytes at a time (every line of the period is hashed). */
static uint64_t hash_fields(const char *const v[NFIELDS], const int n[NFIELDS])
{
    uint64_t h = 1469598103934665603ULL, w;
    for (int i = 0; i < NFIELDS; i++) {
        int k = 0;
        for (; k + 8 <= n[i]; k += 8) {
            memcpy(&w, v[i] + k, 8);
            h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
            h ^= h >> 29;
        }
        w = (uint64_t)n[i] << 56;                 /* the length ends the field */
        memcpy(&w, v[i] + k, (size_t)(n[i] - k));
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    return h;
}

/* The six grouping fields of c, in ORDER BY order. */
static void fields(struct report_combo *c, char **out[NFIELDS])
{
    out[0] = &c->tt;
    out[1] = &c->at;
    out[2] = &c->ad;
    out[3] = &c->mk;
    out[4] = &c->cur;
    out[5] = &c->sku;
}

static int same(struct report_combo *c, const char *const v[NFIELDS])
{
    char **f[NFIELDS];
    fields(c, f);
    for (int i = 0; i < NFIELDS; i++)
        if (strcmp(*f[i], v[i]) != 0)
            return 0;
    return 1;
}

static int grow(struct report_combo_table *t, const struct report_ctx *r, struct err *e)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    size_t *slot = calloc(cap, sizeof *slot);
    if (!slot)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_combos; i++) {
        size_t k = (size_t)r->combos[i].hash & (cap - 1);
        while (slot[k])
            k = (k + 1) & (cap - 1);
        slot[k] = i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return 0;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

int report_combos_add(struct report_ctx *r, struct report_combo_table *t,
                      const char *const v[NFIELDS], const int n[NFIELDS], money_t amount,
                      struct err *e)
{
    uint64_t h = hash_fields(v, n);
    size_t *cap = &t->combos_cap;
    size_t k;
    struct report_combo *c;
    char **f[NFIELDS];
    if ((r->n_combos + 1) * 2 > t->cap && grow(t, r, e) < 0)
        return -1;
    for (k = (size_t)h & (t->cap - 1); t->slot[k]; k = (k + 1) & (t->cap - 1)) {
        c = &r->combos[t->slot[k] - 1];
        if (c->hash == h && same(c, v)) {
            c->lines++;
            return money_add(&c->sum, amount, e);
        }
    }
    if (r->n_combos == REPORT_COMBOS_MAX)
        return err_set(e, ERR_INPUT, "more than %d distinct line combinations (type, amount "
                       "type, description, marketplace, SKU) in scope", REPORT_COMBOS_MAX);
    if (r->n_combos == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        struct report_combo *p = realloc(r->combos, nc * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        r->combos = p;
        *cap = nc;
    }
    c = &r->combos[r->n_combos++];
    memset(c, 0, sizeof *c);
    fields(c, f);
    for (int i = 0; i < NFIELDS; i++)
        if (!(*f[i] = dup(v[i])))
            return err_set(e, ERR_NOMEM, "out of memory");
    c->hash = h;
    c->lines = 1;
    c->sum = amount;
    t->slot[k] = r->n_combos;
    return 0;
}

/* Byte order of the six fields: SQLite's BINARY collation, so the order never varies. */
static int combo_cmp(const void *a, const void *b)
{
    char **x[NFIELDS], **y[NFIELDS];
    fields((struct report_combo *)a, x);
    fields((struct report_combo *)b, y);
    for (int i = 0; i < NFIELDS; i++) {
        int c = strcmp(*x[i], *y[i]);
        if (c)
            return c;
    }
    return 0;
}

static int fee_rule(const struct report_ctx *r, const struct mapping_rule *rule)
{
    static const int roles[] = { ACCT_FEES_SELLING, ACCT_FEES_FBA, ACCT_FEES_STORAGE,
                                 ACCT_FEES_ADVERTISING, ACCT_FEES_SUBSCRIPTION,
                                 ACCT_FEES_OTHER };
    if (!rule)
        return 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (rule->role == roles[i] ||
            (rule->role < 0 && strcmp(rule->code, r->cfg->accounts[roles[i]]) == 0))
            return 1;
    return 0;
}

void report_combos_finish(struct report_ctx *r, struct report_combo_table *t)
{
    const struct mapping_rule *rule = NULL;
    free(t->slot);
    t->slot = NULL;
    if (r->n_combos > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(r->combos, r->n_combos, sizeof *r->combos, combo_cmp);
    for (size_t i = 0; i < r->n_combos; i++) {
        struct report_combo *c = &r->combos[i];
        /* sorted: map each (type, amount type, description, marketplace) once */
        if (i > 0 && strcmp(c[-1].tt, c->tt) == 0 && strcmp(c[-1].at, c->at) == 0 &&
            strcmp(c[-1].ad, c->ad) == 0 && strcmp(c[-1].mk, c->mk) == 0)
            rule = c[-1].rule;
        else
            rule = mapping_find(&r->map, c->tt, c->at, c->ad, c->mk);
        c->rule = rule;
        c->fee = fee_rule(r, rule);
        c->principal = strcmp(c->at, "ItemPrice") == 0 && strcmp(c->ad, "Principal") == 0;
    }
}

void report_combos_free(struct report_ctx *r)
{
    for (size_t i = 0; i < r->n_combos; i++) {
        struct report_combo *c = &r->combos[i];
        free(c->tt);
        free(c->at);
        free(c->ad);
        free(c->mk);
        free(c->cur);
        free(c->sku);
    }
    free(r->combos);
    r->combos = NULL;
    r->n_combos = 0;
}
