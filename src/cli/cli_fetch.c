/* cli_fetch — `settlebook fetch [--since DATE]`: new settlement reports and orders from
 * Amazon's Selling Partner API, kept under spapi.data_dir and ingested, with one summary. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ledger.h"
#include "base.h"
#include "spapi.h"

static const char usage[] =
    "usage: settlebook fetch [--since DATE] [--events]\n"
    "Pulls new settlement reports (flat file V2) and orders from Amazon's Selling Partner\n"
    "API, keeps each under spapi.data_dir (settlements/<reportId>.tsv, orders/*.json with\n"
    "buyer names, e-mails and addresses removed) and ingests it in its own transaction.\n"
    "Reports fetched before are skipped; orders start from the high-water mark the last\n"
    "fetch stored. Nothing is ingested from a download that did not fully arrive.\n"
    "  --since DATE   start from DATE (2024-10-01 or 2024-10-01T00:00:00Z) instead of the\n"
    "                 stored marks; the first fetch starts 90 days back\n"
    "  --events       instead: the money Amazon posted since the last mark, from the Finances\n"
    "                 API operation spapi.finances_api names (listFinancialEvents, the default,\n"
    "                 or listTransactions), every page, kept under events/ and ingested as\n"
    "                 unsettled lines (see `settlebook balance`)\n"
    "Credentials come from SETTLEBOOK_LWA_CLIENT_ID, SETTLEBOOK_LWA_CLIENT_SECRET and\n"
    "SETTLEBOOK_LWA_REFRESH_TOKEN (see README). Exit status 3 when Amazon stays unavailable\n"
    "after spapi.max_retries: run it again later.\n";

static const struct cli_opt opts[] = {
    { "--since", NULL, "DATE" }, { "--events", NULL, NULL }, { NULL, NULL, NULL }
};

static int parse(struct cli *g, struct spapi_opts *o)
{
    struct cli_args a;
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status == 0 ? 1 : -1;
    o->since = cli_arg(&a, "--since");
    o->events = cli_arg(&a, "--events") != NULL;
    return cli_no_operands(g, &a, 0);
}

static void print_json(const struct spapi_summary *s, json_t *files)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I, s:I, s:s, "
                          "s:s, s:s, s:s, s:O}",
                          "reports_listed", (json_int_t)s->reports_listed,
                          "reports_fetched", (json_int_t)s->reports_fetched,
                          "reports_known", (json_int_t)s->reports_known,
                          "reports_pending", (json_int_t)s->reports_pending,
                          "reports_refused", (json_int_t)s->reports_refused,
                          "order_pages", (json_int_t)s->order_pages,
                          "orders", (json_int_t)s->orders,
                          "order_items", (json_int_t)s->order_items,
                          "orders_since", s->orders_since,
                          "orders_high_water_mark", s->orders_hwm,
                          "event_pages", (json_int_t)s->event_pages,
                          "event_lines", (json_int_t)s->event_lines,
                          "events_since", s->events_since, "events_until", s->events_until,
                          "events_api", s->events_api, "events_handover", s->events_handover,
                          "files", files);
    if (o) {
        json_dumpf(o, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(o);
}

int cli_fetch(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct spapi_opts o = {0};
    struct spapi_summary s;
    int status = 0;

    int p = parse(g, &o);
    memset(&cfg, 0, sizeof cfg);
    if (p != 0)
        return p > 0 ? 0 : 2;
    o.files = json_array();
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "fetch");
    if (spapi_fetch(lg, &cfg, &o, &s, &e) < 0)
        goto fail;
    if (g->json)
        print_json(&s, o.files);
    else if (log_level() >= LOG_NORMAL)
        spapi_summary_print(&s);
    goto done;
fail:
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    json_decref(o.files);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
