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
    "usage: settlebook post [--period YYYY-MM] [--dry-run | --live [--notify URL]]\n"
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
    "  --notify URL  after a live run, POST a JSON summary to URL (default: the config's\n"
    "           alerts.webhook_url; Slack incoming webhooks understand it).\n";

static const struct cli_opt opts[] = {
    { "--period", NULL, "YYYY-MM" }, { "--live", NULL, NULL }, { "--dry-run", NULL, NULL },
    { "--notify", NULL, "URL" }, { NULL, NULL, NULL },
};

/* The previews written, as a JSON array for --json. */
static int previews(struct ledger *lg, const struct config *cfg, struct cli *g,
                    const char *period, int live, struct jw *w, struct err *e)
{
    char path[4200];
    char (*months)[8] = NULL;
    size_t n = 0;
    if (period[0]) {
        if (post_preview(lg, cfg, period, g->reports, live, path, sizeof path, e) < 0)
            return -1;
        log_info("%s written to %s", live ? "requests" : "preview", path);
        jw_str(w, path);
        return 0;
    }
    if (journal_months(lg, &months, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (post_preview(lg, cfg, months[i], g->reports, live, path, sizeof path, e) < 0) {
            free(months);
            return -1;
        }
        log_info("%s written to %s", live ? "requests" : "preview", path);
        jw_str(w, path);
    }
    free(months);
    return 0;
}

static void summary_json(const char *period, const struct journal_summary *js,
                         const struct post_summary *ps, struct jw *w)
{
    jw_kstr(w, "period", period);
    jw_kint(w, "settlements", js->settlements);
    jw_kint(w, "journals_built", js->built);
    jw_kint(w, "journals_unchanged", js->unchanged);
    jw_kint(w, "journal_parts", js->parts);
    jw_kint(w, "unmapped_lines", js->unmapped_lines);
    jw_kint(w, "requests", ps->requests);
    jw_kint(w, "documents", ps->documents);
}

int cli_post(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct journal_summary js;
    struct post_summary ps;
    struct xero_send_summary xs;
    struct cli_args a;
    struct jw w;
    const char *period, *notify;
    int live, status = 0;

    memset(&xs, 0, sizeof xs);
    memset(&cfg, 0, sizeof cfg);
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status;
    if (cli_no_operands(g, &a, 0) < 0)
        return 2;
    period = cli_arg(&a, "--period") ? cli_arg(&a, "--period") : "";
    live = cli_arg(&a, "--live") != NULL;
    notify = cli_arg(&a, "--notify");
    if (live && cli_arg(&a, "--dry-run"))
        return cli_usage_error(g->cmd, "--live and --dry-run: give one of them"), 2;
    jw_init(&w, 2);
    if ((period[0] && period_parse(period, &e) < 0) ||
        fileio_check_dest(g->reports, FILEIO_DIR, "--reports", &e) < 0)
        goto fail;
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "post");
    if (live && post_live_ready(lg, &cfg, &xs, &e) < 0)
        goto fail;
    if (post_run(lg, &cfg, period, &js, &ps, &e) < 0)
        goto fail;
    jw_obj(&w);
    summary_json(period, &js, &ps, &w);
    jw_key(&w, "previews");
    jw_arr(&w);
    if (previews(lg, &cfg, g, period, live, &w, &e) < 0)
        goto fail;
    jw_end_arr(&w);
    jw_end_obj(&w);
    log_info("%lld settlement(s): %lld journal set(s) built, %lld unchanged; %lld request(s) "
             "for %lld document(s); %lld unmapped line(s)", (long long)js.settlements,
             (long long)js.built, (long long)js.unchanged, (long long)ps.requests,
             (long long)ps.documents, (long long)js.unmapped_lines);
    /* live posting prints its own report, the one JSON document under --json */
    if (g->json && !live)
        cli_json_out(jw_text(&w));
    if (live && post_live(lg, &cfg, g->ledger, period, g->json, &status, &xs, &e) < 0)
        goto fail;
    goto done;
fail:
    status = cli_fail(&e);
done:
    if (live)
        post_notify(&cfg, notify, period, status, &xs);
    jw_free(&w);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
