/* close — runs the stages of a month-end close in order (see close.h). Holds no SQL and
 * prints nothing but what the stages themselves report. */
#include "close.h"

#include <stdio.h>
#include <string.h>

#include "ingest.h"
#include "reconcile.h"
#include "report.h"
#include "spapi.h"

static int ingest_files(struct ledger *lg, const struct config *cfg,
                        const struct close_opts *o, struct err *e)
{
    struct ingest_opts io = { .bank = &cfg->bank, .base_currency = cfg->base_currency };
    if (o->nfiles == 0)
        return 0;
    if (ledger_begin(lg, e) < 0)
        return -1;
    for (int i = 0; i < o->nfiles; i++) {
        struct ingest_result r;
        if (ingest_file(lg, o->files[i], &io, &r, e) < 0) {
            ledger_rollback(lg);
            return -1;
        }
        if (!r.skipped)
            log_info("%s: %s, %lld records", o->files[i], r.kind, (long long)r.records);
    }
    return ledger_commit(lg, e);
}

/* --fetch: the fetch stage, with its own transactions, before anything else. */
static int fetch(struct ledger *lg, const struct config *cfg, struct err *e)
{
    struct spapi_summary s;
    if (spapi_fetch(lg, cfg, NULL, &s, e) < 0)
        return -1;
    if (log_level() >= LOG_NORMAL)
        spapi_summary_print(&s);
    return 0;
}

static int reconcile(struct ledger *lg, const struct config *cfg, const char *period,
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

static int workbook(struct ledger *lg, const struct config *cfg, const struct close_opts *o,
                    char *path, size_t cap, struct err *e)
{
    char folder[4096];
    if (post_mkdirs(o->reports, o->period, folder, sizeof folder, e) < 0)
        return -1;
    snprintf(path, cap, "%s/reconciliation.xlsx", folder);
    return report_write(lg, cfg, o->period, path, e);
}

int close_run(struct ledger *lg, const struct config *cfg, const struct close_opts *o,
              struct close_result *out, struct err *e)
{
    struct reconcile_summary rs;
    memset(out, 0, sizeof *out);
    if ((o->fetch && fetch(lg, cfg, e) < 0) || ingest_files(lg, cfg, o, e) < 0 ||
        reconcile(lg, cfg, o->period, e) < 0 ||
        post_run(lg, cfg, o->period, &out->journal, &out->post, e) < 0 ||
        post_preview(lg, cfg, o->period, o->reports, out->preview, sizeof out->preview, e) < 0 ||
        (o->live && post_live(lg, cfg, o->ledger_path, o->period, o->json, &out->live_status,
                              e) < 0) ||
        workbook(lg, cfg, o, out->workbook, sizeof out->workbook, e) < 0 ||
        reconcile_counts(lg, o->period, &rs, e) < 0)
        return -1;
    out->errors = rs.errors;
    return 0;
}
