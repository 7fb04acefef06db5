/* stages — runs the accounting stages in order inside one transaction, for `post` and
 * `close`: journals, then the outbox. Each stage is re-runnable; a rerun changes nothing. */
#ifndef SETTLEBOOK_STAGES_H
#define SETTLEBOOK_STAGES_H

#include "config.h"
#include "journal.h"
#include "ledger.h"
#include "post.h"

/* Journals then outbox for period ("" = all), in one transaction that is rolled back on
 * error. */
int stages_journal_post(struct ledger *lg, const struct config *cfg, const char *period,
                        struct journal_summary *js, struct post_summary *ps, struct err *e);

/* Months (YYYY-MM) that have journals, ascending; caller frees *out. */
int stages_months(struct ledger *lg, char (**out)[8], size_t *n, struct err *e);

#endif
