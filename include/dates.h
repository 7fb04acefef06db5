/* dates — calendar arithmetic and the date formats Amazon and banks write, without the C
 * library's time zone or locale machinery (results never depend on TZ or LC_*). */
#ifndef SETTLEBOOK_DATES_H
#define SETTLEBOOK_DATES_H

#include <stdint.h>

#include "err.h"

#define DATES_ISO_MAX 24 /* "2024-09-13T08:59:52Z" plus NUL, with room */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t dates_days(int y, int m, int d);
void dates_civil(int64_t days, int *y, int *m, int *d);

/* Parses a timestamp as Amazon writes it and converts it to UTC seconds since the epoch:
 *   "2024-10-09 14:28:38 UTC", "2024-10-09T14:28:38+00:00", "2024-10-09T14:28:38.058Z",
 *   "13.09.2024 08:59:52 UTC", "2024-10-09", "13.09.2024", "2024-10-09 14:28:38 PDT".
 * *has_time is set to 0 for a date alone (then the time is midnight UTC). */
int dates_parse(const char *s, int64_t *out, int *has_time, struct err *e);

/* Parses a bank statement date in one of the orders "dmy", "mdy" or "ymd"
 * (separators '/', '-', '.'; two-digit years are 20yy). */
int dates_parse_order(const char *s, const char *order, int64_t *out, struct err *e);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (has_time) or "YYYY-MM-DD" into buf[DATES_ISO_MAX]. */
char *dates_iso(char *buf, int64_t t, int has_time);

#endif
