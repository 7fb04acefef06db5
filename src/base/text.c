/* text — UTF-8 validation, Windows-1252 to UTF-8, trimming. */
#include "base.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void text_utf8_feed(struct text_utf8 *u, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n && !u->bad; i++) {
        unsigned char c;
        /* ASCII, the usual case, eight bytes at a time */
        while (!u->need && n - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i == n)
            break;
        c = p[i];
        if (u->need) {
            if (c < u->lo || c > u->hi)
                u->bad = 1;
            u->need--;
            u->lo = 0x80;
            u->hi = 0xBF;
        } else if (c >= 0xC2 && c <= 0xDF) {
            u->need = 1;
            u->lo = 0x80;
            u->hi = 0xBF;
        } else if (c >= 0xE0 && c <= 0xEF) {
            /* as RFC 3629: no overlong forms (E0 80..9F), no UTF-16 surrogates (ED A0..BF) */
            u->need = 2;
            u->lo = c == 0xE0 ? 0xA0 : 0x80;
            u->hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            /* no overlong forms (F0 80..8F), nothing past U+10FFFF (F4 90..BF) */
            u->need = 3;
            u->lo = c == 0xF0 ? 0x90 : 0x80;
            u->hi = c == 0xF4 ? 0x8F : 0xBF;
        } else if (c >= 0x80) {
            u->bad = 1;
        }
    }
}

int text_utf8_ok(const struct text_utf8 *u)
{
    return !u->bad && u->need == 0;
}

/* Code points of 0x80..0x9F in Windows-1252; 0 marks the five undefined bytes, which
 * become U+FFFD. */
static const unsigned short cp1252_hi[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
    0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

size_t text_cp1252_to_utf8(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)in[i];
        unsigned cp = c < 0x80 ? c : c < 0xA0 ? cp1252_hi[c - 0x80] : c;
        if (cp == 0 && c != 0)
            cp = 0xFFFD;
        if (o + 4 > cap)
            return (size_t)-1;
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = '\0';
    return o;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t text_trim(char *s, size_t n)
{
    size_t b = 0;
    while (n > 0 && is_ws(s[n - 1]))
        n--;
    while (b < n && is_ws(s[b]))
        b++;
    if (b)
        memmove(s, s + b, n - b);
    s[n - b] = '\0';
    return n - b;
}

int text_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        memcpy(dst, src, cap - 1);
        dst[cap - 1] = '\0';
        return 1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

size_t text_utf8_whole(const char *s)
{
    size_t n = strlen(s), i = n, back = 0;
    /* walk back over continuation bytes to the lead byte of the last character */
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0 || back == 4)
        return n;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    return want > back ? i - 1 : n;
}

void text_item_code(const char *sku, char out[TEXT_ITEM_CODE_MAX])
{
    char hex[HASH_HEX_LEN];
    size_t n = strlen(sku), keep = 21;
    if (n < TEXT_ITEM_CODE_MAX) {
        memcpy(out, sku, n + 1);
        return;
    }
    /* never cut a UTF-8 character in half */
    while (keep > 0 && ((unsigned char)sku[keep] & 0xC0) == 0x80)
        keep--;
    hash_hex(sku, n, hex);
    snprintf(out, TEXT_ITEM_CODE_MAX, "%.*s~%.8s", (int)keep, sku, hex);
}
