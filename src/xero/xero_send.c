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
    const char *period;             /* "" = every month */
    int64_t rows_seen;
    int progress;                   /* stderr is a terminal: show requests sent of total */
};

/* "sent N of M" on one line of a terminal, rewritten after each request. */
static void progress(struct run *r)
{
    if (!r->progress)
        return;
    fprintf(stderr, "\rxero: %lld of %lld request(s) sent", (long long)r->rows_seen,
            (long long)r->out->to_send);
    fflush(stderr);
}

/* How many requests of the period the settlements ok[0..n) have to send. */
static int count_to_send(struct run *r, char (*ok)[64], size_t n, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (ledger_prepare(r->lg, &st, "SELECT count(*) FROM outbox WHERE settlement_id = ?1 AND "
                       "state IN ('pending', 'sending') AND (?2 = '' OR month = ?2)", e) < 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        sqlite3_bind_text(st, 1, ok[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->period, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW)
            rc = ledger_fail(r->lg, e, "count the requests to send");
        else
            r->out->to_send += sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

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

/* Settlements with rows of the period to send, in sending order; why[i] says what holds one
 * back ("" = nothing): a dead request, or an open error (exception_blocking, as the preview
 * marks it). */
#define PICK_WHY_MAX 320

struct pick {
    char (*sid)[64];
    char (*why)[PICK_WHY_MAX];
    size_t n;
};

static int pick_grow(struct pick *p, size_t *cap, struct err *e)
{
    size_t c = *cap ? *cap * 2 : 16;
    char (*sid)[64] = realloc(p->sid, c * sizeof *sid);
    char (*why)[PICK_WHY_MAX];
    if (sid)
        p->sid = sid;
    why = sid ? realloc(p->why, c * sizeof *why) : NULL;
    if (!sid || !why)
        return err_set(e, ERR_NOMEM, "out of memory");
    p->why = why;
    *cap = c;
    return 0;
}

int xero_held_back(struct ledger *lg, const char *sid, char *out, size_t cap,
                   struct err *e)
{
    sqlite3_stmt *st;
    int b = exception_blocking(lg, sid, out, cap, e), s;
    if (b != 0)
        return b;
    if (ledger_prepare(lg, &st, "SELECT 1 FROM outbox WHERE settlement_id = ? AND state = "
                       "'dead' LIMIT 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        ledger_fail(lg, e, "read dead requests");
    sqlite3_finalize(st);
    if (s == SQLITE_ROW)
        snprintf(out, cap, "XERO_REJECTED: a request of it was rejected by Xero (settlebook "
                 "outbox dead; then outbox retry)");
    return s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0 : -1;
}

static int pick(struct ledger *lg, const char *period, struct pick *p, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s, rc = 0;
    memset(p, 0, sizeof *p);
    /* the items to create first ("ITEMS-<month>"), then the settlements, then the months'
     * cost-of-goods journals ("COGS-<month>"), then the month-end accruals and reversals
     * (post_accrual.c, "ACCRUAL-<month>-<currency>[-R]"); only the period's own rows: a
     * settlement across a month end sends its later part (and its deposit payment) when that
     * month is posted, and an accrual's reversal is sent with the next month, exactly as that
     * month's preview shows */
    if (ledger_prepare(lg, &st, "SELECT pick_id FROM (SELECT s.settlement_id AS pick_id, 0 AS "
                       "k, s.start_utc AS o1 FROM settlement s WHERE " PERIOD_SCOPE_SQL
                       " UNION SELECT o.settlement_id, CASE WHEN o.settlement_id GLOB '"
                       XERO_ITEMS_PREFIX "*' THEN -1 WHEN o.settlement_id GLOB 'ACCRUAL-*' "
                       "THEN 2 ELSE 1 END, o.month FROM outbox o WHERE (o.settlement_id GLOB '"
                       COGS_SID_PREFIX "*' OR o.settlement_id GLOB '" XERO_ITEMS_PREFIX "*' OR "
                       "o.settlement_id GLOB 'ACCRUAL-*') AND (?1 = '' OR o.month = ?1)) WHERE "
                       "EXISTS (SELECT 1 FROM outbox o WHERE o.settlement_id = pick_id AND "
                       "o.state IN ('pending', 'sending') AND (?1 = '' OR o.month = ?1)) ORDER "
                       "BY k, o1, pick_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (p->n == cap && pick_grow(p, &cap, e) < 0) {
            rc = -1;
            break;
        }
        snprintf(p->sid[p->n], 64, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = xero_held_back(lg, p->sid[p->n], p->why[p->n], PICK_WHY_MAX, e) < 0 ? -1 : 0;
        p->n++;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "pick the settlements to send");
    sqlite3_finalize(st);
    return rc;
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
        if (!res[i].ok)
            log_error("%s (outbox row %lld): Xero rejected it: %s", d[i].label,
                      (long long)row->id, res[i].msg);
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
    if ((!strcmp(b->collection, "Allocations")
             ? xrefs_lookup_allocation(&r->c, r->lg, row->path, row->body, res, e)
             : xlookup_docs(&r->c, row->body, b, todo, res, e)) < 0 ||
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
    char *body = NULL, *sent = NULL, *path = NULL, key[136];
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
    /* an allocation: the ids of the documents sent before it, in place of their
     * placeholders (no other request has any) */
    if (!strcmp(b->collection, "Allocations") &&
        (xrefs_resolve(r->lg, body, &sent, e) < 0 ||
         xrefs_resolve(r->lg, row->path, &path, e) < 0))
        goto done;
    if (outbox_mark_sending(r->lg, row->id, e) < 0)
        goto done;
    crash_point("after_mark_sending");
    {
        struct xcall call = { .method = row->method, .path = path ? path : row->path,
                              .query = row->query, .body = sent ? sent : body,
                              .idempotency_key = key };
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
    free(sent);
    free(path);
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
    /* an item may exist in Xero already (made by hand, or by an earlier run): it is looked
     * up by Code before anything is sent, so each is created once */
    if ((!strcmp(row.state, "sending") || !strcmp(b->collection, "Items")) &&
        look_up(r, &row, b, confirmed, e) < 0)
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
    progress(r);
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
    int seq = -1, dead = 0, s;
    if (ledger_prepare(r->lg, &st, "SELECT id, seq FROM outbox WHERE settlement_id = ?1 AND "
                       "state IN ('pending', 'sending') AND seq > ?2 AND (?3 = '' OR month = "
                       "?3) ORDER BY seq LIMIT 1", e) < 0)
        return -1;
    while (!dead) {
        int64_t id;
        sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, seq);
        sqlite3_bind_text(st, 3, r->period, -1, SQLITE_STATIC);
        if ((s = sqlite3_step(st)) != SQLITE_ROW) {
            /* BUSY or an I/O error is an error (exit 4), never "no more requests" */
            int bad = s != SQLITE_DONE ? ledger_fail(r->lg, e, "read the next request") : 0;
            sqlite3_finalize(st);
            if (bad)
                return -1;
            st = NULL;
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

int xero_send_prepare(struct ledger *lg, const struct config *cfg,
                      struct xero_send_summary *out, struct err *e)
{
    struct xclient c;
    int rc;
    memset(out, 0, sizeof *out);
    if (xclient_open(&c, cfg, e) < 0) {
        xclient_close(&c);
        return -1;
    }
    rc = preflight_contacts(lg, &c, e);
    out->calls = c.calls;
    out->retries = c.retries;
    out->bytes_in = c.bytes_in;
    xclient_close(&c);
    return rc;
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

    /* the calls of xero_send_prepare count in this run's totals */
    int64_t calls0 = out->calls, retries0 = out->retries, bytes0 = out->bytes_in;
    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    memset(&p, 0, sizeof p);
    r.lg = lg;
    r.out = out;
    r.period = period;
    crash_arm(cfg->xero.api_url);
    if (lock_ledger(ledger_path, &fd, e) < 0)
        return -1;
    if (ledger_durable(lg, e) < 0)
        goto done;
    if (pick(lg, period, &p, e) < 0)
        goto done;
    out->settlements = (int64_t)p.n;
    ok = calloc(p.n ? p.n : 1, sizeof *ok);
    if (!ok) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < p.n; i++) {
        if (p.why[i][0]) {
            out->blocked++;
            log_error("settlement %s: held back, nothing of it sent: %s", p.sid[i], p.why[i]);
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
    if (preflight_run(lg, &r.c, period, ok, nok, &pf, e) < 0)
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
    if (count_to_send(&r, ok, nok, e) < 0)
        goto done;
    r.progress = isatty(2) && log_level() >= LOG_NORMAL;
    progress(&r);
    for (size_t i = 0; i < nok; i++)
        if (settle(&r, ok[i], e) < 0)
            goto done;
    rc = 0;
done:
    if (r.progress)
        fputc('\n', stderr);
    out->calls = calls0 + r.c.calls;
    out->retries = retries0 + r.c.retries;
    out->bytes_in = bytes0 + r.c.bytes_in;
    if (opened)
        xclient_close(&r.c);
    pick_free(&p);
    free(ok);
    if (fd >= 0)
        close(fd);
    return rc;
}
