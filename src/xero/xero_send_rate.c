/* xero_send_rate — Xero's limits on the client side: a sliding window of calls_per_minute
 * call starts per 60 s, Retry-After and X-MinLimit-Remaining, and exponential backoff with
 * jitter. Pure arithmetic on times the caller passes: it never reads the clock or sleeps. */
#include "xero_send_int.h"

#include <stdlib.h>
#include <string.h>

void xrate_init(struct xrate *r, int calls_per_minute, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    r->limit = calls_per_minute < 1 ? 1 : calls_per_minute > XRATE_SLOTS ? XRATE_SLOTS
                                                                         : calls_per_minute;
    r->prng = seed ? seed : 0x9e3779b97f4a7c15ull;
    r->window_ms = XRATE_WINDOW_MS;
}

/* The oldest call start still in the ring (valid when n > 0). */
static int64_t oldest(const struct xrate *r)
{
    return r->start[(r->head + XRATE_SLOTS - r->n) % XRATE_SLOTS];
}

int64_t xrate_wait_ms(const struct xrate *r, int64_t now)
{
    int64_t wait = r->not_before > now ? r->not_before - now : 0;
    if (r->n >= r->limit) {
        int64_t free_at = oldest(r) + r->window_ms + XRATE_MARGIN_MS;
        if (free_at - now > wait)
            wait = free_at - now;
    }
    return wait;
}

void xrate_note_call(struct xrate *r, int64_t now)
{
    r->start[r->head] = now;
    r->head = (r->head + 1) % XRATE_SLOTS;
    if (r->n < r->limit)
        r->n++;
}

int64_t xrate_note_answer(struct xrate *r, int64_t now, const char *retry_after,
                          const char *min_remaining)
{
    int64_t ra = 0;
    if (retry_after && retry_after[0]) {
        char *end;
        long v = strtol(retry_after, &end, 10);
        ra = (end != retry_after && *end == '\0' && v >= 0) ? v : 60;
        if (ra < 1)
            ra = 1;
        if (now + ra * 1000 > r->not_before)
            r->not_before = now + ra * 1000;
    }
    if (min_remaining && strcmp(min_remaining, "0") == 0) {
        /* Xero counts this minute as used up: it allows no more than the calls we made in
         * the last window (fewer than we thought, when another client shares the limit), so
         * the window shrinks to them and the next call waits until the oldest leaves it; a
         * whole window when we have no record of any */
        int in_window = 0;
        for (int i = 1; i <= r->n; i++)
            if (r->start[(r->head + XRATE_SLOTS - i) % XRATE_SLOTS] >
                now - r->window_ms)
                in_window++;
        if (in_window > 0) {
            r->limit = in_window < r->limit ? in_window : r->limit;
            r->n = in_window;
        }
        int64_t until = (in_window > 0 ? oldest(r) : now) + r->window_ms + XRATE_MARGIN_MS;
        if (until > r->not_before)
            r->not_before = until;
    }
    return ra;
}

/* xorshift64*: a deterministic PRNG seeded per run */
static uint64_t next(struct xrate *r)
{
    r->prng ^= r->prng >> 12;
    r->prng ^= r->prng << 25;
    r->prng ^= r->prng >> 27;
    return r->prng * 0x2545f4914f6cdd1dull;
}

int64_t xrate_backoff_ms(struct xrate *r, int attempt)
{
    int64_t d = XRATE_BACKOFF_BASE_MS;
    for (int i = 1; i < attempt && d < XRATE_BACKOFF_CAP_MS; i++)
        d *= 2;
    if (d > XRATE_BACKOFF_CAP_MS)
        d = XRATE_BACKOFF_CAP_MS;
    /* "equal jitter": half fixed, half random, so retries spread but never collapse to 0 */
    return d / 2 + (int64_t)(next(r) % (uint64_t)(d / 2 + 1));
}
