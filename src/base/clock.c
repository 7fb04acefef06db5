/* clock — wall clock, monotonic clock and sleep. No other module calls time(),
 * clock_gettime() or nanosleep(). */
#include "base.h"

#include <errno.h>
#include <time.h>

int64_t clock_now_s(void)
{
    return (int64_t)time(NULL);
}

int64_t clock_mono_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_sleep_ms(int64_t ms)
{
    struct timespec ts, rem;
    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
        ts = rem;
}
