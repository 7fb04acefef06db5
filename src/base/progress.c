/* progress — one line on stderr saying how far a long stage is (stage, done of total, percent),
 * redrawn in place. Drawn only when stderr is a terminal and --quiet is off, so files, pipes
 * and every test that captures stderr see nothing of it. Never writes to stdout and never
 * changes what a command does: it only reads the monotonic clock to limit redraws. */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRESS_REDRAW_MS 100 /* at most ten redraws a second */
#define PROGRESS_STAGE_MAX 96  /* characters of the stage name shown */

static struct {
    int on;          /* a line is being shown */
    int drawn;       /* something is on the terminal line now */
    char stage[PROGRESS_STAGE_MAX + 1];
    char unit[16];
    int64_t done, total, last_ms;
} p;

int progress_enabled(void)
{
    const char *force = getenv("SETTLEBOOK_PROGRESS");
    if (log_level() < LOG_NORMAL)
        return 0;
    if (force && strcmp(force, "always") == 0)
        return 1;
    if (force && strcmp(force, "never") == 0)
        return 0;
    return isatty(STDERR_FILENO);
}

static void draw(void)
{
    if (p.total > 0) {
        int64_t d = p.done < p.total ? p.done : p.total;
        fprintf(stderr, "\rsettlebook: %s: %lld of %lld %s (%d%%)\033[K", p.stage,
                (long long)d, (long long)p.total, p.unit, (int)(d * 100 / p.total));
    } else {
        fprintf(stderr, "\rsettlebook: %s: %lld %s\033[K", p.stage, (long long)p.done, p.unit);
    }
    fflush(stderr);
    p.drawn = 1;
    p.last_ms = clock_mono_ms();
}

void progress_begin_at(const char *stage, int64_t done, int64_t total, const char *unit)
{
    if (!progress_enabled()) {
        p.on = 0;
        return;
    }
    p.on = 1;
    text_copy(p.stage, sizeof p.stage, stage);
    text_copy(p.unit, sizeof p.unit, unit);
    p.total = total > 0 ? total : 0;
    p.done = done;
    draw();
}

void progress_begin(const char *stage, int64_t total, const char *unit)
{
    progress_begin_at(stage, 0, total, unit);
}

void progress_update(int64_t done)
{
    if (!p.on)
        return;
    p.done = done;
    /* the clock is read once in 256 calls: stages call this once per line */
    if ((done & 0xff) == 0 && clock_mono_ms() - p.last_ms >= PROGRESS_REDRAW_MS)
        draw();
}

void progress_clear(void)
{
    if (!p.drawn)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p.drawn = 0;
}

void progress_cancel(void)
{
    progress_clear();
    p.on = 0;
}

void progress_end(void)
{
    if (!p.on)
        return;
    if (p.total > 0)
        p.done = p.total;
    draw();
    progress_clear();
    p.on = 0;
}
