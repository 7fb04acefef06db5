/* aside — read-only work on a second connection in a thread of its own, while the caller's
 * connection goes on (a close's reconcile writes its exceptions meanwhile). The reader is
 * opened, and its snapshot taken, before the thread starts (ledger_open_reader). Whatever
 * goes wrong on the side (no second connection, no thread, the work failed there) leaves
 * the work to the caller, who does it on its own connection as it would have: the outcome
 * never depends on whether the side ran. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

struct ledger_aside {
    struct ledger *reader;
    ledger_aside_fn fn;
    void *arg;
    int threaded;            /* a thread was started and must be joined */
    pthread_t tid;
    int rc;                  /* fn's outcome on the reader */
    struct err err;
    atomic_int stop;         /* freed unjoined: the result will not be used */
    int64_t version;         /* the caller's PRAGMA data_version at the start */
};

/* SQLite's progress callback: non-zero ends the reader's statement. */
static int stopped(void *arg)
{
    struct ledger_aside *a = arg;
    return atomic_load(&a->stop);
}

/* The caller's PRAGMA data_version: it moves when another connection (another process)
 * commits, never for the caller's own commits. */
#define DATA_VERSION "PRAGMA data_version"

/* One piece of work aside at a time: the caller's thread keeps a core of its own (two cores
 * here), and a second reader would also share the memory bandwidth. Each reader's snapshot
 * was taken at its start, so waiting changes nothing it reads. */
static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *p)
{
    struct ledger_aside *a = p;
    if (pthread_mutex_lock(&one_at_a_time) != 0) {
        err_set(&a->err, ERR_INTERNAL, "cannot take the work-aside lock");
        return NULL;
    }
    if (atomic_load(&a->stop))
        err_set(&a->err, ERR_INTERNAL, "not needed any more");
    else
        a->rc = a->fn(a->reader, a->arg, &a->err);
    pthread_mutex_unlock(&one_at_a_time);
    return NULL;
}

int64_t ledger_aside_limit(int64_t dflt)
{
    /* test hook: SETTLEBOOK_ASIDE_MAX=N puts every such limit at N, so the tests reach the
     * paths a 4M-line ledger takes with a few hundred lines */
    const char *v = getenv("SETTLEBOOK_ASIDE_MAX");
    long long n = v ? atoll(v) : 0;
    return n > 0 ? (int64_t)n : dflt;
}

int ledger_aside_start(struct ledger *lg, ledger_aside_fn fn, void *arg,
                       struct ledger_aside **out, struct err *e)
{
    struct ledger_aside *a = calloc(1, sizeof *a);
    *out = a;
    if (!a)
        return err_set(e, ERR_NOMEM, "out of memory");
    a->fn = fn;
    a->arg = arg;
    a->rc = -1;
    atomic_init(&a->stop, 0);
    /* test hook: SETTLEBOOK_ASIDE=0 keeps all work on the caller's connection, so the tests
     * can show the outputs are the same bytes either way */
    if (getenv("SETTLEBOOK_ASIDE") && strcmp(getenv("SETTLEBOOK_ASIDE"), "0") == 0)
        return 0;
    if (ledger_row_ints(lg, DATA_VERSION, &a->version, 1, "data_version", e) < 0 ||
        ledger_open_reader(lg, &a->reader, e) < 0)
        return -1;
    if (!a->reader)
        return 0;
    sqlite3_progress_handler(ledger_db(a->reader), 10000, stopped, a);
    a->threaded = pthread_create(&a->tid, NULL, run, a) == 0;
    if (!a->threaded) {
        log_verbose("ledger: no thread for the work aside: it stays on this connection");
        ledger_close(a->reader);
        a->reader = NULL;
    }
    return 0;
}

int ledger_aside_join(struct ledger_aside *a, struct err *e)
{
    if (!a || !a->threaded)
        return 0;
    if (pthread_join(a->tid, NULL) != 0)
        return err_set(e, ERR_INTERNAL, "ledger: cannot join the thread of the work aside");
    a->threaded = 0;
    if (a->rc == 0)
        return 1;
    ledger_close(a->reader);
    a->reader = NULL;
    log_verbose("ledger: the work aside failed (%s): done again on this connection",
                a->err.msg);
    return 0;
}

int ledger_copy_temp(struct ledger *from, struct ledger *to, const char *table, struct err *e)
{
    char sql[256];
    size_t len;
    sqlite3_stmt *rd, *wr = NULL;
    int n, s, rc = 0;
    snprintf(sql, sizeof sql, "SELECT * FROM temp.%s ORDER BY rowid", table);
    if (ledger_prepare(from, &rd, sql, e) < 0)
        return -1;
    n = sqlite3_column_count(rd);
    len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO temp.%s VALUES (?", table);
    for (int i = 1; i < n && len + 3 < sizeof sql; i++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ",?");
    snprintf(sql + len, sizeof sql - len, ")");
    if (ledger_prepare(to, &wr, sql, e) < 0) {
        sqlite3_finalize(rd);
        return -1;
    }
    while (rc == 0 && (s = sqlite3_step(rd)) == SQLITE_ROW) {
        for (int i = 0; rc == 0 && i < n; i++)
            if (sqlite3_bind_value(wr, i + 1, sqlite3_column_value(rd, i)) != SQLITE_OK)
                rc = ledger_fail(to, e, table);
        if (rc == 0)
            rc = sqlite3_step(wr) == SQLITE_DONE ? 0 : ledger_fail(to, e, table);
        sqlite3_reset(wr);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(from, e, table);
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return rc;
}

struct ledger *ledger_aside_reader(struct ledger_aside *a)
{
    return a ? a->reader : NULL;
}

int ledger_aside_stale(struct ledger *lg, const struct ledger_aside *a, struct err *e)
{
    int64_t now;
    if (ledger_row_ints(lg, DATA_VERSION, &now, 1, "data_version", e) < 0)
        return -1;
    if (now != a->version)
        log_verbose("ledger: another process wrote the ledger since the work aside began");
    return now != a->version;
}

void ledger_aside_free(struct ledger_aside *a)
{
    if (!a)
        return;
    atomic_store(&a->stop, 1);
    if (a->threaded)
        pthread_join(a->tid, NULL);
    ledger_close(a->reader);
    free(a);
}
