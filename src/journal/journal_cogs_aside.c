/* journal_cogs_aside — the units sold of a close's cost of goods, read on a second connection
 * in a thread of its own (ledger/aside.c) while reconcile runs on the first: the cost of
 * goods' longest read, off the close's critical path on a machine with two cores.
 *
 * SOLD (journal_cogs.c) keeps the lines its window (COGS_WINDOW) lets through and folds them
 * per order item (first posted time, largest quantity). The window depends on what is not
 * known yet when reconcile starts (the settlements whose sales journal, written after
 * reconcile, has a part in the months), so the thread keeps each item's lines folded per day
 * of COALESCE(posted, settlement end): the window compares that time with whole dates, and a
 * text is below a date 'YYYY-MM-DD' exactly when its first 10 bytes are. Once the journal is
 * known, the days the window keeps are folded as SOLD folds them. An item all of whose lines
 * lie in one day (nearly all) is kept only as a count in a group of the same settlement,
 * SKU, day, local date and units; an item of several days keeps its days.
 *
 * Lines are read in table order as runs of one order item each, a 64-bit fingerprint per
 * item proving no item came in two runs; when one did, the thread groups the lines by SQL
 * instead (slower, still aside). Whatever makes the result doubtful (another first month, a
 * settlement or line added or removed since the thread's snapshot, a settlement journaled in
 * the months the thread did not read whole, an odd column type, too much memory, an error)
 * leaves the read to journal_cogs.c on the caller's connection, as if nothing ran aside. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal.h"
#include "journal_int.h"
#include "ledger.h"

#define SOLD_TAG "cogs-sold"
#define INPUTS_N 6                 /* the values of INPUTS */
/* What the thread may hold before it gives up (the close's peak stays far below 64 MB). */
#define SOLD_MAX_BYTES ((size_t)24 << 20)

/* A settlement: whole when every candidate line of it below the window's end was read
 * (it ends in or after the window, or is journaled in its months at the snapshot). */
struct sold_settle {
    int64_t ref;
    const char *sid;               /* interned */
    char endl[11];                 /* the settlement end's local date */
    int whole, journaled;          /* journaled: in the months now (at use) */
};

/* count order items of one day each (day: COALESCE(posted, end)'s first 10 bytes), of equal
 * settlement, SKU, day, local date and units; the key is the struct's bytes, count 0. */
struct sold_group {
    int64_t ref;
    const char *sku;               /* interned */
    char day[11], date[11];
    int64_t units, count;
};

/* An order item of several days: its parts p[first .. first + n). */
struct sold_multi {
    int64_t ref;
    const char *sku;
    size_t first, n;
};
struct sold_part {
    char day[11];
    const char *posted;            /* interned: MIN(COALESCE(posted, '')) of the day */
    int64_t qty;
    int has_qty;
};

/* The order item being read: its GROUP BY key, settlement, SKU and days. */
struct sold_key {
    char *b;
    size_t len, cap;
};
struct sold_run {
    struct sold_key key, next;     /* the run's, the row's */
    int open;
    int64_t ref;
    char *sku;
    size_t sku_cap;
    struct sold_part *p;           /* posted: into post[] */
    char **post;
    size_t *post_cap;
    size_t np, capp;
    struct journal_seen seen;      /* fingerprints of ended runs */
};

struct sold_aside {
    const struct config *cfg;
    char month[8];
    struct ledger_aside *aside;
    /* the thread's, read after the join */
    char first[8], hi[11], lo[11];
    int64_t inputs[INPUTS_N];
    int by_sql;
    int q;                         /* temp.cogs_q holds JOURNAL_REFUNDED_ORDER_ITEMS */
    struct tz *zone;
    struct keytab texts;
    struct sold_settle *set;
    size_t nset, capset;
    struct keytab gt;
    struct sold_group *g;
    size_t ng, capg;
    struct sold_multi *m;
    size_t nm, capm;
    struct sold_part *p;
    size_t np, capp;
    size_t bytes;                  /* held, roughly */
};

/* What SOLD depends on besides the journal, the period locks and the sent journals (checked
 * through first): ingest alone adds or replaces settlements and their lines. */
static const char INPUTS[] =
    "SELECT (SELECT count(*) FROM settlement), (SELECT coalesce(max(id), 0) FROM settlement), "
    "(SELECT coalesce(sum(line_count), 0) FROM settlement), (SELECT count(*) FROM "
    "settlement_line), (SELECT coalesce(max(id), 0) FROM settlement_line), "
    "(SELECT coalesce(max(id), 0) FROM source_file)";

static const char BOUNDS[] =
    "SELECT date(?1 || '-01', '+1 month', '+1 day'), date(?2 || '-01', '-1 day')";

/* ?3 lo, ?1 month, ?2 first: every settlement, whole (see struct sold_settle) or not. */
#define SOLD_WHOLE                                                                          \
    "(s.end_utc >= ?3 OR s.id IN (SELECT j.settlement_ref FROM journal j WHERE j.month "   \
    "BETWEEN ?2 AND ?1))"
static const char SETTLEMENTS[] =
    "SELECT s.id, s.settlement_id, s.end_utc, " SOLD_WHOLE " FROM settlement s ORDER BY s.id";

/* The candidate lines of SOLD_LINES that any window of these months keeps: below its end
 * (?4), and from its start (?3) on unless the settlement is read whole. */
#define SOLD_ASIDE_FROM                                                                     \
    "FROM settlement_line l JOIN settlement s ON s.id = l.settlement_ref WHERE "            \
    "l.transaction_type IN ('Order', 'Liquidations') AND COALESCE(l.sku, '') != '' AND "    \
    "COALESCE(l.posted, s.end_utc) < ?4 AND (COALESCE(l.posted, s.end_utc) >= ?3 OR "      \
    SOLD_WHOLE ")"
static const char LINES[] =
    "SELECT l.settlement_ref, l.transaction_type, COALESCE(l.order_id, l.merchant_order_id), "
    "l.order_item_code, l.sku, l.posted, l.quantity, s.end_utc " SOLD_ASIDE_FROM;
/* The same per order item and day, the items' days together; column 8 counts the values the
 * fold would take otherwise than SOLD (not a text time, not an integer quantity). */
static const char BY_DAY[] =
    "SELECT l.settlement_ref, l.transaction_type, COALESCE(l.order_id, l.merchant_order_id), "
    "l.order_item_code, l.sku, MIN(COALESCE(l.posted, '')), MAX(l.quantity), "
    "substr(CAST(COALESCE(l.posted, s.end_utc) AS BLOB), 1, 10), "
    "sum(typeof(l.posted) NOT IN ('text', 'null') OR typeof(l.quantity) NOT IN ('integer', "
    "'null') OR typeof(s.end_utc) != 'text') " SOLD_ASIDE_FROM " GROUP BY 1, 2, 3, 4, 5, 8 "
    "ORDER BY 1, 2, 3, 4, 5, 8";

/* ---- the thread ------------------------------------------------------------------------ */

static int odd(struct err *e, const char *what)
{
    return err_set(e, ERR_INPUT, "%s", what);
}

static int intern(struct sold_aside *a, const char *text, const char **out, struct err *e)
{
    size_t idx, len = strlen(text) + 1;
    int created;
    if (keytab_index(&a->texts, text, len, &idx, &created, e) < 0)
        return -1;
    if (created)
        a->bytes += len + 64;
    *out = a->texts.keys[idx].bytes;
    return 0;
}

static int cmp_settle(const void *key, const void *elem)
{
    int64_t a = *(const int64_t *)key, b = ((const struct sold_settle *)elem)->ref;
    return (a > b) - (a < b);
}

/* The settlement ref (read ORDER BY id), or NULL. */
static struct sold_settle *find_settle(const struct sold_aside *a, int64_t ref)
{
    return a->nset ? bsearch(&ref, a->set, a->nset, sizeof *a->set, cmp_settle) : NULL;
}

static int read_inputs(struct ledger *lg, int64_t out[INPUTS_N], struct err *e)
{
    return ledger_row_ints(lg, INPUTS, out, INPUTS_N, "read the settlements' counts", e);
}

/* The window's end (hi) and start (lo) dates, as COGS_WINDOW computes them. */
static int read_bounds(struct sold_aside *a, struct ledger *lg, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, BOUNDS, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, a->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->first, -1, SQLITE_STATIC);
    if ((s = ledger_step_row(lg, st, "compute the window", e)) > 0) {
        snprintf(a->hi, sizeof a->hi, "%s", ledger_text(st, 0));
        snprintf(a->lo, sizeof a->lo, "%s", ledger_text(st, 1));
    }
    sqlite3_finalize(st);
    if (s < 0)
        return -1;
    /* the day rule holds for whole dates only */
    return s && strlen(a->hi) == 10 && strlen(a->lo) == 10 ? 0 : odd(e, "no window dates");
}

static void bind_window(struct sold_aside *a, sqlite3_stmt *st)
{
    sqlite3_bind_text(st, 1, a->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->first, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->lo, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(st) >= 4)
        sqlite3_bind_text(st, 4, a->hi, -1, SQLITE_STATIC);
}

static int read_settlements(struct sold_aside *a, struct ledger *lg, struct err *e)
{
    sqlite3_stmt *st;
    int s = 0, rc = 0;
    if (ledger_prepare(lg, &st, SETTLEMENTS, e) < 0)
        return -1;
    bind_window(a, st);
    while (rc == 0 && (s = ledger_step_row(lg, st, "read settlements", e)) > 0) {
        struct sold_settle *x;
        const char *end = ledger_text(st, 2);
        if (sqlite3_column_type(st, 1) != SQLITE_TEXT ||
            sqlite3_column_type(st, 2) != SQLITE_TEXT) {
            rc = odd(e, "a settlement's id or end is not text");
            break;
        }
        if ((rc = grow_array(&a->set, &a->capset, a->nset, sizeof *a->set, 16, e)) < 0)
            break;
        x = &a->set[a->nset++];
        memset(x, 0, sizeof *x);
        x->ref = sqlite3_column_int64(st, 0);
        x->whole = sqlite3_column_int(st, 3);
        tz_local_date(a->zone, end, end, x->endl);
        rc = intern(a, ledger_text(st, 1), &x->sid, e);
    }
    sqlite3_finalize(st);
    return rc < 0 || s < 0 ? -1 : 0;
}

/* A key column SOLD groups by: text or NULL, anything else taken as odd. */
static int key_ok(sqlite3_stmt *st, int i)
{
    int t = sqlite3_column_type(st, i);
    return t == SQLITE_TEXT || t == SQLITE_NULL;
}

/* Columns 0-4 (settlement, type, order, item, SKU) as one byte string into r->next: each
 * text tagged (NULL or text) with its NUL, so equal strings are equal GROUP BY keys. */
static int run_key(struct sold_run *r, sqlite3_stmt *st, struct err *e)
{
    struct sold_key *k = &r->next;
    size_t n = 8 + 8;
    int64_t ref = sqlite3_column_int64(st, 0);
    for (int i = 1; i < 5; i++)
        n += (size_t)sqlite3_column_bytes(st, i) + 2;
    if (n > k->cap) {
        char *p = realloc(k->b, n);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        k->b = p;
        k->cap = n;
    }
    memcpy(k->b, &ref, 8);
    k->len = 8;
    for (int i = 1; i < 5; i++) {
        const char *t = (const char *)sqlite3_column_text(st, i);
        size_t b = (size_t)sqlite3_column_bytes(st, i);
        k->b[k->len++] = t ? 'T' : 'N';
        if (t)
            memcpy(k->b + k->len, t, b);
        k->len += t ? b : 0;
        k->b[k->len++] = '\0';
    }
    return 0;
}

/* An item of one day: one more of its group (none when it sold no unit: SOLD's row would
 * add nothing, whatever the window). */
static int put_group(struct sold_aside *a, const struct sold_settle *s, const struct sold_run *r,
                     struct err *e)
{
    const struct sold_part *p = &r->p[0];
    struct sold_group k;
    size_t idx;
    int created;
    int64_t units = p->has_qty ? p->qty : 0;
    if (units <= 0)
        return 0;
    memset(&k, 0, sizeof k);
    k.ref = s->ref;
    k.units = units;
    memcpy(k.day, p->day, sizeof k.day);
    tz_local_date(a->zone, r->post[0], s->endl, k.date);
    if (intern(a, r->sku, &k.sku, e) < 0 ||
        keytab_index(&a->gt, &k, sizeof k, &idx, &created, e) < 0)
        return -1;
    if (created) {
        if (grow_array(&a->g, &a->capg, a->ng, sizeof *a->g, 256, e) < 0)
            return -1;
        a->g[a->ng++] = k;
        a->bytes += 2 * sizeof k + 64;
    }
    a->g[idx].count++;
    return 0;
}

/* An item of several days: its days as they are. */
static int put_multi(struct sold_aside *a, const struct sold_run *r, struct err *e)
{
    struct sold_multi *x;
    if (grow_array(&a->m, &a->capm, a->nm, sizeof *a->m, 64, e) < 0)
        return -1;
    x = &a->m[a->nm];
    x->ref = r->ref;
    x->first = a->np;
    x->n = r->np;
    if (intern(a, r->sku, &x->sku, e) < 0)
        return -1;
    a->nm++;
    for (size_t i = 0; i < r->np; i++) {
        struct sold_part *p;
        if (grow_array(&a->p, &a->capp, a->np, sizeof *a->p, 64, e) < 0)
            return -1;
        p = &a->p[a->np];
        *p = r->p[i];
        if (intern(a, r->post[i], &p->posted, e) < 0)
            return -1;
        a->np++;
    }
    a->bytes += sizeof *x + r->np * sizeof *a->p;
    return 0;
}

/* Ends the open run: 0, 1 when its item came before (runs do not hold), -1 error. */
static int run_end(struct sold_aside *a, struct sold_run *r, int check, struct err *e)
{
    const struct sold_settle *s;
    int seen;
    if (!r->open)
        return 0;
    r->open = 0;
    if (check) {
        size_t cap = r->seen.cap;
        if ((seen = journal_seen_add(&r->seen, r->key.b, r->key.len, e)) != 0)
            return seen;
        a->bytes += (r->seen.cap - cap) * sizeof *r->seen.v;
    }
    if (!(s = find_settle(a, r->ref)))
        return odd(e, "a line of no settlement");
    if (r->np == 1 && put_group(a, s, r, e) < 0)
        return -1;
    if (r->np > 1 && put_multi(a, r, e) < 0)
        return -1;
    return a->bytes > SOLD_MAX_BYTES ? odd(e, "too many order items to hold") : 0;
}

static int copy_text(char **dst, size_t *cap, const char *src, struct err *e)
{
    size_t n = strlen(src) + 1;
    if (n > *cap) {
        char *p = realloc(*dst, n);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        *dst = p;
        *cap = n;
    }
    memcpy(*dst, src, n);
    return 0;
}

/* The run's part of day (its first 10 bytes), added when new; NULL on error. */
static struct sold_part *run_part(struct sold_run *r, const char *day, size_t day_len,
                                  const char *posted, struct err *e)
{
    struct sold_part *p;
    for (size_t i = 0; i < r->np; i++)
        if (strlen(r->p[i].day) == day_len && !memcmp(r->p[i].day, day, day_len)) {
            if (strcmp(posted, r->post[i]) < 0 &&
                copy_text(&r->post[i], &r->post_cap[i], posted, e) < 0)
                return NULL;
            return &r->p[i];
        }
    if (r->np == r->capp) {
        size_t cap = r->capp ? r->capp * 2 : 4;
        struct sold_part *v = realloc(r->p, cap * sizeof *v);
        char **pv = v ? realloc(r->post, cap * sizeof *pv) : NULL;
        size_t *cv = pv ? realloc(r->post_cap, cap * sizeof *cv) : NULL;
        if (v)
            r->p = v;
        if (pv)
            r->post = pv;
        if (!cv) {
            err_set(e, ERR_NOMEM, "out of memory");
            return NULL;
        }
        r->post_cap = cv;
        for (size_t i = r->capp; i < cap; i++) {
            r->post[i] = NULL;
            r->post_cap[i] = 0;
        }
        r->capp = cap;
    }
    p = &r->p[r->np];
    memset(p, 0, sizeof *p);
    memcpy(p->day, day, day_len);
    if (copy_text(&r->post[r->np], &r->post_cap[r->np], posted, e) < 0)
        return NULL;
    r->np++;
    return p;
}

/* One row (a line, or an item's day grouped by SQL) into the runs: 0, 1 give up the runs,
 * -1 error (odd values included: the caller reads itself). */
static int run_row(struct sold_aside *a, struct sold_run *r, sqlite3_stmt *st, int by_sql,
                   struct err *e)
{
    const char *posted, *day;
    size_t day_len;
    int qcol = 6, qt = sqlite3_column_type(st, qcol), rc;
    struct sold_part *p;
    for (int k = 1; k < 5; k++)
        if (!key_ok(st, k))
            return odd(e, "a key column is not text");
    if (qt != SQLITE_NULL && qt != SQLITE_INTEGER)
        return odd(e, "a quantity is not an integer");
    if (by_sql) {
        if (sqlite3_column_int64(st, 8) != 0 || sqlite3_column_type(st, 5) != SQLITE_TEXT)
            return odd(e, "a posted time or quantity of another type");
        posted = ledger_text(st, 5);
        day = (const char *)sqlite3_column_blob(st, 7);
        day_len = (size_t)sqlite3_column_bytes(st, 7);
    } else {
        int pt = sqlite3_column_type(st, 5), col = pt == SQLITE_NULL ? 7 : 5;
        if ((pt != SQLITE_NULL && pt != SQLITE_TEXT) ||
            sqlite3_column_type(st, 7) != SQLITE_TEXT)
            return odd(e, "a posted time or settlement end is not text");
        posted = ledger_text(st, 5);
        day = ledger_text(st, col);
        day_len = (size_t)sqlite3_column_bytes(st, col);
        if (strlen(day) != day_len)
            return odd(e, "a time with a NUL byte");
        day_len = day_len > 10 ? 10 : day_len;
    }
    if (!day || memchr(day, '\0', day_len))
        return odd(e, "a day with a NUL byte");
    if (run_key(r, st, e) < 0)
        return -1;
    if (!r->open || r->next.len != r->key.len || memcmp(r->next.b, r->key.b, r->key.len)) {
        struct sold_key swap = r->key;
        if ((rc = run_end(a, r, !by_sql, e)) != 0)
            return rc;
        r->key = r->next;          /* the old key's buffer takes the next row's */
        r->next = swap;
        if (copy_text(&r->sku, &r->sku_cap, ledger_text(st, 4), e) < 0)
            return -1;
        r->ref = sqlite3_column_int64(st, 0);
        r->np = 0;
        r->open = 1;
    }
    if (!(p = run_part(r, day, day_len, posted, e)))
        return -1;
    if (qt == SQLITE_INTEGER) {
        int64_t q = sqlite3_column_int64(st, qcol);
        if (!p->has_qty || q > p->qty)
            p->qty = q;
        p->has_qty = 1;
    }
    return 0;
}

static void run_free(struct sold_run *r)
{
    free(r->key.b);
    free(r->next.b);
    free(r->sku);
    for (size_t i = 0; i < r->capp; i++)
        free(r->post[i]);
    free(r->post);
    free(r->post_cap);
    free(r->p);
    free(r->seen.v);
}

static void held_free(struct sold_aside *a)
{
    keytab_free(&a->gt);
    free(a->g);
    free(a->m);
    free(a->p);
    a->g = NULL;
    a->m = NULL;
    a->p = NULL;
    a->ng = a->capg = a->nm = a->capm = a->np = a->capp = 0;
}

/* Every candidate line (by_sql 0) or item day (1) into the groups: 0, 1 the runs do not
 * hold, -1 error. */
static int read_lines(struct sold_aside *a, struct ledger *lg, int by_sql, struct err *e)
{
    struct sold_run r;
    sqlite3_stmt *st;
    int s = SQLITE_DONE, rc = 0;
    memset(&r, 0, sizeof r);
    if (ledger_prepare(lg, &st, by_sql ? BY_DAY : LINES, e) < 0)
        return -1;
    bind_window(a, st);
    /* dropped unused, the aside's progress callback ends the statement (ledger_aside_free) */
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = run_row(a, &r, st, by_sql, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read units sold aside");
    sqlite3_finalize(st);
    if (rc == 0)
        rc = run_end(a, &r, !by_sql, e);
    run_free(&r);
    return rc;
}

/* The refund lines above which the put-back reads its order items itself: the refunded
 * orders' list and their grouping grow with them (about 12 MB at 250,000, a 4M-line
 * settlement's), and here they would sit beside reconcile's peak memory. */
#define REFUNDS_ASIDE_MAX 131072

/* The put-back's order items (PUT_BACK's q), for every refunded order: the put-back's scan
 * of the order lines, done here. */
static int refunded_items(struct sold_aside *a, struct ledger *lg, struct err *e)
{
    int64_t n;
    if (ledger_row_ints(lg, "SELECT count(*) FROM settlement_line_rare WHERE kind = 'refund'",
                        &n, 1, "count refunds", e) < 0)
        return -1;
    if (n > ledger_aside_limit(REFUNDS_ASIDE_MAX))
        return 0;
    if (ledger_exec(lg, "DROP TABLE IF EXISTS temp.cogs_q; CREATE TEMP TABLE cogs_q AS "
                    JOURNAL_REFUNDED_ORDER_ITEMS, e) < 0)
        return -1;
    a->q = 1;
    return 0;
}

static int sold_read(struct ledger *lg, void *arg, struct err *e)
{
    struct sold_aside *a = arg;
    int rc;
    if (tz_open(&a->zone, a->cfg->timezone, e) < 0 || read_inputs(lg, a->inputs, e) < 0 ||
        journal_cogs_first(lg, a->month, a->first, e) < 0 || read_bounds(a, lg, e) < 0 ||
        read_settlements(a, lg, e) < 0 || (rc = read_lines(a, lg, 0, e)) < 0)
        return -1;
    /* an item's lines are not together: by SQL, which sorts them */
    if (rc != 0) {
        held_free(a);
        a->by_sql = 1;
        if (read_lines(a, lg, 1, e) < 0)
            return -1;
    }
    return a->cfg->cogs.refund_restock ? refunded_items(a, lg, e) : 0;
}

/* ---- the caller's side ------------------------------------------------------------------ */

static void sold_drop(void *p)
{
    struct sold_aside *a = p;
    if (!a)
        return;
    ledger_aside_free(a->aside);
    held_free(a);
    keytab_free(&a->texts);
    free(a->set);
    tz_free(a->zone);
    free(a);
}

/* 1 when the ledger has a unit cost (journal_cogs.c's load_costs would load one). */
static int has_costs(struct ledger *lg, const struct config *cfg, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, "SELECT 1 FROM unit_cost WHERE currency = ? AND length(sku) "
                       "< 128 LIMIT 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, cfg->base_currency, -1, SQLITE_STATIC);
    s = ledger_step_row(lg, st, "read unit costs", e);
    sqlite3_finalize(st);
    return s;
}

int journal_cogs_aside(struct ledger *lg, const struct config *cfg, const char *period,
                       struct err *e)
{
    struct sold_aside *a;
    int costs = 0;
    ledger_kept_drop(lg);
    if (!period || !period[0] || (costs = has_costs(lg, cfg, e)) == 0)
        return 0;
    if (costs < 0)
        return -1;
    if (!(a = calloc(1, sizeof *a)))
        return err_set(e, ERR_NOMEM, "out of memory");
    a->cfg = cfg;
    snprintf(a->month, sizeof a->month, "%s", period);
    if (ledger_aside_start(lg, sold_read, a, &a->aside, e) < 0) {
        sold_drop(a);
        return -1;
    }
    ledger_kept_put(lg, SOLD_TAG, a, sold_drop);
    return 0;
}

/* Marks the settlements journaled in first..month now: 1 when each was read whole, 0 not. */
static int mark_journaled(struct sold_aside *a, struct ledger *lg, const char *month,
                          const char *first, struct err *e)
{
    sqlite3_stmt *st;
    int s = 0, ok = 1;
    if (ledger_prepare(lg, &st, "SELECT DISTINCT settlement_ref FROM journal WHERE month "
                       "BETWEEN ?2 AND ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, first, -1, SQLITE_STATIC);
    while (ok && (s = ledger_step_row(lg, st, "read journal months", e)) > 0) {
        struct sold_settle *x = find_settle(a, sqlite3_column_int64(st, 0));
        ok = x && x->whole;
        if (ok)
            x->journaled = 1;
    }
    sqlite3_finalize(st);
    return s < 0 ? -1 : ok;
}

/* Whether the window keeps a day of settlement s. */
static int kept(const struct sold_aside *a, const struct sold_settle *s, const char *day)
{
    return strcmp(day, a->hi) < 0 && (s->journaled || strcmp(day, a->lo) >= 0);
}

/* The items the window keeps, to fn: SOLD's rows. */
static int emit(struct sold_aside *a, journal_sold_fn fn, void *arg, int64_t *items,
                struct err *e)
{
    *items = 0;
    for (size_t i = 0; i < a->ng; i++) {
        const struct sold_group *g = &a->g[i];
        const struct sold_settle *s = find_settle(a, g->ref);
        if (!kept(a, s, g->day))
            continue;
        if (fn(arg, g->sku, s->sid, g->ref, g->date, g->units, g->count, e) < 0)
            return -1;
        *items += g->count;
    }
    for (size_t i = 0; i < a->nm; i++) {
        const struct sold_multi *x = &a->m[i];
        const struct sold_settle *s = find_settle(a, x->ref);
        const char *posted = NULL;
        int64_t qty = 0;
        int has = 0;
        char date[11];
        for (size_t k = x->first; k < x->first + x->n; k++) {
            const struct sold_part *p = &a->p[k];
            if (!kept(a, s, p->day))
                continue;
            if (!posted || strcmp(p->posted, posted) < 0)
                posted = p->posted;
            if (p->has_qty && (!has || p->qty > qty)) {
                qty = p->qty;
                has = 1;
            }
        }
        if (!posted)
            continue;
        tz_local_date(a->zone, posted, s->endl, date);
        if (fn(arg, x->sku, s->sid, x->ref, date, has ? qty : 0, 1, e) < 0)
            return -1;
        (*items)++;
    }
    return 0;
}

/* 1 used, 0 not (why said), -1 error. */
static int use(struct sold_aside *a, struct ledger *lg, const char *month, const char *first,
               journal_sold_fn fn, void *arg, int *q, struct err *e)
{
    int64_t now[INPUTS_N], items;
    int done, whole, stale;
    if (strcmp(a->month, month) != 0)
        return 0;
    if ((done = ledger_aside_join(a->aside, e)) <= 0)
        return done;
    if (strcmp(a->first, first) != 0) {
        log_verbose("cost of goods %s: units sold read aside from %s, now from %s: read "
                    "again", month, a->first, first);
        return 0;
    }
    if (read_inputs(lg, now, e) < 0 || (stale = ledger_aside_stale(lg, a->aside, e)) < 0)
        return -1;
    if (stale || memcmp(now, a->inputs, sizeof now) != 0) {
        log_verbose("cost of goods %s: the settlements changed since the units sold were read "
                    "aside: read again", month);
        return 0;
    }
    if ((whole = mark_journaled(a, lg, month, first, e)) <= 0) {
        if (whole == 0)
            log_verbose("cost of goods %s: a settlement journaled in the months was not read "
                        "whole aside: units sold read again", month);
        return whole;
    }
    if (emit(a, fn, arg, &items, e) < 0 ||
        (a->q && (ledger_exec(lg, "DROP TABLE IF EXISTS temp.cogs_q; CREATE TEMP TABLE "
                              "cogs_q (order_id, order_item_code, q, op, p, e); CREATE "
                              "INDEX temp.cogs_q_item ON cogs_q (order_id, order_item_code)",
                              e) < 0 ||
                  ledger_copy_temp(ledger_aside_reader(a->aside), lg, "cogs_q", e) < 0)))
        return -1;
    *q = a->q;
    log_verbose("cost of goods %s: units sold of %lld order item(s) as read aside during "
                "reconcile (%zu group(s), %zu item(s) of several days%s%s)", month,
                (long long)items, a->ng, a->nm, a->by_sql ? ", grouped by SQL" : "",
                a->q ? "; the put-back's order items too" : "");
    return 1;
}

int journal_cogs_sold_aside(struct ledger *lg, const char *month, const char *first,
                            journal_sold_fn fn, void *arg, int *q, struct err *e)
{
    struct sold_aside *a = ledger_kept_take(lg, SOLD_TAG);
    int rc;
    *q = 0;
    if (!a)
        return 0;
    rc = use(a, lg, month, first, fn, arg, q, e);
    sold_drop(a);
    return rc;
}
