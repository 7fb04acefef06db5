/* spapi_call — one SP-API GET with everything around it: the access token in
 * x-amz-access-token, pacing per operation, bounded retries with backoff on 429, 5xx and
 * network failures, one token renewal on 403. Messages name the path, never a token or a
 * query string. */
#include "spapi_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"

int spapi_url_ok(const char *url, const char *what, struct err *e)
{
    static const char *const loopback[] = { "http://127.0.0.1", "http://localhost",
                                            "http://[::1]" };
    if (strncmp(url, "https://", 8) == 0 && url[8])
        return 0;
    for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
        size_t n = strlen(loopback[i]);
        if (strncmp(url, loopback[i], n) == 0 && (url[n] == ':' || url[n] == '/' || !url[n]))
            return 0;
    }
    return err_set(e, ERR_INPUT, "%s must be an https:// URL (plain http only on 127.0.0.1, "
                   "for tests)", what);
}

/* Copies printable ASCII of s (at most n bytes) to out. */
static size_t printable(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; s && s[i] && i < n && o + 1 < cap; i++)
        out[o++] = s[i] >= ' ' && s[i] <= '~' ? s[i] : ' ';
    out[o] = '\0';
    return o;
}

void spapi_describe(const char *body, char *out, size_t cap)
{
    json_error_t je;
    json_t *root = json_loadb(body ? body : "", body ? strlen(body) : 0, 0, &je);
    json_t *first = json_array_get(json_object_get(root, "errors"), 0);
    const char *code = json_string_value(json_object_get(first, "code"));
    const char *msg = json_string_value(json_object_get(first, "message"));
    const char *det = json_string_value(json_object_get(first, "details"));
    char a[64], b[200], c[200];
    out[0] = '\0';
    if (first) {
        printable(code ? code : "error", 60, a, sizeof a);
        printable(msg ? msg : "", 190, b, sizeof b);
        printable(det ? det : "", 190, c, sizeof c);
        snprintf(out, cap, "%s: %s%s%s", a, b, c[0] ? " " : "", c);
    } else {
        printable(body, 120, out, cap);
    }
    json_decref(root);
}

/* A 403 that a new access token can cure (expired, or Amazon's generic Unauthorized). */
static int token_problem(const struct http_resp *r)
{
    return r->status == 403 && r->body &&
           (strstr(r->body, "xpired") || strstr(r->body, "Unauthorized"));
}

/* The request's path without its query, for messages. */
static void path_only(const char *pq, char *out, size_t cap)
{
    size_t n = strcspn(pq, "?");
    snprintf(out, cap, "%.*s", (int)(n < 200 ? n : 200), pq);
}

struct attempt {
    int done;          /* 1: *out set; -1: a final error in e; 0: retry */
    int64_t wait_ms;   /* at least this long before the retry */
    char why[300];
};

/* Sends once and sorts the answer. */
static void send_once(struct spapi *sp, int op, const char *method, const char *url,
                      const char *path, const char *body, int *renewed, json_t **out,
                      char **raw, struct attempt *a, struct err *e)
{
    char hdr[SPAPI_TOKEN_MAX + 32], desc[400];
    struct http_req rq = { .method = method, .url = url, .body = body,
                           .body_len = body ? strlen(body) : 0,
                           .timeout_ms = sp->cfg->spapi.timeout_ms };
    struct http_resp r;
    struct err he = {0};
    const char *tok;
    int rc;

    memset(a, 0, sizeof *a);
    if (spapi_auth_token(sp, &tok, e) < 0) {
        a->done = -1;
        return;
    }
    snprintf(hdr, sizeof hdr, "x-amz-access-token: %s", tok);
    rq.headers[0] = hdr;
    rq.headers[1] = "Accept: application/json";
    rq.headers[2] = body ? "Content-Type: application/json" : NULL;
    spapi_rate_wait(sp, op);
    rc = http_do(&rq, &r, &he);
    OPENSSL_cleanse(hdr, sizeof hdr);
    spapi_rate_update(sp, op, r.rate_limit);
    if (rc < 0) {
        snprintf(a->why, sizeof a->why, "%s", he.msg);
    } else if (r.status == 200 || (body && r.status == 202)) {   /* createReport: 202 */
        json_error_t je;
        *out = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &je);
        if (json_is_object(*out) && raw && !(*raw = malloc(r.len + 1))) {
            json_decref(*out);
            *out = NULL;
            err_set(e, ERR_NOMEM, "out of memory");
            a->done = -1;
        } else if (json_is_object(*out)) {
            if (raw) {
                memcpy(*raw, r.body, r.len);
                (*raw)[r.len] = '\0';
            }
            a->done = 1;
        } else {
            json_decref(*out);
            *out = NULL;
            snprintf(a->why, sizeof a->why, "answered 200 with a body that is not a JSON "
                     "object (%s)", je.text);
        }
    } else if (token_problem(&r) && !*renewed) {
        *renewed = 1;
        spapi_auth_forget(sp);
        log_verbose("%s %s: access token refused (403); getting a new one", method, path);
        a->done = 0;
        a->wait_ms = -1;   /* retry at once, not counted */
    } else if (r.status == 429 || r.status >= 500) {
        snprintf(a->why, sizeof a->why, "HTTP %ld%s", r.status,
                 r.status == 429 ? " (rate limited)" : "");
        if (r.status == 429) {
            /* Amazon's bucket is empty: wait at least one request's worth of its rate */
            sp->bucket[op].tokens_micro = 0;
            a->wait_ms = spapi_rate_interval_ms(sp, op);
            if (r.retry_after[0] && strtol(r.retry_after, NULL, 10) * 1000 > a->wait_ms)
                a->wait_ms = strtol(r.retry_after, NULL, 10) * 1000;
        }
    } else {
        spapi_describe(r.body, desc, sizeof desc);
        err_set(e, ERR_NET, "Amazon SP-API: %s %s answered HTTP %ld: %s%s", method, path, r.status,
                desc, r.status == 403 ? " — check that the app has the Finance and Accounting "
                "and Inventory and Order Tracking roles and that the seller authorized it" : "");
        a->done = -1;
    }
    http_resp_free(&r);
}

static int call(struct spapi *sp, int op, const char *method, const char *path_query,
                const char *body, json_t **out, char **raw, struct err *e)
{
    char url[8192], path[256];
    const char *base = sp->cfg->spapi.endpoint;
    size_t bl = strlen(base);
    int max = sp->cfg->spapi.max_retries, renewed = 0, attempt = 0;

    *out = NULL;
    path_only(path_query, path, sizeof path);
    while (bl && base[bl - 1] == '/')
        bl--;
    if (snprintf(url, sizeof url, "%.*s%s", (int)bl, base, path_query) >= (int)sizeof url)
        return err_set(e, ERR_INTERNAL, "%s %s: URL longer than %zu bytes", method, path,
                       sizeof url);
    for (;;) {
        struct attempt a;
        send_once(sp, op, method, url, path, body, &renewed, out, raw, &a, e);
        if (a.done)
            return a.done > 0 ? 0 : -1;
        if (a.wait_ms < 0)
            continue;
        if (attempt >= max)
            return err_set(e, ERR_NET, "Amazon SP-API stayed unavailable: %s %s: %s, %d "
                           "attempt(s) (spapi.max_retries %d); nothing from this request was "
                           "ingested: run `settlebook fetch` again later", method, path, a.why,
                           attempt + 1, max);
        int64_t wait = spapi_backoff_ms(sp, attempt);
        if (a.wait_ms > wait)
            wait = a.wait_ms > SPAPI_WAIT_MAX_MS ? SPAPI_WAIT_MAX_MS : a.wait_ms;
        log_verbose("%s %s: %s; retry %d of %d in %lld ms", method, path, a.why, attempt + 1,
                    max, (long long)wait);
        clock_sleep_ms(wait);
        attempt++;
    }
}

int spapi_get(struct spapi *sp, int op, const char *path_query, json_t **out, struct err *e)
{
    return call(sp, op, "GET", path_query, NULL, out, NULL, e);
}

int spapi_get_raw(struct spapi *sp, int op, const char *path_query, json_t **out, char **raw,
                  struct err *e)
{
    *raw = NULL;
    return call(sp, op, "GET", path_query, NULL, out, raw, e);
}

int spapi_post(struct spapi *sp, int op, const char *path, const char *body, json_t **out,
               struct err *e)
{
    return call(sp, op, "POST", path, body, out, NULL, e);
}
