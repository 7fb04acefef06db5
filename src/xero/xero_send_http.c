/* xero_send_http — one Xero API call as live posting makes it: bearer token and tenant,
 * Idempotency-Key, the rate limiter, bounded retries with backoff and jitter, one token
 * refresh after a 401, and the answer parsed as JSON. Requests go one at a time (Xero allows
 * five at once; one keeps the documents of a settlement in order). Never logs a header. */
#include "xero_send_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

int xclient_open(struct xclient *c, const struct config *cfg, struct err *e)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    /* jitter seed: fixed per process start; it shifts waits, never what is sent */
    xrate_init(&c->rate, cfg->xero.calls_per_minute, (uint64_t)clock_mono_ms() | 1u);
    if (xero_auth_url_ok(cfg->xero.api_url, "xero.api_url", e) < 0)
        return -1;
    /* Test hook, like SETTLEBOOK_CRASH_AT: a shorter rate window for the loopback fakes. Plain
     * http:// passed the check above only for 127.0.0.1 and localhost, never for Xero. */
    const char *w = getenv("SETTLEBOOK_XERO_RATE_WINDOW_MS");
    long ms = w ? atol(w) : 0;
    if (ms >= 100 && ms < XRATE_WINDOW_MS && strncmp(cfg->xero.api_url, "http://", 7) == 0)
        c->rate.window_ms = ms;
    return xero_auth_session(cfg, &c->sess, e);
}

void xclient_close(struct xclient *c)
{
    if (c)
        xero_session_clear(&c->sess);
}

/* A status worth another attempt, and whether Xero may have acted on the request. */
static int retryable(long status, int *maybe_done)
{
    *maybe_done = 0;
    if (status == 429 || status == 503)
        return 1;                       /* refused before any work */
    if (status == 500 || status == 502 || status == 504) {
        *maybe_done = 1;
        return 1;
    }
    return 0;
}

static void wait_turn(struct xclient *c)
{
    int64_t w = xrate_wait_ms(&c->rate, clock_mono_ms());
    if (w > 0) {
        log_verbose("xero: waiting %lld ms for the rate limit", (long long)w);
        clock_sleep_ms(w);
    }
}

/* Performs one attempt; fills r. Returns http_do's result. */
static int attempt(struct xclient *c, const struct xcall *q, struct http_resp *r,
                   struct err *e)
{
    char url[4096], auth[4200], tenant[128], key[160], ims[96];
    struct http_req rq;
    int h = 0;

    snprintf(url, sizeof url, "%s%s%s%s", c->cfg->xero.api_url, q->path,
             q->query && q->query[0] ? "?" : "", q->query ? q->query : "");
    memset(&rq, 0, sizeof rq);
    rq.method = q->method;
    rq.url = url;
    rq.timeout_ms = c->cfg->xero.timeout_ms;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->sess.access_token);
    snprintf(tenant, sizeof tenant, "Xero-tenant-id: %s", c->sess.tenant_id);
    rq.headers[h++] = auth;
    rq.headers[h++] = tenant;
    rq.headers[h++] = "Accept: application/json";
    if (q->body) {
        rq.headers[h++] = "Content-Type: application/json";
        rq.body = q->body;
        rq.body_len = strlen(q->body);
    }
    if (q->idempotency_key) {
        snprintf(key, sizeof key, "Idempotency-Key: %s", q->idempotency_key);
        rq.headers[h++] = key;
    }
    if (q->if_modified_since) {
        snprintf(ims, sizeof ims, "If-Modified-Since: %s", q->if_modified_since);
        rq.headers[h++] = ims;
    }
    rq.headers[h] = NULL;
    wait_turn(c);
    xrate_note_call(&c->rate, clock_mono_ms());
    c->calls++;
    int rc = http_do(&rq, r, e);
    memset(auth, 0, sizeof auth);
    if (rc == 0)
        c->bytes_in += (int64_t)r->len;
    return rc;
}

int xclient_call(struct xclient *c, const struct xcall *q, long *status, json_t **root,
                 int *unknown, struct err *e)
{
    int max = c->cfg->xero.max_retries, refreshed = 0, is_put = q->body != NULL;
    int told_when = 0;                  /* the last answer said when to come back */
    char last[256] = "";

    *status = 0;
    *root = NULL;
    *unknown = 0;
    for (int n = 0; n <= max; n++) {
        struct http_resp r;
        struct err he = {0};
        int64_t wait = 0, ra;
        int maybe_done = 0;

        if (n > 0) {
            c->retries++;
            /* Retry-After is honoured by the limiter; otherwise back off */
            wait = told_when ? 0 : xrate_backoff_ms(&c->rate, n);
        }
        if (wait > 0)
            clock_sleep_ms(wait);
        told_when = 0;
        if (attempt(c, q, &r, &he) < 0) {
            /* timeout, reset, refused, cut body: Xero may have acted on a PUT */
            if (is_put)
                *unknown = 1;
            snprintf(last, sizeof last, "%s%s", he.msg, r.timed_out ? " (timed out)" : "");
            log_verbose("xero: %s %s: %s; retrying", q->method, q->path, last);
            http_resp_free(&r);
            continue;
        }
        ra = xrate_note_answer(&c->rate, clock_mono_ms(), r.retry_after, r.min_remaining);
        told_when = ra > 0;
        if (strcmp(r.day_remaining, "0") == 0)
            c->day_exhausted = 1;
        if (r.status == 401 && !refreshed) {
            http_resp_free(&r);
            refreshed = 1;
            if (xero_auth_refresh(c->cfg, &c->sess, e) < 0)
                return -1;
            n--;                        /* a refresh is not a retry */
            continue;
        }
        if (r.status == 429 && ra > XRATE_RETRY_AFTER_MAX_S) {
            http_resp_free(&r);
            c->day_exhausted = 1;
            return err_set(e, ERR_NET, "Xero: rate limit reached (daily limit?): Xero asks "
                           "to wait %lld s; rerun later, nothing is lost", (long long)ra);
        }
        if (retryable(r.status, &maybe_done)) {
            if (is_put && maybe_done)
                *unknown = 1;
            snprintf(last, sizeof last, "HTTP %ld", r.status);
            log_verbose("xero: %s %s: %s; retrying", q->method, q->path, last);
            http_resp_free(&r);
            continue;
        }
        if (r.status == 304) {
            *status = 304;
            http_resp_free(&r);
            return 0;
        }
        if (r.status == 401) {
            http_resp_free(&r);
            return err_set(e, ERR_NET, "Xero refused the access token even after a refresh: "
                           "run `settlebook auth xero` again");
        }
        json_error_t je;
        json_t *j = r.len ? json_loadb(r.body, r.len, 0, &je) : NULL;
        if (!j && r.status >= 200 && r.status < 300) {
            /* a 2xx whose body is cut or garbled: the outcome is unknown, ask again */
            if (is_put)
                *unknown = 1;
            snprintf(last, sizeof last, "HTTP %ld with an unreadable answer (%s)", r.status,
                     r.len ? je.text : "empty");
            log_verbose("xero: %s %s: %s; retrying", q->method, q->path, last);
            http_resp_free(&r);
            continue;
        }
        *status = r.status;
        *root = j;
        http_resp_free(&r);
        return 0;
    }
    return err_set(e, ERR_NET, "Xero %s %s: no usable answer after %d attempt(s); last: %s",
                   q->method, q->path, max + 1, last);
}
