/* delim — libcsv fed one physical line at a time so every record knows its line number;
 * limits on field, record and field count keep hostile files from exhausting memory. */
#include "base.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


struct reader {
    const char *path;
    const struct delim_opts *o;
    delim_row_fn fn;
    void *ctx;
    struct err *e;
    int failed;
    size_t line;        /* current physical line */
    size_t rec_line;    /* line where the current record began; 0 = none begun */
    size_t rec_bytes;   /* bytes fed since the record began */
    char *arena;        /* field bytes of the current record */
    size_t used, cap;
    size_t off[DELIM_FIELDS_MAX];
    size_t nf;
    char *ptrs[DELIM_FIELDS_MAX];
};

static int fail(struct reader *r, const char *fmt, const char *what)
{
    r->failed = 1;
    return err_set(r->e, ERR_INPUT, fmt, r->path, r->rec_line ? r->rec_line : r->line, what);
}

static int reserve(struct reader *r, size_t n)
{
    if (r->used + n <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 4096;
    while (cap < r->used + n)
        cap *= 2;
    char *p = realloc(r->arena, cap);
    if (!p)
        return -1;
    r->arena = p;
    r->cap = cap;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    struct reader *r = data;
    size_t need = r->o->cp1252 ? 3 * len + 4 : len + 1;
    if (r->failed)
        return;
    if (!r->rec_line)
        r->rec_line = r->line;
    if (len > DELIM_FIELD_MAX) {
        fail(r, memchr(s, '\n', len) ? "%s:%zu: a quoted field runs over several lines and "
             "past %s: a stray '\"' opens a value that never closes; remove it" :
             "%s:%zu: a field is longer than %s: this is not an Amazon report", "64 KiB");
        return;
    }
    /* Amazon's TSVs never hold a tab inside a value: one there means a stray '"' opened a
     * quoted value that swallowed the rows up to the next '"'. Refuse rather than lose them. */
    if (r->o->sep == '\t' && s && memchr(s, '\t', len)) {
        r->failed = 1;
        err_set(r->e, ERR_INPUT, "%s:%zu:%zu: a '\"' opens a quoted value that runs to line "
                "%zu and swallows tabs (whole rows): remove the stray '\"'", r->path,
                r->rec_line, r->nf + 1, r->line);
        return;
    }
    if (r->nf == DELIM_FIELDS_MAX) {
        fail(r, "%s:%zu: more than %s fields in one record", "256");
        return;
    }
    if (reserve(r, need) < 0) {
        r->failed = 1;
        err_set(r->e, ERR_NOMEM, "%s: out of memory", r->path);
        return;
    }
    char *dst = r->arena + r->used;
    size_t n;
    if (r->o->cp1252) {
        n = text_cp1252_to_utf8(s ? s : "", len, dst, need);
    } else {
        memcpy(dst, s ? s : "", len);
        dst[len] = '\0';
        n = len;
    }
    n = text_trim(dst, n);
    r->off[r->nf++] = r->used;
    r->used += n + 1;
}

static void on_record(int c, void *data)
{
    struct reader *r = data;
    struct delim_row row;
    int blank = 1;
    (void)c;
    if (r->failed)
        return;
    for (size_t i = 0; i < r->nf; i++) {
        r->ptrs[i] = r->arena + r->off[i];
        if (r->ptrs[i][0])
            blank = 0;
    }
    row.n = r->nf;
    row.f = r->ptrs;
    row.line = r->rec_line ? r->rec_line : r->line;
    progress_update((int64_t)row.line);
    if (!blank && r->fn(r->ctx, &row, r->e) < 0)
        r->failed = 1;
    r->nf = 0;
    r->used = 0;
    r->rec_line = 0;
    r->rec_bytes = 0;
}

static int only_space(unsigned char c)
{
    return c == ' ';
}

/* True when p[0..n-1] holds more than spaces and line ends (libcsv makes no record of it). */
static int has_content(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 1;
    return 0;
}

/* The fast path. libcsv walks every byte through its state machine; a whole line that
 * starts at a record boundary (libcsv's pstate 0, ROW_NOT_BEGUN) and holds no '"' and no CR
 * other than a final CRLF has nothing for that machine to decide: libcsv would hand over the
 * pieces between separators and end the record, and so does this, through the same
 * callbacks (on_field trims what libcsv would trim and more). Returns 0 when the line needs
 * libcsv. */
static int plain_line(struct reader *r, const struct csv_parser *p, const char *s, size_t n)
{
    const char *f = s, *stop;
    size_t end = n;
    if (p->pstate != 0 || n == 0 || s[n - 1] != '\n')
        return 0;
    end--;
    if (end > 0 && s[end - 1] == '\r')
        end--;
    if (memchr(s, '"', end) || memchr(s, '\r', end))
        return 0;
    stop = s + end;
    for (;;) {
        const char *t = memchr(f, r->o->sep, (size_t)(stop - f));
        on_field((char *)f, (size_t)((t ? t : stop) - f), r);
        if (!t)
            break;
        f = t + 1;
    }
    on_record('\n', r);
    return 1;
}

/* Feeds one chunk, splitting it at line ends so line numbers stay exact. */
static int feed(struct reader *r, struct csv_parser *p, const char *buf, size_t n)
{
    size_t i = 0;
    while (i < n && !r->failed) {
        const char *nl = memchr(buf + i, '\n', n - i);
        size_t seg = nl ? (size_t)(nl - (buf + i)) + 1 : n - i;
        if (!r->rec_line && has_content(buf + i, seg))
            r->rec_line = r->line;
        r->rec_bytes = r->rec_line ? r->rec_bytes + seg : 0; /* blank lines count for none */
        if (r->rec_bytes > DELIM_RECORD_MAX)
            return fail(r, r->rec_line && r->line > r->rec_line ?
                        "%s:%zu: a record runs over several lines and past %s: a stray '\"' "
                        "opens a value that never closes; remove it" :
                        "%s:%zu: a record is longer than %s: this is not an Amazon report",
                        "1 MiB");
        if (!plain_line(r, p, buf + i, seg) &&
            csv_parse(p, buf + i, seg, on_field, on_record, r) != seg && !r->failed)
            return fail(r, "%s:%zu: %s", csv_strerror(csv_error(p)));
        if (nl)
            r->line++;
        i += seg;
    }
    return r->failed ? -1 : 0;
}

int delim_read(const char *path, const struct delim_opts *o, delim_row_fn fn, void *ctx,
               struct err *e)
{
    struct reader r = { .path = path, .o = o, .fn = fn, .ctx = ctx, .e = e, .line = 1 };
    struct csv_parser p;
    char buf[65536];
    size_t n;
    int rc = -1, first = 1;
    FILE *f = fopen(path, "rb");

    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", path);
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return err_set(e, ERR_NOMEM, "%s: out of memory", path);
    }
    csv_set_delim(&p, (unsigned char)o->sep);
    csv_set_space_func(&p, only_space);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        size_t skip = 0;
        if (first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            skip = 3;
        first = 0;
        if (feed(&r, &p, buf + skip, n - skip) < 0)
            goto done;
    }
    if (ferror(f)) {
        err_set(e, ERR_IO, "%s: read error", path);
        goto done;
    }
    /* libcsv's own check (CSV_STRICT_FINI) needs CSV_STRICT, which would refuse the bare
     * '"' real files hold (12" ruler); its public state says the same: 2 is FIELD_BEGUN. */
    if (p.pstate == 2 && p.quoted && !r.failed) {
        err_set(e, ERR_INPUT, "%s:%zu: a '\"' opens a quoted value that never closes (the file "
                "ends inside it): remove the stray '\"'", path, r.rec_line ? r.rec_line : r.line);
        goto done;
    }
    csv_fini(&p, on_field, on_record, &r);
    rc = r.failed ? -1 : 0;
done:
    csv_free(&p);
    free(r.arena);
    fclose(f);
    return rc;
}

int delim_find(const struct delim_row *hdr, const char *name)
{
    for (size_t i = 0; i < hdr->n; i++) {
        const char *h = hdr->f[i];
        if (*h == '*')
            h++;
        while (*h == ' ')
            h++;
        if (strcasecmp(h, name) == 0)
            return (int)i;
    }
    return -1;
}

const char *delim_get(const struct delim_row *r, int i)
{
    return i >= 0 && (size_t)i < r->n ? r->f[i] : "";
}
