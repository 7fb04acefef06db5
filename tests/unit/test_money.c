/* test_money — money_parse, money_parse_locale, money_format, money_exponent, money_add,
 * money_inclusive_tax. */
#include <stdint.h>
#include <string.h>

#include "ingest_int.h"
#include "base.h"
#include "t.h"

static const struct { const char *in; int exp; int rc; money_t want; } plain[] = {
    { "12.34", 2, 0, 1234 }, { "-0.05", 2, 0, -5 }, { "7", 2, 0, 700 }, { "7.5", 2, 0, 750 },
    { "12.345", 2, -1, 0 }, { "1e3", 2, -1, 0 }, { "", 2, -1, 0 }, { "1,234.50", 2, -1, 0 },
    { "92233720368547758.08", 2, -1, 0 }, { "92233720368547758.07", 2, 0, INT64_MAX },
    { "-", 2, -1, 0 }, { ".5", 2, 0, 50 }, { "5.", 2, -1, 0 }, { "1234", 0, 0, 1234 },
    { "12.3", 0, -1, 0 }, { "1.234", 3, 0, 1234 }, { "--1", 2, -1, 0 }, { " 1", 2, -1, 0 },
    { "9223372036854775807", 0, 0, INT64_MAX }, { "9223372036854775808", 0, -1, 0 },
};

static const struct { const char *in; char dec; int exp; int rc; money_t want; } loc[] = {
    { "128,84", ',', 2, 0, 12884 }, { "-1,50", ',', 2, 0, -150 },
    { "1.234,56", ',', 2, 0, 123456 }, { "29.99    ", '.', 2, 0, 2999 },
    { "  -3.22", '.', 2, 0, -322 }, { "1,234.56", '.', 2, 0, 123456 },
    { "1.234.567,00", ',', 2, 0, 123456700 }, { "12.34,5", ',', 2, -1, 0 },
    { "1,23,456.00", '.', 2, -1, 0 }, { "+5", '.', 2, 0, 500 }, { "", '.', 2, -1, 0 },
    { "   ", '.', 2, -1, 0 }, { "1.234", ',', 0, 0, 1234 }, { "12,5", ',', 2, 0, 1250 },
    { "abc", '.', 2, -1, 0 }, { "1.2.3", '.', 2, -1, 0 },
};

/* money_decimal_guess must agree with the settlement readers' settle_decimal_of. */
static const struct { const char *in; int exp; char want; } guess[] = {
    { "12.34", 2, '.' }, { "12,34", 2, ',' }, { "1.234,56", 2, ',' }, { "1,234.56", 2, '.' },
    { "1,234", 2, '.' }, { "1.234", 2, ',' }, { "1.234", 3, '.' }, { "1,234", 3, ',' },
    { "-1,50", 2, ',' }, { "7", 2, '.' }, { "", 2, '.' }, { "1.234.567", 2, ',' },
    { "19,99", 2, ',' }, { "0,5", 2, ',' }, { "1,2345", 2, ',' },
};

static const struct { money_t v; int exp; const char *want; } fmt[] = {
    { 1234, 2, "12.34" }, { -5, 2, "-0.05" }, { 0, 2, "0.00" }, { 7, 0, "7" },
    { -1234, 3, "-1.234" }, { INT64_MIN, 2, "-92233720368547758.08" },
    { INT64_MAX, 2, "92233720368547758.07" },
};

int main(void)
{
    char buf[MONEY_FMT_MAX];
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        struct err e = {0};
        money_t got = 0;
        int rc = money_parse(plain[i].in, plain[i].exp, &got, &e);
        CHECK(rc == plain[i].rc && (rc < 0 || got == plain[i].want),
              "money_parse(\"%s\", %d): rc=%d got=%lld (%s)", plain[i].in, plain[i].exp, rc,
              (long long)got, e.msg);
    }
    for (size_t i = 0; i < sizeof loc / sizeof loc[0]; i++) {
        struct err e = {0};
        money_t got = 0;
        int rc = money_parse_locale(loc[i].in, loc[i].dec, loc[i].exp, &got, &e);
        CHECK(rc == loc[i].rc && (rc < 0 || got == loc[i].want),
              "money_parse_locale(\"%s\", '%c'): rc=%d got=%lld (%s)", loc[i].in, loc[i].dec, rc,
              (long long)got, e.msg);
    }
    for (size_t i = 0; i < sizeof guess / sizeof guess[0]; i++) {
        char got = money_decimal_guess(guess[i].in, guess[i].exp);
        CHECK(got == guess[i].want && got == settle_decimal_of(guess[i].in, guess[i].exp),
              "money_decimal_guess(\"%s\", %d) = '%c', settle_decimal_of '%c', want '%c'",
              guess[i].in, guess[i].exp, got, settle_decimal_of(guess[i].in, guess[i].exp),
              guess[i].want);
    }
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++)
        CHECK(strcmp(money_format(buf, fmt[i].v, fmt[i].exp), fmt[i].want) == 0,
              "money_format(%lld, %d) = %s", (long long)fmt[i].v, fmt[i].exp, buf);
    CHECK(money_exponent("USD") == 2 && money_exponent("JPY") == 0 &&
          money_exponent("KWD") == 3 && money_exponent("XYZ") == -1 &&
          money_exponent("usd") == -1 && money_exponent("") == -1, "money_exponent");
    {
        struct err e = {0};
        money_t acc = INT64_MAX - 1;
        CHECK(money_add(&acc, 1, &e) == 0 && acc == INT64_MAX, "money_add to max");
        CHECK(money_add(&acc, 1, &e) == -1, "money_add overflow detected");
    }
    {
        /* Xero's VAT on tax-inclusive lines: 84.97 at 20% is 14.16 (14.161..), 24.99 is
         * 4.165 -> 4.17 (half away from zero), both signs; 5.5% on 10.55 is 0.55 (0.5500) */
        static const struct { money_t amount; int bp; money_t want; } vat[] = {
            { 8497, 2000, 1416 }, { 2499, 2000, 417 }, { -2499, 2000, -417 },
            { 1000, 2000, 167 }, { 1055, 550, 55 }, { 0, 2000, 0 }, { 3, 2000, 1 },
        };
        money_t out;
        for (size_t i = 0; i < sizeof vat / sizeof vat[0]; i++)
            CHECK(money_inclusive_tax(vat[i].amount, vat[i].bp, &out) == 0 && out == vat[i].want,
                  "money_inclusive_tax(%lld, %d) = %lld, want %lld", (long long)vat[i].amount,
                  vat[i].bp, (long long)out, (long long)vat[i].want);
        CHECK(money_inclusive_tax(INT64_MAX, 2000, &out) == -1 &&
              money_inclusive_tax(INT64_MIN, 2000, &out) == -1, "money_inclusive_tax overflow");
    }
    return T_DONE();
}
