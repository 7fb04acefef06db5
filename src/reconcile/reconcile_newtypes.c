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

static int newtype_emit(struct reconcile_ctx *c, const char *sid, const char *cur,
                        const char *const f[4], int64_t n, int64_t sum, struct err *e)
{
    const struct mapping *m = c->scratch;
    const char *tt = f[0], *at = f[1], *ad = f[2], *mk = f[3];
    const struct mapping_rule *r = mapping_find(m, tt, at, ad, mk);
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

static int newtype_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *f[4] = { reconcile_str(st, 2), reconcile_str(st, 3), reconcile_str(st, 4),
                         reconcile_str(st, 5) };
    return newtype_emit(c, reconcile_str(st, 0), reconcile_str(st, 1), f,
                        sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7), e);
}

/* ---- the streaming pass ------------------------------------------------------------------
 * Every settlement in FIRSTS's order up to the last one in scope: a combination not seen in
 * an earlier settlement is first here, and is emitted when this settlement is in scope. The
 * settlements in scope bring the combinations UNMAPPED's pass found (no second read of their
 * lines); an earlier one out of scope is read once. Emitted in settlement order, then the
 * four texts: FIRSTS's ORDER BY. (A settlement whose UNMAPPED rows were carried over,
 * reconcile_settle.c, brought no combinations: it is read here.) */
static const char ALL[] =
    "SELECT s.id, s.settlement_id, s.currency, s.marketplace, s.line_count, " PERIOD_SCOPE_SQL
    " FROM settlement s ORDER BY s.start_utc, s.settlement_id";

struct firsts {
    struct rtab seen;
    struct rkey k;
};

static const struct rcombos *cached(const struct reconcile_ctx *c, int64_t ref)
{
    for (size_t i = 0; i < c->ncombos; i++)
        if (c->combos[i].ref == ref)
            return &c->combos[i];
    return NULL;
}

static int settlement_firsts(struct reconcile_ctx *c, struct firsts *fs,
                             const struct rsettlement *s, int in_scope, struct err *e)
{
    struct rcombos own = {0};
    const struct rcombos *x = in_scope ? cached(c, s->ref) : NULL;
    int rc = 0, created;
    if (!x && reconcile_combos(c, s, &own, e) < 0)
        return -1;
    if (!x)
        x = &own;
    for (size_t i = 0; rc == 0 && i < x->n; i++) {
        const struct rcombo *k = &x->v[i];
        rkey_reset(&fs->k);
        for (int j = 0; rc == 0 && j < 4; j++)
            rc = rkey_text(&fs->k, k->f[j], strlen(k->f[j]), e);
        if (rc == 0 && !rtab_get(&fs->seen, &fs->k, &created, e))
            rc = -1;
        if (rc == 0 && created && in_scope)
            rc = newtype_emit(c, s->id, s->currency, (const char *const *)k->f, k->n, k->sum,
                              e);
    }
    reconcile_combos_free(&own);
    return rc;
}

static int newtypes_stream(struct reconcile_ctx *c, struct err *e)
{
    struct firsts fs = {0};
    sqlite3_stmt *st;
    size_t left = reconcile_settles_count(c);
    int s = SQLITE_DONE, rc = rtab_init(&fs.seen, 1, e);
    if (rc < 0 || ledger_prepare(c->lg, &st, ALL, e) < 0) {
        rtab_free(&fs.seen);
        return -1;
    }
    sqlite3_bind_text(st, 1, c->period, -1, SQLITE_STATIC);
    while (rc == 0 && left > 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct rsettlement x = {
            .ref = sqlite3_column_int64(st, 0), .id = reconcile_str(st, 1),
            .currency = reconcile_str(st, 2), .marketplace = reconcile_str(st, 3),
            .lines = sqlite3_column_int64(st, 4) };
        int in = sqlite3_column_int(st, 5) != 0;
        left -= in;
        rc = settlement_firsts(c, &fs, &x, in, e);
    }
    if (rc == 0 && s != SQLITE_ROW && s != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "reconcile settlements");
    sqlite3_finalize(st);
    rtab_free(&fs.seen);
    rkey_free(&fs.k);
    return rc;
}

int reconcile_newtypes(struct reconcile_ctx *c, struct err *e)
{
    struct mapping m;
    sqlite3_stmt *st;
    int rc;
    if (mapping_load(&m, c->lg, c->cfg, e) < 0) {
        mapping_free(&m);
        return -1;
    }
    c->scratch = &m;
    if (!reconcile_sql_reference()) {
        rc = newtypes_stream(c, e);
    } else if ((rc = ledger_prepare(c->lg, &st, FIRSTS, e)) == 0) {
        rc = reconcile_each(c, st, newtype_row, e);
    }
    c->scratch = NULL;
    mapping_free(&m);
    return rc;
}
