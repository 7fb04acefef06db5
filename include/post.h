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

/* post — keeps the outbox in step with the journals (one row per Xero request, written in
 * the caller's transaction) and writes the dry-run preview from those rows, so the preview
 * is byte for byte what live posting sends. */

struct post_summary {
    int64_t settlements, requests, documents, written, unchanged, conflicts;
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

/* Writes <dir>/<period>/xero-preview.json (temporary file, then rename) from the outbox
 * rows of that month, and prints the human summary on stdout unless quiet. */
int post_preview(struct ledger *lg, const struct config *cfg, const char *period,
                 const char *dir, char *path_out, size_t path_cap, struct err *e);

/* Creates dir and dir/sub as needed (mode 0755). */
int post_mkdirs(const char *dir, const char *sub, char *out, size_t cap, struct err *e);

/* Journals then outbox for period ("" = all), in one transaction that is rolled back on
 * error: the accounting half of `post` and `close`. A rerun changes nothing. */
int post_run(struct ledger *lg, const struct config *cfg, const char *period,
             struct journal_summary *js, struct post_summary *ps, struct err *e);

/* Live posting of period after its preview (post --live, close --live): sends the outbox
 * through xero_send_live (ledger_path names the lock file), prints the outcome (JSON on
 * stdout with json, a line on stderr unless quiet); *status becomes 1 when something was
 * rejected, blocked or missing in Xero. -1 with e when Xero stayed unreachable (exit 3). */
int post_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
              const char *period, int json, int *status, struct err *e);

#endif
