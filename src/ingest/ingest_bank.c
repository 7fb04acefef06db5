/* ingest_bank — a bank statement CSV whose columns are named by config "bank" (default:
 * Xero's statement import template). Each line is stored once: identical lines within a
 * file are numbered (seq), and a line an overlapping statement already brought is skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest_int.h"

#define BANK_ROWS_MAX 5000000 /* far beyond any real statement; split bigger files */

enum { B_DATE, B_AMOUNT, B_PAYEE, B_DESCRIPTION, B_REFERENCE, B_COUNT };

/* Counts identical lines within the file: open addressing on the line's text. */
struct seen {
    char *key;
    uint64_t hash;
    int64_t count;
};

struct bank {
    struct config_bank cfg;
    int col[B_COUNT];
    size_t header_fields;
    int exp;
    sqlite3_stmt *ins;
    struct seen *tab;
    size_t cap, used;
};

#define F(r, b, c) delim_get(r, (b)->col[c])

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int seen_grow(struct bank *b)
{
    size_t cap = b->cap ? b->cap * 2 : 1024;
    struct seen *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < b->cap; i++) {
        if (!b->tab[i].key)
            continue;
        size_t j = b->tab[i].hash & (cap - 1);
        while (t[j].key)
            j = (j + 1) & (cap - 1);
        t[j] = b->tab[i];
    }
    free(b->tab);
    b->tab = t;
    b->cap = cap;
    return 0;
}

/* Returns how many times key (n bytes) has now been seen, or -1 when out of memory. */
static int64_t seen_count(struct bank *b, const char *key, size_t n)
{
    uint64_t h = fnv1a(key, n);
    size_t j;
    if ((b->used + 1) * 2 > b->cap && seen_grow(b) < 0)
        return -1;
    for (j = h & (b->cap - 1); b->tab[j].key; j = (j + 1) & (b->cap - 1))
        if (b->tab[j].hash == h && memcmp(b->tab[j].key, key, n + 1) == 0)
            return ++b->tab[j].count;
    if (!(b->tab[j].key = malloc(n + 1)))
        return -1;
    memcpy(b->tab[j].key, key, n + 1);
    b->tab[j].hash = h;
    b->tab[j].count = 1;
    b->used++;
    return 1;
}

/* Re-words an error already in e (from dates or money) with the place and a hint. */
static int bank_fail(struct ingest_ctx *c, struct err *e, size_t line, int col,
                     const char *name, const char *hint)
{
    char inner[sizeof e->msg];
    snprintf(inner, sizeof inner, "%s", e->msg);
    return ingest_err(c, e, line, col, "%s: %s: %s", name, inner, hint);
}

static int bank_date(struct ingest_ctx *c, struct bank *b, const struct delim_row *r,
                     char buf[DATES_ISO_MAX], struct err *e)
{
    const char *v = F(r, b, B_DATE);
    int col = b->col[B_DATE] + 1, iso = 1;
    int64_t t;
    if (!*v)
        return ingest_err(c, e, r->line, col, "%s is empty: every statement line needs a date",
                          b->cfg.date_col);
    for (int i = 0; i < 4; i++)
        iso = iso && v[i] >= '0' && v[i] <= '9';
    if (dates_parse_order(v, iso && v[4] == '-' ? "ymd" : b->cfg.date_order, &t, e) < 0)
        return bank_fail(c, e, r->line, col, b->cfg.date_col, "fix the file or set "
                         "bank.date_order (dmy, mdy or ymd) in the config");
    dates_iso(buf, t, 0);
    return 0;
}

static int bank_row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct bank *b = c->state;
    sqlite3_stmt *st = b->ins;
    char date[DATES_ISO_MAX], key[16384];
    const char *amount = F(r, b, B_AMOUNT), *payee = F(r, b, B_PAYEE);
    const char *desc = F(r, b, B_DESCRIPTION), *ref = F(r, b, B_REFERENCE);
    money_t v;
    int64_t seq;
    int n, rc;

    if (ingest_check_width(c, r, b->header_fields, e) < 0)
        return -1;
    if (++c->res->records > BANK_ROWS_MAX)
        return ingest_err(c, e, r->line, 0, "more than %d lines: split the statement",
                          BANK_ROWS_MAX);
    if (bank_date(c, b, r, date, e) < 0)
        return -1;
    if (!*amount)
        return ingest_err(c, e, r->line, b->col[B_AMOUNT] + 1, "%s is empty: every statement "
                          "line needs an amount", b->cfg.amount_col);
    if (money_parse_locale(amount, b->cfg.decimal, b->exp, &v, e) < 0)
        return bank_fail(c, e, r->line, b->col[B_AMOUNT] + 1, b->cfg.amount_col, "fix the "
                         "file or set bank.decimal_mark and bank.currency in the config");
    n = snprintf(key, sizeof key, "%s\x1f%lld\x1f%s\x1f%s\x1f%s", date, (long long)v, payee,
                 desc, ref);
    if (n < 0 || (size_t)n >= sizeof key)
        return ingest_err(c, e, r->line, 0, "payee, description and reference are too long "
                          "(more than 16 KiB together)");
    if ((seq = seen_count(b, key, (size_t)n)) < 0)
        return err_set(e, ERR_NOMEM, "%s: out of memory", c->path);
    sqlite3_bind_int64(st, 1, c->source_id);
    sqlite3_bind_int64(st, 2, (int64_t)r->line);
    sqlite3_bind_text(st, 3, date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, v);
    sqlite3_bind_text(st, 5, b->cfg.currency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, payee, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, desc, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, seq);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "insert bank line");
    if (rc == 0)
        c->res->lines += sqlite3_changes(ledger_db(c->lg));
    sqlite3_reset(st);
    return rc;
}

static int bank_finish(struct ingest_ctx *c, struct err *e)
{
    (void)c;
    (void)e;
    return 0;
}

static void bank_free(void *state)
{
    struct bank *b = state;
    if (!b)
        return;
    sqlite3_finalize(b->ins);
    for (size_t i = 0; i < b->cap; i++)
        free(b->tab[i].key);
    free(b->tab);
    free(b);
}

int ingest_bank_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    struct bank *b = calloc(1, sizeof *b);
    const char *names[B_COUNT];
    static const int required[B_COUNT] = { [B_DATE] = 1, [B_AMOUNT] = 1 };

    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = b;
    c->free_state = bank_free;
    snprintf(c->res->kind, sizeof c->res->kind, "bank_csv");
    if (c->o->bank)
        b->cfg = *c->o->bank;
    else
        config_bank_defaults(&b->cfg);
    names[B_DATE] = b->cfg.date_col;
    names[B_AMOUNT] = b->cfg.amount_col;
    names[B_PAYEE] = b->cfg.payee_col;
    names[B_DESCRIPTION] = b->cfg.description_col;
    names[B_REFERENCE] = b->cfg.reference_col;
    b->header_fields = hdr->n;
    if (ingest_columns(c, hdr, names, required, b->col, B_COUNT, e) < 0)
        return -1;
    b->exp = money_exponent(b->cfg.currency);
    if (b->exp < 0)
        return ingest_err(c, e, hdr->line, 0, "bank.currency '%s' is not an ISO 4217 code "
                          "settlebook knows: set it in the config to the statement's currency",
                          b->cfg.currency);
    snprintf(c->res->currency, sizeof c->res->currency, "%s", b->cfg.currency);
    if (ledger_prepare(c->lg, &b->ins, "INSERT OR IGNORE INTO bank_line(source_file_id, "
                       "line_no, date, amount_minor, currency, payee, description, reference,"
                       " seq) VALUES (?,?,?,?,?,?,?,?,?)", e) < 0)
        return -1;
    c->row = bank_row;
    c->finish = bank_finish;
    return 0;
}
