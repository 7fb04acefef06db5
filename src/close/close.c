/* close — runs the stages of a month-end close in order (see close.h). Holds no SQL and
 * prints nothing but what the stages themselves report. */
#include "close.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "reconcile.h"
#include "report.h"
#include "spapi.h"

/* "2025-08, 2025-09" into out: the months with data, for PERIOD_EMPTY. */
static int months_text(struct ledger *lg, char *out, size_t cap, struct err *e)
{
    char (*v)[8];
    size_t n, len = 0;
    if (ingest_months(lg, &v, &n, e) < 0)
        return -1;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (len + 40 >= cap) {
            snprintf(out + len, cap - len, " and %zu more", n - i);
            break;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", v[i]);
    }
    free(v);
    return 0;
}

/* A month no settlement touches is said aloud: a PERIOD_EMPTY warning naming the months that
 * have data, so a typo'd --period never looks like a clean close. The exception belongs to
 * no settlement: a close of a month with data removes it, a rerun of the same close keeps it
 * as it is. */
static int check_empty(struct ledger *lg, const struct close_opts *o, struct close_result *out,
                       struct err *e)
{
    char why[CLOSE_MONTHS_TEXT_MAX + 200];
    const char *list = out->months_with_data;
    struct exception_row x = { .kind = "PERIOD_EMPTY", .severity = "warning" };
    if (months_text(lg, out->months_with_data, sizeof out->months_with_data, e) < 0)
        return -1;
    out->empty = out->journal.settlements == 0;
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (!out->empty) {
        if (exception_clear(lg, "close", "PERIOD_EMPTY", NULL, NULL, e) < 0)
            goto fail;
        return ledger_commit(lg, e);
    }
    snprintf(why, sizeof why, "no settlement has a line in %s: nothing to post, the workbook "
             "is empty; months with data: %s", o->period, list[0] ? list : "none yet");
    x.explanation = why;
    x.action = list[0] ? "check --period (a typo?), or ingest this month's settlement "
                           "reports first" : "ingest the month's settlement reports first "
                           "(settlebook ingest FILE..., or close --fetch)";
    log_info("warning: PERIOD_EMPTY: %s", why);
    if (exception_put_only(lg, "close", &x, e) < 0)
        goto fail;
    return ledger_commit(lg, e);
fail:
    ledger_rollback(lg);
    return -1;
}

#define CLOSE_STEPS 6

static int ingest_files(struct ledger *lg, const struct config *cfg,
                        const struct close_opts *o, struct err *e)
{
    struct ingest_opts io = { .bank = &cfg->bank };
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

/* Progress on a terminal: "close 2025-09: reconcile: 2 of 6 steps (33%)". */
static void step(const struct close_opts *o, int i, const char *what)
{
    char stage[64];
    snprintf(stage, sizeof stage, "close %s: %s", o->period, what);
    progress_begin_at(stage, i, CLOSE_STEPS, "steps");
}

int close_run(struct ledger *lg, const struct config *cfg, const struct close_opts *o,
              struct close_result *out, struct err *e)
{
    struct reconcile_summary rs;
    int rc = -1;
    memset(out, 0, sizeof *out);
    /* credentials and the token before any work */
    if (o->live && post_live_ready(lg, cfg, &out->live, e) < 0)
        goto done;
    if ((o->fetch && fetch(lg, cfg, e) < 0) || ingest_files(lg, cfg, o, e) < 0)
        goto done;
    step(o, 1, "reconcile");
    if (reconcile(lg, cfg, o->period, e) < 0)
        goto done;
    step(o, 2, "journals and outbox");
    if (post_run(lg, cfg, o->period, &out->journal, &out->post, e) < 0)
        goto done;
    step(o, 3, "preview");
    if (post_preview(lg, cfg, o->period, o->reports, o->live, out->preview,
                     sizeof out->preview, e) < 0 ||
        check_empty(lg, o, out, e) < 0)
        goto done;
    step(o, 4, o->live ? "live posting" : "workbook");
    /* under --json the close summary is the one document: live posting reports on stderr */
    if (o->live && post_live(lg, cfg, o->ledger_path, o->period, 0, &out->live_status,
                            &out->live, e) < 0)
        goto done;
    step(o, 5, "workbook");
    if (workbook(lg, cfg, o, out->workbook, sizeof out->workbook, e) < 0 ||
        reconcile_counts(lg, o->period, &rs, e) < 0)
        goto done;
    out->errors = rs.errors;
    rc = 0;
done:
    if (rc == 0)
        progress_end();
    else
        progress_cancel();
    return rc;
}
