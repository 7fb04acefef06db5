/* cli_auth — `settlebook auth xero|status|tenants|tenant`: connect to Xero, show what is
 * stored, list and choose the organisation. Never prints a token or a secret: status says
 * whether tokens exist and when the access token expires. */
#include "cli_auth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "xero.h"

#define PATH_CAP 1024

static const char usage[] =
    "usage: settlebook auth xero [--print-url] [--code CODE | --redirect URL] [--tenant ID]\n"
    "       settlebook auth status [--json]\n"
    "       settlebook auth check [--json]\n"
    "       settlebook auth tenants [--json]\n"
    "       settlebook auth tenant ID\n"
    "xero     connect to Xero once (authorization code with PKCE) and store the tokens\n"
    "status   whether tokens are stored, when the access token expires, which organisation\n"
    "check    get an access token the way posting does (refreshing it if needed)\n"
    "tenants  list the organisations the tokens can reach (* marks the one in use)\n"
    "tenant   choose the organisation settlebook posts to\n"
    "Credentials: SETTLEBOOK_XERO_CLIENT_ID, SETTLEBOOK_XERO_CLIENT_SECRET (Custom Connection\n"
    "or confidential app), SETTLEBOOK_XERO_TENANT_ID (overrides the stored organisation).\n"
    "Tokens: xero.token_file (default ~/.config/settlebook/xero-token.json), owner-only.\n";

void cli_auth_print_tenants(const struct xero_tenant *v, size_t n, const char *chosen,
                            const char *token_file, int json)
{
    if (json) {
        json_t *a = json_array(), *o;
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "tenantId", v[i].id,
                                               "tenantName", v[i].name, "tenantType",
                                               v[i].type));
        o = json_pack("{s:s, s:s?, s:o}", "token_file", token_file, "tenant_id", chosen,
                      "tenants", a);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
        return;
    }
    printf("%-38s %-14s %s\n", "  tenantId", "tenantType", "tenantName");
    for (size_t i = 0; i < n; i++)
        printf("%c %-36s %-14s %s\n", chosen && strcmp(chosen, v[i].id) == 0 ? '*' : ' ',
               v[i].id, v[i].type[0] ? v[i].type : "-", v[i].name);
}

static void utc(int64_t s, char *out, size_t cap)
{
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, cap, "%lld", (long long)s);
}

static int status(const struct config *cfg, int json)
{
    struct err e = {0};
    struct token_set t;
    char path[PATH_CAP], pending[PATH_CAP + 8], when[32] = "";
    const char *tenant_env = getenv("SETTLEBOOK_XERO_TENANT_ID");
    const char *id = getenv("SETTLEBOOK_XERO_CLIENT_ID");
    const char *secret = getenv("SETTLEBOOK_XERO_CLIENT_SECRET");
    int found = 0, waiting = 0, have_secret = secret && *secret;
    int64_t left;
    if (token_store_path(cfg, path, sizeof path, &e) < 0 ||
        token_store_read(path, &t, &found, &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    snprintf(pending, sizeof pending, "%s.pkce", path);
    if (token_store_check(pending, &waiting, &e) < 0)
        waiting = 0;
    left = t.expires_at - clock_now_s();
    if (t.expires_at)
        utc(t.expires_at, when, sizeof when);
    if (tenant_env && !*tenant_env)
        tenant_env = NULL;
    if (json) {
        const char *tid = tenant_env ? tenant_env : t.tenant_id[0] ? t.tenant_id : NULL;
        json_t *o = json_pack(
            "{s:s, s:b, s:s, s:b, s:b, s:s?, s:s?, s:s?, s:b, s:b, s:b, s:b}",
            "token_file", path, "tokens", found, "grant", t.grant,
            "refresh_token", t.refresh_token[0] != '\0',
            "access_token_valid", t.access_token[0] && left > XERO_AUTH_MARGIN_S,
            "access_token_expires", when[0] ? when : NULL,
            "tenant_id", tid,
            "tenant_name", !tenant_env && t.tenant_name[0] ? t.tenant_name : NULL,
            "tenant_from_env", tenant_env != NULL,
            "client_id_set", id && *id, "client_secret_set", have_secret,
            "pending_authorization", waiting);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
        token_set_clear(&t);
        return 0;
    }
    printf("token file     %s%s\n", path, found ? "" : " (none)");
    if (found && t.refresh_token[0])
        printf("tokens         authorization code grant; refresh token stored (rotates on "
               "every refresh)\n");
    else if (found && t.access_token[0])
        printf("tokens         client credentials (Custom Connection); access token cached\n");
    else
        printf("tokens         none%s\n", have_secret ? "; client credentials will be used "
               "(SETTLEBOOK_XERO_CLIENT_SECRET is set)" : "; run settlebook auth xero");
    if (t.access_token[0] && left > XERO_AUTH_MARGIN_S)
        printf("access token   valid until %s (%lld min left)\n", when, (long long)left / 60);
    else if (t.access_token[0])
        printf("access token   expired %s (renewed on next use)\n", when);
    if (tenant_env)
        printf("organisation   %s (from SETTLEBOOK_XERO_TENANT_ID)\n", tenant_env);
    else if (t.tenant_id[0])
        printf("organisation   %s %s\n", t.tenant_id, t.tenant_name);
    else
        printf("organisation   not chosen (the only connected one is used; settlebook auth "
               "tenants lists them)\n");
    printf("client id      %s\n", id && *id ? "set (SETTLEBOOK_XERO_CLIENT_ID)"
                                           : "not set: export SETTLEBOOK_XERO_CLIENT_ID");
    printf("client secret  %s\n", have_secret ? "set (SETTLEBOOK_XERO_CLIENT_SECRET)"
                                              : "not set (PKCE app)");
    if (waiting)
        printf("pending        an authorization is waiting for its code (settlebook auth "
               "xero --redirect URL)\n");
    token_set_clear(&t);
    return 0;
}

/* The connections the stored tokens reach, renewing the access token once on a 401. */
static int connections(const struct config *cfg, struct xero_tenant *v, size_t *n,
                       struct err *e)
{
    struct xero_session s;
    int unauth = 0, rc = -1;
    if (xero_auth_token(cfg, &s, e) < 0)
        return -1;
    rc = xero_connections(cfg, s.access_token, v, XERO_TENANTS_MAX, n, &unauth, e);
    if (rc < 0 && unauth) {
        memset(e, 0, sizeof *e);
        if (xero_auth_renew(cfg, &s, 0, e) == 0)
            rc = xero_connections(cfg, s.access_token, v, XERO_TENANTS_MAX, n, &unauth, e);
    }
    xero_session_clear(&s);
    return rc;
}

/* What the API client will get: a session, shown without its token. */
static int check(const struct config *cfg, int json)
{
    struct err e = {0};
    struct xero_session s;
    char when[32];
    if (xero_auth_session(cfg, &s, &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    utc(s.expires_at, when, sizeof when);
    if (json) {
        json_t *o = json_pack("{s:b, s:s, s:s?}", "ok", 1, "access_token_expires", when,
                              "tenant_id", s.tenant_id[0] ? s.tenant_id : NULL);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
    } else {
        printf("ok: access token valid until %s; organisation %s\n", when,
               s.tenant_id[0] ? s.tenant_id : "(the Custom Connection's own)");
    }
    xero_session_clear(&s);
    return 0;
}

static int tenants(const struct config *cfg, const char *choose, int json)
{
    struct err e = {0};
    struct xero_tenant *v = calloc(XERO_TENANTS_MAX, sizeof *v);
    struct token_set t;
    char path[PATH_CAP];
    const char *env = getenv("SETTLEBOOK_XERO_TENANT_ID"), *chosen = NULL;
    size_t n = 0;
    int found = 0, rc = -1;
    memset(&t, 0, sizeof t);
    if (!v) {
        err_set(&e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (connections(cfg, v, &n, &e) < 0 || token_store_path(cfg, path, sizeof path, &e) < 0 ||
        token_store_read(path, &t, &found, &e) < 0)
        goto done;
    chosen = env && *env ? env : t.tenant_id[0] ? t.tenant_id : n == 1 ? v[0].id : NULL;
    if (choose) {
        size_t i = 0;
        while (i < n && strcmp(v[i].id, choose) != 0)
            i++;
        if (i == n) {
            err_set(&e, ERR_INPUT, "%s is not one of the %zu connected organisations "
                    "(settlebook auth tenants lists them)", choose, n);
            goto done;
        }
        if (xero_auth_set_tenant(cfg, &v[i], &e) < 0)
            goto done;
        log_info("settlebook will post to %s (%s)", v[i].name, v[i].id);
        if (env && *env && strcmp(env, choose) != 0)
            log_info("note: SETTLEBOOK_XERO_TENANT_ID=%s overrides it", env);
        rc = 0;
        goto done;
    }
    cli_auth_print_tenants(v, n, chosen, path, json);
    rc = 0;
done:
    token_set_clear(&t);
    free(v);
    if (rc < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    return 0;
}

static const char *const subs[] = { "xero", "status", "check", "tenants", "tenant", NULL };

/* `auth xero` has options of its own: it is found wherever it is and parses the rest. */
static int xero_word(const struct cli *g)
{
    for (int i = 1; i < g->argc; i++) {
        const char *prev = g->argv[i - 1];
        if (strcmp(g->argv[i], "--") == 0)
            return -1;
        if (strcmp(g->argv[i], "xero") == 0 && strcmp(prev, "--code") != 0 &&
            strcmp(prev, "--redirect") != 0 && strcmp(prev, "--tenant") != 0)
            return i;
    }
    return -1;
}

int cli_auth(struct cli *g)
{
    struct err e = {0};
    struct config cfg;
    struct cli_args a;
    int rc, sub, x = xero_word(g);
    if (x > 0) {
        for (int i = x; i > 1; i--)
            g->argv[i] = g->argv[i - 1];
        g->argv[1] = g->argv[0];
        g->argv++;
        g->argc--;
        g->cmd = "auth xero";
        return cli_auth_xero(g);
    }
    if (cli_args_parse(g, NULL, &a, usage) != 0)
        return a.status;
    if (a.npos == 0)
        return cli_usage_error(g->cmd, "which? auth xero|status|check|tenants|tenant ID"), 2;
    sub = cli_choose(g, a.pos[0], subs);
    if (sub < 0)
        return 2;
    if (sub == 4 && a.npos < 2)
        return cli_usage_error(g->cmd, "tenant needs the organisation's ID (settlebook auth "
                               "tenants lists them)"), 2;
    if (cli_no_operands(g, &a, sub == 4 ? 2 : 1) < 0)
        return 2;
    if (cli_config_load(g, &cfg, &e) < 0)
        return cli_fail(&e);
    if (sub == 1)
        rc = status(&cfg, g->json);
    else if (sub == 2)
        rc = check(&cfg, g->json);
    else
        rc = tenants(&cfg, sub == 4 ? a.pos[1] : NULL, g->json);
    config_free(&cfg);
    return rc;
}
