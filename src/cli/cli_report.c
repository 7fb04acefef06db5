/* cli_report — `settlebook report [--period YYYY-MM] [-o FILE]`: the reconciliation
 * workbook. Reads the ledger only; exit 1 when error-severity exceptions remain in scope. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "base.h"
#include "ledger.h"
#include "post.h"
#include "reconcile.h"
#include "report.h"

static const char usage[] =
    "usage: settlebook report [--period YYYY-MM] [-o|--output FILE]\n"
    "Writes the reconciliation workbook for the settlements touching the period to\n"
    "<reports>/<period>/reconciliation.xlsx (or FILE): Summary, Exceptions, Settlements,\n"
    "Postings, Orders, Fees, Mapping and Audit sheets. Without --period it covers every\n"
    "settlement and goes to <reports>/all/reconciliation.xlsx. The ledger is only read; the\n"
    "same ledger gives a byte-identical file. Exit status 1 when error-severity exceptions\n"
    "remain in scope (the workbook is written all the same).\n";

static const struct cli_opt opts[] = {
    { "--period", NULL, "YYYY-MM" }, { "-o", "--output", "FILE" }, { NULL, NULL, NULL },
};

/* Returns 0, 1 after --help, -1 on a usage error. */
static int parse(struct cli *g, const char **period, const char **out)
{
    struct cli_args a;
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status == 0 ? 1 : -1;
    if (cli_no_operands(g, &a, 0) < 0)
        return -1;
    *period = cli_arg(&a, "--period") ? cli_arg(&a, "--period") : "";
    *out = cli_arg(&a, "-o");
    return 0;
}

int cli_report(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct reconcile_summary rs;
    const char *period, *out;
    char path[4200], folder[4096];
    int status = 0;

    int p = parse(g, &period, &out);
    memset(&cfg, 0, sizeof cfg);
    if (p != 0)
        return p > 0 ? 0 : 2;
    if ((period[0] && period_parse(period, &e) < 0) ||
        (out ? fileio_check_dest(out, FILEIO_FILE, "-o", &e)
             : fileio_check_dest(g->reports, FILEIO_DIR, "--reports", &e)) < 0)
        goto fail;
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    if (out)
        snprintf(path, sizeof path, "%s", out);
    else if (post_mkdirs(g->reports, period[0] ? period : "all", folder, sizeof folder, &e) < 0)
        goto fail;
    else
        snprintf(path, sizeof path, "%s/reconciliation.xlsx", folder);
    if (report_write(lg, &cfg, period, path, &e) < 0 || reconcile_counts(lg, period, &rs, &e) < 0)
        goto fail;
    log_info("workbook written to %s: %lld error(s), %lld warning(s), %lld info in scope", path,
             (long long)rs.errors, (long long)rs.warnings, (long long)rs.infos);
    if (g->json) {
        struct jw w;
        jw_init(&w, 2);
        jw_obj(&w);
        jw_kstr(&w, "workbook", path);
        jw_kint(&w, "errors", rs.errors);
        jw_kint(&w, "warnings", rs.warnings);
        jw_kint(&w, "infos", rs.infos);
        jw_end_obj(&w);
        cli_json_out(jw_text(&w));
        jw_free(&w);
    }
    status = rs.errors > 0 ? 1 : 0;
    goto done;
fail:
    status = cli_fail(&e);
done:
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
