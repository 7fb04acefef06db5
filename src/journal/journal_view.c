/* journal_view — a settlement's final journals (and, for the orders mode, its amounts
 * resolved through the mapping rules) as plain structs, so the Xero renderers never touch
 * the ledger. Read-only. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"

#define JV_PARTS_MAX 64   /* months one settlement may span */

static int load_head(struct ledger *lg, int64_t ref, struct journal_view *s, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(lg, &st, "SELECT settlement_id, currency, marketplace, substr(start_utc,"
                       "1,10), substr(end_utc,1,10), substr(deposit_utc,1,10), lines_sum_minor "
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
    snprintf(s->start, sizeof s->start, "%s", ledger_text(st, 3));
    snprintf(s->end, sizeof s->end, "%s", ledger_text(st, 4));
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

static int load_parts(struct ledger *lg, const struct config *cfg, int64_t ref,
                      struct journal_view *s, struct err *e)
{
    sqlite3_stmt *st;
    int64_t ids[JV_PARTS_MAX];
    int r = SQLITE_DONE;
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    if (load_head(lg, ref, s, e) < 0)
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


/* The marketplace a line's tax type and tracking come from, as the journal resolves it: the
 * line's own when configured, else the settlement's. */
static const struct config_marketplace *line_market(const struct journal_view *s,
                                                    const char *mk)
{
    const struct config *cfg = s->cfg;
    for (size_t i = 0; i < cfg->n_marketplaces; i++)
        if (strcmp(cfg->marketplaces[i].name, mk) == 0)
            return &cfg->marketplaces[i];
    return config_marketplace(cfg, s->marketplace);
}

static void resolve(const struct journal_view *s, const struct mapping *map, struct tz *zone,
                    sqlite3_stmt *st, struct jv_amount *l)
{
    const char *mk = ledger_text(st, 4);
    const struct mapping_rule *r = mapping_find(map, ledger_text(st, 1), ledger_text(st, 2),
                                                ledger_text(st, 3), mk[0] ? mk : s->marketplace);
    const struct config_marketplace *m = line_market(s, mk);
    const struct mapping_rule *f = mapping_fold(map, r, m, ledger_text(st, 1), ledger_text(st, 2),
                                                ledger_text(st, 3), mk[0] ? mk : s->marketplace);
    if (f)
        r = f; /* folded tax, as the journal folds it */
    memset(l, 0, sizeof *l);
    snprintf(l->order_id, sizeof l->order_id, "%s", ledger_text(st, 0));
    snprintf(l->transaction_type, sizeof l->transaction_type, "%s", ledger_text(st, 1));
    snprintf(l->code, sizeof l->code, "%s", r ? r->code : s->cfg->accounts[ACCT_SUSPENSE]);
    snprintf(l->tax, sizeof l->tax, "%s", r ? mapping_tax_type(map, r, m ? m->name : "")
             : m ? m->tax[TAX_NONE] : "NONE");
    snprintf(l->category, sizeof l->category, "%s", r ? r->category : "Unmapped");
    if (m) {
        snprintf(l->tname, sizeof l->tname, "%s", m->tracking_name);
        snprintf(l->topt, sizeof l->topt, "%s", m->tracking_option);
    }
    snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 5));
    snprintf(l->description, sizeof l->description, "%s", ledger_text(st, 3));
    tz_local_date(zone, ledger_text(st, 6), s->end, l->date);
    l->amount = sqlite3_column_int64(st, 7);
    l->quantity = sqlite3_column_int64(st, 8);
    l->sources = sqlite3_column_int64(st, 9);
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
    size_t cap = 0;
    int rc = 0, r;
    if (ledger_prepare(lg, &st, "SELECT COALESCE(order_id,''), transaction_type, "
                       "amount_type, amount_description, COALESCE(marketplace,''), "
                       "COALESCE(sku,''), MIN(COALESCE(posted,'')), SUM(amount_minor), "
                       "SUM(CASE WHEN amount_description = 'Principal' THEN "
                       "COALESCE(quantity, 0) ELSE 0 END), COUNT(*) FROM settlement_line "
                       "WHERE settlement_ref = ?1 GROUP BY 1, 2, 3, 4, 5, 6, "
                       "substr(COALESCE(posted,''), 1, ?2) ORDER BY 1, 2, 6, 3, 4, 5, 7", e) < 0)
        return -1;
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
        resolve(s, map, zone, st, &s->amounts[s->n_amounts++]);
    }
    sqlite3_finalize(st);
    if (rc == 0 && r != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read settlement amounts");
    if (rc == 0)
        follow_parts(s);
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
    if (load_parts(lg, cfg, ref, s, e) < 0 || load_statement(lg, s, e) < 0)
        return -1;
    if (tz_open(&zone, cfg->timezone, e) < 0)
        return -1;
    rc = load_chain(lg, s, zone, e);
    tz_free(zone);
    zone = NULL;
    if (rc < 0)
        return -1;
    if (!amounts || s->n == 0)
        return 0;
    if (mapping_load(&map, lg, cfg, e) < 0)
        return -1;
    rc = tz_open(&zone, cfg->timezone, e);
    if (rc == 0)
        rc = load_amounts(lg, s, &map, zone, e);
    tz_free(zone);
    mapping_free(&map);
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
