/* test_aside — work aside (ledger/aside.c) on a real ledger file: the reader sees the file as
 * it was when the work began, whatever the caller commits meanwhile; ledger_aside_stale says
 * when another connection (another process) committed since, and only then; work freed
 * without a join is stopped at SQLite's next progress callback instead of run to its end;
 * two pieces of work run one after the other, each on its own snapshot;
 * SETTLEBOOK_ASIDE=0 leaves the work to the caller; ledger_copy_temp copies a temporary
 * table's rows with their types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "t.h"
#include "tdir.h"

struct probe {
    int64_t rows;             /* rows of t the reader saw */
    int steps;                /* rows the long query produced before it ended */
    int failed;
};

static int count_rows(struct ledger *r, void *arg, struct err *e)
{
    struct probe *p = arg;
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(r, &st, "SELECT count(*) FROM t", e) < 0)
        return -1;
    if ((s = ledger_step_row(r, st, "count", e)) == 1)
        p->rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (s != 1)
        return -1;
    return ledger_exec(r, "CREATE TEMP TABLE kept (a, b); INSERT INTO kept VALUES "
                       "(1, 'x'), (2.5, NULL), (x'00ff', 3)", e);
}

/* A query that would run for minutes: only the stop ends it. */
static int forever(struct ledger *r, void *arg, struct err *e)
{
    struct probe *p = arg;
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(r, &st, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                       "FROM n WHERE i < 4000000000) SELECT sum(i) FROM n", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        p->steps++;
    p->failed = s != SQLITE_DONE;
    sqlite3_finalize(st);
    return p->failed ? err_set(e, ERR_DB, "stopped") : 0;
}

static int exec_other(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int ok = sqlite3_open(path, &db) == SQLITE_OK &&
             sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return ok ? 0 : -1;
}

int main(void)
{
    char path[512], kept[256] = "";
    struct ledger *lg = NULL;
    struct ledger_aside *a = NULL;
    struct probe p = {0};
    struct err e = {0};
    int64_t t0, took;
    if (tdir_make("aside") < 0) {
        CHECK(0, "mkdtemp failed");
        return T_DONE();
    }
    tdir_path(path, sizeof path, "l.db");
    CHECK(ledger_open(&lg, path, 1, &e) == 0, "open: %s", e.msg);
    CHECK(ledger_exec(lg, "CREATE TABLE t (v); INSERT INTO t VALUES (1), (2)", &e) == 0,
          "table: %s", e.msg);

    /* the reader's snapshot is the start's: the caller's later commit is not in it */
    CHECK(ledger_aside_start(lg, count_rows, &p, &a, &e) == 0, "start: %s", e.msg);
    CHECK(ledger_exec(lg, "INSERT INTO t VALUES (3)", &e) == 0, "insert: %s", e.msg);
    CHECK(ledger_aside_join(a, &e) == 1, "the work ran aside: %s", e.msg);
    CHECK(p.rows == 2, "the reader saw the start's 2 rows: %lld", (long long)p.rows);
    CHECK(ledger_aside_stale(lg, a, &e) == 0, "the caller's own commit is not another's");

    /* its temporary table, copied with each value's type */
    CHECK(ledger_exec(lg, "CREATE TEMP TABLE kept (a, b)", &e) == 0, "temp: %s", e.msg);
    CHECK(ledger_copy_temp(ledger_aside_reader(a), lg, "kept", &e) == 0, "copy: %s", e.msg);
    {
        sqlite3_stmt *st;
        size_t len = 0;
        CHECK(ledger_prepare(lg, &st, "SELECT typeof(a) || ':' || typeof(b) FROM temp.kept "
                             "ORDER BY rowid", &e) == 0, "read: %s", e.msg);
        while (sqlite3_step(st) == SQLITE_ROW && len + 32 < sizeof kept)
            len += (size_t)snprintf(kept + len, sizeof kept - len, "%s ",
                                    (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    CHECK(strcmp(kept, "integer:text real:null blob:integer ") == 0, "copied types: %s", kept);

    /* another connection commits: stale */
    CHECK(exec_other(path, "INSERT INTO t VALUES (4)") == 0, "the other connection wrote");
    CHECK(ledger_aside_stale(lg, a, &e) == 1, "another connection's commit is seen");
    ledger_aside_free(a);

    /* freed unjoined: the long query ends at the next progress callback */
    memset(&p, 0, sizeof p);
    t0 = clock_mono_ms();
    CHECK(ledger_aside_start(lg, forever, &p, &a, &e) == 0, "start: %s", e.msg);
    ledger_aside_free(a);
    took = clock_mono_ms() - t0;
    CHECK(took < 5000, "the stopped work ended in %lld ms", (long long)took);
    /* interrupted, or never begun when the stop came first: never finished */
    CHECK(p.steps == 0, "it was stopped, not finished");

    /* one at a time: a second piece of work waits for the first, then runs */
    {
        struct probe p1 = {0}, p2 = {0};
        struct ledger_aside *b = NULL;
        CHECK(ledger_aside_start(lg, count_rows, &p1, &a, &e) == 0, "start 1: %s", e.msg);
        CHECK(ledger_aside_start(lg, count_rows, &p2, &b, &e) == 0, "start 2: %s", e.msg);
        CHECK(ledger_aside_join(b, &e) == 1 && ledger_aside_join(a, &e) == 1,
              "both ran aside, joined in either order");
        CHECK(p1.rows == 4 && p2.rows == 4, "both read the file: %lld %lld",
              (long long)p1.rows, (long long)p2.rows);
        ledger_aside_free(b);
        ledger_aside_free(a);
    }

    /* SETTLEBOOK_ASIDE=0: the caller does the work */
    setenv("SETTLEBOOK_ASIDE", "0", 1);
    memset(&p, 0, sizeof p);
    CHECK(ledger_aside_start(lg, count_rows, &p, &a, &e) == 0, "start: %s", e.msg);
    CHECK(ledger_aside_join(a, &e) == 0 && p.rows == 0, "nothing ran aside");
    ledger_aside_free(a);
    unsetenv("SETTLEBOOK_ASIDE");

    /* uncommitted changes on the caller's connection: no aside (it could not see them) */
    CHECK(ledger_begin(lg, &e) == 0, "begin: %s", e.msg);
    CHECK(ledger_aside_start(lg, count_rows, &p, &a, &e) == 0, "start: %s", e.msg);
    CHECK(ledger_aside_join(a, &e) == 0, "no aside inside the caller's transaction");
    ledger_aside_free(a);
    ledger_rollback(lg);

    ledger_close(lg);
    tdir_remove();
    return T_DONE();
}
