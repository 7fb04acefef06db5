/* period — calendar months (YYYY-MM) as the unit of closing, and their locks. */
#ifndef SETTLEBOOK_PERIOD_H
#define SETTLEBOOK_PERIOD_H

#include "err.h"
#include "ledger.h"

/* SQL condition selecting settlements `s` whose span touches the month bound to ?1 (or all
 * settlements when ?1 is ''). */
#define PERIOD_SCOPE_SQL \
    "(?1 = '' OR (substr(s.start_utc, 1, 7) <= ?1 AND substr(s.end_utc, 1, 7) >= ?1))"

/* Checks "YYYY-MM" (months 01..12, years 2000..2999). */
int period_parse(const char *s, struct err *e);

/* 1 when the month is locked, 0 when open. */
int period_is_locked(struct ledger *lg, const char *month, struct err *e);

/* The first open month at or after month (YYYY-MM) into out[8]. */
int period_next_open(struct ledger *lg, const char *month, char out[8], struct err *e);

/* Locks or unlocks a month (inside the caller's transaction; audited). */
int period_set(struct ledger *lg, const char *month, int locked, struct err *e);

/* The month after month, into out[8]. */
void period_next(const char *month, char out[8]);

#endif
