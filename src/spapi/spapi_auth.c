/* spapi_auth — Login with Amazon: trades the refresh token for an access token and keeps it
 * in memory until shortly before it expires. No secret is ever logged, written to a file or
 * put in an error message; buffers that held one are overwritten before they are freed. */
#include "spapi_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define TOKEN_BODY_MAX (3 * (512 + 512 + SPAPI_TOKEN_MAX) + 128)

static int from_env(const char *name, char *out, size_t cap, struct err *e)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return err_set(e, ERR_INPUT, "%s is not set: give the Login with Amazon credentials of "
                       "your Seller Central app in %s, %s and %s (see README, \"Amazon SP-API "
                       "credentials\")", name, SPAPI_ENV_CLIENT_ID, SPAPI_ENV_CLIENT_SECRET,
                       SPAPI_ENV_REFRESH_TOKEN);
    if (strlen(v) >= cap)
        return err_set(e, ERR_INPUT, "%s is longer than %zu characters: check its value", name,
                       cap - 1);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

int spapi_auth_init(struct spapi *sp, struct err *e)
{
    if (from_env(SPAPI_ENV_CLIENT_ID, sp->client_id, sizeof sp->client_id, e) < 0 ||
        from_env(SPAPI_ENV_CLIENT_SECRET, sp->client_secret, sizeof sp->client_secret, e) < 0 ||
        from_env(SPAPI_ENV_REFRESH_TOKEN, sp->refresh_token, sizeof sp->refresh_token, e) < 0)
        return -1;
    return spapi_url_ok(sp->cfg->spapi.token_url, "spapi.token_url", e);
}

void spapi_auth_forget(struct spapi *sp)
{
    OPENSSL_cleanse(sp->access_token, sizeof sp->access_token);
    sp->token_deadline_ms = 0;
}

void spapi_auth_clear(struct spapi *sp)
{
    spapi_auth_forget(sp);
    OPENSSL_cleanse(sp->client_id, sizeof sp->client_id);
    OPENSSL_cleanse(sp->client_secret, sizeof sp->client_secret);
    OPENSSL_cleanse(sp->refresh_token, sizeof sp->refresh_token);
}

/* grant_type=refresh_token&refresh_token=..&client_id=..&client_secret=.. */
static int form(const struct spapi *sp, char *body, size_t cap, struct err *e)
{
    char a[3 * SPAPI_TOKEN_MAX], b[3 * 512], c[3 * 512];
    int rc = 0;
    if (http_escape(sp->refresh_token, a, sizeof a) < 0 ||
        http_escape(sp->client_id, b, sizeof b) < 0 ||
        http_escape(sp->client_secret, c, sizeof c) < 0 ||
        snprintf(body, cap, "grant_type=refresh_token&refresh_token=%s&client_id=%s"
                 "&client_secret=%s", a, b, c) >= (int)cap)
        rc = err_set(e, ERR_INPUT, "the Login with Amazon credentials are too long");
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    OPENSSL_cleanse(c, sizeof c);
    return rc;
}

/* A token is sent in a header: printable ASCII without spaces only. */
static int token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= SPAPI_TOKEN_MAX)
        return 0;
    for (; *t; t++)
        if (*t <= ' ' || *t > '~')
            return 0;
    return 1;
}

/* Takes access_token and expires_in from a 200 answer. */
static int accept_token(struct spapi *sp, const struct http_resp *r, struct err *e)
{
    json_error_t je;
    json_t *root = json_loadb(r->body, r->len, 0, &je), *tok, *exp;
    int64_t secs = 3600, now = clock_mono_ms();
    int rc = 0;
    tok = json_object_get(root, "access_token");
    exp = json_object_get(root, "expires_in");
    if (!json_is_string(tok) || !token_ok(json_string_value(tok))) {
        rc = err_set(e, ERR_NET, "Login with Amazon (%s) answered without a usable "
                     "access_token: check spapi.token_url", sp->cfg->spapi.token_url);
    } else {
        snprintf(sp->access_token, sizeof sp->access_token, "%s", json_string_value(tok));
        if (json_is_integer(exp) && json_integer_value(exp) > 0 &&
            json_integer_value(exp) < 86400 * 365)
            secs = json_integer_value(exp);
        /* renew a minute early, or halfway through a very short life */
        sp->token_deadline_ms = now + (secs > 120 ? secs - 60 : secs / 2) * 1000;
    }
    json_decref(root);
    return rc;
}

/* Why the token endpoint refused us: its "error" code only (the description could echo). */
static void refusal(const struct http_resp *r, char *out, size_t cap)
{
    json_error_t je;
    json_t *root = json_loadb(r->body, r->len, 0, &je);
    const char *code = json_string_value(json_object_get(root, "error"));
    size_t o = 0;
    out[0] = '\0';
    for (; code && *code && o + 1 < cap && o < 40; code++)
        if ((*code >= 'a' && *code <= 'z') || *code == '_')
            out[o++] = *code;
    out[o] = '\0';
    if (!o)
        snprintf(out, cap, "HTTP %ld", r->status);
    json_decref(root);
}

static int fetch_token(struct spapi *sp, struct err *e)
{
    char *body = malloc(TOKEN_BODY_MAX), last[300] = "", why[48];
    int max = sp->cfg->spapi.max_retries, rc = -1;
    if (!body)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (form(sp, body, TOKEN_BODY_MAX, e) < 0)
        goto done;
    for (int attempt = 0;; attempt++) {
        struct http_req rq = { .method = "POST", .url = sp->cfg->spapi.token_url,
                               .body = body, .body_len = strlen(body),
                               .timeout_ms = sp->cfg->spapi.timeout_ms };
        struct http_resp r;
        struct err he = {0};
        int hrc;
        rq.headers[0] = "Content-Type: application/x-www-form-urlencoded;charset=UTF-8";
        rq.headers[1] = "Accept: application/json";
        hrc = http_do(&rq, &r, &he);
        if (hrc == 0 && r.status == 200) {
            rc = accept_token(sp, &r, e);
            OPENSSL_cleanse(r.body, r.len);
            http_resp_free(&r);
            if (rc == 0)
                log_verbose("Login with Amazon: new access token (valid %lld s)",
                            (long long)((sp->token_deadline_ms - clock_mono_ms()) / 1000));
            goto done;
        }
        if (hrc == 0 && r.status >= 400 && r.status < 500 && r.status != 429) {
            refusal(&r, why, sizeof why);
            if (r.body)
                OPENSSL_cleanse(r.body, r.len);
            http_resp_free(&r);
            err_set(e, ERR_NET, "Login with Amazon refused the credentials (%s): check %s and "
                    "%s, and that %s is a current refresh token of that app (authorize the "
                    "app again in Seller Central to get a new one)", why, SPAPI_ENV_CLIENT_ID,
                    SPAPI_ENV_CLIENT_SECRET, SPAPI_ENV_REFRESH_TOKEN);
            goto done;
        }
        if (hrc < 0)
            snprintf(last, sizeof last, "%s", he.msg);
        else
            snprintf(last, sizeof last, "HTTP %ld", r.status);
        if (r.body)
            OPENSSL_cleanse(r.body, r.len);
        http_resp_free(&r);
        if (attempt >= max) {
            err_set(e, ERR_NET, "Login with Amazon stayed unavailable (%s after %d attempt(s)); "
                    "nothing was fetched: run `settlebook fetch` again later", last,
                    attempt + 1);
            goto done;
        }
        int64_t wait = spapi_backoff_ms(sp, attempt);
        log_verbose("Login with Amazon: %s; retry %d of %d in %lld ms", last, attempt + 1, max,
                    (long long)wait);
        clock_sleep_ms(wait);
    }
done:
    OPENSSL_cleanse(body, TOKEN_BODY_MAX);
    free(body);
    return rc;
}

int spapi_auth_token(struct spapi *sp, const char **out, struct err *e)
{
    *out = NULL;
    if (!sp->access_token[0] || clock_mono_ms() >= sp->token_deadline_ms) {
        spapi_auth_forget(sp);
        if (fetch_token(sp, e) < 0)
            return -1;
    }
    *out = sp->access_token;
    return 0;
}
