/* reconcile_lines — checks on the settlement lines themselves: combinations no mapping rule
 * covers (UNMAPPED) and lines that appear twice (DUPLICATE_LINE). Reads only. */
#include "reconcile_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

/* One row per settlement and (transaction-type, amount-type, amount-description,
 * marketplace), the marketplace being the line's or else the settlement's. */
static const char COMBOS[] =
    "SELECT s.settlement_id, s.currency, l.transaction_type, l.amount_type, "
    "l.amount_description, coalesce(nullif(l.marketplace, ''), s.marketplace) AS mk, "
    "count(*), sum(l.amount_minor) "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " "
    "GROUP BY s.id, l.transaction_type, l.amount_type, l.amount_description, mk "
    "ORDER BY s.start_utc, s.settlement_id, l.transaction_type, l.amount_type, "
    "l.amount_description, mk";

/* Identical lines inside one settlement. */
static const char SAME_SETTLEMENT[] =
    "SELECT s.settlement_id, s.currency, l.order_id, l.sku, l.transaction_type, "
    "l.amount_type, l.amount_description, l.amount_minor, count(*), sum(l.amount_minor), "
    "l.posted "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " "
    "GROUP BY s.id, l.transaction_type, l.amount_type, l.amount_description, l.order_id, "
    "l.sku, l.amount_minor, l.posted, l.order_item_code, l.adjustment_id, l.shipment_id "
    "HAVING count(*) > 1 "
    "ORDER BY s.start_utc, s.settlement_id, l.order_id, l.sku, l.transaction_type, "
    "l.amount_type, l.amount_description, l.amount_minor, l.posted, l.order_item_code, "
    "l.adjustment_id, l.shipment_id";

/* The same order-item-code and amount (transaction-type, adjustment-id, shipment-id,
 * amount-type, amount-description) in more than one settlement: every settlement after the
 * first one (by start, then id) that carries it. A second shipment or a second refund of an
 * item has its own shipment-id or adjustment-id and is not a duplicate. */
static const char ACROSS_SETTLEMENTS[] =
    "WITH multi AS (SELECT order_item_code AS oic FROM settlement_line "
    "  WHERE order_item_code IS NOT NULL AND order_item_code != '' GROUP BY order_item_code "
    "  HAVING min(settlement_ref) != max(settlement_ref)), "
    "g AS (SELECT l.transaction_type AS tt, l.order_item_code AS oic, "
    "  coalesce(l.adjustment_id, '') AS adj, coalesce(l.shipment_id, '') AS ship, "
    "  l.amount_type AS at, l.amount_description AS ad, "
    "  l.settlement_ref AS sref, min(l.order_id) AS oid, min(l.sku) AS sku, "
    "  sum(l.amount_minor) AS amt "
    "  FROM settlement_line l WHERE l.order_item_code IN (SELECT oic FROM multi) "
    "  GROUP BY tt, oic, adj, ship, at, ad, sref), "
    "r AS (SELECT g.*, s.settlement_id AS sid, s.currency AS cur, s.start_utc AS sstart, "
    "  first_value(s.settlement_id) OVER w AS first_sid, row_number() OVER w AS rn "
    "  FROM g JOIN settlement s ON s.id = g.sref "
    "  WINDOW w AS (PARTITION BY tt, oic, adj, ship, at, ad "
    "  ORDER BY s.start_utc, s.settlement_id)) "
    "SELECT r.sid, r.cur, r.oid, r.sku, r.tt, r.oic, r.at, r.ad, r.amt, r.first_sid "
    "FROM r JOIN settlement s ON s.id = r.sref "
    "WHERE r.rn > 1 AND " PERIOD_SCOPE_SQL " "
    "ORDER BY r.sstart, r.sid, r.oid, r.sku, r.tt, r.oic, r.adj, r.ship, r.at, r.ad";

struct unmapped {
    struct mapping m;
};

/* The settlebook.json rule that would map the combination, as compact JSON. A negative sum
 * is most likely a fee, a positive one a reimbursement; the user picks the real account. */
static char *suggested_rule(const char *tt, const char *at, const char *ad, int64_t sum)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "transaction_type", tt,
                          "amount_type", at, "amount_description", ad, "account",
                          sum < 0 ? "fees_other" : "reimbursements", "tax",
                          sum < 0 ? "fees" : "none", "category",
                          sum < 0 ? "Other fees" : "Reimbursements");
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

static int unmapped_emit(struct reconcile_ctx *c, const struct mapping *m, const char *sid,
                         const char *cur, const char *tt, const char *at, const char *ad,
                         const char *mk, int64_t n, int64_t sum, struct err *e)
{
    char amt[RECONCILE_AMOUNT_MAX], expl[640], action[768];
    char *rule;
    int rc;

    if (mapping_find(m, tt, at, ad, mk))
        return 0;
    rule = suggested_rule(tt, at, ad, sum);
    if (!rule)
        return err_set(e, ERR_NOMEM, "out of memory");
    snprintf(expl, sizeof expl, "%lld line%s of %s / %s / %s (%s) sum to %s and no mapping "
             "rule covers them: they post to the suspense account.", (long long)n,
             n == 1 ? "" : "s", tt, at, ad, mk[0] ? mk : "no marketplace",
             reconcile_amount(amt, sum, cur));
    snprintf(action, sizeof action, "Add %s to \"mappings\" in settlebook.json (choose the "
             "right account), then rerun reconcile.", rule);
    free(rule);
    struct exception_row r = {
        .kind = "UNMAPPED", .severity = "error", .settlement_id = sid,
        .currency = cur, .has_actual = 1, .actual = sum, .explanation = expl, .action = action,
    };
    rc = reconcile_emit(c, &r, e);
    return rc;
}

static int unmapped_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    return unmapped_emit(c, &((struct unmapped *)c->scratch)->m, reconcile_str(st, 0),
                         reconcile_str(st, 1), reconcile_str(st, 2), reconcile_str(st, 3),
                         reconcile_str(st, 4), reconcile_str(st, 5),
                         sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7), e);
}

static int unmapped_sql(struct reconcile_ctx *c, struct err *e)
{
    struct unmapped u;
    sqlite3_stmt *st;
    int rc;
    if (mapping_load(&u.m, c->lg, c->cfg, e) < 0) {
        mapping_free(&u.m);
        return -1;
    }
    if (ledger_prepare(c->lg, &st, COMBOS, e) < 0) {
        mapping_free(&u.m);
        return -1;
    }
    c->scratch = &u;
    rc = reconcile_each(c, st, unmapped_row, e);
    c->scratch = NULL;
    mapping_free(&u.m);
    return rc;
}

/* One group of identical lines: the fields as SAME_SETTLEMENT selects them. */
struct dup_group {
    const char *order_id, *sku, *tt, *at, *ad, *posted;
    int64_t one, n, sum;
};

static int same_settlement_emit(struct reconcile_ctx *c, const char *sid, const char *cur,
                                const struct dup_group *g, struct err *e)
{
    char amt[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "%lld identical lines %s / %s / %s of %s posted %s (order %s, "
             "SKU %s) in one settlement.", (long long)g->n, g->tt, g->at, g->ad,
             reconcile_amount(amt, g->one, cur), g->posted ? g->posted : "(no date)",
             g->order_id ? g->order_id : "-", g->sku ? g->sku : "-");
    struct exception_row r = {
        .kind = "DUPLICATE_LINE", .severity = "warning", .settlement_id = sid,
        .order_id = g->order_id, .sku = g->sku, .currency = cur,
        .has_expected = 1, .expected = g->one, .has_actual = 1, .actual = g->sum,
        .explanation = expl,
        .action = "Check the order's transactions in Seller Central; if Amazon charged or paid "
                  "it twice, open a case with Selling Partner Support.",
    };
    return reconcile_emit(c, &r, e);
}

static int same_settlement_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    struct dup_group g = {
        .order_id = reconcile_col(st, 2), .sku = reconcile_col(st, 3),
        .tt = reconcile_str(st, 4), .at = reconcile_str(st, 5), .ad = reconcile_str(st, 6),
        .posted = reconcile_col(st, 10), .one = sqlite3_column_int64(st, 7),
        .n = sqlite3_column_int64(st, 8), .sum = sqlite3_column_int64(st, 9) };
    return same_settlement_emit(c, reconcile_str(st, 0), reconcile_str(st, 1), &g, e);
}

static int across_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1), *first = reconcile_str(st, 9);
    char amt[RECONCILE_AMOUNT_MAX], expl[512], action[256];
    snprintf(expl, sizeof expl, "%s / %s / %s of order-item-code %s (%s) was already settled "
             "in settlement %s.", reconcile_str(st, 4), reconcile_str(st, 6),
             reconcile_str(st, 7), reconcile_str(st, 5),
             reconcile_amount(amt, sqlite3_column_int64(st, 8), cur), first);
    snprintf(action, sizeof action, "Compare settlements %s and %s in Seller Central; if the "
             "item was paid or charged twice, claim it back from Amazon.", first,
             reconcile_str(st, 0));
    struct exception_row r = {
        .kind = "DUPLICATE_LINE", .severity = "error", .settlement_id = reconcile_str(st, 0),
        .order_id = reconcile_col(st, 2), .sku = reconcile_col(st, 3), .currency = cur,
        .has_expected = 1, .expected = 0, .has_actual = 1,
        .actual = sqlite3_column_int64(st, 8), .explanation = expl, .action = action,
    };
    return reconcile_emit(c, &r, e);
}

static int dup_settlement(struct reconcile_ctx *c, const struct rsettlement *s, struct err *e);

int reconcile_duplicates(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    int64_t n;
    if (reconcile_sql_reference()) {
        if (ledger_prepare(c->lg, &st, SAME_SETTLEMENT, e) < 0 ||
            reconcile_each(c, st, same_settlement_row, e) < 0)
            return -1;
    } else if (reconcile_settlements(c, dup_settlement, e) < 0)
        return -1;
    /* a ledger of one settlement has nothing to compare across */
    if (!reconcile_sql_reference()) {
        if (reconcile_settlement_count(c, &n, e) < 0)
            return -1;
        if (n < 2)
            return 0;
    }
    if (ledger_prepare(c->lg, &st, ACROSS_SETTLEMENTS, e) < 0)
        return -1;
    return reconcile_each(c, st, across_row, e);
}

/* ---- the streaming passes --------------------------------------------------------------- */

/* One read of a settlement's lines (RECONCILE_LINE_COLS) serves both of its line checks and
 * the fee check: the columns of the duplicate key come first (DUP_COLS, at 0..9). */
#define DUP_COLS                                                                           \
    "order_id, sku, transaction_type, amount_type, amount_description, amount_minor, "     \
    "posted, order_item_code, adjustment_id, shipment_id"
enum { DUP_NFIELDS = 10, DUP_AMOUNT = RL_AMOUNT };

/* UNMAPPED: a table of (transaction-type, amount-type, amount-description, marketplace) per
 * settlement; combinations are few, so each keeps its own copies of the texts. Open
 * addressing on a fingerprint of the four texts, compared in full on a match. */
struct combo_slot {
    uint64_t h;
    size_t len[4];
    struct rcombo c;   /* c.f[0] == NULL: a free slot */
};

struct combo_tab {
    struct combo_slot *v;
    size_t cap, n;
};

static int combo_tab_grow(struct combo_tab *t, struct err *e)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct combo_slot *v = calloc(cap, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->cap; i++)
        if (t->v[i].c.f[0]) {
            size_t j = t->v[i].h & (cap - 1);
            while (v[j].c.f[0])
                j = (j + 1) & (cap - 1);
            v[j] = t->v[i];
        }
    free(t->v);
    t->v = v;
    t->cap = cap;
    return 0;
}

/* The combination of the four texts, created (texts copied, counts zero) when new. */
static struct rcombo *combo_get(struct combo_tab *t, const char *const f[4], struct err *e)
{
    size_t len[4];
    uint64_t h = RECONCILE_FP_SEED;
    for (int i = 0; i < 4; i++) {
        len[i] = strlen(f[i]);
        h = reconcile_fp_text(h, f[i], len[i]);
    }
    h = reconcile_fp_done(h);
    if ((t->n + 1) * 2 > t->cap && combo_tab_grow(t, e) < 0)
        return NULL;
    size_t j = h & (t->cap - 1);
    for (; t->v[j].c.f[0]; j = (j + 1) & (t->cap - 1)) {
        struct combo_slot *x = &t->v[j];
        int same = x->h == h;
        for (int i = 0; same && i < 4; i++)
            same = x->len[i] == len[i] && memcmp(x->c.f[i], f[i], len[i]) == 0;
        if (same)
            return &x->c;
    }
    struct combo_slot *x = &t->v[j];
    x->h = h;
    for (int i = 0; i < 4; i++) {
        x->len[i] = len[i];
        if (!(x->c.f[i] = malloc(len[i] + 1))) {
            for (int k = 0; k < i; k++) {
                free(x->c.f[k]);
                x->c.f[k] = NULL;
            }
            err_set(e, ERR_NOMEM, "out of memory");
            return NULL;
        }
        memcpy(x->c.f[i], f[i], len[i] + 1);
    }
    t->n++;
    return &x->c;
}

static void combo_tab_free(struct combo_tab *t)
{
    for (size_t i = 0; i < t->cap; i++)
        for (int j = 0; j < 4; j++)
            free(t->v[i].c.f[j]);
    free(t->v);
    memset(t, 0, sizeof *t);
}

static int combo_cmp(const void *a, const void *b)
{
    const struct rcombo *x = a, *y = b;
    int d = 0;
    for (int i = 0; i < 4 && d == 0; i++)
        d = strcmp(x->f[i], y->f[i]);
    return d;
}

void reconcile_combos_free(struct rcombos *x)
{
    for (size_t i = 0; x->v && i < x->n; i++)
        for (int j = 0; j < 4; j++)
            free(x->v[i].f[j]);
    free(x->v);
    memset(x, 0, sizeof *x);
}

/* The table's combinations moved into out (the texts change owner), sorted. */
static int combos_take(struct combo_tab *t, struct rcombos *out, struct err *e)
{
    size_t n = 0;
    out->v = calloc(t->n ? t->n : 1, sizeof *out->v);
    if (!out->v)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->cap; i++)
        if (t->v[i].c.f[0]) {
            out->v[n++] = t->v[i].c;
            memset(&t->v[i].c, 0, sizeof t->v[i].c);
        }
    out->n = n;
    if (n > 1)
        qsort(out->v, n, sizeof *out->v, combo_cmp);
    return 0;
}

/* DUPLICATE_LINE within a settlement: a 64-bit fingerprint of each line's whole key; only the
 * lines whose fingerprint repeats are kept with their texts, grouped exactly and sorted as
 * SAME_SETTLEMENT orders them (a collision costs a second look, never a wrong row). Memory
 * stays flat: at most DUP_FP_CHUNK fingerprints are held at once, so a settlement of more
 * lines is done in k = lines / DUP_FP_CHUNK partitions (fingerprint mod k), one scan each;
 * each scan also keeps the lines of the previous partition's repeats, so k + 1 scans in all.
 * The first scan is UNMAPPED's read of the settlement (struct rdupseed carries its repeats
 * over to the duplicates check). */
#define DUP_FP_CHUNK ((int64_t)1 << 20) /* 8 MiB of fingerprints: the read that makes them
                                        * also holds the fee and refunds checks' tables */

/* DUP_FP_CHUNK, or SETTLEBOOK_RECONCILE_FP_CHUNK (a test hook: small chunks make the
 * equivalence test run the partitioned passes on small files). */
static int64_t dup_fp_chunk(void)
{
    const char *v = getenv("SETTLEBOOK_RECONCILE_FP_CHUNK");
    long long n = v ? atoll(v) : 0;
    return n > 0 ? (int64_t)n : DUP_FP_CHUNK;
}

struct dup_line {
    char *f[DUP_NFIELDS]; /* NULL for SQL NULL; f[DUP_AMOUNT] unused */
    int64_t amount;
};

struct dup_pass {
    uint64_t parts, part;  /* this scan fingerprints partition `part` (parts = none left) */
    uint64_t *fp, *cand;   /* fingerprints of `part`; repeats of the previous partition */
    size_t n, cap, ncand;
    struct dup_line *lines;
    size_t nlines, caplines;
};

/* What the first scan (UNMAPPED's) found for the duplicates check of one settlement. */
struct rdupseed {
    int64_t ref;
    uint64_t parts;
    uint64_t *cand;
    size_t ncand;
};

/* The fingerprint of a line's duplicate key (columns 0..9 of LINE_COLS / DUP_COLS). */
static uint64_t dup_fp(sqlite3_stmt *st)
{
    uint64_t h = RECONCILE_FP_SEED;
    for (int i = 0; i < DUP_NFIELDS; i++) {
        if (i == DUP_AMOUNT) {
            h = reconcile_fp_int(h, sqlite3_column_int64(st, i));
            continue;
        }
        const char *t = (const char *)sqlite3_column_text(st, i);
        h = reconcile_fp_text(h, t, t ? (size_t)sqlite3_column_bytes(st, i) : 0);
    }
    return reconcile_fp_done(h);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void u64_insertion(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Sorts v[0..n) ascending in place, with no second array (memory stays what the
 * fingerprints take): the values are moved to the buckets of their top 16 bits (American
 * flag sort: each value goes straight to its bucket's next free place), then each bucket
 * is sorted on its own; fingerprints are uniform, so buckets hold n / 65536 on average. */
static void u64_sort(uint64_t *v, size_t n)
{
    enum { BITS = 16, NB = 1 << BITS };
    static size_t start[NB + 1], next[NB];
    memset(start, 0, sizeof start);
    for (size_t i = 0; i < n; i++)
        start[(v[i] >> (64 - BITS)) + 1]++;
    for (size_t d = 0; d < NB; d++)
        start[d + 1] += start[d];
    memcpy(next, start, sizeof next);
    for (size_t d = 0; d < NB; d++)
        while (next[d] < start[d + 1]) {
            uint64_t x = v[next[d]];
            size_t b = x >> (64 - BITS);
            while (b != d) {   /* x belongs to bucket b: swap it in, take b's occupant */
                uint64_t y = v[next[b]];
                v[next[b]++] = x;
                x = y;
                b = x >> (64 - BITS);
            }
            v[next[d]++] = x;
        }
    for (size_t d = 0; d < NB; d++) {
        size_t m = start[d + 1] - start[d];
        if (m > 32)
            qsort(v + start[d], m, sizeof *v, u64_cmp);
        else if (m > 1)
            u64_insertion(v + start[d], m);
    }
}

static int dup_keep_line(struct dup_pass *p, sqlite3_stmt *st, struct err *e)
{
    if (grow_array(&p->lines, &p->caplines, p->nlines, sizeof *p->lines, 1024, e) < 0)
        return -1;
    struct dup_line *l = &p->lines[p->nlines++];
    memset(l, 0, sizeof *l);
    l->amount = sqlite3_column_int64(st, DUP_AMOUNT);
    for (int i = 0; i < DUP_NFIELDS; i++) {
        const char *t = i == DUP_AMOUNT ? NULL : reconcile_col(st, i);
        if (t && !(l->f[i] = strdup(t)))
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    return 0;
}

static int dup_scan_line(void *arg, sqlite3_stmt *st, struct err *e)
{
    struct dup_pass *p = arg;
    uint64_t h = dup_fp(st);
    if (p->ncand && bsearch(&h, p->cand, p->ncand, sizeof h, u64_cmp) &&
        dup_keep_line(p, st, e) < 0)
        return -1;
    if (p->part >= p->parts || h % p->parts != p->part)
        return 0;
    if (grow_array(&p->fp, &p->cap, p->n, sizeof *p->fp, 1024, e) < 0)
        return -1;
    p->fp[p->n++] = h;
    return 0;
}

/* Moves the fingerprints of the partition just scanned that occur more than once to cand. */
static int dup_candidates(struct dup_pass *p, struct err *e)
{
    size_t k = 0;
    if (p->n > 1)
        u64_sort(p->fp, p->n);
    for (size_t i = 1; i < p->n; i++)
        if (p->fp[i] == p->fp[i - 1] && (k == 0 || p->fp[k - 1] != p->fp[i]))
            p->fp[k++] = p->fp[i]; /* in place: k < i always */
    free(p->cand);
    p->cand = NULL;
    p->ncand = k;
    p->n = 0;
    if (k && !(p->cand = malloc(k * sizeof *p->cand)))
        return err_set(e, ERR_NOMEM, "out of memory");
    if (k)
        memcpy(p->cand, p->fp, k * sizeof *p->cand);
    return 0;
}

/* SAME_SETTLEMENT's ORDER BY: order_id, sku, the three types, amount, posted, order item,
 * adjustment, shipment (the columns are in that order). */
static int dup_cmp(const void *a, const void *b)
{
    const struct dup_line *x = a, *y = b;
    for (int i = 0; i < DUP_NFIELDS; i++) {
        int d = i == DUP_AMOUNT ? (x->amount > y->amount) - (x->amount < y->amount)
                                : reconcile_cmp_text(x->f[i], y->f[i]);
        if (d)
            return d;
    }
    return 0;
}

static int dup_emit_groups(struct reconcile_ctx *c, const struct rsettlement *s,
                           struct dup_pass *p, struct err *e)
{
    if (p->nlines > 1)
        qsort(p->lines, p->nlines, sizeof *p->lines, dup_cmp);
    for (size_t i = 0, j; i < p->nlines; i = j) {
        struct dup_group g = { .order_id = p->lines[i].f[0], .sku = p->lines[i].f[1],
                               .tt = p->lines[i].f[2], .at = p->lines[i].f[3],
                               .ad = p->lines[i].f[4], .posted = p->lines[i].f[6],
                               .one = p->lines[i].amount };
        for (j = i; j < p->nlines && dup_cmp(&p->lines[i], &p->lines[j]) == 0; j++)
            if (reconcile_add(&g.sum, p->lines[j].amount, e) < 0)
                return -1;
        g.n = (int64_t)(j - i);
        if (g.n > 1 && same_settlement_emit(c, s->id, s->currency, &g, e) < 0)
            return -1;
    }
    return 0;
}

static void dup_free(struct dup_pass *p)
{
    for (size_t i = 0; i < p->nlines; i++)
        for (int j = 0; j < DUP_NFIELDS; j++)
            free(p->lines[i].f[j]);
    free(p->lines);
    free(p->fp);
    free(p->cand);
}

/* The number of partitions of settlement s's fingerprints. */
static uint64_t dup_parts(const struct rsettlement *s)
{
    int64_t chunk = dup_fp_chunk();
    uint64_t parts = (uint64_t)((s->lines + chunk - 1) / chunk);
    return parts ? parts : 1;
}

/* Room for the fingerprints of one partition of settlement s's lines, taken at once: grown
 * by half each time, the array would reach up to half as much again, and each realloc holds
 * the old and the new copy for a moment. */
static int dup_reserve(struct dup_pass *p, const struct rsettlement *s, struct err *e)
{
    size_t per = s->lines > 0 ? (size_t)s->lines / p->parts : 0, want = per + per / 32 + 1024;
    return grow_array(&p->fp, &p->cap, want - 1, sizeof *p->fp, 1024, e);   /* up to [want-1] */
}

void reconcile_dupseeds_free(struct reconcile_ctx *c)
{
    for (size_t i = 0; i < c->ndupseeds; i++)
        free(c->dupseeds[i].cand);
    free(c->dupseeds);
    c->dupseeds = NULL;
    c->ndupseeds = 0;
}

/* The first scan's repeats of settlement ref (taken: *out owns cand), 0 when none kept. */
static int dup_seed_take(struct reconcile_ctx *c, int64_t ref, struct rdupseed *out)
{
    for (size_t i = 0; i < c->ndupseeds; i++)
        if (c->dupseeds[i].ref == ref && c->dupseeds[i].parts) {
            *out = c->dupseeds[i];
            c->dupseeds[i].cand = NULL;
            c->dupseeds[i].parts = 0;
            return 1;
        }
    return 0;
}

static int dup_settlement(struct reconcile_ctx *c, const struct rsettlement *s, struct err *e)
{
    struct dup_pass p = {0};
    struct rdupseed seed;
    int rc = 0;
    if (reconcile_settle_same(c, s->ref))
        return reconcile_settle_carry(c, s, "DUPLICATE_LINE", e);
    p.parts = dup_parts(s);
    if (dup_seed_take(c, s->ref, &seed)) {   /* partition 0 was fingerprinted already */
        p.parts = seed.parts;
        p.part = 1;
        p.cand = seed.cand;
        p.ncand = seed.ncand;
    }
    if (p.part < p.parts)
        rc = dup_reserve(&p, s, e);
    for (; rc == 0 && (p.part < p.parts || p.ncand > 0); p.part++) {
        rc = reconcile_lines_each(c, DUP_COLS, s->ref, dup_scan_line, &p, e);
        if (rc == 0)
            rc = dup_candidates(&p, e);
    }
    if (rc == 0)
        rc = dup_emit_groups(c, s, &p, e);
    dup_free(&p);
    return rc;
}

/* ---- the shared read of a settlement's lines ---------------------------------------------- */

struct line_pass {
    struct reconcile_ctx *c;
    const struct rsettlement *s;
    struct combo_tab t;
    int combos;             /* 0: none (the read is for the other checks only) */
    struct dup_pass *dup;   /* NULL: no duplicate fingerprints */
    int feed;               /* 1: the lines go to the fee, refunds and shipments checks */
    struct line_groups *groups;   /* NULL, or the sales journal's groups to fill */
};

static int line_pass_line(void *arg, sqlite3_stmt *st, struct err *e)
{
    struct line_pass *p = arg;
    struct reconcile_ctx *c = p->c;
    if (p->combos) {
        const char *f[4] = { reconcile_str(st, RL_TT), reconcile_str(st, RL_AT),
                             reconcile_str(st, RL_AD), reconcile_col(st, RL_MK) };
        if (!f[3] || !f[3][0])
            f[3] = p->s->marketplace;
        struct rcombo *x = combo_get(&p->t, f, e);
        if (!x || (x->n++, reconcile_add(&x->sum, sqlite3_column_int64(st, RL_AMOUNT), e) < 0))
            return -1;
    }
    if (p->dup && dup_scan_line(p->dup, st, e) < 0)
        return -1;
    if (p->groups) {
        const char *g[6] = { reconcile_col(st, RL_TT), reconcile_col(st, RL_AT),
                             reconcile_col(st, RL_AD), reconcile_col(st, RL_MK),
                             reconcile_col(st, RL_SKU), reconcile_col(st, RL_POSTED) };
        if (line_groups_add(p->groups, g, sqlite3_column_int64(st, RL_AMOUNT), e) < 0)
            return -1;
    }
    if (!p->feed)
        return 0;
    if ((c->fees && reconcile_fees_line(c->fees, st, e) < 0) ||
        (c->refunds && reconcile_refunds_line(c->refunds, st, e) < 0))
        return -1;
    return c->shipped ? reconcile_shipped_line(c->shipped, p->s->ref, st, e) : 0;
}

/* One read of settlement s's lines: with out, its combinations; with dup, the fingerprints
 * of partition 0 of its duplicate keys; with feed, the other checks' lines, and with
 * FEED_AND_GROUP (a settlement in scope) its sales journal's groups, kept by the ledger for
 * the journal. */
enum { FEED_AND_GROUP = 2 };
static int line_pass(struct reconcile_ctx *c, const struct rsettlement *s, struct rcombos *out,
                     struct dup_pass *dup, int feed, struct err *e)
{
    struct line_pass p = { .c = c, .s = s, .combos = out != NULL, .dup = dup, .feed = feed };
    if (feed == FEED_AND_GROUP && ledger_groups_open(c->lg, s->ref, &p.groups, e) < 0)
        return -1;
    int rc = reconcile_lines_each(c, RECONCILE_LINE_COLS, s->ref, line_pass_line, &p, e);
    ledger_groups_close(p.groups, rc == 0);
    if (rc == 0 && feed && c->shipped && (!c->fees || reconcile_fees_apart(c->fees)))
        reconcile_shipped_apart(c->shipped);
    if (out) {
        memset(out, 0, sizeof *out);
        if (rc == 0)
            rc = combos_take(&p.t, out, e);
        if (rc < 0)
            reconcile_combos_free(out);
        out->ref = s->ref;
    }
    combo_tab_free(&p.t);
    return rc;
}

int reconcile_combos(struct reconcile_ctx *c, const struct rsettlement *s, struct rcombos *out,
                     struct err *e)
{
    return line_pass(c, s, out, NULL, 0, e);
}

/* The combinations of settlement s and its duplicate check's first scan, kept in c. */
static int combos_and_seed(struct reconcile_ctx *c, const struct rsettlement *s,
                           struct rcombos *out, struct err *e)
{
    struct dup_pass p = { .parts = dup_parts(s) };
    struct rdupseed *v = realloc(c->dupseeds, (c->ndupseeds + 1) * sizeof *v);
    int rc;
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->dupseeds = v;
    rc = dup_reserve(&p, s, e);
    if (rc == 0)
        rc = line_pass(c, s, out, &p, FEED_AND_GROUP, e);
    if (rc == 0)
        rc = dup_candidates(&p, e);
    if (rc == 0) {
        c->dupseeds[c->ndupseeds++] = (struct rdupseed){ .ref = s->ref, .parts = p.parts,
                                                        .cand = p.cand, .ncand = p.ncand };
        p.cand = NULL;
    }
    dup_free(&p);
    return rc;
}

/* UNMAPPED of one settlement of the ledger (the fee check's reader: each settlement in fee
 * collecting order, which is scope order). Every settlement's lines are read here once, for
 * the fee, refunds and shipments checks (*shared); for UNMAPPED and DUPLICATE_LINE too when
 * the settlement is in scope and changed (its combinations are kept for NEW_AMOUNT_TYPE). */
static int unmapped_settlement(struct reconcile_ctx *c, const struct rsettlement *s,
                               int in_scope, void *arg, int *shared, struct err *e)
{
    struct rcombos x;
    const struct mapping *m = arg;
    struct rcombos *grown;
    *shared = 1;
    if (!in_scope)
        return line_pass(c, s, NULL, NULL, 1, e);
    if (reconcile_settle_same(c, s->ref))
        return reconcile_settle_carry(c, s, "UNMAPPED", e) < 0 ? -1
               : line_pass(c, s, NULL, NULL, FEED_AND_GROUP, e);
    grown = realloc(c->combos, (c->ncombos + 1) * sizeof *grown);
    if (!grown)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->combos = grown;
    if (combos_and_seed(c, s, &x, e) < 0)
        return -1;
    c->combos[c->ncombos++] = x;
    for (size_t i = 0; i < x.n; i++) {
        const struct rcombo *k = &x.v[i];
        if (unmapped_emit(c, m, s->id, s->currency, k->f[0], k->f[1], k->f[2], k->f[3], k->n,
                          k->sum, e) < 0)
            return -1;
    }
    return 0;
}

int reconcile_unmapped(struct reconcile_ctx *c, struct err *e)
{
    struct unmapped u;
    int rc;
    if (reconcile_sql_reference())
        return unmapped_sql(c, e);
    if (mapping_load(&u.m, c->lg, c->cfg, e) < 0) {
        mapping_free(&u.m);
        return -1;
    }
    /* the refunds are grouped and the inventory rows loaded first: the reads below give
     * them the Order lines */
    rc = reconcile_refunds_begin(c, e);
    if (rc == 0)
        rc = reconcile_shipped_begin(c, e);
    if (rc == 0)
        rc = reconcile_fees_collect(c, unmapped_settlement, &u.m, e);
    mapping_free(&u.m);
    return rc;
}
