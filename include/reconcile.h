/* reconcile — the tie-outs between settlements, order history, the bank statement and the
 * mapping rules. Reads the raw tables and writes only exception rows with scope 'reconcile';
 * it never changes a raw row and never touches journals or Xero. */
#ifndef SETTLEBOOK_RECONCILE_H
#define SETTLEBOOK_RECONCILE_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "base.h"
#include "ledger.h"

/* Days after the deposit date (and before it) in which the bank line is looked for. */
#define RECONCILE_DEPOSIT_DAYS_AFTER 5
#define RECONCILE_DEPOSIT_DAYS_BEFORE 1

struct reconcile_summary {
    int64_t errors, warnings, infos; /* exceptions in scope after the run, every stage's */
    int64_t settlements;             /* settlements in scope */
    int64_t changed;                 /* 1 when this run deleted or inserted a row */
};

/* Recomputes the reconcile exceptions of the settlements touching period ("YYYY-MM", or ""
 * for all) and the ledger-wide ones (no settlement: ORDER_NOT_SETTLED, ORDER_HISTORY_MISSING;
 * they do not depend on the period). Runs inside the caller's open transaction. The fresh
 * rows are matched to the scope's stored 'reconcile' rows by content: matched rows are left
 * as they are (id, run), stored rows without a match are deleted, fresh rows without one are
 * inserted in a fixed order with this run's id (ledger_run_id is only asked for then). So a
 * rerun on the same ledger writes nothing, and months sharing a settlement agree whichever
 * ran last. Other stages' exceptions (ingest's SETTLEMENT_TOTAL_MISMATCH, the journal's
 * PERIOD_LOCKED) are left alone. A period with no settlement changes nothing. out is filled
 * by reconcile_counts, plus changed. */
int reconcile_run(struct ledger *lg, const struct config *cfg, const char *period,
                  struct reconcile_summary *out, struct err *e);

/* Counts the exceptions of every stage in scope by severity: those of settlements touching
 * period (all when "") plus those with no settlement. Read-only; out->changed is 0. */
int reconcile_counts(struct ledger *lg, const char *period, struct reconcile_summary *out,
                     struct err *e);

/* Prints one line per (severity, kind) in scope, errors first: "  error    KIND  N".
 * Read-only. For `reconcile` and `close` summaries. */
int reconcile_print_kinds(struct ledger *lg, const char *period, FILE *f, struct err *e);

#endif
