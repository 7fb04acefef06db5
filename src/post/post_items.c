/* post_items — in orders mode, for sellers who keep inventory in settlebook (unit costs in
 * the ledger), the Xero Items that a month's invoices name in ItemCode and that Xero lacks
 * (not in the preflight's cache, not created by another month's request) are queued as
 * PUT /Items under "ITEMS-<month>": created exactly once, and sent before the month's
 * documents (preview and live posting put ITEMS-* first). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "post_int.h"
#include "xero.h"

struct codes {
    char (*v)[TEXT_ITEM_CODE_MAX];
    size_t n, cap;
};

static int codes_add(struct codes *c, const char *code, struct err *e)
{
    if (!code || !code[0] || strlen(code) >= TEXT_ITEM_CODE_MAX)
        return 0;
    if (c->n == c->cap) {
        char (*p)[TEXT_ITEM_CODE_MAX] = realloc(c->v, (c->cap = c->cap ? c->cap * 2 : 64) *
                                                          sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        c->v = p;
    }
    snprintf(c->v[c->n++], TEXT_ITEM_CODE_MAX, "%s", code);
    return 0;
}

/* Every string value under key `key` in v, at any depth. */
static int walk(json_t *v, const char *key, struct codes *c, int depth, struct err *e)
{
    const char *k;
    json_t *x;
    size_t i;
    if (depth > 16)
        return 0;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            if (walk(x, key, c, depth + 1, e) < 0)
                return -1;
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, x) {
            if (!strcmp(k, key) && json_is_string(x)) {
                if (codes_add(c, json_string_value(x), e) < 0)
                    return -1;
            } else if (walk(x, key, c, depth + 1, e) < 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* The values of key in the bodies sql selects (?1 month, ?2 the items settlement). */
static int from_bodies(struct ledger *lg, const char *sql, const char *month, const char *sid,
                       const char *key, struct codes *c, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sid, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        json_error_t je;
        json_t *root = json_loads(ledger_text(st, 0), 0, &je);
        if (!root)
            rc = err_set(e, ERR_INTERNAL, "outbox body does not parse: %s", je.text);
        else
            rc = walk(root, key, c, 0, e);
        json_decref(root);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read outbox bodies");
    return rc;
}

static int cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int has(const struct codes *c, const char *code)
{
    return c->n && bsearch(code, c->v, c->n, sizeof *c->v, cmp_code) != NULL;
}

static void sort_unique(struct codes *c)
{
    size_t k = 0;
    if (c->n)
        qsort(c->v, c->n, sizeof *c->v, cmp_code);
    for (size_t i = 0; i < c->n; i++)
        if (k == 0 || strcmp(c->v[k - 1], c->v[i]))
            memmove(c->v[k++], c->v[i], sizeof *c->v);
    c->n = k;
}

static int enabled(struct ledger *lg, const struct config *cfg, int *on, struct err *e)
{
    sqlite3_stmt *st;
    *on = 0;
    if (cfg->mode != POST_ORDERS)
        return 0;
    if (ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM unit_cost)", e) < 0)
        return -1;
    *on = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int cached_items(struct ledger *lg, struct codes *c, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT key FROM xero_ref WHERE kind = 'item'", e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = codes_add(c, ledger_text(st, 0), e);
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read the cached Xero items");
    return rc;
}

static int month_items(struct ledger *lg, const struct config *cfg, const char *month,
                       struct post_summary *out, struct err *e)
{
    struct codes used = {0}, known = {0};
    struct xero_reqs reqs = {0};
    char sid[32];
    char (*names)[XERO_ITEM_NAME_MAX] = NULL;
    size_t n = 0;
    int on, rc = -1;
    snprintf(sid, sizeof sid, XERO_ITEMS_PREFIX "%s", month);
    if (enabled(lg, cfg, &on, e) < 0)
        return -1;
    if (!on)
        return outbox_drop_pending(lg, sid, e);
    if (from_bodies(lg, "SELECT body FROM outbox WHERE month = ?1 AND state != 'superseded' "
                    "AND settlement_id != ?2 AND settlement_id NOT GLOB '" XERO_ITEMS_PREFIX
                    "*' ORDER BY id", month, sid, "ItemCode", &used, e) < 0 ||
        from_bodies(lg, "SELECT body FROM outbox WHERE ?1 = ?1 AND settlement_id GLOB '"
                    XERO_ITEMS_PREFIX "*' AND settlement_id != ?2 AND state != 'superseded'",
                    month, sid, "Code", &known, e) < 0)
        goto done;
    /* and what the organisation already has, as the last preflight saw it */
    if (cached_items(lg, &known, e) < 0)
        goto done;
    sort_unique(&used);
    sort_unique(&known);
    names = calloc(used.n ? used.n : 1, sizeof *names);
    if (!names) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < used.n; i++)
        if (!has(&known, used.v[i])) {
            memmove(used.v[n], used.v[i], sizeof *used.v);
            snprintf(names[n++], XERO_ITEM_NAME_MAX, "%s", used.v[i]);
        }
    if (xero_render_items(month, (const char (*)[TEXT_ITEM_CODE_MAX])used.v,
                          (const char (*)[XERO_ITEM_NAME_MAX])names, n, cfg, &reqs, e) < 0)
        goto done;
    out->items += (int64_t)n;
    rc = post_queue(lg, sid, &reqs, out, e);
done:
    xero_reqs_free(&reqs);
    free(used.v);
    free(known.v);
    free(names);
    return rc;
}

int post_items_known_load(struct ledger *lg, const struct config *cfg, const char *sid,
                          struct post_items_known *k, struct err *e)
{
    struct codes c = {0};
    sqlite3_stmt *st;
    int posted, rc;
    memset(k, 0, sizeof *k);
    if (ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM outbox_posted WHERE "
                       "settlement_id = ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    posted = ledger_step_row(lg, st, "read whether the settlement is posted", e);
    if (posted > 0)
        posted = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (posted < 0)
        return -1;
    if (posted)   /* what Xero holds decides: the codes its rows carry */
        rc = from_bodies(lg, "SELECT body FROM outbox WHERE ?1 = ?1 AND settlement_id = ?2 AND "
                         "state != 'superseded' ORDER BY id", "", sid, "ItemCode", &c, e);
    else if ((rc = enabled(lg, cfg, &k->all, e)) == 0 && !k->all &&
             (rc = cached_items(lg, &c, e)) == 0)
        rc = from_bodies(lg, "SELECT body FROM outbox WHERE ?1 = ?1 AND settlement_id GLOB '"
                         XERO_ITEMS_PREFIX "*' AND settlement_id != ?2 AND state != "
                         "'superseded'", "", "", "Code", &c, e);
    sort_unique(&c);
    k->v = c.v;
    k->n = c.n;
    k->cap = c.cap;
    return rc;
}

int post_items_known_has(void *arg, const char *code)
{
    const struct post_items_known *k = arg;
    struct codes c = { k->v, k->n, k->cap };
    return k->all || has(&c, code);
}

void post_items_known_free(struct post_items_known *k)
{
    free(k->v);
    memset(k, 0, sizeof *k);
}

int post_items(struct ledger *lg, const struct config *cfg, const char *period,
               struct post_summary *out, struct err *e)
{
    sqlite3_stmt *st;
    char (*months)[8] = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (period && period[0])
        return month_items(lg, cfg, period, out, e);
    if (ledger_prepare(lg, &st, "SELECT DISTINCT month FROM outbox WHERE settlement_id NOT "
                       "GLOB '" XERO_ITEMS_PREFIX "*' ORDER BY month", e) < 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            char (*p)[8] = realloc(months, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                free(months);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            months = p;
        }
        snprintf(months[n++], 8, "%s", ledger_text(st, 0));
    }
    sqlite3_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = month_items(lg, cfg, months[i], out, e);
    free(months);
    return rc;
}
