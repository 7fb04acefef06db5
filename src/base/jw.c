/* jw — minimal streaming JSON writer: proper string escaping, exact money numbers, optional
 * pretty printing with a base indent so a request body can sit inside the preview file. */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_init(struct jw *w, int indent)
{
    memset(w, 0, sizeof *w);
    w->indent = indent;
}

void jw_free(struct jw *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

static void put(struct jw *w, const char *s, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *b = realloc(w->buf, cap);
        if (!b) {
            w->oom = 1;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void puts_(struct jw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void newline(struct jw *w)
{
    if (!w->indent)
        return;
    put(w, "\n", 1);
    for (int i = 0; i < (w->depth + w->base) * w->indent; i++)
        put(w, " ", 1);
}

/* Comma and line break before a value or key, unless right after a key. */
static void before_value(struct jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->need_comma[w->depth])
            put(w, ",", 1);
        newline(w);
    }
    w->need_comma[w->depth] = 1;
}

static void open_(struct jw *w, const char *c)
{
    before_value(w);
    puts_(w, c);
    if (w->depth < 63)
        w->depth++;
    w->need_comma[w->depth] = 0;
}

static void close_(struct jw *w, const char *c)
{
    int had = w->need_comma[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (had)
        newline(w);
    puts_(w, c);
}

void jw_obj(struct jw *w) { open_(w, "{"); }
void jw_arr(struct jw *w) { open_(w, "["); }
void jw_end_obj(struct jw *w) { close_(w, "}"); }
void jw_end_arr(struct jw *w) { close_(w, "]"); }

static void escaped(struct jw *w, const char *s)
{
    put(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char u[8];
        switch (*p) {
        case '"': puts_(w, "\\\""); break;
        case '\\': puts_(w, "\\\\"); break;
        case '\n': puts_(w, "\\n"); break;
        case '\r': puts_(w, "\\r"); break;
        case '\t': puts_(w, "\\t"); break;
        default:
            if (*p < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", *p);
                puts_(w, u);
            } else {
                put(w, (const char *)p, 1);
            }
        }
    }
    put(w, "\"", 1);
}

void jw_key(struct jw *w, const char *k)
{
    before_value(w);
    escaped(w, k);
    puts_(w, w->indent ? ": " : ":");
    w->after_key = 1;
}

void jw_str(struct jw *w, const char *s)
{
    before_value(w);
    escaped(w, s ? s : "");
}

void jw_int(struct jw *w, int64_t v)
{
    char b[32];
    before_value(w);
    snprintf(b, sizeof b, "%lld", (long long)v);
    puts_(w, b);
}

void jw_bool(struct jw *w, int v)
{
    before_value(w);
    puts_(w, v ? "true" : "false");
}

void jw_money(struct jw *w, money_t v, int exp)
{
    char b[MONEY_FMT_MAX];
    before_value(w);
    puts_(w, money_format(b, v, exp));
}

void jw_raw(struct jw *w, const char *json)
{
    before_value(w);
    puts_(w, json);
}

void jw_kstr(struct jw *w, const char *k, const char *s)
{
    jw_key(w, k);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *k, int64_t v)
{
    jw_key(w, k);
    jw_int(w, v);
}

void jw_kmoney(struct jw *w, const char *k, money_t v, int exp)
{
    jw_key(w, k);
    jw_money(w, v, exp);
}

const char *jw_text(const struct jw *w)
{
    return w->oom ? NULL : w->buf ? w->buf : "";
}

/* Re-indents compact JSON text token by token, so the preview shows a body readably while
 * its numbers stay exactly the bytes that are sent (nothing is parsed into a double). */
void jw_pretty(struct jw *w, const char *json)
{
    int in_str = 0, esc = 0, depth = w->depth + w->base;
    const char *p = json;
    before_value(w);
    if (!w->indent) {
        puts_(w, json);
        return;
    }
    for (; *p; p++) {
        char c = *p;
        if (in_str) {
            put(w, p, 1);
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
            put(w, p, 1);
        } else if (c == '{' || c == '[') {
            put(w, p, 1);
            if (p[1] == '}' || p[1] == ']') {
                put(w, p + 1, 1);
                p++;
                continue;
            }
            depth++;
            put(w, "\n", 1);
            for (int i = 0; i < depth * w->indent; i++)
                put(w, " ", 1);
        } else if (c == '}' || c == ']') {
            depth--;
            put(w, "\n", 1);
            for (int i = 0; i < depth * w->indent; i++)
                put(w, " ", 1);
            put(w, p, 1);
        } else if (c == ',') {
            put(w, ",\n", 2);
            for (int i = 0; i < depth * w->indent; i++)
                put(w, " ", 1);
        } else if (c == ':') {
            put(w, ": ", 2);
        } else {
            put(w, p, 1);
        }
    }
}
