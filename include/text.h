/* text — byte-level helpers for what files really contain: UTF-8 checks, Windows-1252
 * conversion, trimming. */
#ifndef SETTLEBOOK_TEXT_H
#define SETTLEBOOK_TEXT_H

#include <stddef.h>

/* Streaming UTF-8 validator (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF, so whatever passes is text jansson and Xero accept); feed chunks in order.
 * State starts all 0. */
struct text_utf8 {
    int need;     /* continuation bytes still expected */
    int bad;      /* set once an invalid sequence is seen */
    int lo, hi;   /* the range the next continuation byte must fall in */
};
void text_utf8_feed(struct text_utf8 *u, const unsigned char *p, size_t n);
int text_utf8_ok(const struct text_utf8 *u); /* 1 when everything fed so far is valid */

/* Converts Windows-1252 bytes to UTF-8 into out (capacity cap, at most 3 bytes per input
 * byte plus NUL). Returns the output length, or (size_t)-1 when it would not fit. */
size_t text_cp1252_to_utf8(const char *in, size_t n, char *out, size_t cap);

/* Trims spaces, tabs, CR and LF at both ends in place; returns the new length. */
size_t text_trim(char *s, size_t n);

/* Length of s without a multi-byte UTF-8 sequence cut short at its end (what snprintf into a
 * fixed buffer leaves when it truncates in the middle of a character). */
size_t text_utf8_whole(const char *s);

/* strlcpy-like copy that always NUL-terminates; returns 1 when it had to truncate. */
int text_copy(char *dst, size_t cap, const char *src);

#endif
