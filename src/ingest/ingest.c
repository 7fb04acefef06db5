/* ingest — one file: fingerprint it (sha256, NUL bytes, encoding), skip it when the same
 * bytes are already in, detect its kind from the header, and hand records to the format
 * reader, all inside a savepoint so a bad file leaves nothing behind. */
#include "ingest.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"
#include "ingest_int.h"

struct scan {
    char sha256[HASH_HEX_LEN];
    int64_t bytes;
    int utf8;                 /* the whole file is valid UTF-8 */
    char first;               /* first non-blank byte after a BOM */
    int64_t nul_line, nul_col;
    int64_t lines;            /* physical lines, for progress */
    unsigned char head[2];    /* the first two bytes, to recognise UTF-16 */
};

int ingest_err(struct ingest_ctx *c, struct err *e, size_t line, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col > 0)
        return err_set(e, ERR_INPUT, "%s:%zu:%d: %s", c->path, line, col, msg);
    return err_set(e, ERR_INPUT, "%s:%zu: %s", c->path, line, msg);
}

int ingest_err_at(struct ingest_ctx *c, struct err *e, size_t line, int col, const char *name)
{
    char inner[sizeof e->msg];
    snprintf(inner, sizeof inner, "%s", e->msg);
    return ingest_err(c, e, line, col, "%s: %s: fix the file or re-download it from Seller "
                      "Central", name, inner);
}

int ingest_columns(struct ingest_ctx *c, const struct delim_row *hdr, const char *const *names,
                   const int *required, int *idx, size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        idx[i] = delim_find(hdr, names[i]);
        if (idx[i] < 0 && required[i])
            return ingest_err(c, e, hdr->line, 0, "required column '%s' is missing from the "
                              "header: this is not a complete report of its kind", names[i]);
    }
    return 0;
}

/* "buyer-" and 12 lowercase hex digits: already masked. */
static int is_masked(const char *s)
{
    if (strncmp(s, "buyer-", 6) != 0 || strlen(s) != 18)
        return 0;
    for (s += 6; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

void ingest_mask_buyer(const char *s, char out[20])
{
    char hex[HASH_HEX_LEN], low[256];
    size_t n = 0;
    if (is_masked(s)) {
        snprintf(out, 20, "%s", s);
        return;
    }
    for (; s[n] && n < sizeof low - 1; n++)
        low[n] = (char)(s[n] >= 'A' && s[n] <= 'Z' ? s[n] + 32 : s[n]);
    low[n] = '\0';
    hash_hex(low, n, hex);
    snprintf(out, 20, "buyer-%.12s", hex);
}

/* Advances line and col (bytes since the last line end) over p[0..n-1]. */
static void count_lines(const unsigned char *p, size_t n, int64_t *line, int64_t *col)
{
    const unsigned char *end = p + n, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        (*line)++;
        *col = 0;
        p = nl + 1;
    }
    *col += end - p;
}

/* Everything but the sha256, which the caller has (hash_file) and copies in. */
static int scan_file(const char *path, struct scan *s, struct err *e)
{
    unsigned char buf[65536];
    struct text_utf8 u = {0};
    int64_t line = 1, col = 0;
    size_t n;
    FILE *f = fopen(path, "rb");

    memset(s, 0, sizeof *s);
    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", path);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        size_t skip = s->bytes == 0 && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        text_utf8_feed(&u, buf, n);
        if (s->bytes == 0 && n >= 2)
            memcpy(s->head, buf, 2);
        for (size_t i = skip; i < n && !s->first; i++)
            if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
                s->first = (char)buf[i];
        /* lines are counted (with memchr) only up to the first NUL, which the error names */
        if (!s->nul_line) {
            const unsigned char *nul = memchr(buf, 0, n);
            count_lines(buf, nul ? (size_t)(nul - buf) : n, &line, &col);
            if (nul) {
                s->nul_line = line;
                s->nul_col = col + 1;
            }
        }
        s->bytes += (int64_t)n;
        if (s->bytes > INGEST_FILE_MAX)
            break;
    }
    if (ferror(f)) {
        fclose(f);
        return err_set(e, ERR_INPUT, "%s: cannot read (a folder?): pass a report file", path);
    }
    fclose(f);
    s->lines = col > 0 ? line : line - 1;
    s->utf8 = text_utf8_ok(&u);
    if (s->bytes > INGEST_FILE_MAX)
        return err_set(e, ERR_INPUT, "%s: larger than 8 GiB: split it", path);
    if (s->bytes == 0)
        return err_set(e, ERR_INPUT, "%s:1: the file is empty: re-download the report", path);
    if (s->nul_line && ((s->head[0] == 0xFF && s->head[1] == 0xFE) ||
                        (s->head[0] == 0xFE && s->head[1] == 0xFF)))
        return err_set(e, ERR_INPUT, "%s:1:1: UTF-16 text: save it as UTF-8 (or Windows-1252) "
                       "text, or re-download the report from Seller Central", path);
    if (s->nul_line)
        return err_set(e, ERR_INPUT, "%s:%lld:%lld: NUL byte: this is a binary file, not an "
                       "Amazon report or bank CSV", path, (long long)s->nul_line,
                       (long long)s->nul_col);
    if (!s->first)
        return err_set(e, ERR_INPUT, "%s:1: the file holds only blank lines", path);
    return 0;
}

/* A scan_file run in a second thread while the calling thread hashes the same file. */
struct scan_job {
    const char *path;
    struct scan s;
    struct err e;
    int rc;
};

static void *scan_main(void *arg)
{
    struct scan_job *j = arg;
    j->rc = scan_file(j->path, &j->s, &j->e);
    return NULL;
}

/* The file's SHA-256 into hex, read when file_seen does not know it. A regular file that must
 * be read is scanned at the same time in a second thread (1: j holds the outcome, which counts
 * only once the hash says the bytes are new, so errors come in the order they always did);
 * 0 when nothing was scanned. */
static int hash_and_scan(struct ledger *lg, const char *path, int verify,
                         char hex[HASH_HEX_LEN], struct ingest_seen *seen, struct scan_job *j,
                         struct err *e)
{
    pthread_t tid;
    int rc = ingest_seen_lookup(lg, path, verify, hex, seen, e);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (!seen->usable || pthread_create(&tid, NULL, scan_main, j) != 0)
        return hash_file(path, hex, e) < 0 ? -1 : 0;
    rc = hash_file(path, hex, e);
    if (pthread_join(tid, NULL) != 0)
        return err_set(e, ERR_INTERNAL, "%s: cannot join the scan thread", path);
    return rc < 0 ? -1 : 1;
}

/* The first record decides the kind; later records go to the chosen reader. */
static int on_record(void *ctx, const struct delim_row *r, struct err *e)
{
    struct ingest_ctx *c = ctx;
    if (c->row)
        return c->row(c, r, e);
    if (delim_find(r, "settlement-id") >= 0 && delim_find(r, "amount-description") >= 0)
        return ingest_v2_start(c, r, e);
    if (delim_find(r, "settlement-id") >= 0)
        return ingest_v1_start(c, r, e);
    if (delim_find(r, "amazon-order-id") >= 0)
        return ingest_orders_start(c, r, e);
    if (delim_find(r, "unit_cost") >= 0 && delim_find(r, "sku") >= 0)
        return ingest_costs_start(c, r, e);
    if (delim_find(r, "FNSKU") >= 0 && delim_find(r, "Ending Warehouse Balance") >= 0)
        return ingest_inventory_start(c, r, e);
    if (c->o->bank && delim_find(r, c->o->bank->date_col) >= 0 &&
        delim_find(r, c->o->bank->amount_col) >= 0)
        return ingest_bank_start(c, r, e);
    return ingest_err(c, e, r->line, 0, "unknown kind of file: the header is not a settlement "
                      "report (V2 or older flat file), an orders report, a unit-cost file, an FBA "
                      "inventory ledger or a bank statement with columns '%s' and '%s' (see config \"bank\")",
                      c->o->bank ? c->o->bank->date_col : "Date",
                      c->o->bank ? c->o->bank->amount_col : "Amount");
}

static int insert_source(struct ingest_ctx *c, const struct scan *s, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run;
    if (ledger_run_id(c->lg, &run, e) < 0 ||
        ledger_prepare(c->lg, &st, "INSERT INTO source_file(sha256, kind, path, bytes, rows, "
                       "encoding, run_id) VALUES (?, 'bank_csv', ?, ?, 0, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, s->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, s->bytes);
    sqlite3_bind_text(st, 4, s->utf8 ? "utf-8" : "windows-1252", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, run);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "insert source_file");
    sqlite3_finalize(st);
    c->source_id = sqlite3_last_insert_rowid(ledger_db(c->lg));
    return rc;
}

static int finish_source(struct ingest_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, "UPDATE source_file SET kind = ?, rows = ? WHERE id = ?",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->res->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, c->res->records);
    sqlite3_bind_int64(st, 3, c->source_id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "update source_file");
    sqlite3_finalize(st);
    return rc;
}

static int already_ingested(struct ingest_ctx *c, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    int found;
    if (ledger_prepare(c->lg, &st, "SELECT kind FROM source_file WHERE sha256 = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        snprintf(c->res->kind, sizeof c->res->kind, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return found;
}

static int load(struct ingest_ctx *c, const struct scan *s, struct err *e)
{
    /* pipelined: the file is parsed in a second thread while this one inserts */
    struct delim_opts o = { .sep = '\t', .cp1252 = !s->utf8, .pipelined = 1 };
    if (insert_source(c, s, e) < 0)
        return -1;
    if (s->first == '{' || s->first == '[') {
        if (ingest_spapi(c, e) < 0)
            return -1;
    } else if (s->first == '<') {
        return err_set(e, ERR_INPUT, "%s:1: XML settlement reports are not supported: request "
                       "the flat file V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) instead",
                       c->path);
    } else {
        FILE *f = fopen(c->path, "rb");
        char line[4096] = "";
        if (f) {
            if (!fgets(line, sizeof line, f))
                line[0] = '\0';
            fclose(f);
        }
        if (!strchr(line, '\t') && strchr(line, ','))
            o.sep = ',';
        if (delim_read(c->path, &o, on_record, c, e) < 0)
            return -1;
        if (!c->row)
            return err_set(e, ERR_INPUT, "%s:1: no header found", c->path);
        if (c->finish(c, e) < 0)
            return -1;
    }
    return finish_source(c, e);
}

/* Every file that changes the ledger is named in the audit log, whichever command loaded it. */
static int audit(struct ingest_ctx *c, struct err *e)
{
    char detail[1024];
    snprintf(detail, sizeof detail, "%s sha256=%s records=%lld path=%s", c->res->kind,
             c->res->sha256, (long long)c->res->records, c->path);
    return ledger_audit(c->lg, "ingest", detail, e);
}

/* Progress on a terminal: "ingest settlement.tsv: 120000 of 300000 lines (40%)"; the
 * delimited-text reader reports each record's line. */
static void progress_file(const char *path, int64_t lines)
{
    char stage[128];
    const char *base = strrchr(path, '/');
    snprintf(stage, sizeof stage, "ingest %s", base ? base + 1 : path);
    progress_begin(stage, lines, "lines");
}

int ingest_file(struct ledger *lg, const char *path, const struct ingest_opts *o,
                struct ingest_result *res, struct err *e)
{
    struct ingest_ctx c = { .lg = lg, .path = path, .o = o, .res = res };
    struct ingest_seen seen;
    struct scan_job sj = { .path = path };
    struct scan s;
    int rc, scanned;

    memset(res, 0, sizeof *res);
    if ((scanned = hash_and_scan(lg, path, o->verify, res->sha256, &seen, &sj, e)) < 0)
        return -1;
    rc = already_ingested(&c, res->sha256, e);
    if (rc != 0) {
        res->skipped = rc > 0;
        /* bytes already in: the ledger stays as it is (a copy or a touched file is hashed
         * again next time), except that --verify corrects the record it just checked */
        return rc < 0 || (o->verify && ingest_seen_record(lg, &seen, res->sha256, e) < 0)
               ? -1 : 0;
    }
    if (scanned && sj.rc < 0) {
        *e = sj.e;
        return -1;
    }
    if (scanned)
        s = sj.s;
    else if (scan_file(path, &s, e) < 0)
        return -1;
    snprintf(s.sha256, sizeof s.sha256, "%s", res->sha256);
    /* Finances API pages go to their own tables (ingest_events.c), which say whether the
     * same bytes loaded before */
    if (s.first == '{' && (rc = ingest_events_file(lg, path, s.sha256, s.bytes, res, e)) != 1)
        return rc;
    if (ledger_savepoint(lg, e) < 0)
        return -1;
    progress_file(path, s.lines);
    rc = load(&c, &s, e);
    if (rc == 0)
        progress_end();
    else
        progress_cancel();
    if (rc == 0)
        rc = audit(&c, e);
    if (rc == 0)
        rc = ingest_seen_record(lg, &seen, res->sha256, e);
    if (c.free_state)
        c.free_state(c.state);
    if (rc < 0) {
        ledger_rollback_to(lg);
        return -1;
    }
    return ledger_release(lg, e);
}
