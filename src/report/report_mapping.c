/* report_mapping — the Mapping sheet: every rule in the order it is tried (settlebook.json's,
 * then the built-in ones) and how many settlement lines in scope each one matched; the
 * combinations to review (UNMAPPED: no rule, booked to suspense; REVIEW: only a wildcard
 * rule) with a suggestion; and the reviews accepted so far, with who and when from the audit
 * chain (its data date, never the clock). Reads only. */
#include "report_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct report_col cols[] = {
    { "Source", 14, 0 }, { "Rule", 6, 1 }, { "Marketplace", 14, 0 },
    { "Transaction type", 30, 0 }, { "Amount type", 16, 0 }, { "Amount description", 30, 0 },
    { "Account role", 28, 0 }, { "Account code", 9, 0 }, { "Tax category", 10, 0 },
    { "Category", 22, 0 }, { "Specificity", 10, 1 }, { "Lines matched", 12, 1 },
    { "Review key", 14, 0 }, { "Suggestion", 36, 0 }, { "Confidence", 11, 1 },
    { "Note", 70, 0 },
};
enum { C_SRC, C_RULE, C_MK, C_TT, C_AT, C_AD, C_ROLE, C_CODE, C_TAX, C_CAT, C_SCORE,
       C_LINES, C_KEY, C_SUGG, C_CONF, C_NOTE };

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

static void review_row(struct report_ctx *r, struct report_sheet *s,
                       const struct mapping_usage *u, const struct mapping_combo *c)
{
    struct mapping_suggestion sg;
    char sugg[128], note[900], amt[MONEY_FMT_MAX];
    const struct mapping_rule *m = c->rule;
    mapping_suggest(u, &r->map, c, &sg);
    snprintf(sugg, sizeof sugg, "%s, tax %s, %s", config_account_name(sg.role),
             tax_name(sg.tax), sg.category);
    snprintf(note, sizeof note, "%lld line%s, %s %s. %s", (long long)c->lines,
             c->lines == 1 ? "" : "s", money_format(amt, c->sum, report_exp(c->cur)), c->cur,
             sg.explanation);
    s->fill = m ? RF_WARNING : RF_ERROR;
    report_text(s, C_SRC, m ? "REVIEW" : "UNMAPPED");
    if (m)
        report_int(s, C_RULE, m->index);
    else
        report_blank(s, C_RULE);
    report_text(s, C_MK, c->mk);
    report_text(s, C_TT, c->tt);
    report_text(s, C_AT, c->at);
    report_text(s, C_AD, c->ad);
    report_text(s, C_ROLE, m ? (m->role >= 0 ? config_account_name(m->role) : "(account code)")
                             : config_account_name(ACCT_SUSPENSE));
    report_text(s, C_CODE, m ? m->code : r->cfg->accounts[ACCT_SUSPENSE]);
    if (m)
        report_text(s, C_TAX, tax_name(m->tax));
    else
        report_blank(s, C_TAX);
    report_text(s, C_CAT, m ? m->category : "no rule: add one to settlebook.json");
    report_blank(s, C_SCORE);
    /* a wildcard-mapped combination's lines are already counted on its rule's row */
    if (m)
        report_blank(s, C_LINES);
    else
        report_int(s, C_LINES, c->lines);
    report_text(s, C_KEY, c->key);
    report_text(s, C_SUGG, sugg);
    report_pct(s, C_CONF, sg.confidence_pct, 100);
    report_wrap(s, C_NOTE, note);
    report_next_row(s);
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

/* What mapping_usage_load would read from the lines, from the workbook's combinations: they
 * are the same lines in scope grouped by one field more (the SKU) and sorted by the same
 * fields first, so each usage group is a run of adjacent combinations. The currency is
 * compared as mapping_combo keeps it (cut to its size), as mapping_usage_load groups it. */
static int usage_from_combos(struct report_ctx *r, struct mapping_usage *u, struct err *e)
{
    struct mapping_combo *c = NULL;
    memset(u, 0, sizeof *u);
    if (r->n_combos && !(u->v = calloc(r->n_combos, sizeof *u->v)))
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n_combos; i++) {
        const struct report_combo *k = &r->combos[i];
        char cur[sizeof c->cur];
        snprintf(cur, sizeof cur, "%s", k->cur);
        if (!c || strcmp(c->tt, k->tt) != 0 || strcmp(c->at, k->at) != 0 ||
            strcmp(c->ad, k->ad) != 0 || strcmp(c->mk, k->mk) != 0 ||
            strcmp(c->cur, cur) != 0) {
            c = &u->v[u->n++];
            memcpy(c->cur, cur, sizeof cur);
            if (!(c->tt = dup(k->tt)) || !(c->at = dup(k->at)) || !(c->ad = dup(k->ad)) ||
                !(c->mk = dup(k->mk)))
                return err_set(e, ERR_NOMEM, "out of memory");
        }
        c->lines += k->lines;
        if (__builtin_add_overflow(c->sum, k->sum, &c->sum))
            return err_set(e, ERR_INPUT, "mapping usage: integer overflow");
    }
    mapping_usage_map(&r->map, u);
    return 0;
}

static int reviews(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    struct mapping_usage u;
    if (usage_from_combos(r, &u, e) < 0) {
        mapping_usage_free(&u);
        return -1;
    }
    for (size_t i = 0; i < u.n; i++)
        if (u.v[i].review)
            review_row(r, s, &u, &u.v[i]);
    mapping_usage_free(&u);
    return 0;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* One accepted review from its audit entry (compact JSON written by mapping_accept_audit). */
static int accepted_row(void *arg, const char *detail, int64_t seq, int64_t run)
{
    struct report_sheet *s = arg;
    json_t *o = json_loads(detail, 0, NULL);
    char note[400], sugg[128];
    if (!o)
        return 0;   /* not ours to judge: the Audit sheet verifies the chain */
    snprintf(sugg, sizeof sugg, "suggested %s", jstr(o, "suggested"));
    snprintf(note, sizeof note, "accepted by %s in audit entry %lld (run %lld), when the "
             "ledger's data ran to %s", jstr(o, "by"), (long long)seq, (long long)run,
             jstr(o, "data_to")[0] ? jstr(o, "data_to") : "(no settlement)");
    s->fill = RF_INFO;
    report_text(s, C_SRC, "ACCEPTED");
    report_blank(s, C_RULE);
    report_text(s, C_MK, jstr(o, "marketplace"));
    report_text(s, C_TT, jstr(o, "transaction_type"));
    report_text(s, C_AT, jstr(o, "amount_type"));
    report_text(s, C_AD, jstr(o, "amount_description"));
    report_text(s, C_ROLE, jstr(o, "account"));
    report_blank(s, C_CODE);
    report_text(s, C_TAX, jstr(o, "tax"));
    report_text(s, C_CAT, jstr(o, "category"));
    report_blank(s, C_SCORE);
    report_blank(s, C_LINES);
    report_text(s, C_KEY, jstr(o, "key"));
    report_text(s, C_SUGG, sugg);
    report_blank(s, C_CONF);
    report_wrap(s, C_NOTE, note);
    report_next_row(s);
    json_decref(o);
    return 0;
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
        if (reviews(r, &s, e) == 0 && mapping_accepted_each(r->lg, accepted_row, &s, e) == 0)
            rc = report_sheet_end(&s, e);
    }
    free(counts);
    return rc;
}
