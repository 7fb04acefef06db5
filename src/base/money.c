/* money — parsing, formatting and summing of int64 minor units. Never uses floating point. */
#include "base.h"

#include <stdio.h>
#include <string.h>

/* ISO 4217 codes whose minor unit is not 2, plus the codes with 2 that settlebook accepts.
 * An unknown code is refused rather than guessed. */
static const struct { const char code[4]; int exp; } currencies[] = {
    { "AED", 2 }, { "ARS", 2 }, { "AUD", 2 }, { "BHD", 3 }, { "BRL", 2 }, { "CAD", 2 },
    { "CHF", 2 }, { "CLP", 0 }, { "CNY", 2 }, { "COP", 2 }, { "CZK", 2 }, { "DKK", 2 },
    { "EGP", 2 }, { "EUR", 2 }, { "GBP", 2 }, { "HKD", 2 }, { "HUF", 2 }, { "IDR", 2 },
    { "ILS", 2 }, { "INR", 2 }, { "IQD", 3 }, { "ISK", 0 }, { "JOD", 3 }, { "JPY", 0 },
    { "KRW", 0 }, { "KWD", 3 }, { "LYD", 3 }, { "MXN", 2 }, { "MYR", 2 }, { "NOK", 2 },
    { "NZD", 2 }, { "OMR", 3 }, { "PHP", 2 }, { "PLN", 2 }, { "QAR", 2 }, { "RON", 2 },
    { "SAR", 2 }, { "SEK", 2 }, { "SGD", 2 }, { "THB", 2 }, { "TND", 3 }, { "TRY", 2 },
    { "TWD", 2 }, { "UGX", 0 }, { "USD", 2 }, { "VND", 0 }, { "XAF", 0 }, { "XOF", 0 },
    { "ZAR", 2 },
};

int money_exponent(const char *currency)
{
    if (!currency || strlen(currency) != 3)
        return -1;
    for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++)
        if (memcmp(currencies[i].code, currency, 3) == 0)
            return currencies[i].exp;
    return -1;
}

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Why a plain amount did not parse. */
enum plain { PLAIN_OK, PLAIN_SYNTAX, PLAIN_DECIMALS, PLAIN_RANGE };

static enum plain parse_plain(const char *s, int exp, money_t *out)
{
    const char *p = s;
    int neg = 0, frac = 0, seen_dot = 0, ndigits = 0;
    uint64_t v = 0;
    const uint64_t limit = (uint64_t)INT64_MAX;

    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p; p++) {
        if (*p == '.' && !seen_dot) {
            seen_dot = 1;
            continue;
        }
        if (!digit(*p))
            return PLAIN_SYNTAX;
        if (seen_dot && ++frac > exp)
            return PLAIN_DECIMALS;
        if (v > (limit - (uint64_t)(*p - '0')) / 10)
            return PLAIN_RANGE;
        v = v * 10 + (uint64_t)(*p - '0');
        ndigits++;
    }
    if (ndigits == 0 || (seen_dot && frac == 0))
        return PLAIN_SYNTAX;
    for (; frac < exp; frac++) {
        if (v > limit / 10)
            return PLAIN_RANGE;
        v *= 10;
    }
    *out = neg ? -(money_t)v : (money_t)v;
    return PLAIN_OK;
}

int money_parse(const char *s, int exp, money_t *out, struct err *e)
{
    const char *p = s;
    switch (parse_plain(s, exp, out)) {
    case PLAIN_OK:
        return 0;
    case PLAIN_DECIMALS:
        return err_set(e, ERR_INPUT, "amount '%s' has more than %d decimals", s, exp);
    case PLAIN_RANGE:
        return err_set(e, ERR_INPUT, "amount '%s' is too large", s);
    default:
        for (p += *p == '-'; *p; p++)
            if (!digit(*p) && *p != '.')
                return err_set(e, ERR_INPUT, "amount '%s' is not a plain decimal number", s);
        return err_set(e, ERR_INPUT, "amount '%s' is not a number", s);
    }
}

/* Checks that grouping separators in the integer part [b, end) come every three digits. */
static int groups_ok(const char *b, const char *end, char group)
{
    const char *first = memchr(b, group, (size_t)(end - b));
    if (!first)
        return 1;
    if (first == b || first - b > 3)
        return 0;
    for (const char *p = first; p < end; p += 4) {
        if (*p != group || end - p < 4)
            return 0;
        for (int i = 1; i <= 3; i++)
            if (!digit(p[i]))
                return 0;
    }
    return 1;
}

int money_parse_locale(const char *s, char decimal, int exp, money_t *out, struct err *e)
{
    char buf[64];
    const char group = decimal == ',' ? '.' : ',';
    const char *b = s, *end, *dec;
    size_t n = 0;
    enum plain rc;

    while (*b == ' ' || *b == '\t')
        b++;
    end = b + strlen(b);
    while (end > b && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    if (end == b)
        return err_set(e, ERR_INPUT, "amount is empty");
    if ((size_t)(end - b) >= sizeof buf - 1)
        return err_set(e, ERR_INPUT, "amount '%.40s...' is too long", b);
    if (*b == '-' || *b == '+') {
        if (*b == '-')
            buf[n++] = '-';
        b++;
    }
    dec = memchr(b, decimal, (size_t)(end - b));
    if (!groups_ok(b, dec ? dec : end, group))
        return err_set(e, ERR_INPUT, "amount '%.*s' has misplaced separators", (int)(end - s), s);
    for (const char *p = b; p < end; p++) {
        if (*p == group && (!dec || p < dec))
            continue;
        buf[n++] = *p == decimal ? '.' : *p == '.' ? '?' : *p;
    }
    buf[n] = '\0';
    rc = parse_plain(buf, exp, out);
    if (rc == PLAIN_RANGE)
        return err_set(e, ERR_INPUT, "amount '%.*s' is too large: it does not fit in 64-bit "
                       "minor units", (int)(end - s), s);
    if (rc != PLAIN_OK)
        return err_set(e, ERR_INPUT, "amount '%.*s' is not a valid amount (%s decimals, '%c' "
                       "as decimal mark)", (int)(end - s), s, exp == 0 ? "no" :
                       exp == 1 ? "1" : exp == 2 ? "2" : "3", decimal);
    return 0;
}

char money_decimal_guess(const char *s, int exp)
{
    const char *dot = strrchr(s, '.'), *comma = strrchr(s, ',');
    const char *last;
    size_t digits = 0;
    if (!dot && !comma)
        return '.';
    if (dot && comma)
        return dot > comma ? '.' : ',';
    last = dot ? dot : comma;
    for (const char *p = last + 1; digit(*p); p++)
        digits++;
    if (digits == 3 && last[4] == '\0' && exp != 3)
        return *last == '.' ? ',' : '.';
    return *last;
}

char *money_format(char *buf, money_t v, int exp)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t scale = 1;
    for (int i = 0; i < exp; i++)
        scale *= 10;
    if (exp == 0)
        snprintf(buf, MONEY_FMT_MAX, "%s%llu", v < 0 ? "-" : "", (unsigned long long)u);
    else
        snprintf(buf, MONEY_FMT_MAX, "%s%llu.%0*llu", v < 0 ? "-" : "",
                 (unsigned long long)(u / scale), exp, (unsigned long long)(u % scale));
    return buf;
}

int money_add(money_t *acc, money_t v, struct err *e)
{
    if (__builtin_add_overflow(*acc, v, acc))
        return err_set(e, ERR_INPUT, "sum of amounts overflows 64-bit minor units");
    return 0;
}

int money_rate(money_t amount, int exp, money_t base, int base_exp, int64_t *out)
{
    int64_t num = amount, den = base;
    int shift;
    if (den <= 0 || num <= 0 || exp < 0 || base_exp < 0)
        return -1;
    /* rate = (amount / 10^exp) / (base / 10^base_exp), kept with 6 decimals */
    for (shift = 6 + base_exp - exp; shift > 0; shift--)
        if (__builtin_mul_overflow(num, (int64_t)10, &num))
            return -1;
    for (; shift < 0; shift++)
        if (__builtin_mul_overflow(den, (int64_t)10, &den))
            return -1;
    if (__builtin_mul_overflow(num, (int64_t)2, &num) || __builtin_add_overflow(num, den, &num))
        return -1;
    *out = num / (2 * den);
    return *out > 0 ? 0 : -1;
}

int money_inclusive_tax(money_t amount, int rate_bp, money_t *out)
{
    int64_t num, den = 10000 + rate_bp, mag;
    if (amount == INT64_MIN)
        return -1;   /* its magnitude has no int64 */
    mag = amount < 0 ? -amount : amount;
    if (__builtin_mul_overflow(mag, (int64_t)rate_bp, &num) ||
        __builtin_mul_overflow(num, (int64_t)2, &num) || __builtin_add_overflow(num, den, &num))
        return -1;
    *out = num / (2 * den);
    if (amount < 0)
        *out = -*out;
    return 0;
}
