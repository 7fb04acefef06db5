/* report_mapping — the Mapping sheet: every rule in the order it is tried (settlebook.json's,
 * then the built-in ones), how many settlement lines in scope each one matched, and the
 * combinations no rule matched (booked to suspense and raised as UNMAPPED). Reads only. */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

static const struct report_col cols[] = {
    { "Source", 14, 0 }, { "Rule", 6, 1 }, { "Marketplace", 14, 0 },
    { "Transaction type", 30, 0 }, { "Amount type", 16, 0 }, { "Amount description", 30, 0 },
    { "Account role", 28, 0 }, { "Account code", 9, 0 }, { "Tax category", 10, 0 },
    { "Category", 22, 0 }, { "Specificity", 10, 1 }, { "Lines matched", 12, 1 },
};
enum { C_SRC, C_RULE, C_MK, C_TT, C_AT, C_AD, C_ROLE, C_CODE, C_TAX, C_CAT, C_SCORE,
       C_LINES };

static const char *tax_name(int tax)
{
    return tax == TAX_SALES ? "sales" : tax == TAX_FEES ? "fees" : "none";
}

static const char *any(const char *pattern)
{
    return pattern[0] ? pattern : "*";
}

static void rules(struct report_ctx *r, struct report_sheet *s, const int64_t *counts)
{
    for (size_t i = 0; i < r->map.n; i++) {
        const struct mapping_rule *m = &r->map.rules[i];
        report_text(s, C_SRC, m->user ? "settlebook.json" : "built-in");
        report_int(s, C_RULE, m->index);
        report_text(s, C_MK, any(m->marketplace));
        report_text(s, C_TT, any(m->transaction_type));
        report_text(s, C_AT, any(m->amount_type));
        report_text(s, C_AD, any(m->amount_description));
        report_text(s, C_ROLE, m->role >= 0 ? config_account_name(m->role) : "(account code)");
        report_text(s, C_CODE, m->code);
        report_text(s, C_TAX, tax_name(m->tax));
        report_text(s, C_CAT, m->category);
        report_int(s, C_SCORE, m->score);
        report_int(s, C_LINES, counts[i]);
        report_next_row(s);
    }
}

static void unmapped(struct report_ctx *r, struct report_sheet *s)
{
    const struct report_combo *v = r->combos;
    for (size_t i = 0; i < r->n_combos;) {
        int64_t lines = 0;
        size_t j;
        if (v[i].rule) {
            i++;
            continue;
        }
        for (j = i; j < r->n_combos && !v[j].rule && strcmp(v[j].tt, v[i].tt) == 0 &&
                    strcmp(v[j].at, v[i].at) == 0 && strcmp(v[j].ad, v[i].ad) == 0 &&
                    strcmp(v[j].mk, v[i].mk) == 0; j++)
            lines += v[j].lines;
        s->fill = RF_ERROR;
        report_text(s, C_SRC, "UNMAPPED");
        report_blank(s, C_RULE);
        report_text(s, C_MK, v[i].mk);
        report_text(s, C_TT, v[i].tt);
        report_text(s, C_AT, v[i].at);
        report_text(s, C_AD, v[i].ad);
        report_text(s, C_ROLE, config_account_name(ACCT_SUSPENSE));
        report_text(s, C_CODE, r->cfg->accounts[ACCT_SUSPENSE]);
        report_blank(s, C_TAX);
        report_text(s, C_CAT, "no rule: add one to settlebook.json");
        report_blank(s, C_SCORE);
        report_int(s, C_LINES, lines);
        report_next_row(s);
        i = j;
    }
}

int report_mapping(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    int64_t *counts = calloc(r->map.n + 1, sizeof *counts);
    int rc = -1;
    if (!counts)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_combos; i++)
        if (r->combos[i].rule)
            counts[r->combos[i].rule - r->map.rules] += r->combos[i].lines;
    if (report_sheet_begin(r, &s, "Mapping", cols, sizeof cols / sizeof cols[0], e) == 0) {
        rules(r, &s, counts);
        unmapped(r, &s);
        rc = report_sheet_end(&s, e);
    }
    free(counts);
    return rc;
}
