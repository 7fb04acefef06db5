/* err — formatting of the single error channel. */
#include "base.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, int code, const char *fmt, ...)
{
    va_list ap;
    if (!e)
        return -1;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int err_prefix(struct err *e, const char *fmt, ...)
{
    char head[256], old[sizeof e->msg];
    va_list ap;
    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s%s", head, old);
    return -1;
}

int err_exit_code(const struct err *e)
{
    switch (e->code) {
    case ERR_INPUT: return 2;
    case ERR_NET: return 3;
    default: return 4;
    }
}
