/* test_xero_pkce — PKCE S256 against RFC 7636's example, base64url, and what a pasted
 * redirect (or bare code) parses to. */
#include <string.h>

#include "t.h"
#include "xero.h"

static const struct { const char *in; size_t n; const char *want; } b64[] = {
    { "", 0, "" }, { "f", 1, "Zg" }, { "fo", 2, "Zm8" }, { "foo", 3, "Zm9v" },
    { "foob", 4, "Zm9vYg" }, { "\xfb\xff\xbf", 3, "-_-_" },
};

static const struct { const char *in; int rc; const char *code, *state, *msg; } redirects[] = {
    { "http://localhost:8723/callback?code=abc123&state=xyz&scope=a+b", 0, "abc123", "xyz", "" },
    { "http://localhost:8723/callback?state=s%2Fx&code=a%2Bb%3D&session_state=q", 0, "a+b=", "s/x", "" },
    { "abc-DEF_123.456", 0, "abc-DEF_123.456", "", "" },
    { "http://localhost:8723/callback?error=access_denied&state=s", -1, "", "", "error=access_denied" },
    { "http://localhost:8723/callback?code=abc", -1, "", "", "no state=" },
    { "http://localhost:8723/callback?state=abc", -1, "", "", "no code=" },
    { "http://localhost:8723/callback?code=a%0Ab&state=s", -1, "", "", "no code=" },
    { "http://localhost:8723/callback?code=a%2&state=s", -1, "", "", "no code=" },
    { "two words", -1, "", "", "spaces" },
    { "code=abc&state=def", 0, "abc", "def", "" },
    { "http://x/cb?code=abc&state=def#frag", 0, "abc", "def", "" },
};

int main(void)
{
    struct err e = {0};
    struct xero_pkce p;
    char out[128], code[256], state[256];

    /* RFC 7636 appendix B */
    CHECK(xero_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out, &e) == 0 &&
          strcmp(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") == 0, "S256: %s", out);
    for (size_t i = 0; i < sizeof b64 / sizeof b64[0]; i++) {
        xero_b64url((const unsigned char *)b64[i].in, b64[i].n, out);
        CHECK(strcmp(out, b64[i].want) == 0, "b64url #%zu: %s want %s", i, out, b64[i].want);
    }
    CHECK(xero_pkce_new(&p, &e) == 0, "pkce_new: %s", e.msg);
    CHECK(strlen(p.verifier) == 64 && strlen(p.state) == 32 && strlen(p.challenge) == 43,
          "lengths %zu %zu %zu", strlen(p.verifier), strlen(p.state), strlen(p.challenge));
    CHECK(strspn(p.verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          64, "verifier alphabet");
    xero_pkce_challenge(p.verifier, out, &e);
    CHECK(strcmp(out, p.challenge) == 0, "challenge matches verifier");
    {
        struct xero_pkce q;
        xero_pkce_new(&q, &e);
        CHECK(strcmp(p.verifier, q.verifier) != 0 && strcmp(p.state, q.state) != 0,
              "two runs, two verifiers and states");
    }
    for (size_t i = 0; i < sizeof redirects / sizeof redirects[0]; i++) {
        struct err pe = {0};
        int rc = xero_pkce_parse_redirect(redirects[i].in, code, sizeof code, state,
                                          sizeof state, &pe);
        CHECK(rc == redirects[i].rc, "redirect #%zu: rc %d (%s)", i, rc, pe.msg);
        if (rc == 0)
            CHECK(strcmp(code, redirects[i].code) == 0 && strcmp(state, redirects[i].state) == 0,
                  "redirect #%zu: code '%s' state '%s'", i, code, state);
        else
            CHECK(strstr(pe.msg, redirects[i].msg) != NULL, "redirect #%zu: msg '%s'", i,
                  pe.msg);
    }
    return T_DONE();
}
