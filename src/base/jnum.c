/* jnum — JSON text with every bare number turned into a string ("12.30" for 12.30), so a
 * JSON library that stores numbers as doubles never holds money: Xero's answers are read
 * through it and compared as exact decimals. Strings, keys and layout are left as they are. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

static int num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

char *jnum_quote(const char *in, size_t n, size_t *out_len)
{
    /* at most two quotes per number, and a number takes at least one character */
    char *out = malloc(n * 3 + 1);
    size_t o = 0;
    int in_str = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (in_str) {
            out[o++] = c;
            if (c == '\\' && i + 1 < n)
                out[o++] = in[++i];
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            out[o++] = c;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            out[o++] = '"';
            while (i < n && num_char(in[i]))
                out[o++] = in[i++];
            out[o++] = '"';
            i--;
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

/* Digits after the point kept by jnum_scaled: Xero's unit amounts have four. */
#define JNUM_DP 4

int jnum_scaled(const char *s, int64_t *out)
{
    int64_t v = 0;
    int neg = 0, dp = -1, digits = 0;
    if (*s == '-')
        neg = 1, s++;
    for (; *s; s++) {
        if (*s == '.' && dp < 0) {
            dp = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            return -1;
        if (dp >= 0 && ++dp > JNUM_DP) {
            if (*s != '0')
                return -1;        /* more precision than any Xero amount: not comparable */
            continue;
        }
        if (v > (INT64_MAX - (*s - '0')) / 10)
            return -1;
        v = v * 10 + (*s - '0');
        digits++;
    }
    if (!digits)
        return -1;
    for (int k = dp < 0 ? 0 : dp; k < JNUM_DP; k++) {
        if (v > INT64_MAX / 10)
            return -1;
        v *= 10;
    }
    *out = neg ? -v : v;
    return 0;
}
