/* xero_auth_token — Xero's token endpoint (client credentials, refresh token, authorization
 * code with PKCE) and the connections list. Secrets travel only in the Authorization header
 * and the form body; messages name the endpoint's host and Xero's error code, never a token,
 * a secret or a response body. */
#include "xero.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base.h"

#define FORM_MAX 16384
#define RETRY_AFTER_MAX_MS 60000

static int env_copy(const char *name, char *out, size_t cap, struct err *e)
{
    const char *v = getenv(name);
    out[0] = '\0';
    if (!v)
        return 0;
    if (strlen(v) >= cap)
        return err_set(e, ERR_INPUT, "%s: longer than %zu bytes", name, cap - 1);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            return err_set(e, ERR_INPUT, "%s: contains spaces or control characters", name);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

int xero_creds_env(struct xero_creds *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (env_copy("SETTLEBOOK_XERO_CLIENT_ID", out->client_id, sizeof out->client_id, e) < 0 ||
        env_copy("SETTLEBOOK_XERO_CLIENT_SECRET", out->client_secret,
                 sizeof out->client_secret, e) < 0 ||
        env_copy("SETTLEBOOK_XERO_TENANT_ID", out->tenant_id, sizeof out->tenant_id, e) < 0) {
        xero_creds_clear(out);
        return -1;
    }
    if (!out->client_id[0]) {
        xero_creds_clear(out);
        return err_set(e, ERR_INPUT, "SETTLEBOOK_XERO_CLIENT_ID is not set: give the client id "
                       "of your Xero app (developer.xero.com > My Apps)");
    }
    return 0;
}

void xero_creds_clear(struct xero_creds *c)
{
    OPENSSL_cleanse(c, sizeof *c);
}

static int is_loopback_http(const char *url)
{
    static const char *const ok[] = { "http://127.0.0.1", "http://localhost", "http://[::1]" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = strlen(ok[i]);
        if (strncasecmp(url, ok[i], n) == 0 && (url[n] == ':' || url[n] == '/' || !url[n]))
            return 1;
    }
    return 0;
}

int xero_auth_url_ok(const char *url, const char *what, struct err *e)
{
    if (strncasecmp(url, "https://", 8) == 0 && url[8])
        return 0;
    if (is_loopback_http(url))
        return 0;
    return err_set(e, ERR_INPUT, "%s: '%s' is not an https:// URL; credentials are only sent "
                   "over TLS (plain http is allowed for 127.0.0.1 and localhost)", what, url);
}

static void host_of(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    snprintf(out, cap, "%.*s", (int)strcspn(p, "/?#"), p);
}

/* Milliseconds to wait before attempt k+1 (k from 0): Retry-After when the server gave one,
 * else 500 ms doubling to 8 s, plus up to 250 ms of jitter. */
static int64_t backoff_ms(const struct http_resp *r, int k)
{
    unsigned char j[2] = { 0, 0 };
    int64_t ms = 500LL << (k < 4 ? k : 4);
    if (r->retry_after[0]) {
        char *end;
        long s = strtol(r->retry_after, &end, 10);
        if (end != r->retry_after && *end == '\0' && s >= 0)
            ms = s * 1000 > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : s * 1000;
    }
    RAND_bytes(j, sizeof j);
    return ms + ((j[0] << 8 | j[1]) % 250);
}

/* Sends rq, retrying network failures, 429 and 5xx up to xero.max_retries times. On return
 * 0, out holds the last answer (any status); free it with http_resp_free. */
static int send_retrying(const struct config *cfg, const struct http_req *rq,
                         struct http_resp *out, const char *what, struct err *e)
{
    char host[256];
    host_of(rq->url, host, sizeof host);
    for (int k = 0;; k++) {
        struct err ne = {0};
        int rc = http_do(rq, out, &ne);
        int transient = rc < 0 ? ne.code == ERR_NET
                               : out->status == 429 || out->status >= 500;
        if (!transient || k >= cfg->xero.max_retries) {
            if (rc < 0) {
                http_resp_free(out);
                *e = ne;
                return err_prefix(e, "%s: ", what);
            }
            return 0;
        }
        int64_t ms = backoff_ms(out, k);
        log_verbose("%s: %s %s, retrying in %lld ms", what, host,
                    rc < 0 ? "unreachable" : "busy", (long long)ms);
        http_resp_free(out);
        clock_sleep_ms(ms);
    }
}

/* A printable token without spaces: safe inside an HTTP header and the token file. */
static int token_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
            return 0;
    return n > 0 && n < max;
}

/* Xero's "error" code, reduced to [A-Za-z0-9_.-] so nothing else from the body is shown. */
static void error_code(const char *body, char *out, size_t cap)
{
    json_t *o = json_loads(body, 0, NULL);
    const char *s = json_string_value(json_object_get(o, "error"));
    size_t n = 0;
    for (; s && *s && n + 1 < cap && n < 48; s++)
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '_' || *s == '.' || *s == '-')
            out[n++] = *s;
    out[n] = '\0';
    json_decref(o);
}

static const char *refusal_hint(const char *grant, const char *code)
{
    if (strcmp(code, "invalid_scope") == 0 ||
        (strcmp(code, "unauthorized_client") == 0 && strcmp(grant, "client_credentials") != 0))
        return XERO_SCOPE_ADVICE;
    if (strcmp(code, "invalid_client") == 0)
        return "check SETTLEBOOK_XERO_CLIENT_ID and SETTLEBOOK_XERO_CLIENT_SECRET";
    if (strcmp(code, "unauthorized_client") == 0 || strcmp(code, "unsupported_grant_type") == 0)
        return strcmp(grant, "client_credentials") == 0
            ? "this app is not a Custom Connection; unset SETTLEBOOK_XERO_CLIENT_SECRET "
              "or run: settlebook auth xero"
            : "the app does not allow this grant; check its type at developer.xero.com";
    if (strcmp(grant, "refresh_token") == 0)
        return "the stored refresh token is no longer valid (unused for 60 days, revoked, or "
               "used by another copy of the token file); run: settlebook auth xero";
    if (strcmp(grant, "authorization_code") == 0)
        return "the code is wrong, used or expired (codes last 5 minutes); run settlebook "
               "auth xero again";
    return "check the app's credentials";
}

static int parse_token(const char *body, const char *grant, const char *host,
                       struct token_set *t, struct err *e)
{
    json_t *o = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
    const char *at = json_string_value(json_object_get(o, "access_token"));
    const char *rt = json_string_value(json_object_get(o, "refresh_token"));
    const char *type = json_string_value(json_object_get(o, "token_type"));
    json_t *exp = json_object_get(o, "expires_in");
    int64_t ttl = 1800;
    int rc = -1;
    if (!json_is_object(o)) {
        err_set(e, ERR_NET, "%s: token answer is not a JSON object", host);
        goto done;
    }
    if (!at || !token_ok(at, sizeof t->access_token)) {
        err_set(e, ERR_NET, "%s: token answer has no usable access_token", host);
        goto done;
    }
    if (type && strcasecmp(type, "Bearer") != 0) {
        err_set(e, ERR_NET, "%s: token_type is not Bearer", host);
        goto done;
    }
    if (exp && !json_is_null(exp)) {
        if (!json_is_integer(exp) || json_integer_value(exp) <= 0 ||
            json_integer_value(exp) > 400 * 86400) {
            err_set(e, ERR_NET, "%s: token answer's expires_in is not a positive integer", host);
            goto done;
        }
        ttl = (int64_t)json_integer_value(exp);
    }
    if (strcmp(grant, "client_credentials") == 0) {
        t->refresh_token[0] = '\0';
    } else if (rt) {
        if (!token_ok(rt, sizeof t->refresh_token)) {
            err_set(e, ERR_NET, "%s: token answer's refresh_token is not usable", host);
            goto done;
        }
        snprintf(t->refresh_token, sizeof t->refresh_token, "%s", rt);
    } else if (strcmp(grant, "authorization_code") == 0) {
        err_set(e, ERR_NET, "%s: no refresh token was issued; xero.scopes must include "
                "offline_access", host);
        goto done;
    }
    snprintf(t->access_token, sizeof t->access_token, "%s", at);
    t->expires_at = clock_now_s() + ttl;
    rc = 0;
done:
    json_decref(o);
    return rc;
}

/* Appends "&name=value" (value percent-encoded) to form. */
static int form_add(char *form, size_t cap, const char *name, const char *value)
{
    size_t n = strlen(form);
    int k = snprintf(form + n, cap - n, "%s%s=", n ? "&" : "", name);
    if (k < 0 || (size_t)k >= cap - n)
        return -1;
    return http_escape(value, form + n + (size_t)k, cap - n - (size_t)k);
}

/* POSTs form to the token endpoint; fills t on 200. */
static int token_call(const struct config *cfg, const struct xero_creds *c, const char *grant,
                      char *form, size_t cap, struct token_set *t, struct err *e)
{
    struct http_req rq = { .method = "POST", .url = cfg->xero.token_url,
                           .timeout_ms = cfg->xero.timeout_ms };
    struct http_resp r = {0};
    char auth[1024] = "", basic[1024], pair[sizeof c->client_id + sizeof c->client_secret + 2];
    char host[256], code[64], what[96];
    int rc = -1, h = 0;

    host_of(cfg->xero.token_url, host, sizeof host);
    snprintf(what, sizeof what, "Xero token endpoint (%s)", host);
    if (xero_auth_url_ok(cfg->xero.token_url, "xero.token_url", e) < 0)
        goto done;
    if (c->client_secret[0]) {
        int n = snprintf(pair, sizeof pair, "%s:%s", c->client_id, c->client_secret);
        EVP_EncodeBlock((unsigned char *)basic, (const unsigned char *)pair, n);
        snprintf(auth, sizeof auth, "Authorization: Basic %s", basic);
        rq.headers[h++] = auth;
    } else if (form_add(form, cap, "client_id", c->client_id) < 0) {
        err_set(e, ERR_INPUT, "%s: request too large", what);
        goto done;
    }
    rq.headers[h++] = "Content-Type: application/x-www-form-urlencoded";
    rq.headers[h++] = "Accept: application/json";
    rq.body = form;
    rq.body_len = strlen(form);
    if (send_retrying(cfg, &rq, &r, what, e) < 0)
        goto done;
    if (r.status == 200) {
        rc = parse_token(r.body, grant, host, t, e);
    } else {
        code[0] = '\0';
        if (r.status >= 400 && r.status < 500 && r.status != 429)
            error_code(r.body, code, sizeof code);
        if (code[0])
            err_set(e, ERR_NET, "%s refused the %s grant: %s; %s", what, grant, code,
                    refusal_hint(grant, code));
        else
            err_set(e, ERR_NET, "%s answered HTTP %ld to the %s grant%s", what, r.status,
                    grant, r.status >= 500 || r.status == 429 ? " (after retries)" : "");
    }
    if (rc == 0) {
        snprintf(t->grant, sizeof t->grant, "%s",
                 strcmp(grant, "client_credentials") == 0 ? grant : "authorization_code");
        snprintf(t->client_id, sizeof t->client_id, "%s", c->client_id);
    }
done:
    if (r.body)
        OPENSSL_cleanse(r.body, r.len);
    http_resp_free(&r);
    OPENSSL_cleanse(auth, sizeof auth);
    OPENSSL_cleanse(basic, sizeof basic);
    OPENSSL_cleanse(pair, sizeof pair);
    OPENSSL_cleanse(form, cap);
    return rc;
}

int xero_token_client_credentials(const struct config *cfg, const struct xero_creds *c,
                                  struct token_set *t, struct err *e)
{
    char form[FORM_MAX] = "";
    if (!c->client_secret[0])
        return err_set(e, ERR_INPUT, "SETTLEBOOK_XERO_CLIENT_SECRET is not set (a Custom "
                       "Connection needs its client secret)");
    form_add(form, sizeof form, "grant_type", "client_credentials");
    return token_call(cfg, c, "client_credentials", form, sizeof form, t, e);
}

int xero_token_refresh(const struct config *cfg, const struct xero_creds *c,
                       struct token_set *t, struct err *e)
{
    char form[FORM_MAX] = "";
    if (form_add(form, sizeof form, "grant_type", "refresh_token") < 0 ||
        form_add(form, sizeof form, "refresh_token", t->refresh_token) < 0)
        return err_set(e, ERR_INPUT, "stored refresh token too long");
    return token_call(cfg, c, "refresh_token", form, sizeof form, t, e);
}

int xero_token_code(const struct config *cfg, const struct xero_creds *c, const char *code,
                    const char *verifier, struct token_set *t, struct err *e)
{
    char form[FORM_MAX] = "";
    if (form_add(form, sizeof form, "grant_type", "authorization_code") < 0 ||
        form_add(form, sizeof form, "code", code) < 0 ||
        form_add(form, sizeof form, "redirect_uri", cfg->xero.redirect_uri) < 0 ||
        form_add(form, sizeof form, "code_verifier", verifier) < 0) {
        OPENSSL_cleanse(form, sizeof form);
        return err_set(e, ERR_INPUT, "authorization code too long");
    }
    t->refresh_token[0] = '\0';
    return token_call(cfg, c, "authorization_code", form, sizeof form, t, e);
}

static int copy_field(json_t *o, const char *key, char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, key));
    out[0] = '\0';
    if (!s)
        return 0;
    if (strlen(s) >= cap)
        return -1;
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static int parse_connections(const char *body, const char *host, struct xero_tenant *out,
                             size_t cap, size_t *n, struct err *e)
{
    json_t *a = json_loads(body, 0, NULL), *v;
    size_t i;
    int rc = 0;
    if (!json_is_array(a)) {
        json_decref(a);
        return err_set(e, ERR_NET, "%s: connections answer is not a JSON array", host);
    }
    json_array_foreach(a, i, v) {
        struct xero_tenant *t = &out[*n];
        if (*n >= cap) {
            rc = err_set(e, ERR_NET, "%s: more than %zu connections", host, cap);
            break;
        }
        if (copy_field(v, "tenantId", t->id, sizeof t->id) < 0 || !t->id[0] ||
            !token_ok(t->id, sizeof t->id)) {
            rc = err_set(e, ERR_NET, "%s: connection %zu has no usable tenantId", host, i);
            break;
        }
        if (copy_field(v, "tenantName", t->name, sizeof t->name) < 0)
            snprintf(t->name, sizeof t->name, "(name too long)");
        if (copy_field(v, "tenantType", t->type, sizeof t->type) < 0)
            t->type[0] = '\0';
        (*n)++;
    }
    json_decref(a);
    return rc;
}

int xero_connections(const struct config *cfg, const char *access_token,
                     struct xero_tenant *out, size_t cap, size_t *n, int *unauthorized,
                     struct err *e)
{
    struct http_req rq = { .method = "GET", .url = cfg->xero.connections_url,
                           .timeout_ms = cfg->xero.timeout_ms };
    struct http_resp r = {0};
    char bearer[4200], host[256], what[96];
    int rc = -1;
    *n = 0;
    *unauthorized = 0;
    host_of(cfg->xero.connections_url, host, sizeof host);
    snprintf(what, sizeof what, "Xero connections (%s)", host);
    if (xero_auth_url_ok(cfg->xero.connections_url, "xero.connections_url", e) < 0)
        return -1;
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", access_token);
    rq.headers[0] = bearer;
    rq.headers[1] = "Accept: application/json";
    if (send_retrying(cfg, &rq, &r, what, e) < 0)
        goto done;
    if (r.status == 200)
        rc = parse_connections(r.body, host, out, cap, n, e);
    else if (r.status == 401 || r.status == 403) {
        *unauthorized = r.status == 401;
        err_set(e, ERR_NET, "%s: access token refused (HTTP %ld)", what, r.status);
    } else
        err_set(e, ERR_NET, "%s answered HTTP %ld", what, r.status);
done:
    http_resp_free(&r);
    OPENSSL_cleanse(bearer, sizeof bearer);
    return rc;
}
