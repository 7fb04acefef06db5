/* cli_post — `settlebook post [--period P] [--dry-run|--live]`: journals, outbox, and the
 * dry-run preview of exactly what would be sent to Xero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ledger.h"
#include "base.h"
#include "post.h"

static const char usage[] =
    "usage: settlebook post [--period YYYY-MM] [--dry-run | --live]\n"
    "Builds balanced journals for the settlements touching the period, renders them as Xero\n"
    "requests in the configured posting mode, and writes <reports>/<period>/xero-preview.json\n"
    "with each request exactly as live mode would send it (dry run, the default). Without\n"
    "--period, a preview is written for every month that has journals.\n"
    "  --live   then sends those requests to Xero, settlement by settlement, exactly once:\n"
    "           a preflight checks every account, tax type, contact, item, tracking option\n"
    "           and lock date first; a rejected document stops its settlement (see\n"
    "           `settlebook outbox dead`). Needs Xero credentials (`settlebook auth`).\n"
    "           Exit 1 when something was rejected or is missing in Xero, 3 when Xero\n"
    "           stayed unreachable (run again: nothing is sent twice).\n"
    "  --diff   compares the period's preview with what Xero holds (`post --diff --help`).\n";

static int previews(struct ledger *lg, const struct config *cfg, struct cli *g,
                    const char *period, struct err *e)
{
    char path[4200];
    char (*months)[8] = NULL;
    size_t n = 0;
    if (period[0]) {
        if (post_preview(lg, cfg, period, g->reports, path, sizeof path, e) < 0)
            return -1;
        log_info("preview written to %s", path);
        return 0;
    }
    if (journal_months(lg, &months, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (post_preview(lg, cfg, months[i], g->reports, path, sizeof path, e) < 0) {
            free(months);
            return -1;
        }
        log_info("preview written to %s", path);
    }
    free(months);
    return 0;
}

int cli_post(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct journal_summary js;
    struct post_summary ps;
    const char *period;
    int live, status = 0;

    for (int i = 1; i < g->argc; i++)
        if (strcmp(g->argv[i], "--diff") == 0)
            return cli_post_diff(g);   /* read-only comparison with Xero */
    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (cli_period_args(g, &period, &live, usage) < 0)
        return 2;
    if (period[0] && period_parse(period, &e) < 0)
        goto fail;
    if (config_load(&cfg, g->config, 0, &e) < 0 || ledger_open(&lg, g->ledger, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "post");
    if (post_run(lg, &cfg, period, &js, &ps, &e) < 0 ||
        previews(lg, &cfg, g, period, &e) < 0)
        goto fail;
    log_info("%lld settlement(s): %lld journal set(s) built, %lld unchanged; %lld request(s) "
             "for %lld document(s); %lld unmapped line(s)", (long long)js.settlements,
             (long long)js.built, (long long)js.unchanged, (long long)ps.requests,
             (long long)ps.documents, (long long)js.unmapped_lines);
    if (live && post_live(lg, &cfg, g->ledger, period, g->json, &status, &e) < 0)
        goto fail;
    goto done;
fail:
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
