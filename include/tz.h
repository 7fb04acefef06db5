/* tz — UTC offsets for the configured time zone, which decides the month a line belongs to.
 * Accepts "UTC", fixed offsets ("+10:00", "-05:30") and IANA names read from the system's
 * TZif files (/usr/share/zoneinfo, or $TZDIR), including the POSIX rule in their footer.
 * Never consults the process's TZ variable or the C library's time functions. */
#ifndef SETTLEBOOK_TZ_H
#define SETTLEBOOK_TZ_H

#include <stdint.h>

#include "err.h"

struct tz;

int tz_open(struct tz **out, const char *name, struct err *e);
void tz_free(struct tz *z); /* NULL is a no-op */

/* Offset east of UTC, in seconds, at UTC instant t. */
int32_t tz_offset(const struct tz *z, int64_t t);

/* Local calendar date "YYYY-MM-DD" of a ledger timestamp ("YYYY-MM-DDTHH:MM[:SS]Z",
 * "YYYY-MM-DD", or "" for none, which gives fallback). A bare date is taken as is. */
void tz_local_date(const struct tz *z, const char *posted, const char *fallback, char out[11]);

/* True when the zone is plain UTC (callers may skip conversions). */
int tz_is_utc(const struct tz *z);

#endif
