/* cli_post_diff — `settlebook post --diff --period P [--json]`: builds the period's preview
 * as the dry run does, then shows what Xero holds for each of its documents (new, identical,
 * differs field by field, xero_only). Only GETs reach Xero; nothing is sent. No SQL here. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "config.h"
#include "ledger.h"
#include "post.h"
#include "xero.h"

static const char usage[] =
    "usage: settlebook post --diff --period YYYY-MM [--json]\n"
    "Builds the period's preview (as `post --period P` does), then reads Xero (GETs only,\n"
    "batched by number) and shows for each document what Xero holds under the same number\n"
    "or reference: new (nothing yet), identical, differs (each field: lines, accounts, tax,\n"
    "amounts, dates, status), and xero_only (AMZ- documents dated in the period that the\n"
    "preview no longer has). Never writes to Xero. Exit 1 when something differs or is only\n"
    "in Xero, 3 when Xero cannot be read.\n";

static const struct cli_opt opts[] = {
    { "--period", NULL, "YYYY-MM" }, { "--diff", NULL, NULL }, { "--dry-run", NULL, NULL },
    { NULL, NULL, NULL },
};

/* 0 to go on; 1 after --help; -1 on a usage error (already said). */
static int args(struct cli *g, const char **period)
{
    struct cli_args a;
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status == 0 ? 1 : -1;
    if (cli_no_operands(g, &a, 0) < 0)
        return -1;
    *period = cli_arg(&a, "--period");
    if (!*period)
        return cli_usage_error(g->cmd, "--diff needs --period YYYY-MM"), -1;
    return 0;
}

static int print_json(const struct xero_diff *d)
{
    struct jw w;
    int rc = 0;
    jw_init(&w, 2);
    jw_obj(&w);
    jw_key(&w, "documents");
    jw_arr(&w);
    for (size_t i = 0; i < d->n; i++) {
        jw_obj(&w);
        jw_kstr(&w, "number", d->v[i].number);
        jw_kstr(&w, "type", d->v[i].type);
        jw_kstr(&w, "status", d->v[i].status);
        jw_key(&w, "differences");
        jw_arr(&w);
        for (size_t k = 0; k < d->v[i].n_diffs; k++)
            jw_str(&w, d->v[i].diffs[k]);
        jw_end_arr(&w);
        jw_end_obj(&w);
    }
    jw_end_arr(&w);
    jw_kint(&w, "calls", d->calls);
    jw_end_obj(&w);
    jw_raw(&w, "\n");
    if (jw_text(&w))
        fputs(jw_text(&w), stdout);
    else
        rc = -1;
    jw_free(&w);
    return rc;
}

static void print_text(const struct xero_diff *d, const char *period)
{
    static const char *const order[] = { "differs", "xero_only", "new", "identical" };
    size_t count[4] = { 0 };
    printf("Xero compared with the preview of %s (%lld call%s, nothing sent)\n", period,
           (long long)d->calls, d->calls == 1 ? "" : "s");
    for (size_t i = 0; i < d->n; i++) {
        const struct xdiff_doc *v = &d->v[i];
        for (int k = 0; k < 4; k++)
            count[k] += strcmp(v->status, order[k]) == 0;
        printf("%s %-10s %-14s %s\n", strcmp(v->status, "identical") == 0 ? " " :
               strcmp(v->status, "new") == 0 ? "+" : strcmp(v->status, "xero_only") == 0 ?
               "-" : "~", v->status, v->type, v->number);
        for (size_t k = 0; k < v->n_diffs; k++)
            printf("      %s\n", v->diffs[k]);
    }
    printf("%zu differ, %zu only in Xero, %zu new, %zu identical\n", count[0], count[1],
           count[2], count[3]);
}

int cli_post_diff(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct journal_summary js;
    struct post_summary ps;
    struct xero_diff d = {0};
    const char *period;
    int status = 0;

    memset(&cfg, 0, sizeof cfg);
    int p = args(g, &period);
    if (p != 0)
        return p > 0 ? 0 : 2;
    if (period_parse(period, &e) < 0 || cli_config_load(g, &cfg, &e) < 0 ||
        cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "post");
    if (post_run(lg, &cfg, period, &js, &ps, &e) < 0 ||
        xero_diff_period(lg, &cfg, period, &d, &e) < 0)
        goto fail;
    if (g->json ? print_json(&d) < 0 : (print_text(&d, period), 0)) {
        err_set(&e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < d.n; i++)
        if (strcmp(d.v[i].status, "differs") == 0 || strcmp(d.v[i].status, "xero_only") == 0)
            status = 1;
    goto done;
fail:
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    xero_diff_free(&d);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
