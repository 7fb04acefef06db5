/* cli_close — `settlebook close --period YYYY-MM [FILE...]`: ingest the given files, then
 * reconcile, journal, outbox and dry-run preview, and the workbook, with one summary.
 * Exit 0 when clean, 1 when error-severity exceptions remain for the period. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "period.h"
#include "reconcile.h"
#include "report.h"
#include "spapi.h"
#include "stages.h"

static const char usage[] =
    "usage: settlebook close --period YYYY-MM [--dry-run | --live] [--fetch] [FILE...]\n"
    "Closes a month: ingests the FILEs given (as `ingest` would), reconciles, builds the\n"
    "journals, writes the Xero preview (<reports>/<period>/xero-preview.json) and the\n"
    "reconciliation workbook (<reports>/<period>/reconciliation.xlsx), then prints one\n"
    "summary. Exit status 1 when error-severity exceptions remain for the period.\n"
    "  --live    after the preview, sends the period's requests to Xero exactly once (as\n"
    "            `settlebook post --live`), before the workbook is written\n"
    "  --fetch   first fetch new settlement reports and orders from Amazon's SP-API\n"
    "            (as `settlebook fetch` does; exit 3 when Amazon stays unavailable)\n";

struct close_args {
    const char *period;
    int live;
    int fetch;   /* --fetch: run `settlebook fetch` first */
    char **files;
    int nfiles;
};

static int parse(struct cli *g, struct close_args *a)
{
    memset(a, 0, sizeof *a);
    a->period = "";
    for (int i = 1; i < g->argc; i++) {
        if (strcmp(g->argv[i], "--period") == 0 && i + 1 < g->argc)
            a->period = g->argv[++i];
        else if (strcmp(g->argv[i], "--live") == 0)
            a->live = 1;
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

static int ingest_files(struct ledger *lg, const struct config *cfg, const struct close_args *a,
                        struct err *e)
{
    struct ingest_opts o = { .bank = &cfg->bank };
    if (a->nfiles == 0)
        return 0;
    if (ledger_begin(lg, e) < 0)
        return -1;
    for (int i = 0; i < a->nfiles; i++) {
        struct ingest_result r;
        if (ingest_file(lg, a->files[i], &o, &r, e) < 0)
            goto fail;
        if (r.skipped)
            continue;
        log_info("%s: %s, %lld records", a->files[i], r.kind, (long long)r.records);
    }
    return ledger_commit(lg, e);
fail:
    ledger_rollback(lg);
    return -1;
}

/* --fetch: the fetch stage, with its own transactions, before anything else. */
static int fetch_stage(struct ledger *lg, const struct config *cfg, struct err *e)
{
    struct spapi_summary s;
    if (spapi_fetch(lg, cfg, NULL, &s, e) < 0)
        return -1;
    if (log_level() >= LOG_NORMAL)
        cli_fetch_print(&s);
    return 0;
}

static int reconcile_stage(struct ledger *lg, const struct config *cfg, const char *period,
                           struct err *e)
{
    struct reconcile_summary rs;
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (reconcile_run(lg, cfg, period, &rs, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

static int workbook(struct ledger *lg, const struct config *cfg, struct cli *g,
                    const char *period, char *path, size_t cap, struct err *e)
{
    char folder[4096];
    if (post_mkdirs(g->reports, period, folder, sizeof folder, e) < 0)
        return -1;
    snprintf(path, cap, "%s/reconciliation.xlsx", folder);
    return report_write(lg, cfg, period, path, e);
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
    struct close_args a;
    struct journal_summary js;
    struct post_summary ps;
    struct reconcile_summary rs;
    char preview[4200], xlsx[4200];
    int64_t errors = 0;
    int status = 0, live_status = 0;

    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (parse(g, &a) < 0)
        return 2;
    if (period_parse(a.period, &e) < 0)
        goto fail;
    if (config_load(&cfg, g->config, 0, &e) < 0 || ledger_open(&lg, g->ledger, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "close");
    if ((a.fetch && fetch_stage(lg, &cfg, &e) < 0) || ingest_files(lg, &cfg, &a, &e) < 0 ||
        reconcile_stage(lg, &cfg, a.period, &e) < 0 ||
        stages_journal_post(lg, &cfg, a.period, &js, &ps, &e) < 0 ||
        post_preview(lg, &cfg, a.period, g->reports, preview, sizeof preview, &e) < 0 ||
        (a.live && cli_post_live(g, lg, &cfg, a.period, &live_status, &e) < 0) ||
        workbook(lg, &cfg, g, a.period, xlsx, sizeof xlsx, &e) < 0 ||
        reconcile_counts(lg, a.period, &rs, &e) < 0)
        goto fail;
    errors = rs.errors;
    if (log_level() >= LOG_NORMAL)
        summary(lg, a.period, &js, &ps, preview, xlsx);
    status = errors > 0 || live_status ? 1 : 0;
    goto done;
fail:
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
