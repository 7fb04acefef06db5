/* ledger — opens the SQLite ledger, applies the compiled-in migrations, and owns
 * transactions, run rows and the audit chain. It never reads input files or the network. */
#include "ledger.h"
#include "ledger_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "migrations.h"

/* How long a statement waits for another process's lock before SQLITE_BUSY. */
#define LEDGER_BUSY_MS 10000

struct ledger {
    sqlite3 *db;
    int64_t run_id;       /* 0 until the first ledger_run_id in a transaction */
    int in_tx;
    int bulk;             /* ledger_begin_bulk left WAL mode: commit or rollback go back */
    int savepoints;
    char command[128];
    struct line_groups_keep *groups;   /* line_groups.c, between the stages of one run */
    void *kept;                        /* ledger_kept_put's work, until taken or dropped */
    void (*kept_drop)(void *);
    char kept_tag[32];
};

struct line_groups_keep **ledger_groups_slot(struct ledger *lg)
{
    return &lg->groups;
}

void ledger_kept_put(struct ledger *lg, const char *tag, void *p, void (*drop)(void *))
{
    ledger_kept_drop(lg);
    lg->kept = p;
    lg->kept_drop = drop;
    snprintf(lg->kept_tag, sizeof lg->kept_tag, "%s", tag);
}

void *ledger_kept_take(struct ledger *lg, const char *tag)
{
    void *p = lg->kept;
    if (!p || strcmp(lg->kept_tag, tag) != 0)
        return NULL;
    lg->kept = NULL;
    return p;
}

void ledger_kept_drop(struct ledger *lg)
{
    void *p = lg->kept;
    lg->kept = NULL;
    if (p)
        lg->kept_drop(p);
}

int ledger_fail(struct ledger *lg, struct err *e, const char *what)
{
    return err_set(e, ERR_DB, "ledger: %s: %s", what, sqlite3_errmsg(lg->db));
}

int ledger_step_row(struct ledger *lg, sqlite3_stmt *st, const char *what, struct err *e)
{
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        return 1;
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, what);
}

int ledger_row_ints(struct ledger *lg, const char *sql, int64_t *out, int n, const char *what,
                    struct err *e)
{
    sqlite3_stmt *st;
    int step;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    if ((step = ledger_step_row(lg, st, what, e)) == 1)
        for (int i = 0; i < n; i++)
            out[i] = sqlite3_column_int64(st, i);
    sqlite3_finalize(st);
    return step == 1 ? 0 : step < 0 ? -1 : ledger_fail(lg, e, what);
}

int ledger_exec(struct ledger *lg, const char *sql, struct err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(lg->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_DB, "ledger: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int ledger_prepare(struct ledger *lg, sqlite3_stmt **out, const char *sql, struct err *e)
{
    if (sqlite3_prepare_v2(lg->db, sql, -1, out, NULL) != SQLITE_OK)
        return ledger_fail(lg, e, "prepare");
    return 0;
}

const char *ledger_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static int user_version(struct ledger *lg, int *out, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(lg, &st, "PRAGMA user_version", e) < 0)
        return -1;
    int s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 0 : ledger_fail(lg, e, "read the schema version");
}

static int migrate(struct ledger *lg, struct err *e)
{
    int v;
    char sql[64];
    if (user_version(lg, &v, e) < 0)
        return -1;
    if (v > migrations_count)
        return err_set(e, ERR_INPUT, "ledger schema version %d is newer than this settlebook "
                       "(%d): upgrade settlebook", v, migrations_count);
    for (; v < migrations_count; v++) {
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (ledger_begin(lg, e) < 0)
            return -1;
        if (ledger_exec(lg, migrations[v].sql, e) < 0 || ledger_exec(lg, sql, e) < 0) {
            ledger_rollback(lg);
            return err_prefix(e, "migration %s: ", migrations[v].name);
        }
        if (ledger_commit(lg, e) < 0)
            return -1;
    }
    return 0;
}

int ledger_open(struct ledger **out, const char *path, int create, struct err *e)
{
    struct ledger *lg;
    /* one connection per process, used by one thread: no per-call mutex */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);

    *out = NULL;
    if (!create && access(path, F_OK) != 0)
        return err_set(e, ERR_INPUT, "ledger %s does not exist: run `settlebook init` first "
                       "(or pass --ledger PATH)", path);
    /* Memory statistics cost a global mutex on every allocation; settlebook reads none.
     * Only possible before SQLite initialises: later calls return SQLITE_MISUSE, harmlessly. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    lg = calloc(1, sizeof *lg);
    if (!lg)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (sqlite3_open_v2(path, &lg->db, flags, NULL) != SQLITE_OK) {
        err_set(e, ERR_IO, "ledger %s: %s", path, lg->db ? sqlite3_errmsg(lg->db) : "cannot open");
        ledger_close(lg);
        return -1;
    }
    sqlite3_busy_timeout(lg->db, LEDGER_BUSY_MS);
    if (exception_register(lg->db) != SQLITE_OK) {
        err_set(e, ERR_DB, "ledger %s: %s", path, sqlite3_errmsg(lg->db));
        ledger_close(lg);
        return -1;
    }
    /* page_size counts only when the file is new (before WAL and the first table): 16 KiB
     * pages cut the system calls of a bulk ingest and of the WAL checkpoint four-fold. */
    if (ledger_exec(lg, "PRAGMA page_size = 16384; PRAGMA foreign_keys = ON; "
                        "PRAGMA journal_mode = WAL;"
                        "PRAGMA synchronous = NORMAL;", e) < 0 || migrate(lg, e) < 0) {
        err_prefix(e, "%s: ", path);
        ledger_close(lg);
        return -1;
    }
    *out = lg;
    return 0;
}

/* 1 when lg is in WAL mode with nothing uncommitted: a second connection then sees exactly
 * the committed file lg reads. */
static int can_share(struct ledger *lg)
{
    sqlite3_stmt *st = NULL;
    int wal = 0;
    if (!sqlite3_get_autocommit(lg->db) ||
        sqlite3_prepare_v2(lg->db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *m = sqlite3_column_text(st, 0);
        wal = m && strcmp((const char *)m, "wal") == 0;
    }
    sqlite3_finalize(st);
    return wal;
}

int ledger_open_reader(struct ledger *lg, struct ledger **out, struct err *e)
{
    const char *path = sqlite3_db_filename(lg->db, "main");
    struct ledger *r;
    *out = NULL;
    if (!path || !*path || !can_share(lg))
        return 0;
    if (!(r = calloc(1, sizeof *r)))
        return err_set(e, ERR_NOMEM, "out of memory");
    /* a read transaction begun here, not in the thread that reads: the reader sees the file
     * as it is now, whatever lg commits meanwhile (WAL keeps that snapshot for it) */
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK || sqlite3_busy_timeout(r->db, LEDGER_BUSY_MS) != SQLITE_OK ||
        exception_register(r->db) != SQLITE_OK ||
        sqlite3_exec(r->db, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
            SQLITE_OK) {
        log_verbose("ledger: no second connection (%s): the work stays on this one",
                    r->db ? sqlite3_errmsg(r->db) : "out of memory");
        sqlite3_close(r->db);
        free(r);
        return 0;
    }
    r->in_tx = 1;
    *out = r;
    return 0;
}

int ledger_durable(struct ledger *lg, struct err *e)
{
    /* In WAL mode NORMAL syncs only at checkpoints: a power loss may undo the last commits.
     * FULL syncs the WAL at every commit, so a row committed as 'sending' is on disk before
     * its request leaves (live posting makes few commits: the cost does not show). */
    sqlite3_stmt *st;
    int level = -1;
    if (ledger_exec(lg, "PRAGMA synchronous = FULL", e) < 0 ||
        ledger_prepare(lg, &st, "PRAGMA synchronous", e) < 0)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        level = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (level != 2)         /* 2 = FULL */
        return err_set(e, ERR_DB, "ledger: cannot make commits durable (synchronous is %d)",
                       level);
    log_verbose("ledger: synchronous = FULL: every commit is on disk before the next request");
    return 0;
}

void ledger_close(struct ledger *lg)
{
    if (!lg)
        return;
    ledger_end_bulk(lg);
    ledger_groups_drop(lg);
    ledger_kept_drop(lg);
    sqlite3_close(lg->db);
    free(lg);
}

sqlite3 *ledger_db(struct ledger *lg)
{
    return lg->db;
}

int ledger_begin(struct ledger *lg, struct err *e)
{
    if (ledger_exec(lg, "BEGIN IMMEDIATE", e) < 0)
        return -1;
    lg->in_tx = 1;
    lg->run_id = 0;
    return 0;
}

/* The journal mode now in force, lower case, into out ("" when the pragma failed). */
static void journal_mode(struct ledger *lg, const char *sql, char out[16])
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(lg->db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, 16, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* A bulk load (a settlement file of a million lines) in WAL mode writes every new page twice:
 * into the WAL, then into the database at the checkpoint. With a rollback journal a page
 * appended to the file is written once (only pages that existed go to the journal), which
 * saves a tenth of an ingest. Leaving WAL needs the only connection: when another process
 * reads the ledger, the load simply stays in WAL (no waiting). Crash safety is the same: a
 * hot rollback journal is played back by the next open, which also sets WAL again. */
int ledger_begin_bulk(struct ledger *lg, struct err *e)
{
    char mode[16];
    ledger_groups_drop(lg);    /* the load changes lines: groups of them are stale */
    sqlite3_busy_timeout(lg->db, 0);
    journal_mode(lg, "PRAGMA journal_mode = DELETE", mode);
    sqlite3_busy_timeout(lg->db, LEDGER_BUSY_MS);
    lg->bulk = strcmp(mode, "delete") == 0;
    if (!lg->bulk)
        log_verbose("ledger: another connection is open: the load stays in WAL mode");
    if (ledger_begin(lg, e) < 0) {
        ledger_end_bulk(lg);
        return -1;
    }
    return 0;
}

/* Back to WAL after a bulk load. When a reader that came in meanwhile holds the file, the
 * switch waits for it like any writer; if it still fails, the next ledger_open sets WAL. */
void ledger_end_bulk(struct ledger *lg)
{
    char mode[16];
    if (!lg->bulk)
        return;
    lg->bulk = 0;
    journal_mode(lg, "PRAGMA journal_mode = WAL", mode);
    if (strcmp(mode, "wal") != 0)
        log_verbose("ledger: cannot go back to WAL mode now (%s); the next open does",
                    sqlite3_errmsg(lg->db));
}

int ledger_commit(struct ledger *lg, struct err *e)
{
    if (ledger_exec(lg, "COMMIT", e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    lg->in_tx = 0;
    ledger_end_bulk(lg);
    return 0;
}

void ledger_rollback(struct ledger *lg)
{
    if (lg && lg->in_tx) {
        sqlite3_exec(lg->db, "ROLLBACK", NULL, NULL, NULL);
        lg->in_tx = 0;
        lg->run_id = 0;
        lg->savepoints = 0;
    }
    if (lg)
        ledger_end_bulk(lg);
}

int ledger_savepoint(struct ledger *lg, struct err *e)
{
    if (ledger_exec(lg, "SAVEPOINT sp", e) < 0)
        return -1;
    lg->savepoints++;
    return 0;
}

int ledger_release(struct ledger *lg, struct err *e)
{
    lg->savepoints--;
    return ledger_exec(lg, "RELEASE sp", e);
}

void ledger_rollback_to(struct ledger *lg)
{
    sqlite3_exec(lg->db, "ROLLBACK TO sp; RELEASE sp", NULL, NULL, NULL);
    lg->savepoints--;
    /* the run row may have been inserted inside the savepoint */
    lg->run_id = 0;
}

void ledger_set_command(struct ledger *lg, const char *command)
{
    snprintf(lg->command, sizeof lg->command, "%s", command);
}

int ledger_run_id(struct ledger *lg, int64_t *out, struct err *e)
{
    sqlite3_stmt *st;
    if (lg->run_id) {
        *out = lg->run_id;
        return 0;
    }
    if (ledger_prepare(lg, &st, "INSERT INTO run(command, version) VALUES (?, ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, lg->command[0] ? lg->command : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, SETTLEBOOK_VERSION, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        return ledger_fail(lg, e, "insert run");
    }
    sqlite3_finalize(st);
    lg->run_id = sqlite3_last_insert_rowid(lg->db);
    *out = lg->run_id;
    return 0;
}

static void chain_hash(const char *prev, int64_t seq, int64_t run, const char *event,
                       const char *detail, char out[HASH_HEX_LEN])
{
    size_t n = strlen(prev) + strlen(event) + strlen(detail) + 64;
    char *buf = malloc(n);
    if (!buf) {
        out[0] = '\0';
        return;
    }
    int len = snprintf(buf, n, "%s|%lld|%lld|%s|%s", prev, (long long)seq, (long long)run,
                       event, detail);
    hash_hex(buf, (size_t)len, out);
    free(buf);
}

int ledger_audit(struct ledger *lg, const char *event, const char *detail, struct err *e)
{
    sqlite3_stmt *st;
    char prev[HASH_HEX_LEN] = "genesis", h[HASH_HEX_LEN];
    int64_t seq = 1, run;

    if (ledger_run_id(lg, &run, e) < 0)
        return -1;
    if (ledger_prepare(lg, &st, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                       e) < 0)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    chain_hash(prev, seq, run, event, detail, h);
    if (ledger_prepare(lg, &st, "INSERT INTO audit_log(seq, run_id, event, detail, prev_hash, "
                                "hash) VALUES (?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, run);
    sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, h, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        return ledger_fail(lg, e, "audit");
    }
    sqlite3_finalize(st);
    return 0;
}

int ledger_audit_verify(struct ledger *lg, int64_t *entries, struct err *e)
{
    sqlite3_stmt *st;
    char prev[HASH_HEX_LEN] = "genesis", h[HASH_HEX_LEN];
    int64_t n = 0;
    int rc = 0, s = SQLITE_DONE;

    if (ledger_prepare(lg, &st, "SELECT seq, run_id, event, detail, prev_hash, hash "
                                "FROM audit_log ORDER BY seq", e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const char *stored_prev = (const char *)sqlite3_column_text(st, 4);
        const char *stored = (const char *)sqlite3_column_text(st, 5);
        chain_hash(prev, seq, sqlite3_column_int64(st, 1),
                   (const char *)sqlite3_column_text(st, 2),
                   (const char *)sqlite3_column_text(st, 3), h);
        if (seq != n + 1 || strcmp(stored_prev, prev) != 0 || strcmp(stored, h) != 0)
            rc = err_set(e, ERR_INPUT, "audit log broken at entry %lld: it or an earlier "
                         "entry was altered or removed", (long long)seq);
        snprintf(prev, sizeof prev, "%s", stored);
        n++;
    }
    sqlite3_finalize(st);
    *entries = n;
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read the audit log");
    return rc;
}

int ledger_schema_version(void)
{
    return migrations_count;
}

void ledger_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}
