/* xero — loads a settlement's final journals and dispatches to the renderer of the
 * configured posting mode. */
#include "xero.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "xero_int.h"

void xero_reqs_free(struct xero_reqs *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].body);
    free(r->v);
    memset(r, 0, sizeof *r);
}

int xero_reqs_add(struct xero_reqs *r, const struct xero_req *q, const char *body,
                  struct err *e)
{
    if (!body)
        return err_set(e, ERR_NOMEM, "out of memory rendering a request");
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct xero_req *p = realloc(r->v, cap * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        r->v = p;
        r->cap = cap;
    }
    r->v[r->n] = *q;
    r->v[r->n].body = strdup(body);
    if (!r->v[r->n].body)
        return err_set(e, ERR_NOMEM, "out of memory");
    r->v[r->n].seq = (int)r->n + 1;
    r->n++;
    return 0;
}

static int load_head(struct ledger *lg, int64_t ref, struct xsettle *s, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(lg, &st, "SELECT settlement_id, currency, marketplace, substr(start_utc,"
                       "1,10), substr(end_utc,1,10), substr(deposit_utc,1,10), lines_sum_minor "
                       "FROM settlement WHERE id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set(e, ERR_INTERNAL, "settlement row %lld not found", (long long)ref);
    }
    s->ref = ref;
    snprintf(s->id, sizeof s->id, "%s", ledger_text(st, 0));
    snprintf(s->currency, sizeof s->currency, "%s", ledger_text(st, 1));
    snprintf(s->marketplace, sizeof s->marketplace, "%s", ledger_text(st, 2));
    snprintf(s->start, sizeof s->start, "%s", ledger_text(st, 3));
    snprintf(s->end, sizeof s->end, "%s", ledger_text(st, 4));
    snprintf(s->deposit, sizeof s->deposit, "%s", ledger_text(st, 5));
    s->total = sqlite3_column_int64(st, 6);
    s->exp = money_exponent(s->currency);
    sqlite3_finalize(st);
    return 0;
}

static int load_lines(struct ledger *lg, struct xpart *p, int64_t journal_id, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 16;
    p->lines = calloc(cap, sizeof *p->lines);
    if (!p->lines || ledger_prepare(lg, &st, "SELECT role, account_code, tax_type, "
                       "tracking_name, tracking_option, category, sku, description, amount_minor,"
                       " source_lines FROM journal_line WHERE journal_id = ? ORDER BY line_no",
                       e) < 0)
        return p->lines ? -1 : err_set(e, ERR_NOMEM, "out of memory");
    sqlite3_bind_int64(st, 1, journal_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct xline *l;
        if (p->n == cap) {
            struct xline *q = realloc(p->lines, (cap *= 2) * sizeof *q);
            if (!q) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            p->lines = q;
        }
        l = &p->lines[p->n++];
        memset(l, 0, sizeof *l);
        snprintf(l->role, sizeof l->role, "%s", ledger_text(st, 0));
        snprintf(l->code, sizeof l->code, "%s", ledger_text(st, 1));
        snprintf(l->tax, sizeof l->tax, "%s", ledger_text(st, 2));
        snprintf(l->tname, sizeof l->tname, "%s", ledger_text(st, 3));
        snprintf(l->topt, sizeof l->topt, "%s", ledger_text(st, 4));
        snprintf(l->category, sizeof l->category, "%s", ledger_text(st, 5));
        snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 6));
        snprintf(l->description, sizeof l->description, "%s", ledger_text(st, 7));
        l->amount = sqlite3_column_int64(st, 8);
        l->sources = sqlite3_column_int64(st, 9);
    }
    sqlite3_finalize(st);
    return 0;
}

int xero_load(struct ledger *lg, const struct config *cfg, int64_t ref, struct xsettle *s,
              struct err *e)
{
    sqlite3_stmt *st;
    int64_t ids[64];
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    if (load_head(lg, ref, s, e) < 0)
        return -1;
    s->mk = config_marketplace(cfg, s->marketplace);
    if (ledger_prepare(lg, &st, "SELECT id, part, parts, month, date FROM journal WHERE "
                       "settlement_ref = ? AND state = 'final' ORDER BY part", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    s->parts = calloc(64, sizeof *s->parts);
    while (s->parts && s->n < 64 && sqlite3_step(st) == SQLITE_ROW) {
        struct xpart *p = &s->parts[s->n];
        ids[s->n++] = sqlite3_column_int64(st, 0);
        p->part = sqlite3_column_int(st, 1);
        p->parts = sqlite3_column_int(st, 2);
        snprintf(p->month, sizeof p->month, "%s", ledger_text(st, 3));
        snprintf(p->date, sizeof p->date, "%s", ledger_text(st, 4));
    }
    sqlite3_finalize(st);
    if (!s->parts)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++)
        if (load_lines(lg, &s->parts[i], ids[i], e) < 0)
            return -1;
    return 0;
}

void xero_settle_free(struct xsettle *s)
{
    if (!s || !s->parts)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->parts[i].lines);
    free(s->parts);
    s->parts = NULL;
}

void xero_doc_number(const struct xsettle *s, int part, char *out, size_t cap)
{
    snprintf(out, cap, "AMZ-%s-%d", s->id, part);
}

void xero_tracking(struct jw *w, const char *name, const char *option)
{
    if (!name[0] || !option[0])
        return;
    jw_key(w, "Tracking");
    jw_arr(w);
    jw_obj(w);
    jw_kstr(w, "Name", name);
    jw_kstr(w, "Option", option);
    jw_end_obj(w);
    jw_end_arr(w);
}

int xero_render(struct ledger *lg, const struct config *cfg, int64_t settlement_ref,
                struct xero_reqs *out, struct err *e)
{
    struct xsettle s;
    int rc;
    if (xero_load(lg, cfg, settlement_ref, &s, e) < 0) {
        xero_settle_free(&s);
        return -1;
    }
    if (s.n == 0)
        rc = 0; /* nothing journalled (no lines) */
    else if (cfg->mode == POST_JOURNAL)
        rc = xero_render_journal(&s, out, e);
    else if (cfg->mode == POST_ORDERS)
        rc = xero_render_orders(lg, &s, out, e);
    else
        rc = xero_render_summary(&s, out, e);
    xero_settle_free(&s);
    return rc;
}
