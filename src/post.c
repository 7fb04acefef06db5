/* post — outbox maintenance. A settlement's rendered requests replace its pending rows only
 * when they differ, so reruns leave the ledger byte-identical. */
#include "post.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "period.h"
#include "xero.h"

void post_idempotency_key(const char *settlement_id, int seq, const char *body, char out[72])
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

/* 1 when the settlement's outbox rows equal reqs exactly; *posted counts rows of which
 * something may exist in Xero (the outbox_posted view: sending, confirmed, or with a
 * confirmed document), which no new rendering may replace. */
static int same_rows(struct ledger *lg, const char *sid, const struct xero_reqs *reqs,
                     int *posted, struct err *e)
{
    sqlite3_stmt *st;
    size_t i = 0;
    int same = 1;
    char sha[HASH_HEX_LEN];
    *posted = 0;
    if (ledger_prepare(lg, &st, "SELECT seq, body_sha256, state, month, EXISTS (SELECT 1 FROM "
                       "outbox_posted p WHERE p.id = o.id) FROM outbox o WHERE "
                       "settlement_id = ? AND state != 'superseded' ORDER BY seq", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 4))
            (*posted)++;
        if (i >= reqs->n) {
            same = 0;
            continue;
        }
        hash_hex(reqs->v[i].body, strlen(reqs->v[i].body), sha);
        if (sqlite3_column_int(st, 0) != reqs->v[i].seq ||
            strcmp((const char *)sqlite3_column_text(st, 1), sha) != 0 ||
            strcmp((const char *)sqlite3_column_text(st, 3), reqs->v[i].month) != 0)
            same = 0;
        i++;
    }
    sqlite3_finalize(st);
    return same && i == reqs->n;
}

static int insert_rows(struct ledger *lg, const struct xero_reqs *reqs, struct err *e)
{
    sqlite3_stmt *st;
    int ok = 1;
    if (ledger_prepare(lg, &st, "INSERT INTO outbox(settlement_id, month, seq, doc_number, "
                       "method, path, query, idempotency_key, body, body_sha256) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    for (size_t i = 0; ok && i < reqs->n; i++) {
        const struct xero_req *q = &reqs->v[i];
        char key[72], sha[HASH_HEX_LEN];
        post_idempotency_key(q->settlement_id, q->seq, q->body, key);
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
    return ok ? 0 : ledger_fail(lg, e, "insert outbox row");
}

/* Records an error exception of the post stage once (a rerun adds no duplicate). */
static int post_exception(struct ledger *lg, const char *sid, const char *kind,
                          const char *explanation, const char *action, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO exception(scope, kind, severity, settlement_id, "
                       "explanation, action, run_id) SELECT 'post', ?2, 'error', ?1, ?3, ?4, ?5 "
                       "WHERE NOT EXISTS (SELECT 1 FROM exception WHERE settlement_id = ?1 AND "
                       "scope = 'post' AND kind = ?2)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, explanation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, run);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, "insert exception");
}

static int conflict(struct ledger *lg, const char *sid, struct err *e)
{
    return post_exception(lg, sid, "POSTED_DOCUMENT_CHANGED", "The documents for this "
                          "settlement would differ from the ones already sent to Xero; nothing "
                          "was re-sent.", "Compare the preview with Xero and correct there "
                          "(credit note or manual journal).", e);
}

/* Runs sql binding ?1 = sid; -1 on error. */
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

/* Replaces the settlement's rows, none of which exists in Xero: pending rows, and dead rows
 * that Xero rejected whole (their rejection is kept in the audit log). */
static int replace_unposted(struct ledger *lg, const char *sid, const struct xero_reqs *reqs,
                            struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (ledger_prepare(lg, &st, "SELECT id, idempotency_key, COALESCE(last_error, '') FROM "
                       "outbox WHERE settlement_id = ? AND state = 'dead' ORDER BY seq", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        char detail[1024];
        snprintf(detail, sizeof detail, "outbox=%lld settlement=%s key=%s replaced by a new "
                 "rendering; Xero had rejected it: %s", (long long)sqlite3_column_int64(st, 0),
                 sid, (const char *)sqlite3_column_text(st, 1),
                 (const char *)sqlite3_column_text(st, 2));
        rc = ledger_audit(lg, "xero.replaced", detail, e);
    }
    sqlite3_finalize(st);
    if (rc < 0 ||
        exec_sid(lg, "DELETE FROM outbox WHERE settlement_id = ?1 AND state IN ('pending', "
                 "'dead')", sid, e) < 0 ||
        exec_sid(lg, "DELETE FROM exception WHERE settlement_id = ?1 AND scope = 'xero' AND "
                 "kind = 'XERO_REJECTED'", sid, e) < 0)
        return -1;
    return insert_rows(lg, reqs, e);
}

static int one(struct ledger *lg, const struct config *cfg, int64_t ref, const char *sid,
               struct post_summary *out, struct err *e)
{
    struct xero_reqs reqs = {0};
    int posted, same, rc = -1;
    if (xero_render(lg, cfg, ref, &reqs, e) < 0)
        goto done;
    if (reqs.blocked[0] ? post_exception(lg, sid, "CURRENCY_MISMATCH", reqs.blocked, "Post "
                                         "this settlement in summary or orders mode, which "
                                         "carry the currency on each document.", e) < 0
                        : exec_sid(lg, "DELETE FROM exception WHERE settlement_id = ?1 AND "
                                   "scope = 'post' AND kind = 'CURRENCY_MISMATCH'", sid, e) < 0)
        goto done;
    same = same_rows(lg, sid, &reqs, &posted, e);
    if (same < 0)
        goto done;
    out->requests += (int64_t)reqs.n;
    for (size_t i = 0; i < reqs.n; i++)
        out->documents += reqs.v[i].documents;
    if (same) {
        out->unchanged++;
        /* back to what was sent: an earlier difference is resolved */
        if (exec_sid(lg, "DELETE FROM exception WHERE settlement_id = ?1 AND scope = 'post' "
                     "AND kind = 'POSTED_DOCUMENT_CHANGED'", sid, e) < 0)
            goto done;
    } else if (posted) {
        out->conflicts++;
        if (conflict(lg, sid, e) < 0)
            goto done;
    } else {
        out->written++;
        if (replace_unposted(lg, sid, &reqs, e) < 0)
            goto done;
    }
    rc = 0;
done:
    xero_reqs_free(&reqs);
    return rc;
}

int post_outbox(struct ledger *lg, const struct config *cfg, const char *period,
                struct post_summary *out, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (ledger_prepare(lg, &st, "SELECT s.id, s.settlement_id FROM settlement s WHERE "
                       PERIOD_SCOPE_SQL " ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        char sid[64];
        snprintf(sid, sizeof sid, "%s", (const char *)sqlite3_column_text(st, 1));
        out->settlements++;
        rc = one(lg, cfg, sqlite3_column_int64(st, 0), sid, out, e);
        if (rc < 0)
            err_prefix(e, "settlement %s: ", sid);
    }
    sqlite3_finalize(st);
    return rc;
}
