/* ingest_list — the settlements ingest stored, for `settlebook settlements` and anyone else
 * who lists them. Read-only. */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ingest_settlements_each(struct ledger *lg,
                            int (*fn)(void *arg, const struct settlement_info *s), void *arg,
                            struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT s.settlement_id, s.format, s.marketplace, s.currency, "
                       "s.start_utc, s.end_utc, s.deposit_utc, s.total_minor, s.lines_sum_minor,"
                       " s.line_count, f.sha256 FROM settlement s JOIN source_file f ON f.id = "
                       "s.source_file_id ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct settlement_info v = {
            .settlement_id = ledger_text(st, 0), .format = ledger_text(st, 1),
            .marketplace = ledger_text(st, 2), .currency = ledger_text(st, 3),
            .start = ledger_text(st, 4), .end = ledger_text(st, 5),
            .deposit = ledger_text(st, 6), .total = sqlite3_column_int64(st, 7),
            .lines_sum = sqlite3_column_int64(st, 8), .lines = sqlite3_column_int64(st, 9),
            .source_sha256 = ledger_text(st, 10) };
        rc = fn(arg, &v);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return err_set(e, ERR_IO, "cannot write the settlement list");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list settlements");
}

/* A settlement spans a few weeks; a span longer than this is corrupt and counted no further. */
#define SPAN_MONTHS_MAX 24

struct month_set {
    char (*v)[8];
    size_t n, cap;
    int oom;
};

static void month_add(struct month_set *m, const char *month)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i], month) == 0)
            return;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        char (*v)[8] = realloc(m->v, cap * sizeof *v);
        if (!v) {
            m->oom = 1;
            return;
        }
        m->v = v;
        m->cap = cap;
    }
    snprintf(m->v[m->n++], 8, "%s", month);
}

static int span(void *arg, const struct settlement_info *s)
{
    char m[8], end[8];
    int guard = 0;
    if (strlen(s->start) < 7 || strlen(s->end) < 7)
        return 0;
    snprintf(m, sizeof m, "%.7s", s->start);
    snprintf(end, sizeof end, "%.7s", s->end);
    while (strcmp(m, end) <= 0 && guard++ < SPAN_MONTHS_MAX) {
        month_add(arg, m);
        period_next(m, m);
    }
    return 0;
}

static int cmp_month(const void *a, const void *b)
{
    return strcmp(a, b);
}

int ingest_months(struct ledger *lg, char (**out)[8], size_t *n, struct err *e)
{
    struct month_set m = {0};
    *out = NULL;
    *n = 0;
    if (ingest_settlements_each(lg, span, &m, e) < 0) {
        free(m.v);
        return -1;
    }
    if (m.oom) {
        free(m.v);
        return err_set(e, ERR_NOMEM, "out of memory listing months");
    }
    if (m.n > 1)
        qsort(m.v, m.n, sizeof *m.v, cmp_month);
    *out = m.v;
    *n = m.n;
    return 0;
}
