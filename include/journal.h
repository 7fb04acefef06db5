/* journal — turns each settlement's amount lines into balanced double-entry journals, one
 * per calendar month its lines fall in (in the configured time zone), linked by
 * carried-forward lines so the final part carries the settlement total. Never touches Xero.
 *
 * Sign convention: amount_minor is credit-positive. A part's lines sum to zero; the final
 * part's clearing line is minus the settlement's lines sum (a debit to Amazon clearing). */
#ifndef SETTLEBOOK_JOURNAL_H
#define SETTLEBOOK_JOURNAL_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "ledger.h"

struct journal_summary {
    int64_t settlements;   /* in scope */
    int64_t built;         /* journals (re)written */
    int64_t unchanged;     /* already up to date */
    int64_t frozen;        /* left alone: posted, or in a locked month */
    int64_t parts;
    int64_t unmapped_lines;
    int64_t moved_lines;   /* lines moved out of a locked month */
};

/* Builds journals for every settlement touching period ("" = all), inside the caller's
 * transaction. A settlement whose journals are unchanged is not rewritten, so a rerun
 * changes nothing. */
int journal_run(struct ledger *lg, const struct config *cfg, const char *period,
                struct journal_summary *out, struct err *e);

#endif
