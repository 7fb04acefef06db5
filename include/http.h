/* http — the one place that talks HTTP (libcurl). TLS verification is always on for https;
 * curl's verbose output is never enabled, so headers carrying secrets never reach a log.
 * Callers never pass secrets in URLs. */
#ifndef SETTLEBOOK_HTTP_H
#define SETTLEBOOK_HTTP_H

#include <stddef.h>

#include "err.h"

#define HTTP_BODY_MAX (64u << 20)   /* largest response held in memory */
#define HTTP_HEADERS_MAX 32

struct http_req {
    const char *method;             /* "GET", "PUT", "POST", ... */
    const char *url;
    const char *headers[HTTP_HEADERS_MAX];  /* "Name: value", NULL-terminated */
    const char *body;               /* NULL for none */
    size_t body_len;
    long timeout_ms;                /* whole request; 0 = 60 s */
    const char *download_path;      /* when set, the body is streamed to this file */
};

struct http_resp {
    long status;                    /* 0 when no response arrived */
    char *body;                     /* NUL-terminated, owned (NULL after a download) */
    size_t len;
    char retry_after[32];           /* raw header values we act on; "" when absent */
    char min_remaining[32];         /* X-MinLimit-Remaining */
    char day_remaining[32];         /* X-DayLimit-Remaining */
    char rate_limit[32];            /* x-amzn-RateLimit-Limit */
    char content_type[96];
    int timed_out;                  /* the request hit its timeout */
};

/* Performs the request. Network failures (refused, reset, timeout, truncated body) return
 * -1 with ERR_NET and a message naming the host, never the headers; an HTTP error status is
 * not a failure here (out->status tells). Free out with http_resp_free. */
int http_do(const struct http_req *rq, struct http_resp *out, struct err *e);
void http_resp_free(struct http_resp *r);

/* Percent-encodes s for a query or form value into out; returns -1 when it does not fit. */
int http_escape(const char *s, char *out, size_t cap);

#endif
