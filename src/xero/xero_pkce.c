/* xero_pkce — PKCE (RFC 7636, S256) for `settlebook auth xero`: random verifier and state
 * from OpenSSL's RAND_bytes, the authorize URL, and the pasted redirect's code and state. */
#include "xero.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

void xero_b64url(const unsigned char *p, size_t n, char *out)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
    }
    out[o] = '\0';
}

int xero_pkce_challenge(const char *verifier, char out[48], struct err *e)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    if (EVP_Digest(verifier, strlen(verifier), digest, &dn, EVP_sha256(), NULL) != 1 || dn != 32)
        return err_set(e, ERR_INTERNAL, "SHA-256 failed");
    xero_b64url(digest, dn, out);
    return 0;
}

int xero_pkce_new(struct xero_pkce *out, struct err *e)
{
    unsigned char rnd[48];
    memset(out, 0, sizeof *out);
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return err_set(e, ERR_INTERNAL, "no random bytes from OpenSSL");
    xero_b64url(rnd, sizeof rnd, out->verifier);
    if (RAND_bytes(rnd, 24) != 1)
        return err_set(e, ERR_INTERNAL, "no random bytes from OpenSSL");
    xero_b64url(rnd, 24, out->state);
    OPENSSL_cleanse(rnd, sizeof rnd);
    return xero_pkce_challenge(out->verifier, out->challenge, e);
}

int xero_pkce_url(const struct config *cfg, const struct xero_creds *c,
                  const struct xero_pkce *p, char *out, size_t cap, struct err *e)
{
    const char *names[] = { "response_type", "client_id", "redirect_uri", "scope", "state",
                            "code_challenge", "code_challenge_method" };
    const char *values[] = { "code", c->client_id, cfg->xero.redirect_uri, cfg->xero.scopes,
                             p->state, p->challenge, "S256" };
    size_t n = (size_t)snprintf(out, cap, "%s", cfg->xero.authorize_url);
    if (xero_auth_url_ok(cfg->xero.authorize_url, "xero.authorize_url", e) < 0)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && n < cap; i++) {
        char v[1024];
        if (http_escape(values[i], v, sizeof v) < 0)
            return err_set(e, ERR_INPUT, "%s too long for the authorize URL", names[i]);
        n += (size_t)snprintf(out + n, cap - n, "%c%s=%s",
                              i == 0 ? (strchr(out, '?') ? '&' : '?') : '&', names[i], v);
    }
    if (n >= cap)
        return err_set(e, ERR_INPUT, "authorize URL longer than %zu bytes", cap - 1);
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes the n bytes at s into out; -1 when it does not fit or is malformed. */
static int decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            int h, l;
            if (i + 2 >= n)
                return -1;
            h = hexval(s[i + 1]);
            l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            ch = (char)(h << 4 | l);
            i += 2;
        } else if (ch == '+') {
            ch = ' ';
        }
        if ((unsigned char)ch < 0x20 || o + 1 >= cap)
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return 0;
}

/* The decoded value of name in query (up to '#'); 0 found, 1 absent, -1 malformed. */
static int param(const char *query, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    const char *p = query;
    while (*p && *p != '#') {
        size_t len = strcspn(p, "&#");
        if (len > k && strncmp(p, name, k) == 0 && p[k] == '=')
            return decode(p + k + 1, len - k - 1, out, cap) < 0 ? -1 : 0;
        p += len;
        if (*p == '&')
            p++;
    }
    out[0] = '\0';
    return 1;
}

int xero_pkce_parse_redirect(const char *in, char *code, size_t code_cap, char *state,
                             size_t state_cap, struct err *e)
{
    const char *q = strchr(in, '?');
    char err_code[64];
    state[0] = '\0';
    code[0] = '\0';
    if (!q && !strstr(in, "://") && !strchr(in, '=')) {
        /* a bare code */
        size_t n = strlen(in);
        if (n == 0 || n >= code_cap)
            return err_set(e, ERR_INPUT, "the code is empty or longer than %zu bytes",
                           code_cap - 1);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)in[i] <= 0x20 || (unsigned char)in[i] > 0x7e)
                return err_set(e, ERR_INPUT, "the code contains spaces or control characters");
        memcpy(code, in, n + 1);
        return 0;
    }
    q = q ? q + 1 : in;
    if (param(q, "error", err_code, sizeof err_code) == 0) {
        for (char *p = err_code; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
                *p = '?';
        if (!strcmp(err_code, "invalid_scope") || !strcmp(err_code, "unauthorized_client"))
            return err_set(e, ERR_INPUT, "Xero did not authorise settlebook: error=%s: %s",
                           err_code, XERO_SCOPE_ADVICE);
        return err_set(e, ERR_INPUT, "Xero did not authorise settlebook: error=%s (was access "
                       "allowed in the browser?)", err_code);
    }
    if (param(q, "code", code, code_cap) != 0 || !code[0])
        return err_set(e, ERR_INPUT, "the redirect address has no code= parameter: paste the "
                       "whole address the browser was sent to");
    if (param(q, "state", state, state_cap) != 0 || !state[0])
        return err_set(e, ERR_INPUT, "the redirect address has no state= parameter: paste the "
                       "whole address the browser was sent to");
    return 0;
}
