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
    "                        [--verify] [FILE...]\n"
    "Closes a month: ingests the FILEs given (as `ingest` would), reconciles, builds the\n"
    "journals, writes the Xero preview (<reports>/<period>/xero-preview.json) and the\n"
    "reconciliation workbook (<reports>/<period>/reconciliation.xlsx), then prints one\n"
    "summary. Exit status 1 when error-severity exceptions remain for the period.\n"
    "  --live    after the preview, sends the period's requests to Xero exactly once (as\n"
    "            `settlebook post --live`), before the workbook is written\n"
    "  --notify URL  after a live run, POST a JSON summary to URL (default: the config's\n"
    "            alerts.webhook_url)\n"
    "  --fetch   first fetch new settlement reports and orders from Amazon's SP-API\n"
    "            (as `settlebook fetch` does; exit 3 when Amazon stays unavailable)\n"
    "  --verify  read and hash every FILE, even one whose size, inode and change time show\n"
    "            it unchanged since it was last hashed (as `ingest --verify`)\n";

static const struct cli_opt opts[] = {
    { "--period", NULL, "YYYY-MM" }, { "--live", NULL, NULL }, { "--dry-run", NULL, NULL },
    { "--fetch", NULL, NULL }, { "--notify", NULL, "URL" }, { "--verify", NULL, NULL },
    { NULL, NULL, NULL },
};

/* Returns 0, or the exit status to stop with (0 after --help). */
static int parse(struct cli *g, struct close_opts *o, const char **notify, int *stop)
{
    struct cli_args a;
    *stop = 1;
    memset(o, 0, sizeof *o);
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status;
    o->period = cli_arg(&a, "--period");
    o->ledger_path = g->ledger;
    o->reports = g->reports;
    o->json = g->json;
    o->live = cli_arg(&a, "--live") != NULL;
    o->fetch = cli_arg(&a, "--fetch") != NULL;
    o->verify = cli_arg(&a, "--verify") != NULL;
    *notify = cli_arg(&a, "--notify");
    if (o->live && cli_arg(&a, "--dry-run"))
        return cli_usage_error(g->cmd, "--live and --dry-run: give one of them"), 2;
    if (!o->period) {
        if (a.npos && strlen(a.pos[0]) == 7 && a.pos[0][4] == '-')
            return cli_usage_error(g->cmd, "which month? --period YYYY-MM; did you mean "
                                   "--period %s?", a.pos[0]), 2;
        return cli_usage_error(g->cmd, "which month? --period YYYY-MM (e.g. --period 2025-09)"),
               2;
    }
    o->files = a.pos;
    o->nfiles = a.npos;
    *stop = 0;
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

static int kind_json(void *arg, const char *severity, const char *kind, int64_t n)
{
    struct jw *w = arg;
    jw_obj(w);
    jw_kstr(w, "severity", severity);
    jw_kstr(w, "kind", kind);
    jw_kint(w, "count", n);
    jw_end_obj(w);
    return 0;
}

/* --json: the summary as one document on stdout. */
static int summary_json(struct ledger *lg, const struct close_opts *o,
                        const struct close_result *r, struct err *e)
{
    struct reconcile_summary rs;
    struct jw w;
    int rc;
    if (reconcile_counts(lg, o->period, &rs, e) < 0)
        return -1;
    jw_init(&w, 2);
    jw_obj(&w);
    jw_kstr(&w, "period", o->period);
    jw_kint(&w, "settlements", r->journal.settlements);
    jw_kint(&w, "journal_parts", r->journal.parts);
    jw_kint(&w, "requests", r->post.requests);
    jw_kint(&w, "documents", r->post.documents);
    jw_kint(&w, "errors", rs.errors);
    jw_kint(&w, "warnings", rs.warnings);
    jw_kint(&w, "infos", rs.infos);
    jw_key(&w, "kinds");
    jw_arr(&w);
    rc = exception_kinds(lg, o->period, kind_json, &w, e);
    jw_end_arr(&w);
    jw_kstr(&w, "months_with_data", r->months_with_data);
    jw_key(&w, "empty");
    jw_bool(&w, r->empty);
    jw_kstr(&w, "preview", r->preview);
    jw_kstr(&w, "workbook", r->workbook);
    if (o->live) {
        jw_key(&w, "live_ok");
        jw_bool(&w, r->live_status == 0);
    }
    jw_end_obj(&w);
    if (rc == 0)
        cli_json_out(jw_text(&w));
    jw_free(&w);
    return rc;
}

int cli_close(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct close_opts a;
    struct close_result r;
    const char *notify = NULL;
    int status = 0, stop;

    memset(&r, 0, sizeof r);
    memset(&cfg, 0, sizeof cfg);
    status = parse(g, &a, &notify, &stop);
    if (stop)
        return status;
    if (period_parse(a.period, &e) < 0 ||
        fileio_check_dest(g->reports, FILEIO_DIR, "--reports", &e) < 0)
        goto fail;
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "close");
    if (close_run(lg, &cfg, &a, &r, &e) < 0)
        goto fail;
    if (g->json) {
        if (summary_json(lg, &a, &r, &e) < 0)
            goto fail;
    } else if (log_level() >= LOG_NORMAL) {
        summary(lg, a.period, &r.journal, &r.post, r.preview, r.workbook);
    }
    status = r.errors > 0 || r.live_status ? 1 : 0;
    goto done;
fail:
    status = cli_fail(&e);
done:
    if (a.live)
        post_notify(&cfg, notify, a.period, status, &r.live);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
