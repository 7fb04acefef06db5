/* spapi_rate — SP-API usage plans: each operation is a token bucket whose rate Amazon states
 * in x-amzn-RateLimit-Limit (requests per second) and whose burst is the documented one;
 * backoff with jitter for retries. Integer arithmetic only; the jitter never shapes output. */
#include "spapi_int.h"

#include <string.h>
#include <unistd.h>

#include "base.h"

#define MICRO 1000000

/* Documented bursts (Reports 2021-06-30, Orders v0, Finances v0 listFinancialEvents,
 * Finances 2024-06-19 listTransactions). */
static const int64_t bursts[SPAPI_OP_COUNT] = {
    [SPAPI_OP_REPORTS] = 10, [SPAPI_OP_DOCUMENT] = 15, [SPAPI_OP_ORDERS] = 20,
    [SPAPI_OP_ORDER_ITEMS] = 30, [SPAPI_OP_CREATE_REPORT] = 15, [SPAPI_OP_GET_REPORT] = 15,
    [SPAPI_OP_FINANCES] = 30, [SPAPI_OP_TRANSACTIONS] = 10,
};

void spapi_rate_init(struct spapi *sp)
{
    for (int i = 0; i < SPAPI_OP_COUNT; i++) {
        struct spapi_bucket *b = &sp->bucket[i];
        memset(b, 0, sizeof *b);
        b->burst_micro = bursts[i] * MICRO;
        b->tokens_micro = b->burst_micro;
    }
    sp->rng = ((uint64_t)clock_mono_ms() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid()) | 1;
}

int64_t spapi_rate_parse(const char *s)
{
    int64_t v = 0, scale = MICRO;
    int digits = 0, dot = 0;
    for (; *s == ' '; s++)
        ;
    for (; *s; s++) {
        if (*s == '.' && !dot) {
            dot = 1;
        } else if (*s >= '0' && *s <= '9') {
            if (!dot && v > 1000000 * (int64_t)MICRO)
                return -1;
            if (dot && scale == 1)
                continue;   /* digits beyond a millionth change nothing */
            if (dot)
                scale /= 10;
            v = dot ? v + (*s - '0') * scale : v * 10 + (int64_t)(*s - '0') * MICRO;
            digits++;
        } else if (*s == ' ') {
            break;
        } else {
            return -1;
        }
    }
    return digits && v > 0 ? v : -1;
}

void spapi_rate_update(struct spapi *sp, int op, const char *limit)
{
    int64_t r;
    if (!limit || !*limit || (r = spapi_rate_parse(limit)) < 0)
        return;
    sp->bucket[op].rate_micro = r;
}

int64_t spapi_rate_interval_ms(const struct spapi *sp, int op)
{
    int64_t r = sp->bucket[op].rate_micro;
    if (r <= 0)
        return 0;
    int64_t ms = ((int64_t)1000 * MICRO + r - 1) / r;
    return ms > SPAPI_WAIT_MAX_MS ? SPAPI_WAIT_MAX_MS : ms;
}

static void refill(struct spapi_bucket *b, int64_t now)
{
    if (b->last_ms && b->rate_micro > 0 && now > b->last_ms) {
        int64_t add = (now - b->last_ms) * b->rate_micro / 1000;
        b->tokens_micro = b->tokens_micro + add > b->burst_micro ? b->burst_micro
                                                                 : b->tokens_micro + add;
    }
    b->last_ms = now;
}

void spapi_rate_wait(struct spapi *sp, int op)
{
    struct spapi_bucket *b = &sp->bucket[op];
    refill(b, clock_mono_ms());
    if (b->tokens_micro < MICRO && b->rate_micro > 0) {
        int64_t ms = ((MICRO - b->tokens_micro) * 1000 + b->rate_micro - 1) / b->rate_micro;
        clock_sleep_ms(ms > SPAPI_WAIT_MAX_MS ? SPAPI_WAIT_MAX_MS : ms);
        refill(b, clock_mono_ms());
        if (b->tokens_micro < MICRO)
            b->tokens_micro = MICRO;   /* waited the longest we allow */
    }
    b->tokens_micro = b->tokens_micro >= MICRO ? b->tokens_micro - MICRO : 0;
}

int64_t spapi_backoff_ms(struct spapi *sp, int attempt)
{
    int64_t d = SPAPI_BACKOFF_BASE_MS;
    for (int i = 0; i < attempt && d < SPAPI_BACKOFF_CAP_MS; i++)
        d *= 2;
    if (d > SPAPI_BACKOFF_CAP_MS)
        d = SPAPI_BACKOFF_CAP_MS;
    /* xorshift64: a delay between half and all of d */
    sp->rng ^= sp->rng << 13;
    sp->rng ^= sp->rng >> 7;
    sp->rng ^= sp->rng << 17;
    return d / 2 + (int64_t)(sp->rng % (uint64_t)(d / 2 + 1));
}
