/* dates — civil-date arithmetic (Howard Hinnant's algorithms) and tolerant parsing of the
 * timestamp layouts seen in real settlement files. Never calls mktime, localtime or strptime. */
#include "base.h"

#include <stdio.h>
#include <string.h>

int64_t dates_days(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void dates_civil(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Reads exactly n digits at *p into *v and advances; 0 when they are not all digits. */
static int num(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return 1;
}

static int valid_ymd(int y, int m, int d)
{
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Zone abbreviations US files use besides UTC; offsets in minutes east of UTC. */
static int zone_abbrev(const char *z, int *off_min)
{
    static const struct { const char *name; int off; } zones[] = {
        { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "PST", -480 }, { "PDT", -420 },
        { "MST", -420 }, { "MDT", -360 }, { "CST", -360 }, { "CDT", -300 },
        { "EST", -300 }, { "EDT", -240 }, { "BST", 60 }, { "CET", 60 }, { "CEST", 120 },
        { "JST", 540 },
    };
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strcmp(z, zones[i].name) == 0) {
            *off_min = zones[i].off;
            return 1;
        }
    return 0;
}

/* Parses the part after the time: "", " UTC", "Z", "+02:00", "-0700", ".058Z". */
static int parse_zone(const char *p, int *off_min)
{
    int hh, mm;
    if (*p == '.') /* fractional seconds are dropped: settlement times are whole seconds */
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    while (*p == ' ')
        p++;
    if (*p == '\0') {
        *off_min = 0;
        return 1;
    }
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        if (!num(&p, 2, &hh))
            return 0;
        if (*p == ':')
            p++;
        if (!num(&p, 2, &mm) || *p != '\0' || hh > 14 || mm > 59)
            return 0;
        *off_min = sign * (hh * 60 + mm);
        return 1;
    }
    return zone_abbrev(p, off_min);
}

int dates_parse(const char *s, int64_t *out, int *has_time, struct err *e)
{
    const char *p = s;
    int y, m, d, hh = 0, mi = 0, ss = 0, off = 0;

    while (*p == ' ')
        p++;
    if (num(&p, 4, &y) && *p == '-') {
        p++;
        if (!num(&p, 2, &m) || *p++ != '-' || !num(&p, 2, &d))
            goto bad;
    } else {
        p = s;
        while (*p == ' ')
            p++;
        if (!num(&p, 2, &d) || *p++ != '.' || !num(&p, 2, &m) || *p++ != '.' || !num(&p, 4, &y))
            goto bad;
    }
    if (!valid_ymd(y, m, d))
        goto bad;
    *has_time = 0;
    if (*p == 'T' || (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
        p++;
        if (!num(&p, 2, &hh) || *p++ != ':' || !num(&p, 2, &mi))
            goto bad;
        if (*p == ':') {
            p++;
            if (!num(&p, 2, &ss))
                goto bad;
        }
        if (hh > 23 || mi > 59 || ss > 60)
            goto bad;
        *has_time = 1;
    }
    {
        /* trailing spaces after a bare date are fine; a zone needs a time */
        const char *q = p;
        while (*q == ' ')
            q++;
        if (!*has_time && *q != '\0' && strcmp(q, "UTC") != 0)
            goto bad;
    }
    if (!parse_zone(p, &off))
        goto bad;
    *out = dates_days(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss - (int64_t)off * 60;
    return 0;
bad:
    return err_set(e, ERR_INPUT, "date '%.40s' is not a date Amazon writes (expected e.g. "
                   "'2024-10-09 14:28:38 UTC', '13.09.2024 08:59:52 UTC' or "
                   "'2024-10-09T14:28:38+00:00')", s);
}

int dates_parse_order(const char *s, const char *order, int64_t *out, struct err *e)
{
    int v[3], y, m, d, len[3];
    const char *p = s;
    while (*p == ' ')
        p++;
    for (int i = 0; i < 3; i++) {
        int x = 0, n = 0;
        while (*p >= '0' && *p <= '9' && n < 5) {
            x = x * 10 + (*p++ - '0');
            n++;
        }
        if (n == 0 || (i < 2 && *p != '/' && *p != '-' && *p != '.'))
            goto bad;
        if (i < 2)
            p++;
        v[i] = x;
        len[i] = n;
    }
    while (*p == ' ')
        p++;
    if (*p != '\0')
        goto bad;
    if (strcmp(order, "ymd") == 0) {
        y = v[0]; m = v[1]; d = v[2];
        if (len[0] != 4)
            goto bad;
    } else if (strcmp(order, "mdy") == 0) {
        m = v[0]; d = v[1]; y = v[2];
    } else {
        d = v[0]; m = v[1]; y = v[2];
    }
    if (strcmp(order, "ymd") != 0 && len[2] == 2)
        y += 2000;
    else if (strcmp(order, "ymd") != 0 && len[2] != 4)
        goto bad;
    if (!valid_ymd(y, m, d))
        goto bad;
    *out = dates_days(y, m, d) * 86400;
    return 0;
bad:
    return err_set(e, ERR_INPUT, "date '%.40s' does not match the configured order '%s'", s,
                   order);
}

/* Writes v as n decimal digits at p (0 <= v < 10^n). */
static char *digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

char *dates_iso(char *buf, int64_t t, int has_time)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int y, m, d;
    dates_civil(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) { /* by hand: this runs once per settlement line */
        char *p = digits(buf, y, 4);
        *p++ = '-';
        p = digits(p, m, 2);
        *p++ = '-';
        p = digits(p, d, 2);
        if (has_time) {
            *p++ = 'T';
            p = digits(p, (int)(secs / 3600), 2);
            *p++ = ':';
            p = digits(p, (int)(secs / 60 % 60), 2);
            *p++ = ':';
            p = digits(p, (int)(secs % 60), 2);
            *p++ = 'Z';
        }
        *p = '\0';
        return buf;
    }
    if (has_time)
        snprintf(buf, DATES_ISO_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    else
        snprintf(buf, DATES_ISO_MAX, "%04d-%02d-%02d", y, m, d);
    return buf;
}
