/* integrity — `PRAGMA integrity_check` of the ledger file, on a second connection in a thread
 * of its own: it reads the whole file (most of a workbook's time on a large ledger) and needs
 * nothing the caller does meanwhile, so on a machine with two cores it costs no wall time.
 * Only when the caller's connection has nothing uncommitted (WAL: the second connection then
 * sees exactly the committed file the caller reads); otherwise, or when a thread or the
 * connection cannot be had, the check runs on the caller's connection when the result is
 * asked for. Either way the result is the same text. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

struct ledger_integrity {
    char path[4096];
    int threaded;            /* a thread was started and must be joined */
    pthread_t tid;
    int rc;                  /* the thread's outcome: 0 ok, -1 failed (msg says why) */
    char result[512], msg[512];
};

/* The first row of integrity_check on db into out ("ok", or the first problem found). */
static int check(sqlite3 *db, char *out, size_t cap, char *msg, size_t msg_cap)
{
    sqlite3_stmt *st = NULL;
    int s;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(msg, msg_cap, "integrity_check: %s", sqlite3_errmsg(db));
        return -1;
    }
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", t ? (const char *)t : "");
    } else if (s != SQLITE_DONE) {
        snprintf(msg, msg_cap, "integrity_check: %s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : -1;
}

static void *run(void *arg)
{
    struct ledger_integrity *c = arg;
    sqlite3 *db = NULL;
    c->rc = -1;
    if (sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(c->msg, sizeof c->msg, "integrity_check: open %s: %s", c->path,
                 db ? sqlite3_errmsg(db) : "out of memory");
    } else if (sqlite3_busy_timeout(db, 5000) != SQLITE_OK) {
        snprintf(c->msg, sizeof c->msg, "integrity_check: %s", sqlite3_errmsg(db));
    } else {
        c->rc = check(db, c->result, sizeof c->result, c->msg, sizeof c->msg);
    }
    sqlite3_close(db);
    return NULL;
}

/* 1 when the caller's connection is in WAL mode with nothing uncommitted. */
static int can_share(struct ledger *lg)
{
    sqlite3 *db = ledger_db(lg);
    sqlite3_stmt *st = NULL;
    int wal = 0;
    if (!sqlite3_get_autocommit(db) ||
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *m = sqlite3_column_text(st, 0);
        wal = m && strcmp((const char *)m, "wal") == 0;
    }
    sqlite3_finalize(st);
    return wal;
}

int ledger_integrity_start(struct ledger *lg, struct ledger_integrity **out, struct err *e)
{
    struct ledger_integrity *c = calloc(1, sizeof *c);
    const char *file = sqlite3_db_filename(ledger_db(lg), "main");
    *out = c;
    if (!c)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (!file || !*file || strlen(file) >= sizeof c->path || !can_share(lg))
        return 0;
    memcpy(c->path, file, strlen(file) + 1);
    c->threaded = pthread_create(&c->tid, NULL, run, c) == 0;
    return 0;
}

int ledger_integrity_result(struct ledger *lg, struct ledger_integrity *c, char *out,
                            size_t cap, struct err *e)
{
    if (!c || !c->threaded) {
        char msg[512] = "";
        if (check(ledger_db(lg), out, cap, msg, sizeof msg) < 0)
            return err_set(e, ERR_DB, "ledger: %s", msg);
        return 0;
    }
    if (pthread_join(c->tid, NULL) != 0)
        return err_set(e, ERR_INTERNAL, "integrity_check: cannot join its thread");
    c->threaded = 0;
    if (c->rc == 0) {
        snprintf(out, cap, "%s", c->result);
        return 0;
    }
    /* the second connection could not read (a read-only folder, say): the caller's can */
    log_verbose("%s; checking on the ledger's own connection", c->msg);
    return ledger_integrity_result(lg, NULL, out, cap, e);
}

void ledger_integrity_free(struct ledger_integrity *c)
{
    if (c && c->threaded)
        pthread_join(c->tid, NULL);
    free(c);
}
