/* reconcile_fees_pages — the samples read back in group and time order, one SKU fee group at
 * a time (SQLite's sorter spills to its temp file). A group of at most a page of samples is
 * held in memory; a larger one is written to temp.fee_ord and read back a page at a time (two
 * pages cached, least recently used replaced), the median and MAD of a level larger than a
 * page sorted by SQLite (ORDER BY value, then by the distance to the median). So the fee
 * check's memory is the same for a SKU of ten lines and a SKU of ten million. */
#include "reconcile_fees.h"
#include "reconcile_feestat.h"

#include <stdlib.h>

#define FEE_PAGE 16384   /* samples per page: 2 pages of 56 bytes each, under 2 MB */

static const char ALL[] =
    "SELECT grp, value, fee, basis, seq, qty, day FROM temp.fee_sample ORDER BY grp, day, seq";
static const char PUT[] =
    "INSERT INTO temp.fee_ord (pos, value, fee, basis, seq, qty, day) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char GET[] =
    "SELECT value, fee, basis, seq, qty, day FROM temp.fee_ord "
    "WHERE pos >= ?1 AND pos < ?2 ORDER BY pos";
/* The middle one or two of the level's values (?3 = 0), or of their distances to ?4. */
static const char MIDDLE[] =
    "SELECT CASE WHEN ?3 THEN abs(value - ?4) ELSE value END AS x FROM temp.fee_ord "
    "WHERE pos >= ?1 AND pos < ?2 ORDER BY x LIMIT ?5 OFFSET ?6";

/* FEE_PAGE, or SETTLEBOOK_RECONCILE_FEE_PAGE when smaller (a test hook: tiny pages make the
 * fixtures run the paged reads and the SQL medians). */
static size_t page_size(void)
{
    const char *v = getenv("SETTLEBOOK_RECONCILE_FEE_PAGE");
    long long n = v ? atoll(v) : 0;
    return n > 0 && n <= FEE_PAGE ? (size_t)n : FEE_PAGE;
}

int fee_pages_open(struct fee_pages *p, struct fees *f, struct err *e)
{
    *p = (struct fee_pages){ .f = f, .e = e, .size = page_size() };
    for (int i = 0; i < 2; i++)
        if (!(p->pg[i].s = malloc(p->size * sizeof *p->pg[i].s)))
            return err_set(e, ERR_NOMEM, "out of memory");
    if (!(p->val = malloc(p->size * 2 * sizeof *p->val)))
        return err_set(e, ERR_NOMEM, "out of memory");
    if (ledger_prepare(f->c->lg, &p->all, ALL, e) < 0 ||
        ledger_prepare(f->c->lg, &p->put, PUT, e) < 0 ||
        ledger_prepare(f->c->lg, &p->get, GET, e) < 0 ||
        ledger_prepare(f->c->lg, &p->middle, MIDDLE, e) < 0)
        return -1;
    return 0;
}

/* The sample of a row of columns value, fee, basis, seq, qty, day from column c. */
static struct fee_sample row_sample(sqlite3_stmt *st, int c)
{
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, c + 3);
    return (struct fee_sample){ .value = sqlite3_column_int64(st, c),
        .fee = sqlite3_column_int64(st, c + 1), .basis = sqlite3_column_int64(st, c + 2),
        .line = (int64_t)(seq & (((uint64_t)1 << FEE_SEQ_BITS) - 1)), .seq = seq,
        .qty = (int32_t)sqlite3_column_int64(st, c + 4),
        .day = (int32_t)sqlite3_column_int64(st, c + 5),
        .sett = (uint32_t)(seq >> FEE_SEQ_BITS) };
}

/* Row i (from 0) of group g: into the page when the group fits in one, else into fee_ord. */
static int take(struct fee_pages *p, const struct fee_group *g, int64_t i, struct err *e)
{
    sqlite3_stmt *st = p->all, *put = p->put;
    if (sqlite3_column_int64(st, 0) != (int64_t)(g - p->f->grp))
        return err_set(e, ERR_DB, "reconcile fees: the samples are out of step");
    if (g->n <= (int64_t)p->size) {
        p->pg[0].s[i] = row_sample(st, 1);
        return 0;
    }
    sqlite3_reset(put);
    sqlite3_bind_int64(put, 1, i + 1);
    for (int k = 1; k <= 6; k++)
        sqlite3_bind_value(put, k + 1, sqlite3_column_value(st, k));
    return sqlite3_step(put) == SQLITE_DONE ? 0 : ledger_fail(p->f->c->lg, e, "reconcile fees");
}

int fee_pages_next(struct fee_pages *p, const struct fee_group *g, struct err *e)
{
    int s = SQLITE_ROW;
    p->first = 1;
    p->n = g->n;
    p->pg[0].n = p->pg[1].n = 0;
    if (g->n > (int64_t)p->size && ledger_exec(p->f->c->lg, "DELETE FROM temp.fee_ord", e) < 0)
        return -1;
    for (int64_t i = 0; i < g->n; i++) {
        if ((s = sqlite3_step(p->all)) != SQLITE_ROW)
            break;
        if (take(p, g, i, e) < 0)
            return -1;
    }
    if (s != SQLITE_ROW)
        return s == SQLITE_DONE ? err_set(e, ERR_DB, "reconcile fees: samples missing")
                                : ledger_fail(p->f->c->lg, e, "reconcile fees: samples");
    if (g->n <= (int64_t)p->size) {   /* resident: never loaded */
        p->pg[0].lo = 1;
        p->pg[0].n = g->n;
        p->held = (size_t)g->n > p->held ? (size_t)g->n : p->held;
    }
    return 0;
}

static int load(struct fee_pages *p, struct fee_page *pg, int64_t lo)
{
    sqlite3_stmt *st = p->get;
    int64_t hi = lo + (int64_t)p->size, end = p->first + p->n;
    int s;
    pg->lo = lo;
    pg->n = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi < end ? hi : end);
    while ((s = sqlite3_step(st)) == SQLITE_ROW && pg->n < (int64_t)p->size)
        pg->s[pg->n++] = row_sample(st, 0);
    sqlite3_reset(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return ledger_fail(p->f->c->lg, p->e, "reconcile fees: samples");
    size_t held = (size_t)(p->pg[0].n + p->pg[1].n);
    p->held = held > p->held ? held : p->held;
    return 0;
}

const struct fee_sample *fee_pages_at(struct fee_pages *p, size_t i)
{
    static const struct fee_sample none;
    int64_t pos = p->first + (int64_t)i;
    struct fee_page *pg = NULL;
    for (int k = 0; k < 2 && !pg; k++)
        if (p->pg[k].n && pos >= p->pg[k].lo && pos < p->pg[k].lo + p->pg[k].n)
            pg = &p->pg[k];
    if (!pg) {
        pg = p->pg[0].used <= p->pg[1].used ? &p->pg[0] : &p->pg[1];
        int bad = p->failed || load(p, pg, p->first + (int64_t)(i / p->size * p->size)) < 0;
        if (!bad && pos >= pg->lo + pg->n)
            bad = err_set(p->e, ERR_DB, "reconcile fees: sample %lld missing", (long long)pos);
        if (bad) {
            p->failed = 1;
            pg->n = 0;
            return &none;
        }
    }
    pg->used = ++p->tick;
    return &pg->s[pos - pg->lo];
}

/* The lower and upper middle of the level's values (dist 0) or of their distances to
 * centre, sorted by SQLite; -1 with p->e filled on error. */
static int middle(struct fee_pages *p, size_t a, size_t b, int dist, int64_t centre,
                  int64_t *out)
{
    sqlite3_stmt *st = p->middle;
    size_t n = b - a;
    int got = 0, s;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, p->first + (int64_t)a);
    sqlite3_bind_int64(st, 2, p->first + (int64_t)b);
    sqlite3_bind_int(st, 3, dist);
    sqlite3_bind_int64(st, 4, centre);
    sqlite3_bind_int64(st, 5, n % 2 ? 1 : 2);
    sqlite3_bind_int64(st, 6, (int64_t)(n % 2 ? n / 2 : n / 2 - 1));
    while ((s = sqlite3_step(st)) == SQLITE_ROW && got < 2)
        out[got++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return ledger_fail(p->f->c->lg, p->e, "reconcile fees: median");
    if (got != (n % 2 ? 1 : 2))
        return err_set(p->e, ERR_DB, "reconcile fees: a level's median is missing");
    return 0;
}

int fee_pages_stat(struct fee_pages *p, size_t a, size_t b, struct feestat *out)
{
    int64_t m[2];
    if (b - a <= p->size) {   /* fits: as feestat_of does it */
        for (size_t i = a; i < b; i++)
            p->val[i - a] = fee_pages_at(p, i)->value;
        feestat_of(p->val, b - a, p->val + p->size, out);
        return p->failed ? -1 : 0;
    }
    if (middle(p, a, b, 0, 0, m) < 0)
        return -1;
    out->median = (b - a) % 2 ? m[0] : feestat_mid(m[0], m[1]);
    if (middle(p, a, b, 1, out->median, m) < 0)
        return -1;
    out->mad = (b - a) % 2 ? m[0] : feestat_mid(m[0], m[1]);
    return 0;
}

void fee_pages_close(struct fee_pages *p)
{
    sqlite3_finalize(p->all);
    sqlite3_finalize(p->put);
    sqlite3_finalize(p->get);
    sqlite3_finalize(p->middle);
    free(p->pg[0].s);
    free(p->pg[1].s);
    free(p->val);
    *p = (struct fee_pages){ 0 };   /* closing twice is harmless */
}
