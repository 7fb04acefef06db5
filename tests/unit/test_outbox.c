/* test_outbox — the outbox state machine on a real ledger file. Each case queues one request
 * of two documents, runs a sequence of state changes, closes the ledger and opens it again,
 * and checks what a rerun would find: state, attempts, retries, the answers kept per
 * document, XERO_REJECTED exceptions, audit entries (and an intact chain), the key, and what
 * outbox_compare says. Crash cases run the sequence in a child process armed with
 * SETTLEBOOK_CRASH_AT, which SIGKILLs itself at the named point (inside outbox_record for
 * before_confirm_commit, between the steps for the points xero_send.c names), exactly as a
 * kill -9 would: the reopened ledger must show what the design promises (sending is
 * committed before a request leaves; an answer is all in the ledger or not at all). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base.h"
#include "ledger.h"
#include "t.h"
#include "tdir.h"

static const char body1[] = "{\"Invoices\":[{\"InvoiceNumber\":\"AMZ-S1-1\"},"
                            "{\"InvoiceNumber\":\"AMZ-S1-2\"}]}";
static const char body2[] = "{\"Invoices\":[{\"InvoiceNumber\":\"AMZ-S1-1\",\"Reference\":\"x\"},"
                            "{\"InvoiceNumber\":\"AMZ-S1-2\"}]}";

static const struct outbox_new req1 = { "S1", "2025-09", "AMZ-S1-1", "PUT", "/Invoices",
                                        "summarizeErrors=false", body1, 1 };
static const struct outbox_new req2 = { "S1", "2025-09", "AMZ-S1-1", "PUT", "/Invoices",
                                        "summarizeErrors=false", body2, 1 };

/* Steps: s mark_sending; S mark_sending refused; k release (Xero did nothing); u release
 * (outcome unknown); c record both documents confirmed; h record the first confirmed (a
 * lookup found it); l record the second confirmed; d record the first confirmed and the
 * second rejected; D record both rejected; f record with no answers; r retry; R retry
 * refused; p a new rendering (body2) replaces the unposted rows; x drop pending rows;
 * ! the case's crash point. */
struct want {
    const char *state;
    int attempts, retries, confirmed, rejected, exceptions, audit, last_error;
    const char *xero_id;
    int rows, same, posted;
};

static const struct {
    const char *name, *ops;
    const char *crash;                 /* SETTLEBOOK_CRASH_AT for a child, or NULL */
    struct want w;
} cases[] = {
    { "queued", "", NULL, { "pending", 0, 0, 0, 0, 0, 0, 0, "", 1, 1, 0 } },
    { "pending -> sending", "s", NULL, { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "sending is taken again by a rerun", "ss", NULL,
      { "sending", 2, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "sending -> confirmed", "sc", NULL,
      { "confirmed", 1, 0, 2, 0, 0, 1, 0, "inv-1", 1, 1, 1 } },
    { "confirmed is never sent again", "scS", NULL,
      { "confirmed", 1, 0, 2, 0, 0, 1, 0, "inv-1", 1, 1, 1 } },
    { "confirmed is never retried", "scR", NULL,
      { "confirmed", 1, 0, 2, 0, 0, 1, 0, "inv-1", 1, 1, 1 } },
    { "sending -> pending: Xero certainly did nothing", "sk", NULL,
      { "pending", 1, 0, 0, 0, 0, 0, 1, "", 1, 1, 0 } },
    { "sending stays: outcome unknown", "su", NULL,
      { "sending", 1, 0, 0, 0, 0, 0, 1, "", 1, 1, 1 } },
    { "released, then sent again", "sks", NULL,
      { "sending", 2, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "sending -> dead: one document rejected", "sd", NULL,
      { "dead", 1, 0, 1, 1, 1, 1, 1, "inv-1", 1, 1, 1 } },
    { "sending -> dead: both rejected", "sD", NULL,
      { "dead", 1, 0, 0, 2, 2, 1, 1, "", 1, 1, 0 } },
    { "dead is not sent", "sdS", NULL, { "dead", 1, 0, 1, 1, 1, 1, 1, "inv-1", 1, 1, 1 } },
    { "dead -> pending: retry, new key, rejection cleared", "sdr", NULL,
      { "pending", 1, 1, 1, 0, 0, 2, 0, "inv-1", 1, 1, 1 } },
    { "retried, then the rest confirmed", "sdrsl", NULL,
      { "confirmed", 2, 1, 2, 0, 0, 3, 0, "inv-1", 1, 1, 1 } },
    { "retried, then rejected again", "sdrsd", NULL,
      { "dead", 2, 1, 1, 1, 1, 3, 1, "inv-1", 1, 1, 1 } },
    { "a second retry", "sdrsdr", NULL, { "pending", 2, 2, 1, 0, 0, 4, 0, "inv-1", 1, 1, 1 } },
    { "pending is not retried", "R", NULL, { "pending", 0, 0, 0, 0, 0, 0, 0, "", 1, 1, 0 } },
    { "a lookup found one: the state stays", "sh", NULL,
      { "sending", 1, 0, 1, 0, 0, 1, 0, "inv-1", 1, 1, 1 } },
    { "...then the other: confirmed", "shl", NULL,
      { "confirmed", 1, 0, 2, 0, 0, 2, 0, "inv-1", 1, 1, 1 } },
    { "a record without answers changes nothing", "sf", NULL,
      { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "a new rendering replaces a pending row", "p", NULL,
      { "pending", 0, 0, 0, 0, 0, 0, 0, "", 1, 0, 0 } },
    { "...and a dead one Xero rejected whole, audited", "sDp", NULL,
      { "pending", 0, 0, 0, 0, 0, 2, 0, "", 1, 0, 0 } },
    { "drop_pending drops a pending row", "x", NULL, { NULL, 0, 0, 0, 0, 0, 0, 0, "", 0, 0, 0 } },
    { "...never a sending one", "sx", NULL, { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "...nor a dead one", "sdx", NULL, { "dead", 1, 0, 1, 1, 1, 1, 1, "inv-1", 1, 1, 1 } },
    /* crashes: the child dies at the point; the reopened ledger is what the next run sees */
    { "crash after_ref_fetch: nothing marked", "!s", "after_ref_fetch",
      { "pending", 0, 0, 0, 0, 0, 0, 0, "", 1, 1, 0 } },
    { "crash after_preflight: nothing marked", "!s", "after_preflight",
      { "pending", 0, 0, 0, 0, 0, 0, 0, "", 1, 1, 0 } },
    { "crash between_requests: the next row untouched", "!s", "between_requests",
      { "pending", 0, 0, 0, 0, 0, 0, 0, "", 1, 1, 0 } },
    { "crash after_mark_sending: sending committed before the request leaves", "s!c",
      "after_mark_sending", { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "crash after_http_before_commit: answer lost, row says sending", "s!c",
      "after_http_before_commit", { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "crash before_confirm_commit: no answer, no audit", "sc", "before_confirm_commit",
      { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "crash before_confirm_commit of a rejection: not dead, no exception", "sd",
      "before_confirm_commit", { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "crash after_confirm: confirmed survives", "sc!", "after_confirm",
      { "confirmed", 1, 0, 2, 0, 0, 1, 0, "inv-1", 1, 1, 1 } },
    { "crash after_dead: dead and its exception survive", "sd!", "after_dead",
      { "dead", 1, 0, 1, 1, 1, 1, 1, "inv-1", 1, 1, 1 } },
    { "crash after_lookup: what the lookup found survives", "sh!l", "after_lookup",
      { "sending", 1, 0, 1, 0, 0, 1, 0, "inv-1", 1, 1, 1 } },
    { "crash inside the lookup's transaction", "sh", "before_confirm_commit",
      { "sending", 1, 0, 0, 0, 0, 0, 0, "", 1, 1, 1 } },
    { "crash at the second answer: the first one stays", "sdrsl", "before_confirm_commit:2",
      { "sending", 2, 1, 1, 0, 0, 2, 0, "inv-1", 1, 1, 1 } },
};

static int queue(struct ledger *lg, const struct outbox_new *v, struct err *e)
{
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (outbox_replace_unposted(lg, "S1", v, 1, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

/* The settlement's newest row id (0 when none). */
static int64_t row_id(struct ledger *lg)
{
    sqlite3_stmt *st;
    struct err e;
    int64_t id = 0;
    if (ledger_prepare(lg, &st, "SELECT COALESCE(max(id), 0) FROM outbox WHERE settlement_id = "
                       "'S1'", &e) < 0)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

static int record(struct ledger *lg, int64_t id, const char *ok, struct err *e)
{
    static const char *const labels[2] = { "AMZ-S1-1", "AMZ-S1-2" };
    static const char *const ids[2] = { "inv-1", "inv-2" };
    struct outbox_answer a[2];
    struct outbox_row r;
    size_t na = 0;
    int dead, rc;
    if (outbox_get(lg, id, &r, e) < 0)
        return -1;
    for (size_t i = 0; i < 2; i++) {
        if (ok[i] == '-')
            continue;
        a[na] = (struct outbox_answer){ .idx = i, .label = labels[i], .ok = ok[i] == 'y',
                                        .xero_id = ok[i] == 'y' ? ids[i] : NULL,
                                        .xero_status = ok[i] == 'y' ? "AUTHORISED" : NULL,
                                        .message = ok[i] == 'y' ? NULL
                                                 : "Account code '999' is not a valid code" };
        na++;
    }
    rc = outbox_record(lg, &r, 2, a, na, &dead, e);
    if (rc == 0 && dead != (strchr(ok, 'n') != NULL))
        rc = err_set(e, ERR_INTERNAL, "dead = %d", dead);
    outbox_row_free(&r);
    return rc;
}

/* One step; 0 when it did what the step expects (a refusal included). */
static int step(struct ledger *lg, char op, const char *crash, struct err *e)
{
    int64_t id = row_id(lg);
    struct err e2 = { 0 };
    char point[64];
    switch (op) {
    case 's': return outbox_mark_sending(lg, id, e);
    case 'S': return outbox_mark_sending(lg, id, &e2) == -1 && e2.code == ERR_INTERNAL ? 0
                     : err_set(e, ERR_INTERNAL, "mark_sending was not refused");
    case 'k': return outbox_release(lg, id, 0, "connection refused before sending", e);
    case 'u': return outbox_release(lg, id, 1, "timed out after sending", e);
    case 'c': return record(lg, id, "yy", e);
    case 'h': return record(lg, id, "y-", e);
    case 'l': return record(lg, id, "-y", e);
    case 'd': return record(lg, id, "yn", e);
    case 'D': return record(lg, id, "nn", e);
    case 'f': return record(lg, id, "--", e);
    case 'r': return outbox_retry(lg, id, e);
    case 'R': return outbox_retry(lg, id, &e2) == -1 && e2.code == ERR_INPUT ? 0
                     : err_set(e, ERR_INTERNAL, "retry was not refused");
    case 'p': return queue(lg, &req2, e);
    case 'x':
        if (ledger_begin(lg, e) < 0 || outbox_drop_pending(lg, "S1", e) < 0) {
            ledger_rollback(lg);
            return -1;
        }
        return ledger_commit(lg, e);
    case '!':
        snprintf(point, sizeof point, "%.*s", (int)strcspn(crash, ":"), crash);
        crash_point(point);
        return 0;
    }
    return err_set(e, ERR_INTERNAL, "unknown step '%c'", op);
}

/* Runs the steps; the index of the failed step + 1, or 0. */
static size_t run_ops(const char *db, const char *ops, const char *crash, struct err *e)
{
    struct ledger *lg;
    size_t i;
    if (ledger_open(&lg, db, 0, e) < 0)
        return 100;
    for (i = 0; ops[i]; i++)
        if (step(lg, ops[i], crash, e) < 0)
            break;
    ledger_close(lg);
    return ops[i] ? i + 1 : 0;
}

/* The same steps in a child armed to die at crash; 0 when it was killed as it should be. */
static int run_crash(const char *db, const char *ops, const char *crash, char *why, size_t cap)
{
    int status;
    pid_t pid;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return snprintf(why, cap, "fork failed"), -1;
    if (pid == 0) {
        struct err e = { 0 };
        setenv("SETTLEBOOK_CRASH_AT", crash, 1);
        crash_arm("http://127.0.0.1:9/");
        _exit(10 + (int)run_ops(db, ops, crash, &e));
    }
    if (waitpid(pid, &status, 0) != pid)
        return snprintf(why, cap, "waitpid failed"), -1;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        return 0;
    snprintf(why, cap, "the child was not killed (exit %d: step %d failed or no crash)",
             WIFEXITED(status) ? WEXITSTATUS(status) : -1,
             WIFEXITED(status) ? WEXITSTATUS(status) - 10 : -1);
    return -1;
}

static int64_t count(struct ledger *lg, const char *sql, int64_t id)
{
    sqlite3_stmt *st;
    struct err e;
    int64_t n = -1;
    if (ledger_prepare(lg, &st, sql, &e) < 0)
        return -1;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void check_case(size_t i, const char *db)
{
    const struct want *w = &cases[i].w;
    const char *name = cases[i].name;
    struct ledger *lg;
    struct outbox_row r;
    struct err e = { 0 };
    int64_t id, entries = 0;
    int same = -1, posted = -1;
    char key[72], want_key[136];
    if (ledger_open(&lg, db, 0, &e) < 0) {
        CHECK(0, "%s: reopen: %s", name, e.msg);
        return;
    }
    id = row_id(lg);
    CHECK(count(lg, "SELECT count(*) FROM outbox", 0) == w->rows, "%s: %lld rows, want %d",
          name, (long long)count(lg, "SELECT count(*) FROM outbox", 0), w->rows);
    CHECK(ledger_audit_verify(lg, &entries, &e) == 0 && entries == w->audit,
          "%s: audit chain: %lld entries, want %d (%s)", name, (long long)entries, w->audit,
          e.msg);
    CHECK(count(lg, "SELECT count(*) FROM exception WHERE kind = 'XERO_REJECTED'", 0) ==
          w->exceptions, "%s: XERO_REJECTED exceptions %lld, want %d", name,
          (long long)count(lg, "SELECT count(*) FROM exception WHERE kind = 'XERO_REJECTED'",
                           0), w->exceptions);
    CHECK(outbox_compare(lg, "S1", &req1, 1, &same, &posted, &e) == 0 && same == w->same &&
          posted == w->posted, "%s: outbox_compare same=%d posted=%d, want %d %d (%s)", name,
          same, posted, w->same, w->posted, e.msg);
    if (!w->state) {
        ledger_close(lg);
        return;
    }
    if (outbox_get(lg, id, &r, &e) < 0) {
        CHECK(0, "%s: outbox_get: %s", name, e.msg);
        ledger_close(lg);
        return;
    }
    CHECK(strcmp(r.state, w->state) == 0 && r.attempts == w->attempts &&
          r.retries == w->retries, "%s: %s attempts %d retries %d, want %s %d %d", name,
          r.state, r.attempts, r.retries, w->state, w->attempts, w->retries);
    CHECK(count(lg, "SELECT count(*) FROM outbox_doc WHERE outbox_id = ? AND state = "
                "'confirmed'", id) == w->confirmed &&
          count(lg, "SELECT count(*) FROM outbox_doc WHERE outbox_id = ? AND state = "
                "'rejected'", id) == w->rejected,
          "%s: documents confirmed/rejected want %d/%d", name, w->confirmed, w->rejected);
    CHECK(count(lg, "SELECT last_error IS NOT NULL FROM outbox WHERE id = ?", id) ==
          w->last_error, "%s: last_error set should be %d", name, w->last_error);
    CHECK(count(lg, "SELECT COALESCE(xero_id, '') = '' FROM outbox WHERE id = ?", id) ==
          !w->xero_id[0] && (!w->xero_id[0] || count(lg, "SELECT count(*) FROM outbox WHERE "
          "id = ? AND xero_id = 'inv-1'", id) == 1), "%s: xero_id should be [%s]", name,
          w->xero_id);
    /* the key is the body's, plus -r<retries> after manual retries */
    outbox_key("S1", 1, r.body, key);
    if (r.retries)
        snprintf(want_key, sizeof want_key, "%s-r%d", key, r.retries);
    else
        snprintf(want_key, sizeof want_key, "%s", key);
    CHECK(strcmp(r.key, want_key) == 0 && outbox_verify(&r, &e) == 0, "%s: key %s, want %s "
          "(%s)", name, r.key, want_key, e.msg);
    outbox_row_free(&r);
    ledger_close(lg);
}

/* A row changed behind settlebook's back is never sent: outbox_verify refuses it. */
static const struct { const char *name, *sql; int rc; } tamper[] = {
    { "untouched", "SELECT 1", 0 },
    { "body edited", "UPDATE outbox SET body = replace(body, 'AMZ-S1-2', 'AMZ-S1-3')", -1 },
    { "body and sha edited", "UPDATE outbox SET body = 'x', body_sha256 = "
      "'2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'", -1 },
    { "key edited", "UPDATE outbox SET idempotency_key = 'sb1-' || substr(idempotency_key, 6) "
      "|| '0'", -1 },
    { "retries edited without a new key", "UPDATE outbox SET retries = 1", -1 },
};

static void check_tamper(void)
{
    for (size_t i = 0; i < sizeof tamper / sizeof tamper[0]; i++) {
        struct ledger *lg = NULL;
        struct outbox_row r;
        struct err e = { 0 };
        char db[512], name[32];
        int rc = -2;
        snprintf(name, sizeof name, "tamper%zu.db", i);
        if (ledger_open(&lg, tdir_path(db, sizeof db, name), 1, &e) == 0 &&
            queue(lg, &req1, &e) == 0 && ledger_exec(lg, tamper[i].sql, &e) == 0 &&
            outbox_get(lg, row_id(lg), &r, &e) == 0) {
            rc = outbox_verify(&r, &e);
            outbox_row_free(&r);
        }
        CHECK(rc == tamper[i].rc && (rc == 0 || e.code == ERR_INTERNAL),
              "tamper %s: verify %d, want %d (%s)", tamper[i].name, rc, tamper[i].rc, e.msg);
        ledger_close(lg);
    }
}

/* The key: "sb1-" + 60 hex digits, a function of settlement, sequence and body only. */
static void check_key(void)
{
    char a[72], b[72], c[72], d[72];
    size_t hex = 0;
    outbox_key("S1", 1, body1, a);
    outbox_key("S1", 1, body1, b);
    outbox_key("S1", 2, body1, c);
    outbox_key("S1", 1, body2, d);
    for (const char *p = a + 4; *p; p++)
        hex += (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
    CHECK(strncmp(a, "sb1-", 4) == 0 && strlen(a) == 64 && hex == 60, "key shape: %s", a);
    CHECK(strcmp(a, b) == 0 && strcmp(a, c) != 0 && strcmp(a, d) != 0,
          "same inputs, same key; another seq or body, another key");
}

/* Replaces the settlement's rows by v[0..n) in one transaction. */
static int replace(struct ledger *lg, const struct outbox_new *v, size_t n, struct err *e)
{
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (outbox_replace_unposted(lg, "S1", v, n, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

/* Beside a posted row: a rendering that keeps it byte for byte may change and add the other
 * rows (outbox_posted_kept), which leaves the posted row, its id and state alone; one that
 * changes it, or drops it, is not kept. */
static void check_beside_posted(void)
{
    static const char b2[] = "{\"Payments\":[{\"Amount\":1.00}]}";
    static const char b2n[] = "{\"Payments\":[{\"Amount\":2.00}]}";
    static const char b3[] = "{\"Payments\":[{\"Amount\":3.00}]}";
    struct outbox_new first[2] = { req1, req1 }, next[3] = { req1, req1, req1 };
    struct ledger *lg = NULL;
    struct err e = { 0 };
    char db[512];
    int kept = -1;
    first[1].body = b2, first[1].seq = 2;
    next[1].body = b2n, next[1].seq = 2, next[1].month = "2025-10";
    next[2].body = b3, next[2].seq = 3, next[2].month = "2025-10";
    tdir_path(db, sizeof db, "beside.db");
    if (ledger_open(&lg, db, 1, &e) < 0 || replace(lg, first, 2, &e) < 0 ||
        ledger_exec(lg, "UPDATE outbox SET state = 'confirmed' WHERE seq = 1", &e) < 0) {
        CHECK(0, "beside: set-up: %s", e.msg);
        ledger_close(lg);
        return;
    }
    int64_t id1 = count(lg, "SELECT id FROM outbox WHERE seq = 1", 0);
    CHECK(outbox_posted_kept(lg, "S1", next, 3, &kept, &e) == 0 && kept == 1,
          "beside: the posted row unchanged is kept (%d, %s)", kept, e.msg);
    CHECK(replace(lg, next, 3, &e) == 0, "beside: replace: %s", e.msg);
    CHECK(count(lg, "SELECT count(*) FROM outbox", 0) == 3 &&
          count(lg, "SELECT id FROM outbox WHERE seq = 1 AND state = 'confirmed'", 0) == id1 &&
          count(lg, "SELECT count(*) FROM outbox WHERE seq > 1 AND state = 'pending' AND "
                "month = '2025-10' AND (body LIKE '%2.00%' OR body LIKE '%3.00%')", 0) == 2,
          "beside: the posted row as it was, the others replaced and added");
    CHECK(outbox_posted_kept(lg, "S1", &req2, 1, &kept, &e) == 0 && kept == 0,
          "beside: a changed posted row is not kept");
    CHECK(outbox_posted_kept(lg, "S1", &next[1], 2, &kept, &e) == 0 && kept == 0,
          "beside: a dropped posted row is not kept");
    ledger_close(lg);
}

int main(void)
{
    if (tdir_make("outbox") < 0) {
        CHECK(0, "mkdtemp failed");
        return T_DONE();
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ledger *lg = NULL;
        struct err e = { 0 };
        char db[512], name[32], why[128];
        size_t failed;
        snprintf(name, sizeof name, "case%zu.db", i);
        tdir_path(db, sizeof db, name);
        if (ledger_open(&lg, db, 1, &e) < 0 || queue(lg, &req1, &e) < 0) {
            CHECK(0, "%s: set-up: %s", cases[i].name, e.msg);
            ledger_close(lg);
            continue;
        }
        ledger_close(lg);
        if (cases[i].crash) {
            CHECK(run_crash(db, cases[i].ops, cases[i].crash, why, sizeof why) == 0, "%s: %s",
                  cases[i].name, why);
        } else {
            failed = run_ops(db, cases[i].ops, NULL, &e);
            CHECK(failed == 0, "%s: step %zu (%c) failed: %s", cases[i].name, failed,
                  failed ? cases[i].ops[failed - 1] : ' ', e.msg);
        }
        check_case(i, db);
    }
    check_tamper();
    check_key();
    check_beside_posted();
    tdir_remove();
    return T_DONE();
}
