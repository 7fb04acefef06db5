/* cli_close — `settlebook close --period YYYY-MM [FILE...]`: ingest the given files, then
 * reconcile, journal, outbox and dry-run preview, and the workbook, with one summary.
 * Exit 0 when clean, 1 when error-severity exceptions remain for the period. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "base.h"
#include "close.h"
#include "config.h"
#include "ledger.h"
#include "post.h"
#include "reconcile.h"

static const char usage[] =
    "usage: settlebook close --period YYYY-MM [--dry-run | --live [--notify URL]] [--fetch]\n"
    "                        [FILE...]\n"
    "Closes a month: ingests the FILEs given (as `ingest` would), reconciles, builds the\n"
    "journals, writes the Xero preview (<reports>/<period>/xero-preview.json) and the\n"
    "reconciliation workbook (<reports>/<period>/reconciliation.xlsx), then prints one\n"
    "summary. Exit status 1 when error-severity exceptions remain for the period.\n"
    "  --live    after the preview, sends the period's requests to Xero exactly once (as\n"
    "            `settlebook post --live`), before the workbook is written\n"
    "  --notify URL  after a live run, POST a JSON summary to URL (default: the config's\n"
    "            alerts.webhook_url)\n"
    "  --fetch   first fetch new settlement reports and orders from Amazon's SP-API\n"
    "            (as `settlebook fetch` does; exit 3 when Amazon stays unavailable)\n";

static int parse(struct cli *g, struct close_opts *a, const char **notify)
{
    memset(a, 0, sizeof *a);
    a->period = "";
    a->ledger_path = g->ledger;
    a->reports = g->reports;
    a->json = g->json;
    for (int i = 1; i < g->argc; i++) {
        if (strcmp(g->argv[i], "--period") == 0 && i + 1 < g->argc)
            a->period = g->argv[++i];
        else if (strcmp(g->argv[i], "--live") == 0)
            a->live = 1;
        else if (strcmp(g->argv[i], "--notify") == 0 && i + 1 < g->argc)
            *notify = g->argv[++i];
        else if (strcmp(g->argv[i], "--fetch") == 0)
            a->fetch = 1;
        else if (strcmp(g->argv[i], "--dry-run") == 0)
            a->live = 0;
        else if (g->argv[i][0] == '-') {
            fprintf(stderr, "settlebook close: unknown option %s\n%s", g->argv[i], usage);
            return -1;
        } else {
            a->files = &g->argv[i];
            a->nfiles = g->argc - i;
            break;
        }
    }
    if (!a->period[0]) {
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

static void summary(struct ledger *lg, const char *period, const struct journal_summary *js,
                    const struct post_summary *ps, const char *preview, const char *xlsx)
{
    struct reconcile_summary rs;
    struct err e = {0};
    printf("close %s: %lld settlement(s), %lld journal part(s) built, %lld request(s) for %lld "
           "document(s)\n", period, (long long)js->settlements, (long long)js->parts,
           (long long)ps->requests, (long long)ps->documents);
    if (reconcile_counts(lg, period, &rs, &e) == 0)
        printf("exceptions: %lld error(s), %lld warning(s), %lld info\n", (long long)rs.errors,
               (long long)rs.warnings, (long long)rs.infos);
    reconcile_print_kinds(lg, period, stdout, &e);
    printf("preview:  %s\nworkbook: %s\n", preview, xlsx);
}

int cli_close(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct close_opts a;
    struct close_result r;
    const char *notify = NULL;
    int status = 0;

    memset(&r, 0, sizeof r);
    memset(&cfg, 0, sizeof cfg);
    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (parse(g, &a, &notify) < 0)
        return 2;
    if (period_parse(a.period, &e) < 0)
        goto fail;
    if (config_load(&cfg, g->config, 0, &e) < 0 || ledger_open(&lg, g->ledger, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "close");
    if (close_run(lg, &cfg, &a, &r, &e) < 0)
        goto fail;
    if (log_level() >= LOG_NORMAL)
        summary(lg, a.period, &r.journal, &r.post, r.preview, r.workbook);
    status = r.errors > 0 || r.live_status ? 1 : 0;
    goto done;
fail:
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    if (a.live)
        post_notify(&cfg, notify, a.period, status, &r.live);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
