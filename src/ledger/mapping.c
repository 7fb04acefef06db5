/* mapping — rule loading and most-specific-wins matching with fnmatch(3) patterns. Callers
 * map distinct (type, amount-type, description, marketplace) combinations, not every line. */
#include "ledger.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2 for a literal, 1 for a pattern, 0 for "*" or empty. */
static int field_score(const char *p)
{
    if (!p[0] || strcmp(p, "*") == 0)
        return 0;
    return strpbrk(p, "*?[") ? 1 : 2;
}

static int rule_score(const struct mapping_rule *r)
{
    return field_score(r->marketplace) * 27 + field_score(r->transaction_type) * 9 +
           field_score(r->amount_type) * 3 + field_score(r->amount_description);
}

static int field_match(const char *pattern, const char *v)
{
    if (!pattern[0] || strcmp(pattern, "*") == 0)
        return 1;
    return fnmatch(pattern, v, 0) == 0;
}

static void resolve_code(struct mapping_rule *r, const struct config *cfg)
{
    if (r->role >= 0)
        snprintf(r->code, sizeof r->code, "%s", cfg->accounts[r->role]);
}

static int add_user_rules(struct mapping *m, const struct config *cfg)
{
    for (size_t i = 0; i < cfg->n_mappings; i++) {
        const struct config_mapping *c = &cfg->mappings[i];
        struct mapping_rule *r = &m->rules[m->n++];
        memset(r, 0, sizeof *r);
        snprintf(r->transaction_type, sizeof r->transaction_type, "%s", c->transaction_type);
        snprintf(r->amount_type, sizeof r->amount_type, "%s", c->amount_type);
        snprintf(r->amount_description, sizeof r->amount_description, "%s",
                 c->amount_description);
        snprintf(r->marketplace, sizeof r->marketplace, "%s", c->marketplace);
        snprintf(r->code, sizeof r->code, "%s", c->code);
        snprintf(r->category, sizeof r->category, "%s", c->category);
        r->role = c->account;
        r->tax = c->tax;
        r->user = 1;
        r->index = (int)i + 1;
        resolve_code(r, cfg);
        r->score = rule_score(r);
    }
    return 0;
}

static int add_default_rules(struct mapping *m, struct ledger *lg, size_t cap, struct err *e)
{
    sqlite3_stmt *st;
    int idx = 0, s;
    if (ledger_prepare(lg, &st, "SELECT transaction_type, amount_type, amount_description, "
                       "account_role, tax, category FROM mapping_default ORDER BY id", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (m->n == cap) {
            sqlite3_finalize(st);
            return err_set(e, ERR_INTERNAL, "more than %zu mapping rules", cap);
        }
        struct mapping_rule *r = &m->rules[m->n++];
        memset(r, 0, sizeof *r);
        snprintf(r->transaction_type, sizeof r->transaction_type, "%s", ledger_text(st, 0));
        snprintf(r->amount_type, sizeof r->amount_type, "%s", ledger_text(st, 1));
        snprintf(r->amount_description, sizeof r->amount_description, "%s", ledger_text(st, 2));
        r->role = config_account_role(ledger_text(st, 3));
        r->tax = strcmp(ledger_text(st, 4), "sales") == 0 ? TAX_SALES
               : strcmp(ledger_text(st, 4), "fees") == 0 ? TAX_FEES : TAX_NONE;
        snprintf(r->category, sizeof r->category, "%s", ledger_text(st, 5));
        r->index = ++idx;
        resolve_code(r, m->cfg);
        r->score = rule_score(r);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read built-in mapping rules");
}

int mapping_load(struct mapping *m, struct ledger *lg, const struct config *cfg, struct err *e)
{
    sqlite3_stmt *st;
    size_t defaults = 0, cap;
    memset(m, 0, sizeof *m);
    m->cfg = cfg;
    if (ledger_prepare(lg, &st, "SELECT COUNT(*) FROM mapping_default", e) < 0)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        defaults = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    cap = cfg->n_mappings + defaults;
    m->rules = calloc(cap ? cap : 1, sizeof *m->rules);
    if (!m->rules)
        return err_set(e, ERR_NOMEM, "out of memory");
    add_user_rules(m, cfg);
    return add_default_rules(m, lg, cap, e);
}

void mapping_free(struct mapping *m)
{
    if (!m)
        return;
    free(m->rules);
    m->rules = NULL;
    m->n = 0;
}

const struct mapping_rule *mapping_find(const struct mapping *m, const char *transaction_type,
                                        const char *amount_type, const char *description,
                                        const char *marketplace)
{
    const struct mapping_rule *best = NULL;
    for (size_t i = 0; i < m->n; i++) {
        const struct mapping_rule *r = &m->rules[i];
        if (best && r->score <= best->score)
            continue;
        if (field_match(r->marketplace, marketplace) &&
            field_match(r->transaction_type, transaction_type) &&
            field_match(r->amount_type, amount_type) &&
            field_match(r->amount_description, description))
            best = r;
    }
    return best;
}

const char *mapping_tax_type(const struct mapping *m, const struct mapping_rule *r,
                             const char *marketplace)
{
    const struct config_marketplace *mk = config_marketplace(m->cfg, marketplace);
    if (!r || !mk || !mk->tax[r->tax][0])
        return "NONE";
    return mk->tax[r->tax];
}
