/* reconcile — the driver: runs every check into a scratch table, then brings the scope's
 * 'reconcile' exception rows to the fresh set row by row, so a rerun on the same ledger
 * writes nothing. Never changes a raw row, never touches other stages' exceptions. */
#include "reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "base.h"
#include "reconcile_int.h"

char *reconcile_amount(char *buf, int64_t v, const char *currency)
{
    char num[MONEY_FMT_MAX];
    int exp = money_exponent(currency ? currency : "");
    snprintf(buf, RECONCILE_AMOUNT_MAX, "%s %s", money_format(num, v, exp < 0 ? 2 : exp),
             currency ? currency : "");
    return buf;
}

const char *reconcile_col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

const char *reconcile_str(sqlite3_stmt *st, int i)
{
    const char *t = reconcile_col(st, i);
    return t ? t : "";
}

int reconcile_each(struct reconcile_ctx *c, sqlite3_stmt *st,
                   int (*row)(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e),
                   struct err *e)
{
    int rc = 0, s;
    sqlite3_bind_text(st, 1, c->period, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if (row(c, st, e) < 0) {
            rc = -1;
            break;
        }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "reconcile query");
    sqlite3_finalize(st);
    return rc;
}

int reconcile_emit(struct reconcile_ctx *c, const struct exception_row *r, struct err *e)
{
    if (exception_batch_add(c->batch, r, e) < 0)
        return err_prefix(e, "reconcile: ");
    return 0;
}

/* One integer from sql with the period bound as ?1. */
static int scalar(struct ledger *lg, const char *sql, const char *period, int64_t *out,
                  struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "reconcile count");
}

int reconcile_counts(struct ledger *lg, const char *period, struct reconcile_summary *out,
                     struct err *e)
{
    memset(out, 0, sizeof *out);
    if (!period)
        period = "";
    if (scalar(lg, "SELECT count(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL, period,
               &out->settlements, e) < 0)
        return -1;
    return exception_counts(lg, period, &out->errors, &out->warnings, &out->infos, e);
}

static int print_kind(void *arg, const char *severity, const char *kind, int64_t n)
{
    return fprintf((FILE *)arg, "  %-8s %-26s %lld\n", severity, kind, (long long)n) < 0 ? -1
                                                                                         : 0;
}

int reconcile_print_kinds(struct ledger *lg, const char *period, FILE *f, struct err *e)
{
    return exception_kinds(lg, period, print_kind, f, e);
}

static const struct {
    const char *name;
    int (*run)(struct reconcile_ctx *c, struct err *e);
} checks[] = {
    { "unmapped", reconcile_unmapped }, { "duplicates", reconcile_duplicates },
    { "reserve", reconcile_reserve },   { "payable", reconcile_payable },
    { "deposit", reconcile_deposit },   { "orders", reconcile_orders },
    { "refunds", reconcile_refunds },   { "fees", reconcile_fees },
    { "inventory", reconcile_inventory }, { "newtypes", reconcile_newtypes },
    { "market", reconcile_market },
};

/* Skipping an unchanged rerun. Reconcile reads the settlements, their lines, the order
 * history and the bank lines (all from the source files stage_digest covers), the mapping
 * rules and the config. When their digest is the one recorded for the period after its last
 * run, and the period's rows are still the ones that run left (another period's run may have
 * changed rows they share: a settlement crossing a month end, the ledger-wide rows), a run
 * would change nothing: in is set to "" and nothing is done. */
static int inputs_unchanged(struct ledger *lg, const struct config *cfg, const char *period,
                            char in[HASH_HEX_LEN], struct err *e)
{
    char old[HASH_HEX_LEN], out[HASH_HEX_LEN], now[HASH_HEX_LEN];
    if (stage_digest(lg, cfg, "reconcile", period, 0, in, e) < 0 ||
        stage_get(lg, "reconcile", period, old, out, e) < 0)
        return -1;
    if (strcmp(in, old) != 0)
        return 0;
    if (stage_exceptions_digest(lg, "reconcile", period, now, e) < 0)
        return -1;
    if (strcmp(now, out) == 0) {
        log_verbose("reconcile: inputs unchanged since the last run of %s: skipped",
                    period[0] ? period : "all settlements");
        in[0] = '\0';
    }
    return 0;
}

static int remember(struct ledger *lg, const char *period, const char *in, struct err *e)
{
    char out[HASH_HEX_LEN];
    if (stage_exceptions_digest(lg, "reconcile", period, out, e) < 0)
        return -1;
    return stage_put(lg, "reconcile", period, in, out, e);
}

int reconcile_run(struct ledger *lg, const struct config *cfg, const char *period,
                  struct reconcile_summary *out, struct err *e)
{
    struct reconcile_ctx c = { .lg = lg, .cfg = cfg, .period = period ? period : "" };
    int64_t n, history;
    int rc = -1, changed = 0;
    char in[HASH_HEX_LEN];

    memset(out, 0, sizeof *out);
    if (c.period[0] && period_parse(c.period, e) < 0)
        return -1;
    if (scalar(lg, "SELECT count(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL, c.period, &n,
               e) < 0 ||
        scalar(lg, "SELECT EXISTS (SELECT 1 FROM orders) WHERE ?1 = ?1", c.period, &history,
               e) < 0)
        return -1;
    if (n == 0)
        return reconcile_counts(lg, c.period, out, e);
    if (inputs_unchanged(lg, cfg, c.period, in, e) < 0)
        return -1;
    if (!in[0])
        return reconcile_counts(lg, c.period, out, e);
    c.has_history = history != 0;
    if (exception_batch_begin(lg, &c.batch, e) < 0 ||
        reconcile_settles_begin(&c, e) < 0)
        goto done;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        int64_t t0 = clock_mono_ms();
        if (checks[i].run(&c, e) < 0)
            goto done;
        log_verbose("reconcile: %s checks took %lld ms", checks[i].name,
                    (long long)(clock_mono_ms() - t0));
    }
    if (exception_batch_apply(c.batch, "reconcile", c.period, &changed, e) < 0 ||
        reconcile_settles_remember(&c, e) < 0 || remember(lg, c.period, in, e) < 0)
        goto done;
    rc = 0;
done:
    exception_batch_free(c.batch);
    for (size_t i = 0; i < c.ncombos; i++)
        reconcile_combos_free(&c.combos[i]);
    free(c.combos);
    reconcile_dupseeds_free(&c);
    reconcile_fees_discard(&c);
    reconcile_refunds_discard(&c);
    reconcile_shipped_discard(&c);
    reconcile_settles_free(&c);
    if (rc == 0)
        rc = reconcile_counts(lg, c.period, out, e);
    out->changed = rc == 0 && changed;
    return rc;
}
