/* reconcile — the driver: runs every check into a scratch table, then brings the scope's
 * 'reconcile' exception rows to the fresh set row by row, so a rerun on the same ledger
 * writes nothing. Never changes a raw row, never touches other stages' exceptions. */
#include "reconcile.h"

#include <stdio.h>
#include <string.h>

#include "period.h"
#include "clock.h"
#include "log.h"
#include "reconcile_int.h"
#include "text.h"

static const char SCRATCH[] =
    "DROP TABLE IF EXISTS temp.reconcile_new;"
    "CREATE TEMP TABLE reconcile_new ("
    " seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, severity TEXT NOT NULL,"
    " settlement_id TEXT, order_id TEXT, sku TEXT, currency TEXT, expected_minor INTEGER,"
    " actual_minor INTEGER, difference_minor INTEGER, explanation TEXT NOT NULL,"
    " action TEXT NOT NULL)";

static const char INSERT_NEW[] =
    "INSERT INTO temp.reconcile_new(kind, severity, settlement_id, order_id, sku, currency, "
    "expected_minor, actual_minor, difference_minor, explanation, action) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?)";

#define EXC_COLS                                                                           \
    "kind, severity, settlement_id, order_id, sku, currency, expected_minor, actual_minor, " \
    "difference_minor, explanation, action"
#define SAME(a, b)                                                                         \
    a ".kind = " b ".kind AND " a ".rn = " b ".rn AND " a ".severity IS " b ".severity AND " \
    a ".settlement_id IS " b ".settlement_id AND " a ".order_id IS " b ".order_id AND "    \
    a ".sku IS " b ".sku AND " a ".currency IS " b ".currency AND " a ".expected_minor IS " \
    b ".expected_minor AND " a ".actual_minor IS " b ".actual_minor AND " a                \
    ".difference_minor IS " b ".difference_minor AND " a ".explanation IS " b              \
    ".explanation AND " a ".action IS " b ".action"

/* The stored rows this run owns are matched to the fresh ones as multisets: the n-th stored
 * copy of a content (by id) pairs with the n-th fresh copy (by emit order). Matched rows stay
 * as they are (id and run); only the unmatched stored rows are deleted and the unmatched
 * fresh rows inserted. So months that share a settlement (one crossing a month end) or the
 * ledger-wide rows agree whichever month ran last, and a rerun writes nothing. */
static const char MATCH_TABLES[] =
    "DROP TABLE IF EXISTS temp.reconcile_old;"
    "DROP TABLE IF EXISTS temp.reconcile_match;"
    "CREATE TEMP TABLE reconcile_old (id INTEGER PRIMARY KEY, kind TEXT, severity TEXT,"
    " settlement_id TEXT, order_id TEXT, sku TEXT, currency TEXT, expected_minor INTEGER,"
    " actual_minor INTEGER, difference_minor INTEGER, explanation TEXT, action TEXT,"
    " rn INTEGER);"
    "CREATE INDEX temp.reconcile_old_key ON reconcile_old(kind, rn, settlement_id);"
    "CREATE TEMP TABLE reconcile_match (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE)";

static const char LOAD_OLD[] =
    "INSERT INTO temp.reconcile_old SELECT x.id, " EXC_COLS ", row_number() OVER "
    "(PARTITION BY " EXC_COLS " ORDER BY x.id) FROM exception x "
    "WHERE x.scope = 'reconcile' AND " RECONCILE_SCOPE_SQL;

static const char MATCH[] =
    "INSERT INTO temp.reconcile_match(id, seq) "
    "WITH n AS (SELECT seq, " EXC_COLS ", row_number() OVER (PARTITION BY " EXC_COLS
    " ORDER BY seq) AS rn FROM temp.reconcile_new) "
    "SELECT o.id, n.seq FROM n JOIN temp.reconcile_old o ON " SAME("o", "n");

static const char COUNTS[] =
    "SELECT (SELECT count(*) FROM temp.reconcile_old), (SELECT count(*) FROM "
    "temp.reconcile_new), (SELECT count(*) FROM temp.reconcile_match)";

static const char DELETE_OLD[] =
    "DELETE FROM exception WHERE id IN (SELECT id FROM temp.reconcile_old "
    "WHERE id NOT IN (SELECT id FROM temp.reconcile_match))";

static const char INSERT_FRESH[] =
    "INSERT INTO exception(scope, " EXC_COLS ", run_id) "
    "SELECT 'reconcile', " EXC_COLS ", ?1 FROM temp.reconcile_new "
    "WHERE seq NOT IN (SELECT seq FROM temp.reconcile_match) ORDER BY seq";

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

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int reconcile_emit(struct reconcile_ctx *c, const struct reconcile_row *r, struct err *e)
{
    sqlite3_stmt *st = c->ins;
    int64_t diff;
    if (c->rows >= RECONCILE_ROWS_MAX)
        return err_set(e, ERR_INPUT, "reconcile: more than %d exceptions: fix the mapping "
                       "rules and inputs behind the first ones, then rerun",
                       RECONCILE_ROWS_MAX);
    sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->severity, -1, SQLITE_STATIC);
    bind_opt(st, 3, r->settlement_id);
    bind_opt(st, 4, r->order_id);
    bind_opt(st, 5, r->sku);
    bind_opt(st, 6, r->currency);
    sqlite3_bind_null(st, 7);
    sqlite3_bind_null(st, 8);
    sqlite3_bind_null(st, 9);
    if (r->has_expected)
        sqlite3_bind_int64(st, 7, r->expected);
    if (r->has_actual)
        sqlite3_bind_int64(st, 8, r->actual);
    if (r->has_expected && r->has_actual) {
        if (__builtin_sub_overflow(r->actual, r->expected, &diff))
            return err_set(e, ERR_INPUT, "reconcile: %s %s: the difference overflows 64-bit "
                           "minor units", r->kind, r->settlement_id ? r->settlement_id : "");
        sqlite3_bind_int64(st, 9, diff);
    }
    /* the texts were formatted into fixed buffers: never store half a character */
    sqlite3_bind_text(st, 10, r->explanation, (int)text_utf8_whole(r->explanation),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, r->action, (int)text_utf8_whole(r->action), SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "reconcile emit");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    c->rows++;
    return rc;
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
    sqlite3_stmt *st;
    int s;
    memset(out, 0, sizeof *out);
    if (!period)
        period = "";
    if (scalar(lg, "SELECT count(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL, period,
               &out->settlements, e) < 0 ||
        ledger_prepare(lg, &st, "SELECT x.severity, count(*) FROM exception x WHERE "
                       RECONCILE_SCOPE_SQL " GROUP BY x.severity ORDER BY x.severity", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sev = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        if (strcmp(sev, "error") == 0)
            out->errors = n;
        else if (strcmp(sev, "warning") == 0)
            out->warnings = n;
        else
            out->infos += n;
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "count exceptions");
}

int reconcile_print_kinds(struct ledger *lg, const char *period, FILE *f, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, "SELECT x.severity, x.kind, count(*) FROM exception x WHERE "
                       RECONCILE_SCOPE_SQL " GROUP BY x.severity, x.kind ORDER BY CASE "
                       "x.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, x.kind",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fprintf(f, "  %-8s %-26s %lld\n", (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1),
                (long long)sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list exception kinds");
}

/* Steps a prepared statement with ?1 bound to the period (when it has parameters). */
static int step_once(struct reconcile_ctx *c, const char *sql, int64_t run, const char *what,
                     struct err *e)
{
    sqlite3_stmt *st;
    int ok;
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    if (run)
        sqlite3_bind_int64(st, 1, run);
    else if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_text(st, 1, c->period, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(c->lg, e, what);
}

/* Pairs stored and fresh rows; sets *same when every row has its pair. */
static int match(struct reconcile_ctx *c, int *same, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_exec(c->lg, MATCH_TABLES, e) < 0 ||
        step_once(c, LOAD_OLD, 0, "load exceptions", e) < 0 ||
        step_once(c, MATCH, 0, "match exceptions", e) < 0 ||
        ledger_prepare(c->lg, &st, COUNTS, e) < 0)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return ledger_fail(c->lg, e, "count matches");
    }
    *same = sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 2) &&
            sqlite3_column_int64(st, 1) == sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    return 0;
}

/* Deletes the stored rows nobody matched, inserts the fresh ones nobody matched. */
static int apply(struct reconcile_ctx *c, struct err *e)
{
    int64_t run;
    if (ledger_run_id(c->lg, &run, e) < 0 ||
        step_once(c, DELETE_OLD, 0, "delete exceptions", e) < 0)
        return -1;
    return step_once(c, INSERT_FRESH, run, "insert exceptions", e);
}

static const struct {
    const char *name;
    int (*run)(struct reconcile_ctx *c, struct err *e);
} checks[] = {
    { "unmapped", reconcile_unmapped }, { "duplicates", reconcile_duplicates },
    { "reserve", reconcile_reserve },   { "deposit", reconcile_deposit },
    { "orders", reconcile_orders },     { "refunds", reconcile_refunds },
    { "fees", reconcile_fees },
};

int reconcile_run(struct ledger *lg, const struct config *cfg, const char *period,
                  struct reconcile_summary *out, struct err *e)
{
    struct reconcile_ctx c = { .lg = lg, .cfg = cfg, .period = period ? period : "" };
    int64_t n, history;
    int rc = -1, same = 1;

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
    c.has_history = history != 0;
    if (ledger_exec(lg, SCRATCH, e) < 0 || ledger_prepare(lg, &c.ins, INSERT_NEW, e) < 0)
        goto done;
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        int64_t t0 = clock_mono_ms();
        if (checks[i].run(&c, e) < 0)
            goto done;
        log_verbose("reconcile: %s checks took %lld ms", checks[i].name,
                    (long long)(clock_mono_ms() - t0));
    }
    if (match(&c, &same, e) < 0 || (!same && apply(&c, e) < 0))
        goto done;
    rc = 0;
done:
    sqlite3_finalize(c.ins);
    if (rc == 0)
        rc = ledger_exec(lg, "DROP TABLE IF EXISTS temp.reconcile_new;"
                         "DROP TABLE IF EXISTS temp.reconcile_old;"
                         "DROP TABLE IF EXISTS temp.reconcile_match", e);
    if (rc == 0)
        rc = reconcile_counts(lg, c.period, out, e);
    out->changed = rc == 0 && !same;
    return rc;
}
