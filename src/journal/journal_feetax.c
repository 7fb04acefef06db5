/* journal_feetax — the fees Amazon charged tax on. With `tax.fees` configured (INPUT2, say),
 * that tax type claims input tax in Xero, so it belongs only on a fee line Amazon charged
 * tax on: one whose tax row (a TaxAmount beside the fee) exists in the settlement and folds
 * into that fee's rule. Any other fee of the rule (a fee outside the VAT scheme, a fee of
 * another amount type) gets the marketplace's no-tax type. Shared by the journal (summary
 * and journal modes) and the orders view, so both modes book the same tax types. Read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"

const struct config_marketplace *journal_line_market(const struct config *cfg,
                                                     const char *mk, const char *settlement_mk)
{
    for (size_t i = 0; i < cfg->n_marketplaces; i++)
        if (strcmp(cfg->marketplaces[i].name, mk) == 0)
            return &cfg->marketplaces[i];
    return config_marketplace(cfg, settlement_mk);
}

static int taxed(const struct config_marketplace *m, int t)
{
    return m && m->tax[t][0] && strcmp(m->tax[t], "NONE") != 0;
}

static int remember(struct feetax *f, const char *tt, const char *at, const char *mk,
                    const struct mapping_rule *rule, struct err *e)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct fee_taxed *p = realloc(f->v, cap * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        f->v = p;
        f->cap = cap;
    }
    snprintf(f->v[f->n].tt, sizeof f->v[0].tt, "%s", tt);
    snprintf(f->v[f->n].at, sizeof f->v[0].at, "%s", at);
    snprintf(f->v[f->n].mk, sizeof f->v[0].mk, "%s", mk);
    f->v[f->n++].rule = rule;
    return 0;
}

/* One distinct tax combination (mk '' when the line names none): remembered when it is a
 * fee's tax row that folds into the fee's rule. */
static int feetax_row(const struct config *cfg, const struct mapping *map, const char *tt,
                      const char *at, const char *desc, const char *mk,
                      const char *settlement_mk, struct feetax *out, struct err *e)
{
    const char *mkn = mk[0] ? mk : settlement_mk;
    const struct config_marketplace *m = journal_line_market(cfg, mk, settlement_mk);
    const struct mapping_rule *r = mapping_find(map, tt, at, desc, mkn);
    const struct mapping_rule *f = mapping_fold(map, r, m, tt, at, desc, mkn);
    return f && r->role == ACCT_FEES_TAX ? remember(out, tt, at, mkn, f, e) : 0;
}

/* The fee tax rows among the lines of sql (?1 bound to ref, ?2 to hi when used). */
static int feetax_scan(struct ledger *lg, const struct config *cfg, const struct mapping *map,
                       const char *sql, int64_t ref, const char *hi, const char *settlement_mk,
                       struct feetax *out, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    memset(out, 0, sizeof *out);
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, ref);
    if (hi && sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = feetax_row(cfg, map, ledger_text(st, 0), ledger_text(st, 1), ledger_text(st, 2),
                        ledger_text(st, 3), settlement_mk, out, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read the settlement's fee tax");
    sqlite3_finalize(st);
    if (rc < 0)
        journal_feetax_free(out);
    return rc;
}

const char *journal_tax_type(const struct feetax *f, const struct mapping *map,
                             const struct mapping_rule *r, int folded,
                             const struct config_marketplace *m, const char *tt,
                             const char *at, const char *mkn)
{
    if (!r)
        return m ? m->tax[TAX_NONE] : "NONE";
    if (!folded && r->tax == TAX_FEES && m) {
        size_t i = 0;
        while (i < f->n && !(f->v[i].rule == r && !strcmp(f->v[i].tt, tt) &&
                             !strcmp(f->v[i].at, at) && !strcmp(f->v[i].mk, mkn)))
            i++;
        if (i < f->n && taxed(m, TAX_FEES))
            return m->tax[TAX_FEES];     /* Amazon's TaxAmount row is folded into it */
        /* No TaxAmount row: the fee's VAT, if any, is on Amazon's VAT invoice only. Since
         * August 2024 Amazon charges UK/EU-established sellers VAT on every fee (included);
         * before, or for sellers established elsewhere, Amazon EU S.a r.l. billed from
         * Luxembourg without VAT and the seller accounts for it (reverse_charge). */
        if (m->fees_vat == FEES_VAT_INCLUDED)
            return m->tax[TAX_FEES];
        if (m->fees_vat == FEES_VAT_REVERSE_CHARGE)
            return m->tax_fees_reverse;
        if (taxed(m, TAX_FEES))   /* no tax charged on this fee: no input tax to claim */
            return m->tax[TAX_NONE][0] ? m->tax[TAX_NONE] : "NONE";
    }
    return mapping_tax_type(map, r, m ? m->name : "");
}

int journal_vat_rate(const struct mapping_rule *r, const struct config_marketplace *m)
{
    return r && r->tax == TAX_SALES && taxed(m, TAX_SALES) ? m->vat_rate_bp : 0;
}

int journal_feetax_load(struct ledger *lg, const struct config *cfg, const struct mapping *map,
                        int64_t ref, const char *settlement_mk, struct feetax *out,
                        struct err *e)
{
    /* the few distinct tax combinations of the settlement, not its lines */
    return feetax_scan(lg, cfg, map, "SELECT DISTINCT transaction_type, amount_type, "
                       "amount_description, COALESCE(marketplace,'') FROM settlement_line "
                       "WHERE settlement_ref = ?1 AND amount_description LIKE '%Tax%'", ref,
                       NULL, settlement_mk, out, e);
}

/* SQLite's `LIKE '%Tax%'`: case folded for ASCII letters only. */
static int like_tax(const char *s)
{
    for (; s[0] && s[1] && s[2]; s++)
        if ((s[0] | 0x20) == 't' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'x')
            return 1;
    return 0;
}

int journal_feetax_groups(const struct config *cfg, const struct mapping *map,
                          const struct line_groups *g, const char *settlement_mk,
                          struct feetax *out, struct err *e)
{
    /* the groups are sorted by tt, at, ad, mk first: a combination's groups are adjacent */
    const struct line_group *prev = NULL;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < g->n; i++) {
        const struct line_group *x = &g->v[i];
        int same = prev && !strcmp(prev->f[0], x->f[0]) && !strcmp(prev->f[1], x->f[1]) &&
                   !strcmp(prev->f[2], x->f[2]) && !strcmp(prev->f[3], x->f[3]);
        prev = x;
        if (same || !like_tax(x->f[2]))
            continue;
        if (feetax_row(cfg, map, x->f[0], x->f[1], x->f[2], x->f[3], settlement_mk, out,
                       e) < 0) {
            journal_feetax_free(out);
            return -1;
        }
    }
    return 0;
}

int journal_feetax_load_unsettled(struct ledger *lg, const struct config *cfg,
                                  const struct mapping *map, const char *hi,
                                  struct feetax *out, struct err *e)
{
    return feetax_scan(lg, cfg, map, "SELECT DISTINCT l.transaction_type, l.amount_type, "
                       "l.amount_description, COALESCE(l.marketplace,'') FROM unsettled_line l "
                       "WHERE " JOURNAL_UNSETTLED_WHERE " AND l.amount_description LIKE '%Tax%'",
                       0, hi, "", out, e);
}

void journal_feetax_free(struct feetax *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}
