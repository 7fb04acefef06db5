/* reconcile_fees_collect — the fee check's one pass over every settlement of the ledger (the
 * history, whatever the period): one sample per order item and fee type, the item's ItemFees
 * lines of that description summed, per unit of the quantity on the item's order lines, or
 * for the referral fee (Commission) per unit of the sales price it is a share of. Chargebacks
 * and taxes are left out (pass_through). Reads only the ledger; the samples go to SQLite
 * temp tables (see struct fees on memory). */
#include "reconcile_fees.h"
#include "reconcile_feestat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* yyyymmdd of an ISO date ("2025-08-31T...", "2025-08-31"), or fallback. */
static int32_t day_of(const char *s, int32_t fallback)
{
    int32_t d = 0;
    static const int pos[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return fallback;
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        if (s[pos[i]] < '0' || s[pos[i]] > '9')
            return fallback;
        d = d * 10 + (s[pos[i]] - '0');
    }
    return d;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* An ItemFees description that hands on what the buyer paid (a shipping or gift-wrap
 * chargeback, a facilitator tax the older layout files as a fee): no size tier or weight
 * sets it, it follows the price. SalesTaxCollectionFee is a fee. */
static int pass_through(const char *ad)
{
    return ends_with(ad, "Chargeback") ||
           ((strstr(ad, "Tax") || strstr(ad, "VAT")) && !ends_with(ad, "Fee"));
}

/* The index of fee type (at, ad), added when new. */
static int type_of(struct fees *f, const char *at, const char *ad, uint32_t *out, struct err *e)
{
    int created;
    rkey_reset(&f->k);
    if (rkey_text(&f->k, at, strlen(at), e) < 0 || rkey_text(&f->k, ad, strlen(ad), e) < 0)
        return -1;
    uint32_t *idx = rtab_get(&f->types, &f->k, &created, e);
    if (!idx)
        return -1;
    if (created) {
        if (f->ntypes >= FEE_TYPES_MAX)
            return err_set(e, ERR_INPUT, "reconcile: more than %d fee types", FEE_TYPES_MAX);
        if (reconcile_grow(&f->type, &f->captypes, f->ntypes, sizeof *f->type, e) < 0)
            return -1;
        struct fee_type *t = f->type;
        t[f->ntypes] = (struct fee_type){ strdup(at), strdup(ad), strcmp(ad, "Commission") == 0 };
        *idx = (uint32_t)f->ntypes++;
        if (!t[*idx].at || !t[*idx].ad)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    *out = *idx;
    return 0;
}

/* The index in f->grp of the group (sku, type, the settlement's currency), added when new. */
static int group_of(struct fees *f, const char *sku, uint32_t type, size_t *out,
                    struct err *e)
{
    int created;
    const char *cur = f->sett[f->nsett - 1].currency;
    rkey_reset(&f->k);
    if (rkey_text(&f->k, sku, strlen(sku), e) < 0 || rkey_int(&f->k, type, e) < 0 ||
        rkey_text(&f->k, cur, strlen(cur), e) < 0)
        return -1;
    size_t *idx = rtab_get(&f->groups, &f->k, &created, e);
    if (!idx)
        return -1;
    if (created) {
        if (reconcile_grow(&f->grp, &f->capgrp, f->ngrp, sizeof *f->grp, e) < 0)
            return -1;
        f->grp[f->ngrp] = (struct fee_group){ .sku = strdup(sku), .type = type };
        *idx = f->ngrp++;
        if (!f->grp[*idx].sku)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    *out = *idx;
    return 0;
}

/* The sample of an order item's fee lines r[0..n) of one fee type (summed; day, order and
 * line of the first), written to temp.fee_sample; dropped when the item has no quantity, no
 * positive sales price for a rate, or absurd values. */
static int sample(struct fees *f, const struct fee_item *it, const struct fee_rec *r, size_t n,
                  struct err *e)
{
    int rate = f->type[r->type].rate;
    size_t g = 0;
    struct fee_sample s = { .line = r->line, .seq = r->seq, .day = r->day,
                            .sett = (uint32_t)(f->nsett - 1) };
    for (size_t i = 0; i < n; i++)
        if (reconcile_add(&s.fee, r[i].fee, e) < 0)
            return -1;
    if (it->qty > INT32_MAX)
        return 0;
    s.qty = (int32_t)it->qty;
    s.basis = rate ? it->price : s.qty;
    if (rate && s.qty <= 0)
        s.qty = 1;   /* a rate needs no quantity; per-unit amounts are then per line */
    if (s.basis <= 0 ||
        feestat_muldiv(s.fee, rate ? FEE_RATE_SCALE : FEE_UNIT_SCALE, s.basis, &s.value) < 0 ||
        s.value > FEESTAT_VALUE_MAX || s.value < -FEESTAT_VALUE_MAX)
        return 0;
    if (group_of(f, it->sku, r->type, &g, e) < 0)
        return -1;
    f->grp[g].n++;
    f->nput++;
    sqlite3_stmt *st = f->put;
    const int64_t col[] = { (int64_t)g, s.day, (int64_t)s.seq, s.value, s.fee, s.basis, s.qty };
    sqlite3_reset(st);
    for (int i = 0; i < (int)(sizeof col / sizeof col[0]); i++)
        sqlite3_bind_int64(st, i + 1, col[i]);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(f->c->lg, e, "reconcile fees");
}

static int by_item_type(const void *a, const void *b)
{
    const struct fee_rec *x = a, *y = b;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The order read so far (its lines are adjacent): one sample per order item and fee type. */
static int order_done(struct fees *f, struct err *e)
{
    f->held = f->nrec > f->held ? f->nrec : f->held;
    if (f->nrec > 1)
        qsort(f->rec, f->nrec, sizeof *f->rec, by_item_type);
    for (size_t i = 0, j; i < f->nrec; i = j) {
        for (j = i; j < f->nrec && f->rec[j].item == f->rec[i].item &&
                    f->rec[j].type == f->rec[i].type; j++)
            ;
        if (sample(f, &f->it[f->rec[i].item], &f->rec[i], j - i, e) < 0)
            return -1;
    }
    f->nrec = 0;
    f->nit = 0;
    return 0;
}

/* The order item of the line (order item code, SKU) within its order, added when new: an
 * order holds a few items, so a list. */
static struct fee_item *item_of(struct fees *f, sqlite3_stmt *st, struct err *e)
{
    rkey_reset(&f->k);
    if (rkey_col(&f->k, st, f->col[FC_OIC], e) < 0 || rkey_col(&f->k, st, f->col[FC_SKU], e) < 0)
        return NULL;
    for (size_t i = 0; i < f->nit; i++)
        if (f->it[i].key.len == f->k.len && memcmp(f->it[i].key.buf, f->k.buf, f->k.len) == 0)
            return &f->it[i];
    if (reconcile_grow(&f->it, &f->capit, f->nit, sizeof *f->it, e) < 0)
        return NULL;
    if (f->nit == f->initit)   /* a slot never used: its key buffer starts empty */
        f->it[f->initit++] = (struct fee_item){ 0 };
    struct fee_item *it = &f->it[f->nit];
    it->qty = it->price = 0;
    rkey_reset(&it->key);
    if (rkey_col(&it->key, st, f->col[FC_OIC], e) < 0 ||
        rkey_col(&it->key, st, f->col[FC_SKU], e) < 0)
        return NULL;
    size_t n = strlen(reconcile_str(st, f->col[FC_SKU])) + 1;
    if (n > it->capsku) {
        char *p = realloc(it->sku, n);
        if (!p) {
            err_set(e, ERR_NOMEM, "out of memory");
            return NULL;
        }
        it->sku = p;
        it->capsku = n;
    }
    memcpy(it->sku, reconcile_str(st, f->col[FC_SKU]), n);
    f->nit++;
    return it;
}

/* A fee line of the order item: kept until the order's last line is read. */
static int fee_line(struct fees *f, sqlite3_stmt *st, size_t item, struct err *e)
{
    uint32_t type = 0;
    if (type_of(f, reconcile_str(st, f->col[FC_AT]), reconcile_str(st, f->col[FC_AD]), &type,
                e) < 0)
        return -1;
    if (reconcile_grow(&f->rec, &f->caprec, f->nrec, sizeof *f->rec, e) < 0)
        return -1;
    int64_t id = sqlite3_column_int64(st, f->col[FC_ID]);
    if (id < 0 || id >> FEE_SEQ_BITS || f->nsett > (size_t)1 << (62 - FEE_SEQ_BITS))
        return err_set(e, ERR_INPUT, "reconcile fees: line %lld is beyond the fee check's "
                       "reach", (long long)id);
    f->rec[f->nrec++] = (struct fee_rec){ .fee = sqlite3_column_int64(st, f->col[FC_AMOUNT]),
        .line = id,
        .seq = (uint64_t)(f->nsett - 1) << FEE_SEQ_BITS | (uint64_t)id, .item = (uint32_t)item,
        .type = type, .day = day_of(reconcile_col(st, f->col[FC_POSTED]), f->start_day) };
    return 0;
}

/* The settlement's order lines: in reading order (the index gives it, no sort), or ORDER BY
 * order id then id, so an order's lines are adjacent and only one order is held: SQLite's
 * sorter spills to its temp file, where a table of every order item of the settlement would
 * grow with it. */
#define LINES_SQL                                                                          \
    "SELECT order_id, order_item_code, sku, quantity, amount_type, amount_description, "   \
    "amount_minor, posted, id FROM settlement_line WHERE settlement_ref = ?1 AND "        \
    "transaction_type = 'Order' AND order_id <> '' AND sku <> '' AND (quantity IS NOT NULL " \
    "OR amount_type IN ('ItemFees', 'ItemPrice', 'Promotion')) ORDER BY "
static const char *const LINES[] = { LINES_SQL "id", LINES_SQL "order_id, id" };

/* One line, columns as LINES_SQL. */
static int line(struct fees *f, sqlite3_stmt *st, struct err *e)
{
    const char *at = reconcile_str(st, f->col[FC_AT]), *ad = reconcile_str(st, f->col[FC_AD]);
    int is_fee = strcmp(at, "ItemFees") == 0 && !pass_through(ad);
    /* the price Amazon's referral fee is charged on: principal, shipping, gift wrap, less
     * promotions, without tax */
    int is_price = (strcmp(at, "ItemPrice") == 0 || strcmp(at, "Promotion") == 0) &&
                   !strstr(ad, "Tax");
    struct fee_item *it;
    if (!is_fee && !is_price && sqlite3_column_type(st, f->col[FC_QTY]) == SQLITE_NULL)
        return 0;
    if (!(it = item_of(f, st, e)))
        return -1;
    if (is_fee)
        return fee_line(f, st, (size_t)(it - f->it), e);
    if (sqlite3_column_int64(st, f->col[FC_QTY]) > it->qty)
        it->qty = sqlite3_column_int64(st, f->col[FC_QTY]);
    return is_price ? reconcile_add(&it->price, sqlite3_column_int64(st, f->col[FC_AMOUNT]), e)
                    : 0;
}

/* Whether the line's order is another than the one being read (then f->order becomes it,
 * and *fp its fingerprint). */
static int new_order(struct fees *f, sqlite3_stmt *st, int *fresh, uint64_t *fp, struct err *e)
{
    const char *oid = reconcile_str(st, f->col[FC_ORDER]);
    if (reconcile_keep_text(&f->order, &f->caporder, oid, fresh, e) < 0)
        return -1;
    if (*fresh)
        *fp = reconcile_fp(oid, strlen(oid)) | 1;   /* never 0: 0 marks a free slot */
    return 0;
}

/* The columns of LINES_SQL, and of RECONCILE_LINE_COLS (the shared read of
 * reconcile_lines.c), in struct fees' column order. */
static const int OWN_COLS[FC_NCOLS] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
static const int SHARED_COLS[FC_NCOLS] = { RL_ORDER, RL_OIC, RL_SKU, RL_QTY, RL_AT, RL_AD,
                                           RL_AMOUNT, RL_POSTED, RL_ID };

/* A read of the settlement's lines starts (columns as cols). */
static void pass_begin(struct fees *f, const int *cols)
{
    f->nrec = f->nit = 0;
    f->seen.n = 0;
    f->apart = 0;
    f->col = cols;
    if (f->order)
        f->order[0] = '\0';   /* no order id is "" (LINES_SQL) */
}

/* One line of the read (one LINES_SQL selects); after f->apart, nothing more is kept. */
static int pass_line(struct fees *f, sqlite3_stmt *st, int sorted, struct err *e)
{
    int fresh, seen = 0;
    uint64_t fp = 0;
    if (f->apart)
        return 0;
    if (new_order(f, st, &fresh, &fp, e) < 0 || (fresh && order_done(f, e) < 0) ||
        (fresh && !sorted && rseen_add(&f->seen, FEE_ORDERS_MAX, fp, &seen, e) < 0))
        return -1;
    if (seen) {
        f->apart = 1;
        return 0;
    }
    return line(f, st, e);
}

static int pass_end(struct fees *f, struct err *e)
{
    return f->apart ? 0 : order_done(f, e);
}

/* One pass over the settlement's lines (LINES[sorted]); f->apart when reading order did not
 * keep each order's lines together (nothing of the pass is kept then). */
static int pass(struct fees *f, int64_t ref, int sorted, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    pass_begin(f, OWN_COLS);
    if (ledger_prepare(f->c->lg, &st, LINES[sorted], e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    while (rc == 0 && !f->apart && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = pass_line(f, st, sorted, e);
    if (rc == 0 && !f->apart && s != SQLITE_DONE)
        rc = ledger_fail(f->c->lg, e, "reconcile fees");
    if (rc == 0)
        rc = pass_end(f, e);
    sqlite3_finalize(st);
    return rc;
}

int reconcile_fees_line(struct fees *f, sqlite3_stmt *st, struct err *e)
{
    /* LINES_SQL's WHERE (a NULL order id or SKU is not <> '') */
    const char *tt = reconcile_col(st, RL_TT), *oid = reconcile_col(st, RL_ORDER);
    const char *sku = reconcile_col(st, RL_SKU), *at = reconcile_str(st, RL_AT);
    if (!tt || strcmp(tt, "Order") != 0 || !oid || !oid[0] || !sku || !sku[0])
        return 0;
    if (sqlite3_column_type(st, RL_QTY) == SQLITE_NULL && strcmp(at, "ItemFees") != 0 &&
        strcmp(at, "ItemPrice") != 0 && strcmp(at, "Promotion") != 0)
        return 0;
    return pass_line(f, st, 0, e);
}

/* The settlement's samples: in reading order when every order's lines are together there
 * (Amazon writes an order's lines as one block), else sorted by SQLite; the first pass's
 * samples are taken back then. The first pass is the fee check's own (LINES[0]) unless
 * read() read the lines itself (*shared, each given to reconcile_fees_line). */
static int settlement(struct fees *f, const struct rsettlement *x, int in_scope,
                      reconcile_fees_reader read, void *arg, struct err *e)
{
    int rc, shared = 0;
    int64_t mark = f->nput;
    char undo[96];
    for (size_t i = 0; i < f->ngrp; i++)
        f->grp[i].n0 = f->grp[i].n;
    pass_begin(f, SHARED_COLS);
    rc = read ? read(f->c, x, in_scope, arg, &shared, e) : 0;
    if (rc == 0)
        rc = shared ? pass_end(f, e) : pass(f, x->ref, 0, e);
    rseen_free(&f->seen);   /* up to FEE_ORDERS_MAX x 16 bytes: not kept for the next one */
    if (rc < 0 || !f->apart)
        return rc;
    for (size_t i = 0; i < f->ngrp; i++)
        f->grp[i].n = f->grp[i].n0;
    f->nput = mark;
    sqlite3_reset(f->put);
    snprintf(undo, sizeof undo, "DELETE FROM temp.fee_sample WHERE rowid > %lld",
             (long long)mark);
    if (ledger_exec(f->c->lg, undo, e) < 0)
        return -1;
    log_verbose("reconcile: fees: settlement %s: an order's lines are apart (or more than %zu "
                "orders), read again sorted by order", f->sett[f->nsett - 1].id, FEE_ORDERS_MAX);
    return pass(f, x->ref, 1, e);
}

/* Every settlement of the ledger, ORDER BY start_utc, settlement_id, and whether it is in
 * the period's scope. */
static const char ALL[] =
    "SELECT s.id, s.settlement_id, s.currency, s.start_utc, " PERIOD_SCOPE_SQL ", "
    "s.marketplace, s.line_count FROM settlement s ORDER BY s.start_utc, s.settlement_id";

static int collect_one(struct fees *f, sqlite3_stmt *st, reconcile_fees_reader read, void *arg,
                       struct err *e)
{
    if (reconcile_grow(&f->sett, &f->capsett, f->nsett, sizeof *f->sett, e) < 0)
        return -1;
    struct fee_sett *s = &f->sett[f->nsett++];
    *s = (struct fee_sett){ strdup(reconcile_str(st, 1)), strdup(reconcile_str(st, 2)),
                            sqlite3_column_int(st, 4) != 0 };
    if (!s->id || !s->currency)
        return err_set(e, ERR_NOMEM, "out of memory");
    f->start_day = day_of(reconcile_col(st, 3), 0);
    struct rsettlement x = { .ref = sqlite3_column_int64(st, 0), .id = s->id,
                             .currency = s->currency, .marketplace = reconcile_str(st, 5),
                             .lines = sqlite3_column_int64(st, 6) };
    return settlement(f, &x, s->in_scope, read, arg, e);
}

/* The samples as collected; a group too large to hold, in time order (pos from 1). */
static const char TABLES[] =
    "DROP TABLE IF EXISTS temp.fee_sample; DROP TABLE IF EXISTS temp.fee_ord;"
    "DROP TABLE IF EXISTS temp.fee_hit;"
    "CREATE TEMP TABLE fee_hit (grp INTEGER, sku TEXT, at TEXT, ad TEXT, sett INTEGER,"
    " line INTEGER, seq INTEGER, value INTEGER, fee INTEGER, basis INTEGER, qty INTEGER,"
    " day INTEGER, changed INTEGER, lmed INTEGER, lmad INTEGER, omed INTEGER, omad INTEGER,"
    " n INTEGER, nold INTEGER, expected INTEGER);"
    "CREATE TEMP TABLE fee_sample (grp INTEGER, day INTEGER, seq INTEGER, value INTEGER,"
    " fee INTEGER, basis INTEGER, qty INTEGER);"
    "CREATE TEMP TABLE fee_ord (pos INTEGER PRIMARY KEY, value INTEGER, fee INTEGER,"
    " basis INTEGER, seq INTEGER, qty INTEGER, day INTEGER)";
static const char PUT[] =
    "INSERT INTO temp.fee_sample (grp, day, seq, value, fee, basis, qty) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int fees_collect(struct fees *f, reconcile_fees_reader read, void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (rtab_init(&f->types, sizeof(uint32_t), e) < 0 ||
        rtab_init(&f->groups, sizeof(size_t), e) < 0 ||
        ledger_exec(f->c->lg, TABLES, e) < 0 || ledger_prepare(f->c->lg, &f->put, PUT, e) < 0 ||
        ledger_prepare(f->c->lg, &st, ALL, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, f->c->period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = collect_one(f, st, read, arg, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(f->c->lg, e, "reconcile fees");
    sqlite3_finalize(st);
    sqlite3_finalize(f->put);   /* before its table is dropped */
    f->put = NULL;
    return rc;
}

void fees_free(struct fees *f)
{
    sqlite3_finalize(f->put);
    if (f->groups.slots)
        rtab_free(&f->groups);
    if (f->types.slots)
        rtab_free(&f->types);
    for (size_t i = 0; i < f->ngrp; i++)
        free(f->grp[i].sku);
    free(f->grp);
    for (size_t i = 0; i < f->ntypes; i++) {
        free(f->type[i].at);
        free(f->type[i].ad);
    }
    free(f->type);
    for (size_t i = 0; i < f->nsett; i++) {
        free(f->sett[i].id);
        free(f->sett[i].currency);
    }
    free(f->sett);
    free(f->rec);
    for (size_t i = 0; i < f->initit; i++) {
        rkey_free(&f->it[i].key);
        free(f->it[i].sku);
    }
    free(f->it);
    free(f->order);
    rseen_free(&f->seen);
    rkey_free(&f->k);
}

int reconcile_fees_collect(struct reconcile_ctx *c, reconcile_fees_reader read, void *arg,
                           struct err *e)
{
    reconcile_fees_discard(c);
    if (!(c->fees = calloc(1, sizeof *c->fees)))
        return err_set(e, ERR_NOMEM, "out of memory");
    c->fees->c = c;
    return fees_collect(c->fees, read, arg, e);
}

void reconcile_fees_discard(struct reconcile_ctx *c)
{
    if (c->fees)
        fees_free(c->fees);
    free(c->fees);
    c->fees = NULL;
}

int reconcile_fees_apart(const struct fees *f)
{
    return f->apart;
}
