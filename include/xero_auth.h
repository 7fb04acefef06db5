/* xero_auth — Xero OAuth 2.0 access tokens for the API client: client credentials (Custom
 * Connection) or the stored refresh token (rotated, persisted before use), plus the tenant.
 * Credentials come from the environment (SETTLEBOOK_XERO_CLIENT_ID, _CLIENT_SECRET,
 * _TENANT_ID), tokens from the token file (token_store.h). Secrets never appear in logs,
 * output or error messages. */
#ifndef SETTLEBOOK_XERO_AUTH_H
#define SETTLEBOOK_XERO_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

/* What the API client needs for a request: "Authorization: Bearer <access_token>" and
 * "xero-tenant-id: <tenant_id>". tenant_id is "" only for a Custom Connection whose
 * organisation could not be listed: send no xero-tenant-id then (Xero does not need it for
 * Custom Connections). Contains a secret: never log it, clear it when done. */
struct xero_session {
    char access_token[4096];
    char tenant_id[64];
    int64_t expires_at;   /* clock_now_s() seconds */
};

/* Gives a valid access token (valid for at least XERO_AUTH_MARGIN_S more seconds): client
 * credentials when no refresh token is stored and a client secret is set (Custom Connection),
 * else the stored refresh token (rotated and persisted before use). A still-valid token in the
 * token file is reused without a network call. Tenant: SETTLEBOOK_XERO_TENANT_ID, else the one
 * stored by `auth xero`/`auth tenant`, else the only connection (then stored; see above for
 * Custom Connections). Holds the token file's lock
 * while it reads, refreshes and writes, so concurrent runs refresh once.
 * Errors: ERR_INPUT (missing credentials, refused token file, several tenants and none
 * chosen), ERR_NET (Xero refused or unreachable after retries), ERR_IO. */
int xero_auth_session(const struct config *cfg, struct xero_session *out, struct err *e);

/* After a 401 from the API: forces a new access token into s (keeps s->tenant_id). When
 * another process already refreshed since s was issued, its token is taken instead of
 * refreshing again. The caller retries its request once with the new token. */
int xero_auth_refresh(const struct config *cfg, struct xero_session *s, struct err *e);

/* Overwrites the token in s. */
void xero_session_clear(struct xero_session *s);

/* Refuses a URL that secrets must not be sent to: anything but https://, except
 * http:// to 127.0.0.1, [::1] or localhost (local fakes in tests). what names the setting. */
int xero_auth_url_ok(const char *url, const char *what, struct err *e);

#define XERO_AUTH_MARGIN_S 60   /* a token this close to expiry counts as expired */

#endif
