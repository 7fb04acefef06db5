/* journal_cogs — the cost-of-goods journal of a month: units sold per SKU (settlement Order
 * lines posted in the month) less units put back (refunded order items), each at the unit
 * cost in force on its posted date, debited to accounts.cogs and credited to
 * accounts.inventory; and the units the FBA Inventory Ledger shows Lost, Damaged or Disposed
 * less those Found, written off at unit cost to accounts.inventory_writeoff (same journal:
 * one inventory movement a month, held back as one by MISSING_COST). Writes only cogs_journal / cogs_line (and MISSING_COST through
 * exception.c); never renders or sends anything. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

#define COGS_SKU_MAX 128

struct cost {
    char sku[COGS_SKU_MAX], from[11];
    int64_t minor;
};

/* One order item sold (back = 0) or put back (back = 1); or, in the write-off pass, one
 * inventory ledger row's units written off (gone less found, may be negative). One per order
 * item of the month (hundreds of thousands on a 4M-line month), so the SKU is the interned
 * text (skus) rather than a copy: 64 bytes an entry instead of 186 keeps memory flat. */
struct unit_entry {
    const char *sku;                                   /* into cogs_ctx.skus, NUL-ended */
    char date[11], cost_date[11];                      /* cost_date: whose cost applies */
    int64_t units, gone, found;
    int back;
};

struct cogs_ctx {
    struct ledger *lg;
    const struct config *cfg;
    struct tz *zone;
    struct cost *costs;
    size_t n_costs;
    char (*tracked)[COGS_SKU_MAX];
    size_t n_tracked;
    struct unit_entry *u;
    size_t n, cap;
    struct keytab skus;        /* every SKU text an entry names, with its NUL */
    char month[8];
};

/* One SKU's total for the month. */
struct sku_total {
    char sku[COGS_SKU_MAX];
    int64_t sold, back, amount, unit_cost, missing;
    int64_t gone, found;       /* write-off pass: lost, damaged, disposed / found units */
    int mixed;                 /* several unit costs applied */
};

/* One MISSING_COST the month raises. */
struct miss {
    char sku[COGS_SKU_MAX], expl[512];
};

static int cmp_entry(const void *a, const void *b)
{
    const struct unit_entry *x = a, *y = b;
    int c = strcmp(x->sku, y->sku);
    if (!c)
        c = strcmp(x->date, y->date);
    return c ? c : x->back - y->back;
}

static int load_costs(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    if (ledger_prepare(c->lg, &st, "SELECT sku, effective_from, unit_cost_minor FROM unit_cost "
                       "WHERE currency = ? AND length(sku) < 128 ORDER BY sku, effective_from",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->cfg->base_currency, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n_costs == cap) {
            struct cost *p = realloc(c->costs, (cap = cap ? cap * 2 : 64) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            c->costs = p;
        }
        struct cost *k = &c->costs[c->n_costs++];
        snprintf(k->sku, sizeof k->sku, "%s", ledger_text(st, 0));
        snprintf(k->from, sizeof k->from, "%s", ledger_text(st, 1));
        k->minor = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return ledger_fail(c->lg, e, "read unit costs");
    /* SQLite's ORDER BY uses the same byte order as strcmp (BINARY collation) */
    return 0;
}

/* The cost of sku on day (latest effective_from on or before it); 0 found, 1 none. */
static int cost_at(const struct cogs_ctx *c, const char *sku, const char *day, int64_t *out)
{
    size_t lo = 0, hi = c->n_costs;
    int found = 0;
    while (lo < hi) {           /* first cost of sku, or past it */
        size_t mid = (lo + hi) / 2;
        if (strcmp(c->costs[mid].sku, sku) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->n_costs && !strcmp(c->costs[lo].sku, sku); lo++) {
        if (strcmp(c->costs[lo].from, day) > 0)
            break;
        *out = c->costs[lo].minor;
        found = 1;
    }
    return found ? 0 : 1;
}

static int load_tracked(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    /* preflight caches Xero Items; detail starts with "tracked" for IsTrackedAsInventory */
    if (ledger_prepare(c->lg, &st, "SELECT key FROM xero_ref WHERE kind = 'item' AND detail "
                       "LIKE 'tracked%' ORDER BY key", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n_tracked == cap) {
            char (*p)[COGS_SKU_MAX] = realloc(c->tracked, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            c->tracked = p;
        }
        snprintf(c->tracked[c->n_tracked++], COGS_SKU_MAX, "%s", ledger_text(st, 0));
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "read Xero items");
}

static int is_tracked(const struct cogs_ctx *c, const char *sku)
{
    char code[TEXT_ITEM_CODE_MAX];
    text_item_code(sku, code);
    for (size_t i = 0; i < c->n_tracked; i++)
        if (!strcmp(c->tracked[i], code))
            return 1;
    return 0;
}

/* The SKU's interned text, cut as long as a total's SKU can be, into *out. */
static int cogs_intern(struct cogs_ctx *c, const char *sku, const char **out, struct err *e)
{
    char cut[COGS_SKU_MAX];
    size_t idx;
    int created;
    snprintf(cut, sizeof cut, "%s", sku);
    if (keytab_index(&c->skus, cut, strlen(cut) + 1, &idx, &created, e) < 0)
        return -1;
    *out = c->skus.keys[idx].bytes;
    return 0;
}

static int add_entry(struct cogs_ctx *c, sqlite3_stmt *st, int back, struct err *e)
{
    const char *posted = ledger_text(st, 1), *end = ledger_text(st, 2);
    int64_t units = sqlite3_column_int64(st, 3);
    char endl[11], day[11], cday[11];
    if (units <= 0)
        return 0;
    tz_local_date(c->zone, end, end, endl);
    tz_local_date(c->zone, posted, endl, day);
    if (strncmp(day, c->month, 7) != 0)
        return 0;
    snprintf(cday, sizeof cday, "%s", day);
    if (back && sqlite3_column_type(st, 4) != SQLITE_NULL) {
        char oend[11];
        tz_local_date(c->zone, ledger_text(st, 5), ledger_text(st, 5), oend);
        tz_local_date(c->zone, ledger_text(st, 4), oend, cday);
    }
    if (c->n == c->cap) {
        struct unit_entry *p = realloc(c->u, (c->cap = c->cap ? c->cap * 2 : 256) * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        c->u = p;
    }
    const char *sku;
    if (cogs_intern(c, ledger_text(st, 0), &sku, e) < 0)
        return -1;
    struct unit_entry *x = &c->u[c->n++];
    memset(x, 0, sizeof *x);
    x->sku = sku;
    snprintf(x->date, sizeof x->date, "%s", day);
    snprintf(x->cost_date, sizeof x->cost_date, "%s", cday);
    x->units = units;
    x->back = back;
    return 0;
}

/* Lines within a day of the month either side; the zone then decides the month exactly. */
#define COGS_WINDOW                                                                         \
    "COALESCE(l.posted, s.end_utc) >= date(?1 || '-01', '-1 day') AND "                    \
    "COALESCE(l.posted, s.end_utc) < date(?1 || '-01', '+1 month', '+1 day')"

static const char SOLD[] =
    "SELECT l.sku, MIN(COALESCE(l.posted, '')), s.end_utc, COALESCE(MAX(l.quantity), 0) "
    "FROM settlement_line l JOIN settlement s ON s.id = l.settlement_ref "
    "WHERE l.transaction_type = 'Order' AND COALESCE(l.sku, '') != '' AND " COGS_WINDOW
    " GROUP BY l.settlement_ref, l.order_id, l.order_item_code, l.sku";

/* A refunded order item puts back round(refund principal / order principal per unit) units,
 * at most its order line's quantity (a partial refund is a price adjustment, not a return of
 * every unit), valued at the cost in force on the order line's posted date; one unit at the
 * refund date's cost when the ledger lacks the order line. Integer rounding, half up. */
static const char PUT_BACK[] =
    "WITH r AS (SELECT l.order_id AS oid, l.order_item_code AS item, MAX(l.sku) AS sku, "
    "MIN(COALESCE(l.posted, '')) AS p, MAX(s.end_utc) AS e, -SUM(CASE WHEN l.amount_type = "
    "'ItemPrice' AND l.amount_description = 'Principal' THEN l.amount_minor ELSE 0 END) AS rp "
    "FROM settlement_line l JOIN settlement s ON s.id = l.settlement_ref WHERE "
    "l.transaction_type = 'Refund' AND " COGS_WINDOW " GROUP BY 1, 2), "
    JOURNAL_ORDER_ITEMS_CTE " SELECT r.sku, r.p, r.e, " JOURNAL_PUT_BACK_UNITS ", "
    "coalesce(q.p, r.p), coalesce(q.e, r.e) FROM " JOURNAL_PUT_BACK_JOIN " "
    "WHERE COALESCE(r.sku, '') != ''";

/* Units written off per SKU and day of the inventory ledger (sql/009's inventory_month: the
 * monthly rows, or the daily ones): Lost, Damaged and Disposed less Found, summed with their
 * signs over every disposition and Location, so a unit Amazon moves from SELLABLE to a
 * damaged disposition (-1 here, +1 there) is written off once, when it is disposed of. A
 * monthly row is valued at the cost in force on the month's last day. */
static const char WRITTEN_OFF[] =
    "SELECT msku, CASE WHEN day = '' THEN date(month || '-01', '+1 month', '-1 day') ELSE day "
    "END, -sum(lost + damaged + disposed), sum(found) FROM inventory_month WHERE month = ?1 "
    "AND msku != '' AND length(msku) < 128 GROUP BY 1, 2 ORDER BY 1, 2";

static int load_writeoff(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(c->lg, &st, WRITTEN_OFF, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t gone = sqlite3_column_int64(st, 2), found = sqlite3_column_int64(st, 3);
        if (gone == found)
            continue;
        if (c->n == c->cap) {
            struct unit_entry *p = realloc(c->u, (c->cap = c->cap ? c->cap * 2 : 256) *
                                                     sizeof *p);
            if (!p) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            c->u = p;
        }
        const char *sku;
        if ((rc = cogs_intern(c, ledger_text(st, 0), &sku, e)) < 0)
            break;
        struct unit_entry *x = &c->u[c->n++];
        memset(x, 0, sizeof *x);
        x->sku = sku;
        snprintf(x->date, sizeof x->date, "%s", ledger_text(st, 1));
        snprintf(x->cost_date, sizeof x->cost_date, "%s", x->date);
        x->gone = gone;
        x->found = found;
        x->units = gone - found;
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(c->lg, e, "read units written off");
    return rc;
}

static int load_units(struct cogs_ctx *c, const char *sql, int back, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = add_entry(c, st, back, e);
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(c->lg, e, "read units sold");
    return rc;
}

/* Folds the sorted entries into per-SKU totals (caller frees *out). */
static int totals(struct cogs_ctx *c, struct sku_total **out, size_t *n, int64_t *tracked,
                  struct err *e)
{
    struct sku_total *t = calloc(c->n ? c->n : 1, sizeof *t);
    *n = 0;
    *tracked = 0;
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (c->n)
        qsort(c->u, c->n, sizeof *c->u, cmp_entry);
    for (size_t i = 0; i < c->n; i++) {
        const struct unit_entry *x = &c->u[i];
        struct sku_total *k = *n ? &t[*n - 1] : NULL;
        int64_t cost = 0, v;
        if (!k || strcmp(k->sku, x->sku)) {
            if (is_tracked(c, x->sku)) {
                if (!k || strcmp(k->sku, x->sku))
                    (*tracked)++;
                while (i + 1 < c->n && !strcmp(c->u[i + 1].sku, x->sku))
                    i++;
                continue;
            }
            k = &t[(*n)++];
            snprintf(k->sku, sizeof k->sku, "%s", x->sku);
            k->unit_cost = -1;
        }
        *(x->back ? &k->back : &k->sold) += x->units;
        k->gone += x->gone;
        k->found += x->found;
        if (cost_at(c, x->sku, x->cost_date, &cost)) {
            k->missing += x->back ? 0 : x->units;
            continue;
        }
        if (k->unit_cost >= 0 && k->unit_cost != cost)
            k->mixed = 1;
        k->unit_cost = cost;
        if (__builtin_mul_overflow(cost, x->units, &v) ||
            __builtin_add_overflow(k->amount, x->back ? -v : v, &k->amount)) {
            free(t);
            return err_set(e, ERR_INPUT, "cost of goods of SKU %s in %s overflows 64-bit minor "
                           "units: check its unit cost", x->sku, c->month);
        }
    }
    *out = t;
    return 0;
}

/* The MISSING_COST rows of t (sold units, or with writeoff the units written off): appended
 * to *m (capacity enough for every SKU of both passes). */
static void missing_of(const struct cogs_ctx *c, const struct sku_total *t, size_t n,
                       int writeoff, struct miss *m, size_t *nm)
{
    for (size_t i = 0; i < n; i++) {
        struct miss *x = &m[*nm];
        if (!t[i].missing)
            continue;
        snprintf(x->sku, sizeof x->sku, "%s", t[i].sku);
        if (writeoff)
            snprintf(x->expl, sizeof x->expl, "%s: SKU %s wrote off %lld unit(s) (lost, damaged "
                     "or disposed, less found, in the FBA Inventory Ledger) with no unit cost "
                     "in force; the cost-of-goods journal of %s is held back", c->month,
                     t[i].sku, (long long)t[i].missing, c->month);
        else
            snprintf(x->expl, sizeof x->expl, "%s: SKU %s sold %lld unit(s) with no unit cost "
                     "in force; the cost-of-goods journal of %s is held back", c->month,
                     t[i].sku, (long long)t[i].missing, c->month);
        (*nm)++;
    }
}

/* MISSING_COST rows of the month, brought to the fresh set m: only what changed is written. */
static int missing_sync(struct cogs_ctx *c, const struct miss *m, size_t nm, struct err *e)
{
    sqlite3_stmt *st;
    char like[16];
    int rc = 0;
    snprintf(like, sizeof like, "%s:%%", c->month);
    /* stale rows: a SKU that now has its cost, or other units */
    if (ledger_prepare(c->lg, &st, "SELECT explanation FROM exception WHERE scope = 'cogs' AND "
                       "kind = 'MISSING_COST' AND explanation LIKE ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        const char *old = ledger_text(st, 0);
        int keep = 0;
        for (size_t i = 0; i < nm && !keep; i++)
            keep = !strcmp(m[i].expl, old);
        if (!keep) {
            char *copy = strdup(old);
            if (!copy)
                rc = err_set(e, ERR_NOMEM, "out of memory");
            else
                rc = exception_clear(c->lg, "cogs", "MISSING_COST", NULL, copy, e);
            free(copy);
        }
    }
    sqlite3_finalize(st);
    if (rc < 0 || ledger_prepare(c->lg, &st, "SELECT 1 FROM exception WHERE scope = 'cogs' AND "
                                 "kind = 'MISSING_COST' AND explanation = ?", e) < 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < nm; i++) {
        struct exception_row x = { .kind = "MISSING_COST", .severity = "error",
                                   .sku = m[i].sku, .currency = c->cfg->base_currency,
                                   .month = c->month,
                                   .explanation = m[i].expl,
                                   .action = "Add the SKU's cost to your unit-cost CSV "
                                             "(sku,unit_cost,currency,effective_from, dated on "
                                             "or before its first sale) and ingest it, then "
                                             "run post again." };
        sqlite3_bind_text(st, 1, m[i].expl, -1, SQLITE_STATIC);
        int exists = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (!exists)
            rc = exception_add(c->lg, "cogs", &x, e);
    }
    sqlite3_finalize(st);
    return rc;
}

static void line_desc(const struct sku_total *k, int writeoff, int exp, char *out, size_t cap)
{
    char at[MONEY_FMT_MAX + 8] = "the costs in force";
    if (!k->mixed) {
        char amt[MONEY_FMT_MAX];
        snprintf(at, sizeof at, "%s", money_format(amt, k->unit_cost, exp));
    }
    if (writeoff)
        snprintf(out, cap, "%s: %lld lost, damaged or disposed, %lld found, written off at %s",
                 k->sku, (long long)k->gone, (long long)k->found, at);
    else
        snprintf(out, cap, "%s: %lld sold, %lld returned to stock, at %s", k->sku,
                 (long long)k->sold, (long long)k->back, at);
}

/* Appends the line pairs of t to l[*nl..]: per SKU a debit to cogs (with writeoff, to
 * inventory_writeoff) and a credit to inventory, or, grouped, one pair in total. l holds
 * 2 * n + 2 more lines. *sum gets the debits. */
static int make_lines(const struct cogs_ctx *c, const struct sku_total *t, size_t n,
                      int writeoff, struct cogs_view_line *l, size_t *nl, int64_t *sum,
                      struct err *e)
{
    const struct config *cfg = c->cfg;
    int exp = money_exponent(cfg->base_currency);
    int debit = writeoff ? ACCT_INVENTORY_WRITEOFF : ACCT_COGS;
    int64_t units = 0;
    *sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sku_total *k = &t[i];
        if (k->missing || k->amount == 0)
            continue;
        if (__builtin_add_overflow(*sum, k->amount, sum) ||
            __builtin_add_overflow(units, k->sold - k->back, &units))
            return err_set(e, ERR_INPUT, "cost of goods of %s overflows", c->month);
        if (!cfg->cogs.group_by_sku)
            continue;
        for (int side = 0; side < 2; side++) {
            struct cogs_view_line *x = &l[(*nl)++];
            snprintf(x->sku, sizeof x->sku, "%s", k->sku);
            snprintf(x->code, sizeof x->code, "%s", cfg->accounts[side ? ACCT_INVENTORY
                                                                       : debit]);
            x->units = k->sold - k->back;
            x->unit_cost = k->mixed ? 0 : k->unit_cost;
            x->amount = side ? k->amount : -k->amount;
            x->writeoff = writeoff;
            line_desc(k, writeoff, exp, x->description, sizeof x->description);
        }
    }
    if (!cfg->cogs.group_by_sku && *sum != 0)
        for (int side = 0; side < 2; side++) {
            struct cogs_view_line *x = &l[(*nl)++];
            snprintf(x->code, sizeof x->code, "%s", cfg->accounts[side ? ACCT_INVENTORY
                                                                       : debit]);
            x->units = units;
            x->amount = side ? *sum : -*sum;
            x->writeoff = writeoff;
            snprintf(x->description, sizeof x->description, writeoff ?
                     "Amazon units lost, damaged or disposed less found, %s, written off at "
                     "unit cost" : "Amazon units sold less returned to stock, %s, at unit cost",
                     c->month);
        }
    return 0;
}

/* Last day of month "YYYY-MM" into out[11]. */
static void last_day(const char *month, char out[11])
{
    int y = atoi(month), m = atoi(month + 5), yy, mm, dd;
    dates_civil(dates_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1, &yy, &mm, &dd);
    snprintf(out, 11, "%04d-%02d-%02d", yy, mm, dd);
}

static void input_hash(const struct cogs_ctx *c, const struct cogs_view_line *l, size_t n,
                       const char *blocked, char out[HASH_HEX_LEN])
{
    struct jw w;
    jw_init(&w, 0);
    jw_arr(&w);
    jw_str(&w, c->cfg->base_currency);
    jw_str(&w, blocked);
    for (size_t i = 0; i < n; i++) {
        jw_str(&w, l[i].sku);
        jw_str(&w, l[i].code);
        jw_str(&w, l[i].description);
        jw_int(&w, l[i].units);
        jw_int(&w, l[i].unit_cost);
        jw_int(&w, l[i].amount);
        if (l[i].writeoff)
            jw_str(&w, "writeoff");
    }
    jw_end_arr(&w);
    hash_hex(jw_text(&w) ? jw_text(&w) : "", jw_text(&w) ? strlen(jw_text(&w)) : 0, out);
    jw_free(&w);
}

/* What month's journal is now: 0 absent, 1 same input, 2 may be rebuilt, 3 frozen. */
static int existing(struct cogs_ctx *c, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    char sid[16];
    int state, locked;
    snprintf(sid, sizeof sid, COGS_SID_PREFIX "%s", c->month);
    if (ledger_prepare(c->lg, &st, "SELECT input_sha256 = ?2, (SELECT COUNT(*) FROM "
                       "outbox_posted o WHERE o.settlement_id = ?3) FROM cogs_journal WHERE "
                       "month = ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
    state = sqlite3_step(st) != SQLITE_ROW ? 0 : sqlite3_column_int(st, 0) ? 1
            : sqlite3_column_int(st, 1) ? 3 : 2;
    sqlite3_finalize(st);
    if (state == 1)
        return 1;
    locked = period_is_locked(c->lg, c->month, e);
    if (locked < 0)
        return -1;
    return locked ? 3 : state;
}

static int store(struct cogs_ctx *c, const struct cogs_view_line *l, size_t n, int64_t total,
                 const char *blocked, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    char date[11];
    int ok;
    last_day(c->month, date);
    if (ledger_prepare(c->lg, &st, "DELETE FROM cogs_journal WHERE month = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(c->lg, e, "replace cogs journal");
    if (n == 0 && !blocked[0])
        return 0;   /* nothing sold at a cost: no journal */
    if (ledger_prepare(c->lg, &st, "INSERT INTO cogs_journal(month, date, currency, total_minor,"
                       " line_count, input_sha256, blocked) VALUES (?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->cfg->base_currency, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, total);
    sqlite3_bind_int64(st, 5, (int64_t)n);
    sqlite3_bind_text(st, 6, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, blocked, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok || ledger_prepare(c->lg, &st, "INSERT INTO cogs_line(month, line_no, sku, "
                              "account_code, description, units, unit_cost_minor, amount_minor,"
                              " kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return ok ? -1 : ledger_fail(c->lg, e, "insert cogs journal");
    for (size_t i = 0; ok && i < n; i++) {
        sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_text(st, 3, l[i].sku, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l[i].code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l[i].description, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, l[i].units);
        sqlite3_bind_int64(st, 7, l[i].unit_cost);
        sqlite3_bind_int64(st, 8, l[i].amount);
        sqlite3_bind_text(st, 9, l[i].writeoff ? "writeoff" : "sold", -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(c->lg, e, "insert cogs line");
    if (n == 0)
        return 0;   /* blocked with nothing booked yet: stays open */
    if (ledger_prepare(c->lg, &st, "UPDATE cogs_journal SET state = 'final' WHERE month = ?",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(c->lg, e, "finalise cogs journal (does it balance?)");
}

/* The write-off pass's per-SKU totals, into *t (caller frees). */
static int writeoff_totals(struct cogs_ctx *c, struct sku_total **t, size_t *n, struct err *e)
{
    int64_t tracked;
    c->n = 0;
    return load_writeoff(c, e) < 0 ? -1 : totals(c, t, n, &tracked, e);
}

static void blocked_text(const struct cogs_ctx *c, const struct miss *m, size_t nm,
                         char *out, size_t cap)
{
    int sold = 0, off = 0;
    for (size_t i = 0; i < nm; i++)
        *(strstr(m[i].expl, " wrote off ") ? &off : &sold) = 1;
    snprintf(out, cap, "MISSING_COST: %zu SKU(s) %s in %s have no unit cost", nm,
             sold && off ? "sold or written off" : off ? "written off" : "sold", c->month);
}

/* ---- skipping an unchanged month ------------------------------------------------------
 * The month's journal is a function of the settlement lines and unit-cost files (source_file,
 * in stage_digest), the tracked items (xero_ref, idem), the config and the version, and of
 * unit_cost (which a Xero read may also fill). When those digest to what was recorded after
 * the month's last build and the month's rows (its journal, lines and every cost-of-goods
 * exception) are still the ones that build left, a build would change nothing: counting the
 * month's units sold again (a scan of every Order line) is skipped. */
static const char *const COGS_IN[] = { "SELECT * FROM unit_cost" };
static const char *const COGS_OUT[] = {
    "SELECT * FROM cogs_journal WHERE month = ?1",
    "SELECT * FROM cogs_line WHERE month = ?1 ORDER BY line_no",
    "SELECT * FROM exception WHERE scope = 'cogs' ORDER BY id",
};

static int month_digests(struct cogs_ctx *c, char in[HASH_HEX_LEN], char out[HASH_HEX_LEN],
                         struct err *e)
{
    char a[HASH_HEX_LEN], b[HASH_HEX_LEN], both[2 * HASH_HEX_LEN];
    if (in && (stage_digest(c->lg, c->cfg, "cogs", c->month, 0, a, e) < 0 ||
               stage_rows_digest(c->lg, COGS_IN, 1, c->month, b, e) < 0))
        return -1;
    if (in) {
        snprintf(both, sizeof both, "%s%s", a, b);
        hash_hex(both, strlen(both), in);
    }
    return stage_rows_digest(c->lg, COGS_OUT, sizeof COGS_OUT / sizeof COGS_OUT[0], c->month,
                             out, e);
}

static int month_unchanged(struct cogs_ctx *c, char in[HASH_HEX_LEN], struct err *e)
{
    char old_in[HASH_HEX_LEN], old_out[HASH_HEX_LEN], now[HASH_HEX_LEN];
    if (month_digests(c, in, now, e) < 0 || stage_get(c->lg, "cogs", c->month, old_in, old_out,
                                                       e) < 0)
        return -1;
    return strcmp(in, old_in) == 0 && strcmp(now, old_out) == 0;
}

static int month_remember(struct cogs_ctx *c, const char *in, struct err *e)
{
    char now[HASH_HEX_LEN];
    if (month_digests(c, NULL, now, e) < 0)
        return -1;
    return stage_put(c->lg, "cogs", c->month, in, now, e);
}

static int one_month(struct cogs_ctx *c, struct cogs_summary *out, struct err *e)
{
    struct sku_total *t = NULL, *w = NULL;
    struct cogs_view_line *l = NULL;
    struct miss *m = NULL;
    size_t nt = 0, nw = 0, nl = 0, nm = 0;
    int64_t tracked, total = 0, off = 0;
    char blocked[256] = "", sha[HASH_HEX_LEN], in[HASH_HEX_LEN];
    int rc = -1, state;

    c->n = 0;
    if ((state = month_unchanged(c, in, e)) != 0) {
        out->unchanged += state > 0;
        return state > 0 ? 0 : -1;
    }
    if (load_units(c, SOLD, 0, e) < 0 ||
        (c->cfg->cogs.refund_restock && load_units(c, PUT_BACK, 1, e) < 0) ||
        totals(c, &t, &nt, &tracked, e) < 0 || writeoff_totals(c, &w, &nw, e) < 0)
        goto done;
    if (!(m = calloc(nt + nw + 1, sizeof *m)) || !(l = calloc(2 * (nt + nw) + 4, sizeof *l))) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    missing_of(c, t, nt, 0, m, &nm);
    missing_of(c, w, nw, 1, m, &nm);
    if (missing_sync(c, m, nm, e) < 0 || make_lines(c, t, nt, 0, l, &nl, &total, e) < 0 ||
        make_lines(c, w, nw, 1, l, &nl, &off, e) < 0)
        goto done;
    out->missing += (int64_t)nm;
    if (nm)
        blocked_text(c, m, nm, blocked, sizeof blocked);
    input_hash(c, l, nl, blocked, sha);
    if ((state = existing(c, sha, e)) < 0)
        goto done;
    if (state == 1)
        out->unchanged++;
    else if (state == 3)
        out->frozen++;
    else if (store(c, l, nl, total, blocked, sha, e) < 0)
        goto done;
    else
        out->built++;
    rc = month_remember(c, in, e);
done:
    free(t);
    free(w);
    free(m);
    free(l);
    return rc;
}

int journal_cogs_run(struct ledger *lg, const struct config *cfg, const char *period,
                     struct cogs_summary *out, struct err *e)
{
    struct cogs_ctx c = { .lg = lg, .cfg = cfg };
    char (*months)[8] = NULL;
    size_t nm = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (tz_open(&c.zone, cfg->timezone, e) < 0)
        return -1;
    if (load_costs(&c, e) < 0 || load_tracked(&c, e) < 0)
        goto done;
    /* cost of goods is opt-in: a seller who gave no unit costs books it elsewhere, and gets
     * neither journals nor MISSING_COST */
    if (c.n_costs == 0) {
        rc = 0;
        goto done;
    }
    if (period && period[0]) {
        if (!(months = malloc(sizeof *months)))
            goto nomem;
        snprintf(months[0], 8, "%s", period);
        nm = 1;
    } else if (journal_months(lg, &months, &nm, e) < 0) {
        goto done;
    }
    for (size_t i = 0; i < nm; i++) {
        snprintf(c.month, sizeof c.month, "%s", months[i]);
        out->months++;
        if (one_month(&c, out, e) < 0) {
            err_prefix(e, "cost of goods %s: ", c.month);
            goto done;
        }
    }
    rc = 0;
    goto done;
nomem:
    err_set(e, ERR_NOMEM, "out of memory");
done:
    free(months);
    free(c.costs);
    free(c.tracked);
    free(c.u);
    keytab_free(&c.skus);
    tz_free(c.zone);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------- */

int journal_cogs_load(struct ledger *lg, const struct config *cfg, const char *month,
                      struct cogs_view *out, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    memset(out, 0, sizeof *out);
    out->cfg = cfg;
    snprintf(out->month, sizeof out->month, "%s", month);
    snprintf(out->sid, sizeof out->sid, COGS_SID_PREFIX "%s", month);
    if (ledger_prepare(lg, &st, "SELECT date, currency, total_minor, blocked FROM cogs_journal "
                       "WHERE month = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    if ((s = sqlite3_step(st)) == SQLITE_ROW) {
        out->found = 1;
        snprintf(out->date, sizeof out->date, "%s", ledger_text(st, 0));
        snprintf(out->currency, sizeof out->currency, "%s", ledger_text(st, 1));
        out->total = sqlite3_column_int64(st, 2);
        snprintf(out->blocked, sizeof out->blocked, "%s", ledger_text(st, 3));
        out->exp = money_exponent(out->currency);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read cogs journal");
    if (!out->found)
        return 0;
    if (ledger_prepare(lg, &st, "SELECT sku, account_code, description, units, "
                       "unit_cost_minor, amount_minor, kind = 'writeoff' FROM cogs_line WHERE "
                       "month = ? ORDER BY line_no", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            struct cogs_view_line *p = realloc(out->lines, (cap = cap ? cap * 2 : 16) *
                                                               sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            out->lines = p;
        }
        struct cogs_view_line *l = &out->lines[out->n++];
        snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 0));
        snprintf(l->code, sizeof l->code, "%s", ledger_text(st, 1));
        snprintf(l->description, sizeof l->description, "%s", ledger_text(st, 2));
        l->units = sqlite3_column_int64(st, 3);
        l->unit_cost = sqlite3_column_int64(st, 4);
        l->amount = sqlite3_column_int64(st, 5);
        l->writeoff = sqlite3_column_int(st, 6);
        /* net written off: what the pairs credit to inventory (found units debit it) */
        if (l->writeoff && !strcmp(l->code, cfg->accounts[ACCT_INVENTORY]))
            out->writeoff += l->amount;
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read cogs lines");
}

void journal_cogs_free(struct cogs_view *v)
{
    if (!v)
        return;
    free(v->lines);
    v->lines = NULL;
    v->n = 0;
}

int journal_cogs_months(struct ledger *lg, const char *period,
                        int (*fn)(void *arg, const char *month), void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT month FROM cogs_journal WHERE ?1 = '' OR month = ?1 "
                       "ORDER BY month", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char m[8];
        snprintf(m, sizeof m, "%s", ledger_text(st, 0));
        rc = fn(arg, m);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "list cogs journals");
    return rc;
}
