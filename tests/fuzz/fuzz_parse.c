/* fuzz_parse — libFuzzer target for the leaf parsers: money_parse, money_parse_locale,
 * dates_parse, dates_parse_order, the settlement decimal-mark guess, UTF-8 validation (it must
 * agree with jansson's), Windows-1252 conversion and trimming. Round trips must hold: what
 * parses formats back to text that parses to the same value. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_parse: " __VA_ARGS__); \
    fputc('\n', stderr); abort(); } } while (0)

static void money(const char *s, int exp)
{
    struct err e = {0};
    char buf[MONEY_FMT_MAX];
    money_t v, w;
    if (money_parse(s, exp, &v, &e) == 0) {
        money_format(buf, v, exp);
        REQUIRE(money_parse(buf, exp, &w, &e) == 0 && w == v, "money_parse('%s', %d) = %lld "
                "does not round-trip through '%s'", s, exp, (long long)v, buf);
    }
    for (int d = 0; d < 2; d++) {
        char decimal = d ? ',' : '.';
        if (money_parse_locale(s, decimal, exp, &v, &e) == 0) {
            money_format(buf, v, exp);
            REQUIRE(money_parse(buf, exp, &w, &e) == 0 && w == v, "money_parse_locale('%s', "
                    "'%c', %d) = %lld does not round-trip through '%s'", s, decimal, exp,
                    (long long)v, buf);
        }
    }
    (void)settle_decimal_of(s, exp);
}

static void dates(const char *s)
{
    struct err e = {0};
    char buf[DATES_ISO_MAX];
    int64_t t, u;
    int has_time, has_time2;
    static const char *const orders[] = { "dmy", "mdy", "ymd" };
    if (dates_parse(s, &t, &has_time, &e) == 0) {
        dates_iso(buf, t, has_time);
        REQUIRE(dates_parse(buf, &u, &has_time2, &e) == 0 && has_time2 == has_time &&
                u == t,
                "dates_parse('%s') = %lld does not round-trip through '%s'", s, (long long)t,
                buf);
    }
    for (int i = 0; i < 3; i++)
        if (dates_parse_order(s, orders[i], &t, &e) == 0)
            dates_iso(buf, t, 0);
}

static void text(const char *s, size_t n)
{
    char out[3 * 256 + 4], copy[257];
    struct text_utf8 u = {0}, v = {0};
    json_t *j = json_stringn(s, n);
    /* what the ingest validator calls UTF-8 is exactly what jansson (Xero's JSON) accepts */
    text_utf8_feed(&v, (const unsigned char *)s, n);
    REQUIRE(text_utf8_ok(&v) == (j != NULL), "text_utf8 says %d, jansson says %d",
            text_utf8_ok(&v), j != NULL);
    json_decref(j);
    size_t m = text_cp1252_to_utf8(s, n, out, sizeof out);
    REQUIRE(m != (size_t)-1, "cp1252 output did not fit");
    text_utf8_feed(&u, (const unsigned char *)out, m);
    REQUIRE(text_utf8_ok(&u), "cp1252 conversion made invalid UTF-8");
    memcpy(copy, s, n);
    copy[n] = '\0';
    m = text_trim(copy, strlen(copy));
    REQUIRE(m == strlen(copy), "text_trim length");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[257];
    if (size == 0 || size > 256)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    money(s, data[0] & 3);
    dates(s);
    text(s, size - 1);
    return 0;
}
