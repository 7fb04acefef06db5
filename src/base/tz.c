/* tz — a small TZif (RFC 8536) reader: v2+ 64-bit transitions, then the footer's POSIX TZ
 * rule (Mm.w.d form) for instants after the last transition, as zic's slim files need. */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


struct rule {            /* a POSIX TZ rule: std offset, optional dst with Mm.w.d bounds */
    int32_t std_off, dst_off;
    int has_dst;
    int sm, sw, sd, st;  /* start month, week (1-5), weekday (0=Sun), seconds after 00:00 */
    int em, ew, ed, et;
};

struct tz {
    int utc;
    int32_t fixed;       /* fixed offset when n == 0 and !has_rule */
    int64_t *times;      /* transition instants */
    int32_t *offs;       /* offset in force from times[i] */
    size_t n;
    int32_t first_off;   /* before the first transition */
    int has_rule;
    struct rule rule;
};

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    if (bytes == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* At most max_digits digits into *v; NULL when there are more (a bad file, never a zone). */
static const char *digits(const char *p, int max_digits, int *v)
{
    int n = 0;
    *v = 0;
    while (*p >= '0' && *p <= '9') {
        if (++n > max_digits)
            return NULL;
        *v = *v * 10 + (*p++ - '0');
    }
    return p;
}

/* Parses "[+-]hh[:mm[:ss]]" as POSIX writes offsets (positive = west); hours up to 167
 * (RFC 8536's extension of POSIX). */
static const char *posix_time(const char *p, int32_t *out)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (*p < '0' || *p > '9' || !(p = digits(p, 3, &h)) || h > 167)
        return NULL;
    if (*p == ':') {
        if (!(p = digits(p + 1, 2, &m)) || m > 59)
            return NULL;
        if (*p == ':' && (!(p = digits(p + 1, 2, &s)) || s > 59))
            return NULL;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *posix_name(const char *p)
{
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        return *p ? p + 1 : NULL;
    }
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p;
}

static const char *posix_date(const char *p, int *mo, int *wk, int *wd, int *secs)
{
    int32_t t = 7200;
    if (*p++ != 'M' || !(p = digits(p, 2, mo)) || *p++ != '.' || !(p = digits(p, 1, wk)) ||
        *p++ != '.' || !(p = digits(p, 1, wd)) || *mo < 1 || *mo > 12 || *wk < 1 || *wk > 5 ||
        *wd > 6)
        return NULL;
    if (*p == '/' && !(p = posix_time(p + 1, &t)))
        return NULL;
    *secs = t;
    return p;
}

/* RFC 8536: a UT offset is in [-89999, 93599] seconds; anything else is a broken file. */
static int offset_ok(int64_t off)
{
    return off >= -89999 && off <= 93599;
}

static int parse_rule(const char *s, struct rule *r)
{
    const char *p = posix_name(s);
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!p || p == s || !(p = posix_time(p, &off)))
        return -1;
    r->std_off = -off;
    if (!offset_ok(r->std_off))
        return -1;
    if (!*p)
        return 0;
    const char *q = posix_name(p);
    if (!q || q == p)
        return -1;
    r->dst_off = r->std_off + 3600;
    if (*q && *q != ',') {
        if (!(q = posix_time(q, &off)))
            return -1;
        r->dst_off = -off;
    }
    if (*q++ != ',' || !(q = posix_date(q, &r->sm, &r->sw, &r->sd, &r->st)) || *q++ != ',' ||
        !(q = posix_date(q, &r->em, &r->ew, &r->ed, &r->et)))
        return -1;
    if (!offset_ok(r->dst_off))
        return -1;
    r->has_dst = 1;
    return 0;
}

/* Day number of the w-th weekday d (w = 5: last) of month m in year y. */
static int64_t nth_weekday(int y, int m, int w, int d)
{
    int64_t first = dates_days(y, m, 1);
    int wd_first = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
    int64_t day = first + (d - wd_first + 7) % 7 + (int64_t)(w - 1) * 7;
    int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    while (day >= dates_days(ny, nm, 1))
        day -= 7;
    return day;
}

static int32_t rule_offset(const struct rule *r, int64_t t)
{
    int y, m, d;
    if (!r->has_dst)
        return r->std_off;
    dates_civil((t + r->std_off) / 86400, &y, &m, &d);
    int64_t start = nth_weekday(y, r->sm, r->sw, r->sd) * 86400 + r->st - r->std_off;
    int64_t end = nth_weekday(y, r->em, r->ew, r->ed) * 86400 + r->et - r->dst_off;
    int in_dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return in_dst ? r->dst_off : r->std_off;
}

/* A TZif header count: unsigned 32-bit (RFC 8536), refused above a bound no real file
 * reaches, so the size arithmetic below cannot wrap. */
static int count(const unsigned char *p, size_t *out)
{
    uint64_t v = (uint64_t)(uint32_t)be(p, 4);
    if (v > 1000000)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int load_tzif(struct tz *z, const unsigned char *b, size_t n)
{
    size_t hdr = 44, skip, c[6];
    if (n < hdr || memcmp(b, "TZif", 4) != 0 || b[4] < '2')
        return -1;
    /* skip the v1 block: counts are isut, isstd, leap, time, type, char */
    for (int i = 0; i < 6; i++)
        if (count(b + 20 + 4 * i, &c[i]) < 0)
            return -1;
    skip = hdr + c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (n < skip + hdr || memcmp(b + skip, "TZif", 4) != 0)
        return -1;
    const unsigned char *h = b + skip, *p = h + hdr;
    for (int i = 0; i < 6; i++)
        if (count(h + 20 + 4 * i, &c[i]) < 0)
            return -1;
    size_t isut = c[0], isstd = c[1], leap = c[2], timecnt = c[3], typecnt = c[4],
           charcnt = c[5];
    size_t need = timecnt * 9 + typecnt * 6 + charcnt + leap * 12 + isstd + isut;
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || n < skip + hdr + need)
        return -1;
    const unsigned char *idx = p + timecnt * 8, *types = idx + timecnt;
    z->times = calloc(timecnt + 1, sizeof *z->times);
    z->offs = calloc(timecnt + 1, sizeof *z->offs);
    if (!z->times || !z->offs)
        return -1;
    for (size_t i = 0; i < timecnt; i++) {
        if (idx[i] >= typecnt)
            return -1;
        z->times[i] = be(p + i * 8, 8);
        z->offs[i] = (int32_t)be(types + idx[i] * 6, 4);
    }
    for (size_t i = 0; i < typecnt; i++)
        if (!offset_ok((int32_t)be(types + i * 6, 4)))
            return -1;
    z->n = timecnt;
    z->first_off = (int32_t)be(types, 4);
    const unsigned char *foot = h + hdr + need;
    if (foot < b + n && *foot == '\n') {
        char rule[128];
        size_t len = 0;
        for (foot++; foot < b + n && *foot != '\n' && len < sizeof rule - 1; foot++)
            rule[len++] = (char)*foot;
        rule[len] = '\0';
        if (len && parse_rule(rule, &z->rule) == 0)
            z->has_rule = 1;
    }
    return 0;
}

static int open_named(struct tz *z, const char *name, struct err *e)
{
    char path[512];
    const char *dir = getenv("TZDIR");
    unsigned char *buf;
    size_t n;
    FILE *f;
    if (strstr(name, "..") || name[0] == '/')
        return err_set(e, ERR_INPUT, "time zone '%s' is not a zone name", name);
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_INPUT, "time zone '%s' not found in %s (install tzdata, or use "
                       "UTC or an offset such as +10:00)", name, path);
    buf = malloc(1 << 20);
    n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    int rc = buf ? load_tzif(z, buf, n) : -1;
    free(buf);
    if (rc < 0)
        return err_set(e, ERR_INPUT, "time zone file %s is not a TZif file", path);
    return 0;
}

int tz_parse(struct tz **out, const unsigned char *b, size_t n, struct err *e)
{
    struct tz *z = calloc(1, sizeof *z);
    *out = NULL;
    if (!z)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (load_tzif(z, b, n) < 0) {
        tz_free(z);
        return err_set(e, ERR_INPUT, "not a TZif file (version 2 or later)");
    }
    *out = z;
    return 0;
}

int tz_open(struct tz **out, const char *name, struct err *e)
{
    struct tz *z = calloc(1, sizeof *z);
    int32_t off;
    const char *end;
    *out = NULL;
    if (!z)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (!name[0] || strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
        strcmp(name, "Z") == 0) {
        z->utc = 1;
    } else if (name[0] == '+' || name[0] == '-') {
        end = posix_time(name, &off);
        if (!end || *end || off > 14 * 3600 || off < -14 * 3600) {
            free(z);
            return err_set(e, ERR_INPUT, "time zone offset '%s' is not +HH:MM or -HH:MM", name);
        }
        z->fixed = off; /* ISO sign: east is positive */
    } else if (open_named(z, name, e) < 0) {
        tz_free(z);
        return -1;
    }
    *out = z;
    return 0;
}

void tz_free(struct tz *z)
{
    if (!z)
        return;
    free(z->times);
    free(z->offs);
    free(z);
}

int tz_is_utc(const struct tz *z)
{
    return z->utc || (!z->n && !z->has_rule && z->fixed == 0);
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
    size_t lo = 0, hi = z->n;
    if (z->utc)
        return 0;
    if (!z->n && !z->has_rule)
        return z->fixed;
    if (z->n == 0 || t < z->times[0])
        return z->has_rule && z->n == 0 ? rule_offset(&z->rule, t) : z->first_off;
    if (t >= z->times[z->n - 1] && z->has_rule)
        return rule_offset(&z->rule, t);
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (z->times[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->offs[lo];
}

void tz_local_date(const struct tz *z, const char *posted, const char *fallback, char out[11])
{
    int64_t t;
    int has_time, y, m, d;
    struct err e;
    if (!posted[0]) {
        snprintf(out, 11, "%.10s", fallback);
        return;
    }
    if (strlen(posted) == 10 || dates_parse(posted, &t, &has_time, &e) < 0 || !has_time) {
        snprintf(out, 11, "%.10s", posted);
        return;
    }
    t += tz_offset(z, t);
    dates_civil(t >= 0 ? t / 86400 : -((-t + 86399) / 86400), &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}
