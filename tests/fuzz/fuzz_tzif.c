/* fuzz_tzif — libFuzzer target for the TZif reader behind posting.timezone: any bytes either
 * are refused or give a zone whose offsets stay within a day of UTC at every probe time, and
 * whose local dates are real dates. A wrong offset would move lines into the wrong month. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_tzif: " __VA_ARGS__); \
    fputc('\n', stderr); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t probes[] = { INT64_MIN / 2, -2208988800, 0, 1727740800, 1759276799,
                                      4102444800, INT64_MAX / 2 };
    /* ledger timestamps, as ingest stores them (tz_local_date's contract) */
    static const char *const posted[] = { "2025-09-30T23:59:59Z", "2025-10-01T00:00:00Z",
                                          "2024-02-29T12:00:00Z", "1970-01-01T00:00Z", "" };
    struct tz *z;
    struct err e = {0};
    if (tz_parse(&z, data, size, &e) < 0)
        return 0;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        int32_t off = tz_offset(z, probes[i]);
        REQUIRE(off > -26 * 3600 && off < 26 * 3600, "offset %ld at %lld", (long)off,
                (long long)probes[i]);
    }
    for (size_t i = 0; i < sizeof posted / sizeof posted[0]; i++) {
        char out[11];
        int y, m, d;
        tz_local_date(z, posted[i], "2025-09-15", out);
        REQUIRE(strlen(out) == 10 && sscanf(out, "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 &&
                m <= 12 && d >= 1 && d <= 31, "local date '%s' of '%s'", out, posted[i]);
    }
    tz_free(z);
    return 0;
}
