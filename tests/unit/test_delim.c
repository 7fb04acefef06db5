/* test_delim — the delimited-text reader on files the test writes: quotes, doubled quotes,
 * line breaks inside quotes, CRLF, ragged rows, blanks, a BOM, Windows-1252, the limits on
 * field size, record size and field count, and the line numbers records and errors carry.
 * Every case runs plain and pipelined (a reader thread); big files, past many of the
 * pipeline's batches, must give the same records and errors both ways. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "t.h"
#include "tdir.h"

/* Each record is written as "LINE:f1|f2|...;" so one string holds the whole outcome. */
struct got {
    char text[4096];
    int stop_at;          /* the callback refuses the record of this line (0: never) */
};

static int on_row(void *ctx, const struct delim_row *r, struct err *e)
{
    struct got *g = ctx;
    size_t len = strlen(g->text);
    if (g->stop_at && (int)r->line == g->stop_at)
        return err_set(e, ERR_INPUT, "callback stops at line %zu", r->line);
    len += (size_t)snprintf(g->text + len, sizeof g->text - len, "%zu:", r->line);
    for (size_t i = 0; i < r->n && len < sizeof g->text; i++)
        len += (size_t)snprintf(g->text + len, sizeof g->text - len, "%s%.40s", i ? "|" : "",
                                r->f[i]);
    if (len < sizeof g->text)
        snprintf(g->text + len, sizeof g->text - len, ";");
    return 0;
}

static const struct {
    const char *name, *in;
    char sep;
    int cp1252, stop_at;
    int rc;
    const char *want;        /* records, or the expected error text when rc is -1 */
} cases[] = {
    { "tsv", "a\tb\tc\n1\t2\t3\n", '\t', 0, 0, 0, "1:a|b|c;2:1|2|3;" },
    { "crlf", "a\tb\r\n1\t2\r\n", '\t', 0, 0, 0, "1:a|b;2:1|2;" },
    { "no final newline", "a\tb\n1\t2", '\t', 0, 0, 0, "1:a|b;2:1|2;" },
    { "bom skipped", "\xEF\xBB\xBF" "a\tb\n", '\t', 0, 0, 0, "1:a|b;" },
    { "csv quotes", "a,\"b,c\",d\n", ',', 0, 0, 0, "1:a|b,c|d;" },
    { "doubled quotes", "\"say \"\"hi\"\"\",x\n", ',', 0, 0, 0, "1:say \"hi\"|x;" },
    { "quoted empty", "\"\",x\n", ',', 0, 0, 0, "1:|x;" },
    { "line break in quotes", "a,\"one\ntwo\",b\nc,d,e\n", ',', 0, 0, 0,
      "1:a|one\ntwo|b;3:c|d|e;" },
    { "crlf in quotes", "a,\"one\r\ntwo\",b\r\nc\r\n", ',', 0, 0, 0,
      "1:a|one\r\ntwo|b;3:c;" },
    { "two breaks in quotes", "h\n\"x\n\ny\",z\nlast\n", ',', 0, 0, 0,
      "1:h;2:x\n\ny|z;5:last;" },
    { "tsv quoted value", "a\t\"b c\"\n", '\t', 0, 0, 0, "1:a|b c;" },
    { "bare quote inside", "12\" ruler\tx\n", '\t', 0, 0, 0, "1:12\" ruler|x;" },
    { "ragged rows", "a\tb\tc\n1\n1\t2\t3\t4\n", '\t', 0, 0, 0, "1:a|b|c;2:1;3:1|2|3|4;" },
    { "trailing empty fields", "a\tb\t\t\n", '\t', 0, 0, 0, "1:a|b||;" },
    { "fields trimmed", "  a \t b  \n", '\t', 0, 0, 0, "1:a|b;" },
    { "blank lines skipped, counted", "a\n\n   \n\t\t\nb\n\n", '\t', 0, 0, 0, "1:a;5:b;" },
    { "leading blank lines", "\n\r\nx\n", '\t', 0, 0, 0, "3:x;" },
    { "only blanks", "\n\n", '\t', 0, 0, 0, "" },
    { "empty file", "", '\t', 0, 0, 0, "" },
    { "cp1252", "caf\xE9\t5\x80\n", '\t', 1, 0, 0, "1:caf\xC3\xA9|5\xE2\x82\xAC;" },
    { "utf-8 untouched", "caf\xC3\xA9\n", '\t', 0, 0, 0, "1:caf\xC3\xA9;" },
    { "callback stops", "a\nb\nc\n", '\t', 0, 2, -1, "callback stops at line 2" },
    { "tab swallowed by a quote", "a\tb\n\"x\ty\n1\t2\"\n", '\t', 0, 0, -1,
      ":2:1: a '\"' opens a quoted value that runs to line 3 and swallows tabs" },
    { "quote never closes", "a,b\n\"x,y\nz\n", ',', 0, 0, -1,
      ":2: a '\"' opens a quoted value that never closes" },
};

/* Generated inputs for the limits: n_fields fields of field_len bytes on line 2 (after a
 * header line), quoted over two lines when multiline is set. */
static const struct {
    const char *name;
    size_t field_len, n_fields;
    int multiline;
    int rc;
    const char *want;        /* the last record, or the expected error text */
} limits[] = {
    { "field of 64 KiB", 64 * 1024, 1, 0, 0, "3:end;" },
    { "field one byte longer", 64 * 1024 + 1, 1, 0, -1, ":2: a field is longer than 64 KiB" },
    { "quoted field over lines, too long", 64 * 1024 + 1, 1, 1, -1,
      ":2: a quoted field runs over several lines and past 64 KiB" },
    { "256 fields", 1, 256, 0, 0, "3:end;" },
    { "257 fields", 1, 257, 0, -1, ":2: more than 256 fields in one record" },
    { "15 fields of 64 KiB (under 1 MiB)", 64 * 1024, 15, 0, 0, "3:end;" },
    { "17 fields of 64 KiB (over 1 MiB)", 64 * 1024, 17, 0, -1,
      ":2: a record is longer than 1 MiB" },
    { "quoted record over lines, over 1 MiB", 64 * 1024 - 8, 17, 1, -1,
      ":2: a record runs over several lines and past 1 MiB" },
};

static char *make_limit(size_t i, size_t *len)
{
    size_t fl = limits[i].field_len, nf = limits[i].n_fields;
    size_t cap = 16 + nf * (fl + 4), n = 0;
    char *s = malloc(cap);
    n += (size_t)sprintf(s, "h\n");
    for (size_t f = 0; f < nf; f++) {
        if (f)
            s[n++] = '\t';
        if (limits[i].multiline)
            s[n++] = '"';
        memset(s + n, 'x', fl);
        if (limits[i].multiline)
            s[n + fl / 2] = '\n';
        n += fl;
        if (limits[i].multiline)
            s[n++] = '"';
    }
    n += (size_t)sprintf(s + n, "\nend\n");
    *len = n;
    return s;
}

/* Reads in; checks the records (all, or only the last ones when suffix is set) or the
 * error, which must name the file. */
static void run(const char *name, const char *in, size_t len, char sep, int cp1252, int stop_at,
                int want_rc, const char *want, int suffix, int pipelined)
{
    struct delim_opts o = { .sep = sep, .cp1252 = cp1252, .pipelined = pipelined };
    struct got g = { .stop_at = stop_at };
    struct err e = {0};
    char path[512];
    int rc;
    if (tdir_write("in.txt", in, len, path, sizeof path) < 0) {
        CHECK(0, "%s: cannot write the input", name);
        return;
    }
    rc = delim_read(path, &o, on_row, &g, &e);
    CHECK(rc == want_rc, "%s: rc %d, want %d (%s)", name, rc, want_rc, e.msg);
    if (want_rc == 0) {
        size_t gl = strlen(g.text), wl = strlen(want);
        int ok = suffix ? gl >= wl && strcmp(g.text + gl - wl, want) == 0
                        : strcmp(g.text, want) == 0;
        CHECK(ok, "%s: records\n[%.300s]\nwant%s\n[%s]", name, g.text,
              suffix ? " (at the end)" : "", want);
    }
    if (want_rc < 0 && !stop_at) {
        CHECK(strstr(e.msg, want) != NULL, "%s: error [%s] lacks [%s]", name, e.msg, want);
        CHECK(strncmp(e.msg, path, strlen(path)) == 0, "%s: error [%s] does not start with "
              "the file name", name, e.msg);
    }
    if (want_rc < 0 && stop_at) {
        CHECK(strcmp(e.msg, want) == 0, "%s: the callback's error [%s] is kept", name, e.msg);
        CHECK(strstr(g.text, "3:") == NULL, "%s: records after the refused one: %s", name,
              g.text);
    }
}

/* --- big files: plain and pipelined give the same records, in order, and the same errors --- */

/* All records folded into one FNV-1a digest (line, field count, field bytes). */
struct sum {
    uint64_t h;
    size_t records, last_line;
    size_t stop_at;       /* the callback refuses the record of this line (0: never) */
    int out_of_order;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211u;
    return h;
}

static int on_sum(void *ctx, const struct delim_row *r, struct err *e)
{
    struct sum *s = ctx;
    if (s->stop_at && r->line == s->stop_at)
        return err_set(e, ERR_INPUT, "callback stops at line %zu", r->line);
    if (r->line <= s->last_line)
        s->out_of_order = 1;
    s->h = fnv(s->h, &r->line, sizeof r->line);
    s->h = fnv(s->h, &r->n, sizeof r->n);
    for (size_t i = 0; i < r->n; i++)
        s->h = fnv(s->h, r->f[i], strlen(r->f[i]) + 1);
    s->records++;
    s->last_line = r->line;
    return 0;
}

/* How a generated record looks. */
enum { BIG_PLAIN, BIG_QUOTED_LINES, BIG_LONG, BIG_BLANK, BIG_CRLF, BIG_SWALLOW, BIG_TOO_LONG };

/* Record i of a big file: mostly plain; quoted values over two or three lines in runs around
 * every multiple of 2048 records (the pipeline's batch) and every 97th; a run of 60 KB
 * fields (batches handed over by size); blank lines; CRLF; and, when err_rec is set, a parse
 * error at record err_rec. */
static int big_kind(size_t i, size_t err_rec, int err_kind)
{
    if (err_rec && i == err_rec)
        return err_kind;
    if (i % 2048 >= 2040 || i % 2048 <= 8 || i % 97 == 0)
        return BIG_QUOTED_LINES;
    if (i >= 9000 && i < 9040)
        return BIG_LONG;
    if (i % 501 == 0)
        return BIG_BLANK;
    if (i % 1000 == 7)
        return BIG_CRLF;
    return BIG_PLAIN;
}

/* Writes n records to name; the line where record err_rec starts goes to *err_line. */
static int write_big(const char *name, size_t n, size_t err_rec, int err_kind, char *path,
                     size_t cap, size_t *err_line)
{
    FILE *f = fopen(tdir_path(path, cap, name), "wb");
    size_t line = 1;
    int ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        int k = i == 0 ? BIG_PLAIN : big_kind(i, err_rec, err_kind);
        if (i == err_rec && err_line)
            *err_line = line;
        switch (k) {
        case BIG_QUOTED_LINES:
            fprintf(f, "r%zu\t\"one\n%stwo \"\"x\"\"\"\t\xE9nd\n", i, i % 2 ? "\n" : "");
            line += i % 2 ? 3 : 2;
            break;
        case BIG_LONG:
            fprintf(f, "r%zu\t", i);
            for (size_t c = 0; c < 60000; c++)
                fputc('a' + (int)(c % 26), f);
            fputs("\tz\n", f);
            line++;
            break;
        case BIG_BLANK:
            fputs("\t \t\n", f);
            line++;
            break;
        case BIG_CRLF:
            fprintf(f, "r%zu\t  padded  \tx\r\n", i);
            line++;
            break;
        case BIG_SWALLOW:
            fprintf(f, "r%zu\t\"stray\tq\n", i);  /* closes nowhere near: swallows a tab */
            line++;
            break;
        case BIG_TOO_LONG:
            fprintf(f, "r%zu\t", i);
            for (size_t c = 0; c < DELIM_FIELD_MAX + 1; c++)
                fputc('b', f);
            fputs("\n", f);
            line++;
            break;
        default:
            fprintf(f, "r%zu\tvalue %zu\t%zu.%02zu\n", i, i * 7, i / 100, i % 100);
            line++;
        }
        ok = !ferror(f);
    }
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* Reads path plain and pipelined; both must agree on rc, error text and every record. */
static void compare(const char *name, const char *path, int cp1252, size_t stop_at,
                    int want_rc, const char *want, size_t want_records, size_t before_line)
{
    struct sum s[2];
    struct err e[2];
    int rc[2];
    for (int pl = 0; pl <= 1; pl++) {
        struct delim_opts o = { .sep = '\t', .cp1252 = cp1252, .pipelined = pl };
        memset(&s[pl], 0, sizeof s[pl]);
        memset(&e[pl], 0, sizeof e[pl]);
        s[pl].h = 14695981039346656037u;
        s[pl].stop_at = stop_at;
        rc[pl] = delim_read(path, &o, on_sum, &s[pl], &e[pl]);
        CHECK(rc[pl] == want_rc, "%s (%s): rc %d, want %d (%s)", name, pl ? "pipelined" :
              "plain", rc[pl], want_rc, e[pl].msg);
        CHECK(!s[pl].out_of_order, "%s (%s): records out of file order", name,
              pl ? "pipelined" : "plain");
        if (want_rc < 0)
            CHECK(strstr(e[pl].msg, want) != NULL, "%s (%s): error [%s] lacks [%s]", name,
                  pl ? "pipelined" : "plain", e[pl].msg, want);
        if (want_records)
            CHECK(s[pl].records == want_records, "%s (%s): %zu records, want %zu", name,
                  pl ? "pipelined" : "plain", s[pl].records, want_records);
        if (before_line)
            CHECK(s[pl].last_line < before_line && s[pl].last_line + 4 >= before_line,
                  "%s (%s): last record delivered at line %zu, the error at %zu", name,
                  pl ? "pipelined" : "plain", s[pl].last_line, before_line);
    }
    CHECK(s[0].h == s[1].h && s[0].records == s[1].records, "%s: pipelined records differ "
          "(%zu vs %zu)", name, s[1].records, s[0].records);
    CHECK(strcmp(e[0].msg, e[1].msg) == 0 && e[0].code == e[1].code, "%s: errors differ: "
          "[%s] vs [%s]", name, e[1].msg, e[0].msg);
}

static void check_big(void)
{
    char path[512], want[128];
    size_t n = 20000, blanks = 0, err_line = 0;
    for (size_t i = 1; i < n; i++)
        blanks += big_kind(i, 0, 0) == BIG_BLANK;
    if (write_big("big.tsv", n, 0, 0, path, sizeof path, NULL) < 0) {
        CHECK(0, "cannot write big.tsv");
        return;
    }
    compare("big file", path, 0, 0, 0, "", n - blanks, 0);
    compare("big file, cp1252", path, 1, 0, 0, "", n - blanks, 0);
    /* the same file again, to learn where records 10001 and the last one start */
    for (size_t k = 0; k < 2; k++) {
        size_t rec = k ? n - 1 : 10001;
        if (write_big("stop.tsv", n, rec, big_kind(rec, 0, 0), path, sizeof path,
                      &err_line) < 0) {
            CHECK(0, "cannot write stop.tsv");
            return;
        }
        snprintf(want, sizeof want, "callback stops at line %zu", err_line);
        compare(k ? "callback stops on the last record" : "callback stops mid-file", path, 0,
                err_line, -1, want, 0, err_line);
    }
    if (write_big("swallow.tsv", n, 15000, BIG_SWALLOW, path, sizeof path, &err_line) < 0) {
        CHECK(0, "cannot write swallow.tsv");
        return;
    }
    snprintf(want, sizeof want, ":%zu:2: a '\"' opens a quoted value that runs to line ",
             err_line);
    compare("tab swallowed mid-file", path, 0, 0, -1, want, 0, err_line);
    if (write_big("long.tsv", n, 12345, BIG_TOO_LONG, path, sizeof path, &err_line) < 0) {
        CHECK(0, "cannot write long.tsv");
        return;
    }
    snprintf(want, sizeof want, ":%zu: a field is longer than 64 KiB", err_line);
    compare("field too long mid-file", path, 0, 0, -1, want, 0, err_line);
}

/* delim_find and delim_get on a header and a short row. */
static void check_find_get(void)
{
    char *hdr[] = { "*Date", " Amount", "payee", "Description" }, *row[] = { "1", "2" };
    struct delim_row h = { .n = 4, .f = hdr, .line = 1 }, r = { .n = 2, .f = row, .line = 2 };
    static const struct { const char *name; int want; } find[] = {
        { "Date", 0 }, { "date", 0 }, { "Amount", 1 }, { "Payee", 2 }, { "description", 3 },
        { "Reference", -1 }, { "*Date", -1 }, { "", -1 },
    };
    for (size_t i = 0; i < sizeof find / sizeof find[0]; i++)
        CHECK(delim_find(&h, find[i].name) == find[i].want, "delim_find(%s) = %d, want %d",
              find[i].name, delim_find(&h, find[i].name), find[i].want);
    CHECK(strcmp(delim_get(&r, 0), "1") == 0 && strcmp(delim_get(&r, 1), "2") == 0,
          "delim_get inside the row");
    CHECK(strcmp(delim_get(&r, 2), "") == 0 && strcmp(delim_get(&r, 3), "") == 0 &&
          strcmp(delim_get(&r, -1), "") == 0, "delim_get past the row's end gives \"\"");
}

int main(void)
{
    struct delim_opts o = { .sep = '\t' };
    struct got g = {0};
    struct err e = {0};
    char path[512];
    if (tdir_make("delim") < 0) {
        CHECK(0, "mkdtemp failed");
        return T_DONE();
    }
    for (int pl = 0; pl <= 1; pl++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            run(cases[i].name, cases[i].in, strlen(cases[i].in), cases[i].sep,
                cases[i].cp1252, cases[i].stop_at, cases[i].rc, cases[i].want, 0, pl);
        for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
            size_t len;
            char *in = make_limit(i, &len);
            run(limits[i].name, in, len, '\t', 0, 0, limits[i].rc, limits[i].want, 1, pl);
            free(in);
        }
        o.pipelined = pl;
        CHECK(delim_read(tdir_path(path, sizeof path, "missing.tsv"), &o, on_row, &g, &e) == -1
              && strstr(e.msg, "cannot open") != NULL, "a missing file: %s", e.msg);
    }
    check_big();
    check_find_get();
    tdir_remove();
    return T_DONE();
}
