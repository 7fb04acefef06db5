/* test_feestat — the fee check's statistics: median, MAD, the anomaly threshold (k x MAD
 * against the relative floor), step-change segmentation and exact rounding. */
#include <stdint.h>
#include <string.h>

#include "reconcile_feestat.h"
#include "t.h"

#define MAXV 16
static const struct { int n; int64_t v[MAXV]; int64_t median, mad; } stats[] = {
    { 1, { 7 }, 7, 0 },
    { 3, { 3, 1, 2 }, 2, 1 },
    { 4, { 1, 2, 3, 4 }, 2, 1 },            /* 2 + (3 - 2) / 2, in integers */
    { 2, { -4, -2 }, -3, 1 },
    { 2, { -5, -2 }, -4, 1 },               /* -3.5 rounds down */
    { 5, { 1, 2, 3, 4, 100 }, 3, 1 },       /* the outlier moves neither */
    { 4, { 5, 5, 5, 100 }, 5, 0 },
    { 6, { -300, -300, -300, -300, -300, -600 }, -300, 0 },
};

static const struct { int64_t x, median, mad; int pct, want; } beyond[] = {
    { -331, -300, 0, 10, 1 },     /* 31 > 10 % of 300 */
    { -330, -300, 0, 10, 0 },     /* exactly 10 %: not beyond */
    { -270, -300, 0, 10, 0 },
    { -269, -300, 0, 10, 1 },
    { -344, -300, 10, 10, 0 },    /* 44 < 3 x 1.4826 x 10 = 44.478 */
    { -345, -300, 10, 10, 1 },
    { -345, -300, 10, 20, 0 },    /* the relative floor (60) wins */
    { 0, 0, 0, 10, 0 },
    { 1, 0, 0, 10, 1 },           /* a fee of nothing that suddenly is one */
};

static const struct {
    int n;
    int64_t v[MAXV];
    int32_t day[MAXV];            /* all zeros: day i + 1 */
    size_t nseg, starts[4];
} segs[] = {
    { 8, { 30, 30, 30, 30, 30, 30, 30, 30 }, { 0 }, 1, { 0 } },
    { 8, { 30, 30, 30, 30, 30, 40, 40, 40 }, { 0 }, 2, { 0, 5 } },
    { 7, { 30, 30, 30, 60, 30, 30, 30 }, { 0 }, 1, { 0 } },           /* an outlier */
    { 7, { 30, 30, 30, 30, 30, 30, 60 }, { 0 }, 1, { 0 } },           /* outlier last */
    { 8, { 30, 30, 30, 30, 30, 30, 60, 60 }, { 0 }, 1, { 0 } },       /* 2 are no level */
    { 12, { 30, 30, 30, 30, 30, 40, 40, 40, 30, 30, 30, 30 }, { 0 }, 3, { 0, 5, 8 } },
    { 7, { 30, 30, 30, 30, 40, 40, 40 }, { 1, 2, 3, 4, 4, 5, 6 }, 1, { 0 } },  /* same day */
    { 8, { 30, 30, 30, 30, 40, 41, 60, 40 }, { 0 }, 2, { 0, 4 } },   /* noisy new level */
    { 7, { 50, 50, 50, 50, 25, 25, 25 }, { 0 }, 2, { 0, 4 } },       /* a cut */
    { 10, { 100, 100, 100, 100, 100, 105, 105, 105, 105, 105 }, { 0 }, 1, { 0 } }, /* < pct */
    { 9, { 10, 10, 10, 20, 20, 20, 40, 40, 40 }, { 0 }, 3, { 0, 3, 6 } },  /* two steps */
    { 5, { 10, 10, 20, 20, 20 }, { 0 }, 1, { 0 } },                   /* 2 before: too few */
};

static const struct { int64_t a, b, d; int rc; int64_t want; } muldiv[] = {
    { 7, 1, 2, 0, 4 }, { -7, 1, 2, 0, -4 }, { 5, 1, 3, 0, 2 }, { 4, 1, 3, 0, 1 },
    { -300, 10000, 1, 0, -3000000 }, { -600, 1000000, 2000, 0, -300000 },
    { INT64_MAX, 2, 1, -1, 0 }, { 1, 1, 0, -1, 0 }, { 1, 1, -1, -1, 0 },
    { -142, 1000000, 949, 0, -149631 },   /* 14.9631 % */
};

int main(void)
{
    int64_t tmp[MAXV], v[MAXV];
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        struct feestat s;
        memcpy(v, stats[i].v, sizeof v);
        feestat_of(v, (size_t)stats[i].n, tmp, &s);
        CHECK(s.median == stats[i].median && s.mad == stats[i].mad,
              "stats case %zu: median %lld MAD %lld", i, (long long)s.median, (long long)s.mad);
        CHECK(memcmp(v, stats[i].v, sizeof v) == 0, "stats case %zu: input unchanged", i);
    }
    for (size_t i = 0; i < sizeof beyond / sizeof beyond[0]; i++) {
        struct feestat s = { beyond[i].median, beyond[i].mad };
        int got = feestat_beyond(beyond[i].x, &s, beyond[i].pct);
        CHECK(got == beyond[i].want, "beyond case %zu: %lld from %lld (MAD %lld, %d%%) -> %d",
              i, (long long)beyond[i].x, (long long)beyond[i].median,
              (long long)beyond[i].mad, beyond[i].pct, got);
    }
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
        size_t starts[MAXV], n = (size_t)segs[i].n, got = 0;
        int32_t day[MAXV];
        for (size_t k = 0; k < n; k++)
            day[k] = segs[i].day[0] ? segs[i].day[k] : (int32_t)k + 1;
        int same = feestat_segments(segs[i].v, day, n, 10, starts, &got) == 0 &&
                   got == segs[i].nseg;
        for (size_t k = 0; same && k < got; k++)
            same = starts[k] == segs[i].starts[k];
        CHECK(same, "segments case %zu: %zu segments, the second at %zu", i, got,
              got > 1 ? starts[1] : 0);
    }
    for (size_t i = 0; i < sizeof muldiv / sizeof muldiv[0]; i++) {
        int64_t got = 0;
        int rc = feestat_muldiv(muldiv[i].a, muldiv[i].b, muldiv[i].d, &got);
        CHECK(rc == muldiv[i].rc && (rc < 0 || got == muldiv[i].want),
              "muldiv case %zu: rc %d, %lld", i, rc, (long long)got);
    }
    return T_DONE();
}
