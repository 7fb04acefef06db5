/* outbox — state changes of outbox rows (see outbox.h), each in its own transaction, and the
 * exact request a row stands for. Never talks to the network. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int outbox_get(struct ledger *lg, int64_t id, struct outbox_row *out, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (ledger_prepare(lg, &st, "SELECT id, settlement_id, month, doc_number, seq, attempts, "
                       "retries, method, path, query, idempotency_key, body_sha256, state, body "
                       "FROM outbox WHERE id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        rc = err_set(e, ERR_INPUT, "outbox row %lld does not exist (settlebook outbox list "
                     "shows them)", (long long)id);
    } else if (s != SQLITE_ROW) {
        rc = ledger_fail(lg, e, "read outbox row");
    } else {
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->settlement_id, sizeof out->settlement_id, "%s", ledger_text(st, 1));
        snprintf(out->month, sizeof out->month, "%s", ledger_text(st, 2));
        snprintf(out->doc_number, sizeof out->doc_number, "%s", ledger_text(st, 3));
        out->seq = sqlite3_column_int(st, 4);
        out->attempts = sqlite3_column_int(st, 5);
        out->retries = sqlite3_column_int(st, 6);
        snprintf(out->method, sizeof out->method, "%s", ledger_text(st, 7));
        snprintf(out->path, sizeof out->path, "%s", ledger_text(st, 8));
        snprintf(out->query, sizeof out->query, "%s", ledger_text(st, 9));
        snprintf(out->key, sizeof out->key, "%s", ledger_text(st, 10));
        snprintf(out->sha, sizeof out->sha, "%s", ledger_text(st, 11));
        snprintf(out->state, sizeof out->state, "%s", ledger_text(st, 12));
        out->body = strdup(ledger_text(st, 13));
        if (!out->body)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

void outbox_row_free(struct outbox_row *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
}

/* The key of a row: outbox_key, then "-r<retries>" after manual retries. */
static void row_key(const char *sid, int seq, const char *body, int retries, char out[136])
{
    char base[72];
    outbox_key(sid, seq, body, base);
    if (retries > 0)
        snprintf(out, 136, "%s-r%d", base, retries);
    else
        snprintf(out, 136, "%s", base);
}

int outbox_verify(const struct outbox_row *r, struct err *e)
{
    char sha[HASH_HEX_LEN], key[136];
    hash_hex(r->body, strlen(r->body), sha);
    if (strcmp(sha, r->sha) != 0)
        return err_set(e, ERR_INTERNAL, "outbox row %lld (%s): its body no longer matches its "
                       "sha256; it was changed outside settlebook and is not sent",
                       (long long)r->id, r->doc_number);
    row_key(r->settlement_id, r->seq, r->body, r->retries, key);
    if (strcmp(key, r->key) != 0)
        return err_set(e, ERR_INTERNAL, "outbox row %lld (%s): its Idempotency-Key does not "
                       "belong to its body; it was changed outside settlebook and is not sent",
                       (long long)r->id, r->doc_number);
    return 0;
}

int outbox_confirmed(struct ledger *lg, int64_t id, size_t n, unsigned char *confirmed,
                     struct err *e)
{
    sqlite3_stmt *st;
    int s;
    memset(confirmed, 0, n);
    if (ledger_prepare(lg, &st, "SELECT idx FROM outbox_doc WHERE outbox_id = ? AND state = "
                       "'confirmed'", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t i = sqlite3_column_int64(st, 0);
        if (i >= 0 && (size_t)i < n)
            confirmed[i] = 1;
    }
    if (s != SQLITE_DONE) {
        ledger_fail(lg, e, "read confirmed documents");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Runs an UPDATE/DELETE with ?1 = id and optional text ?2; returns the rows changed. */
static int exec_id(struct ledger *lg, const char *sql, int64_t id, const char *text,
                   struct err *e)
{
    sqlite3_stmt *st;
    int changed;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        return ledger_fail(lg, e, "update outbox");
    }
    sqlite3_finalize(st);
    changed = sqlite3_changes(ledger_db(lg));
    return changed;
}

int outbox_mark_sending(struct ledger *lg, int64_t id, struct err *e)
{
    int n;
    if (ledger_begin(lg, e) < 0)
        return -1;
    n = exec_id(lg, "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
                "last_error = NULL WHERE id = ?1 AND state IN ('pending', 'sending')", id, NULL,
                e);
    if (n < 0)
        goto fail;
    if (n != 1) {
        err_set(e, ERR_INTERNAL, "outbox row %lld is no longer pending: is another settlebook "
                "posting from this ledger?", (long long)id);
        goto fail;
    }
    return ledger_commit(lg, e);
fail:
    ledger_rollback(lg);
    return -1;
}

int outbox_release(struct ledger *lg, int64_t id, int unknown, const char *why,
                   struct err *e)
{
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (exec_id(lg, unknown ? "UPDATE outbox SET last_error = ?2 WHERE id = ?1"
                : "UPDATE outbox SET state = 'pending', last_error = ?2 WHERE id = ?1 AND "
                  "state = 'sending'", id, why, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

static int put_doc(struct ledger *lg, int64_t id, const struct outbox_answer *a, struct err *e)
{
    sqlite3_stmt *st;
    int ok;
    if (ledger_prepare(lg, &st, "INSERT OR REPLACE INTO outbox_doc(outbox_id, idx, label, "
                       "state, xero_id, xero_status, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (int64_t)a->idx);
    sqlite3_bind_text(st, 3, a->label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->ok ? "confirmed" : "rejected", -1, SQLITE_STATIC);
    if (a->xero_id && a->xero_id[0])
        sqlite3_bind_text(st, 5, a->xero_id, -1, SQLITE_STATIC);
    if (a->xero_status && a->xero_status[0])
        sqlite3_bind_text(st, 6, a->xero_status, -1, SQLITE_STATIC);
    if (a->message && a->message[0])
        sqlite3_bind_text(st, 7, a->message, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, "record Xero's answer");
}

static int rejected(struct ledger *lg, const struct outbox_row *r,
                    const struct outbox_answer *a, struct err *e)
{
    char expl[1024], action[256];
    snprintf(expl, sizeof expl, "Xero rejected %s (outbox row %lld, %s %s): %s", a->label,
             (long long)r->id, r->method, r->path, a->message ? a->message : "");
    snprintf(action, sizeof action, "Fix the cause in Xero (or in the mapping, then run post "
             "again), then `settlebook outbox retry %lld`.", (long long)r->id);
    /* the row's month: the cost-of-goods journal, items and accruals belong to no settlement */
    struct exception_row x = { .kind = "XERO_REJECTED", .severity = "error",
                               .settlement_id = r->settlement_id, .month = r->month,
                               .explanation = expl,
                               .action = action };
    return exception_add(lg, "xero", &x, e);
}

/* Deletes the XERO_REJECTED exceptions of row id. */
static int clear_rejections(struct ledger *lg, int64_t id, struct err *e)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%% (outbox row %lld, %%", (long long)id);
    return exception_clear(lg, "xero", "XERO_REJECTED", NULL, pat, e);
}

int outbox_record(struct ledger *lg, const struct outbox_row *r, size_t n_docs,
                  const struct outbox_answer *a, size_t na, int *dead, struct err *e)
{
    sqlite3_stmt *st;
    char first_id[64] = "", msg[600] = "", detail[512];
    const char *state;
    int64_t confirmed = 0;
    *dead = 0;
    if (ledger_begin(lg, e) < 0)
        return -1;
    for (size_t i = 0; i < na; i++) {
        if (put_doc(lg, r->id, &a[i], e) < 0)
            goto fail;
        if (!a[i].ok) {
            size_t len = strlen(msg);
            *dead = 1;
            snprintf(msg + len, sizeof msg - len, "%s%s: %s", len ? " | " : "", a[i].label,
                     a[i].message ? a[i].message : "");
            if (rejected(lg, r, &a[i], e) < 0)
                goto fail;
        }
    }
    if (ledger_prepare(lg, &st, "SELECT count(*), (SELECT xero_id FROM outbox_doc WHERE "
                       "outbox_id = ?1 AND state = 'confirmed' ORDER BY idx LIMIT 1) FROM "
                       "outbox_doc WHERE outbox_id = ?1 AND state = 'confirmed'", e) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, r->id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        ledger_fail(lg, e, "count confirmed documents");
        sqlite3_finalize(st);
        goto fail;
    }
    confirmed = sqlite3_column_int64(st, 0);
    snprintf(first_id, sizeof first_id, "%s", ledger_text(st, 1));
    sqlite3_finalize(st);
    /* partly confirmed and nothing rejected (a lookup found some): the state stays */
    state = *dead ? "dead" : (size_t)confirmed == n_docs ? "confirmed" : r->state;
    if (ledger_prepare(lg, &st, "UPDATE outbox SET state = ?2, xero_id = ?3, last_error = ?4 "
                       "WHERE id = ?1", e) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    if (first_id[0])
        sqlite3_bind_text(st, 3, first_id, -1, SQLITE_STATIC);
    if (*dead)
        sqlite3_bind_text(st, 4, msg, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        ledger_fail(lg, e, "update outbox");
        goto fail;
    }
    sqlite3_finalize(st);
    if (!*dead && clear_rejections(lg, r->id, e) < 0)
        goto fail;
    if (na == 0)
        return ledger_commit(lg, e);
    snprintf(detail, sizeof detail, "outbox=%lld settlement=%s seq=%d key=%s docs=%zu "
             "confirmed=%lld%s%s", (long long)r->id, r->settlement_id, r->seq, r->key, n_docs,
             (long long)confirmed, first_id[0] ? " xero_id=" : "", first_id);
    if (ledger_audit(lg, *dead ? "xero.dead" : !strcmp(state, "confirmed") ? "xero.confirmed"
                     : "xero.found", detail, e) < 0)
        goto fail;
    crash_point("before_confirm_commit");
    return ledger_commit(lg, e);
fail:
    ledger_rollback(lg);
    return -1;
}

int outbox_retry(struct ledger *lg, int64_t id, struct err *e)
{
    struct outbox_row r;
    char key[136], detail[400];
    sqlite3_stmt *st;
    int ok;
    if (outbox_get(lg, id, &r, e) < 0)
        return -1;
    if (strcmp(r.state, "dead") != 0) {
        err_set(e, ERR_INPUT, "outbox row %lld is %s, not dead: only dead rows are retried "
                "(pending and unknown ones are sent by `settlebook post --live`)",
                (long long)id, r.state);
        outbox_row_free(&r);
        return -1;
    }
    if (outbox_verify(&r, e) < 0) {
        outbox_row_free(&r);
        return -1;
    }
    row_key(r.settlement_id, r.seq, r.body, r.retries + 1, key);
    if (ledger_begin(lg, e) < 0) {
        outbox_row_free(&r);
        return -1;
    }
    if (ledger_prepare(lg, &st, "UPDATE outbox SET state = 'pending', retries = retries + 1, "
                       "idempotency_key = ?2, last_error = NULL WHERE id = ?1", e) < 0)
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok) {
        ledger_fail(lg, e, "update outbox");
        goto fail;
    }
    snprintf(detail, sizeof detail, "outbox=%lld settlement=%s seq=%d key=%s", (long long)id,
             r.settlement_id, r.seq, key);
    if (exec_id(lg, "DELETE FROM outbox_doc WHERE outbox_id = ?1 AND state = 'rejected'", id,
                NULL, e) < 0 || clear_rejections(lg, id, e) < 0 ||
        ledger_audit(lg, "xero.retry", detail, e) < 0)
        goto fail;
    outbox_row_free(&r);
    return ledger_commit(lg, e);
fail:
    ledger_rollback(lg);
    outbox_row_free(&r);
    return -1;
}

void outbox_key(const char *settlement_id, int seq, const char *body, char out[72])
{
    struct hash_ctx *h;
    struct err e;
    char hex[HASH_HEX_LEN], head[96];
    int n = snprintf(head, sizeof head, "%s|%d|", settlement_id, seq);
    if (hash_new(&h, &e) < 0) {
        snprintf(out, 72, "sb1-error");
        return;
    }
    hash_update(h, head, (size_t)n);
    hash_update(h, body, strlen(body));
    hash_final(h, hex);
    snprintf(out, 72, "sb1-%.60s", hex);
}

int outbox_compare(struct ledger *lg, const char *sid, const struct outbox_new *v, size_t n,
                   int *same, int *posted, struct err *e)
{
    sqlite3_stmt *st;
    size_t i = 0;
    int s;
    char sha[HASH_HEX_LEN];
    *same = 1;
    *posted = 0;
    if (ledger_prepare(lg, &st, "SELECT seq, body_sha256, state, month, EXISTS (SELECT 1 FROM "
                       "outbox_posted p WHERE p.id = o.id) FROM outbox o WHERE "
                       "settlement_id = ? AND state != 'superseded' ORDER BY seq", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 4))
            (*posted)++;
        if (i >= n) {
            *same = 0;
            continue;
        }
        hash_hex(v[i].body, strlen(v[i].body), sha);
        if (sqlite3_column_int(st, 0) != v[i].seq || strcmp(ledger_text(st, 1), sha) != 0 ||
            strcmp(ledger_text(st, 3), v[i].month) != 0)
            *same = 0;
        i++;
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return ledger_fail(lg, e, "read outbox rows");
    if (i != n)
        *same = 0;
    return 0;
}

int outbox_posted_kept(struct ledger *lg, const char *sid, const struct outbox_new *v,
                       size_t n, int *kept, struct err *e)
{
    sqlite3_stmt *st;
    char sha[HASH_HEX_LEN];
    int s;
    *kept = 1;
    if (ledger_prepare(lg, &st, "SELECT seq, body_sha256, month FROM outbox_posted WHERE "
                       "settlement_id = ? AND state != 'superseded'", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    while (*kept && (s = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = 0;
        while (i < n && v[i].seq != sqlite3_column_int(st, 0))
            i++;
        if (i < n)
            hash_hex(v[i].body, strlen(v[i].body), sha);
        *kept = i < n && strcmp(ledger_text(st, 1), sha) == 0 &&
                strcmp(ledger_text(st, 2), v[i].month) == 0;
    }
    if (*kept && s != SQLITE_DONE) {
        sqlite3_finalize(st);
        return ledger_fail(lg, e, "read posted outbox rows");
    }
    sqlite3_finalize(st);
    return 0;
}

/* Inserts the rows of v whose seq no row of the settlement holds any more (the posted ones
 * stay as they are). */
static int insert_rows(struct ledger *lg, const struct outbox_new *v, size_t n, struct err *e)
{
    sqlite3_stmt *st, *held;
    int ok = 1;
    if (ledger_prepare(lg, &held, "SELECT 1 FROM outbox WHERE settlement_id = ? AND seq = ? "
                       "AND state != 'superseded'", e) < 0)
        return -1;
    if (ledger_prepare(lg, &st, "INSERT INTO outbox(settlement_id, month, seq, doc_number, "
                       "method, path, query, idempotency_key, body, body_sha256) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e) < 0) {
        sqlite3_finalize(held);
        return -1;
    }
    for (size_t i = 0; ok && i < n; i++) {
        const struct outbox_new *q = &v[i];
        char key[72], sha[HASH_HEX_LEN];
        int s;
        sqlite3_bind_text(held, 1, q->settlement_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(held, 2, q->seq);
        s = sqlite3_step(held);
        sqlite3_reset(held);
        if (s == SQLITE_ROW)
            continue;
        if (s != SQLITE_DONE) {
            ok = 0;
            break;
        }
        outbox_key(q->settlement_id, q->seq, q->body, key);
        hash_hex(q->body, strlen(q->body), sha);
        sqlite3_bind_text(st, 1, q->settlement_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, q->month, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, q->seq);
        sqlite3_bind_text(st, 4, q->doc_number, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, q->method, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, q->path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, q->query, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 9, q->body, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, sha, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(held);
    return ok ? 0 : ledger_fail(lg, e, "insert outbox row");
}

/* Runs sql binding ?1 = sid. */
static int exec_sid(struct ledger *lg, const char *sql, const char *sid, struct err *e)
{
    sqlite3_stmt *st;
    int ok;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, "update outbox");
}

int outbox_replace_unposted(struct ledger *lg, const char *sid, const struct outbox_new *v,
                            size_t n, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0, s;
    if (ledger_prepare(lg, &st, "SELECT id, idempotency_key, COALESCE(last_error, '') FROM "
                       "outbox WHERE settlement_id = ?1 AND state = 'dead' AND id NOT IN "
                       "(SELECT id FROM outbox_posted WHERE settlement_id = ?1) ORDER BY seq",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char detail[1024];
        snprintf(detail, sizeof detail, "outbox=%lld settlement=%s key=%s replaced by a new "
                 "rendering; Xero had rejected it: %s", (long long)sqlite3_column_int64(st, 0),
                 sid, ledger_text(st, 1), ledger_text(st, 2));
        rc = ledger_audit(lg, "xero.replaced", detail, e);
        /* its rejection goes with it; a posted row's stays */
        if (rc == 0)
            rc = clear_rejections(lg, sqlite3_column_int64(st, 0), e);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read dead outbox rows");
    if (rc < 0 ||
        exec_sid(lg, "DELETE FROM outbox WHERE settlement_id = ?1 AND state IN ('pending', "
                 "'dead') AND id NOT IN (SELECT id FROM outbox_posted WHERE settlement_id = ?1)",
                 sid, e) < 0)
        return -1;
    if (ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM outbox_posted WHERE "
                       "settlement_id = ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    rc = s == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    if (s != SQLITE_ROW)
        return ledger_fail(lg, e, "read posted outbox rows");
    /* nothing of the settlement in Xero: no rejection of it stands any more */
    if (rc && exception_clear(lg, "xero", "XERO_REJECTED", sid, NULL, e) < 0)
        return -1;
    return insert_rows(lg, v, n, e);
}

int outbox_drop_pending(struct ledger *lg, const char *sid, struct err *e)
{
    return exec_sid(lg, "DELETE FROM outbox WHERE settlement_id = ?1 AND state = 'pending'",
                    sid, e);
}

int outbox_each(struct ledger *lg, const char *state, const char *period,
                int (*fn)(void *arg, const struct outbox_info *r), void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT o.id, o.settlement_id, o.month, o.seq, o.method, "
                       "o.path, o.doc_number, o.state, o.attempts, o.retries, "
                       "o.idempotency_key, COALESCE(o.xero_id, ''), COALESCE(o.last_error, ''),"
                       " (SELECT count(*) FROM outbox_doc d WHERE d.outbox_id = o.id AND "
                       "d.state = 'confirmed'), (SELECT count(*) FROM outbox_doc d WHERE "
                       "d.outbox_id = o.id AND d.state = 'rejected') FROM outbox o LEFT JOIN "
                       "settlement s ON s.settlement_id = o.settlement_id WHERE (?1 = '' OR "
                       "o.state = ?1) AND (?2 = '' OR o.month = ?2) ORDER BY s.start_utc, "
                       "o.settlement_id, o.seq", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, state ? state : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period ? period : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_info r = {
            .id = sqlite3_column_int64(st, 0), .settlement_id = ledger_text(st, 1),
            .month = ledger_text(st, 2), .seq = sqlite3_column_int(st, 3), .method = ledger_text(st, 4),
            .path = ledger_text(st, 5), .doc_number = ledger_text(st, 6), .state = ledger_text(st, 7),
            .attempts = sqlite3_column_int(st, 8), .retries = sqlite3_column_int(st, 9),
            .key = ledger_text(st, 10), .xero_id = ledger_text(st, 11), .last_error = ledger_text(st, 12),
            .confirmed = sqlite3_column_int64(st, 13),
            .rejected = sqlite3_column_int64(st, 14) };
        rc = fn(arg, &r);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return e->msg[0] ? -1 : err_set(e, ERR_IO, "cannot write the outbox list");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list outbox rows");
}

int outbox_docs_each(struct ledger *lg, int64_t id,
                     int (*fn)(void *arg, const struct outbox_doc_info *d), void *arg,
                     struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT idx, label, state, COALESCE(xero_id, ''), "
                       "COALESCE(xero_status, ''), COALESCE(message, '') FROM outbox_doc "
                       "WHERE outbox_id = ? ORDER BY idx", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_doc_info d = {
            .idx = sqlite3_column_int64(st, 0), .label = ledger_text(st, 1), .state = ledger_text(st, 2),
            .xero_id = ledger_text(st, 3), .xero_status = ledger_text(st, 4), .message = ledger_text(st, 5) };
        rc = fn(arg, &d);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return e->msg[0] ? -1 : err_set(e, ERR_IO, "cannot write the outbox documents");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list outbox documents");
}
