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
    /* the empty month's own finding: listed with that month, not with the real ones */
    struct exception_row x = { .kind = "PERIOD_EMPTY", .severity = "warning",
                               .month = o->period };
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

/* *loaded: how many files brought new records (not skipped as already ingested). */
static int ingest_files(struct ledger *lg, const struct config *cfg,
                        const struct close_opts *o, int *loaded, struct err *e)
{
    struct ingest_opts io = { .bank = &cfg->bank, .base_currency = cfg->base_currency,
                              .verify = o->verify };
    if (o->nfiles == 0)
        return 0;
    if (ledger_begin_bulk(lg, e) < 0)
        return -1;
    for (int i = 0; i < o->nfiles; i++) {
        struct ingest_result r;
        if (ingest_file(lg, o->files[i], &io, &r, e) < 0) {
            ledger_rollback(lg);
            return -1;
        }
        if (!r.skipped)
            log_info("%s: %s, %lld records", o->files[i], r.kind, (long long)r.records);
        *loaded += !r.skipped;
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

/* The reconcile checks read every line of the period's settlements: they group them for
 * the sales journal as they go, which then reads none of them again. */
static int keep_groups(struct ledger *lg, const struct config *cfg, struct err *e)
{
    int by_sku, cut, want = journal_line_groups(cfg, &by_sku, &cut, e);
    if (want <= 0)
        return want;
    return ledger_groups_want(lg, by_sku, cut, e);
}

/* ---- skipping unchanged file stages ----------------------------------------------------
 * The preview and the workbook are functions of the ledger, the config and the version. A
 * stage whose inputs digest (stage_digest over the whole ledger) is the one recorded when it
 * last wrote its file, and whose file still has the bytes it wrote, is not run again: the
 * file is already what it would write. Anything else (a changed ledger, an edited or removed
 * file, another settlebook) runs the stage and records the new digests. */

/* The SHA-256 of a file's bytes, or "" when it cannot be read (then the stage runs). */
static void file_sha(const char *path, char hex[HASH_HEX_LEN])
{
    struct err e = {0};
    if (hash_file(path, hex, &e) < 0)
        hex[0] = '\0';
}

struct file_stage {
    const char *stage, *path;
    char digest[HASH_HEX_LEN], recorded_out[HASH_HEX_LEN];
};

static int stage_unchanged(struct ledger *lg, const struct config *cfg, const char *period,
                           struct file_stage *fs, int *same, struct err *e)
{
    char in[HASH_HEX_LEN], now[HASH_HEX_LEN], *out = fs->recorded_out;
    *same = 0;
    if (stage_digest(lg, cfg, fs->stage, period, 1, fs->digest, e) < 0 ||
        stage_get(lg, fs->stage, fs->path, in, out, e) < 0)
        return -1;
    if (strcmp(in, fs->digest) != 0 || !out[0])
        return 0;
    file_sha(fs->path, now);
    *same = strcmp(now, out) == 0;
    if (*same)
        log_verbose("close: %s inputs unchanged and %s intact: not written again", fs->stage,
                    fs->path);
    return 0;
}

/* Records what the stage ran on, unless it wrote the bytes already recorded: the ledger
 * changes only when an output file does (a later run renders that file again, cheaply). */
static int stage_done(struct ledger *lg, const struct file_stage *fs, struct err *e)
{
    char out[HASH_HEX_LEN];
    file_sha(fs->path, out);
    if (out[0] && strcmp(out, fs->recorded_out) == 0)
        return 0;
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (stage_put(lg, fs->stage, fs->path, fs->digest, out, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

/* The preview (stage "preview") or the workbook (any other stage) of the period, unless
 * unchanged; path receives the file's name. */
static int file_stage(struct ledger *lg, const struct config *cfg, const struct close_opts *o,
                      const char *stage, struct report_prefetch *pre, char *path, size_t cap,
                      struct err *e)
{
    char folder[4096];
    struct file_stage fs = { .stage = stage, .path = path };
    int same, preview = strcmp(stage, "preview") == 0, rc;
    if (post_mkdirs(o->reports, o->period, folder, sizeof folder, e) < 0)
        return -1;
    snprintf(path, cap, "%s/%s", folder, preview ? "xero-preview.json" : "reconciliation.xlsx");
    if (stage_unchanged(lg, cfg, o->period, &fs, &same, e) < 0)
        return -1;
    if (same)
        return preview ? post_preview_summary(lg, cfg, o->period, o->live, e) : 0;
    rc = preview ? post_preview(lg, cfg, o->period, o->reports, o->live, path, cap, e)
                 : report_write_prefetched(lg, cfg, o->period, path, pre, e);
    return rc < 0 ? -1 : stage_done(lg, &fs, e);
}

/* --verbose prints each stage's wall time ("close: journal took N ms"); make bench reads it. */
static int timed(const char *stage, int64_t *t0, int rc)
{
    int64_t now = clock_mono_ms();
    if (rc == 0)
        log_verbose("close: %s took %lld ms", stage, (long long)(now - *t0));
    *t0 = now;
    return rc;
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
    struct report_prefetch *pre = NULL;
    int64_t t = clock_mono_ms();
    int rc = -1, loaded = 0;
    memset(out, 0, sizeof *out);
    /* credentials and the token before any work */
    if (o->live && post_live_ready(lg, cfg, &out->live, e) < 0)
        goto done;
    if ((o->fetch && timed("fetch", &t, fetch(lg, cfg, e)) < 0) ||
        timed("ingest", &t, ingest_files(lg, cfg, o, &loaded, e)) < 0)
        goto done;
    /* new lines: the workbook and (with unit costs) the cost of goods will read them again;
     * those reads can run on the second core while reconcile runs on this one. Without new
     * lines both stages are likely unchanged and skipped: nothing is started for them. */
    if (loaded && (report_prefetch_start(lg, cfg, o->period, &pre, e) < 0 ||
                   journal_cogs_aside(lg, cfg, o->period, e) < 0))
        goto done;
    step(o, 1, "reconcile");
    if (keep_groups(lg, cfg, e) < 0 ||
        timed("reconcile", &t, reconcile(lg, cfg, o->period, e)) < 0)
        goto done;
    step(o, 2, "journals and outbox");
    if (timed("journal", &t, post_run(lg, cfg, o->period, &out->journal, &out->post, e)) < 0)
        goto done;
    ledger_groups_drop(lg);    /* taken or stale now: their memory back before the workbook */
    ledger_kept_drop(lg);
    step(o, 3, "preview");
    if (timed("preview", &t, file_stage(lg, cfg, o, "preview", NULL, out->preview,
                                        sizeof out->preview, e)) < 0 ||
        check_empty(lg, o, out, e) < 0)
        goto done;
    step(o, 4, o->live ? "live posting" : "workbook");
    /* under --json the close summary is the one document: live posting reports on stderr */
    if (o->live && timed("live", &t, post_live(lg, cfg, o->ledger_path, o->period, 0,
                                               &out->live_status, &out->live, e)) < 0)
        goto done;
    step(o, 5, "workbook");
    if (timed("workbook", &t, file_stage(lg, cfg, o, "workbook", pre, out->workbook,
                                         sizeof out->workbook, e)) < 0 ||
        reconcile_counts(lg, o->period, &rs, e) < 0)
        goto done;
    out->errors = rs.errors;
    rc = 0;
done:
    report_prefetch_free(pre);
    ledger_groups_drop(lg);
    ledger_kept_drop(lg);
    if (rc == 0)
        progress_end();
    else
        progress_cancel();
    return rc;
}
