/* line_groups — a settlement's lines summed per journal key (transaction type, amount type,
 * description, marketplace, SKU when grouped by SKU, posted time cut to the day in UTC or to
 * the minute elsewhere), and the ledger's keeping of them between two stages of one run:
 * reconcile reads every line of a settlement for its checks, and the sales journal needs
 * exactly these sums of the same lines; kept here, the journal does not read the million
 * lines a second time. The groups are built by the same code either way, so the journal's
 * rows are the same bytes whether it reads the lines itself or takes what reconcile kept. */
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledger_int.h"

/* The first n characters of s (UTF-8, as substr counts them): its byte length. */
static size_t prefix_chars(const char *s, int n)
{
    size_t i = 0;
    for (int c = 0; s[i] && c <= n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++c > n)
            break;
    return i;
}

void line_groups_init(struct line_groups *g, int by_sku, int cut)
{
    memset(g, 0, sizeof *g);
    g->by_sku = by_sku;
    g->cut = cut;
}

static int key_room(struct line_groups *g, size_t len, struct err *e)
{
    if (len <= g->key_cap)
        return 0;
    char *b = realloc(g->key, len);
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    g->key = b;
    g->key_cap = len;
    return 0;
}

static int slot(struct line_groups *g, size_t idx, struct err *e)
{
    if (grow_array(&g->v, &g->cap, idx, sizeof *g->v, 256, e) < 0)
        return -1;
    memset(&g->v[idx], 0, sizeof g->v[idx]);
    return 0;
}

int line_groups_add(struct line_groups *g, const char *const text[6], int64_t amount,
                    struct err *e)
{
    const char *f[6];
    size_t n[6], len = 0, idx;
    int created;
    for (int k = 0; k < 6; k++) {
        f[k] = text[k] ? text[k] : "";     /* NULL reads as '' (the COALESCEs) */
        n[k] = strlen(f[k]);
    }
    if (!g->by_sku)
        n[4] = 0;
    n[5] = prefix_chars(f[5], g->cut);
    for (int k = 0; k < 6; k++)
        len += n[k] + 1;
    if (key_room(g, len, e) < 0)
        return -1;
    len = 0;
    for (int k = 0; k < 6; k++) {
        memcpy(g->key + len, f[k], n[k]);
        g->key[len + n[k]] = '\0';
        len += n[k] + 1;
    }
    if (keytab_index(&g->t, g->key, len, &idx, &created, e) < 0 ||
        (created && slot(g, idx, e) < 0))
        return -1;
    g->v[idx].count++;
    if (__builtin_add_overflow(g->v[idx].sum, amount, &g->v[idx].sum))
        return err_set(e, ERR_INPUT, "integer overflow summing the settlement's lines");
    return 0;
}

static int group_cmp(const void *a, const void *b)
{
    const struct line_group *x = a, *y = b;
    int d = 0;
    for (int k = 0; k < 6 && d == 0; k++)
        d = strcmp(x->f[k], y->f[k]);
    return d;
}

void line_groups_finish(struct line_groups *g)
{
    g->n = g->t.n;
    for (size_t i = 0; i < g->n; i++) {
        const char *k = g->t.keys[i].bytes;
        for (int f = 0; f < 6; f++) {
            g->v[i].f[f] = k;
            k += strlen(k) + 1;
        }
    }
    if (g->n > 1)
        qsort(g->v, g->n, sizeof *g->v, group_cmp);
}

void line_groups_free(struct line_groups *g)
{
    if (!g)
        return;
    keytab_free(&g->t);
    free(g->v);
    free(g->key);
    memset(g, 0, sizeof *g);
}

/* ---- kept between stages --------------------------------------------------------------- */

struct line_groups_keep {
    int by_sku, cut;
    struct line_groups *v;     /* finished groups, one per settlement (ref) */
    size_t n, cap;
};

int ledger_groups_want(struct ledger *lg, int by_sku, int cut, struct err *e)
{
    struct line_groups_keep **k = ledger_groups_slot(lg);
    ledger_groups_drop(lg);
    if (!(*k = calloc(1, sizeof **k)))
        return err_set(e, ERR_NOMEM, "out of memory");
    (*k)->by_sku = by_sku;
    (*k)->cut = cut;
    return 0;
}

int ledger_groups_open(struct ledger *lg, int64_t ref, struct line_groups **out, struct err *e)
{
    struct line_groups_keep *k = *ledger_groups_slot(lg);
    *out = NULL;
    if (!k)
        return 0;
    for (size_t i = 0; i < k->n; i++)
        if (k->v[i].ref == ref) {          /* read again: the new read replaces it */
            line_groups_free(&k->v[i]);
            k->v[i] = k->v[--k->n];
        }
    if (grow_array(&k->v, &k->cap, k->n, sizeof *k->v, 8, e) < 0)
        return -1;
    *out = &k->v[k->n++];
    line_groups_init(*out, k->by_sku, k->cut);
    (*out)->ref = ref;
    (*out)->open = 1;
    return 0;
}

void ledger_groups_close(struct line_groups *g, int complete)
{
    if (!g)
        return;
    g->open = 0;
    if (complete)
        line_groups_finish(g);
    else
        g->ref = -1;               /* never taken: the journal reads the lines itself */
}

int ledger_groups_take(struct ledger *lg, int64_t ref, int by_sku, int cut,
                       struct line_groups *out)
{
    struct line_groups_keep *k = *ledger_groups_slot(lg);
    if (!k || k->by_sku != by_sku || k->cut != cut)
        return 0;
    for (size_t i = 0; i < k->n; i++)
        if (k->v[i].ref == ref && !k->v[i].open) {
            *out = k->v[i];
            k->v[i] = k->v[--k->n];
            return 1;
        }
    return 0;
}

void ledger_groups_drop(struct ledger *lg)
{
    struct line_groups_keep **k = ledger_groups_slot(lg);
    if (!*k)
        return;
    for (size_t i = 0; i < (*k)->n; i++)
        line_groups_free(&(*k)->v[i]);
    free((*k)->v);
    free(*k);
    *k = NULL;
}
