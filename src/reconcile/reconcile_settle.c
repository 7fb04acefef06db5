/* reconcile_settle — per-settlement reuse: UNMAPPED and DUPLICATE_LINE within a settlement
 * depend on that settlement's lines and the mapping rules only. A settlement whose file,
 * marketplace, currency, config (user rules), built-in rules and version digest to what was
 * recorded after its last reconcile (stage_input, stage 'settlement', scope its id) gets its
 * previous rows of those kinds emitted again instead of a read of its lines; any other is
 * recomputed. The ledger-wide checks (refunds, fees, order history, inventory, duplicates
 * across settlements, new amount types) still run over everything in scope. */
#include "reconcile_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

/* The kinds this module may carry over; across-settlement duplicates are errors. */
#define CARRIED_SQL                                                                         \
    "(x.kind = 'UNMAPPED' OR (x.kind = 'DUPLICATE_LINE' AND x.severity = 'warning'))"

struct rsettle {
    int64_t ref;
    char id[64], digest[HASH_HEX_LEN];
    int same;
};

struct rsettles {
    struct rsettle *v;
    size_t n;
    char rules[HASH_HEX_LEN];
};

static int digest_of(struct reconcile_ctx *c, const struct rsettlement *s, const char *rules,
                     char hex[HASH_HEX_LEN], struct err *e)
{
    sqlite3_stmt *st;
    char buf[1024];
    int r;
    if (ledger_prepare(c->lg, &st, "SELECT f.sha256 FROM settlement s JOIN source_file f ON "
                       "f.id = s.source_file_id WHERE s.id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->ref);
    r = sqlite3_step(st);
    snprintf(buf, sizeof buf, "settlebook %s schema %d settlement checks 1|%s|%s|%s|%s|%s|%s",
             SETTLEBOOK_VERSION, ledger_schema_version(), r == SQLITE_ROW ?
             ledger_text(st, 0) : "", s->id, s->marketplace, s->currency, c->cfg->hash, rules);
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ledger_fail(c->lg, e, "settlement digest");
    hash_hex(buf, strlen(buf), hex);
    return 0;
}

static int note(struct reconcile_ctx *c, const struct rsettlement *s, struct err *e)
{
    struct rsettles *t = c->settles;
    struct rsettle *x, *v = realloc(t->v, (t->n + 1) * sizeof *v);
    char in[HASH_HEX_LEN], out[HASH_HEX_LEN];
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    t->v = v;
    x = &v[t->n++];
    memset(x, 0, sizeof *x);
    x->ref = s->ref;
    snprintf(x->id, sizeof x->id, "%s", s->id);
    if (digest_of(c, s, t->rules, x->digest, e) < 0 ||
        stage_get(c->lg, "settlement", s->id, in, out, e) < 0)
        return -1;
    /* the reference queries (SETTLEBOOK_RECONCILE_SQL=1) always recompute, and record the
     * same digests, so both ways leave the same ledger */
    x->same = !reconcile_sql_reference() && strcmp(in, x->digest) == 0;
    return 0;
}

int reconcile_settles_begin(struct reconcile_ctx *c, struct err *e)
{
    static const char *const RULES[] = { "SELECT * FROM mapping_default ORDER BY id" };
    struct rsettles *t = calloc(1, sizeof *t);
    size_t same = 0;
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->settles = t;
    if (stage_rows_digest(c->lg, RULES, 1, NULL, t->rules, e) < 0 ||
        reconcile_settlements(c, note, e) < 0)
        return -1;
    for (size_t i = 0; i < t->n; i++)
        same += (size_t)t->v[i].same;
    log_verbose("reconcile: %zu of %zu settlement(s) recomputed, %zu unchanged (their "
                "UNMAPPED and duplicate-line rows carried over)", t->n - same, t->n, same);
    return 0;
}

size_t reconcile_settles_count(const struct reconcile_ctx *c)
{
    return c->settles ? c->settles->n : 0;
}

int reconcile_settle_same(const struct reconcile_ctx *c, int64_t ref)
{
    const struct rsettles *t = c->settles;
    for (size_t i = 0; t && i < t->n; i++)
        if (t->v[i].ref == ref)
            return t->v[i].same;
    return 0;
}

int reconcile_settle_carry(struct reconcile_ctx *c, const struct rsettlement *s,
                           const char *kind, struct err *e)
{
    sqlite3_stmt *st;
    int r, rc = 0;
    if (ledger_prepare(c->lg, &st, "SELECT x.kind, x.severity, x.settlement_id, x.order_id, "
                       "x.sku, x.currency, x.expected_minor, x.actual_minor, x.explanation, "
                       "x.action FROM exception x WHERE x.scope = 'reconcile' AND "
                       "x.settlement_id = ?1 AND x.kind = ?2 AND " CARRIED_SQL " ORDER BY x.id",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    while (rc == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct exception_row x = {
            .kind = reconcile_str(st, 0), .severity = reconcile_str(st, 1),
            .settlement_id = reconcile_col(st, 2), .order_id = reconcile_col(st, 3),
            .sku = reconcile_col(st, 4), .currency = reconcile_col(st, 5),
            .has_expected = sqlite3_column_type(st, 6) != SQLITE_NULL,
            .expected = sqlite3_column_int64(st, 6),
            .has_actual = sqlite3_column_type(st, 7) != SQLITE_NULL,
            .actual = sqlite3_column_int64(st, 7), .explanation = reconcile_col(st, 8),
            .action = reconcile_col(st, 9),
        };
        rc = reconcile_emit(c, &x, e);
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "carry exceptions over");
    sqlite3_finalize(st);
    return rc;
}

int reconcile_settles_remember(struct reconcile_ctx *c, struct err *e)
{
    const struct rsettles *t = c->settles;
    for (size_t i = 0; t && i < t->n; i++)
        if (!t->v[i].same && stage_put(c->lg, "settlement", t->v[i].id, t->v[i].digest, "",
                                       e) < 0)
            return -1;
    return 0;
}

void reconcile_settles_free(struct reconcile_ctx *c)
{
    struct rsettles *t = c->settles;
    if (t)
        free(t->v);
    free(t);
    c->settles = NULL;
}
