/* reconcile_feestat — median, MAD, the anomaly threshold and step changes, all in integers
 * (see reconcile_feestat.h). */
#include "reconcile_feestat.h"

#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t feestat_median(int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    if (n % 2)
        return v[n / 2];
    return v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

void feestat_of(const int64_t *v, size_t n, int64_t *tmp, struct feestat *out)
{
    memcpy(tmp, v, n * sizeof *v);
    out->median = feestat_median(tmp, n);
    for (size_t i = 0; i < n; i++)
        tmp[i] = v[i] > out->median ? v[i] - out->median : out->median - v[i];
    out->mad = feestat_median(tmp, n);
}

int feestat_beyond(int64_t x, const struct feestat *s, int pct)
{
    int64_t d = x > s->median ? x - s->median : s->median - x;
    int64_t m = s->median < 0 ? -s->median : s->median;
    return d * FEESTAT_K_DEN > FEESTAT_K_NUM * s->mad && d * 100 > (int64_t)pct * m;
}

/* The earliest split of v[a..b) (see feestat_segments), or 0 when there is none. */
static size_t first_split(const int64_t *v, const int32_t *day, size_t a, size_t b, int pct,
                          int64_t *tmp)
{
    size_t best = 0;
    int64_t lo, hi;
    if (b - a < 2 * FEESTAT_STEP_MIN)
        return 0;
    lo = hi = v[b - 1];
    for (size_t i = b - 1; i >= a + FEESTAT_STEP_MIN; i--) {
        lo = v[i] < lo ? v[i] : lo;   /* min and max of v[i..b) */
        hi = v[i] > hi ? v[i] : hi;
        if (b - i < FEESTAT_STEP_MIN || day[i] == day[i - 1])
            continue;
        size_t from = i - a > FEESTAT_WINDOW ? i - FEESTAT_WINDOW : a;
        struct feestat old;
        feestat_of(v + from, i - from, tmp, &old);
        /* every later sample beyond the old level on one side: the nearest one is enough */
        if ((lo > old.median && feestat_beyond(lo, &old, pct)) ||
            (hi < old.median && feestat_beyond(hi, &old, pct)))
            best = i;
    }
    return best;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int feestat_segments(const int64_t *v, const int32_t *day, size_t n, int pct, size_t *starts,
                     size_t *nseg, int64_t *tmp)
{
    /* each split divides its stretch in two, and either part may hold another split (a
     * second step, or a surcharge that ended): a stack of stretches still to look at */
    size_t *stack = malloc((n + 2) * 2 * sizeof *stack), top = 0, found = 0, i;
    if (!stack)
        return -1;
    stack[top++] = 0;
    stack[top++] = n;
    while (top) {
        size_t b = stack[--top], a = stack[--top];
        if ((i = first_split(v, day, a, b, pct, tmp)) == 0)
            continue;
        starts[1 + found++] = i;   /* at most n / FEESTAT_STEP_MIN - 1 splits */
        stack[top++] = a;
        stack[top++] = i;
        stack[top++] = i;
        stack[top++] = b;
    }
    free(stack);
    starts[0] = 0;
    qsort(starts + 1, found, sizeof *starts, cmp_size);
    *nseg = n ? found + 1 : 0;
    return 0;
}

int feestat_muldiv(int64_t a, int64_t b, int64_t d, int64_t *out)
{
    int64_t p, q, r;
    if (d <= 0 || __builtin_mul_overflow(a, b, &p))
        return -1;
    q = p / d;
    r = p % d;
    r = r < 0 ? -r : r;
    if (r >= d - r)   /* half or more: away from zero */
        q += p < 0 ? -1 : 1;
    *out = q;
    return 0;
}
