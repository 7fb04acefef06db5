/* log — leveled messages on stderr; stdout is kept for results (tables, --json). */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>

static int level = LOG_NORMAL;
static int json_mode;

void log_set_json(int on)
{
    json_mode = on;
}

FILE *log_report_file(void)
{
    progress_clear();
    return json_mode ? stderr : stdout;
}

void log_set_level(int l)
{
    level = l;
}

int log_level(void)
{
    return level;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
    progress_clear(); /* a progress line is redrawn by its next update */
    fputs(prefix, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    if (level < LOG_NORMAL)
        return;
    va_start(ap, fmt);
    emit("settlebook: ", fmt, ap);
    va_end(ap);
}

void log_verbose(const char *fmt, ...)
{
    va_list ap;
    if (level < LOG_VERBOSE)
        return;
    va_start(ap, fmt);
    emit("settlebook: ", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("settlebook: error: ", fmt, ap);
    va_end(ap);
}
