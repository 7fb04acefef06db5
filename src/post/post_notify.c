/* post_notify — the alert after a live run: a small JSON summary POSTed to --notify URL or
 * alerts.webhook_url ({"text", "period", "exit_status", "posted", "blocked", "dead"};
 * Slack-compatible through "text"). Counts only: no secret, no settlement detail, no buyer.
 * A failed notification is reported on stderr and changes nothing else. */
#include "post.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xero.h"

#define NOTIFY_TIMEOUT_MS 10000

/* The scheme and host of url, for messages: the rest of a webhook URL is its secret. */
static void host_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    size_t n;
    p = p ? p + 3 : url;
    n = strcspn(p, "/?#");
    snprintf(out, cap, "%.*s%.*s", p == url ? 0 : (int)(p - url), url, (int)n, p);
}

static char *body(const char *period, int status, const struct xero_send_summary *x)
{
    char text[400];
    struct jw w;
    char *out;
    snprintf(text, sizeof text, "settlebook: live posting of %s to Xero %s (exit %d): %lld "
             "settlement(s) posted, %lld held back, %lld request(s) dead", period[0] ? period
             : "every month", status == 0 ? "done" : status == 1 ? "needs attention"
             : "failed", status, (long long)x->posted, (long long)x->blocked,
             (long long)x->dead);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_kstr(&w, "text", text);
    jw_kstr(&w, "period", period);
    jw_kint(&w, "exit_status", status);
    jw_kint(&w, "posted", x->posted);
    jw_kint(&w, "blocked", x->blocked);
    jw_kint(&w, "dead", x->dead);
    jw_end_obj(&w);
    out = jw_text(&w) ? strdup(jw_text(&w)) : NULL;
    jw_free(&w);
    return out;
}

static int send(const char *url, const char *json, struct err *e)
{
    struct http_req rq;
    struct http_resp r;
    int rc;
    memset(&rq, 0, sizeof rq);
    rq.method = "POST";
    rq.url = url;
    rq.headers[0] = "Content-Type: application/json";
    rq.body = json;
    rq.body_len = strlen(json);
    rq.timeout_ms = NOTIFY_TIMEOUT_MS;
    if (xero_auth_url_ok(url, "the alert URL", e) < 0)
        return -1;
    /* http_do fills r even when it fails: it is freed either way */
    rc = http_do(&rq, &r, e);
    if (rc == 0 && (r.status < 200 || r.status >= 300))
        rc = err_set(e, ERR_NET, "answered HTTP %ld", r.status);
    http_resp_free(&r);
    return rc;
}

void post_notify(const struct config *cfg, const char *url, const char *period, int status,
                 const struct xero_send_summary *x)
{
    struct err e = {0};
    char host[300];
    char *json;
    if (!url || !url[0])
        url = cfg->alerts.webhook_url;
    if (!url[0])
        return;
    host_of(url, host, sizeof host);
    json = body(period, status, x);
    if (!json) {
        log_error("alert to %s not sent: out of memory", host);
        return;
    }
    if (send(url, json, &e) < 0)
        log_error("alert to %s not delivered (the posting's outcome stands): %s", host, e.msg);
    else
        log_info("alert sent to %s", host);
    free(json);
}
