/* post — the post stage: renders every settlement of a period through xero, keeps the outbox in
 * step (one row per request) and writes the dry-run preview from those rows, so the preview
 * is byte for byte what live posting sends. */
#ifndef SETTLEBOOK_POST_H
#define SETTLEBOOK_POST_H

#include <stdint.h>

#include "config.h"
#include "base.h"
#include "ledger.h"
#include "journal.h"
#include "xero.h"

/* post — keeps the outbox in step with the journals (one row per Xero request, written in
 * the caller's transaction) and writes the dry-run preview from those rows, so the preview
 * is byte for byte what live posting sends. */

struct post_summary {
    const char *period;        /* post_outbox's month: requests and documents count its own */
    int64_t settlements, requests, documents, written, unchanged, conflicts;
    int64_t cogs_journals;     /* cost-of-goods journals queued or kept */
    int64_t cogs_held;         /* cost-of-goods journals held back (MISSING_COST) */
    int64_t items;             /* Xero Items to create (orders mode with unit costs) */
    int64_t refused;           /* lines Xero would refuse by the cached tax rates (TAX_TYPE_NOT_APPLICABLE) */
};

/* Renders every settlement touching period ("" = all) and reconciles the outbox: identical
 * rows stay; when they differ and nothing of the settlement may exist in Xero, its pending
 * rows and its dead rows (rejected whole) are replaced; rows of which anything may exist in
 * Xero (view outbox_posted) are never touched, and a difference becomes a
 * POSTED_DOCUMENT_CHANGED exception. */
int post_outbox(struct ledger *lg, const struct config *cfg, const char *period,
                struct post_summary *out, struct err *e);

/* The month-end accrual of period and its reversal (post_accrual.c), after the settlements'
 * requests: one pair per base currency while posting.accrue_unsettled is on; nothing for
 * period "" or a locked month; a pair already (partly) in Xero is left as it is. */
int post_accruals(struct ledger *lg, const struct config *cfg, const char *period,
                  struct post_summary *out, struct err *e);
/* Queues the cost-of-goods journal of period ("" = every month that has one) under the
 * outbox settlement "COGS-<month>", or drops its pending row while it is blocked or empty.
 * Inside the caller's transaction; counts into out (which it does not reset). */
int post_cogs(struct ledger *lg, const struct config *cfg, const char *period,
              struct post_summary *out, struct err *e);

/* Orders mode with unit costs in the ledger: queues PUT /Items for the ItemCodes the
 * month's requests use that Xero lacks (cache) and no other month creates, under
 * "ITEMS-<month>"; otherwise drops its pending rows. Inside the caller's transaction. */
int post_items(struct ledger *lg, const struct config *cfg, const char *period,
               struct post_summary *out, struct err *e);

/* Prints the month's cost-of-goods line of the preview summary on stdout. */
int post_cogs_print(struct ledger *lg, const struct config *cfg, const char *period,
                    struct err *e);

/* Writes <dir>/<period>/xero-preview.json (temporary file, then rename) from the outbox
 * rows of that month, and prints the human summary on stdout unless quiet (worded for a
 * live run when live). Each request not yet in Xero of a settlement that live posting holds
 * back (xero_held_back) carries "blocked": "<KIND>: <one line>"; live sends exactly the
 * others, in this order. */
int post_preview(struct ledger *lg, const struct config *cfg, const char *period,
                 const char *dir, int live, char *path_out, size_t path_cap, struct err *e);

/* Before any work of a live run: the Xero credentials and a usable token (refreshed when
 * due, as posting will), so a missing sign-in stops the run at once (ERR_INPUT, exit 2) or
 * an unreachable Xero (ERR_NET, exit 3); then the organisation's contacts are read into the
 * ledger (xero_send_prepare) for post_outbox. x counts the calls (post_live adds its own). */
int post_live_ready(struct ledger *lg, const struct config *cfg,
                    struct xero_send_summary *x, struct err *e);

/* The human summary post_preview prints (nothing when quiet), for a close that found the
 * preview file unchanged and did not render it again. */
int post_preview_summary(struct ledger *lg, const struct config *cfg, const char *period,
                         int live, struct err *e);

/* Creates dir and dir/sub as needed (mode 0755). */
int post_mkdirs(const char *dir, const char *sub, char *out, size_t cap, struct err *e);

/* Journals then outbox for period ("" = all), in one transaction that is rolled back on
 * error: the accounting half of `post` and `close`. A rerun changes nothing. */
int post_run(struct ledger *lg, const struct config *cfg, const char *period,
             struct journal_summary *js, struct post_summary *ps, struct err *e);

/* Live posting of period after its preview (post --live, close --live): sends the outbox
 * through xero_send_live (ledger_path names the lock file) and prints the outcome (JSON on
 * stdout with json; unless quiet a last line on stderr: settlements posted and held back,
 * requests confirmed, calls, bytes downloaded, retries, dead). *status becomes 1 when
 * something was rejected, held back or missing in Xero; *x is filled even on error. -1
 * with e when Xero stayed unreachable (exit 3). */
int post_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
              const char *period, int json, int *status, struct xero_send_summary *x,
              struct err *e);

/* After a live run that ended with exit status status: POSTs {"text", "period",
 * "exit_status", "posted", "blocked", "dead"} to url, or to alerts.webhook_url when url is
 * NULL or "" (nothing when neither is set). Counts only, no secret or PII. A failure is
 * reported on stderr and never changes the run's outcome. */
void post_notify(const struct config *cfg, const char *url, const char *period, int status,
                 const struct xero_send_summary *x);

#endif
