/* close — the month-end sequence every `close` runs, in pipeline order: fetch (optional),
 * ingest the given files, reconcile, journals and outbox, the dry-run preview, live posting
 * (optional), the workbook. Each step has its own transaction, so a failure leaves the
 * ledger as the last finished step left it; a rerun on the same inputs changes nothing. */
#ifndef SETTLEBOOK_CLOSE_H
#define SETTLEBOOK_CLOSE_H

#include <stddef.h>

#include "base.h"
#include "config.h"
#include "journal.h"
#include "ledger.h"
#include "post.h"

#define CLOSE_MONTHS_TEXT_MAX 256

struct close_opts {
    const char *period;        /* YYYY-MM, checked by the caller */
    const char *ledger_path;   /* for live posting's lock file */
    const char *reports;       /* folder of <period>/xero-preview.json and the workbook */
    int fetch, live, json;
    int verify;                /* hash every file given, even ones known unchanged */
    char **files;              /* to ingest first; borrowed */
    int nfiles;
};

struct close_result {
    struct journal_summary journal;
    struct post_summary post;
    int live_status;           /* 1 when live posting left something rejected or blocked */
    struct xero_send_summary live;  /* what live posting did (zero when it did not run) */
    int64_t errors;            /* error-severity exceptions in scope at the end */
    char preview[4200], workbook[4200];
    int empty;                 /* no settlement touches the period: PERIOD_EMPTY raised */
    char months_with_data[CLOSE_MONTHS_TEXT_MAX]; /* "2025-08, 2025-09": months spanned */
};

int close_run(struct ledger *lg, const struct config *cfg, const struct close_opts *o,
              struct close_result *out, struct err *e);

#endif
