/* report_combos — one pass over the settlement lines in scope, grouped by (transaction type,
 * amount type, description, marketplace, currency, SKU) with counts and sums, each group
 * mapped by the same rules the journal uses. The Fees and Mapping sheets read these groups,
 * so the workbook scans the lines once however many there are. */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "period.h"

static const char GROUPS[] =
    "SELECT l.transaction_type, l.amount_type, l.amount_description, "
    "coalesce(nullif(l.marketplace, ''), s.marketplace), s.currency, coalesce(l.sku, ''), "
    "COUNT(*), SUM(l.amount_minor) FROM settlement s JOIN settlement_line l ON "
    "l.settlement_ref = s.id WHERE " PERIOD_SCOPE_SQL " GROUP BY 1, 2, 3, 4, 5, 6 "
    "ORDER BY 1, 2, 3, 4, 5, 6";

static int fee_rule(const struct report_ctx *r, const struct mapping_rule *rule)
{
    static const int roles[] = { ACCT_FEES_SELLING, ACCT_FEES_FBA, ACCT_FEES_STORAGE,
                                 ACCT_FEES_ADVERTISING, ACCT_FEES_SUBSCRIPTION,
                                 ACCT_FEES_OTHER };
    if (!rule)
        return 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (rule->role == roles[i] ||
            (rule->role < 0 && strcmp(rule->code, r->cfg->accounts[roles[i]]) == 0))
            return 1;
    return 0;
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

int report_combos_load(struct report_ctx *r, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int step, rc = 0;
    const struct mapping_rule *rule = NULL;
    if (ledger_prepare(r->lg, &st, GROUPS, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct report_combo *c;
        if (r->n_combos == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct report_combo *p = realloc(r->combos, nc * sizeof *p);
            if (!p) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            r->combos = p;
            cap = nc;
        }
        c = &r->combos[r->n_combos];
        memset(c, 0, sizeof *c);
        c->tt = dup(report_col_text(st, 0));
        c->at = dup(report_col_text(st, 1));
        c->ad = dup(report_col_text(st, 2));
        c->mk = dup(report_col_text(st, 3));
        c->cur = dup(report_col_text(st, 4));
        c->sku = dup(report_col_text(st, 5));
        r->n_combos++;
        if (!c->tt || !c->at || !c->ad || !c->mk || !c->cur || !c->sku) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
        c->lines = sqlite3_column_int64(st, 6);
        c->sum = sqlite3_column_int64(st, 7);
        /* rows come sorted: map each (type, amount type, description, marketplace) once */
        if (r->n_combos > 1 && strcmp(c[-1].tt, c->tt) == 0 && strcmp(c[-1].at, c->at) == 0
            && strcmp(c[-1].ad, c->ad) == 0 && strcmp(c[-1].mk, c->mk) == 0)
            rule = c[-1].rule;
        else
            rule = mapping_find(&r->map, c->tt, c->at, c->ad, c->mk);
        c->rule = rule;
        c->fee = fee_rule(r, rule);
        c->principal = strcmp(c->at, "ItemPrice") == 0 && strcmp(c->ad, "Principal") == 0;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = ledger_fail(r->lg, e, "line groups");
    sqlite3_finalize(st);
    return rc;
}

void report_combos_free(struct report_ctx *r)
{
    for (size_t i = 0; i < r->n_combos; i++) {
        struct report_combo *c = &r->combos[i];
        free(c->tt);
        free(c->at);
        free(c->ad);
        free(c->mk);
        free(c->cur);
        free(c->sku);
    }
    free(r->combos);
    r->combos = NULL;
    r->n_combos = 0;
}
