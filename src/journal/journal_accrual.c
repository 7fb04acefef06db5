/* journal_accrual — the month-end accrual of a period: every Finances API line posted by the
 * month's end (in the configured time zone) that no settlement line settles yet, so the
 * accrual is what Amazon owes at that date (an older line still unsettled is accrued again,
 * as last month's accrual was reversed on the 1st), resolved through
 * the same mapping rules as settlement lines, per currency, balanced against
 * accounts.unsettled. Reads the ledger; writes only its exceptions (UNMAPPED events, through
 * ledger/exception.c). Never touches Xero or the outbox. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

/* %s: the rate class and its join when sales are classified (journal_rates.c) */
static const char GROUPS[] =
    "SELECT l.currency, l.transaction_type, l.amount_type, l.amount_description, "
    "COALESCE(l.marketplace, ''), substr(l.posted, 1, 16), sum(l.amount_minor), count(*), %s "
    "FROM unsettled_line l %s WHERE " JOURNAL_UNSETTLED_WHERE " GROUP BY 1, 2, 3, 4, 5, 6, 9 "
    "ORDER BY 1, 2, 3, 4, 5, 6, 9";

struct acc_build {
    struct ledger *lg;
    const struct config *cfg;
    struct mapping map;
    struct tz *zone;
    const char *period;
    struct accrual *v;
    size_t n, cap;
    struct exception_batch *ex;
    struct feetax ft;           /* the fee tax rows among the unsettled lines */
};

static struct accrual *for_currency(struct acc_build *b, const char *cur, struct err *e)
{
    struct accrual *a;
    char next[8];
    int yy, mm, dd;
    for (size_t i = 0; i < b->n; i++)
        if (!strcmp(b->v[i].currency, cur))
            return &b->v[i];
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4;
        struct accrual *p = realloc(b->v, cap * sizeof *p);
        if (!p) {
            err_set(e, ERR_NOMEM, "out of memory");
            return NULL;
        }
        b->v = p;
        b->cap = cap;
    }
    a = &b->v[b->n++];
    memset(a, 0, sizeof *a);
    snprintf(a->currency, sizeof a->currency, "%s", cur);
    a->exp = money_exponent(cur);
    a->cfg = b->cfg;
    snprintf(a->id, sizeof a->id, "ACCRUAL-%s-%s", b->period, cur);
    snprintf(a->month, sizeof a->month, "%s", b->period);
    period_next(b->period, next);
    snprintf(a->rev_month, sizeof a->rev_month, "%s", next);
    snprintf(a->rev_date, sizeof a->rev_date, "%s-01", next);
    /* the last day of P: the day before the first of P+1 */
    dates_civil(dates_days(atoi(next), atoi(next + 5), 1) - 1, &yy, &mm, &dd);
    snprintf(a->date, sizeof a->date, "%04d-%02d-%02d", yy, mm, dd);
    return a;
}

/* Adds amount to the accrual's line for this account, or a new line. */
static int add_line(struct accrual *a, const struct jv_line *x, struct err *e)
{
    for (size_t i = 0; i < a->n; i++) {
        struct jv_line *l = &a->lines[i];
        if (!strcmp(l->code, x->code) && !strcmp(l->tax, x->tax) &&
            !strcmp(l->tname, x->tname) && !strcmp(l->topt, x->topt) &&
            !strcmp(l->category, x->category)) {
            l->sources += x->sources;
            return money_add(&l->amount, x->amount, e);
        }
    }
    struct jv_line *p = realloc(a->lines, (a->n + 1) * sizeof *p);
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    a->lines = p;
    a->lines[a->n++] = *x;
    return 0;
}

static int unmapped(struct acc_build *b, const char *cur, const char *tt, const char *at,
                    const char *desc, int64_t amount, struct err *e)
{
    char expl[512], action[512], amt[MONEY_FMT_MAX];
    money_format(amt, amount, money_exponent(cur));
    snprintf(expl, sizeof expl, "Unsettled Finances API amounts %s / %s / %s (%s %s in %s) "
             "match no mapping rule: the accrual books them to suspense.", tt, at, desc, amt,
             cur, b->period);
    snprintf(action, sizeof action, "Add to settlebook.json \"mappings\": {\"transaction_type\":"
             " \"%s\", \"amount_type\": \"%s\", \"amount_description\": \"%s\", \"account\": "
             "\"...\"}", tt, at, desc);
    struct exception_row r = { .kind = "UNMAPPED", .severity = "error", .currency = cur,
                               .month = b->period, .has_actual = 1, .actual = amount,
                               .explanation = expl, .action = action };
    return exception_batch_add(b->ex, &r, e);
}

static int group_row(struct acc_build *b, sqlite3_stmt *st, struct err *e)
{
    const char *cur = ledger_text(st, 0), *tt = ledger_text(st, 1), *at = ledger_text(st, 2);
    const char *desc = ledger_text(st, 3), *mk = ledger_text(st, 4);
    const struct config_marketplace *m = config_marketplace(b->cfg, mk);
    const struct mapping_rule *r = mapping_find(&b->map, tt, at, desc, mk);
    /* Amazon's tax folds into its sales or fee line as in a settlement's journal, so the
     * accrual books no VAT to the control account that the 1st's reversal takes back */
    const struct mapping_rule *f = mapping_fold(&b->map, r, m, tt, at, desc, mk);
    int cls = sqlite3_column_int(st, 8) & ~RATE_UNCHECKED;
    struct jv_line x;
    struct accrual *a;
    char date[11];

    tz_local_date(b->zone, ledger_text(st, 5), "", date);
    if (strncmp(date, b->period, 7) > 0 || money_exponent(cur) < 0)
        return 0;
    if (!(a = for_currency(b, cur, e)))
        return -1;
    memset(&x, 0, sizeof x);
    x.amount = sqlite3_column_int64(st, 6);
    x.sources = sqlite3_column_int64(st, 7);
    if (f && cls == RATE_DEEMED) {
        /* a deemed supply's tax nets with Amazon's withholding (journal.c map_row) */
        const struct mapping_rule *d = journal_deemed_rule(&b->map, tt, desc, mk);
        r = d ? d : r;
        f = NULL;
    } else if (f) {
        r = f;
    }
    if (r) {
        const char *tax = journal_tax_type(&b->ft, &b->map, r, f != NULL, m, tt, at, mk);
        if (r->tax == TAX_SALES && cls != RATE_STANDARD)
            tax = journal_rate_tax(m, cls, tax);
        else
            cls = RATE_STANDARD;
        if (cls == RATE_DEEMED)
            cls = RATE_ZERO;     /* labelled zero-rated */
        snprintf(x.role, sizeof x.role, "%s", r->role >= 0 ? config_account_name(r->role)
                                                           : "code");
        snprintf(x.code, sizeof x.code, "%s", r->code);
        snprintf(x.tax, sizeof x.tax, "%s", tax);
        snprintf(x.category, sizeof x.category, "%s", r->category);
    } else {
        snprintf(x.role, sizeof x.role, "suspense");
        snprintf(x.code, sizeof x.code, "%s", b->cfg->accounts[ACCT_SUSPENSE]);
        snprintf(x.tax, sizeof x.tax, "%s", m ? m->tax[TAX_NONE] : "NONE");
        snprintf(x.category, sizeof x.category, "Unmapped");
        if (unmapped(b, cur, tt, at, desc, x.amount, e) < 0)
            return -1;
    }
    if (m) {
        snprintf(x.tname, sizeof x.tname, "%s", m->tracking_name);
        snprintf(x.topt, sizeof x.topt, "%s", m->tracking_option);
    }
    snprintf(x.description, sizeof x.description, "Amazon %s%s not yet settled at %s",
             x.category, cls == RATE_ZERO ? " (zero-rated)" : cls == RATE_REDUCED
             ? " (reduced rate)" : "", a->date);
    a->sources += x.sources;
    return money_add(&a->net, x.amount, e) < 0 ? -1 : add_line(a, &x, e);
}

static int line_cmp(const void *p, const void *q)
{
    const struct jv_line *x = p, *y = q;
    int c = strcmp(x->category, y->category);
    return c ? c : strcmp(x->code, y->code) ? strcmp(x->code, y->code) : strcmp(x->tax, y->tax);
}

/* Sorts the lines and closes the accrual on accounts.unsettled (debit = Amazon owes). */
static int finish(struct acc_build *b, struct accrual *a, struct err *e)
{
    struct jv_line u;
    if (a->n > 1)
        qsort(a->lines, a->n, sizeof *a->lines, line_cmp);
    memset(&u, 0, sizeof u);
    snprintf(u.role, sizeof u.role, "unsettled");
    snprintf(u.code, sizeof u.code, "%s", b->cfg->accounts[ACCT_UNSETTLED]);
    snprintf(u.tax, sizeof u.tax, "NONE");
    snprintf(u.category, sizeof u.category, "Amazon unsettled");
    snprintf(u.description, sizeof u.description, "Amazon unsettled: owed by Amazon at %s, "
             "not yet in a settlement", a->date);
    u.amount = -a->net;
    u.sources = 0;
    struct jv_line *p = realloc(a->lines, (a->n + 1) * sizeof *p);
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    a->lines = p;
    a->lines[a->n++] = u;
    return 0;
}

static int collect(struct acc_build *b, struct err *e)
{
    sqlite3_stmt *st;
    char hi[16], next[8], sql[1024];
    int rc, rates = 0;
    /* two days past the UTC month end cover every time zone; the local date decides */
    int yy, mm, dd;
    period_next(b->period, next);
    dates_civil(dates_days(atoi(next), atoi(next + 5), 1) + 2, &yy, &mm, &dd);
    snprintf(hi, sizeof hi, "%04d-%02d-%02d", yy, mm, dd);
    if (journal_feetax_load_unsettled(b->lg, b->cfg, &b->map, hi, &b->ft, e) < 0)
        return -1;
    if (journal_rates_wanted(b->cfg) &&
        (rates = journal_rates_prepare(b->lg, b->cfg, &b->map, "unsettled_line",
                                       JOURNAL_UNSETTLED_WHERE, 0, hi, "", e)) < 0)
        return -1;
    snprintf(sql, sizeof sql, GROUPS, rates ? RATE_CLASS_SQL : "0",
             rates ? JOURNAL_RATE_JOIN : "");
    if (ledger_prepare(b->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (group_row(b, st, e) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : ledger_fail(b->lg, e, "group unsettled lines");
}

int journal_accruals(struct ledger *lg, const struct config *cfg, const char *period,
                     struct accrual **out, size_t *n, struct err *e)
{
    struct acc_build b = { .lg = lg, .cfg = cfg, .period = period };
    char scope[32];
    int changed, rc = -1;
    *out = NULL;
    *n = 0;
    snprintf(scope, sizeof scope, "accrual %s", period);
    if (mapping_load(&b.map, lg, cfg, e) < 0) {
        mapping_free(&b.map);
        return -1;
    }
    if (tz_open(&b.zone, cfg->timezone, e) < 0 || exception_batch_begin(lg, &b.ex, e) < 0 ||
        collect(&b, e) < 0)
        goto done;
    for (size_t i = 0; i < b.n; i++)
        if (finish(&b, &b.v[i], e) < 0)
            goto done;
    if (exception_batch_apply(b.ex, scope, "", &changed, e) < 0)
        goto done;
    *out = b.v;
    *n = b.n;
    b.v = NULL;
    b.n = 0;
    rc = 0;
done:
    journal_accruals_free(b.v, b.n);
    journal_feetax_free(&b.ft);
    exception_batch_free(b.ex);
    tz_free(b.zone);
    mapping_free(&b.map);
    return rc;
}

void journal_accruals_free(struct accrual *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].lines);
    free(v);
}
