/* post — outbox maintenance. A settlement's rendered requests replace its pending rows only
 * when they differ, so reruns leave the ledger byte-identical. */
#include "post.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "journal.h"
#include "xero.h"
#include "post_int.h"

/* Records an error exception of the post stage once (a rerun adds no duplicate). */
static int post_exception(struct ledger *lg, const char *sid, const char *kind,
                          const char *explanation, const char *action, struct err *e)
{
    struct exception_row x = { .kind = kind, .severity = "error", .settlement_id = sid,
                               .explanation = explanation, .action = action };
    return exception_add_once(lg, "post", &x, e);
}

static int conflict(struct ledger *lg, const char *sid, struct err *e)
{
    return post_exception(lg, sid, "POSTED_DOCUMENT_CHANGED", "The documents for this "
                          "settlement would differ from the ones already sent to Xero; nothing "
                          "was re-sent.", "Compare the preview with Xero and correct there "
                          "(credit note or manual journal).", e);
}

/* A rendered request as an outbox row, borrowing its strings. */
static struct outbox_new req_row(const struct xero_req *q)
{
    return (struct outbox_new){ .settlement_id = q->settlement_id, .month = q->month,
                                .doc_number = q->doc_number, .method = q->method,
                                .path = q->path, .query = q->query, .body = q->body,
                                .seq = q->seq };
}

int post_rows(const struct xero_reqs *reqs, struct outbox_new **out, struct err *e)
{
    /* room for two rows at least: post_accrual.c fills an accrual pair in place */
    *out = calloc(reqs->n > 2 ? reqs->n : 2, sizeof **out);
    if (!*out)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < reqs->n; i++)
        (*out)[i] = req_row(&reqs->v[i]);
    return 0;
}

/* ---- contacts settlebook creates -----------------------------------------------------
 * A contact the documents name and the organisation lacks is created by its own request,
 * PUT /Contacts, queued in the outbox before the first document that uses it (seq 0, -1,
 * ...: before the rendered requests, which count from 1), in the first settlement that
 * needs it. Whether Xero lacks it is what the ledger's copy of Xero's contacts says
 * (xero_ref, refreshed by every live run before this stage): before settlebook has read
 * them once, no contact is queued. A contact request once (possibly) sent is kept, so the
 * settlement's requests stay the same. */

#define POST_CONTACTS_MAX 64        /* distinct contacts of one settlement */

struct contacts {
    char name[POST_CONTACTS_MAX][256];
    char month[POST_CONTACTS_MAX][8];
    char *body[POST_CONTACTS_MAX];
    size_t n;
};

static void contacts_free(struct contacts *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->body[i]);
    c->n = 0;
}

/* 1 when the contact needs a request of this settlement (see above). */
static int contact_wanted(struct ledger *lg, const char *sid, const char *name, struct err *e)
{
    sqlite3_stmt *st;
    int s, want;
    if (ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM outbox_posted p WHERE "
                       "p.settlement_id = ?1 AND p.path = '/Contacts' AND p.doc_number = ?2) OR "
                       "(NOT EXISTS (SELECT 1 FROM outbox o WHERE o.settlement_id != ?1 AND "
                       "o.path = '/Contacts' AND o.doc_number = ?2 AND o.state != 'superseded') "
                       "AND EXISTS (SELECT 1 FROM xero_ref_sync WHERE endpoint = 'Contacts') AND "
                       "NOT EXISTS (SELECT 1 FROM xero_ref r WHERE r.kind = 'contact' AND r.key "
                       "= ?2))", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    want = s == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    if (s != SQLITE_ROW)
        ledger_fail(lg, e, "read the contacts Xero has");
    sqlite3_finalize(st);
    return want;
}

/* Adds the contact named by document d of request q, once per settlement. */
static int contact_note(struct contacts *c, const struct xero_req *q, json_t *d,
                        struct err *e)
{
    const char *name = json_string_value(json_object_get(json_object_get(d, "Contact"),
                                                         "Name"));
    size_t i = 0;
    if (!name || !name[0])
        return 0;
    while (i < c->n && strcmp(c->name[i], name) != 0)
        i++;
    if (i < c->n)
        return 0;
    if (c->n == POST_CONTACTS_MAX || strlen(name) >= sizeof c->name[0])
        return err_set(e, ERR_INPUT, "%s: more than %d contacts, or a contact name longer "
                       "than 255 bytes", q->doc_number, POST_CONTACTS_MAX);
    snprintf(c->name[c->n], sizeof c->name[0], "%s", name);
    snprintf(c->month[c->n], sizeof c->month[0], "%s", q->month);
    c->body[c->n++] = NULL;
    return 0;
}

/* The contacts the settlement's requests name, in the order they first appear, each with
 * its PUT /Contacts body when it is wanted (else body NULL). */
static int contacts_of(struct ledger *lg, const char *sid, const struct xero_reqs *reqs,
                       struct contacts *c, struct err *e)
{
    c->n = 0;
    for (size_t i = 0; i < reqs->n; i++) {
        json_t *root = json_loads(reqs->v[i].body, 0, NULL), *arr, *d;
        const char *coll;
        size_t k;
        int rc = 0;
        json_object_foreach(root, coll, arr)
            json_array_foreach(arr, k, d)
                if (rc == 0)
                    rc = contact_note(c, &reqs->v[i], d, e);
        json_decref(root);
        if (rc < 0)
            return -1;
    }
    for (size_t i = 0; i < c->n; i++) {
        struct jw w;
        int want = contact_wanted(lg, sid, c->name[i], e);
        if (want < 0)
            return -1;
        if (!want)
            continue;
        jw_init(&w, 0);
        jw_obj(&w);
        jw_key(&w, "Contacts");
        jw_arr(&w);
        jw_obj(&w);
        jw_kstr(&w, "Name", c->name[i]);
        jw_end_obj(&w);
        jw_end_arr(&w);
        jw_end_obj(&w);
        c->body[i] = jw_text(&w) ? strdup(jw_text(&w)) : NULL;
        jw_free(&w);
        if (!c->body[i])
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* The rendered requests as outbox rows (borrowing their strings), after the contact
 * requests; caller frees *out, *n is their number. */
static int as_rows(const char *sid, const struct xero_reqs *reqs, const struct contacts *c,
                   struct outbox_new **out, size_t *n, struct err *e)
{
    size_t k = 0, nc = 0;
    for (size_t i = 0; i < c->n; i++)
        nc += c->body[i] != NULL;
    *out = calloc(reqs->n + nc ? reqs->n + nc : 1, sizeof **out);
    if (!*out)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n; i++)
        if (c->body[i]) {
            (*out)[k] = (struct outbox_new){ .settlement_id = sid, .month = c->month[i], .doc_number =
                                             c->name[i], .method = "PUT", .path = "/Contacts",
                                             .query = "summarizeErrors=false",
                                             .body = c->body[i], .seq = (int)(k + 1 - nc) };
            k++;
        }
    for (size_t i = 0; i < reqs->n; i++)
        (*out)[k++] = req_row(&reqs->v[i]);
    *n = k;
    return 0;
}

static int in_period(const struct post_summary *out, const char *month)
{
    return !out->period || !out->period[0] || (month && strcmp(month, out->period) == 0);
}

int post_queue(struct ledger *lg, const char *sid, const struct xero_reqs *reqs,
               struct post_summary *out, struct err *e)
{
    struct outbox_new *rows = NULL;
    struct contacts *c = calloc(1, sizeof *c);
    size_t nrows = 0;
    int posted, same, kept = 0, rc = -1;
    if (!c)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (contacts_of(lg, sid, reqs, c, e) < 0 || as_rows(sid, reqs, c, &rows, &nrows, e) < 0 ||
        outbox_compare(lg, sid, rows, nrows, &same, &posted, e) < 0 ||
        (posted && outbox_posted_kept(lg, sid, rows, nrows, &kept, e) < 0))
        goto done;
    /* a settlement that spans a month end has requests of the next month too: the preview
     * of the period shows its own, and so does the count */
    for (size_t i = 0; i < nrows; i++)
        out->requests += in_period(out, rows[i].month);
    for (size_t i = 0; i < reqs->n; i++)
        if (in_period(out, reqs->v[i].month))
            out->documents += reqs->v[i].documents;
    if (same) {
        out->unchanged++;
        /* back to what was sent: an earlier difference is resolved */
        if (exception_clear(lg, "post", "POSTED_DOCUMENT_CHANGED", sid, NULL, e) < 0)
            goto done;
    } else if (posted && !kept) {
        /* what Xero (possibly) holds would change: never re-sent; a row only added or
         * changed beside the posted ones (the payout once the statement shows it) is not */
        out->conflicts++;
        if (conflict(lg, sid, e) < 0)
            goto done;
    } else {
        out->written++;
        if (outbox_replace_unposted(lg, sid, rows, nrows, e) < 0 ||
            (posted && exception_clear(lg, "post", "POSTED_DOCUMENT_CHANGED", sid, NULL, e) < 0))
            goto done;
    }
    rc = 0;
done:
    free(rows);
    contacts_free(c);
    free(c);
    return rc;
}

static int one(struct ledger *lg, const struct config *cfg, int64_t ref, const char *sid,
               struct post_summary *out, struct err *e)
{
    struct journal_view view = {0};
    struct xero_reqs reqs = {0};
    struct post_items_known items = {0};
    int rc = -1;
    if (journal_view_load(lg, cfg, ref, cfg->mode == POST_ORDERS, &view, e) < 0 ||
        (cfg->mode == POST_ORDERS && post_items_known_load(lg, cfg, sid, &items, e) < 0))
        goto done;
    view.item_known = post_items_known_has;
    view.item_arg = &items;
    if (xero_render(&view, &reqs, e) < 0)
        goto done;
    if (reqs.blocked[0] ? post_exception(lg, sid, "CURRENCY_MISMATCH", reqs.blocked, "Post "
                                         "this settlement in summary or orders mode, which "
                                         "carry the currency on each document.", e) < 0
                        : exception_clear(lg, "post", "CURRENCY_MISMATCH", sid, NULL, e) < 0)
        goto done;
    if (post_vat(lg, sid, &view, &reqs, e) < 0)
        goto done;
    /* with a cache of the organisation, the dry run already shows what Xero would refuse */
    if (post_queue(lg, sid, &reqs, out, e) < 0 ||
        xero_tax_class_check(lg, cfg, sid, "", &out->refused, e) < 0)
        goto done;
    rc = 0;
done:
    xero_reqs_free(&reqs);
    journal_view_free(&view);
    post_items_known_free(&items);
    return rc;
}

int post_outbox(struct ledger *lg, const struct config *cfg, const char *period,
                struct post_summary *out, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0, s = SQLITE_DONE;
    memset(out, 0, sizeof *out);
    out->period = period;
    if (ledger_prepare(lg, &st, "SELECT s.id, s.settlement_id FROM settlement s WHERE "
                       PERIOD_SCOPE_SQL " ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char sid[64];
        snprintf(sid, sizeof sid, "%s", (const char *)sqlite3_column_text(st, 1));
        out->settlements++;
        rc = one(lg, cfg, sqlite3_column_int64(st, 0), sid, out, e);
        if (rc < 0)
            err_prefix(e, "settlement %s: ", sid);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read the settlements to post");
    sqlite3_finalize(st);
    /* the month-end accrual after the settlements (post_accrual.c) */
    return rc < 0 ? -1 : post_accruals(lg, cfg, period, out, e);
}
