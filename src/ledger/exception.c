/* exception — the one writer of the exception table: single rows for the stages that raise
 * one at a time (ingest, journal, post, xero), and the batch that reconcile fills and then
 * applies by content, so a rerun on the same ledger writes nothing. Also the read queries
 * the commands and the report use. Never decides what is an exception: callers do. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* exception_uid(kind, severity, settlement_id, order_id, sku, currency, expected, actual,
 * explanation): "X-" and the first 10 hex digits (upper case) of the SHA-256 of the values,
 * each tagged NULL or not, separated by a unit separator. Deterministic, so the same finding
 * keeps its id however often a stage deletes and re-inserts it. */
static void uid_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct hash_ctx *h;
    struct err e;
    char hex[HASH_HEX_LEN], out[EXCEPTION_UID_MAX];
    if (hash_new(&h, &e) < 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (int i = 0; i < argc; i++) {
        const unsigned char *t = sqlite3_value_text(argv[i]);
        int null = sqlite3_value_type(argv[i]) == SQLITE_NULL;
        hash_update(h, null ? "\x1eN" : "\x1eV", 2);
        if (!null && t)
            hash_update(h, t, (size_t)sqlite3_value_bytes(argv[i]));
    }
    hash_final(h, hex);
    snprintf(out, sizeof out, "X-%.10s", hex);
    for (char *c = out + 2; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

int exception_register(sqlite3 *db)
{
    return sqlite3_create_function(db, "exception_uid", 9, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   NULL, uid_fn, NULL, NULL);
}

/* Binds r's columns as ?1..?12 in the order of EXC_COLS. */
static int bind_row(sqlite3_stmt *st, const struct exception_row *r, struct err *e)
{
    int64_t diff;
    sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->severity, -1, SQLITE_STATIC);
    ledger_bind_text(st, 3, r->settlement_id);
    ledger_bind_text(st, 4, r->order_id);
    ledger_bind_text(st, 5, r->sku);
    ledger_bind_text(st, 6, r->currency);
    sqlite3_bind_null(st, 7);
    sqlite3_bind_null(st, 8);
    sqlite3_bind_null(st, 9);
    if (r->has_expected)
        sqlite3_bind_int64(st, 7, r->expected);
    if (r->has_actual)
        sqlite3_bind_int64(st, 8, r->actual);
    if (r->has_expected && r->has_actual) {
        if (__builtin_sub_overflow(r->actual, r->expected, &diff))
            return err_set(e, ERR_INPUT, "%s %s: the difference overflows 64-bit minor units",
                           r->kind, r->settlement_id ? r->settlement_id : "");
        sqlite3_bind_int64(st, 9, diff);
    }
    /* texts are formatted into fixed buffers by callers: never store half a character */
    sqlite3_bind_text(st, 10, r->explanation, (int)text_utf8_whole(r->explanation),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, r->action, (int)text_utf8_whole(r->action), SQLITE_TRANSIENT);
    ledger_bind_text(st, 12, r->month);
    return 0;
}

/* The uid of the row bound as ?1..?12 (see bind_row). The month is not part of it: ids of
 * rows written before sql/014 stay valid, and every month-scoped explanation names its
 * month already, so the same finding in two months has two ids. */
#define EXC_UID_ARGS "exception_uid(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10)"
#define EXC_UID_COLS                                                                       \
    "exception_uid(kind, severity, settlement_id, order_id, sku, currency, expected_minor, " \
    "actual_minor, explanation)"

#define EXC_COLS                                                                           \
    "kind, severity, settlement_id, order_id, sku, currency, expected_minor, actual_minor, " \
    "difference_minor, explanation, action, month"

static int insert(struct ledger *lg, const char *scope, const struct exception_row *r,
                  int once, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run;
    int ok;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, once ?
                       "INSERT INTO exception(" EXC_COLS ", scope, run_id, uid) SELECT ?1, ?2, "
                       "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, " EXC_UID_ARGS
                       " WHERE NOT EXISTS (SELECT 1 FROM exception WHERE settlement_id IS ?3 AND "
                       "scope = ?13 AND kind = ?1)"
                       : "INSERT INTO exception(" EXC_COLS ", scope, run_id, uid) VALUES (?1, "
                       "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, " EXC_UID_ARGS
                       ")",
                       e) < 0)
        return -1;
    if (bind_row(st, r, e) < 0) {
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_bind_text(st, 13, scope, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 14, run);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, "insert exception");
}

int exception_add(struct ledger *lg, const char *scope, const struct exception_row *r,
                  struct err *e)
{
    return insert(lg, scope, r, 0, e);
}

int exception_add_once(struct ledger *lg, const char *scope, const struct exception_row *r,
                       struct err *e)
{
    return insert(lg, scope, r, 1, e);
}

int exception_clear(struct ledger *lg, const char *scope, const char *kind,
                    const char *settlement_id, const char *explanation_like, struct err *e)
{
    sqlite3_stmt *st;
    int ok;
    if (ledger_prepare(lg, &st, "DELETE FROM exception WHERE (?1 IS NULL OR scope = ?1) AND "
                       "(?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR settlement_id = ?3) AND "
                       "(?4 IS NULL OR explanation LIKE ?4)", e) < 0)
        return -1;
    ledger_bind_text(st, 1, scope);
    ledger_bind_text(st, 2, kind);
    ledger_bind_text(st, 3, settlement_id);
    ledger_bind_text(st, 4, explanation_like);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, "delete exceptions");
}

/* Runs sql with r bound as ?1..?12 and scope as ?13; *found (when given) is its one value. */
static int step_row(struct ledger *lg, const char *sql, const char *scope,
                    const struct exception_row *r, int64_t *found, struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    if (bind_row(st, r, e) < 0) {
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_bind_text(st, 13, scope, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (found && rc == SQLITE_ROW)
        *found = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == (found ? SQLITE_ROW : SQLITE_DONE) ? 0 : ledger_fail(lg, e, "exception");
}

#define SAME_ROW                                                                          \
    "settlement_id IS ?3 AND severity = ?2 AND explanation = ?10 AND action = ?11 AND "   \
    "month IS ?12"

int exception_put_only(struct ledger *lg, const char *scope, const struct exception_row *r,
                       struct err *e)
{
    int64_t found = 0;
    if (step_row(lg, "DELETE FROM exception WHERE scope = ?13 AND kind = ?1 AND NOT (" SAME_ROW
                 ")", scope, r, NULL, e) < 0 ||
        step_row(lg, "SELECT EXISTS (SELECT 1 FROM exception WHERE scope = ?13 AND kind = ?1 "
                 "AND " SAME_ROW ")", scope, r, &found, e) < 0)
        return -1;
    return found ? 0 : insert(lg, scope, r, 0, e);
}

int exception_set(struct ledger *lg, const char *scope, const char *kind, const char *sid,
                  const struct exception_row *rows, size_t n, struct err *e)
{
    struct exception_row probe = { .kind = kind, .severity = "", .settlement_id = sid,
                                   .explanation = "", .action = "" };
    int64_t stored = 0, found = 1;
    if (step_row(lg, "SELECT count(*) FROM exception WHERE scope = ?13 AND kind = ?1 AND "
                 "settlement_id IS ?3", scope, &probe, &stored, e) < 0)
        return -1;
    for (size_t i = 0; found && i < n; i++)
        if (step_row(lg, "SELECT EXISTS (SELECT 1 FROM exception WHERE scope = ?13 AND kind = "
                     "?1 AND " SAME_ROW ")", scope, &rows[i], &found, e) < 0)
            return -1;
    if (found && stored == (int64_t)n)
        return 0;   /* the same findings: a rerun writes nothing */
    if (exception_clear(lg, scope, kind, sid, NULL, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (insert(lg, scope, &rows[i], 0, e) < 0)
            return -1;
    return 0;
}

/* ---- the batch: fresh rows in a scratch table, then matched to the stored ones ---------- */

struct exception_batch {
    struct ledger *lg;
    sqlite3_stmt *ins;
    int64_t rows;
};

static const char SCRATCH[] =
    "DROP TABLE IF EXISTS temp.exception_new;"
    "CREATE TEMP TABLE exception_new ("
    " seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, severity TEXT NOT NULL,"
    " settlement_id TEXT, order_id TEXT, sku TEXT, currency TEXT, expected_minor INTEGER,"
    " actual_minor INTEGER, difference_minor INTEGER, explanation TEXT NOT NULL,"
    " action TEXT NOT NULL, month TEXT)";

#define SAME(a, b)                                                                         \
    a ".kind = " b ".kind AND " a ".rn = " b ".rn AND " a ".severity IS " b ".severity AND " \
    a ".settlement_id IS " b ".settlement_id AND " a ".order_id IS " b ".order_id AND "    \
    a ".sku IS " b ".sku AND " a ".currency IS " b ".currency AND " a ".expected_minor IS " \
    b ".expected_minor AND " a ".actual_minor IS " b ".actual_minor AND " a                \
    ".difference_minor IS " b ".difference_minor AND " a ".explanation IS " b              \
    ".explanation AND " a ".action IS " b ".action AND " a ".month IS " b ".month"

/* The stored rows of the scope are matched to the fresh ones as multisets: the n-th stored
 * copy of a content (by id) pairs with the n-th fresh copy (by emit order). Matched rows stay
 * as they are (id and run); only the unmatched stored rows are deleted and the unmatched
 * fresh rows inserted. So months that share a settlement (one crossing a month end) or the
 * ledger-wide rows agree whichever month ran last, and a rerun writes nothing. */
static const char MATCH_TABLES[] =
    "DROP TABLE IF EXISTS temp.exception_old;"
    "DROP TABLE IF EXISTS temp.exception_match;"
    "CREATE TEMP TABLE exception_old (id INTEGER PRIMARY KEY, kind TEXT, severity TEXT,"
    " settlement_id TEXT, order_id TEXT, sku TEXT, currency TEXT, expected_minor INTEGER,"
    " actual_minor INTEGER, difference_minor INTEGER, explanation TEXT, action TEXT,"
    " month TEXT, rn INTEGER);"
    "CREATE INDEX temp.exception_old_key ON exception_old(kind, rn, settlement_id);"
    "CREATE TEMP TABLE exception_match (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE)";

static const char LOAD_OLD[] =
    "INSERT INTO temp.exception_old SELECT x.id, " EXC_COLS ", row_number() OVER "
    "(PARTITION BY " EXC_COLS " ORDER BY x.id) FROM exception x "
    "WHERE x.scope = ?2 AND " EXCEPTION_SCOPE_SQL;

static const char MATCH[] =
    "INSERT INTO temp.exception_match(id, seq) "
    "WITH n AS (SELECT seq, " EXC_COLS ", row_number() OVER (PARTITION BY " EXC_COLS
    " ORDER BY seq) AS rn FROM temp.exception_new) "
    "SELECT o.id, n.seq FROM n JOIN temp.exception_old o ON " SAME("o", "n");

static const char COUNTS[] =
    "SELECT (SELECT count(*) FROM temp.exception_old), (SELECT count(*) FROM "
    "temp.exception_new), (SELECT count(*) FROM temp.exception_match)";

static const char DELETE_OLD[] =
    "DELETE FROM exception WHERE id IN (SELECT id FROM temp.exception_old "
    "WHERE id NOT IN (SELECT id FROM temp.exception_match))";

static const char INSERT_FRESH[] =
    "INSERT INTO exception(scope, " EXC_COLS ", run_id, uid) "
    "SELECT ?2, " EXC_COLS ", ?1, " EXC_UID_COLS " FROM temp.exception_new "
    "WHERE seq NOT IN (SELECT seq FROM temp.exception_match) ORDER BY seq";

static const char DROP_ALL[] =
    "DROP TABLE IF EXISTS temp.exception_new;"
    "DROP TABLE IF EXISTS temp.exception_old;"
    "DROP TABLE IF EXISTS temp.exception_match";

int exception_batch_begin(struct ledger *lg, struct exception_batch **out, struct err *e)
{
    struct exception_batch *b = calloc(1, sizeof *b);
    *out = NULL;
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    b->lg = lg;
    if (ledger_exec(lg, SCRATCH, e) < 0 ||
        ledger_prepare(lg, &b->ins, "INSERT INTO temp.exception_new(" EXC_COLS ") VALUES "
                       "(?,?,?,?,?,?,?,?,?,?,?,?)", e) < 0) {
        free(b);
        return -1;
    }
    *out = b;
    return 0;
}

int exception_batch_add(struct exception_batch *b, const struct exception_row *r,
                        struct err *e)
{
    int rc;
    if (b->rows >= EXCEPTION_BATCH_MAX)
        return err_set(e, ERR_INPUT, "more than %d exceptions: fix the mapping rules and "
                       "inputs behind the first ones, then rerun", EXCEPTION_BATCH_MAX);
    rc = bind_row(b->ins, r, e);
    if (rc == 0 && sqlite3_step(b->ins) != SQLITE_DONE)
        rc = ledger_fail(b->lg, e, "store exception");
    sqlite3_reset(b->ins);
    sqlite3_clear_bindings(b->ins);
    b->rows++;
    return rc;
}

/* Steps sql once with ?1 and ?2 bound when the statement has them. */
static int step_bound(struct ledger *lg, const char *sql, const char *p1, int64_t run,
                      const char *scope, const char *what, struct err *e)
{
    sqlite3_stmt *st;
    int ok, n;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    n = sqlite3_bind_parameter_count(st);
    if (n >= 1) {
        if (run)
            sqlite3_bind_int64(st, 1, run);
        else
            sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
    }
    if (n >= 2)
        sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, what);
}

static int match(struct exception_batch *b, const char *scope, const char *period, int *same,
                 struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_exec(b->lg, MATCH_TABLES, e) < 0 ||
        step_bound(b->lg, LOAD_OLD, period, 0, scope, "load exceptions", e) < 0 ||
        step_bound(b->lg, MATCH, period, 0, scope, "match exceptions", e) < 0 ||
        ledger_prepare(b->lg, &st, COUNTS, e) < 0)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return ledger_fail(b->lg, e, "count matches");
    }
    *same = sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 2) &&
            sqlite3_column_int64(st, 1) == sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    return 0;
}

int exception_batch_apply(struct exception_batch *b, const char *scope, const char *period,
                          int *changed, struct err *e)
{
    int64_t run;
    int same = 1;
    *changed = 0;
    sqlite3_finalize(b->ins);
    b->ins = NULL;
    if (match(b, scope, period, &same, e) < 0)
        return -1;
    if (!same) {
        if (ledger_run_id(b->lg, &run, e) < 0 ||
            step_bound(b->lg, DELETE_OLD, period, 0, scope, "delete exceptions", e) < 0 ||
            step_bound(b->lg, INSERT_FRESH, NULL, run, scope, "insert exceptions", e) < 0)
            return -1;
        *changed = 1;
    }
    return ledger_exec(b->lg, DROP_ALL, e);
}

void exception_batch_free(struct exception_batch *b)
{
    if (!b)
        return;
    sqlite3_finalize(b->ins);
    free(b);
}

/* ---- reading ------------------------------------------------------------------------- */

int exception_counts(struct ledger *lg, const char *period, int64_t *errors,
                     int64_t *warnings, int64_t *infos, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    *errors = *warnings = *infos = 0;
    /* an accepted error no longer counts as one (it is still listed, marked accepted) */
    if (ledger_prepare(lg, &st, "SELECT CASE WHEN x.severity = 'error' AND x.uid IN (SELECT "
                       "uid FROM exception_accept) THEN 'accepted' ELSE x.severity END, "
                       "count(*) FROM exception x WHERE " EXCEPTION_SCOPE_SQL " GROUP BY 1 "
                       "ORDER BY 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sev = (const char *)sqlite3_column_text(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        if (strcmp(sev, "error") == 0)
            *errors = n;
        else if (strcmp(sev, "warning") == 0)
            *warnings = n;
        else if (strcmp(sev, "info") == 0)
            *infos += n;
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "count exceptions");
}

int exception_kinds(struct ledger *lg, const char *period,
                    int (*fn)(void *arg, const char *severity, const char *kind, int64_t n),
                    void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT x.severity, x.kind, count(*) FROM exception x WHERE "
                       EXCEPTION_SCOPE_SQL " GROUP BY x.severity, x.kind ORDER BY CASE "
                       "x.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, x.kind",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(arg, (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    if (rc < 0)
        return err_set(e, ERR_IO, "cannot write the exception summary");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list exception kinds");
}

static const char *opt_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int exception_each(struct ledger *lg, const char *period,
                   int (*fn)(void *arg, const struct exception_info *x), void *arg,
                   struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT x.kind, x.severity, x.settlement_id, x.order_id, x.sku,"
                       " x.currency, x.expected_minor, x.actual_minor, x.difference_minor, "
                       "x.explanation, x.action, x.scope, x.id, x.uid, a.reason, x.month FROM "
                       "exception x LEFT JOIN exception_accept a ON a.uid = x.uid WHERE "
                       EXCEPTION_SCOPE_SQL " ORDER BY CASE x.severity WHEN 'error' THEN 0 WHEN "
                       "'warning' THEN 1 ELSE 2 END, x.kind, coalesce(x.settlement_id, ''), "
                       "coalesce(x.order_id, ''), coalesce(x.sku, ''), x.id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct exception_info x = {
            .kind = opt_text(st, 0), .severity = opt_text(st, 1),
            .settlement_id = opt_text(st, 2), .order_id = opt_text(st, 3),
            .sku = opt_text(st, 4), .currency = opt_text(st, 5),
            .explanation = opt_text(st, 9), .action = opt_text(st, 10),
            .scope = opt_text(st, 11), .id = sqlite3_column_int64(st, 12),
            .uid = opt_text(st, 13), .accepted = opt_text(st, 14),
            .month = opt_text(st, 15) };
        for (int i = 0; i < 3; i++) {
            x.has[i] = sqlite3_column_type(st, 6 + i) != SQLITE_NULL;
            x.amount[i] = sqlite3_column_int64(st, 6 + i);
        }
        rc = fn(arg, &x);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return err_set(e, ERR_IO, "cannot write the exception list");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list exceptions");
}

/* ---- acceptance and blocking ---------------------------------------------------------- */

/* Kinds that say something about Xero's side of posting: fixed there, or by `outbox retry`,
 * never by accepting them. */
#define EXCEPTION_XERO_KINDS \
    "('XERO_REJECTED', 'XERO_REFERENCE_MISSING', 'XERO_PERIOD_LOCKED', 'POSTED_DOCUMENT_CHANGED')"

/* The preflight's findings are judged again by every live run before anything is sent: they
 * stop the run there, not the preview. */
#define EXCEPTION_PREFLIGHT_KINDS                                                          \
    "('XERO_REFERENCE_MISSING', 'XERO_PERIOD_LOCKED', 'TAX_TYPE_NOT_APPLICABLE')"

int exception_blocking(struct ledger *lg, const char *sid, char *out, size_t cap,
                       struct err *e)
{
    sqlite3_stmt *st;
    int s;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT x.kind, x.explanation FROM exception x WHERE "
                       "x.settlement_id = ? AND " EXCEPTION_OPEN_ERROR_SQL " AND x.kind "
                       "NOT IN " EXCEPTION_PREFLIGHT_KINDS " ORDER BY x.id LIMIT 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        /* one line: the kind, then the explanation up to its first line break */
        const char *why = (const char *)sqlite3_column_text(st, 1);
        int n = (int)strcspn(why ? why : "", "\r\n");
        snprintf(out, cap, "%s: %.*s", (const char *)sqlite3_column_text(st, 0), n,
                 why ? why : "");
        out[text_utf8_whole(out)] = '\0';
    } else if (s != SQLITE_DONE) {
        ledger_fail(lg, e, "read the settlement's errors");
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
}

/* The exception with uid (any case): kind, severity and settlement into the out buffers. */
static int find_uid(struct ledger *lg, const char *uid, char kind[64], char sev[16],
                    char sid[64], int *accepted, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, "SELECT x.kind, x.severity, coalesce(x.settlement_id, ''), "
                       "x.uid IN (SELECT uid FROM exception_accept) FROM exception x WHERE "
                       "x.uid = ? ORDER BY x.id LIMIT 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        snprintf(kind, 64, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(sev, 16, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(sid, 64, "%s", (const char *)sqlite3_column_text(st, 2));
        *accepted = sqlite3_column_int(st, 3);
    } else if (s == SQLITE_DONE) {
        err_set(e, ERR_INPUT, "no exception has the id %s (settlebook exceptions lists them)",
                uid);
    } else {
        ledger_fail(lg, e, "find the exception");
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 0 : -1;
}

int exception_accept(struct ledger *lg, const char *id, const char *reason, int *already,
                     struct err *e)
{
    sqlite3_stmt *st;
    char kind[64], sev[16], sid[64], detail[1200], uid[EXCEPTION_UID_MAX];
    int64_t run;
    int ok;
    *already = 0;
    if (strlen(id) >= sizeof uid)
        return err_set(e, ERR_INPUT, "no exception has the id %.40s (settlebook exceptions "
                       "lists them)", id);
    for (size_t i = 0; i <= strlen(id); i++)
        uid[i] = (char)(id[i] >= 'a' && id[i] <= 'z' ? id[i] - 'a' + 'A' : id[i]);
    if (!reason || !reason[0] || strspn(reason, " \t\r\n") == strlen(reason))
        return err_set(e, ERR_INPUT, "accepting an exception needs --reason TEXT (why it is "
                       "right to post as it is): it goes into the audit log");
    if (strlen(reason) > 500)
        return err_set(e, ERR_INPUT, "--reason: at most 500 bytes");
    if (find_uid(lg, uid, kind, sev, sid, already, e) < 0 || *already)
        return *already ? 0 : -1;
    if (strcmp(sev, "error") != 0)
        return err_set(e, ERR_INPUT, "%s is a %s (%s), which holds nothing back: only errors "
                       "are accepted", uid, sev, kind);
    if (strstr(EXCEPTION_XERO_KINDS, kind))
        return err_set(e, ERR_INPUT, "%s is %s, about what Xero holds: fix it in Xero (or "
                       "`settlebook outbox retry` a rejected request) rather than accept it",
                       uid, kind);
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO exception_accept(uid, kind, settlement_id, reason,"
                       " run_id) VALUES (?1, ?2, nullif(?3, ''), ?4, ?5)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, run);
    ok = sqlite3_step(st) == SQLITE_DONE;
    if (!ok)
        ledger_fail(lg, e, "accept exception");
    sqlite3_finalize(st);
    if (!ok)
        return -1;
    snprintf(detail, sizeof detail, "exception=%s kind=%s settlement=%s reason=%s", uid, kind,
             sid[0] ? sid : "-", reason);
    return ledger_audit(lg, "exception.accept", detail, e);
}
