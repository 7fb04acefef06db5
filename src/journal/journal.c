/* journal — builds the month parts of each settlement from grouped amount lines (SQL does
 * the per-line work, C maps the few distinct combinations), adds carried-forward and
 * clearing lines, and writes them only when their content changed. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

/* Lines read in the order an accountant expects: revenue, its reductions, taxes, fees,
 * balances; categories from user rules come after the built-in ones. */
static int category_rank(const char *c)
{
    static const char *const order[] = {
        "Sales", "Shipping", "Gift wrap", "Promotions", "Refunds", "Sales tax",
        "Marketplace facilitator tax", "Reimbursements", "Liquidations", "Selling fees",
        "FBA fees", "Storage fees", "Advertising", "Subscription", "Other fees", "Fee tax",
        "Reserve", "Payable to Amazon", "Card charge", "Amazon balance", "Unmapped",
    };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (strcmp(order[i], c) == 0)
            return (int)i;
    return 100;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct jentry *x = a, *y = b;
    int c;
    if ((c = strcmp(x->month, y->month)) ||
        (c = category_rank(x->category) - category_rank(y->category)) ||
        (c = strcmp(x->category, y->category)) ||
        (c = strcmp(x->code, y->code)) || (c = strcmp(x->tax, y->tax)) ||
        (c = strcmp(x->tname, y->tname)) || (c = strcmp(x->topt, y->topt)))
        return c;
    return strcmp(x->sku, y->sku);
}

/* Appends an entry, or folds it into the previous one when the key is the same: grouped rows
 * arrive sorted by combination and time, so consecutive rows mostly share a journal line and
 * memory stays proportional to the journal, not to the file. */
static int add_entry(struct jbuild *b, const struct jentry *x, struct err *e)
{
    if (b->n > 0 && entry_cmp(&b->v[b->n - 1], x) == 0) {
        b->v[b->n - 1].count += x->count;
        return money_add(&b->v[b->n - 1].vat, x->vat, e) < 0 ||
               money_add(&b->v[b->n - 1].unchecked, x->unchecked, e) < 0 ? -1
             : money_add(&b->v[b->n - 1].amount, x->amount, e);
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct jentry *p = realloc(b->v, cap * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        b->v = p;
        b->cap = cap;
    }
    b->v[b->n++] = *x;
    return 0;
}

/* Sorts entries and merges equal keys. */
static int merge_entries(struct jbuild *b, struct err *e)
{
    size_t o = 0;
    if (b->n > 1)
        qsort(b->v, b->n, sizeof *b->v, entry_cmp);
    for (size_t i = 0; i < b->n; i++) {
        if (o > 0 && entry_cmp(&b->v[o - 1], &b->v[i]) == 0) {
            if (money_add(&b->v[o - 1].amount, b->v[i].amount, e) < 0 ||
                money_add(&b->v[o - 1].vat, b->v[i].vat, e) < 0 ||
                money_add(&b->v[o - 1].unchecked, b->v[i].unchecked, e) < 0)
                return -1;
            b->v[o - 1].count += b->v[i].count;
        } else {
            b->v[o++] = b->v[i];
        }
    }
    b->n = o;
    return 0;
}

/* Resolves one grouped row into an entry: month (after locks), account, tax, tracking. */
static int map_row(struct jctx *j, const char *const *g, int64_t amount, int64_t count,
                   int cls, struct err *e)
{
    struct jentry x;
    const char *tt = g[0], *at = g[1], *desc = g[2], *mk = g[3];
    const struct config_marketplace *m = journal_line_market(j->cfg, mk, j->s.marketplace);
    const char *mkn = mk[0] ? mk : j->s.marketplace;
    const struct mapping_rule *r, *f;
    char date[11], month[8];
    int unchecked = cls & RATE_UNCHECKED;

    cls &= ~RATE_UNCHECKED;
    memset(&x, 0, sizeof x);
    r = mapping_find(j->map, tt, at, desc, mkn);
    f = mapping_fold(j->map, r, m, tt, at, desc, mkn);
    tz_local_date(j->zone, g[5], j->s.end_date, date);
    snprintf(month, sizeof month, "%.7s", date);
    x.amount = amount;
    x.count = count;
    if (journal_lock_move(j, month, x.amount, x.count, x.month, e) < 0)
        return -1;
    if (f && cls == RATE_DEEMED) {
        /* a deemed supply's tax: Amazon withheld it, it nets with the withholding */
        const struct mapping_rule *d = journal_deemed_rule(j->map, tt, desc, mkn);
        r = d ? d : r;
        f = NULL;
    } else if (f) {
        x.vat = x.amount;
        r = f;
    }
    x.vat_rate_bp = journal_vat_rate(r, m);
    if (r) {
        /* A line mapped to the clearing or carried-forward account ("Payable to Amazon")
         * is an ordinary document line, never the part's own payout or rollover line. */
        int own = r->role == ACCT_CLEARING || r->role == ACCT_CARRIED_FORWARD;
        snprintf(x.role, sizeof x.role, "%s", r->role >= 0 && !own
                                              ? config_account_name(r->role) : "code");
        snprintf(x.code, sizeof x.code, "%s", r->code);
        const char *tax = journal_tax_type(&j->feetax, j->map, r, f != NULL, m, tt, at, mkn);
        if (r->tax == TAX_SALES && !f && unchecked)
            x.unchecked = x.amount;   /* Amazon gave no VAT to check it against */
        if (r->tax == TAX_SALES && cls != RATE_STANDARD) {
            /* Amazon charged this order line another rate: its own tax type */
            tax = journal_rate_tax(m, cls, tax);
            x.vat_rate_bp = journal_rate_bp(m, cls, x.vat_rate_bp);
            x.rate_cls = cls == RATE_DEEMED ? RATE_ZERO : cls;   /* labelled zero-rated */
        }
        snprintf(x.tax, sizeof x.tax, "%s", tax);
        snprintf(x.category, sizeof x.category, "%s", r->category);
    } else {
        snprintf(x.role, sizeof x.role, "suspense");
        snprintf(x.code, sizeof x.code, "%s", j->cfg->accounts[ACCT_SUSPENSE]);
        snprintf(x.tax, sizeof x.tax, "%s", m ? m->tax[TAX_NONE] : "NONE");
        snprintf(x.category, sizeof x.category, "Unmapped");
        j->sum->unmapped_lines += x.count;
    }
    if (m) {
        snprintf(x.tname, sizeof x.tname, "%s", m->tracking_name);
        snprintf(x.topt, sizeof x.topt, "%s", m->tracking_option);
    }
    snprintf(x.sku, sizeof x.sku, "%s", g[4]);
    return add_entry(&j->b, &x, e);
}

/* The settlement's lines summed per key (line_groups.c), taken from the ledger when the
 * reconcile checks grouped them as they read the same lines, else read here. The query it
 * replaces:
 *   SELECT transaction_type, amount_type, amount_description, COALESCE(marketplace,''),
 *     substr(COALESCE(posted,''),1,?2), COALESCE(sku,'') or '', SUM(amount_minor), COUNT(*)
 *   FROM settlement_line WHERE settlement_ref = ?1 GROUP BY 1,2,3,4,[6,]5 */
/* The posted time's characters a group keeps: the day in UTC, the minute elsewhere. */
static int group_cut(const struct tz *zone)
{
    return tz_is_utc(zone) ? 10 : 16;
}

static int group_lines(struct jctx *j, struct line_groups *g, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0, cut = group_cut(j->zone), by_sku = j->cfg->group_by_sku;
    if (ledger_groups_take(j->lg, j->s.ref, by_sku, cut, g)) {
        j->sum->lines_kept++;
        return 0;
    }
    line_groups_init(g, by_sku, cut);
    if (ledger_prepare(j->lg, &st, "SELECT transaction_type, amount_type, amount_description, "
                       "marketplace, sku, posted, amount_minor FROM settlement_line WHERE "
                       "settlement_ref = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, j->s.ref);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *f[6];
        for (int k = 0; k < 6; k++)
            f[k] = (const char *)sqlite3_column_text(st, k);
        rc = line_groups_add(g, f, sqlite3_column_int64(st, 6), e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(j->lg, e, "group settlement lines");
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    line_groups_finish(g);
    return 0;
}

int journal_line_groups(const struct config *cfg, int *by_sku, int *cut, struct err *e)
{
    struct tz *zone = NULL;
    *by_sku = cfg->group_by_sku;
    *cut = 10;
    if (journal_rates_wanted(cfg))
        return 0;              /* several VAT rates: SQL groups, with the rate class */
    if (tz_open(&zone, cfg->timezone, e) < 0)
        return -1;
    *cut = group_cut(zone);
    tz_free(zone);
    return 1;
}

/* When a marketplace's sales carry several VAT rates, the rate class of each order line is
 * one more grouping key, from the rates table journal_rates_prepare filled: SQL groups
 * (a few more rows than the C pass gives, in the same order: tt, at, ad, mk, [sku,] time,
 * class). In UTC the posted date decides the month; elsewhere minute precision keeps even
 * half-hour zones exact. */
static int collect_rates(struct jctx *j, struct err *e)
{
    sqlite3_stmt *st;
    char sql[1024];
    int rc = 0;
    snprintf(sql, sizeof sql, "SELECT l.transaction_type, l.amount_type, "
             "l.amount_description, COALESCE(l.marketplace,''), "
             "substr(COALESCE(l.posted,''),1,?2), %s, SUM(l.amount_minor), COUNT(*), %s "
             "FROM settlement_line l %s WHERE l.settlement_ref = ?1 GROUP BY 1,2,3,4,%s5,9",
             j->cfg->group_by_sku ? "COALESCE(l.sku,'')" : "''", RATE_CLASS_SQL,
             JOURNAL_RATE_JOIN, j->cfg->group_by_sku ? "6," : "");
    if (ledger_prepare(j->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_int(st, 2, tz_is_utc(j->zone) ? 10 : 16);
    sqlite3_bind_int64(st, 1, j->s.ref);
    while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *g[6] = { ledger_text(st, 0), ledger_text(st, 1), ledger_text(st, 2),
                             ledger_text(st, 3), ledger_text(st, 5), ledger_text(st, 4) };
        rc = map_row(j, g, sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
                     sqlite3_column_int(st, 8), e) < 0 ? -1 : 0;
    }
    if (rc != SQLITE_DONE && rc != -1)
        rc = ledger_fail(j->lg, e, "group settlement lines");
    else if (rc == SQLITE_DONE)
        rc = 0;
    sqlite3_finalize(st);
    return rc < 0 ? -1 : merge_entries(&j->b, e);
}

static int collect(struct jctx *j, struct err *e)
{
    struct line_groups g;
    int rc = 0, rates = 0;
    j->rated = journal_rates_wanted(j->cfg);
    if (j->rated &&
        (rates = journal_rates_prepare(j->lg, j->cfg, j->map, "settlement_line",
                                       "l.settlement_ref = ?1", j->s.ref, NULL,
                                       j->s.marketplace, e)) < 0)
        return -1;
    if (rates)
        return journal_feetax_load(j->lg, j->cfg, j->map, j->s.ref, j->s.marketplace,
                                   &j->feetax, e) < 0 ? -1 : collect_rates(j, e);
    memset(&g, 0, sizeof g);
    rc = group_lines(j, &g, e) < 0 ||
         journal_feetax_groups(j->cfg, j->map, &g, j->s.marketplace, &j->feetax, e) < 0 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < g.n; i++) {
        const struct line_group *x = &g.v[i];
        /* map_row's order: tt, at, ad, mk, sku, time */
        rc = map_row(j, x->f, x->sum, x->count, RATE_STANDARD, e);
    }
    line_groups_free(&g);
    return rc < 0 ? -1 : merge_entries(&j->b, e);
}

static int load_settlement(struct jctx *j, int64_t ref, struct err *e)
{
    sqlite3_stmt *st;
    char in[256];
    if (ledger_prepare(j->lg, &st, "SELECT s.settlement_id, s.currency, s.marketplace, "
                       "s.end_utc, s.deposit_utc, s.lines_sum_minor, f.sha256 FROM settlement s"
                       " JOIN source_file f ON f.id = s.source_file_id WHERE s.id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set(e, ERR_INTERNAL, "settlement row %lld vanished", (long long)ref);
    }
    memset(&j->s, 0, sizeof j->s);
    j->s.ref = ref;
    snprintf(j->s.id, sizeof j->s.id, "%s", ledger_text(st, 0));
    snprintf(j->s.currency, sizeof j->s.currency, "%s", ledger_text(st, 1));
    snprintf(j->s.marketplace, sizeof j->s.marketplace, "%s", ledger_text(st, 2));
    j->s.exp = money_exponent(j->s.currency);
    j->s.lines_sum = sqlite3_column_int64(st, 5);
    tz_local_date(j->zone, ledger_text(st, 3), ledger_text(st, 3), j->s.end_date);
    tz_local_date(j->zone, ledger_text(st, 4), ledger_text(st, 4), j->s.deposit_date);
    snprintf(in, sizeof in, "%s|%s|%d|%s", ledger_text(st, 6), j->cfg->hash, ledger_schema_version(),
             SETTLEBOOK_VERSION);
    hash_hex(in, strlen(in), j->s.input_sha256);
    sqlite3_finalize(st);
    return 0;
}

static int build_one(struct jctx *j, int64_t ref, struct err *e)
{
    int same;
    j->b.n = 0;
    j->moves_n = 0;
    if (load_settlement(j, ref, e) < 0 || (same = journal_inputs_same(j, e)) < 0)
        return -1;
    if (same) {
        j->sum->unchanged++;
        return journal_clear_changed(j, e);
    }
    int rc = collect(j, e) < 0 || journal_store(j, e) < 0 ? -1 : journal_vat_check(j, e);
    journal_feetax_free(&j->feetax);
    return rc;
}

int journal_run(struct ledger *lg, const struct config *cfg, const char *period,
                struct journal_summary *out, struct err *e)
{
    struct jctx j = { .lg = lg, .cfg = cfg, .sum = out };
    struct mapping map;
    sqlite3_stmt *st = NULL;
    int64_t *refs = NULL;
    size_t n = 0, cap = 0;
    int rc = -1, s = SQLITE_DONE;

    memset(out, 0, sizeof *out);
    if (journal_events_match(lg, e) < 0)
        return -1;
    if (mapping_load(&map, lg, cfg, e) < 0)
        return -1;
    j.map = &map;
    if (tz_open(&j.zone, cfg->timezone, e) < 0)
        goto done;
    if (ledger_prepare(lg, &st, "SELECT s.id FROM settlement s WHERE " PERIOD_SCOPE_SQL
                       " ORDER BY s.start_utc, s.settlement_id", e) < 0)
        goto done;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            int64_t *p = realloc(refs, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) {
                err_set(e, ERR_NOMEM, "out of memory");
                goto done;
            }
            refs = p;
        }
        refs[n++] = sqlite3_column_int64(st, 0);
    }
    if (s != SQLITE_DONE) {
        ledger_fail(lg, e, "list settlements to journal");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (build_one(&j, refs[i], e) < 0) {
            err_prefix(e, "settlement %s: ", j.s.id);
            goto done;
        }
    out->settlements = (int64_t)n;
    if (out->lines_kept)
        log_verbose("journal: %lld settlement(s) grouped as the reconcile checks read them",
                    (long long)out->lines_kept);
    rc = 0;
done:
    sqlite3_finalize(st);
    free(refs);
    free(j.b.v);
    tz_free(j.zone);
    mapping_free(&map);
    return rc;
}
