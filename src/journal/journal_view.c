/* journal_view — a settlement's final journals (and, for the orders mode, its amounts
 * resolved through the mapping rules) as plain structs, so the Xero renderers never touch
 * the ledger. Read-only. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "journal_int.h"

#define JV_PARTS_MAX 64   /* months one settlement may span */

/* The settlement's head. Its start and end are local dates (posting.timezone), like the
 * documents' dates they are quoted beside (a Reference "Amazon settlement ... (start to
 * end)"); the deposit date stays Amazon's UTC date, the one reconcile's window uses. */
static int load_head(struct ledger *lg, const struct tz *zone, int64_t ref,
                     struct journal_view *s, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(lg, &st, "SELECT settlement_id, currency, marketplace, start_utc, "
                       "end_utc, substr(deposit_utc,1,10), lines_sum_minor "
                       "FROM settlement WHERE id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? err_set(e, ERR_INTERNAL, "settlement row %lld not found",
                                          (long long)ref)
                                : ledger_fail(lg, e, "read settlement");
    }
    s->ref = ref;
    snprintf(s->id, sizeof s->id, "%s", ledger_text(st, 0));
    snprintf(s->currency, sizeof s->currency, "%s", ledger_text(st, 1));
    snprintf(s->marketplace, sizeof s->marketplace, "%s", ledger_text(st, 2));
    tz_local_date(zone, ledger_text(st, 3), "", s->start);
    tz_local_date(zone, ledger_text(st, 4), "", s->end);
    snprintf(s->deposit, sizeof s->deposit, "%s", ledger_text(st, 5));
    s->total = sqlite3_column_int64(st, 6);
    s->exp = money_exponent(s->currency);
    sqlite3_finalize(st);
    return 0;
}

static int load_lines(struct ledger *lg, struct jv_part *p, int64_t journal_id, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 16;
    int r;
    p->lines = calloc(cap, sizeof *p->lines);
    if (!p->lines || ledger_prepare(lg, &st, "SELECT role, account_code, tax_type, "
                       "tracking_name, tracking_option, category, sku, description, amount_minor,"
                       " source_lines FROM journal_line WHERE journal_id = ? ORDER BY line_no",
                       e) < 0)
        return p->lines ? -1 : err_set(e, ERR_NOMEM, "out of memory");
    sqlite3_bind_int64(st, 1, journal_id);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct jv_line *l;
        if (p->n == cap) {
            struct jv_line *q = realloc(p->lines, (cap *= 2) * sizeof *q);
            if (!q) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            p->lines = q;
        }
        l = &p->lines[p->n++];
        memset(l, 0, sizeof *l);
        snprintf(l->role, sizeof l->role, "%s", ledger_text(st, 0));
        snprintf(l->code, sizeof l->code, "%s", ledger_text(st, 1));
        snprintf(l->tax, sizeof l->tax, "%s", ledger_text(st, 2));
        snprintf(l->tname, sizeof l->tname, "%s", ledger_text(st, 3));
        snprintf(l->topt, sizeof l->topt, "%s", ledger_text(st, 4));
        snprintf(l->category, sizeof l->category, "%s", ledger_text(st, 5));
        snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 6));
        snprintf(l->description, sizeof l->description, "%s", ledger_text(st, 7));
        l->amount = sqlite3_column_int64(st, 8);
        l->sources = sqlite3_column_int64(st, 9);
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read journal lines");
}

static int load_parts(struct ledger *lg, const struct config *cfg, const struct tz *zone,
                      int64_t ref, struct journal_view *s, struct err *e)
{
    sqlite3_stmt *st;
    int64_t ids[JV_PARTS_MAX];
    int r = SQLITE_DONE;
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    if (load_head(lg, zone, ref, s, e) < 0)
        return -1;
    s->mk = config_marketplace(cfg, s->marketplace);
    if (ledger_prepare(lg, &st, "SELECT id, part, parts, month, date FROM journal WHERE "
                       "settlement_ref = ? AND state = 'final' ORDER BY part", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    s->parts = calloc(JV_PARTS_MAX, sizeof *s->parts);
    while (s->parts && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (s->n == JV_PARTS_MAX) {
            sqlite3_finalize(st);
            return err_set(e, ERR_INPUT, "settlement %s spans more than %d months", s->id,
                           JV_PARTS_MAX);
        }
        struct jv_part *p = &s->parts[s->n];
        ids[s->n++] = sqlite3_column_int64(st, 0);
        p->part = sqlite3_column_int(st, 1);
        p->parts = sqlite3_column_int(st, 2);
        snprintf(p->month, sizeof p->month, "%s", ledger_text(st, 3));
        snprintf(p->date, sizeof p->date, "%s", ledger_text(st, 4));
    }
    sqlite3_finalize(st);
    if (!s->parts)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (r != SQLITE_DONE)
        return ledger_fail(lg, e, "read journal parts");
    for (size_t i = 0; i < s->n; i++)
        if (load_lines(lg, &s->parts[i], ids[i], e) < 0)
            return -1;
    return 0;
}


/* One grouped amount resolved as the journal resolves it (journal.c map_row): the
 * marketplace of the line (else the settlement's), the rule, folded tax, the tax type. */
static void resolve(const struct journal_view *s, const struct mapping *map,
                    const struct feetax *ft, struct tz *zone, sqlite3_stmt *st,
                    struct jv_amount *l)
{
    const char *mk = ledger_text(st, 4), *tt = ledger_text(st, 1), *at = ledger_text(st, 2);
    const char *mkn = mk[0] ? mk : s->marketplace;
    const struct mapping_rule *r = mapping_find(map, tt, at, ledger_text(st, 3), mkn);
    const struct config_marketplace *m = journal_line_market(s->cfg, mk, s->marketplace);
    const struct mapping_rule *f = mapping_fold(map, r, m, tt, at, ledger_text(st, 3), mkn);
    memset(l, 0, sizeof *l);
    if (f)
        r = f; /* folded tax, as the journal folds it */
    l->vat_rate_bp = journal_vat_rate(r, m);
    snprintf(l->order_id, sizeof l->order_id, "%s", ledger_text(st, 0));
    snprintf(l->transaction_type, sizeof l->transaction_type, "%s", ledger_text(st, 1));
    snprintf(l->code, sizeof l->code, "%s", r ? r->code : s->cfg->accounts[ACCT_SUSPENSE]);
    snprintf(l->tax, sizeof l->tax, "%s", journal_tax_type(ft, map, r, f != NULL, m, tt, at,
                                                            mkn));
    snprintf(l->category, sizeof l->category, "%s", r ? r->category : "Unmapped");
    if (m) {
        snprintf(l->tname, sizeof l->tname, "%s", m->tracking_name);
        snprintf(l->topt, sizeof l->topt, "%s", m->tracking_option);
    }
    snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 5));
    /* Amazon describes a whole-transaction amount (a ServiceFee's Cost of Advertising) as
     * "TransactionTotalAmount", which names nothing on a document line: its type does */
    snprintf(l->description, sizeof l->description, "%s",
             strcmp(ledger_text(st, 3), "TransactionTotalAmount") ? ledger_text(st, 3) : at);
    tz_local_date(zone, ledger_text(st, 6), s->end, l->date);
    l->amount = sqlite3_column_int64(st, 7);
    l->quantity = sqlite3_column_int64(st, 8);
    l->sources = sqlite3_column_int64(st, 9);
    if (f) {
        l->vat = l->amount;
        l->vat_rows = l->sources;
        l->folded = 1;
    }
    if (r && r->tax == TAX_SALES && m && m->tax[TAX_SALES][0] &&
        strcmp(m->tax[TAX_SALES], "NONE") != 0)
        l->mk = m;
    l->withheld = journal_rule_withheld(r, m, ledger_text(st, 3));
    l->principal = !strcmp(at, "ItemPrice") && !strcmp(ledger_text(st, 3), "Principal");
    l->promo = r && r->role == ACCT_PROMOTIONS;
}

/* A deemed supply's tax amount leaves its sales line for the facilitator-tax rule, as the
 * journal books it (journal.c map_row); it stays on the order's document. */
static void undo_fold(const struct journal_view *s, const struct mapping *map,
                      struct jv_amount *l)
{
    const char *mkn = l->mk && l->mk->name[0] ? l->mk->name : s->marketplace;
    const struct mapping_rule *d = journal_deemed_rule(map, l->transaction_type,
                                                       l->description, mkn);
    if (!d)
        return;
    snprintf(l->code, sizeof l->code, "%s", d->code);
    snprintf(l->tax, sizeof l->tax, "%s", mapping_tax_type(map, d, mkn));
    snprintf(l->category, sizeof l->category, "%s", d->category);
    l->vat = l->vat_rows = 0;
    l->vat_rate_bp = 0;
    l->folded = 0;
    l->mk = NULL;
    l->deemed = 1;
}

/* The description a folded tax amount belongs to, as mapping_fold finds its rule: without
 * "Tax" (ShippingTax -> Shipping), Principal when nothing is left. */
static void tax_base(const char *desc, char *out, size_t cap)
{
    const char *p = strstr(desc, "Tax");
    if (!p)
        snprintf(out, cap, "%s", desc);
    else
        snprintf(out, cap, "%.*s%s", (int)(p - desc), desc, p + 3);
    if (!out[0])
        snprintf(out, cap, "Principal");
}

static int same_line(const struct jv_amount *a, const struct jv_amount *b)
{
    return !strcmp(a->code, b->code) && !strcmp(a->tax, b->tax) &&
           !strcmp(a->category, b->category) && !strcmp(a->tname, b->tname) &&
           !strcmp(a->topt, b->topt) && !strncmp(a->date, b->date, 7);
}

/* Folds each order's tax amounts [lo, hi) (one order, transaction type and SKU) into the
 * amount they belong to: the one with their base description, else any of the same line.
 * A folded amount found no home for stays a line of its own (still tax-inclusive). */
static void fold_block(struct jv_amount *v, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++) {
        char base[96];
        size_t to = hi;
        if (!v[i].folded || !v[i].amount)
            continue;
        tax_base(v[i].description, base, sizeof base);
        for (size_t k = lo; k < hi; k++)
            if (!v[k].folded && same_line(&v[i], &v[k]) &&
                (to == hi || !strcmp(v[k].description, base)))
                to = k;
        if (to == hi)
            continue;
        v[to].amount += v[i].amount;
        v[to].vat += v[i].vat;
        v[to].sources += v[i].sources;
        v[to].vat_rows += v[i].vat_rows;
        if (strcmp(v[i].date, v[to].date) < 0)
            snprintf(v[to].date, sizeof v[to].date, "%s", v[i].date);
        v[i].amount = v[i].vat = 0;   /* an empty amount renders no line */
    }
}

/* The class of one tax-inclusive sales amount (journal_rates.c): the rate Amazon charged;
 * an untaxed one is zero-rated only when the settlement itemises its marketplace's VAT. */
static int amount_class(const struct journal_view *s, const struct jv_amount *a,
                        const unsigned char *itemised)
{
    int cls = journal_rate_class(a->amount - a->vat, a->vat, a->vat_rows, a->mk->vat_rate_bp,
                                 a->mk->vat_rate_reduced_bp);
    if (cls == RATE_ZERO && !itemised[a->mk - s->cfg->marketplaces])
        cls = RATE_STANDARD;
    return cls;
}

/* Each tax-inclusive sales line of the block [lo, hi) (one order, transaction type and
 * SKU; its tax folded in) gets the tax type of the rate Amazon charged on it, as the
 * journal gives its order lines; a promotion without a tax row of its own the principal's. */
static void classify(const struct journal_view *s, struct jv_amount *v, size_t lo, size_t hi,
                     const unsigned char *itemised)
{
    int pcls = -1;
    for (size_t i = lo; i < hi && pcls < 0; i++)
        if (v[i].mk && !v[i].folded && v[i].principal && v[i].amount)
            pcls = amount_class(s, &v[i], itemised);
    for (size_t i = lo; i < hi; i++) {
        int cls, borrowed;
        if (!v[i].mk || v[i].folded || !v[i].amount)
            continue;
        borrowed = v[i].promo && v[i].vat_rows == 0 && pcls >= 0;
        cls = borrowed ? pcls : amount_class(s, &v[i], itemised);
        if (cls != RATE_STANDARD) {
            snprintf(v[i].tax, sizeof v[i].tax, "%s", journal_rate_tax(v[i].mk, cls, v[i].tax));
            v[i].vat_rate_bp = journal_rate_bp(v[i].mk, cls, v[i].vat_rate_bp);
        }
        if (borrowed || (!itemised[v[i].mk - s->cfg->marketplaces] && v[i].vat_rows == 0))
            v[i].vat_rate_bp = 0;   /* Amazon gave no VAT to check the line against */
    }
}

/* A block Amazon withheld facilitator tax in is a deemed supply: its sales zero-rated, its
 * tax rows on the facilitator-tax rule; 0 when it is none. Otherwise its sales tax rows
 * mark their marketplace's VAT as itemised. */
static int deem(const struct journal_view *s, const struct mapping *map, struct jv_amount *v,
                size_t lo, size_t hi, unsigned char *itemised)
{
    size_t i = lo;
    while (i < hi && !v[i].withheld)
        i++;
    if (i == hi) {
        for (i = lo; i < hi; i++)
            if (v[i].folded && v[i].mk)
                itemised[v[i].mk - s->cfg->marketplaces] = 1;
        return 0;
    }
    for (i = lo; i < hi; i++) {
        if (!v[i].mk)
            continue;
        if (v[i].folded) {
            undo_fold(s, map, &v[i]);
            continue;
        }
        snprintf(v[i].tax, sizeof v[i].tax, "%s", journal_rate_tax(v[i].mk, RATE_DEEMED,
                                                                   v[i].tax));
        v[i].vat_rate_bp = 0;
        v[i].mk = NULL;   /* classified */
    }
    return 1;
}

/* The end of the block starting at lo: one order, transaction type and SKU. */
static size_t block_end(const struct journal_view *s, size_t lo)
{
    const struct jv_amount *a = &s->amounts[lo];
    size_t i = lo + 1;
    while (i < s->n_amounts && !strcmp(s->amounts[i].order_id, a->order_id) &&
           !strcmp(s->amounts[i].transaction_type, a->transaction_type) &&
           !strcmp(s->amounts[i].sku, a->sku))
        i++;
    return i;
}

/* Deemed supplies first (they decide which tax rows itemise VAT), then each order's tax
 * folded into its lines, then every line classified. */
static int fold_orders(struct journal_view *s, const struct mapping *map, struct err *e)
{
    unsigned char *itemised = calloc(s->cfg->n_marketplaces + 1, 1);
    if (!itemised)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t lo = 0, hi; lo < s->n_amounts; lo = hi) {
        hi = block_end(s, lo);
        if (s->amounts[lo].order_id[0] && !deem(s, map, s->amounts, lo, hi, itemised))
            fold_block(s->amounts, lo, hi);
    }
    for (size_t i = 0; i < s->cfg->n_marketplaces; i++)   /* vat_itemised yes / no */
        if (s->cfg->marketplaces[i].vat_itemised != VAT_ITEMISED_AUTO)
            itemised[i] = s->cfg->marketplaces[i].vat_itemised == VAT_ITEMISED_YES;
    for (size_t lo = 0, hi; lo < s->n_amounts; lo = hi) {
        hi = block_end(s, lo);
        if (s->amounts[lo].order_id[0])
            classify(s, s->amounts, lo, hi, itemised);
    }
    free(itemised);
    return 0;
}

/* An amount whose month has no journal part was moved out of a locked month when the
 * journals were built (journal_lock_move: to the next open month, on its first day). The
 * journals themselves say where it went, whatever is locked now: the first part after its
 * month, since no part can lie between a locked month and the next open one. Dating the
 * amount there gives each month's documents exactly that part's lines. */
static void follow_parts(struct journal_view *s)
{
    for (size_t i = 0; i < s->n_amounts; i++) {
        struct jv_amount *a = &s->amounts[i];
        const struct jv_part *to = NULL;
        for (size_t k = 0; k < s->n && !to; k++)
            if (!strncmp(s->parts[k].month, a->date, 7))
                to = &s->parts[k];
        if (to)
            continue;
        for (size_t k = 0; k < s->n && !to; k++)
            if (strncmp(s->parts[k].month, a->date, 7) > 0)
                to = &s->parts[k];
        if (!to)
            to = &s->parts[s->n - 1];   /* cannot happen with consistent journals */
        snprintf(a->date, sizeof a->date, "%.7s-01", to->month);
    }
}

static int load_amounts(struct ledger *lg, struct journal_view *s, const struct mapping *map,
                        struct tz *zone, struct err *e)
{
    sqlite3_stmt *st;
    struct feetax ft;
    size_t cap = 0;
    int rc = 0, r;
    if (journal_feetax_load(lg, s->cfg, map, s->ref, s->marketplace, &ft, e) < 0)
        return -1;
    if (ledger_prepare(lg, &st, "SELECT COALESCE(order_id,''), transaction_type, "
                       "amount_type, amount_description, COALESCE(marketplace,''), "
                       "COALESCE(sku,''), MIN(COALESCE(posted,'')), SUM(amount_minor), "
                       "SUM(CASE WHEN amount_description = 'Principal' THEN "
                       "COALESCE(quantity, 0) ELSE 0 END), COUNT(*) FROM settlement_line "
                       "WHERE settlement_ref = ?1 GROUP BY 1, 2, 3, 4, 5, 6, "
                       "substr(COALESCE(posted,''), 1, ?2) ORDER BY 1, 2, 6, 3, 4, 5, 7", e) < 0) {
        journal_feetax_free(&ft);
        return -1;
    }
    sqlite3_bind_int64(st, 1, s->ref);
    /* per day (per minute outside UTC, as the journal groups), so the renderer can give
     * each month's documents exactly that month's lines */
    sqlite3_bind_int(st, 2, tz_is_utc(zone) ? 10 : 16);
    while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (s->n_amounts == cap) {
            size_t c = cap ? cap * 2 : 64;
            struct jv_amount *p = realloc(s->amounts, c * sizeof *p);
            if (!p) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            s->amounts = p;
            cap = c;
        }
        resolve(s, map, &ft, zone, st, &s->amounts[s->n_amounts++]);
    }
    sqlite3_finalize(st);
    journal_feetax_free(&ft);
    if (rc == 0 && r != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read settlement amounts");
    if (rc == 0)
        rc = fold_orders(s, map, e);
    if (rc == 0)
        follow_parts(s);
    if (rc == 0)
        rc = journal_restock_units(lg, s, e);
    return rc;
}

/* The statement line showing the payout; for a negative settlement nothing arrives. A
 * foreign settlement paid into the base currency's account is found by Amazon's name and
 * the window (its amount is the converted one). */
static int load_statement(struct ledger *lg, struct journal_view *s, struct err *e)
{
    sqlite3_stmt *st;
    int r, base = s->converted = config_bank_converted(s->cfg, s->currency);
    if (s->total <= 0)
        return 0;
    if (ledger_prepare(lg, &st, base ? JOURNAL_STATEMENT_BASE_SQL : JOURNAL_STATEMENT_SQL,
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, base ? s->cfg->base_currency : s->currency, -1, SQLITE_STATIC);
    if (!base)
        sqlite3_bind_int64(st, 2, s->total);
    sqlite3_bind_text(st, 3, s->deposit, -1, SQLITE_STATIC);
    if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(s->statement_date, sizeof s->statement_date, "%s", ledger_text(st, 0));
        s->statement_base = base ? sqlite3_column_int64(st, 1) : 0;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ledger_fail(lg, e, "find statement line");
    /* A document sent before the statement showed the rate was converted at Xero's daily
     * rate; re-rendering it with a rate would change what Xero already holds. */
    if (ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM outbox_posted WHERE "
                       "settlement_id = ?1 AND path IN ('/Invoices', '/CreditNotes') AND "
                       "instr(body, '\"CurrencyRate\"') = 0)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    if ((r = sqlite3_step(st)) == SQLITE_ROW)
        s->rate_frozen = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? 0 : ledger_fail(lg, e, "read the posted documents");
}

/* The previous settlement of the chain and this one's "Payable to Amazon" lines: what the
 * summary mode needs to pay a negative settlement's bill from the clearing account. */
static int load_chain(struct ledger *lg, struct journal_view *s, struct tz *zone,
                      struct err *e)
{
    sqlite3_stmt *st;
    int64_t pref = 0;
    int r;
    if (ledger_prepare(lg, &st, JOURNAL_PAYABLE_SQL, e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->ref);
    if ((r = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_int64(st, 2) > 0) {
        s->payable = sqlite3_column_int64(st, 0);
        tz_local_date(zone, ledger_text(st, 1), s->start, s->payable_date);
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW)
        return ledger_fail(lg, e, "read Payable to Amazon lines");
    if (ledger_prepare(lg, &st, JOURNAL_PREVIOUS_SQL, e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->ref);
    if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        pref = sqlite3_column_int64(st, 0);
        snprintf(s->prev.id, sizeof s->prev.id, "%s", ledger_text(st, 1));
        s->prev.total = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ledger_fail(lg, e, "find the previous settlement");
    if (!pref)
        return 0;
    if (ledger_prepare(lg, &st, "SELECT COALESCE(MAX(parts), 0) FROM journal WHERE "
                       "settlement_ref = ? AND state = 'final'", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, pref);
    if ((r = sqlite3_step(st)) == SQLITE_ROW)
        s->prev.parts = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return r == SQLITE_ROW ? 0 : ledger_fail(lg, e, "read the previous settlement's parts");
}

int journal_view_load(struct ledger *lg, const struct config *cfg, int64_t ref, int amounts,
                      struct journal_view *s, struct err *e)
{
    struct mapping map;
    struct tz *zone = NULL;
    int rc;
    if (tz_open(&zone, cfg->timezone, e) < 0)
        return -1;
    rc = load_parts(lg, cfg, zone, ref, s, e) < 0 || load_statement(lg, s, e) < 0 ||
         load_chain(lg, s, zone, e) < 0 ? -1 : 0;
    if (rc == 0 && amounts && s->n > 0) {
        if (mapping_load(&map, lg, cfg, e) < 0)
            rc = -1;
        else {
            rc = load_amounts(lg, s, &map, zone, e);
            mapping_free(&map);
        }
    }
    tz_free(zone);
    return rc;
}

void journal_view_free(struct journal_view *s)
{
    if (!s)
        return;
    if (s->parts)
        for (size_t i = 0; i < s->n; i++)
            free(s->parts[i].lines);
    free(s->parts);
    free(s->amounts);
    s->parts = NULL;
    s->amounts = NULL;
    s->n = s->n_amounts = 0;
}

int journal_months(struct ledger *lg, char (**out)[8], size_t *n, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    *out = NULL;
    *n = 0;
    if (ledger_prepare(lg, &st, "SELECT DISTINCT month FROM journal ORDER BY month", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            char (*p)[8] = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            *out = p;
        }
        memcpy((*out)[(*n)++], sqlite3_column_text(st, 0), 8);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return ledger_fail(lg, e, "list journal months");
    }
    return 0;
}
