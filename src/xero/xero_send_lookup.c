/* xero_send_lookup — finds in Xero the documents of a request whose outcome is unknown
 * (the process died, or the answer was lost, after the request may have reached Xero):
 * invoices by InvoiceNumbers, credit notes by number, manual journals by narration, payments
 * by reference and the document they pay, bank transfers by reference. Only reads. */
#include "xero_send_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define LOOKUP_CHUNK 10         /* documents per query: keeps URLs short */
#define LOOKUP_PAGES_MAX 200    /* 100 per page: 20,000 matches at most */

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

int xlookup_fetch(struct xclient *c, const char *path, const char *query, const char *coll,
                 json_t *all, struct err *e)
{
    for (int page = 1; page <= LOOKUP_PAGES_MAX; page++) {
        char q[4096];
        struct xcall call = { .method = "GET", .path = path, .query = q };
        long status;
        json_t *root, *arr;
        int unknown;
        size_t got;
        /* documents with line items answer their unit amounts in 4 decimals only when
         * asked (unitdp=4, Xero's "Rounding in Xero" guide): the diff compares them with
         * the 4-decimal ones settlebook sends */
        snprintf(q, sizeof q, "%s&page=%d%s", query, page,
                 strcmp(coll, "Invoices") && strcmp(coll, "CreditNotes") &&
                 strcmp(coll, "BankTransactions") ? "" : "&unitdp=4");
        if (xclient_call(c, &call, &status, &root, &unknown, e) < 0)
            return -1;
        if (status == 304) {
            json_decref(root);
            return 0;
        }
        arr = json_object_get(root, coll);
        if (status != 200 || !json_is_array(arr)) {
            json_decref(root);
            return err_set(e, ERR_NET, "Xero GET %s: HTTP %ld while looking up documents",
                           path, status);
        }
        got = json_array_size(arr);
        json_array_extend(all, arr);
        json_decref(root);
        if (got < XLOOKUP_PAGE_SIZE || strcmp(coll, "BankTransfers") == 0)
            return 0;
    }
    return err_set(e, ERR_NET, "Xero GET %s: more than %d pages of matches", path,
                   LOOKUP_PAGES_MAX);
}

/* Appends `field=="value"` (OR-joined) to a where clause; -1 when the value cannot be
 * quoted safely. */
static int where_add(char *w, size_t cap, const char *field, const char *value)
{
    size_t len = strlen(w);
    if (strchr(value, '"') || strchr(value, '\\'))
        return -1;
    if ((size_t)snprintf(w + len, cap - len, "%s%s==\"%s\"", len ? " OR " : "", field,
                         value) >= cap - len)
        return -1;
    return 0;
}

/* Marks every todo document matching an element of found. */
static void match(const char *coll, json_t *found, struct xdoc *docs, size_t n,
                  const unsigned char *todo, struct xresult *out)
{
    const char *idf = xbody_id_field(coll);
    size_t k;
    json_t *el;
    json_array_foreach(found, k, el) {
        for (size_t i = 0; i < n; i++) {
            int hit = 0;
            if (!todo[i] || out[i].ok)
                continue;
            if (!strcmp(coll, "Invoices"))
                hit = !strcmp(str(el, "InvoiceNumber"), docs[i].number);
            else if (!strcmp(coll, "CreditNotes"))
                hit = !strcmp(str(el, "CreditNoteNumber"), docs[i].number);
            else if (!strcmp(coll, "ManualJournals"))
                hit = !strcmp(str(el, "Narration"), docs[i].reference);
            else if (!strcmp(coll, "Contacts"))
                hit = !strcmp(str(el, "Name"), docs[i].reference);
            else if (!strcmp(coll, "BankTransfers") || !strcmp(coll, "BankTransactions"))
                hit = !strcmp(str(el, "Reference"), docs[i].reference);
            else if (!strcmp(coll, "Items"))
                hit = !strcmp(str(el, "Code"), docs[i].reference);
            else if (!strcmp(coll, "Payments")) {
                json_t *inv = json_object_get(el, "Invoice");
                json_t *cn = json_object_get(el, "CreditNote");
                const char *t = inv ? str(inv, "InvoiceNumber") : cn ?
                                str(cn, "CreditNoteNumber") : "";
                hit = !strcmp(str(el, "Reference"), docs[i].reference) &&
                      !strcmp(t, docs[i].target);
            }
            if (hit) {
                out[i].done = out[i].ok = 1;
                snprintf(out[i].id, sizeof out[i].id, "%s", str(el, idf));
                snprintf(out[i].status, sizeof out[i].status, "%s", str(el, "Status"));
                break;
            }
        }
    }
}

/* The value a document is looked up by. */
static const char *key_of(const char *coll, const struct xdoc *d)
{
    if (!strcmp(coll, "Invoices") || !strcmp(coll, "CreditNotes"))
        return d->number;
    return d->reference;   /* manual journals: narration; items: code; payments, transfers:
                            * reference; contacts: name */
}

/* The query finding values[from..to): a number list for invoices, else a where clause. */
static int chunk_query(const char *coll, const char **values, size_t from, size_t to,
                       char *q, size_t cap, struct err *e)
{
    char w[3000] = "", esc[4000];
    const char *field = !strcmp(coll, "CreditNotes") ? "CreditNoteNumber"
                      : !strcmp(coll, "ManualJournals") ? "Narration"
                      : !strcmp(coll, "Contacts") ? "Name"
                      : !strcmp(coll, "Items") ? "Code" : "Reference";
    for (size_t i = from; i < to; i++) {
        size_t len = strlen(w);
        if (!strcmp(coll, "Invoices")) {
            if (strchr(values[i], ',') || (size_t)snprintf(w + len, sizeof w - len, "%s%s",
                                                           len ? "," : "", values[i])
                                          >= sizeof w - len)
                return err_set(e, ERR_INTERNAL, "cannot look up invoice %s in Xero: check "
                               "Xero by hand", values[i]);
        } else if (where_add(w, sizeof w, field, values[i]) < 0)
            return err_set(e, ERR_INTERNAL, "cannot look up '%s' in Xero (its text cannot be "
                           "quoted): check Xero by hand", values[i]);
    }
    if (http_escape(w, esc, sizeof esc) < 0)
        return err_set(e, ERR_INTERNAL, "lookup query too long");
    snprintf(q, cap, "%s=%s", !strcmp(coll, "Invoices") ? "InvoiceNumbers" : "where", esc);
    return 0;
}

int xlookup_docs(struct xclient *c, const char *body, const struct xbody *b,
                 const unsigned char *todo, struct xresult *out, struct err *e)
{
    struct xdoc *docs = calloc(b->n, sizeof *docs);
    const char **values = calloc(b->n, sizeof *values);
    char path[64], q[4096];
    size_t nv = 0;
    int rc = -1;
    if (!docs || !values) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < b->n; i++) {
        const char *v;
        size_t k = 0;
        if (xbody_doc(body, b, i, &docs[i], e) < 0)
            goto done;
        if (!todo[i])
            continue;
        v = key_of(b->collection, &docs[i]);
        if (!v[0]) {
            err_set(e, ERR_INTERNAL, "%s has nothing to look it up by in Xero: check Xero "
                    "by hand", docs[i].label);
            goto done;
        }
        while (k < nv && strcmp(values[k], v) != 0)
            k++;
        if (k == nv)
            values[nv++] = v;
    }
    snprintf(path, sizeof path, "/%s", b->collection);
    for (size_t from = 0; from < nv; from += LOOKUP_CHUNK) {
        size_t to = from + LOOKUP_CHUNK < nv ? from + LOOKUP_CHUNK : nv;
        json_t *found;
        if (chunk_query(b->collection, values, from, to, q, sizeof q, e) < 0)
            goto done;
        found = json_array();
        if (!found) {
            err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
        if (xlookup_fetch(c, path, q, b->collection, found, e) < 0) {
            json_decref(found);
            goto done;
        }
        match(b->collection, found, docs, b->n, todo, out);
        json_decref(found);
    }
    rc = 0;
done:
    free(values);
    free(docs);
    return rc;
}
