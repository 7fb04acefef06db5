/* clock — the only module that reads the time or sleeps. Everything else asks here, so tests
 * and reviews know where time enters the program. */
#ifndef SETTLEBOOK_CLOCK_H
#define SETTLEBOOK_CLOCK_H

#include <stdint.h>

/* Wall-clock seconds since the Unix epoch (time()). For expiries and timestamps. */
int64_t clock_now_s(void);

/* Monotonic milliseconds (CLOCK_MONOTONIC) from an arbitrary origin. For durations and
 * deadlines; never goes backwards when the wall clock is changed. */
int64_t clock_mono_ms(void);

/* Sleeps ms milliseconds (restarts after signals); ms <= 0 returns at once. */
void clock_sleep_ms(int64_t ms);

#endif
