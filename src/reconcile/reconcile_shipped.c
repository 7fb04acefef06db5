/* reconcile_shipped — UNITS_NOT_SETTLED without SQLite's sort: the units settled per month,
 * SKU and country (ledger.h's LEDGER_UNITS_SETTLED_CTE: per order item, its largest quantity
 * in the month of its first posted line, in the country of its marketplace) summed in C from
 * the Order lines in reading order: those of UNMAPPED's read of every settlement
 * (reconcile_lines.c), or one filtered read of its own. An order item's lines are grouped
 * while its order's lines are read one after the other (Amazon writes an order as one block);
 * when an order comes back after another one (or too many orders to remember), the answer of
 * the query itself is used instead (reconcile_inventory.c), so the rows are the same either
 * way. Only the SKUs of the inventory rows in scope are summed. Reads only. */
#include "reconcile_int.h"

#include <stdlib.h>
#include <string.h>

#define SHIP_ORDERS_MAX ((size_t)1 << 19)   /* orders remembered: 8 MiB of fingerprints */

/* Amazon's Customer Shipments per month, SKU and Location in scope (the rows the query's
 * JOIN keeps: none of the three NULL), in the query's order. */
static const char INV[] =
    "SELECT month, msku, location, sum(-customer_shipments) FROM inventory_month WHERE "
    "(?1 = '' OR month = ?1) AND month IS NOT NULL AND msku IS NOT NULL AND location IS NOT "
    "NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
/* Whether any line was posted in the month (the query's days CTE, asked per month). */
static const char POSTED[] =
    "SELECT EXISTS (SELECT 1 FROM settlement_line WHERE posted IS NOT NULL AND "
    "substr(posted, 1, 10) >= ?1 || '-01' AND substr(posted, 1, 10) < date(?1 || '-01', "
    "'+1 month'))";
static const char LINES[] =
    "SELECT settlement_ref, order_id, order_item_code, sku, posted, marketplace, quantity "
    "FROM settlement_line WHERE transaction_type = 'Order' AND quantity IS NOT NULL AND "
    "posted IS NOT NULL";

struct ship_row {
    char *month, *sku, *location;
    int64_t shipped, settled;
    int has_shipped, posted;
};

struct ship_item {             /* one order item of the order being read */
    char *oic, *sku, *posted, *mk;   /* oic NULL for NULL; mk NULL while every line's is */
    int64_t qty;
};

struct ship_sett {
    int64_t ref;
    char *marketplace;
};

struct ship {
    struct reconcile_ctx *c;
    struct ship_row *rows;
    size_t nrows, caprows;
    struct rtab skus, totals;       /* SKU -> present; (month, SKU, country) -> units */
    struct ship_sett *sett;
    size_t nsett, capsett;
    struct ship_item *it;
    size_t nit, capit;
    int64_t sref;                   /* the order being read: settlement and id */
    char *order;
    int has_order, order_null;
    struct rseen seen;              /* the orders read */
    int apart;                      /* an order came back: use the query */
    int none;                       /* no inventory rows in scope: no line needed */
    int shared;                     /* the lines come from the shared read: the fee check
                                     * tells whether orders came back (seen stays empty) */
    const int *col;                 /* where line_at's columns are (SC_*) */
    struct rkey k;
};
/* line_at's columns: in LINES (after settlement_ref), and in RECONCILE_LINE_COLS. */
enum { SC_ORDER, SC_OIC, SC_SKU, SC_POSTED, SC_MK, SC_QTY, SC_NCOLS };
static const int OWN_COLS[SC_NCOLS] = { 1, 2, 3, 4, 5, 6 };
static const int SHARED_COLS[SC_NCOLS] = { RL_ORDER, RL_OIC, RL_SKU, RL_POSTED, RL_MK, RL_QTY };

static char *dup_text(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

static int load_rows(struct ship *p, struct err *e)
{
    sqlite3_stmt *st;
    int s, oom = 0, created;
    if (ledger_prepare(p->c->lg, &st, INV, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, p->c->period, -1, SQLITE_STATIC);
    while (!oom && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (reconcile_grow(&p->rows, &p->caprows, p->nrows, sizeof *p->rows, e) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
        struct ship_row *r = &p->rows[p->nrows++];
        *r = (struct ship_row){ .month = dup_text(reconcile_str(st, 0), &oom),
            .sku = dup_text(reconcile_str(st, 1), &oom),
            .location = dup_text(reconcile_str(st, 2), &oom),
            .has_shipped = sqlite3_column_type(st, 3) != SQLITE_NULL,
            .shipped = sqlite3_column_int64(st, 3) };
        rkey_reset(&p->k);
        if (!oom && (rkey_text(&p->k, r->sku, strlen(r->sku), e) < 0 ||
                     !rtab_get(&p->skus, &p->k, &created, e))) {
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (oom)
        return err_set(e, ERR_NOMEM, "out of memory");
    return s == SQLITE_DONE ? 0 : ledger_fail(p->c->lg, e, "reconcile shipments");
}

/* Whether each row's month has a line posted in it (asked once per month: rows are sorted). */
static int load_posted(struct ship *p, struct err *e)
{
    sqlite3_stmt *st;
    int s = SQLITE_DONE;
    if (ledger_prepare(p->c->lg, &st, POSTED, e) < 0)
        return -1;
    for (size_t i = 0; i < p->nrows; i++) {
        if (i && strcmp(p->rows[i].month, p->rows[i - 1].month) == 0) {
            p->rows[i].posted = p->rows[i - 1].posted;
            continue;
        }
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, p->rows[i].month, -1, SQLITE_STATIC);
        if ((s = sqlite3_step(st)) != SQLITE_ROW)
            break;
        p->rows[i].posted = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(p->c->lg, e, "reconcile days");
}

static int sett_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct ship_sett *)a)->ref, y = ((const struct ship_sett *)b)->ref;
    return (x > y) - (x < y);
}

static int load_settlements(struct ship *p, struct err *e)
{
    sqlite3_stmt *st;
    int s, oom = 0;
    if (ledger_prepare(p->c->lg, &st, "SELECT id, marketplace FROM settlement ORDER BY id",
                       e) < 0)
        return -1;
    while (!oom && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (reconcile_grow(&p->sett, &p->capsett, p->nsett, sizeof *p->sett, e) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
        p->sett[p->nsett++] = (struct ship_sett){ sqlite3_column_int64(st, 0),
                                                  dup_text(reconcile_col(st, 1), &oom) };
    }
    sqlite3_finalize(st);
    if (oom)
        return err_set(e, ERR_NOMEM, "out of memory");
    return s == SQLITE_DONE ? 0 : ledger_fail(p->c->lg, e, "reconcile settlements");
}

/* LEDGER_UNITS_SETTLED_CTE's CASE: the country of a marketplace. */
static const char *country_of(const char *mk)
{
    static const char *const MK[][2] = {
        { "Amazon.com", "US" }, { "Amazon.ca", "CA" }, { "Amazon.com.mx", "MX" },
        { "Amazon.co.uk", "GB" }, { "Amazon.de", "DE" }, { "Amazon.fr", "FR" },
        { "Amazon.it", "IT" }, { "Amazon.es", "ES" }, { "Amazon.nl", "NL" },
        { "Amazon.co.jp", "JP" }, { "Amazon.com.au", "AU" },
    };
    for (size_t i = 0; mk && i < sizeof MK / sizeof MK[0]; i++)
        if (strcmp(mk, MK[i][0]) == 0)
            return MK[i][1];
    return "";
}

/* substr(s, 1, n) of SQLite: the first n characters (UTF-8), as a length in bytes. */
static size_t substr_len(const char *s, int n)
{
    size_t i = 0;
    for (int k = 0; s[i] && k < n; k++)
        for (i++; ((unsigned char)s[i] & 0xc0) == 0x80; i++)
            ;
    return i;
}

static int total_key(struct ship *p, const char *month, size_t mlen, const char *sku,
                     const char *country, struct err *e)
{
    rkey_reset(&p->k);
    if (rkey_text(&p->k, month, mlen, e) < 0 || rkey_text(&p->k, sku, strlen(sku), e) < 0)
        return -1;
    return rkey_text(&p->k, country, strlen(country), e);
}

/* The order read so far: each item's units go to its month, SKU and country. */
static int order_done(struct ship *p, struct err *e)
{
    for (size_t i = 0; i < p->nit; i++) {
        struct ship_item *it = &p->it[i];
        const char *mk = it->mk;
        int created;
        if (!mk) {
            struct ship_sett key = { .ref = p->sref }, *s;
            s = bsearch(&key, p->sett, p->nsett, sizeof key, sett_cmp);
            mk = s ? s->marketplace : NULL;
        }
        if (total_key(p, it->posted, substr_len(it->posted, 7), it->sku, country_of(mk),
                      e) < 0)
            return -1;
        int64_t *units = rtab_get(&p->totals, &p->k, &created, e);
        if (!units || reconcile_add(units, it->qty, e) < 0)
            return -1;
    }
    for (size_t i = 0; i < p->nit; i++) {
        free(p->it[i].oic);
        free(p->it[i].sku);
        free(p->it[i].posted);
        free(p->it[i].mk);
    }
    p->nit = 0;
    return 0;
}

static int same_text(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Whether the line starts another order than the one being read (then it is the one). */
static int next_order(struct ship *p, int64_t sref, const char *oid, struct err *e)
{
    if (p->has_order && p->sref == sref && same_text(p->order_null ? NULL : p->order, oid))
        return 0;
    if (p->has_order && order_done(p, e) < 0)
        return -1;
    size_t n = oid ? strlen(oid) : 0;
    char *o = realloc(p->order, n + 1);
    if (!o)
        return err_set(e, ERR_NOMEM, "out of memory");
    p->order = o;
    memcpy(o, oid ? oid : "", n + 1);
    p->order_null = !oid;
    p->sref = sref;
    p->has_order = 1;
    if (p->shared)
        return 0;   /* reconcile_shipped_settled says whether an order came back */
    /* the order came back after another (or too many to remember): p->apart */
    uint64_t fp = reconcile_fp_done(reconcile_fp_text(reconcile_fp_int(RECONCILE_FP_SEED, sref),
                                                      oid, n)) | 1;
    int seen = 0;
    if (rseen_add(&p->seen, SHIP_ORDERS_MAX, fp, &seen, e) < 0)
        return -1;
    p->apart |= seen;
    return 0;
}

static int nonempty_col(sqlite3_stmt *st, int i)
{
    const char *t = reconcile_col(st, i);
    return t && t[0];
}

/* One Order line with a quantity and a date (LINES' WHERE) of settlement sref. In the shared
 * read, a line the fee check does not see (no order id, no SKU) leaves it to the query: the
 * fee check's lines having each order's together says so of this subset of them only. */
static int line_at(struct ship *p, int64_t sref, sqlite3_stmt *st, struct err *e)
{
    const int *col = p->col;
    const char *oic = reconcile_col(st, col[SC_OIC]), *sku = reconcile_col(st, col[SC_SKU]);
    const char *posted = reconcile_col(st, col[SC_POSTED]), *mk = reconcile_col(st, col[SC_MK]);
    int oom = 0;
    if (!sku)
        return 0;   /* matches no SKU of the inventory ledger */
    rkey_reset(&p->k);
    if (rkey_text(&p->k, sku, strlen(sku), e) < 0)
        return -1;
    if (!rtab_find(&p->skus, &p->k))
        return 0;
    if (sqlite3_column_type(st, col[SC_QTY]) != SQLITE_INTEGER || !posted ||
        (p->shared && (!sku[0] || !nonempty_col(st, col[SC_ORDER])))) {
        p->apart = 1;   /* not what the C sums expect: the query decides */
        return 0;
    }
    if (next_order(p, sref, reconcile_col(st, col[SC_ORDER]), e) < 0)
        return -1;
    if (p->apart)
        return 0;
    struct ship_item *it = NULL;
    for (size_t i = 0; i < p->nit && !it; i++)
        if (same_text(p->it[i].oic, oic) && strcmp(p->it[i].sku, sku) == 0)
            it = &p->it[i];
    if (!it) {
        if (reconcile_grow(&p->it, &p->capit, p->nit, sizeof *p->it, e) < 0)
            return -1;
        it = &p->it[p->nit++];
        *it = (struct ship_item){ .oic = dup_text(oic, &oom), .sku = dup_text(sku, &oom),
                                  .posted = dup_text(posted, &oom),
                                  .qty = sqlite3_column_int64(st, col[SC_QTY]) };
    } else {
        if (strcmp(posted, it->posted) < 0) {
            free(it->posted);
            it->posted = dup_text(posted, &oom);
        }
        if (sqlite3_column_int64(st, col[SC_QTY]) > it->qty)
            it->qty = sqlite3_column_int64(st, col[SC_QTY]);
    }
    if (mk && (!it->mk || strcmp(mk, it->mk) > 0)) {
        free(it->mk);
        it->mk = dup_text(mk, &oom);
    }
    return oom ? err_set(e, ERR_NOMEM, "out of memory") : 0;
}

/* A row of LINES. */
static int line(void *arg, sqlite3_stmt *st, struct err *e)
{
    return line_at(arg, sqlite3_column_int64(st, 0), st, e);
}

/* Each row's units settled: its month and SKU, every country when its Location is ''. */
static int settle_rows(struct ship *p, struct err *e)
{
    static const char *const ALL[] = { "", "US", "CA", "MX", "GB", "DE", "FR", "IT", "ES",
                                       "NL", "JP", "AU" };
    for (size_t i = 0; i < p->nrows; i++) {
        struct ship_row *r = &p->rows[i];
        for (size_t k = 0; k < sizeof ALL / sizeof ALL[0]; k++) {
            if (r->location[0] && strcmp(r->location, ALL[k]) != 0)
                continue;
            if (total_key(p, r->month, strlen(r->month), r->sku, ALL[k], e) < 0)
                return -1;
            const int64_t *units = rtab_find(&p->totals, &p->k);
            if (units && reconcile_add(&r->settled, *units, e) < 0)
                return -1;
        }
    }
    return 0;
}

static void ship_free(struct ship *p)
{
    for (size_t i = 0; i < p->nrows; i++) {
        free(p->rows[i].month);
        free(p->rows[i].sku);
        free(p->rows[i].location);
    }
    free(p->rows);
    for (size_t i = 0; i < p->nit; i++) {
        free(p->it[i].oic);
        free(p->it[i].sku);
        free(p->it[i].posted);
        free(p->it[i].mk);
    }
    free(p->it);
    for (size_t i = 0; i < p->nsett; i++)
        free(p->sett[i].marketplace);
    free(p->sett);
    free(p->order);
    rseen_free(&p->seen);
    if (p->skus.slots)
        rtab_free(&p->skus);
    if (p->totals.slots)
        rtab_free(&p->totals);
    rkey_free(&p->k);
}

/* The inventory rows in scope, and what reading the lines needs; p->none when no row. */
static int ship_begin(struct ship *p, struct err *e)
{
    if (rtab_init(&p->skus, 1, e) < 0 || rtab_init(&p->totals, sizeof(int64_t), e) < 0 ||
        load_rows(p, e) < 0)
        return -1;
    p->none = p->nrows == 0;   /* nothing in scope: nothing to read */
    if (p->none)
        return 0;
    return load_posted(p, e) < 0 ? -1 : load_settlements(p, e);
}

int reconcile_shipped_begin(struct reconcile_ctx *c, struct err *e)
{
    reconcile_shipped_discard(c);
    if (!(c->shipped = calloc(1, sizeof *c->shipped)))
        return err_set(e, ERR_NOMEM, "out of memory");
    c->shipped->c = c;
    c->shipped->col = SHARED_COLS;
    c->shipped->shared = 1;
    return ship_begin(c->shipped, e);
}

int reconcile_shipped_line(struct ship *p, int64_t sref, sqlite3_stmt *st, struct err *e)
{
    /* LINES' WHERE */
    const char *tt = reconcile_col(st, RL_TT);
    if (p->none || p->apart || !tt || strcmp(tt, "Order") != 0 ||
        sqlite3_column_type(st, RL_QTY) == SQLITE_NULL ||
        sqlite3_column_type(st, RL_POSTED) == SQLITE_NULL)
        return 0;
    return line_at(p, sref, st, e);
}

void reconcile_shipped_apart(struct ship *p)
{
    p->apart = 1;
}

void reconcile_shipped_discard(struct reconcile_ctx *c)
{
    if (c->shipped)
        ship_free(c->shipped);
    free(c->shipped);
    c->shipped = NULL;
}

/* The Order lines were given to reconcile_shipped_line during UNMAPPED's reads of every
 * settlement (c->shipped), or are read here. */
int reconcile_shipped(struct reconcile_ctx *c,
                      int (*emit)(struct reconcile_ctx *c, const char *month, const char *sku,
                                  const char *location, int64_t shipped, int64_t settled,
                                  struct err *e),
                      int *done, struct err *e)
{
    struct ship own = { .c = c, .col = OWN_COLS }, *p = c->shipped ? c->shipped : &own;
    int rc = -1;
    *done = 0;
    if (p == &own && ship_begin(p, e) < 0)
        goto out;
    if (p->none) {
        *done = 1;
        rc = 0;
        goto out;
    }
    if ((p == &own && reconcile_query_each(c, LINES, line, p, e) < 0) ||
        (!p->apart && p->has_order && order_done(p, e) < 0))
        goto out;
    rc = 0;
    if (p->apart) {
        log_verbose("reconcile: inventory: an order's lines are apart (or more than %zu "
                    "orders): units settled by the query", SHIP_ORDERS_MAX);
        goto out;
    }
    if (settle_rows(p, e) < 0) {
        rc = -1;
        goto out;
    }
    for (size_t i = 0; rc == 0 && i < p->nrows; i++) {
        const struct ship_row *r = &p->rows[i];
        if (r->posted && r->has_shipped && r->shipped != r->settled)
            rc = emit(c, r->month, r->sku, r->location, r->shipped, r->settled, e);
    }
    *done = rc == 0;
out:
    if (p == &own)
        ship_free(p);
    reconcile_shipped_discard(c);
    return rc;
}
