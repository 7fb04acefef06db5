/* reconcile_refunds — refunds against what was sold: REFUND_WITHOUT_ORDER (a refund of an
 * order nobody knows) and REFUND_EXCEEDS_CHARGE (more principal refunded than charged).
 * Reads only (its scratch tables are temporary). */
#include "reconcile_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define PRINCIPAL(tt)                                                                      \
    "l.transaction_type = '" tt "' AND l.amount_type = 'ItemPrice' AND "                   \
    "l.amount_description = 'Principal' AND l.order_id IS NOT NULL AND l.order_id != '' "  \
    "AND l.sku IS NOT NULL AND l.sku != ''"

/* Orders with any Order line in the ledger, and their settled principal per SKU (the ledger
 * has no index on settlement_line.order_id, so these are looked up here). */
static const char SCRATCH[] =
    "DROP TABLE IF EXISTS temp.reconcile_ordered;"
    "DROP TABLE IF EXISTS temp.reconcile_charged;"
    "CREATE TEMP TABLE reconcile_ordered (oid TEXT PRIMARY KEY);"
    "CREATE TEMP TABLE reconcile_charged (oid TEXT NOT NULL, sku TEXT NOT NULL, "
    "  c INTEGER NOT NULL, PRIMARY KEY (oid, sku));"
    "INSERT INTO temp.reconcile_ordered SELECT DISTINCT order_id FROM settlement_line "
    "  WHERE transaction_type = 'Order' AND order_id IS NOT NULL AND order_id != '';"
    "INSERT INTO temp.reconcile_charged SELECT l.order_id, l.sku, sum(l.amount_minor) "
    "  FROM settlement_line l WHERE " PRINCIPAL("Order") " GROUP BY l.order_id, l.sku";

static const char WITHOUT_ORDER[] =
    "SELECT s.settlement_id, s.currency, l.order_id, "
    "CASE WHEN count(DISTINCT l.sku) = 1 THEN min(l.sku) END, count(*), sum(l.amount_minor) "
    "FROM settlement s JOIN " RARE_LINES("l", "refund") " "
    "WHERE " PERIOD_SCOPE_SQL " AND l_k.settlement_ref = s.id AND l.order_id IS NOT NULL "
    "AND l.order_id != '' AND l.order_id NOT IN (SELECT oid FROM temp.reconcile_ordered) "
    "AND l.order_id NOT IN (SELECT amazon_order_id FROM orders) "
    "GROUP BY s.id, l.order_id ORDER BY s.start_utc, s.settlement_id, l.order_id";

/* Refunded principal per order and SKU over the whole ledger, reported on the settlement
 * with the latest refund. What was charged: the settled Order principal when the order has
 * any Order line in the ledger, else the history's item-price, else unknown (skipped). */
static const char EXCEEDS[] =
    "WITH per AS (SELECT l.order_id AS oid, l.sku AS sku, l.settlement_ref AS sref, "
    "  sum(l.amount_minor) AS r FROM " RARE_LINES("l", "refund") " WHERE " PRINCIPAL("Refund") " "
    "  GROUP BY l.order_id, l.sku, l.settlement_ref), "
    "agg AS (SELECT per.*, s.settlement_id AS sid, s.currency AS cur, sum(per.r) OVER w AS tr, "
    "  row_number() OVER (PARTITION BY per.oid, per.sku ORDER BY s.end_utc DESC, "
    "  s.settlement_id DESC) AS rn FROM per JOIN settlement s ON s.id = per.sref "
    "  WINDOW w AS (PARTITION BY per.oid, per.sku)) "
    "SELECT agg.sid, agg.cur, agg.oid, agg.sku, -agg.tr, "
    "  CASE WHEN od.oid IS NOT NULL THEN coalesce(ch.c, 0) "
    "  WHEN EXISTS (SELECT 1 FROM orders o WHERE o.amazon_order_id = agg.oid) THEN "
    "  coalesce((SELECT sum(i.item_price_minor) FROM order_item i WHERE i.amazon_order_id = "
    "  agg.oid AND +i.sku = agg.sku AND i.currency IS NOT NULL), 0) END, "
    "  od.oid IS NOT NULL "
    "FROM agg JOIN settlement s ON s.id = agg.sref "
    "LEFT JOIN temp.reconcile_ordered od ON od.oid = agg.oid "
    "LEFT JOIN temp.reconcile_charged ch ON ch.oid = agg.oid AND ch.sku = agg.sku "
    "WHERE agg.rn = 1 AND " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id, agg.oid, agg.sku";

static int without_order_emit(struct reconcile_ctx *c, const char *sid, const char *cur,
                              const char *oid, const char *sku, int64_t n, int64_t sum,
                              struct err *e)
{
    char a[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "Refund of order %s (%lld line%s, %s) but the order is in no "
             "settlement and not in the order history.", oid, (long long)n,
             n == 1 ? "" : "s", reconcile_amount(a, sum, cur));
    struct exception_row r = {
        .kind = "REFUND_WITHOUT_ORDER", .severity = "warning",
        .settlement_id = sid, .order_id = oid,
        .sku = sku, .currency = cur, .has_actual = 1, .actual = sum,
        .explanation = expl,
        .action = "Ingest the order history (or the earlier settlement) that has the order; if "
                  "Amazon does not know it either, open a case.",
    };
    return reconcile_emit(c, &r, e);
}

static int without_order_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    return without_order_emit(c, reconcile_str(st, 0), reconcile_str(st, 1),
                              reconcile_col(st, 2), reconcile_col(st, 3),
                              sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), e);
}

static int exceeds_emit(struct reconcile_ctx *c, const char *sid, const char *cur,
                        const char *oid, const char *sku, int64_t refunded, int64_t charged,
                        int settled, struct err *e)
{
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "Refunded principal of order %s SKU %s is %s but only %s was "
             "charged (%s).", oid, sku, reconcile_amount(a, refunded, cur),
             reconcile_amount(b, charged, cur),
             settled ? "settled Order lines" : "order history item-price");
    struct exception_row r = {
        .kind = "REFUND_EXCEEDS_CHARGE", .severity = "error",
        .settlement_id = sid, .order_id = oid,
        .sku = sku, .currency = cur, .has_expected = 1, .expected = charged,
        .has_actual = 1, .actual = refunded, .explanation = expl,
        .action = "Check the refunds of the order in Seller Central; claim back a refund "
                  "Amazon paid twice or in excess.",
    };
    return reconcile_emit(c, &r, e);
}

static int exceeds_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    int64_t refunded = sqlite3_column_int64(st, 4), charged = sqlite3_column_int64(st, 5);
    if (sqlite3_column_type(st, 5) == SQLITE_NULL || refunded <= charged)
        return 0;
    return exceeds_emit(c, reconcile_str(st, 0), reconcile_str(st, 1), reconcile_str(st, 2),
                        reconcile_str(st, 3), refunded, charged, sqlite3_column_int(st, 6), e);
}

static int refunds_stream(struct reconcile_ctx *c, struct err *e);

int reconcile_refunds(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (!reconcile_sql_reference())
        return refunds_stream(c, e);
    if (ledger_exec(c->lg, SCRATCH, e) < 0)
        return -1;
    if (c->has_history && (ledger_prepare(c->lg, &st, WITHOUT_ORDER, e) < 0 ||
                           reconcile_each(c, st, without_order_row, e) < 0))
        return -1;
    if (ledger_prepare(c->lg, &st, EXCEEDS, e) < 0 || reconcile_each(c, st, exceeds_row, e) < 0)
        return -1;
    return ledger_exec(c->lg, "DROP TABLE temp.reconcile_ordered;"
                       "DROP TABLE temp.reconcile_charged", e);
}

/* ---- the streaming passes ---------------------------------------------------------------
 * Refunds are few: one pass over the ledger's Refund lines groups them (by settlement and
 * order for REFUND_WITHOUT_ORDER, by order and SKU for REFUND_EXCEEDS_CHARGE) in hash tables,
 * then the Order lines (those of UNMAPPED's read of every settlement, reconcile_lines.c, or
 * one pass of its own) mark which refunded orders were sold and sum their principal per SKU. Memory follows the refunds, not the lines. Rows are sorted as the
 * queries above order them. */

struct rf_settlement {
    int64_t ref;
    char *id, *currency, *start, *end;
    int in_scope;
};

struct rf_without { /* per (settlement, order) */
    int64_t sref, n, sum;
    char *oid, *sku;
    int many_skus;
};

struct rf_exceeds { /* per (order, SKU) */
    char *oid, *sku;
    int64_t refunded, charged;
    const struct rf_settlement *latest;
};

struct rf_order { /* per refunded order */
    int ordered;
};

struct rf {
    struct reconcile_ctx *c;
    struct rf_settlement *s;
    size_t ns;
    struct rtab without, exceeds, orders;
    struct rkey k;
    char *last;                 /* the order of the Order line before: an order's lines */
    size_t caplast;             /* come together, so it is looked up once */
    struct rf_order *last_o;    /* its entry in orders, NULL when not refunded */
    const int *col;             /* where rf_order_line's columns are (RFC_*) */
};
/* rf_order_line's columns: in ORDER_LINES, and in RECONCILE_LINE_COLS. */
enum { RFC_ORDER, RFC_SKU, RFC_AT, RFC_AD, RFC_AMOUNT, RFC_NCOLS };
static const int OWN_COLS[RFC_NCOLS] = { 0, 1, 2, 3, 4 };
static const int SHARED_COLS[RFC_NCOLS] = { RL_ORDER, RL_SKU, RL_AT, RL_AD, RL_AMOUNT };

static int rf_settlement_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct rf_settlement *)a)->ref, y = ((const struct rf_settlement *)b)->ref;
    return (x > y) - (x < y);
}

static const struct rf_settlement *rf_find(const struct rf *r, int64_t ref)
{
    struct rf_settlement key = { .ref = ref };
    return bsearch(&key, r->s, r->ns, sizeof key, rf_settlement_cmp);
}

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

static int rf_load_settlements(struct rf *r, struct err *e)
{
    sqlite3_stmt *st;
    int s, oom = 0;
    size_t cap = 0;
    if (ledger_prepare(r->c->lg, &st, "SELECT s.id, s.settlement_id, s.currency, s.start_utc, "
                       "s.end_utc, " PERIOD_SCOPE_SQL " FROM settlement s ORDER BY s.id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->c->period, -1, SQLITE_STATIC);
    while (!oom && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->ns == cap) {
            struct rf_settlement *v = realloc(r->s, (cap = cap ? cap * 2 : 16) * sizeof *v);
            if (!v) {
                oom = 1;
                break;
            }
            r->s = v;
        }
        struct rf_settlement *x = &r->s[r->ns++];
        x->ref = sqlite3_column_int64(st, 0);
        x->id = dup_or_null(reconcile_str(st, 1), &oom);
        x->currency = dup_or_null(reconcile_str(st, 2), &oom);
        x->start = dup_or_null(reconcile_str(st, 3), &oom);
        x->end = dup_or_null(reconcile_str(st, 4), &oom);
        x->in_scope = sqlite3_column_int(st, 5);
    }
    sqlite3_finalize(st);
    if (oom)
        return err_set(e, ERR_NOMEM, "out of memory");
    return s == SQLITE_DONE ? 0 : ledger_fail(r->c->lg, e, "reconcile settlements");
}

/* The table entry of the key built in r->k; texts copied when created. */
static void *rf_get(struct rf *r, struct rtab *t, int *created, struct err *e)
{
    return rtab_get(t, &r->k, created, e);
}

static int rf_key2(struct rf *r, const char *a, const char *b, struct err *e)
{
    rkey_reset(&r->k);
    if (rkey_text(&r->k, a, a ? strlen(a) : 0, e) < 0)
        return -1;
    return b ? rkey_text(&r->k, b, strlen(b), e) : 0;
}

static int nonempty(const char *s)
{
    return s && s[0];
}

/* Later settlement: end_utc, then settlement-id (the queries' ORDER BY ... DESC). */
static int rf_later(const struct rf_settlement *a, const struct rf_settlement *b)
{
    int d = strcmp(a->end, b->end);
    return d ? d > 0 : strcmp(a->id, b->id) > 0;
}

static int rf_refund_line(void *arg, sqlite3_stmt *st, struct err *e)
{
    struct rf *r = arg;
    const struct rf_settlement *s = rf_find(r, sqlite3_column_int64(st, 0));
    const char *oid = reconcile_str(st, 1), *sku = reconcile_col(st, 2);
    int64_t amt = sqlite3_column_int64(st, 5);
    int created, oom = 0;
    if (!s)
        return err_set(e, ERR_INPUT, "reconcile: a line of an unknown settlement");
    if (rf_key2(r, oid, NULL, e) < 0 || !rf_get(r, &r->orders, &created, e))
        return -1;
    if (r->c->has_history && s->in_scope) {
        char ref[32];
        snprintf(ref, sizeof ref, "%lld", (long long)s->ref);
        struct rf_without *w;
        if (rf_key2(r, ref, oid, e) < 0 || !(w = rf_get(r, &r->without, &created, e)))
            return -1;
        if (created) {
            w->sref = s->ref;
            w->oid = dup_or_null(oid, &oom);
        }
        if (sku && !w->sku && !w->many_skus)
            w->sku = dup_or_null(sku, &oom);
        else if (sku && w->sku && strcmp(sku, w->sku) != 0)
            w->many_skus = 1;
        w->n++;
        if (oom || reconcile_add(&w->sum, amt, e) < 0)
            return oom ? err_set(e, ERR_NOMEM, "out of memory") : -1;
    }
    if (nonempty(sku) && strcmp(reconcile_str(st, 3), "ItemPrice") == 0 &&
        strcmp(reconcile_str(st, 4), "Principal") == 0) {
        struct rf_exceeds *x;
        if (rf_key2(r, oid, sku, e) < 0 || !(x = rf_get(r, &r->exceeds, &created, e)))
            return -1;
        if (created) {
            x->oid = dup_or_null(oid, &oom);
            x->sku = dup_or_null(sku, &oom);
        }
        if (!x->latest || rf_later(s, x->latest))
            x->latest = s;
        if (oom || reconcile_add(&x->refunded, amt, e) < 0)
            return oom ? err_set(e, ERR_NOMEM, "out of memory") : -1;
    }
    return 0;
}

static int rf_order_line(void *arg, sqlite3_stmt *st, struct err *e)
{
    struct rf *r = arg;
    const char *oid = reconcile_str(st, r->col[RFC_ORDER]);
    const char *sku = reconcile_col(st, r->col[RFC_SKU]);
    struct rf_order *o;
    struct rf_exceeds *x;
    int other;
    if (reconcile_keep_text(&r->last, &r->caplast, oid, &other, e) < 0)
        return -1;
    if (other) {
        if (rf_key2(r, oid, NULL, e) < 0)
            return -1;
        r->last_o = rtab_find(&r->orders, &r->k);
    }
    if (!(o = r->last_o))
        return 0; /* not a refunded order: nothing to know about it */
    o->ordered = 1;
    if (!nonempty(sku) || strcmp(reconcile_str(st, r->col[RFC_AT]), "ItemPrice") != 0 ||
        strcmp(reconcile_str(st, r->col[RFC_AD]), "Principal") != 0)
        return 0;
    if (rf_key2(r, oid, sku, e) < 0)
        return -1;
    if (!(x = rtab_find(&r->exceeds, &r->k)))
        return 0; /* sold but not refunded under this SKU */
    return reconcile_add(&x->charged, sqlite3_column_int64(st, r->col[RFC_AMOUNT]), e);
}

/* 1 when the order history has the order. */
static int rf_in_history(struct rf *r, const char *oid, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(r->c->lg, &st, "SELECT 1 FROM orders WHERE amazon_order_id = ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ledger_fail(r->c->lg, e, "reconcile order history");
    return s == SQLITE_ROW;
}

/* The history's item-price of an order and SKU (items with a currency), 0 when none. */
static int rf_history_price(struct rf *r, const char *oid, const char *sku, int64_t *out,
                            struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(r->c->lg, &st, "SELECT coalesce(sum(i.item_price_minor), 0) FROM "
                       "order_item i WHERE i.amazon_order_id = ?1 AND +i.sku = ?2 AND "
                       "i.currency IS NOT NULL", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, oid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sku, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 0 : ledger_fail(r->c->lg, e, "reconcile order items");
}

static struct rf *rf_sort_ctx; /* qsort has no argument: set around each sort */

static int rf_settlement_order(const struct rf_settlement *a, const struct rf_settlement *b)
{
    int d = strcmp(a->start, b->start);
    return d ? d : strcmp(a->id, b->id);
}

static int rf_without_cmp(const void *a, const void *b)
{
    const struct rf_without *x = (const void *)(*(struct rtab_entry *const *)a)->val;
    const struct rf_without *y = (const void *)(*(struct rtab_entry *const *)b)->val;
    int d = rf_settlement_order(rf_find(rf_sort_ctx, x->sref), rf_find(rf_sort_ctx, y->sref));
    return d ? d : strcmp(x->oid, y->oid);
}

static int rf_exceeds_cmp(const void *a, const void *b)
{
    const struct rf_exceeds *x = (const void *)(*(struct rtab_entry *const *)a)->val;
    const struct rf_exceeds *y = (const void *)(*(struct rtab_entry *const *)b)->val;
    int d = rf_settlement_order(x->latest, y->latest);
    if (!d)
        d = strcmp(x->oid, y->oid);
    return d ? d : strcmp(x->sku, y->sku);
}

static int rf_emit_without(struct rf *r, struct err *e)
{
    struct rtab_entry **v = rtab_entries(&r->without, e);
    int rc = 0;
    if (!v)
        return -1;
    rf_sort_ctx = r;
    if (r->without.n > 1)
        qsort(v, r->without.n, sizeof *v, rf_without_cmp);
    for (size_t i = 0; rc == 0 && i < r->without.n; i++) {
        const struct rf_without *w = (const void *)v[i]->val;
        const struct rf_settlement *s = rf_find(r, w->sref);
        struct rf_order *o;
        int hist;
        if (rf_key2(r, w->oid, NULL, e) < 0 || !(o = rtab_find(&r->orders, &r->k))) {
            rc = -1;
            break;
        }
        if (o->ordered || (hist = rf_in_history(r, w->oid, e)) != 0) {
            rc = o->ordered ? 0 : hist < 0 ? -1 : 0;
            continue;
        }
        rc = without_order_emit(r->c, s->id, s->currency, w->oid,
                                w->many_skus ? NULL : w->sku, w->n, w->sum, e);
    }
    free(v);
    return rc;
}

static int rf_emit_exceeds(struct rf *r, struct err *e)
{
    struct rtab_entry **v = rtab_entries(&r->exceeds, e);
    size_t n = 0;
    int rc = 0;
    if (!v)
        return -1;
    for (size_t i = 0; i < r->exceeds.n; i++) /* those reported on a settlement in scope */
        if (((struct rf_exceeds *)(void *)v[i]->val)->latest->in_scope)
            v[n++] = v[i];
    rf_sort_ctx = r;
    if (n > 1)
        qsort(v, n, sizeof *v, rf_exceeds_cmp);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct rf_exceeds *x = (const void *)v[i]->val;
        struct rf_order *o;
        int64_t charged = x->charged, refunded;
        int hist = 0;
        if (rf_key2(r, x->oid, NULL, e) < 0 || !(o = rtab_find(&r->orders, &r->k))) {
            rc = -1;
            break;
        }
        if (!o->ordered && ((hist = rf_in_history(r, x->oid, e)) <= 0 ||
                            rf_history_price(r, x->oid, x->sku, &charged, e) < 0)) {
            rc = hist < 0 ? -1 : hist == 0 ? 0 : -1;
            continue;
        }
        if (__builtin_sub_overflow((int64_t)0, x->refunded, &refunded)) {
            rc = err_set(e, ERR_INPUT, "reconcile: integer overflow in refunds of order %s",
                         x->oid);
            break;
        }
        if (refunded > charged)
            rc = exceeds_emit(r->c, x->latest->id, x->latest->currency, x->oid, x->sku,
                              refunded, charged, o->ordered, e);
    }
    free(v);
    return rc;
}

static void rf_free(struct rf *r)
{
    for (size_t i = 0; r->without.slots && i < r->without.cap; i++)
        if (r->without.slots[i]) {
            struct rf_without *w = (void *)r->without.slots[i]->val;
            free(w->oid);
            free(w->sku);
        }
    for (size_t i = 0; r->exceeds.slots && i < r->exceeds.cap; i++)
        if (r->exceeds.slots[i]) {
            struct rf_exceeds *x = (void *)r->exceeds.slots[i]->val;
            free(x->oid);
            free(x->sku);
        }
    rtab_free(&r->without);
    rtab_free(&r->exceeds);
    rtab_free(&r->orders);
    rkey_free(&r->k);
    free(r->last);
    for (size_t i = 0; i < r->ns; i++) {
        free(r->s[i].id);
        free(r->s[i].currency);
        free(r->s[i].start);
        free(r->s[i].end);
    }
    free(r->s);
}

/* The refunds, grouped (one read of the Refund lines), before any Order line is read. */
static int rf_begin(struct rf *r, struct err *e)
{
    if (rtab_init(&r->without, sizeof(struct rf_without), e) < 0 ||
        rtab_init(&r->exceeds, sizeof(struct rf_exceeds), e) < 0 ||
        rtab_init(&r->orders, sizeof(struct rf_order), e) < 0 || rf_load_settlements(r, e) < 0)
        return -1;
    return reconcile_query_each(r->c, "SELECT l.settlement_ref, l.order_id, l.sku, "
                                "l.amount_type, l.amount_description, l.amount_minor FROM "
                                RARE_LINES("l", "refund") " WHERE l.order_id IS NOT NULL AND "
                                "l.order_id != ''", rf_refund_line, r, e);
}

int reconcile_refunds_begin(struct reconcile_ctx *c, struct err *e)
{
    reconcile_refunds_discard(c);
    if (!(c->refunds = calloc(1, sizeof *c->refunds)))
        return err_set(e, ERR_NOMEM, "out of memory");
    c->refunds->c = c;
    c->refunds->col = SHARED_COLS;
    return rf_begin(c->refunds, e);
}

int reconcile_refunds_line(struct rf *r, sqlite3_stmt *st, struct err *e)
{
    /* ORDER_LINES' WHERE; nothing to learn from Order lines when nothing was refunded */
    const char *tt = reconcile_col(st, RL_TT), *oid = reconcile_col(st, RL_ORDER);
    if (r->orders.n == 0 || !tt || strcmp(tt, "Order") != 0 || !nonempty(oid))
        return 0;
    return rf_order_line(r, st, e);
}

void reconcile_refunds_discard(struct reconcile_ctx *c)
{
    if (c->refunds)
        rf_free(c->refunds);
    free(c->refunds);
    c->refunds = NULL;
}

static const char ORDER_LINES[] =
    "SELECT order_id, sku, amount_type, amount_description, amount_minor FROM settlement_line "
    "WHERE transaction_type = 'Order' AND order_id IS NOT NULL AND order_id != ''";

/* The Order lines were given to reconcile_refunds_line during UNMAPPED's reads of every
 * settlement (c->refunds), or are read here. */
static int refunds_stream(struct reconcile_ctx *c, struct err *e)
{
    struct rf own = { .c = c, .col = OWN_COLS }, *r = c->refunds ? c->refunds : &own;
    int rc = -1;
    if (r == &own && (rf_begin(r, e) < 0 ||
                      (r->orders.n > 0 &&
                       reconcile_query_each(c, ORDER_LINES, rf_order_line, r, e) < 0)))
        goto done;
    if ((c->has_history && rf_emit_without(r, e) < 0) || rf_emit_exceeds(r, e) < 0)
        goto done;
    rc = 0;
done:
    if (r == &own)
        rf_free(r);
    reconcile_refunds_discard(c);
    return rc;
}
