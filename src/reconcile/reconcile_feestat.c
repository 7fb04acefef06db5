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
    return feestat_mid(v[n / 2 - 1], v[n / 2]);
}

int64_t feestat_mid(int64_t lo, int64_t hi)
{
    return lo + (hi - lo) / 2;
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

/* The earliest split of v[a..b) (see feestat_segments), or 0 when there is none. Reads the
 * sequence backwards from b, a window of FEESTAT_WINDOW before each i: what a page cache of
 * two pages serves without rereading. */
static size_t first_split(const struct feestat_seq *q, size_t a, size_t b, int pct)
{
    size_t best = 0;
    int64_t lo, hi, win[FEESTAT_WINDOW], tmp[FEESTAT_WINDOW];
    if (b - a < 2 * FEESTAT_STEP_MIN)
        return 0;
    lo = hi = q->value(q->arg, b - 1);
    for (size_t i = b - 1; i >= a + FEESTAT_STEP_MIN; i--) {
        int64_t v = q->value(q->arg, i);
        lo = v < lo ? v : lo;   /* min and max of v[i..b) */
        hi = v > hi ? v : hi;
        if (b - i < FEESTAT_STEP_MIN || q->day(q->arg, i) == q->day(q->arg, i - 1))
            continue;
        size_t from = i - a > FEESTAT_WINDOW ? i - FEESTAT_WINDOW : a;
        struct feestat old;
        for (size_t k = from; k < i; k++)
            win[k - from] = q->value(q->arg, k);
        feestat_of(win, i - from, tmp, &old);
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

/* Appends x to the growable array *v of *n (capacity *cap). */
static int push(size_t **v, size_t *n, size_t *cap, size_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        size_t *p = realloc(*v, c * sizeof *p);
        if (!p)
            return -1;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

int feestat_segments_seq(const struct feestat_seq *q, size_t n, int pct, size_t **starts,
                         size_t *nseg)
{
    /* each split divides its stretch in two, and either part may hold another split (a
     * second step, or a surcharge that ended): a stack of stretches still to look at; both
     * grow with the splits found, not with n */
    size_t *stack = NULL, top = 0, capstack = 0, cap = 0, i;
    *starts = NULL;
    *nseg = 0;
    if (push(starts, nseg, &cap, 0) < 0 || push(&stack, &top, &capstack, 0) < 0 ||
        push(&stack, &top, &capstack, n) < 0)
        goto fail;
    while (top) {
        size_t b = stack[--top], a = stack[--top];
        if ((i = first_split(q, a, b, pct)) == 0)
            continue;
        if (push(starts, nseg, &cap, i) < 0 || push(&stack, &top, &capstack, a) < 0 ||
            push(&stack, &top, &capstack, i) < 0 || push(&stack, &top, &capstack, i) < 0 ||
            push(&stack, &top, &capstack, b) < 0)
            goto fail;
    }
    free(stack);
    qsort(*starts + 1, *nseg - 1, sizeof **starts, cmp_size);
    *nseg = n ? *nseg : 0;
    return 0;
fail:
    free(stack);
    free(*starts);
    *starts = NULL;
    *nseg = 0;
    return -1;
}

struct arrays {
    const int64_t *v;
    const int32_t *day;
};

static int64_t array_value(void *arg, size_t i)
{
    return ((const struct arrays *)arg)->v[i];
}

static int32_t array_day(void *arg, size_t i)
{
    return ((const struct arrays *)arg)->day[i];
}

int feestat_segments(const int64_t *v, const int32_t *day, size_t n, int pct, size_t *starts,
                     size_t *nseg)
{
    struct arrays x = { v, day };
    struct feestat_seq q = { array_value, array_day, &x };
    size_t *got;
    if (feestat_segments_seq(&q, n, pct, &got, nseg) < 0)
        return -1;
    memcpy(starts, got, *nseg * sizeof *starts);
    free(got);
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
