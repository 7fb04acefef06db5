/* jw — a JSON writer into a growable buffer, for request bodies whose money must be exact
 * decimals: amounts are written from int64 minor units with money_format, never via double.
 * Keys are written in the order given, so the same document gives the same bytes. */
#ifndef SETTLEBOOK_JW_H
#define SETTLEBOOK_JW_H

#include <stddef.h>
#include <stdint.h>

#include "money.h"

struct jw {
    char *buf;
    size_t len, cap;
    int depth;
    int indent;          /* 0: compact; n: pretty with n spaces */
    int base;            /* extra indentation levels (to nest a body inside a file) */
    int need_comma[64];
    int after_key;
    int oom;
};

void jw_init(struct jw *w, int indent);
void jw_free(struct jw *w);
void jw_obj(struct jw *w);       /* { */
void jw_arr(struct jw *w);       /* [ */
void jw_end_obj(struct jw *w);   /* } */
void jw_end_arr(struct jw *w);   /* ] */
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, int v);
void jw_money(struct jw *w, money_t v, int exp);   /* a JSON number: 12.34, -0.05 */
void jw_raw(struct jw *w, const char *json);       /* an already-encoded value */

/* Writes compact JSON text re-indented to w's style (whitespace only changes). */
void jw_pretty(struct jw *w, const char *compact_json);

/* Convenience: key + value. */
void jw_kstr(struct jw *w, const char *k, const char *s);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kmoney(struct jw *w, const char *k, money_t v, int exp);

/* The text so far (NUL-terminated), or NULL when memory ran out. Owned by w. */
const char *jw_text(const struct jw *w);

#endif
