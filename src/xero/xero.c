/* xero — dispatches a settlement's journals to the renderer of the configured posting mode.
 * Pure: the journals come loaded (journal_view_load); nothing here reads the ledger. */
#include "xero.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "xero_int.h"

void xero_reqs_free(struct xero_reqs *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].body);
    free(r->v);
    free(r->vat);
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

void xero_doc_number(const struct journal_view *s, int part, char *out, size_t cap)
{
    snprintf(out, cap, "AMZ-%s-%d", s->id, part);
}

const char *xero_bank_account(const struct journal_view *s)
{
    return config_bank_account(s->cfg, s->currency);
}

int64_t xero_statement_rate(const struct journal_view *s)
{
    int64_t rate;
    if (s->cfg->record_payment != PAY_STATEMENT || !s->converted ||
        money_rate(s->total, s->exp, s->statement_base, money_exponent(s->cfg->base_currency),
                   &rate) < 0)
        return 0;
    return rate;
}

int64_t xero_document_rate(const struct journal_view *s)
{
    return s->rate_frozen ? 0 : xero_statement_rate(s);
}

void xero_currency_rate(struct jw *w, int64_t rate)
{
    if (rate > 0)
        jw_kmoney(w, "CurrencyRate", rate, 6);
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

int xero_render(const struct journal_view *s, struct xero_reqs *out, struct err *e)
{
    if (s->n == 0)
        return 0; /* nothing journalled (no lines) */
    if (s->cfg->mode == POST_JOURNAL)
        return xero_render_journal(s, out, e);
    if (s->cfg->mode == POST_ORDERS)
        return xero_render_orders(s, out, e);
    return xero_render_summary(s, out, e);
}

void xero_journal_req(struct xero_req *q, const char *sid, const char *month,
                      const char *number)
{
    memset(q, 0, sizeof *q);
    snprintf(q->settlement_id, sizeof q->settlement_id, "%s", sid);
    snprintf(q->month, sizeof q->month, "%s", month);
    snprintf(q->doc_number, sizeof q->doc_number, "%s", number);
    snprintf(q->method, sizeof q->method, "PUT");
    snprintf(q->path, sizeof q->path, "/ManualJournals");
    snprintf(q->query, sizeof q->query, "summarizeErrors=false");
    snprintf(q->kind, sizeof q->kind, "manual-journal");
    q->documents = 1;
}

void xero_journal_open(struct jw *w, const char *narration, const char *date,
                       const struct config *cfg, const char *amount_types)
{
    jw_init(w, 0);
    jw_obj(w);
    jw_key(w, "ManualJournals");
    jw_arr(w);
    jw_obj(w);
    jw_kstr(w, "Narration", narration);
    jw_kstr(w, "Date", date);
    jw_kstr(w, "Status", strcmp(cfg->status, "AUTHORISED") == 0 ? "POSTED" : "DRAFT");
    jw_kstr(w, "LineAmountTypes", amount_types);
    jw_key(w, "JournalLines");
    jw_arr(w);
}

void xero_journal_close(struct jw *w)
{
    jw_end_arr(w);
    jw_end_obj(w);
    jw_end_arr(w);
    jw_end_obj(w);
}
