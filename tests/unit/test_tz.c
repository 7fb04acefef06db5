/* test_tz — offsets for UTC, fixed offsets and IANA zones across DST changes. */
#include <string.h>

#include "base.h"
#include "t.h"

static int64_t at(int y, int m, int d, int hh, int mm)
{
    return dates_days(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

int main(void)
{
    static const struct { const char *zone; int y, m, d, hh, mm; int32_t want; } cases[] = {
        { "UTC", 2025, 9, 30, 23, 0, 0 },
        { "+10:00", 2025, 9, 30, 15, 0, 36000 },
        { "-05:30", 2025, 1, 1, 0, 0, -19800 },
        { "America/Los_Angeles", 2025, 1, 15, 12, 0, -8 * 3600 },
        { "America/Los_Angeles", 2025, 7, 15, 12, 0, -7 * 3600 },
        { "America/Los_Angeles", 2031, 7, 15, 12, 0, -7 * 3600 },   /* footer rule */
        { "America/Los_Angeles", 2025, 3, 9, 9, 59, -8 * 3600 },   /* 01:59 PST */
        { "America/Los_Angeles", 2025, 3, 9, 10, 0, -7 * 3600 },   /* 03:00 PDT */
        { "Europe/Berlin", 2025, 10, 26, 0, 59, 2 * 3600 },
        { "Europe/Berlin", 2025, 10, 26, 1, 0, 1 * 3600 },
        { "Australia/Sydney", 2025, 1, 15, 0, 0, 11 * 3600 },
        { "Australia/Sydney", 2025, 7, 15, 0, 0, 10 * 3600 },
        { "Asia/Kolkata", 2025, 7, 15, 0, 0, 19800 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tz *z;
        struct err e = {0};
        int rc = tz_open(&z, cases[i].zone, &e);
        CHECK(rc == 0, "tz_open(%s): %s", cases[i].zone, e.msg);
        if (rc < 0)
            continue;
        int32_t got = tz_offset(z, at(cases[i].y, cases[i].m, cases[i].d, cases[i].hh,
                                      cases[i].mm));
        CHECK(got == cases[i].want, "%s %04d-%02d-%02d %02d:%02d: offset %d want %d",
              cases[i].zone, cases[i].y, cases[i].m, cases[i].d, cases[i].hh, cases[i].mm,
              (int)got, (int)cases[i].want);
        tz_free(z);
    }
    {
        struct tz *z = NULL;
        struct err e = {0};
        CHECK(tz_open(&z, "Mars/Olympus", &e) == -1 && strstr(e.msg, "not found"),
              "unknown zone refused: %s", e.msg);
        CHECK(tz_open(&z, "../../etc/passwd", &e) == -1, "path traversal refused");
        CHECK(tz_open(&z, "+25:00", &e) == -1, "silly offset refused");
    }
    return T_DONE();
}
