/* test_text — UTF-8 validation (RFC 3629), Windows-1252 to UTF-8, trimming. */
#include <string.h>

#include "t.h"
#include "base.h"

static const struct { const char *in; size_t n; int ok; } utf8[] = {
    { "plain ASCII", 11, 1 },
    { "caf\xC3\xA9", 5, 1 },                          /* é */
    { "\xE2\x82\xAC 5", 5, 1 },                       /* € */
    { "\xF0\x9F\x93\xA6", 4, 1 },                     /* U+1F4E6 */
    { "\xF4\x8F\xBF\xBF", 4, 1 },                     /* U+10FFFF, the last code point */
    { "\xED\x9F\xBF", 3, 1 },                         /* U+D7FF, just below the surrogates */
    { "\xEE\x80\x80", 3, 1 },                         /* U+E000, just above them */
    { "caf\xE9", 4, 0 },                              /* Windows-1252 é */
    { "\x80", 1, 0 },                                 /* Windows-1252 € */
    { "\xC3", 1, 0 },                                 /* truncated */
    { "\xC0\xAF", 2, 0 },                             /* overlong '/' */
    { "\xC1\xBF", 2, 0 },                             /* overlong */
    { "\xE0\x80\xAF", 3, 0 },                         /* overlong '/' in three bytes */
    { "\xE0\x9F\xBF", 3, 0 },                         /* overlong U+07FF */
    { "\xED\xA0\x80", 3, 0 },                         /* U+D800, a surrogate */
    { "\xED\xBF\xBF", 3, 0 },                         /* U+DFFF */
    { "\xF0\x80\x80\xAF", 4, 0 },                     /* overlong in four bytes */
    { "\xF0\x8F\xBF\xBF", 4, 0 },                     /* overlong U+FFFF */
    { "\xF4\x90\x80\x80", 4, 0 },                     /* U+110000 */
    { "\xF5\x80\x80\x80", 4, 0 },
    { "\xFF", 1, 0 },
    { "\xE2\x82", 2, 0 },                             /* truncated € */
    { "abcdefgh\xE2\x82\xACijklmnop", 19, 1 },        /* the 8-byte ASCII fast path, then € */
    { "abcdefghijklmno\xED\xA0\x80", 18, 0 },         /* fast path, then a surrogate */
};

static const struct { const char *in; const char *want; } cp1252[] = {
    { "caf\xE9", "caf\xC3\xA9" },
    { "5\x80", "5\xE2\x82\xAC" },
    { "\x81", "\xEF\xBF\xBD" },                       /* undefined byte: U+FFFD */
    { "\x9F", "\xC5\xB8" },                           /* Ÿ */
    { "\xFF", "\xC3\xBF" },                           /* ÿ */
    { "plain", "plain" },
};

static const struct { const char *in; const char *want; } trim[] = {
    { "  29.99    ", "29.99" }, { "\t\r\nx\r\n", "x" }, { "", "" }, { "   ", "" },
    { "a b", "a b" },
};

int main(void)
{
    for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++) {
        struct text_utf8 u = {0}, v = {0};
        text_utf8_feed(&u, (const unsigned char *)utf8[i].in, utf8[i].n);
        CHECK(text_utf8_ok(&u) == utf8[i].ok, "utf8 case %zu: got %d want %d", i,
              text_utf8_ok(&u), utf8[i].ok);
        /* the same bytes fed one at a time (chunk boundaries inside a sequence) */
        for (size_t j = 0; j < utf8[i].n; j++)
            text_utf8_feed(&v, (const unsigned char *)utf8[i].in + j, 1);
        CHECK(text_utf8_ok(&v) == utf8[i].ok, "utf8 case %zu byte by byte: got %d want %d", i,
              text_utf8_ok(&v), utf8[i].ok);
    }
    for (size_t i = 0; i < sizeof cp1252 / sizeof cp1252[0]; i++) {
        char out[64];
        struct text_utf8 u = {0};
        size_t n = text_cp1252_to_utf8(cp1252[i].in, strlen(cp1252[i].in), out, sizeof out);
        CHECK(n == strlen(cp1252[i].want) && strcmp(out, cp1252[i].want) == 0,
              "cp1252 case %zu: got '%s'", i, out);
        text_utf8_feed(&u, (const unsigned char *)out, n);
        CHECK(text_utf8_ok(&u), "cp1252 case %zu: output is not valid UTF-8", i);
    }
    {
        char out[4];
        CHECK(text_cp1252_to_utf8("\xE9\xE9", 2, out, sizeof out) == (size_t)-1,
              "cp1252: output that does not fit is refused");
    }
    for (size_t i = 0; i < sizeof trim / sizeof trim[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", trim[i].in);
        size_t n = text_trim(buf, strlen(buf));
        CHECK(n == strlen(trim[i].want) && strcmp(buf, trim[i].want) == 0,
              "trim case %zu: got '%s'", i, buf);
    }
    {
        static const struct { const char *in; size_t want; } whole[] = {
            { "", 0 }, { "abc", 3 }, { "caf\xC3\xA9", 5 }, { "caf\xC3", 3 },
            { "\xE2\x82\xAC", 3 }, { "x\xE2\x82", 1 }, { "x\xE2", 1 },
            { "\xF0\x9F\x98\x80", 4 }, { "ab\xF0\x9F\x98", 2 },
        };
        for (size_t k = 0; k < sizeof whole / sizeof whole[0]; k++)
            CHECK(text_utf8_whole(whole[k].in) == whole[k].want, "text_utf8_whole case %zu: %zu",
                  k, text_utf8_whole(whole[k].in));
    }
    return T_DONE();
}
