/* xero_auth — access tokens and the tenant for the Xero API client. Under the token file's
 * lock it reads the stored tokens, reuses a still-valid access token, or gets a new one
 * (refresh token, else client credentials) and writes the rotated tokens to disk before
 * anything uses them. Never logs a token or a secret. */
#include "xero.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define PATH_CAP 1024

void xero_session_clear(struct xero_session *s)
{
    OPENSSL_cleanse(s, sizeof *s);
}

/* Long enough for another run's refresh with all its retries. */
static long lock_wait_ms(const struct config *cfg)
{
    long ms = (long)cfg->xero.timeout_ms * (cfg->xero.max_retries + 1) + 60000;
    return ms > 600000 ? 600000 : ms;
}

int xero_auth_lock(const struct config *cfg, char *path_out, size_t cap, int *fd,
                   struct err *e)
{
    *fd = -1;
    if (token_store_path(cfg, path_out, cap, e) < 0)
        return -1;
    return token_store_lock(path_out, lock_wait_ms(cfg), fd, e);
}

/* Checked before anything else, so a bad URL is reported whatever the token state. */
static int urls_ok(const struct config *cfg, struct err *e)
{
    if (xero_auth_url_ok(cfg->xero.token_url, "xero.token_url", e) < 0 ||
        xero_auth_url_ok(cfg->xero.connections_url, "xero.connections_url", e) < 0)
        return -1;
    return 0;
}

static int usable(const struct token_set *t)
{
    return t->access_token[0] && t->expires_at > clock_now_s() + XERO_AUTH_MARGIN_S;
}

/* Stored tokens belong to one app; another client id cannot refresh them. */
static int same_app(const struct token_set *t, int found, const struct xero_creds *c,
                    const char *path, struct err *e)
{
    if (found && t->client_id[0] && strcmp(t->client_id, c->client_id) != 0)
        return err_set(e, ERR_INPUT, "%s: these tokens belong to another Xero app than "
                       "SETTLEBOOK_XERO_CLIENT_ID; run settlebook auth xero, or set "
                       "xero.token_file to that app's file", path);
    return 0;
}

/* New tokens into t (refresh token, else client credentials), written to path before the
 * caller sees them. The caller holds the lock. */
static int renew(const struct config *cfg, const struct xero_creds *c, const char *path,
                 struct token_set *t, struct err *e)
{
    int rotating = t->refresh_token[0] != '\0';
    if (!rotating && !c->client_secret[0])
        return err_set(e, ERR_INPUT, "no Xero tokens in %s and SETTLEBOOK_XERO_CLIENT_SECRET "
                       "is not set: run settlebook auth xero once (or set the client secret "
                       "of a Custom Connection)", path);
    if (token_store_probe(path, e) < 0)
        return -1;
    if (rotating ? xero_token_refresh(cfg, c, t, e) < 0
                 : xero_token_client_credentials(cfg, c, t, e) < 0)
        return -1;
    t->updated_at = clock_now_s();
    if (token_store_write(path, t, e) < 0) {
        if (rotating)
            err_prefix(e, "Xero rotated the refresh token but the new one could not be saved "
                       "(Xero accepts the old one for about 30 minutes: fix this and run "
                       "again, else run settlebook auth xero): ");
        return -1;
    }
    log_verbose("xero: new access token (%s), saved to %s",
                rotating ? "refresh token rotated" : "client credentials", path);
    return 0;
}

/* The tenant when none is set or stored: the only connection, which is then stored. A 401
 * on the listing renews the token once. A Custom Connection reaches one organisation and
 * needs no xero-tenant-id, so for client credentials a failed or empty listing leaves the
 * tenant "" instead of failing. */
static int only_tenant(const struct config *cfg, const struct xero_creds *c, const char *path,
                       struct token_set *t, struct err *e)
{
    struct xero_tenant *list = calloc(XERO_TENANTS_MAX, sizeof *list);
    int custom = strcmp(t->grant, "client_credentials") == 0;
    size_t n = 0;
    int unauth = 0, rc = -1;
    if (!list)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (xero_connections(cfg, t->access_token, list, XERO_TENANTS_MAX, &n, &unauth, e) < 0) {
        if (unauth) {
            memset(e, 0, sizeof *e);
            if (renew(cfg, c, path, t, e) < 0)
                goto done;
            xero_connections(cfg, t->access_token, list, XERO_TENANTS_MAX, &n, &unauth, e);
        }
        if (e->code && !custom)
            goto done;
    }
    if (custom && n != 1) {
        memset(e, 0, sizeof *e);
        log_verbose("xero: Custom Connection without a listed organisation; no tenant header");
        rc = 0;
    } else if (n == 0) {
        err_set(e, ERR_INPUT, "no Xero organisation is connected to this app: run "
                "settlebook auth xero and allow access to one");
    } else if (n > 1) {
        err_set(e, ERR_INPUT, "%zu Xero organisations are connected: choose one with "
                "settlebook auth tenant ID (settlebook auth tenants lists them) or "
                "SETTLEBOOK_XERO_TENANT_ID", n);
    } else {
        snprintf(t->tenant_id, sizeof t->tenant_id, "%s", list[0].id);
        snprintf(t->tenant_name, sizeof t->tenant_name, "%s", list[0].name);
        t->updated_at = clock_now_s();
        rc = token_store_write(path, t, e);
    }
done:
    free(list);
    return rc;
}

static int fill(const struct config *cfg, const struct xero_creds *c, const char *path,
                struct token_set *t, struct xero_session *s, int want_tenant, struct err *e)
{
    if (want_tenant && c->tenant_id[0]) {
        snprintf(s->tenant_id, sizeof s->tenant_id, "%s", c->tenant_id);
    } else if (want_tenant) {
        if (!t->tenant_id[0] && only_tenant(cfg, c, path, t, e) < 0)
            return -1;
        snprintf(s->tenant_id, sizeof s->tenant_id, "%s", t->tenant_id);
    }
    snprintf(s->access_token, sizeof s->access_token, "%s", t->access_token);
    s->expires_at = t->expires_at;
    return 0;
}

static int session(const struct config *cfg, struct xero_session *out, int want_tenant,
                   struct err *e)
{
    struct xero_creds c;
    struct token_set t;
    char path[PATH_CAP];
    int fd = -1, found = 0, rc = -1;
    memset(out, 0, sizeof *out);
    memset(&t, 0, sizeof t);
    if (urls_ok(cfg, e) < 0 || xero_creds_env(&c, e) < 0)
        return -1;
    if (xero_auth_lock(cfg, path, sizeof path, &fd, e) < 0 ||
        token_store_read(path, &t, &found, e) < 0 || same_app(&t, found, &c, path, e) < 0)
        goto done;
    if (!usable(&t) && renew(cfg, &c, path, &t, e) < 0)
        goto done;
    rc = fill(cfg, &c, path, &t, out, want_tenant, e);
done:
    token_store_unlock(fd);
    token_set_clear(&t);
    xero_creds_clear(&c);
    if (rc < 0)
        xero_session_clear(out);
    return rc;
}

int xero_auth_session(const struct config *cfg, struct xero_session *out, struct err *e)
{
    return session(cfg, out, 1, e);
}

int xero_auth_token(const struct config *cfg, struct xero_session *out, struct err *e)
{
    return session(cfg, out, 0, e);
}

int xero_auth_refresh(const struct config *cfg, struct xero_session *s, struct err *e)
{
    return xero_auth_renew(cfg, s, s->tenant_id[0] == '\0', e);
}

int xero_auth_renew(const struct config *cfg, struct xero_session *s, int want_tenant,
                    struct err *e)
{
    struct xero_creds c;
    struct token_set t;
    char path[PATH_CAP];
    int fd = -1, found = 0, rc = -1;
    memset(&t, 0, sizeof t);
    if (urls_ok(cfg, e) < 0 || xero_creds_env(&c, e) < 0)
        return -1;
    if (xero_auth_lock(cfg, path, sizeof path, &fd, e) < 0 ||
        token_store_read(path, &t, &found, e) < 0 || same_app(&t, found, &c, path, e) < 0)
        goto done;
    /* Another run may have renewed while we waited for the lock: use its token. */
    if (!(usable(&t) && strcmp(t.access_token, s->access_token) != 0) &&
        renew(cfg, &c, path, &t, e) < 0)
        goto done;
    rc = fill(cfg, &c, path, &t, s, want_tenant, e);
done:
    token_store_unlock(fd);
    token_set_clear(&t);
    xero_creds_clear(&c);
    return rc;
}

int xero_auth_set_tenant(const struct config *cfg, const struct xero_tenant *tn,
                         struct err *e)
{
    struct token_set t;
    char path[PATH_CAP];
    int fd = -1, found = 0, rc = -1;
    if (xero_auth_lock(cfg, path, sizeof path, &fd, e) < 0 ||
        token_store_read(path, &t, &found, e) < 0)
        goto done;
    if (!found) {
        err_set(e, ERR_INPUT, "%s: no tokens yet: run settlebook auth xero", path);
        goto done;
    }
    snprintf(t.tenant_id, sizeof t.tenant_id, "%s", tn->id);
    snprintf(t.tenant_name, sizeof t.tenant_name, "%s", tn->name);
    t.updated_at = clock_now_s();
    rc = token_store_write(path, &t, e);
done:
    token_store_unlock(fd);
    token_set_clear(&t);
    return rc;
}
