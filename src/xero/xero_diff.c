/* xero_diff — `post --diff`: reads what Xero holds for a period's preview and classifies each
 * document (xero_diff_cmp.c compares). Read-only against Xero: GETs only, as few as Xero's
 * filters allow — one date-range query per numbered collection (which also finds documents
 * the preview no longer has), then only the documents still unseen, batched by number. It
 * reads the outbox through the ledger's API and never writes the ledger. */
#include "xero.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "xero_diff_int.h"
#include "xero_send_int.h"

#define NUMBERS_PER_CALL 25     /* InvoiceNumbers=a,b,...: keeps the URL well under 2 KB */
#define WHERE_PER_CALL 10       /* OR-joined where clauses per call */
#define DOCS_MAX 200000

static const char *const collections[] = { "Invoices", "CreditNotes", "ManualJournals",
                                           "Payments", "BankTransfers", "BankTransactions" };

/* One document of the preview: what we would send, and what Xero has for it. */
struct pdoc {
    int coll;                   /* index into collections */
    char key[256];              /* number, narration head, or reference */
    char target[128];           /* a payment's document */
    json_t *ours, *theirs;      /* owned */
};

struct run {
    struct ledger *lg;
    struct pdoc *d;
    size_t n, cap;
    struct err *e;
};

static int coll_index(const char *c)
{
    for (size_t i = 0; i < sizeof collections / sizeof collections[0]; i++)
        if (strcmp(collections[i], c) == 0)
            return (int)i;
    return -1;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A journal's narration up to its ':' ("AMZ-123-1: Amazon settlement ..." -> "AMZ-123-1"). */
static void head(const char *narration, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)strcspn(narration, ":"), narration);
}

static int add_doc(struct run *r, const char *coll, const char *text, size_t len,
                   const struct xdoc *x)
{
    struct pdoc *p;
    size_t qn;
    char *q;
    if (r->n == DOCS_MAX)
        return err_set(r->e, ERR_INPUT, "more than %d documents in the period", DOCS_MAX);
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        struct pdoc *v = realloc(r->d, nc * sizeof *v);
        if (!v)
            return err_set(r->e, ERR_NOMEM, "out of memory");
        r->d = v;
        r->cap = nc;
    }
    p = &r->d[r->n];
    memset(p, 0, sizeof *p);
    p->coll = coll_index(coll);
    if (p->coll < 0)
        return err_set(r->e, ERR_INTERNAL, "post --diff does not know Xero's %s", coll);
    if (p->coll == 2)
        head(x->reference, p->key, sizeof p->key);
    else
        snprintf(p->key, sizeof p->key, "%s", x->number[0] ? x->number : x->reference);
    snprintf(p->target, sizeof p->target, "%s", x->target);
    q = jnum_quote(text, len, &qn);
    p->ours = q ? json_loadb(q, qn, 0, NULL) : NULL;
    free(q);
    if (!p->ours)
        return err_set(r->e, ERR_INTERNAL, "%s: cannot read the document", x->label);
    r->n++;
    return 0;
}

static int collect_row(void *arg, const struct outbox_info *i)
{
    struct run *r = arg;
    struct outbox_row row = {0};
    struct xbody *b = NULL;
    int rc = -1;
    if (strcmp(i->state, "superseded") == 0)
        return 0;
    if (outbox_get(r->lg, i->id, &row, r->e) < 0)
        return -1;
    b = malloc(sizeof *b);
    if (!b) {
        err_set(r->e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (xbody_split(row.body, b, r->e) < 0)
        goto done;
    /* an allocation is no document of its own: the credit note and invoice it links are
     * compared */
    if (strcmp(b->collection, "Allocations") == 0) {
        rc = 0;
        goto done;
    }
    for (size_t k = 0; k < b->n; k++) {
        struct xdoc x;
        if (xbody_doc(row.body, b, k, &x, r->e) < 0 ||
            add_doc(r, b->collection, row.body + b->off[k], b->len[k], &x) < 0)
            goto done;
    }
    rc = 0;
done:
    free(b);
    outbox_row_free(&row);
    return rc;
}

/* The key Xero's element el has in collection c, as add_doc keys ours. */
static void xero_key(int c, json_t *el, char *out, size_t cap)
{
    if (c == 0)
        snprintf(out, cap, "%s", str(el, "InvoiceNumber"));
    else if (c == 1)
        snprintf(out, cap, "%s", str(el, "CreditNoteNumber"));
    else if (c == 2)
        head(str(el, "Narration"), out, cap);
    else
        snprintf(out, cap, "%s", str(el, "Reference"));
}

static const char *xero_target(json_t *el)
{
    json_t *inv = json_object_get(el, "Invoice"), *cn = json_object_get(el, "CreditNote");
    return inv ? str(inv, "InvoiceNumber") : cn ? str(cn, "CreditNoteNumber") : "";
}

static int live(json_t *el)
{
    const char *s = str(el, "Status");
    return strcmp(s, "DELETED") != 0 && strcmp(s, "VOIDED") != 0;
}

/* Gives each unmatched preview document of collection c the element of found with its key
 * (a live one before a deleted or voided one). */
static void match(struct run *r, int c, json_t *found)
{
    size_t k;
    json_t *el;
    char key[256];
    json_array_foreach(found, k, el) {
        xero_key(c, el, key, sizeof key);
        for (size_t i = 0; i < r->n; i++) {
            struct pdoc *p = &r->d[i];
            if (p->coll != c || strcmp(p->key, key) != 0 ||
                (c == 3 && strcmp(p->target, xero_target(el)) != 0))
                continue;
            if (p->theirs && (live(p->theirs) || !live(el)))
                continue;
            json_decref(p->theirs);
            p->theirs = json_incref(el);
        }
    }
}

/* "DateTime(2025, 09, 01)" of the first day of month (YYYY-MM) and of the next month. */
static void month_bounds(const char *period, char from[32], char to[32])
{
    char next[8];
    period_next(period, next);
    snprintf(from, 32, "DateTime(%.4s, %.2s, 01)", period, period + 5);
    snprintf(to, 32, "DateTime(%.4s, %.2s, 01)", next, next + 5);
}

/* The period's documents numbered AMZ- in the numbered collections (one paged query each). */
static int by_period(struct xclient *cl, const char *period, json_t *found[3], struct err *e)
{
    static const char *const field[] = { "InvoiceNumber", "CreditNoteNumber", "Narration" };
    char from[32], to[32], w[256], q[1024], path[32];
    month_bounds(period, from, to);
    for (int c = 0; c < 3; c++) {
        snprintf(w, sizeof w, "%s.StartsWith(\"AMZ-\") AND Date >= %s AND Date < %s",
                 field[c], from, to);
        if (http_escape(w, q + 6, sizeof q - 6) < 0)
            return err_set(e, ERR_INTERNAL, "diff query too long");
        memcpy(q, "where=", 6);
        snprintf(path, sizeof path, "/%s", collections[c]);
        if (xlookup_fetch(cl, path, q, collections[c], found[c], e) < 0)
            return -1;
    }
    return 0;
}

/* The query for up to a batch of unmatched documents of collection c from index *from on;
 * *from moves past them. 0 with q = "" when none is left. */
static int batch_query(struct run *r, int c, size_t *from, char *q, size_t cap, struct err *e)
{
    static const char *const field[] = { "", "CreditNoteNumber", "Narration.StartsWith",
                                         "Reference", "Reference", "Reference" };
    char list[3000] = "", esc[6000];
    size_t len = 0;
    int taken = 0, per = c == 0 ? NUMBERS_PER_CALL : WHERE_PER_CALL;
    for (; *from < r->n && taken < per; (*from)++) {
        struct pdoc *p = &r->d[*from];
        int k;
        int seen = 0;
        if (p->coll != c || p->theirs)
            continue;
        for (size_t j = 0; j < *from && !seen; j++)   /* payments share references */
            seen = r->d[j].coll == c && !r->d[j].theirs && strcmp(r->d[j].key, p->key) == 0;
        if (seen)
            continue;
        if (strpbrk(p->key, "\",\\"))
            return err_set(e, ERR_INTERNAL, "cannot look up '%s' in Xero (its text cannot "
                           "be quoted): check Xero by hand", p->key);
        if (c == 0)
            k = snprintf(list + len, sizeof list - len, "%s%s", len ? "," : "", p->key);
        else if (c == 2)
            k = snprintf(list + len, sizeof list - len, "%s%s(\"%s:\")", len ? " OR " : "",
                         field[c], p->key);
        else
            k = snprintf(list + len, sizeof list - len, "%s%s==\"%s\"", len ? " OR " : "",
                         field[c], p->key);
        if (k < 0 || (size_t)k >= sizeof list - len)
            break;
        len += (size_t)k;
        taken++;
    }
    q[0] = '\0';
    if (!taken)
        return 0;
    if (http_escape(list, esc, sizeof esc) < 0)
        return err_set(e, ERR_INTERNAL, "diff query too long");
    snprintf(q, cap, "%s=%s", c == 0 ? "InvoiceNumbers" : "where", esc);
    return 0;
}

static int by_number(struct xclient *cl, struct run *r, int c, struct err *e)
{
    char q[7000], path[32];
    size_t from = 0;
    snprintf(path, sizeof path, "/%s", collections[c]);
    for (;;) {
        json_t *found;
        if (batch_query(r, c, &from, q, sizeof q, e) < 0)
            return -1;
        if (!q[0])
            return 0;
        if (!(found = json_array()))
            return err_set(e, ERR_NOMEM, "out of memory");
        if (xlookup_fetch(cl, path, q, collections[c], found, e) < 0) {
            json_decref(found);
            return -1;
        }
        match(r, c, found);
        json_decref(found);
    }
}

static const char *doc_type(int c, json_t *doc)
{
    /* per collection; NULL: the document's own Type (ACCREC, RECEIVE, ...) */
    static const char *const fixed[] = { NULL, NULL, "MANUALJOURNAL", "PAYMENT",
                                         "BANKTRANSFER", NULL };
    _Static_assert(sizeof fixed / sizeof fixed[0] == sizeof collections / sizeof collections[0],
                   "a type for every collection");
    return fixed[c] ? fixed[c] : str(doc, "Type");
}

static int out_add(struct xero_diff *d, int c, const char *number, json_t *doc,
                   struct err *e)
{
    struct xdiff_doc *v = realloc(d->v, (d->n + 1) * sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    d->v = v;
    v = &d->v[d->n++];
    memset(v, 0, sizeof *v);
    snprintf(v->collection, sizeof v->collection, "%s", collections[c]);
    snprintf(v->number, sizeof v->number, "%s", number);
    snprintf(v->type, sizeof v->type, "%s", doc_type(c, doc));
    return 0;
}

static int classify(struct run *r, json_t *found[3], struct xero_diff *out, struct err *e)
{
    for (size_t i = 0; i < r->n; i++) {
        struct pdoc *p = &r->d[i];
        char label[160];
        struct xdiff_doc *v;
        if (p->coll == 3)
            snprintf(label, sizeof label, "payment of %s", p->target);
        else
            snprintf(label, sizeof label, "%s", p->key);
        if (out_add(out, p->coll, label, p->ours, e) < 0)
            return -1;
        v = &out->v[out->n - 1];
        if (!p->theirs) {
            v->status = "new";
            continue;
        }
        if (xdiff_compare(collections[p->coll], p->ours, p->theirs, v) < 0)
            return err_set(e, ERR_NOMEM, "out of memory");
        v->status = v->n_diffs ? "differs" : "identical";
    }
    for (int c = 0; c < 3; c++) {
        size_t k;
        json_t *el;
        char key[256];
        json_array_foreach(found[c], k, el) {
            int ours = 0;
            xero_key(c, el, key, sizeof key);
            for (size_t i = 0; i < r->n && !ours; i++)
                ours = r->d[i].coll == c && strcmp(r->d[i].key, key) == 0;
            if (ours || !live(el))
                continue;
            if (out_add(out, c, key, el, e) < 0)
                return -1;
            out->v[out->n - 1].status = "xero_only";
        }
    }
    return 0;
}

int xero_diff_period(struct ledger *lg, const struct config *cfg, const char *period,
                     struct xero_diff *out, struct err *e)
{
    struct run r = { .lg = lg, .e = e };
    struct xclient cl;
    json_t *found[3] = { json_array(), json_array(), json_array() };
    int rc = -1, open = 0;
    memset(out, 0, sizeof *out);
    if (!found[0] || !found[1] || !found[2]) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (outbox_each(lg, "", period, collect_row, &r, e) < 0)
        goto done;
    if (xclient_open(&cl, cfg, e) < 0)
        goto done;
    open = 1;
    cl.exact_numbers = 1;
    if (by_period(&cl, period, found, e) < 0)
        goto done;
    for (int c = 0; c < 3; c++)
        match(&r, c, found[c]);
    for (int c = 0; c < (int)(sizeof collections / sizeof collections[0]); c++)
        if (by_number(&cl, &r, c, e) < 0)
            goto done;
    rc = classify(&r, found, out, e);
done:
    if (open) {
        out->calls = cl.calls;
        xclient_close(&cl);
    }
    for (size_t i = 0; i < r.n; i++) {
        json_decref(r.d[i].ours);
        json_decref(r.d[i].theirs);
    }
    free(r.d);
    for (int c = 0; c < 3; c++)
        json_decref(found[c]);
    if (rc < 0)
        xero_diff_free(out);
    return rc;
}

void xero_diff_free(struct xero_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->v[i].n_diffs; k++)
            free(d->v[i].diffs[k]);
        free(d->v[i].diffs);
    }
    free(d->v);
    d->v = NULL;
    d->n = 0;
}
