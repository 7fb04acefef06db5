/* reconcile_newtypes — new kinds of amount are never silent: a combination (transaction
 * type, amount type, description, marketplace) that only a wildcard rule maps, and that is
 * not in Amazon's known vocabulary, raises NEW_AMOUNT_TYPE (warning) on the first settlement
 * that carries it, naming the combination and the account it was posted to, until a
 * specific rule covers it (`settlebook mappings --accept`). Reads only. */
#include "reconcile_int.h"

#include <stdio.h>
#include <string.h>

#include "ledger.h"

/* Per combination, its first settlement in the ledger (by start, then id) with that
 * settlement's lines and sum; only combinations whose first settlement is in scope. */
static const char FIRSTS[] =
    "WITH c AS (SELECT l.settlement_ref AS sref, l.transaction_type AS tt, "
    "  l.amount_type AS at, l.amount_description AS ad, "
    "  coalesce(nullif(l.marketplace, ''), s.marketplace) AS mk, count(*) AS n, "
    "  sum(l.amount_minor) AS amt, s.start_utc AS st, s.settlement_id AS sid "
    "  FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "  GROUP BY l.settlement_ref, tt, at, ad, mk), "
    "f AS (SELECT c.*, row_number() OVER (PARTITION BY tt, at, ad, mk ORDER BY st, sid) AS rn "
    "  FROM c) "
    "SELECT f.sid, s.currency, f.tt, f.at, f.ad, f.mk, f.n, f.amt "
    "FROM f JOIN settlement s ON s.id = f.sref WHERE f.rn = 1 AND " PERIOD_SCOPE_SQL " "
    "ORDER BY f.st, f.sid, f.tt, f.at, f.ad, f.mk";

static int newtype_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const struct mapping *m = c->scratch;
    const char *tt = reconcile_str(st, 2), *at = reconcile_str(st, 3);
    const char *ad = reconcile_str(st, 4), *mk = reconcile_str(st, 5);
    const char *cur = reconcile_str(st, 1), *sid = reconcile_str(st, 0);
    const struct mapping_rule *r = mapping_find(m, tt, at, ad, mk);
    int64_t n = sqlite3_column_int64(st, 6), sum = sqlite3_column_int64(st, 7);
    char amt[RECONCILE_AMOUNT_MAX], key[16], expl[768], action[256];

    if (!r || !mapping_needs_review(m, r, tt, at, ad, mk))
        return 0;   /* unmapped is UNMAPPED's; specific or known kinds are fine */
    mapping_key(tt, at, ad, mk, key);
    snprintf(expl, sizeof expl, "New kind of amount %s / %s / %s (%s): %lld line%s of %s in "
             "this settlement, its first appearance, %s posted to %s (account %s, category "
             "%s) only because the wildcard %s rule %s / %s / %s catches it.", tt, at, ad,
             mk[0] ? mk : "no marketplace", (long long)n, n == 1 ? "" : "s",
             reconcile_amount(amt, sum, cur), n == 1 ? "was" : "were",
             r->role >= 0 ? config_account_name(r->role) : "a literal code", r->code,
             r->category, r->user ? "settlebook.json" : "built-in",
             r->transaction_type[0] ? r->transaction_type : "*",
             r->amount_type[0] ? r->amount_type : "*",
             r->amount_description[0] ? r->amount_description : "*");
    snprintf(action, sizeof action, "Check what Amazon charged or paid; then `settlebook "
             "mappings --review` and `settlebook mappings --accept %s [--account ROLE]`.",
             key);
    struct exception_row x = {
        .kind = "NEW_AMOUNT_TYPE", .severity = "warning", .settlement_id = sid,
        .currency = cur, .has_actual = 1, .actual = sum, .explanation = expl,
        .action = action,
    };
    return reconcile_emit(c, &x, e);
}

int reconcile_newtypes(struct reconcile_ctx *c, struct err *e)
{
    struct mapping m;
    sqlite3_stmt *st;
    int rc;
    if (mapping_load(&m, c->lg, c->cfg, e) < 0 || ledger_prepare(c->lg, &st, FIRSTS, e) < 0) {
        mapping_free(&m);
        return -1;
    }
    c->scratch = &m;
    rc = reconcile_each(c, st, newtype_row, e);
    c->scratch = NULL;
    mapping_free(&m);
    return rc;
}
