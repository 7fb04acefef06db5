/* xero_auth_int — the pieces of Xero authentication shared by xero_auth.c, xero_auth_token.c,
 * xero_pkce.c and the `auth` command: credentials, the token endpoint, the connections list
 * and PKCE. Not for other modules: they use xero_auth.h. */
#ifndef SETTLEBOOK_XERO_AUTH_INT_H
#define SETTLEBOOK_XERO_AUTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "token_store.h"
#include "xero_auth.h"

#define XERO_TENANTS_MAX 100

/* From the environment. client_id is required; client_secret is "" for a PKCE public app. */
struct xero_creds {
    char client_id[128];
    char client_secret[512];
    char tenant_id[64];       /* SETTLEBOOK_XERO_TENANT_ID, "" when unset */
};

int xero_creds_env(struct xero_creds *out, struct err *e);
void xero_creds_clear(struct xero_creds *c);

struct xero_tenant {
    char id[64];
    char name[256];
    char type[32];
};

/* Token endpoint calls (POST xero.token_url, form body; HTTP Basic with the client secret
 * when one is set, else client_id in the form). Retries 429/5xx/network failures up to
 * xero.max_retries times. On success fills t's access_token, expires_at and (when given)
 * refresh_token, grant and client_id; leaves tenant fields alone. */
int xero_token_client_credentials(const struct config *cfg, const struct xero_creds *c,
                                  struct token_set *t, struct err *e);
int xero_token_refresh(const struct config *cfg, const struct xero_creds *c,
                       struct token_set *t, struct err *e);
int xero_token_code(const struct config *cfg, const struct xero_creds *c, const char *code,
                    const char *verifier, struct token_set *t, struct err *e);

/* GET xero.connections_url with the access token. *unauthorized = 1 (and -1 returned) on
 * 401, so the caller can refresh once. */
int xero_connections(const struct config *cfg, const char *access_token,
                     struct xero_tenant *out, size_t cap, size_t *n, int *unauthorized,
                     struct err *e);

/* Locks the token file of cfg (path into path_out) for at most the time a refresh can take. */
int xero_auth_lock(const struct config *cfg, char *path_out, size_t cap, int *fd,
                   struct err *e);

/* xero_auth_session without the tenant (for listing and choosing tenants), and
 * xero_auth_refresh that fills the tenant only when want_tenant is set. */
int xero_auth_token(const struct config *cfg, struct xero_session *out, struct err *e);
int xero_auth_renew(const struct config *cfg, struct xero_session *s, int want_tenant,
                    struct err *e);

/* Stores the chosen tenant in the token file (which must exist). */
int xero_auth_set_tenant(const struct config *cfg, const struct xero_tenant *t,
                         struct err *e);

/* PKCE (RFC 7636, S256) for `settlebook auth xero`. */
struct xero_pkce {
    char verifier[96];   /* base64url of 48 random bytes: 64 chars */
    char challenge[48];  /* base64url(SHA-256(verifier)): 43 chars */
    char state[48];      /* base64url of 24 random bytes */
};

int xero_pkce_new(struct xero_pkce *out, struct err *e);
/* code_challenge = base64url(SHA-256(verifier)), 43 characters. */
int xero_pkce_challenge(const char *verifier, char out[48], struct err *e);
/* The authorize URL the user opens in a browser. */
int xero_pkce_url(const struct config *cfg, const struct xero_creds *c,
                  const struct xero_pkce *p, char *out, size_t cap, struct err *e);

/* Parses what the user pasted: the redirect URL (code and state from its query; an "error"
 * parameter is reported) or a bare code (*state = ""). */
int xero_pkce_parse_redirect(const char *in, char *code, size_t code_cap, char *state,
                             size_t state_cap, struct err *e);

/* base64url without padding of n bytes into out (cap >= 4 * n / 3 + 2). */
void xero_b64url(const unsigned char *p, size_t n, char *out);

#endif
