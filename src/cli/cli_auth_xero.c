/* cli_auth_xero — `settlebook auth xero`: the one-time authorization code + PKCE bootstrap.
 * Prints the authorize URL, takes the redirect (or code), exchanges it, stores the tokens
 * (0600, atomic), lists the connected organisations and stores the chosen one. The PKCE
 * verifier and state wait in "<token file>.pkce" (0600) between the URL and the code. */
#include "cli_auth.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "xero.h"

#define PATH_CAP 1024
#define PENDING_TTL_S 3600
#define INPUT_MAX 8192

static const char usage[] =
    "usage: settlebook auth xero [--print-url] [--code CODE | --redirect URL] [--tenant ID]\n"
    "Connects settlebook to Xero once (authorization code with PKCE). Prints the address to\n"
    "open in a browser, then reads the address the browser was sent to (or the bare code)\n"
    "from stdin, stores the tokens in the token file (0600) and lists the organisations.\n"
    "  --print-url      print the address and stop; finish later with --redirect or --code\n"
    "  --redirect URL   the address the browser was sent to (its state is checked)\n"
    "  --code CODE      the bare authorization code\n"
    "  --tenant ID      the organisation to use when several are connected\n"
    "Needs SETTLEBOOK_XERO_CLIENT_ID (and SETTLEBOOK_XERO_CLIENT_SECRET for a confidential\n"
    "app). A Custom Connection needs no bootstrap: set the id and secret and run.\n";

struct args {
    int print_url;
    const char *code, *redirect, *tenant;
};

static const struct cli_opt opts[] = {
    { "--print-url", NULL, NULL }, { "--code", NULL, "CODE" }, { "--redirect", NULL, "URL" },
    { "--tenant", NULL, "ID" }, { NULL, NULL, NULL },
};

static int parse(struct cli *g, struct args *a)
{
    struct cli_args p;
    memset(a, 0, sizeof *a);
    if (cli_args_parse(g, opts, &p, usage) != 0)
        return p.status == 0 ? 1 : -1;
    if (cli_no_operands(g, &p, 0) < 0)
        return -1;
    a->print_url = cli_arg(&p, "--print-url") != NULL;
    a->code = cli_arg(&p, "--code");
    a->redirect = cli_arg(&p, "--redirect");
    a->tenant = cli_arg(&p, "--tenant");
    if (a->code && a->redirect)
        return cli_usage_error(g->cmd, "--code and --redirect: give one of them");
    if (a->print_url && (a->code || a->redirect))
        return cli_usage_error(g->cmd, "--print-url only prints the address: finish later "
                               "with --code or --redirect alone");
    return 0;
}

static int pending_save(const char *path, const struct xero_pkce *p, const struct config *cfg,
                        const struct xero_creds *c, struct err *e)
{
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I}", "version", 1, "client_id",
                          c->client_id, "redirect_uri", cfg->xero.redirect_uri, "state",
                          p->state, "verifier", p->verifier, "created_at",
                          (json_int_t)clock_now_s());
    char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    int rc = text ? token_store_save_text(path, text, strlen(text), e)
                  : err_set(e, ERR_NOMEM, "out of memory");
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(o);
    return rc;
}

static int pending_load(const char *path, struct xero_pkce *p, const struct config *cfg,
                        const struct xero_creds *c, struct err *e)
{
    char *text = NULL;
    size_t len = 0;
    json_t *o = NULL;
    const char *id, *uri, *state, *verifier;
    json_int_t created = 0;
    int rc = -1;
    memset(p, 0, sizeof *p);
    if (token_store_load_text(path, &text, &len, e) < 0)
        return -1;
    if (!text)
        return err_set(e, ERR_INPUT, "no authorization is waiting for a code: run settlebook "
                       "auth xero (or --print-url) first");
    o = json_loadb(text, len, 0, NULL);
    if (json_unpack(o, "{s:s, s:s, s:s, s:s, s:I}", "client_id", &id, "redirect_uri", &uri,
                    "state", &state, "verifier", &verifier, "created_at", &created) != 0 ||
        strlen(state) >= sizeof p->state || strlen(verifier) >= sizeof p->verifier) {
        err_set(e, ERR_INPUT, "%s: damaged; run settlebook auth xero again", path);
    } else if (clock_now_s() - (int64_t)created > PENDING_TTL_S) {
        err_set(e, ERR_INPUT, "the authorization started more than an hour ago; run "
                "settlebook auth xero again");
    } else if (strcmp(id, c->client_id) != 0 || strcmp(uri, cfg->xero.redirect_uri) != 0) {
        err_set(e, ERR_INPUT, "the authorization was started for another client id or "
                "redirect_uri; run settlebook auth xero again");
    } else {
        snprintf(p->state, sizeof p->state, "%s", state);
        snprintf(p->verifier, sizeof p->verifier, "%s", verifier);
        rc = 0;
    }
    json_decref(o);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

/* One line from stdin, trimmed; "" at end of input. */
static void read_line(char *buf, size_t cap)
{
    size_t n;
    char *s = buf;
    buf[0] = '\0';
    if (!fgets(buf, (int)cap, stdin))
        buf[0] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    memmove(buf, s, strlen(s) + 1);
    n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
                 buf[n - 1] == '\t'))
        buf[--n] = '\0';
}

/* Exchanges the code and stores the tokens (tenant not chosen yet). */
static int exchange(const struct config *cfg, const struct xero_creds *c, const char *code,
                    const struct xero_pkce *p, char *path, struct token_set *t, struct err *e)
{
    int fd = -1, rc = -1;
    memset(t, 0, sizeof *t);
    if (xero_auth_lock(cfg, path, PATH_CAP, &fd, e) < 0)
        return -1;
    if (xero_token_code(cfg, c, code, p->verifier, t, e) == 0) {
        t->updated_at = clock_now_s();
        rc = token_store_write(path, t, e);
    }
    token_store_unlock(fd);
    return rc;
}

/* The organisation to store: --tenant, else the one chosen before this re-authorization when
 * it is still connected, else the only one. */
static int choose(const struct config *cfg, const struct xero_tenant *v, size_t n,
                  const char *want, const char *before, const char **chosen, struct err *e)
{
    const struct xero_tenant *pick = NULL;
    *chosen = NULL;
    for (size_t i = 0; i < n; i++)
        if ((want && strcmp(v[i].id, want) == 0) || (!want && strcmp(v[i].id, before) == 0))
            pick = &v[i];
    if (want && !pick)
        return err_set(e, ERR_INPUT, "--tenant %s is not one of the connected organisations "
                       "(listed above); the tokens are saved: choose with settlebook auth "
                       "tenant ID", want);
    if (!want && n == 1)
        pick = &v[0];
    if (!pick)
        return 0;
    *chosen = pick->id;
    return xero_auth_set_tenant(cfg, pick, e);
}

static int finish(struct cli *g, const struct config *cfg, const struct xero_creds *c,
                  const struct args *a, const char *input, struct err *e)
{
    char path[PATH_CAP], pending[PATH_CAP + 8], code[INPUT_MAX], state[256], before[64] = "";
    struct xero_pkce p;
    struct token_set t;
    struct xero_tenant *list = NULL;
    const char *chosen = NULL;
    size_t n = 0;
    int unauth = 0, found = 0, rc = -1;

    memset(&t, 0, sizeof t);
    if (token_store_path(cfg, path, sizeof path, e) < 0)
        return -1;
    snprintf(pending, sizeof pending, "%s.pkce", path);
    if (pending_load(pending, &p, cfg, c, e) < 0 ||
        xero_pkce_parse_redirect(input, code, sizeof code, state, sizeof state, e) < 0)
        goto done;
    if (state[0] && (strlen(state) != strlen(p.state) ||
                     CRYPTO_memcmp(state, p.state, strlen(state)) != 0)) {
        err_set(e, ERR_INPUT, "the redirect's state does not match the authorization settlebook "
                "started; refusing it (start again with settlebook auth xero)");
        goto done;
    }
    if (token_store_read(path, &t, &found, e) < 0)
        goto done;
    if (!strcmp(t.client_id, c->client_id))
        snprintf(before, sizeof before, "%s", t.tenant_id);
    token_set_clear(&t);
    if (exchange(cfg, c, code, &p, path, &t, e) < 0)
        goto done;
    token_store_remove(pending, e);
    log_info("Xero tokens saved to %s (owner-only, mode 0600)", path);
    if (!(list = calloc(XERO_TENANTS_MAX, sizeof *list))) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (xero_connections(cfg, t.access_token, list, XERO_TENANTS_MAX, &n, &unauth, e) < 0) {
        err_prefix(e, "tokens saved, but listing the organisations failed (retry with "
                   "settlebook auth tenants): ");
        goto done;
    }
    rc = choose(cfg, list, n, a->tenant, before, &chosen, e);
    cli_auth_print_tenants(list, n, chosen, path, g->json);
    if (rc == 0 && chosen)
        log_info("settlebook will post to organisation %s", chosen);
    else if (rc == 0 && n > 1)
        log_info("%zu organisations are connected: choose one with settlebook auth tenant ID "
                 "or SETTLEBOOK_XERO_TENANT_ID", n);
    else if (rc == 0)
        log_info("no organisation is connected: run settlebook auth xero again and allow one");
done:
    free(list);
    token_set_clear(&t);
    OPENSSL_cleanse(&p, sizeof p);
    OPENSSL_cleanse(code, sizeof code);
    return rc;
}

static int start(const struct config *cfg, const struct xero_creds *c, const struct args *a,
                 char *input, size_t cap, struct err *e)
{
    char path[PATH_CAP], pending[PATH_CAP + 8], url[4096];
    struct xero_pkce p;
    int exists, rc = -1;
    input[0] = '\0';
    if (token_store_path(cfg, path, sizeof path, e) < 0 ||
        token_store_check(path, &exists, e) < 0)
        return -1;
    snprintf(pending, sizeof pending, "%s.pkce", path);
    if (xero_pkce_new(&p, e) < 0 || xero_pkce_url(cfg, c, &p, url, sizeof url, e) < 0 ||
        pending_save(pending, &p, cfg, c, e) < 0)
        goto done;
    if (a->print_url) {
        printf("%s\n", url);
        rc = 0;
        goto done;
    }
    fprintf(stderr, "Open this address in a browser, sign in to Xero and allow access:\n\n");
    printf("%s\n", url);
    fflush(stdout);
    fprintf(stderr, "\nThen paste the address the browser was sent to (%s?code=...), or "
            "just the code, and press Enter:\n", cfg->xero.redirect_uri);
    read_line(input, cap);
    if (!input[0])
        err_set(e, ERR_INPUT, "no code given; the authorization waits for an hour: finish "
                "with settlebook auth xero --redirect URL");
    else
        rc = 0;
done:
    OPENSSL_cleanse(&p, sizeof p);
    return rc;
}

int cli_auth_xero(struct cli *g)
{
    struct err e = {0};
    struct config cfg;
    struct xero_creds c;
    struct args a;
    char input[INPUT_MAX];
    int rc = parse(g, &a);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (cli_config_load(g, &cfg, &e) < 0)
        return cli_fail(&e);
    if (xero_creds_env(&c, &e) < 0) {
        config_free(&cfg);
        return cli_fail(&e);
    }
    if (a.code || a.redirect) {
        snprintf(input, sizeof input, "%s", a.code ? a.code : a.redirect);
        rc = 0;
    } else {
        rc = start(&cfg, &c, &a, input, sizeof input, &e);
        if (rc == 0 && a.print_url) {
            xero_creds_clear(&c);
            config_free(&cfg);
            return 0;
        }
    }
    if (rc == 0)
        rc = finish(g, &cfg, &c, &a, input, &e);
    xero_creds_clear(&c);
    config_free(&cfg);
    OPENSSL_cleanse(input, sizeof input);
    if (rc < 0)
        return cli_fail(&e);
    return 0;
}
