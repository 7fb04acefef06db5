/* delim — libcsv fed one physical line at a time so every record knows its line number;
 * limits on field, record and field count keep hostile files from exhausting memory.
 * Pipelined (opts->pipelined), a reader thread parses into a small ring of batches while the
 * calling thread runs the callback on them in file order. */
#include "base.h"

#include <csv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* Pipelined: records per batch, and the field bytes after which a batch is handed over
 * early (long records); PIPE_BATCHES batches in all, so memory stays flat at any size. */
#define PIPE_RECORDS 2048
#define PIPE_BYTES   (512 * 1024)
#define PIPE_BATCHES 3

struct pipe_rec {
    size_t line;
    uint32_t first, nf; /* its fields: batch off[first .. first + nf - 1], then ptr[] */
    int blank;          /* only empty fields: counted for progress, not handed to fn */
};

/* Records the reader thread parsed, with their field bytes, handed over whole. */
struct batch {
    char *arena;
    size_t cap;
    uint32_t *off;      /* while filling: the arena may move */
    char **ptr;         /* off made pointers at the handover, so the caller only reads */
    size_t noff, offcap, ptrcap;
    struct pipe_rec *rec;
    size_t nrec, reccap;
};

/* The ring between the reader thread (fills) and the calling thread (runs fn). */
struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t ready;   /* a batch was handed over, or the reader finished */
    pthread_cond_t freed;   /* a batch was given back, or the caller stopped */
    struct batch b[PIPE_BATCHES];
    size_t head;            /* next batch the caller takes */
    size_t nfull;           /* batches handed over and not yet given back */
    size_t fill;            /* the batch the reader fills (reader only) */
    int done;               /* the reader finished: rc and e hold its outcome */
    int stop;               /* fn failed: the reader stops at its next check */
    int rc;
    struct err e;           /* the reader's own error, the caller's e stays the caller's */
};

struct reader {
    const char *path;
    const struct delim_opts *o;
    delim_row_fn fn;
    void *ctx;
    struct err *e;
    struct pipe *pipe;  /* pipelined: records go to batches, fn runs in the caller */
    int failed;
    size_t line;        /* current physical line */
    size_t rec_line;    /* line where the current record began; 0 = none begun */
    size_t rec_bytes;   /* bytes fed since the record began */
    char *arena;        /* field bytes of the current record (pipelined: of the batch) */
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

static int pipe_commit(struct reader *r);

static void on_record(int c, void *data)
{
    struct reader *r = data;
    struct delim_row row;
    int blank = 1;
    (void)c;
    if (r->failed)
        return;
    if (r->pipe) {
        if (pipe_commit(r) < 0)
            r->failed = 1;
        r->nf = 0;
        r->rec_line = 0;
        r->rec_bytes = 0;
        return;
    }
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

/* Reads f to its end through p; the fopen, csv_init and their undoing are the caller's. */
static int read_all(struct reader *r, struct csv_parser *p, FILE *f);

/* a, an array of *cap elements of size sz, grown to hold want; NULL when out of memory (a
 * is left as it was). */
static void *grow(void *a, size_t *cap, size_t want, size_t sz)
{
    size_t c = *cap ? *cap : 256;
    void *q;
    if (want <= *cap)
        return a;
    while (c < want)
        c *= 2;
    q = realloc(a, c * sz);
    if (q)
        *cap = c;
    return q;
}

/* On a default mutex and its conditions these fail only when misused (an uninitialised or
 * unowned mutex): a bug, after which the two threads could race on a batch, so stop here. */
static void must(int rc, const char *what)
{
    if (rc == 0)
        return;
    fprintf(stderr, "settlebook: internal error: %s failed (%d)\n", what, rc);
    abort();
}

static void pipe_lock(struct pipe *pp)
{
    must(pthread_mutex_lock(&pp->mu), "pthread_mutex_lock");
}

static void pipe_unlock(struct pipe *pp)
{
    must(pthread_mutex_unlock(&pp->mu), "pthread_mutex_unlock");
}

/* Makes batch b (the one the reader fills) ready to hand over: its arena back from the
 * reader, its offsets made pointers. */
static int pipe_seal(struct reader *r, struct batch *b)
{
    char **ptr = grow(b->ptr, &b->ptrcap, b->noff, sizeof *b->ptr);
    b->arena = r->arena;
    b->cap = r->cap;
    if (!ptr)
        return err_set(r->e, ERR_NOMEM, "%s: out of memory", r->path);
    b->ptr = ptr;
    for (size_t i = 0; i < b->noff; i++)
        ptr[i] = b->arena + b->off[i];
    return 0;
}

/* The reader's side of a batch change: hand the one filled over and wait for the next one to
 * be free. -1 when the caller stopped (its fn failed) or memory ran out. */
static int pipe_hand_over(struct reader *r)
{
    struct pipe *pp = r->pipe;
    struct batch *b;
    int stop;
    if (pipe_seal(r, &pp->b[pp->fill]) < 0)
        return -1;
    pipe_lock(pp);
    pp->fill = (pp->fill + 1) % PIPE_BATCHES;
    pp->nfull++;
    must(pthread_cond_signal(&pp->ready), "pthread_cond_signal");
    while (pp->nfull == PIPE_BATCHES && !pp->stop)
        must(pthread_cond_wait(&pp->freed, &pp->mu), "pthread_cond_wait");
    stop = pp->stop;
    pipe_unlock(pp);
    b = &pp->b[pp->fill];
    r->arena = b->arena;
    r->cap = b->cap;
    r->used = 0;
    return stop ? -1 : 0;
}

/* The record just parsed joins the batch being filled (the reader thread's on_record). */
static int pipe_commit(struct reader *r)
{
    struct batch *b = &r->pipe->b[r->pipe->fill];
    struct pipe_rec *pr = grow(b->rec, &b->reccap, b->nrec + 1, sizeof *b->rec);
    uint32_t *off = pr ? grow(b->off, &b->offcap, b->noff + r->nf, sizeof *b->off) : NULL;
    int blank = 1;
    if (pr)
        b->rec = pr;
    if (!off)
        return err_set(r->e, ERR_NOMEM, "%s: out of memory", r->path);
    b->off = off;
    for (size_t i = 0; i < r->nf; i++) {
        b->off[b->noff + i] = (uint32_t)r->off[i];
        if (r->arena[r->off[i]])
            blank = 0;
    }
    pr = &b->rec[b->nrec++];
    pr->line = r->rec_line ? r->rec_line : r->line;
    pr->first = (uint32_t)b->noff;
    pr->nf = (uint32_t)r->nf;
    pr->blank = blank;
    b->noff += r->nf;
    if (b->nrec < PIPE_RECORDS && r->used < PIPE_BYTES)
        return 0;
    return pipe_hand_over(r);
}

/* Checked once per chunk read, so a failed fn stops the reader within 64 KiB. */
static int pipe_stopped(struct pipe *pp)
{
    int stop;
    pipe_lock(pp);
    stop = pp->stop;
    pipe_unlock(pp);
    return stop;
}

struct pipe_job {
    struct reader *r;
    struct csv_parser *p;
    FILE *f;
};

/* The reader thread: parses everything, hands over the last batch with the outcome. */
static void *pipe_main(void *arg)
{
    struct pipe_job *j = arg;
    struct pipe *pp = j->r->pipe;
    int rc = read_all(j->r, j->p, j->f);
    struct batch *b = &pp->b[pp->fill];     /* fill moved while reading */
    int last = pipe_seal(j->r, b) == 0 && b->nrec > 0;
    if (!last && b->nrec > 0)
        rc = -1;    /* out of memory: the records before this batch were handed over */
    pipe_lock(pp);
    /* the batch being filled was free (unless the caller stopped): no wait */
    if (!pp->stop && last)
        pp->nfull++;
    pp->rc = rc;
    pp->done = 1;
    must(pthread_cond_signal(&pp->ready), "pthread_cond_signal");
    pipe_unlock(pp);
    return NULL;
}

/* Runs fn on batch b's records in order; progress sees every record, as unpipelined. */
static int pipe_deliver(const struct reader *r, const struct batch *b, struct err *e)
{
    struct delim_row row;
    for (size_t i = 0; i < b->nrec; i++) {
        const struct pipe_rec *pr = &b->rec[i];
        row.f = b->ptr + pr->first;
        row.n = pr->nf;
        row.line = pr->line;
        progress_update((int64_t)row.line);
        if (!pr->blank && r->fn(r->ctx, &row, e) < 0)
            return -1;
    }
    return 0;
}

/* The calling thread's side: takes batches in order until the reader is done or fn fails,
 * then tells the reader to stop. Returns fn's -1, or 0 when every batch was delivered. */
static int pipe_consume(struct reader *r, struct pipe *pp, struct err *e)
{
    for (;;) {
        struct batch *b;
        int rc;
        pipe_lock(pp);
        while (pp->nfull == 0 && !pp->done)
            must(pthread_cond_wait(&pp->ready, &pp->mu), "pthread_cond_wait");
        if (pp->nfull == 0) {
            pipe_unlock(pp);
            return 0;
        }
        b = &pp->b[pp->head];
        pipe_unlock(pp);
        rc = pipe_deliver(r, b, e);
        pipe_lock(pp);
        b->nrec = 0;
        b->noff = 0;
        pp->head = (pp->head + 1) % PIPE_BATCHES;
        pp->nfull--;
        if (rc < 0)
            pp->stop = 1;
        must(pthread_cond_signal(&pp->freed), "pthread_cond_signal");
        pipe_unlock(pp);
        if (rc < 0)
            return -1;
    }
}

static void pipe_free(struct pipe *pp)
{
    for (size_t i = 0; i < PIPE_BATCHES; i++) {
        free(pp->b[i].arena);
        free(pp->b[i].off);
        free(pp->b[i].ptr);
        free(pp->b[i].rec);
    }
}

/* Pipelined read; 1 when no thread could be started (nothing read yet: the caller reads
 * without one). */
static int read_pipelined(struct reader *r, struct csv_parser *p, FILE *f)
{
    struct pipe pp;
    struct pipe_job j = { .r = r, .p = p, .f = f };
    struct err *caller = r->e;
    pthread_t tid;
    int rc = 1;
    memset(&pp, 0, sizeof pp);
    if (pthread_mutex_init(&pp.mu, NULL) != 0)
        return 1;
    if (pthread_cond_init(&pp.ready, NULL) != 0)
        goto no_ready;
    if (pthread_cond_init(&pp.freed, NULL) != 0)
        goto no_freed;
    r->pipe = &pp;
    r->e = &pp.e;
    if (pthread_create(&tid, NULL, pipe_main, &j) == 0) {
        rc = pipe_consume(r, &pp, caller);
        /* fails only when misused; the batches must not be freed under a running reader */
        must(pthread_join(tid, NULL), "pthread_join");
        if (rc == 0 && pp.rc < 0) {
            *caller = pp.e;
            rc = -1;
        }
        r->arena = NULL;    /* it was a batch's, freed here */
        pipe_free(&pp);
    }
    r->pipe = NULL;
    r->e = caller;
    must(pthread_cond_destroy(&pp.freed), "pthread_cond_destroy");
no_freed:
    must(pthread_cond_destroy(&pp.ready), "pthread_cond_destroy");
no_ready:
    must(pthread_mutex_destroy(&pp.mu), "pthread_mutex_destroy");
    return rc;
}

static int read_all(struct reader *r, struct csv_parser *p, FILE *f)
{
    char buf[65536];
    size_t n;
    int first = 1;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        size_t skip = 0;
        if (first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            skip = 3;
        first = 0;
        if (feed(r, p, buf + skip, n - skip) < 0 || (r->pipe && pipe_stopped(r->pipe)))
            return -1;
    }
    if (ferror(f))
        return err_set(r->e, ERR_IO, "%s: read error", r->path);
    /* libcsv's own check (CSV_STRICT_FINI) needs CSV_STRICT, which would refuse the bare
     * '"' real files hold (12" ruler); its public state says the same: 2 is FIELD_BEGUN. */
    if (p->pstate == 2 && p->quoted && !r->failed)
        return err_set(r->e, ERR_INPUT, "%s:%zu: a '\"' opens a quoted value that never "
                       "closes (the file ends inside it): remove the stray '\"'", r->path,
                       r->rec_line ? r->rec_line : r->line);
    csv_fini(p, on_field, on_record, r);
    return r->failed ? -1 : 0;
}

int delim_read(const char *path, const struct delim_opts *o, delim_row_fn fn, void *ctx,
               struct err *e)
{
    struct reader r = { .path = path, .o = o, .fn = fn, .ctx = ctx, .e = e, .line = 1 };
    struct csv_parser p;
    int rc = 1;
    FILE *f = fopen(path, "rb");

    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", path);
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return err_set(e, ERR_NOMEM, "%s: out of memory", path);
    }
    csv_set_delim(&p, (unsigned char)o->sep);
    csv_set_space_func(&p, only_space);
    if (o->pipelined)
        rc = read_pipelined(&r, &p, f);
    if (rc == 1)
        rc = read_all(&r, &p, f);
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
