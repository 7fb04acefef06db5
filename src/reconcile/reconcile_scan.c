/* reconcile_scan — what the streaming checks share: the settlements in scope in emission order,
 * one pass over a settlement's lines, field keys (NULL distinct from ""), 64-bit fingerprints
 * and a string-keyed hash table. Reads only; never emits an exception itself. */
#include "reconcile_int.h"

#include <stdlib.h>
#include <string.h>

#include "ledger.h"

int reconcile_sql_reference(void)
{
    /* Test hook: the GROUP BY queries the streaming checks replaced, kept as the reference the
     * equivalence test (tests/e2e/reconcile_stream.sh) compares against. */
    const char *v = getenv("SETTLEBOOK_RECONCILE_SQL");
    return v && strcmp(v, "1") == 0;
}

/* ---- keys --------------------------------------------------------------------------- */

void rkey_reset(struct rkey *k)
{
    k->len = 0;
}

static int rkey_put(struct rkey *k, const void *p, size_t n, struct err *e)
{
    if (k->len + n > k->cap) {
        size_t cap = k->cap ? k->cap : 256;
        while (cap < k->len + n)
            cap *= 2;
        if (cap > RECONCILE_KEY_MAX)
            return err_set(e, ERR_INPUT, "reconcile: a grouping key exceeds %d bytes",
                           RECONCILE_KEY_MAX);
        char *b = realloc(k->buf, cap);
        if (!b)
            return err_set(e, ERR_NOMEM, "out of memory");
        k->buf = b;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, p, n);
    k->len += n;
    return 0;
}

int rkey_text(struct rkey *k, const char *s, size_t n, struct err *e)
{
    /* tag 0 = NULL, 1 = text of n bytes: "" and NULL are different groups, as in GROUP BY */
    unsigned char tag = s ? 1 : 0;
    uint32_t len = (uint32_t)n;
    if (rkey_put(k, &tag, 1, e) < 0)
        return -1;
    if (!s)
        return 0;
    return rkey_put(k, &len, sizeof len, e) < 0 ? -1 : rkey_put(k, s, n, e);
}

int rkey_col(struct rkey *k, sqlite3_stmt *st, int i, struct err *e)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return rkey_text(k, s, s ? (size_t)sqlite3_column_bytes(st, i) : 0, e);
}

int rkey_int(struct rkey *k, int64_t v, struct err *e)
{
    return rkey_put(k, &v, sizeof v, e);
}

void rkey_free(struct rkey *k)
{
    free(k->buf);
    memset(k, 0, sizeof *k);
}

uint64_t reconcile_fp(const void *p, size_t n)
{
    /* FNV-1a, then splitmix64's finaliser so that every input bit reaches every output bit */
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* A word at a time, each word multiplied in and folded: a fingerprint of a line's fields
 * costs a few cycles per 8 bytes where reconcile_fp's byte loop costs a few per byte. Only
 * ever compared with fingerprints made the same way in the same run. */
static uint64_t fp_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
}

uint64_t reconcile_fp_int(uint64_t h, int64_t v)
{
    return fp_word(h, (uint64_t)v);
}

uint64_t reconcile_fp_text(uint64_t h, const char *s, size_t n)
{
    uint64_t w;
    if (!s)
        return fp_word(h, 0);   /* NULL; a text's length word has the top bit set */
    h = fp_word(h, (uint64_t)n | (uint64_t)1 << 63);
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = fp_word(h, w);
    }
    if (n) {
        w = 0;
        memcpy(&w, s, n);
        h = fp_word(h, w);
    }
    return h;
}

uint64_t reconcile_fp_done(uint64_t h)
{
    /* splitmix64's finaliser, as reconcile_fp */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* ---- the hash table ----------------------------------------------------------------- */

int rtab_init(struct rtab *t, size_t val_size, struct err *e)
{
    memset(t, 0, sizeof *t);
    t->val_size = val_size;
    t->cap = 64;
    t->slots = calloc(t->cap, sizeof *t->slots);
    return t->slots ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

static int rtab_grow(struct rtab *t, struct err *e)
{
    size_t cap = t->cap * 2;
    struct rtab_entry **s = calloc(cap, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->cap; i++) {
        struct rtab_entry *x = t->slots[i];
        if (!x)
            continue;
        size_t j = x->hash & (cap - 1);
        while (s[j])
            j = (j + 1) & (cap - 1);
        s[j] = x;
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
    return 0;
}

void *rtab_get(struct rtab *t, const struct rkey *k, int *created, struct err *e)
{
    uint64_t h = reconcile_fp(k->buf, k->len);
    size_t j = h & (t->cap - 1);
    *created = 0;
    for (struct rtab_entry *x; (x = t->slots[j]); j = (j + 1) & (t->cap - 1))
        if (x->hash == h && x->key_len == k->len && memcmp(x->key, k->buf, k->len) == 0)
            return x->val;
    if (t->n >= RECONCILE_GROUPS_MAX) {
        err_set(e, ERR_INPUT, "reconcile: more than %d groups", RECONCILE_GROUPS_MAX);
        return NULL;
    }
    struct rtab_entry *x = calloc(1, sizeof *x + t->val_size + k->len);
    if (!x) {
        err_set(e, ERR_NOMEM, "out of memory");
        return NULL;
    }
    x->hash = h;
    x->val = (char *)(x + 1);
    x->key = x->val + t->val_size;
    x->key_len = k->len;
    memcpy(x->key, k->buf, k->len);
    t->slots[j] = x;
    t->n++;
    *created = 1;
    if (t->n * 2 > t->cap && rtab_grow(t, e) < 0)
        return NULL;
    return x->val;
}

void *rtab_find(const struct rtab *t, const struct rkey *k)
{
    uint64_t h = reconcile_fp(k->buf, k->len);
    for (size_t j = h & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1)) {
        struct rtab_entry *x = t->slots[j];
        if (x->hash == h && x->key_len == k->len && memcmp(x->key, k->buf, k->len) == 0)
            return x->val;
    }
    return NULL;
}

struct rtab_entry **rtab_entries(struct rtab *t, struct err *e)
{
    struct rtab_entry **v = malloc((t->n ? t->n : 1) * sizeof *v);
    size_t k = 0;
    if (!v) {
        err_set(e, ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i])
            v[k++] = t->slots[i];
    return v;
}

void rtab_free(struct rtab *t)
{
    for (size_t i = 0; t->slots && i < t->cap; i++)
        free(t->slots[i]);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- a set of fingerprints -------------------------------------------------------------- */

int rseen_add(struct rseen *t, size_t max, uint64_t fp, int *seen, struct err *e)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        uint64_t *v = cap <= max * 2 ? calloc(cap, sizeof *v) : NULL;
        if (!v && cap <= max * 2)
            return err_set(e, ERR_NOMEM, "out of memory");
        if (!v) {
            *seen = 1;
            return 0;
        }
        for (size_t i = 0; i < t->cap; i++)
            for (size_t k = t->v[i] & (cap - 1); t->v[i]; k = (k + 1) & (cap - 1))
                if (!v[k]) {
                    v[k] = t->v[i];
                    break;
                }
        free(t->v);
        t->v = v;
        t->cap = cap;
    }
    size_t k = fp & (t->cap - 1);
    while (t->v[k] && t->v[k] != fp)
        k = (k + 1) & (t->cap - 1);
    *seen = t->v[k] == fp;
    if (!*seen) {
        t->v[k] = fp;
        t->n++;
    }
    return 0;
}

void rseen_free(struct rseen *t)
{
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* ---- settlements and their lines ------------------------------------------------------ */

static const char SCOPE[] =
    "SELECT s.id, s.settlement_id, s.currency, s.marketplace, s.line_count FROM settlement s "
    "WHERE " PERIOD_SCOPE_SQL " ORDER BY s.start_utc, s.settlement_id";

int reconcile_settlements(struct reconcile_ctx *c,
                          int (*fn)(struct reconcile_ctx *c, const struct rsettlement *s,
                                    struct err *e),
                          struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(c->lg, &st, SCOPE, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct rsettlement x = {
            .ref = sqlite3_column_int64(st, 0), .id = reconcile_str(st, 1),
            .currency = reconcile_str(st, 2), .marketplace = reconcile_str(st, 3),
            .lines = sqlite3_column_int64(st, 4) };
        rc = fn(c, &x, e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "reconcile settlements");
    sqlite3_finalize(st);
    return rc;
}

/* The id range of settlement ref's lines, and whether reading that range of the table is
 * the cheaper way to its lines: ingest stores a settlement's lines one after the other, so
 * the range holds them and little else, and a read in rowid order skips the index's look-up
 * of each row. When other lines sit in the range (more than as many again), the index. */
static int lines_range(struct reconcile_ctx *c, int64_t ref, int64_t *lo, int64_t *hi,
                       int *use, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(c->lg, &st, "SELECT (SELECT min(id) FROM settlement_line WHERE "
                       "settlement_ref = ?1), (SELECT max(id) FROM settlement_line WHERE "
                       "settlement_ref = ?1), (SELECT line_count FROM settlement WHERE id = ?1)",
                       e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    s = sqlite3_step(st);
    *use = 0;
    if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        int64_t n = sqlite3_column_int64(st, 2);
        *lo = sqlite3_column_int64(st, 0);
        *hi = sqlite3_column_int64(st, 1);
        *use = n > 0 && *hi - *lo < 2 * n;
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 0 : ledger_fail(c->lg, e, "reconcile lines");
}

int reconcile_lines_each(struct reconcile_ctx *c, const char *columns, int64_t ref,
                         int (*fn)(void *arg, sqlite3_stmt *st, struct err *e), void *arg,
                         struct err *e)
{
    char sql[512];
    sqlite3_stmt *st;
    int s, rc = 0, range;
    int64_t lo = 0, hi = 0;
    if (lines_range(c, ref, &lo, &hi, &range, e) < 0)
        return -1;
    /* "+settlement_ref": the rowid range, not the index (both give the lines by id) */
    snprintf(sql, sizeof sql, "SELECT %s FROM settlement_line WHERE %s ORDER BY id", columns,
             range ? "id BETWEEN ?2 AND ?3 AND +settlement_ref = ?1" : "settlement_ref = ?1");
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    if (range) {
        sqlite3_bind_int64(st, 2, lo);
        sqlite3_bind_int64(st, 3, hi);
    }
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(arg, st, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "reconcile lines");
    sqlite3_finalize(st);
    return rc;
}

int reconcile_query_each(struct reconcile_ctx *c, const char *sql,
                         int (*fn)(void *arg, sqlite3_stmt *st, struct err *e), void *arg,
                         struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(arg, st, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "reconcile scan");
    sqlite3_finalize(st);
    return rc;
}

int reconcile_keep_text(char **buf, size_t *cap, const char *s, int *changed, struct err *e)
{
    size_t n = strlen(s) + 1;
    *changed = !*buf || strcmp(*buf, s) != 0;
    if (!*changed)
        return 0;
    if (n > *cap) {
        char *p = realloc(*buf, n);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        *buf = p;
        *cap = n;
    }
    memcpy(*buf, s, n);
    return 0;
}

/* SQLite's ORDER BY on TEXT (BINARY collation, NULL first). */
int reconcile_cmp_text(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    return strcmp(a, b);
}

int reconcile_grow(void *pp, size_t *cap, size_t n, size_t size, struct err *e)
{
    void **p = pp;
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = c > SIZE_MAX / size ? NULL : realloc(*p, c * size);
    if (!q)
        return err_set(e, ERR_NOMEM, "out of memory");
    *p = q;
    *cap = c;
    return 0;
}

int reconcile_add(int64_t *sum, int64_t v, struct err *e)
{
    if (__builtin_add_overflow(*sum, v, sum))
        return err_set(e, ERR_INPUT, "reconcile: integer overflow summing amounts");
    return 0;
}

int reconcile_settlement_count(struct reconcile_ctx *c, int64_t *out, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(c->lg, &st, "SELECT count(*) FROM settlement", e) < 0)
        return -1;
    s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 0 : ledger_fail(c->lg, e, "count settlements");
}
