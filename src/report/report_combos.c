/* report_combos — one pass over the settlement lines in scope, grouped by (transaction type,
 * amount type, description, marketplace, currency, SKU) with counts and sums, each group
 * mapped by the same rules the journal uses. The Fees and Mapping sheets read these groups,
 * so the workbook scans the lines once however many there are. Reads only. */
#include "report_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

/* The lines in scope with the six grouping fields. Grouping happens in C with a hash table:
 * SQLite's GROUP BY would sort a million rows on six text columns, several times slower.
 * CROSS JOIN: the settlements in scope first, then their lines by index. */
static const char LINES[] =
    "SELECT l.transaction_type, l.amount_type, l.amount_description, "
    "coalesce(nullif(l.marketplace, ''), s.marketplace), s.currency, coalesce(l.sku, ''), "
    "l.amount_minor FROM settlement s CROSS JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL;

#define NFIELDS 6

struct table {
    size_t *slot;        /* combo index + 1; 0 = empty */
    size_t cap;          /* a power of two */
};

static uint64_t hash_fields(sqlite3_stmt *st)
{
    uint64_t h = 1469598103934665603ULL;          /* FNV-1a */
    for (int i = 0; i < NFIELDS; i++) {
        const unsigned char *t = sqlite3_column_text(st, i);
        int n = sqlite3_column_bytes(st, i);
        for (int k = 0; k < n; k++)
            h = (h ^ t[k]) * 1099511628211ULL;
        h = (h ^ 0x1F) * 1099511628211ULL;
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

static int same(struct report_combo *c, sqlite3_stmt *st)
{
    char **f[NFIELDS];
    fields(c, f);
    for (int i = 0; i < NFIELDS; i++) {
        const char *t = (const char *)sqlite3_column_text(st, i);
        if (strcmp(*f[i], t ? t : "") != 0)
            return 0;
    }
    return 1;
}

static int grow(struct table *t, const struct report_ctx *r, struct err *e)
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

/* Adds the row's amount to its group, creating the group the first time. */
static int add_row(struct report_ctx *r, struct table *t, size_t *cap, sqlite3_stmt *st,
                   struct err *e)
{
    uint64_t h = hash_fields(st);
    size_t k;
    struct report_combo *c;
    char **f[NFIELDS];
    if ((r->n_combos + 1) * 2 > t->cap && grow(t, r, e) < 0)
        return -1;
    for (k = (size_t)h & (t->cap - 1); t->slot[k]; k = (k + 1) & (t->cap - 1)) {
        c = &r->combos[t->slot[k] - 1];
        if (c->hash == h && same(c, st)) {
            c->lines++;
            return money_add(&c->sum, sqlite3_column_int64(st, NFIELDS), e);
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
    for (int i = 0; i < NFIELDS; i++) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        if (!(*f[i] = dup(v ? v : "")))
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    c->hash = h;
    c->lines = 1;
    c->sum = sqlite3_column_int64(st, NFIELDS);
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

int report_combos_load(struct report_ctx *r, struct err *e)
{
    sqlite3_stmt *st;
    struct table t = { NULL, 0 };
    size_t cap = 0;
    int step, rc = 0;
    const struct mapping_rule *rule = NULL;
    if (ledger_prepare(r->lg, &st, LINES, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = add_row(r, &t, &cap, st, e)) < 0)
            break;
    if (rc == 0 && step != SQLITE_DONE)
        rc = ledger_fail(r->lg, e, "line groups");
    sqlite3_finalize(st);
    free(t.slot);
    if (rc < 0)
        return -1;
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
    return 0;
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
