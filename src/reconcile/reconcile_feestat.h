/* reconcile_feestat — the robust statistics behind FEE_ANOMALY and FEE_CHANGED, on integers:
 * a fee sample is a fixed-point value (per unit, or a rate of the sales price) and the usual
 * level of a SKU's fee is the median of its samples, its spread the median absolute deviation
 * (MAD). Both ignore a few wild values, which the mean and standard deviation do not. Pure
 * functions, so tests/unit/test_feestat.c can check them with table cases. */
#ifndef SETTLEBOOK_RECONCILE_FEESTAT_H
#define SETTLEBOOK_RECONCILE_FEESTAT_H

#include <stddef.h>
#include <stdint.h>

#define FEESTAT_HISTORY_MIN 5   /* samples of a SKU's fee (or of a level) before one is judged */
#define FEESTAT_STEP_MIN 3      /* samples on each side of a step change */
#define FEESTAT_WINDOW 5        /* samples before a step whose median is the old level */
/* Judged values are bounded so that every product below fits in 64 bits. */
#define FEESTAT_VALUE_MAX 10000000000000LL  /* 1e13 */
/* k times the scaled MAD: 3 x 1.4826 (the MAD of normal noise is 1/1.4826 of its standard
 * deviation), so "beyond 3 sigma" for noisy fees, as 44478 / 10000. */
#define FEESTAT_K_NUM 44478
#define FEESTAT_K_DEN 10000

/* The median of v[0..n) (n > 0; v is sorted in place): the middle value, or for even n the
 * lower middle plus half the gap rounded down, so it never leaves the integers. */
int64_t feestat_median(int64_t *v, size_t n);

/* The median of an even number of values from its two middle ones (lo <= hi), as above: for
 * a median read back sorted from SQLite. */
int64_t feestat_mid(int64_t lo, int64_t hi);

/* The median and the median absolute deviation of v[0..n); tmp holds n values (v is left
 * as it was). */
struct feestat {
    int64_t median, mad;
};
void feestat_of(const int64_t *v, size_t n, int64_t *tmp, struct feestat *out);

/* 1 when x is farther from s->median than both k x MAD-scaled and pct % of |median|: the
 * relative floor keeps a fee that never varied (MAD 0) from flagging cent-level rounding. */
int feestat_beyond(int64_t x, const struct feestat *s, int pct);

/* Splits v[0..n) (in time order; day[i] nondecreasing) at step changes. A stretch splits at
 * i when the fee of every sample from i to the stretch's end is beyond the level (median and
 * MAD) of the at most FEESTAT_WINDOW samples before i, on the same side, i starts a new day,
 * and both sides hold FEESTAT_STEP_MIN samples or more; at the earliest such i, and both parts
 * are looked at again. Writes the segment starts in increasing order to starts (n entries;
 * starts[0] = 0) and their number to *nseg. -1 when out of memory. */
int feestat_segments(const int64_t *v, const int32_t *day, size_t n, int pct, size_t *starts,
                     size_t *nseg);

/* A sequence of n samples read through callbacks, value and day of sample i: the fee check
 * reads a SKU's samples a page at a time from a SQLite temp table, so a SKU with millions of
 * lines is never all in memory. The scan of each stretch goes backwards from its end. */
struct feestat_seq {
    int64_t (*value)(void *arg, size_t i);
    int32_t (*day)(void *arg, size_t i);
    void *arg;
};

/* feestat_segments over q: *starts is allocated (free it) and holds *nseg entries; memory
 * grows with the splits found, never with n. -1 when out of memory. */
int feestat_segments_seq(const struct feestat_seq *q, size_t n, int pct, size_t **starts,
                         size_t *nseg);

/* round(a * b / d) half away from zero (d > 0) into *out; -1 when it does not fit. */
int feestat_muldiv(int64_t a, int64_t b, int64_t d, int64_t *out);

#endif
