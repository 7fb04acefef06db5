/* test_dates — every timestamp layout of the real settlement files, and bad ones. */
#include <string.h>

#include "base.h"
#include "t.h"

static const struct { const char *in; int rc; const char *want; } cases[] = {
    { "2024-10-09 14:28:38 UTC", 0, "2024-10-09T14:28:38Z" },
    { "13.09.2024 08:59:52 UTC", 0, "2024-09-13T08:59:52Z" },
    { "13.09.2024", 0, "2024-09-13" },
    { "2024-10-09", 0, "2024-10-09" },
    { "2025-08-14T22:07:18+00:00", 0, "2025-08-14T22:07:18Z" },
    { "2025-08-14T22:07:18+02:00", 0, "2025-08-14T20:07:18Z" },
    { "2025-08-14T22:07:18-07:00", 0, "2025-08-15T05:07:18Z" },
    { "2019-05-07T15:42:57.058Z", 0, "2019-05-07T15:42:57Z" },
    { "2024-10-09 14:28:38 PDT", 0, "2024-10-09T21:28:38Z" },
    { "2024-02-29 00:00:00 UTC", 0, "2024-02-29T00:00:00Z" },
    { "2023-12-31T23:59:59Z", 0, "2023-12-31T23:59:59Z" },
    { "2023-02-29", -1, "" }, { "2024-13-01", -1, "" }, { "32.01.2024", -1, "" },
    { "2024-10-09 25:00:00 UTC", -1, "" }, { "", -1, "" }, { "yesterday", -1, "" },
    { "2024-10-09 14:28:38 XYZ", -1, "" }, { "2024-10-09T14:28:38+99:00", -1, "" },
    { "09/10/2024", -1, "" },
};

static const struct { const char *in, *order; int rc; const char *want; } bank[] = {
    { "31/01/2025", "dmy", 0, "2025-01-31" }, { "01/31/2025", "mdy", 0, "2025-01-31" },
    { "2025-01-31", "ymd", 0, "2025-01-31" }, { "31/01/25", "dmy", 0, "2025-01-31" },
    { "31/01/2025", "mdy", -1, "" }, { "1/2/2025", "dmy", 0, "2025-02-01" },
    { "31-01-2025 x", "dmy", -1, "" },
};

int main(void)
{
    char buf[DATES_ISO_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct err e = {0};
        int64_t t = 0;
        int has_time = 0;
        int rc = dates_parse(cases[i].in, &t, &has_time, &e);
        CHECK(rc == cases[i].rc && (rc < 0 || strcmp(dates_iso(buf, t, has_time),
                                                     cases[i].want) == 0),
              "dates_parse(\"%s\"): rc=%d got=%s (%s)", cases[i].in, rc, rc ? "" : buf, e.msg);
    }
    for (size_t i = 0; i < sizeof bank / sizeof bank[0]; i++) {
        struct err e = {0};
        int64_t t = 0;
        int rc = dates_parse_order(bank[i].in, bank[i].order, &t, &e);
        CHECK(rc == bank[i].rc && (rc < 0 || strcmp(dates_iso(buf, t, 0), bank[i].want) == 0),
              "dates_parse_order(\"%s\", %s): rc=%d (%s)", bank[i].in, bank[i].order, rc, e.msg);
    }
    {
        int64_t bad_day = 0;
        for (int64_t d = -800000; d <= 800000 && !bad_day; d++) {
            int y, m, dd;
            dates_civil(d, &y, &m, &dd);
            if (dates_days(y, m, dd) != d)
                bad_day = d;
        }
        CHECK(bad_day == 0, "civil/days round trip breaks at day %lld", (long long)bad_day);
    }
    return T_DONE();
}
