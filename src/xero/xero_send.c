/* xero_send — the live posting driver (see xero_send.h): picks the settlements, runs the
 * preflight, then sends each settlement's outbox rows in order through the state machine of
 * outbox.h. The ledger is committed before every request leaves and after every answer, so
 * a crash anywhere leaves a row pending (not sent), sending (looked up on the next run) or
 * settled (confirmed or dead). */
#include "xero.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base.h"
#include "ledger.h"
#include "preflight.h"
#include "xero_send_int.h"

struct run {
    struct ledger *lg;
    struct xclient c;
    struct xero_send_summary *out;
    int64_t rows_seen;
};

/* The advisory lock: one poster per ledger. Released by the kernel when the process ends,
 * however it ends. */
static int lock_ledger(const char *ledger_path, int *fd, struct err *e)
{
    char path[4200];
    snprintf(path, sizeof path, "%s.xero-lock", ledger_path);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0)
        return err_set(e, ERR_IO, "%s: cannot create the posting lock", path);
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return err_set(e, ERR_INPUT, "another settlebook is posting to Xero from this ledger "
                       "(%s is locked); wait for it to finish", path);
    }
    return 0;
}

/* Settlements in scope with rows to send; *blocked[i] says why one may not be sent. */
struct pick {
    char (*sid)[64];
    int *why;               /* 0 ok, 1 dead row, 2 changed document */
    size_t n;
};

static int pick(struct ledger *lg, const char *period, struct pick *p, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    memset(p, 0, sizeof *p);
    if (ledger_prepare(lg, &st, "SELECT s.settlement_id, CASE WHEN EXISTS (SELECT 1 FROM "
                       "outbox o WHERE o.settlement_id = s.settlement_id AND o.state = 'dead') "
                       "THEN 1 WHEN EXISTS (SELECT 1 FROM exception x WHERE x.settlement_id = "
                       "s.settlement_id AND x.kind = 'POSTED_DOCUMENT_CHANGED') THEN 2 ELSE 0 "
                       "END, s.start_utc FROM settlement s WHERE " PERIOD_SCOPE_SQL " AND EXISTS (SELECT 1 "
                       "FROM outbox o WHERE o.settlement_id = s.settlement_id AND o.state IN "
                       "('pending', 'sending')) "
                       /* month-end accruals (post_accrual.c): after the settlements */
                       "UNION ALL SELECT o.settlement_id, max(EXISTS (SELECT 1 FROM outbox d "
                       "WHERE d.settlement_id = o.settlement_id AND d.state = 'dead')), "
                       "'~' FROM outbox o WHERE o.settlement_id GLOB 'ACCRUAL-*' AND (?1 = '' "
                       "OR o.month = ?1) AND o.state IN ('pending', 'sending') GROUP BY "
                       "o.settlement_id ORDER BY 3, 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (p->n == cap) {
            size_t c = cap ? cap * 2 : 16;
            char (*s)[64] = realloc(p->sid, c * sizeof *s);
            int *w = s ? realloc(p->why, c * sizeof *w) : NULL;
            if (s)
                p->sid = s;
            if (!s || !w) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            p->why = w;
            cap = c;
        }
        snprintf(p->sid[p->n], 64, "%s", (const char *)sqlite3_column_text(st, 0));
        p->why[p->n++] = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    return 0;
}

static void pick_free(struct pick *p)
{
    free(p->sid);
    free(p->why);
}

/* Writes the answers in out[] (for the documents with sel[i] set) into the ledger. */
static int record(struct run *r, const struct outbox_row *row, const char *body,
                  const struct xbody *b, const unsigned char *sel, const struct xresult *res,
                  int *dead, int64_t *ok_docs, struct err *e)
{
    struct outbox_answer *a = calloc(b->n ? b->n : 1, sizeof *a);
    struct xdoc *d = calloc(b->n ? b->n : 1, sizeof *d);
    size_t na = 0;
    int rc = -1;
    *ok_docs = 0;
    if (!a || !d) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!sel[i] || !res[i].done)
            continue;
        if (xbody_doc(body, b, i, &d[i], e) < 0)
            goto done;
        a[na].idx = i;
        a[na].label = d[i].label;
        a[na].ok = res[i].ok;
        a[na].xero_id = res[i].id;
        a[na].xero_status = res[i].status;
        a[na].message = res[i].msg;
        *ok_docs += res[i].ok;
        na++;
    }
    rc = outbox_record(r->lg, row, b->n, a, na, dead, e);
done:
    free(a);
    free(d);
    return rc;
}

/* The unknown outcome of a row in 'sending': what of it is in Xero already? */
static int look_up(struct run *r, struct outbox_row *row, const struct xbody *b,
                   unsigned char *confirmed, struct err *e)
{
    struct xresult *res = calloc(b->n, sizeof *res);
    unsigned char *todo = malloc(b->n);
    int64_t ok_docs;
    int dead, rc = -1;
    if (!res || !todo) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < b->n; i++)
        todo[i] = !confirmed[i];
    log_info("xero: %s (outbox row %lld) may have reached Xero before the last run stopped: "
             "looking it up", row->doc_number, (long long)row->id);
    if (xlookup_docs(&r->c, row->body, b, todo, res, e) < 0 ||
        record(r, row, row->body, b, todo, res, &dead, &ok_docs, e) < 0)
        goto done;
    r->out->found += ok_docs;
    r->out->documents += ok_docs;
    for (size_t i = 0; i < b->n; i++)
        confirmed[i] |= res[i].ok;
    if (ok_docs)
        log_info("xero: found %lld of its %zu document(s) in Xero: not sent again",
                 (long long)ok_docs, b->n);
    crash_point("after_lookup");
    rc = 0;
done:
    free(res);
    free(todo);
    return rc;
}

/* An answer that is neither per-document results nor a validation error. */
static int refused(struct run *r, const struct outbox_row *row, long status, json_t *root,
                   struct err *e)
{
    const char *m = json_string_value(json_object_get(root, "Message"));
    const char *d = json_string_value(json_object_get(root, "Detail"));
    char why[400];
    snprintf(why, sizeof why, "Xero answered HTTP %ld%s%s", status, m || d ? ": " : "",
             m ? m : d ? d : "");
    /* a 409 may mean the same key is still being processed: its outcome is unknown */
    if (outbox_release(r->lg, row->id, status == 409, why, e) < 0)
        return -1;
    return err_set(e, ERR_NET, "%s (outbox row %lld, %s %s): %s", row->doc_number,
                   (long long)row->id, row->method, row->path, why);
}

/* Sends what of a row Xero does not have yet. */
static int send(struct run *r, struct outbox_row *row, const struct xbody *b,
                const unsigned char *confirmed, int *dead, struct err *e)
{
    unsigned char *sel = malloc(b->n);
    struct xresult *res = calloc(b->n, sizeof *res), *sub = calloc(b->n, sizeof *sub);
    struct xbody *sb = malloc(sizeof *sb);
    char *body = NULL, key[136];
    json_t *root = NULL;
    long status;
    int unknown, rc = -1;
    int64_t ok_docs;

    if (!sel || !res || !sub || !sb) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < b->n; i++)
        sel[i] = !confirmed[i];
    if (xero_effective(r->lg, row, &body, key, e) < 0 || xbody_split(body, sb, e) < 0)
        goto done;
    if (outbox_mark_sending(r->lg, row->id, e) < 0)
        goto done;
    crash_point("after_mark_sending");
    {
        struct xcall call = { .method = row->method, .path = row->path, .query = row->query,
                              .body = body, .idempotency_key = key };
        log_verbose("xero: %s %s?%s %s (%zu document(s), outbox row %lld)", row->method,
                    row->path, row->query, row->doc_number, sb->n, (long long)row->id);
        if (xclient_call(&r->c, &call, &status, &root, &unknown, e) < 0) {
            struct err e2 = {0};
            if (outbox_release(r->lg, row->id, unknown, e->msg, &e2) < 0)
                log_error("%s", e2.msg);
            err_prefix(e, "%s (outbox row %lld%s): ", row->doc_number, (long long)row->id,
                       unknown ? ", outcome unknown: the next run looks it up first" : "");
            goto done;
        }
    }
    crash_point("after_http_before_commit");
    if (!((status >= 200 && status < 300) || status == 400)) {
        refused(r, row, status, root, e);
        goto done;
    }
    if (xparse_answer(root, status, b->collection, sb->n, sub, e) < 0) {
        struct err e2 = {0};
        if (outbox_release(r->lg, row->id, 1, e->msg, &e2) < 0)
            log_error("%s", e2.msg);
        err_prefix(e, "%s (outbox row %lld, outcome unknown: the next run looks it up "
                   "first): ", row->doc_number, (long long)row->id);
        goto done;
    }
    /* the answer lists the documents sent, which are the unconfirmed ones in order */
    for (size_t i = 0, k = 0; i < b->n; i++)
        if (sel[i])
            res[i] = sub[k++];
    if (record(r, row, row->body, b, sel, res, dead, &ok_docs, e) < 0)
        goto done;
    r->out->documents += ok_docs;
    crash_point(*dead ? "after_dead" : "after_confirm");
    rc = 0;
done:
    json_decref(root);
    free(body);
    free(sel);
    free(res);
    free(sub);
    free(sb);
    return rc;
}

/* One outbox row: verified, looked up when its outcome is unknown, then sent. */
static int row_go(struct run *r, int64_t id, int *dead, struct err *e)
{
    struct outbox_row row;
    struct xbody *b = malloc(sizeof *b);
    unsigned char *confirmed = NULL;
    size_t have = 0;
    int rc = -1;

    *dead = 0;
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (outbox_get(r->lg, id, &row, e) < 0) {
        free(b);
        return -1;
    }
    if (r->rows_seen++ > 0)
        crash_point("between_requests");
    if (r->c.day_exhausted) {
        err_set(e, ERR_NET, "Xero's daily call limit for this organisation is used up "
                "(X-DayLimit-Remaining: 0): run again tomorrow; nothing is lost or sent twice");
        goto done;
    }
    if (outbox_verify(&row, e) < 0 || xbody_split(row.body, b, e) < 0)
        goto done;
    confirmed = malloc(b->n);
    if (!confirmed) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (outbox_confirmed(r->lg, id, b->n, confirmed, e) < 0)
        goto done;
    if (!strcmp(row.state, "sending") && look_up(r, &row, b, confirmed, e) < 0)
        goto done;
    for (size_t i = 0; i < b->n; i++)
        have += confirmed[i];
    if (have < b->n && send(r, &row, b, confirmed, dead, e) < 0)
        goto done;
    if (have == b->n) {
        int d;
        /* everything was found: make the row confirmed (no answer to write) */
        if (outbox_record(r->lg, &row, b->n, NULL, 0, &d, e) < 0)
            goto done;
    }
    if (!*dead)
        r->out->requests++;
    else
        r->out->dead++;
    rc = 0;
done:
    outbox_row_free(&row);
    free(confirmed);
    free(b);
    return rc;
}

/* Every unsent row of one settlement, in order; stops at the first dead one. */
static int settle(struct run *r, const char *sid, struct err *e)
{
    sqlite3_stmt *st;
    int seq = -1, dead = 0;
    if (ledger_prepare(r->lg, &st, "SELECT id, seq FROM outbox WHERE settlement_id = ? AND "
                       "state IN ('pending', 'sending') AND seq > ? ORDER BY seq LIMIT 1", e) < 0)
        return -1;
    while (!dead) {
        int64_t id;
        sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, seq);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            break;
        }
        id = sqlite3_column_int64(st, 0);
        seq = sqlite3_column_int(st, 1);
        sqlite3_reset(st);
        if (row_go(r, id, &dead, e) < 0) {
            sqlite3_finalize(st);
            return err_prefix(e, "settlement %s: ", sid);
        }
    }
    sqlite3_finalize(st);
    if (dead) {
        log_error("settlement %s: Xero rejected a document; the settlement's remaining "
                  "requests were not sent (settlebook outbox dead)", sid);
        return 0;
    }
    r->out->posted++;
    log_info("xero: settlement %s posted", sid);
    return 0;
}

int xero_send_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
                   const char *period, struct xero_send_summary *out, struct err *e)
{
    struct run r;
    struct pick p;
    struct preflight_summary pf;
    char (*ok)[64] = NULL;
    size_t nok = 0;
    int fd = -1, rc = -1, opened = 0;

    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    r.lg = lg;
    r.out = out;
    crash_arm(cfg->xero.api_url);
    if (lock_ledger(ledger_path, &fd, e) < 0)
        return -1;
    if (pick(lg, period, &p, e) < 0)
        goto done;
    out->settlements = (int64_t)p.n;
    ok = calloc(p.n ? p.n : 1, sizeof *ok);
    if (!ok) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < p.n; i++) {
        if (p.why[i]) {
            out->blocked++;
            log_error("settlement %s: not sent: %s", p.sid[i], p.why[i] == 1
                      ? "a request of it was rejected by Xero (settlebook outbox dead; then "
                        "outbox retry)"
                      : "its documents changed after some were posted "
                        "(POSTED_DOCUMENT_CHANGED)");
        } else {
            memcpy(ok[nok++], p.sid[i], 64);
        }
    }
    if (nok == 0) {
        rc = 0;
        goto done;
    }
    if (xclient_open(&r.c, cfg, e) < 0)
        goto done;
    opened = 1;
    if (preflight_run(lg, &r.c, ok, nok, &pf, e) < 0)
        goto done;
    out->problems = pf.problems;
    log_verbose("xero: preflight checked %lld reference(s) with %lld call(s)",
                (long long)pf.references, (long long)pf.calls);
    if (pf.problems > 0) {
        log_error("preflight: %lld problem(s) with the Xero organisation: nothing was sent",
                  (long long)pf.problems);
        rc = 0;
        goto done;
    }
    crash_point("after_preflight");
    for (size_t i = 0; i < nok; i++)
        if (settle(&r, ok[i], e) < 0)
            goto done;
    rc = 0;
done:
    out->calls = r.c.calls;
    out->retries = r.c.retries;
    if (opened)
        xclient_close(&r.c);
    pick_free(&p);
    free(ok);
    if (fd >= 0)
        close(fd);
    return rc;
}
