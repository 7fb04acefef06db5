/* report_pass — the workbook's one pass over the settlement lines. A plain scan of the table
 * (no index, no sort) feeds what the sheets would otherwise read in four passes of their own:
 *   - the line combinations in scope (Fees, Mapping: report_combos.c);
 *   - the settled principal of each order in scope (Orders): SQL's GROUP BY order, currency;
 *   - the units settled per month, SKU and country, from each order item's lines (Inventory:
 *     ledger.h's settled CTE, a GROUP BY settlement, order, order item, SKU);
 *   - the units reimbursed per SKU and month (Inventory's paid CTE).
 * The two per-order groupings are done without holding the groups: Amazon writes the lines
 * of one order (and of one order item) next to each other, so each group is a run of
 * adjacent lines, summed while it lasts and handed on when it ends. That it really was the
 * whole group is proved, not assumed: the 64-bit hash of every ended run's key goes into a
 * set (8 bytes a group), and a key seen again (or a hash collision) makes that sheet run its
 * own query instead, as it did before, so the output never depends on the order of the file.
 * So do values of a type the SQL would compare or convert differently (the pass then reads
 * the combinations with the old query), and sums that could overflow in some order. Reads
 * the ledger only; the results go to temporary tables (temp.report_*) that the sheets read. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

/* Every line of the ledger in table order. */
static const char LINES[] =
    "SELECT settlement_ref, transaction_type, amount_type, amount_description, marketplace, "
    "amount_minor, sku, order_id, posted, quantity, order_item_code FROM settlement_line";
enum { L_REF, L_TT, L_AT, L_AD, L_MK, L_AMT, L_SKU, L_OID, L_POSTED, L_QTY, L_ITEM, L_N };

/* The combinations' lines as before the pass (when a line has a value of another type).
 * CROSS JOIN: the settlements in scope first, then their lines by index. */
static const char COMBO_LINES[] =
    "SELECT l.transaction_type, l.amount_type, l.amount_description, "
    "coalesce(nullif(l.marketplace, ''), s.marketplace), s.currency, coalesce(l.sku, ''), "
    "l.amount_minor FROM settlement s CROSS JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL;

static const char TEMP_TABLES[] =
    "DROP TABLE IF EXISTS temp.report_order_diff; DROP TABLE IF EXISTS temp.report_settled; "
    "DROP TABLE IF EXISTS temp.report_paid; "
    "CREATE TEMP TABLE report_order_diff (cur TEXT, oid TEXT, p INTEGER, price INTEGER, "
    "  known INTEGER, ostatus, purchase, sids TEXT); "
    "CREATE TEMP TABLE report_settled (month TEXT, sku TEXT, country TEXT, units INTEGER); "
    "CREATE TEMP TABLE report_paid (sku TEXT, m TEXT, u INTEGER);";

struct stl {
    int64_t id;
    char *sid, *mk, *cur;
    int mk_len, cur_len, in_scope;
};

/* A text column: p NUL-terminated, n bytes; null for SQL NULL. */
struct fld {
    const char *p;
    int n, null;
};

/* A set of 64-bit hashes (0 stands for itself as 1). */
struct hset {
    uint64_t *v;
    size_t cap, n;
};

/* A key being built from fields (see enc_add). */
struct buf {
    char *p;
    size_t len, cap;
};

/* Sums by a key of fields (each NULL or bytes), for the Inventory tables. */
struct agg {
    struct keytab t;
    int64_t *sum;
    uint64_t *abs;            /* sum of |addends|: while <= INT64_MAX no order overflows */
    size_t cap;
};

/* The run of adjacent lines of one group being summed. */
struct run {
    int active;
    const struct stl *s;
    char *key;                /* the group's key fields, encoded (see enc) */
    size_t key_len, key_cap;
    int64_t sum, q;           /* orders: settled principal; items: max quantity */
    uint64_t h;
    char *posted, *mk;        /* items: min(posted), max(marketplace) (NULL: none) */
    size_t posted_cap, mk_cap;
    int posted_len, mk_len, has_mk;
    int multi;                /* orders: the run spans two settlements */
};

struct pass {
    struct report_ctx *r;
    struct stl *stl;
    size_t n_stl, last;
    struct report_combo_table combos;
    int exact;                /* every value has the type the fast paths expect */
    struct hset orders_seen, items_seen;
    struct run order, item;
    struct agg settled, paid;
    sqlite3_stmt *price, *order_row, *diff;
    int lookups;              /* order history or items exist: look each order up */
    uint64_t *abs_settled, *abs_ordered;      /* by report_pass.cur index */
    struct buf enc;           /* the key of the line's group */
    struct buf sum_key;       /* the key of an Inventory sum */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* Adds h; *seen = 1 when it was there already. */
static int hset_add(struct hset *s, uint64_t h, int *seen, struct err *e)
{
    size_t k;
    h = h ? h : 1;
    if ((s->n + 1) * 4 > s->cap * 3) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) {
                for (k = (size_t)s->v[i] & (cap - 1); v[k]; k = (k + 1) & (cap - 1))
                    ;
                v[k] = s->v[i];
            }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    for (k = (size_t)h & (s->cap - 1); s->v[k]; k = (k + 1) & (s->cap - 1))
        if (s->v[k] == h)
            return *seen = 1, 0;
    s->v[k] = h;
    s->n++;
    *seen = 0;
    return 0;
}

static void hset_free(struct hset *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Appends a field to the key being built: a NULL flag, its length and its bytes, so fields
 * never run together and NULL differs from ''. */
static int enc_add(struct buf *k, const char *v, int n, int null, struct err *e)
{
    size_t need = k->len + 1 + sizeof n + (size_t)(null ? 0 : n);
    if (need > k->cap) {
        size_t cap = need * 2;
        char *b = realloc(k->p, cap);
        if (!b)
            return err_set(e, ERR_NOMEM, "out of memory");
        k->p = b;
        k->cap = cap;
    }
    k->p[k->len++] = (char)(null != 0);
    if (null)
        n = 0;
    memcpy(k->p + k->len, &n, sizeof n);
    k->len += sizeof n;
    memcpy(k->p + k->len, v, (size_t)n);
    k->len += (size_t)n;
    return 0;
}

/* The i-th field of an encoded key. */
static void enc_field(const char *k, int i, const char **v, int *n, int *null)
{
    for (;;) {
        int len;
        *null = k[0];
        memcpy(&len, k + 1, sizeof len);
        if (i-- == 0) {
            *v = k + 1 + sizeof len;
            *n = len;
            return;
        }
        k += 1 + sizeof len + (size_t)len;
    }
}

/* Adds v to the sum of key k; *ok = 0 when some order of the additions could overflow
 * (SQL's sum() would then be the judge). */
static int agg_add(struct agg *a, const struct buf *k, int64_t v, int *ok, struct err *e)
{
    size_t i;
    int created;
    uint64_t av = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (keytab_index(&a->t, k->p, k->len, &i, &created, e) < 0)
        return -1;
    if (i >= a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        int64_t *s = realloc(a->sum, cap * sizeof *s);
        uint64_t *b = s ? realloc(a->abs, cap * sizeof *b) : NULL;
        if (s)
            a->sum = s;
        if (!b)
            return err_set(e, ERR_NOMEM, "out of memory");
        a->abs = b;
        a->cap = cap;
    }
    if (created)
        a->sum[i] = 0, a->abs[i] = 0;
    if (v == INT64_MIN || av > (uint64_t)INT64_MAX - a->abs[i])
        *ok = 0;
    else
        a->abs[i] += av, a->sum[i] += v;
    return 0;
}

static void agg_free(struct agg *a)
{
    keytab_free(&a->t);
    free(a->sum);
    free(a->abs);
    memset(a, 0, sizeof *a);
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    return c ? memcpy(c, s, n) : NULL;
}

/* Keeps a copy of n bytes in *buf (capacity *cap). */
static int keep(char **buf, size_t *cap, const char *v, int n, struct err *e)
{
    if ((size_t)n + 1 > *cap) {
        char *b = realloc(*buf, (size_t)n + 1);
        if (!b)
            return err_set(e, ERR_NOMEM, "out of memory");
        *buf = b;
        *cap = (size_t)n + 1;
    }
    memcpy(*buf, v, (size_t)n);
    (*buf)[n] = '\0';
    return 0;
}

/* SQLite's BINARY collation. */
static int bincmp(const char *a, int na, const char *b, int nb)
{
    int c = memcmp(a, b, (size_t)(na < nb ? na : nb));
    return c ? c : (na > nb) - (na < nb);
}

static int eq(const struct fld *f, const char *lit)
{
    size_t n = strlen(lit);
    return !f->null && (size_t)f->n == n && memcmp(f->p, lit, n) == 0;
}

/* The bytes of substr(v, 1, 7) of text v (n bytes, NUL-terminated): seven characters,
 * counted as SQLite counts them (SQLITE_SKIP_UTF8, stopping at a NUL). */
static int month_len(const char *v, int n)
{
    int i = 0;
    for (int k = 0; k < 7 && i < n && v[i]; k++)
        if ((unsigned char)v[i++] >= 0xC0)
            while (i < n && ((unsigned char)v[i] & 0xC0) == 0x80)
                i++;
    return i;
}

/* ledger.h's LEDGER_UNITS_SETTLED_CTE: the country of a marketplace. */
static const char *country(const char *mk, int n)
{
    static const char *const map[][2] = {
        { "Amazon.com", "US" }, { "Amazon.ca", "CA" }, { "Amazon.com.mx", "MX" },
        { "Amazon.co.uk", "GB" }, { "Amazon.de", "DE" }, { "Amazon.fr", "FR" },
        { "Amazon.it", "IT" }, { "Amazon.es", "ES" }, { "Amazon.nl", "NL" },
        { "Amazon.co.jp", "JP" }, { "Amazon.com.au", "AU" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i][0]) == (size_t)n && memcmp(map[i][0], mk, (size_t)n) == 0)
            return map[i][1];
    return "";
}

/* ---- settlements ------------------------------------------------------------------------ */

static int load_settlements(struct pass *p, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int step, rc = 0;
    if (ledger_prepare(p->r->lg, &st, "SELECT s.id, s.settlement_id, s.marketplace, "
                       "s.currency, " PERIOD_SCOPE_SQL " FROM settlement s ORDER BY s.id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, p->r->period, -1, SQLITE_STATIC);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct stl *s;
        if (p->n_stl == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct stl *v = realloc(p->stl, nc * sizeof *v);
            if (!v) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            p->stl = v;
            cap = nc;
        }
        s = &p->stl[p->n_stl++];
        memset(s, 0, sizeof *s);
        s->id = sqlite3_column_int64(st, 0);
        for (int i = 1; i <= 3; i++)
            if (sqlite3_column_type(st, i) != SQLITE_TEXT)
                p->exact = 0;
        s->in_scope = sqlite3_column_int(st, 4);
        if (!(s->sid = dup(ledger_text(st, 1))) || !(s->mk = dup(ledger_text(st, 2))) ||
            !(s->cur = dup(ledger_text(st, 3))))
            rc = err_set(e, ERR_NOMEM, "out of memory");
        else {
            s->mk_len = sqlite3_column_bytes(st, 2);
            s->cur_len = sqlite3_column_bytes(st, 3);
            /* as the Orders sheet keeps a currency (char[8]) and strcmp compares it */
            if (s->cur_len >= 8 || (size_t)s->cur_len != strlen(s->cur) ||
                (size_t)s->mk_len != strlen(s->mk))
                p->exact = 0;
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ledger_fail(p->r->lg, e, "settlements");
    sqlite3_finalize(st);
    return rc;
}

/* The settlement of a line; NULL when none (a line without its settlement row). */
static const struct stl *settlement_of(struct pass *p, int64_t ref)
{
    size_t lo = 0, hi = p->n_stl;
    if (p->last < p->n_stl && p->stl[p->last].id == ref)
        return &p->stl[p->last];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->stl[mid].id < ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->n_stl && p->stl[lo].id == ref)
        return &p->stl[p->last = lo];
    return NULL;
}

/* ---- Orders: settled principal by order and currency ----------------------------------- */

static int cur_index(struct pass *p, const char *cur, size_t *out, struct err *e)
{
    struct report_pass *rp = &p->r->pass;
    size_t i = 0;
    for (; i < rp->n_cur && strcmp(rp->cur[i].cur, cur) < 0; i++)
        ;
    if (i == rp->n_cur || strcmp(rp->cur[i].cur, cur) != 0) {
        struct report_order_cur *v = realloc(rp->cur, (rp->n_cur + 1) * sizeof *v);
        uint64_t *a = v ? realloc(p->abs_settled, (rp->n_cur + 1) * sizeof *a) : NULL;
        uint64_t *b = a ? realloc(p->abs_ordered, (rp->n_cur + 1) * sizeof *b) : NULL;
        if (v)
            rp->cur = v;
        if (a)
            p->abs_settled = a;
        if (!b)
            return err_set(e, ERR_NOMEM, "out of memory");
        p->abs_ordered = b;
        memmove(&v[i + 1], &v[i], (rp->n_cur - i) * sizeof *v);
        memmove(&a[i + 1], &a[i], (rp->n_cur - i) * sizeof *a);
        memmove(&b[i + 1], &b[i], (rp->n_cur - i) * sizeof *b);
        memset(&v[i], 0, sizeof v[i]);
        snprintf(v[i].cur, sizeof v[i].cur, "%s", cur);
        a[i] = b[i] = 0;
        rp->n_cur++;
    }
    *out = i;
    return 0;
}

/* Adds v to *sum; 0 when some order of the additions could overflow (see agg_add). */
static int bounded_add(money_t *sum, uint64_t *abs, int64_t v)
{
    uint64_t av = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v == INT64_MIN || av > (uint64_t)INT64_MAX - *abs)
        return 0;
    *abs += av;
    *sum += v;
    return 1;
}

/* One order's group: looked up in the order history; counted in its currency's row when it
 * matches (or there is no history), kept in temp.report_order_diff for its own row when not. */
static int order_done(struct pass *p, const char *oid, int oid_len, const struct stl *s,
                      int64_t sum, struct err *e)
{
    struct report_pass *rp = &p->r->pass;
    int has_price = 0, known = 0, match, step;
    int64_t price = 0;
    size_t c = 0;
    if (p->lookups) {
        sqlite3_reset(p->price);
        sqlite3_bind_text(p->price, 1, oid, oid_len, SQLITE_STATIC);
        if (ledger_step_row(p->r->lg, p->price, "order item price", e) != 1)
            return -1;
        has_price = sqlite3_column_type(p->price, 0) != SQLITE_NULL;
        price = sqlite3_column_int64(p->price, 0);
        sqlite3_reset(p->order_row);
        sqlite3_bind_text(p->order_row, 1, oid, oid_len, SQLITE_STATIC);
        if ((step = ledger_step_row(p->r->lg, p->order_row, "order", e)) < 0)
            return -1;
        known = step == 1;
    }
    match = known && has_price && sum == price;
    if (match || !rp->history) {
        if (cur_index(p, s->cur, &c, e) < 0)
            return -1;
        rp->cur[c].n++;
        if (!bounded_add(&rp->cur[c].settled, &p->abs_settled[c], sum) ||
            !bounded_add(&rp->cur[c].ordered, &p->abs_ordered[c], price))
            rp->orders_fast = 0;
        return 0;
    }
    sqlite3_reset(p->diff);
    sqlite3_bind_text(p->diff, 1, s->cur, -1, SQLITE_STATIC);
    sqlite3_bind_text(p->diff, 2, oid, oid_len, SQLITE_STATIC);
    sqlite3_bind_int64(p->diff, 3, sum);
    if (has_price)
        sqlite3_bind_int64(p->diff, 4, price);
    else
        sqlite3_bind_null(p->diff, 4);
    sqlite3_bind_int(p->diff, 5, known);
    if (known) {
        sqlite3_bind_value(p->diff, 6, sqlite3_column_value(p->order_row, 0));
        sqlite3_bind_value(p->diff, 7, sqlite3_column_value(p->order_row, 1));
    } else {
        sqlite3_bind_null(p->diff, 6);
        sqlite3_bind_null(p->diff, 7);
    }
    sqlite3_bind_text(p->diff, 8, s->sid, -1, SQLITE_STATIC);
    return sqlite3_step(p->diff) == SQLITE_DONE ? 0 : ledger_fail(p->r->lg, e, "orders");
}

static int order_end(struct pass *p, struct err *e)
{
    struct run *o = &p->order;
    int seen;
    const char *oid;
    int n, null;
    if (!o->active)
        return 0;
    o->active = 0;
    if (o->multi)
        return p->r->pass.orders_fast = 0, 0;
    if (hset_add(&p->orders_seen, o->h, &seen, e) < 0)
        return -1;
    if (seen)
        return p->r->pass.orders_fast = 0, 0;
    enc_field(o->key, 0, &oid, &n, &null);
    return order_done(p, oid, n, o->s, o->sum, e);
}

/* A principal line of an order in scope. */
static int order_line(struct pass *p, const struct stl *s, const struct fld *oid,
                      int64_t amount, struct err *e)
{
    struct run *o = &p->order;
    p->enc.len = 0;
    if (enc_add(&p->enc, oid->p, oid->n, 0, e) < 0 ||
        enc_add(&p->enc, s->cur, s->cur_len, 0, e) < 0)
        return -1;
    if (o->active && o->key_len == p->enc.len && memcmp(o->key, p->enc.p, p->enc.len) == 0) {
        if (o->s != s)
            o->multi = 1;
        if (__builtin_add_overflow(o->sum, amount, &o->sum))
            p->r->pass.orders_fast = 0;      /* SQL's SUM reports it */
        return 0;
    }
    if (order_end(p, e) < 0 || keep(&o->key, &o->key_cap, p->enc.p, (int)p->enc.len, e) < 0)
        return -1;
    o->key_len = p->enc.len;
    o->h = fnv(1469598103934665603ULL, p->enc.p, p->enc.len);
    o->active = 1;
    o->multi = 0;
    o->s = s;
    o->sum = amount;
    return 0;
}

/* ---- Inventory: units settled by month, SKU and country; units reimbursed ---------------- */

static int item_end(struct pass *p, struct err *e)
{
    struct run *it = &p->item;
    int seen, ok = 1, n, null;
    const char *sku, *c;
    if (!it->active)
        return 0;
    it->active = 0;
    /* coalesce(max(l.marketplace), max(s.marketplace)) */
    c = it->has_mk ? country(it->mk, it->mk_len) : country(it->s->mk, it->s->mk_len);
    if (hset_add(&p->items_seen, it->h, &seen, e) < 0)
        return -1;
    if (seen)
        return p->r->pass.inventory_fast = 0, 0;
    enc_field(it->key, 3, &sku, &n, &null);
    p->sum_key.len = 0;
    if (enc_add(&p->sum_key, it->posted, month_len(it->posted, it->posted_len), 0, e) < 0 ||
        enc_add(&p->sum_key, sku, n, null, e) < 0 ||
        enc_add(&p->sum_key, c, (int)strlen(c), 0, e) < 0 ||
        agg_add(&p->settled, &p->sum_key, it->q, &ok, e) < 0)
        return -1;
    if (!ok)
        p->r->pass.inventory_fast = 0;
    return 0;
}

/* An Order line with a quantity and a posted date (any settlement, in scope or not). */
static int item_line(struct pass *p, const struct stl *s, const struct fld *f, int64_t q,
                     struct err *e)
{
    struct run *it = &p->item;
    const struct fld *mk = &f[L_MK], *posted = &f[L_POSTED];
    p->enc.len = 0;
    if (enc_add(&p->enc, (const char *)&s->id, sizeof s->id, 0, e) < 0 ||
        enc_add(&p->enc, f[L_OID].p, f[L_OID].n, f[L_OID].null, e) < 0 ||
        enc_add(&p->enc, f[L_ITEM].p, f[L_ITEM].n, f[L_ITEM].null, e) < 0 ||
        enc_add(&p->enc, f[L_SKU].p, f[L_SKU].n, f[L_SKU].null, e) < 0)
        return -1;
    if (!(it->active && it->key_len == p->enc.len &&
          memcmp(it->key, p->enc.p, p->enc.len) == 0)) {
        if (item_end(p, e) < 0 || keep(&it->key, &it->key_cap, p->enc.p, (int)p->enc.len, e) < 0)
            return -1;
        it->key_len = p->enc.len;
        it->h = fnv(1469598103934665603ULL, p->enc.p, p->enc.len);
        it->active = 1;
        it->s = s;
        it->q = q;
        it->has_mk = 0;
        if (keep(&it->posted, &it->posted_cap, posted->p, posted->n, e) < 0)
            return -1;
        it->posted_len = posted->n;
    } else {
        if (q > it->q)
            it->q = q;
        if (bincmp(posted->p, posted->n, it->posted, it->posted_len) < 0) {
            if (keep(&it->posted, &it->posted_cap, posted->p, posted->n, e) < 0)
                return -1;
            it->posted_len = posted->n;
        }
    }
    /* max(l.marketplace): NULLs left out, '' counts */
    if (!mk->null && (!it->has_mk || bincmp(mk->p, mk->n, it->mk, it->mk_len) > 0)) {
        if (keep(&it->mk, &it->mk_cap, mk->p, mk->n, e) < 0)
            return -1;
        it->mk_len = mk->n;
        it->has_mk = 1;
    }
    return 0;
}

/* A reimbursement line (the paid CTE's condition) with a SKU and a posted date. */
static int paid_line(struct pass *p, const struct fld *f, int64_t amount, int has_q,
                     int64_t q, struct err *e)
{
    int ok = 1;
    if (!has_q)
        q = 1;
    if (q == INT64_MIN)
        return p->r->pass.inventory_fast = 0, 0;
    p->sum_key.len = 0;
    if (enc_add(&p->sum_key, f[L_SKU].p, f[L_SKU].n, 0, e) < 0 ||
        enc_add(&p->sum_key, f[L_POSTED].p, month_len(f[L_POSTED].p, f[L_POSTED].n), 0, e) < 0 ||
        agg_add(&p->paid, &p->sum_key, amount < 0 ? -q : q, &ok, e) < 0)
        return -1;
    if (!ok)
        p->r->pass.inventory_fast = 0;
    return 0;
}

/* ---- the pass ---------------------------------------------------------------------------- */

static int combo_line(struct pass *p, const struct stl *s, const struct fld *f, int64_t amount,
                      struct err *e)
{
    const char *v[REPORT_COMBO_FIELDS];
    int n[REPORT_COMBO_FIELDS];
    const struct fld *mk = &f[L_MK], *sku = &f[L_SKU];
    for (int i = 0; i < 3; i++)
        v[i] = f[L_TT + i].p, n[i] = f[L_TT + i].n;
    /* coalesce(nullif(l.marketplace, ''), s.marketplace), s.currency, coalesce(l.sku, '') */
    v[3] = mk->null || mk->n == 0 ? s->mk : mk->p;
    n[3] = mk->null || mk->n == 0 ? s->mk_len : mk->n;
    v[4] = s->cur;
    n[4] = s->cur_len;
    v[5] = sku->null ? "" : sku->p;
    n[5] = sku->null ? 0 : sku->n;
    return report_combos_add(p->r, &p->combos, v, n, amount, e);
}

/* Reads column i as text; 0 when it holds another type than text (or NULL where allowed). */
static int text_col(sqlite3_stmt *st, int i, int nullable, struct fld *f)
{
    int t = sqlite3_column_type(st, i);
    f->null = t == SQLITE_NULL;
    f->p = f->null ? "" : (const char *)sqlite3_column_text(st, i);
    f->n = f->null ? 0 : sqlite3_column_bytes(st, i);
    if (!f->p)
        f->p = "";
    return t == SQLITE_TEXT || (nullable && f->null);
}

static int is_reimbursement(const struct fld *f)
{
    return eq(&f[L_AT], "FBA Inventory Reimbursement") || eq(&f[L_AD], "WAREHOUSE_DAMAGE") ||
           eq(&f[L_AD], "WAREHOUSE_LOST") || eq(&f[L_AD], "REVERSAL_REIMBURSEMENT");
}

/* One line; 1 when it has a value of a type the pass does not handle (then the pass stops).
 * The order, item and date columns are read only for the lines whose SQL reads them. */
static int line(struct pass *p, sqlite3_stmt *st, struct err *e)
{
    struct report_pass *rp = &p->r->pass;
    struct fld f[L_N];
    const struct stl *s;
    int64_t amount, q;
    int ok = sqlite3_column_type(st, L_REF) == SQLITE_INTEGER &&
             sqlite3_column_type(st, L_AMT) == SQLITE_INTEGER;
    int qt = sqlite3_column_type(st, L_QTY), order, principal, item, paid;
    for (int i = L_TT; i <= L_AD; i++)
        ok &= text_col(st, i, 0, &f[i]);
    ok &= text_col(st, L_MK, 1, &f[L_MK]) & text_col(st, L_SKU, 1, &f[L_SKU]);
    if (!ok || (qt != SQLITE_NULL && qt != SQLITE_INTEGER))
        return 1;
    s = settlement_of(p, sqlite3_column_int64(st, L_REF));
    amount = sqlite3_column_int64(st, L_AMT);
    q = sqlite3_column_int64(st, L_QTY);
    order = eq(&f[L_TT], "Order");
    principal = rp->orders_fast && s && s->in_scope && order && eq(&f[L_AT], "ItemPrice") &&
                eq(&f[L_AD], "Principal");
    item = rp->inventory_fast && s && order && qt != SQLITE_NULL;
    paid = rp->inventory_fast && !f[L_SKU].null && is_reimbursement(f);
    if (((principal || item) && !text_col(st, L_OID, 1, &f[L_OID])) ||
        ((item || paid) && !text_col(st, L_POSTED, 1, &f[L_POSTED])) ||
        (item && !text_col(st, L_ITEM, 1, &f[L_ITEM])))
        return 1;
    if (s && s->in_scope && combo_line(p, s, f, amount, e) < 0)
        return -1;
    if (principal && !f[L_OID].null && f[L_OID].n > 0 && order_line(p, s, &f[L_OID], amount, e) < 0)
        return -1;
    if (item && !f[L_POSTED].null && item_line(p, s, f, q, e) < 0)
        return -1;
    if (paid && !f[L_POSTED].null && paid_line(p, f, amount, qt != SQLITE_NULL, q, e) < 0)
        return -1;
    return 0;
}

/* The combinations from their own query (the pass met a value it does not handle). */
static int combos_by_query(struct pass *p, struct err *e)
{
    sqlite3_stmt *st;
    int step, rc = 0;
    report_combos_free(p->r);
    free(p->combos.slot);
    memset(&p->combos, 0, sizeof p->combos);
    if (ledger_prepare(p->r->lg, &st, COMBO_LINES, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, p->r->period, -1, SQLITE_STATIC);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v[REPORT_COMBO_FIELDS];
        int n[REPORT_COMBO_FIELDS];
        for (int i = 0; i < REPORT_COMBO_FIELDS; i++) {
            v[i] = (const char *)sqlite3_column_text(st, i);
            n[i] = sqlite3_column_bytes(st, i);
            if (!v[i])
                v[i] = "";
        }
        rc = report_combos_add(p->r, &p->combos, v, n, sqlite3_column_int64(st, 6), e);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ledger_fail(p->r->lg, e, "line groups");
    sqlite3_finalize(st);
    return rc;
}

static int scan(struct pass *p, struct err *e)
{
    sqlite3_stmt *st;
    int step, rc = 0;
    if (ledger_prepare(p->r->lg, &st, LINES, e) < 0)
        return -1;
    while (rc == 0 && p->exact && (step = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = line(p, st, e)) == 1)
            p->exact = 0, rc = 0;
    if (rc == 0 && p->exact && step != SQLITE_DONE)
        rc = ledger_fail(p->r->lg, e, "settlement lines");
    sqlite3_finalize(st);
    if (rc == 0 && p->exact && (order_end(p, e) < 0 || item_end(p, e) < 0))
        rc = -1;
    return rc;
}

/* The Inventory sums into their temporary tables. */
static int store_agg(struct pass *p, const struct agg *a, const char *sql, int nf,
                     struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (ledger_prepare(p->r->lg, &st, sql, e) < 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < a->t.n; i++) {
        sqlite3_reset(st);
        for (int k = 0; k < nf; k++) {
            const char *v;
            int n, null;
            enc_field(a->t.keys[i].bytes, k, &v, &n, &null);
            if (null)
                sqlite3_bind_null(st, k + 1);
            else
                sqlite3_bind_text(st, k + 1, v, n, SQLITE_STATIC);
        }
        sqlite3_bind_int64(st, nf + 1, a->sum[i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ledger_fail(p->r->lg, e, "inventory sums");
    }
    sqlite3_finalize(st);
    return rc;
}

static int prepare_orders(struct pass *p, struct err *e)
{
    struct report_pass *rp = &p->r->pass;
    sqlite3_stmt *st;
    int step;
    if (ledger_prepare(p->r->lg, &st, "SELECT EXISTS (SELECT 1 FROM orders), EXISTS (SELECT 1 "
                       "FROM order_item)", e) < 0)
        return -1;
    step = ledger_step_row(p->r->lg, st, "order history", e);
    if (step == 1) {
        rp->history = sqlite3_column_int(st, 0);
        /* without orders or items every lookup finds nothing */
        p->lookups = rp->history || sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (step != 1)
        return step < 0 ? -1 : ledger_fail(p->r->lg, e, "order history");
    return ledger_prepare(p->r->lg, &p->price, "SELECT SUM(i.item_price_minor) FROM "
                          "order_item i WHERE i.amazon_order_id = ?1", e) < 0 ||
           ledger_prepare(p->r->lg, &p->order_row, "SELECT order_status, purchase_utc FROM "
                          "orders WHERE amazon_order_id = ?1", e) < 0 ||
           ledger_prepare(p->r->lg, &p->diff, "INSERT INTO temp.report_order_diff VALUES "
                          "(?, ?, ?, ?, ?, ?, ?, ?)", e) < 0 ? -1 : 0;
}

static void pass_free(struct pass *p)
{
    for (size_t i = 0; i < p->n_stl; i++) {
        free(p->stl[i].sid);
        free(p->stl[i].mk);
        free(p->stl[i].cur);
    }
    free(p->stl);
    free(p->combos.slot);
    hset_free(&p->orders_seen);
    hset_free(&p->items_seen);
    free(p->order.key);
    free(p->item.key);
    free(p->item.posted);
    free(p->item.mk);
    agg_free(&p->settled);
    agg_free(&p->paid);
    sqlite3_finalize(p->price);
    sqlite3_finalize(p->order_row);
    sqlite3_finalize(p->diff);
    free(p->abs_settled);
    free(p->abs_ordered);
    free(p->enc.p);
    free(p->sum_key.p);
}

/* The pass on r's connection: r->pass, r->combos (t: their table, for report_combos_finish)
 * and the temporary tables. */
static int pass_run(struct report_ctx *r, struct report_combo_table *t, struct err *e)
{
    struct pass p;
    int rc;
    memset(&p, 0, sizeof p);
    p.r = r;
    p.exact = 1;
    r->pass.orders_fast = r->pass.inventory_fast = 1;
    rc = ledger_exec(r->lg, TEMP_TABLES, e) < 0 || load_settlements(&p, e) < 0 ||
         prepare_orders(&p, e) < 0 || scan(&p, e) < 0 ? -1 : 0;
    if (rc == 0 && !p.exact) {
        /* a value of another type: every sheet reads the lines as it did before */
        r->pass.orders_fast = r->pass.inventory_fast = 0;
        rc = combos_by_query(&p, e);
    }
    if (rc == 0 && r->pass.inventory_fast)
        rc = store_agg(&p, &p.settled, "INSERT INTO temp.report_settled VALUES (?, ?, ?, ?)",
                       3, e) < 0 ||
             store_agg(&p, &p.paid, "INSERT INTO temp.report_paid VALUES (?, ?, ?)", 2, e) < 0
             ? -1 : 0;
    r->pass.exact = p.exact;
    *t = p.combos;
    p.combos.slot = NULL;
    pass_free(&p);
    return rc;
}

/* ---- the pass aside ----------------------------------------------------------------------
 * A close starts the pass right after ingest, on a second connection in a thread of its own
 * (ledger.h's aside), so that it reads the lines while reconcile and the journals run; the
 * workbook then takes what it found. What the pass reads (settlements, their lines, the order
 * history) only ingest and fetch write, and both come before; the counts in SNAPSHOT, taken
 * when the pass starts and again when the workbook takes it, make sure of it (and
 * ledger_aside_stale of another process's commits), and the workbook runs the pass itself
 * when they differ, when the pass could not run aside, or when it failed there. */

static const char SNAPSHOT[] =
    "SELECT (SELECT max(id) FROM settlement_line), (SELECT min(id) FROM settlement_line), "
    "(SELECT max(id) FROM settlement), (SELECT count(*) FROM settlement), "
    "(SELECT max(id) FROM source_file), (SELECT count(*) FROM orders), "
    "(SELECT max(id) FROM order_item), (SELECT count(*) FROM order_item)";
#define SNAPSHOT_N 8

struct report_prefetch {
    struct report_ctx side;            /* lg: the second connection */
    struct report_combo_table t;
    char period[16];
    int64_t snap[SNAPSHOT_N];
    struct ledger_aside *aside;
};

static int snapshot(struct ledger *lg, int64_t out[SNAPSHOT_N], struct err *e)
{
    return ledger_row_ints(lg, SNAPSHOT, out, SNAPSHOT_N, "snapshot", e);
}

static int pass_aside(struct ledger *reader, void *arg, struct err *e)
{
    struct report_prefetch *f = arg;
    f->side.lg = reader;
    return pass_run(&f->side, &f->t, e);
}

/* The pass's two sets of run fingerprints grow with every line of the ledger (up to 16 MiB
 * at 4M lines), and aside they are held while reconcile holds its own: above this many lines
 * the pass waits for the workbook stage, when reconcile's memory is back, so that the close's
 * peak stays flat. */
#define REPORT_ASIDE_LINES ((int64_t)1 << 21)

int report_prefetch_start(struct ledger *lg, const struct config *cfg, const char *period,
                          struct report_prefetch **out, struct err *e)
{
    struct report_prefetch *f = calloc(1, sizeof *f);
    int64_t n;
    *out = f;
    if (!f)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (snapshot(lg, f->snap, e) < 0)
        return -1;
    n = f->snap[0] - f->snap[1] + 1;     /* the ids the lines span: max - min + 1 */
    if (n > ledger_aside_limit(REPORT_ASIDE_LINES)) {
        log_verbose("report: %lld lines in the ledger: the workbook's pass over them waits "
                    "for the workbook (aside, its memory would add to reconcile's)",
                    (long long)n);
        return 0;
    }
    snprintf(f->period, sizeof f->period, "%s", period ? period : "");
    f->side.cfg = cfg;
    f->side.period = f->period;
    return ledger_aside_start(lg, pass_aside, f, &f->aside, e);
}

void report_prefetch_free(struct report_prefetch *f)
{
    if (!f)
        return;
    ledger_aside_free(f->aside);
    free(f->t.slot);
    f->side.lg = NULL;                /* closed with the aside: no temporary tables to drop */
    report_pass_free(&f->side);
    free(f);
}

/* 1 when the pass done aside is r's (now moved into r), 0 when r must run it. */
static int take_prefetch(struct report_ctx *r, struct report_combo_table *t, struct err *e)
{
    struct report_prefetch *f = r->prefetch;
    struct ledger *from;
    int64_t now[SNAPSHOT_N];
    int stale, done = f ? ledger_aside_join(f->aside, e) : 0;
    if (done <= 0)
        return done;
    from = ledger_aside_reader(f->aside);
    if (snapshot(r->lg, now, e) < 0 || (stale = ledger_aside_stale(r->lg, f->aside, e)) < 0)
        return -1;
    if (strcmp(f->period, r->period) != 0 || stale || memcmp(now, f->snap, sizeof now) != 0) {
        log_verbose("report: the lines changed since the pass aside: read again");
        return 0;
    }
    if (ledger_exec(r->lg, TEMP_TABLES, e) < 0 ||
        ledger_copy_temp(from, r->lg, "report_order_diff", e) < 0 ||
        ledger_copy_temp(from, r->lg, "report_settled", e) < 0 ||
        ledger_copy_temp(from, r->lg, "report_paid", e) < 0)
        return -1;
    /* its connection and snapshot are not needed any more (a checkpoint may pass them) */
    ledger_aside_free(f->aside);
    f->aside = NULL;
    r->pass = f->side.pass;
    r->combos = f->side.combos;
    r->n_combos = f->side.n_combos;
    *t = f->t;
    memset(&f->side.pass, 0, sizeof f->side.pass);
    f->side.combos = NULL;
    f->side.n_combos = 0;
    memset(&f->t, 0, sizeof f->t);
    log_verbose("report: the pass over the lines was done aside, while the close ran");
    return 1;
}

int report_pass_load(struct report_ctx *r, struct err *e)
{
    struct report_combo_table t = {0};
    int rc = take_prefetch(r, &t, e);
    if (rc == 0)
        rc = pass_run(r, &t, e) < 0 ? -1 : 1;
    if (rc < 0) {
        free(t.slot);
        return -1;
    }
    report_combos_finish(r, &t);
    /* --verbose: which sheets read the lines again (tests/e2e/report.sh checks it) */
    if (!r->pass.orders_fast)
        log_verbose("report: Orders reads the lines with its own query (%s)", !r->pass.exact ?
                    "a value of another type" : "an order's lines are not adjacent");
    if (!r->pass.inventory_fast)
        log_verbose("report: Inventory reads the lines with its own query (%s)", !r->pass.exact ?
                    "a value of another type" : "an order item's lines are not adjacent");
    return 0;
}

void report_pass_free(struct report_ctx *r)
{
    struct err ignored = {0};
    free(r->pass.cur);
    memset(&r->pass, 0, sizeof r->pass);
    report_combos_free(r);
    if (r->lg)
        ledger_exec(r->lg, "DROP TABLE IF EXISTS temp.report_order_diff; DROP TABLE IF EXISTS "
                    "temp.report_settled; DROP TABLE IF EXISTS temp.report_paid;", &ignored);
}
