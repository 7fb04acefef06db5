/* http — libcurl easy interface with bounded bodies, selected response headers, and no
 * verbose output. */
#include "base.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sink {
    struct http_resp *r;
    size_t cap;
    FILE *file;
    int too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;
    if (s->file)
        return fwrite(p, 1, len, s->file);
    if (s->r->len + len + 1 > HTTP_BODY_MAX) {
        s->too_big = 1;
        return 0;
    }
    if (s->r->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->r->len + len + 1)
            cap *= 2;
        char *b = realloc(s->r->body, cap);
        if (!b)
            return 0;
        s->r->body = b;
        s->cap = cap;
    }
    memcpy(s->r->body + s->r->len, p, len);
    s->r->len += len;
    s->r->body[s->r->len] = '\0';
    return len;
}

static void take(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    const char *v = line + k + 1;
    size_t m = n - k - 1;
    while (m && (*v == ' ' || *v == '\t'))
        v++, m--;
    while (m && (v[m - 1] == '\r' || v[m - 1] == '\n' || v[m - 1] == ' '))
        m--;
    snprintf(out, cap, "%.*s", (int)m, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http_resp *r = ud;
    size_t len = size * n;
    take(p, len, "Retry-After", r->retry_after, sizeof r->retry_after);
    take(p, len, "X-MinLimit-Remaining", r->min_remaining, sizeof r->min_remaining);
    take(p, len, "X-DayLimit-Remaining", r->day_remaining, sizeof r->day_remaining);
    take(p, len, "x-amzn-RateLimit-Limit", r->rate_limit, sizeof r->rate_limit);
    take(p, len, "Content-Type", r->content_type, sizeof r->content_type);
    return len;
}

/* Host part of a URL, for messages that must not carry paths with identifiers. */
static void host_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    snprintf(out, cap, "%.*s", (int)n, p);
}

static int setup(CURL *c, const struct http_req *rq, struct curl_slist **hdrs, struct sink *s,
                 struct http_resp *out)
{
    for (int i = 0; i < HTTP_HEADERS_MAX && rq->headers[i]; i++)
        *hdrs = curl_slist_append(*hdrs, rq->headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 60000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "settlebook/0.1");
    if (rq->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    }
    return 0;
}

int http_do(const struct http_req *rq, struct http_resp *out, struct err *e)
{
    struct sink s = { .r = out };
    struct curl_slist *hdrs = NULL;
    char host[256];
    CURLcode cc;
    CURL *c;
    int rc = 0;

    memset(out, 0, sizeof *out);
    host_of(rq->url, host, sizeof host);
    if (rq->download_path && !(s.file = fopen(rq->download_path, "wb")))
        return err_set(e, ERR_IO, "%s: cannot create", rq->download_path);
    c = curl_easy_init();
    if (!c) {
        if (s.file)
            fclose(s.file);
        return err_set(e, ERR_NOMEM, "cannot start libcurl");
    }
    setup(c, rq, &hdrs, &s, out);
    cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        out->timed_out = 1;
    if (s.too_big)
        rc = err_set(e, ERR_NET, "%s: response larger than %u bytes", host, HTTP_BODY_MAX);
    else if (cc != CURLE_OK)
        rc = err_set(e, ERR_NET, "%s: %s", host, curl_easy_strerror(cc));
    if (s.file && fclose(s.file) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "%s: write error", rq->download_path);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    if (!out->body && !rq->download_path) {
        out->body = calloc(1, 1);
        if (!out->body)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    return rc;
}

void http_resp_free(struct http_resp *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

int http_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~';
        if (o + (plain ? 1 : 3) >= cap)
            return -1;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return 0;
}
