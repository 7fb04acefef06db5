/* xero_send_parse — Xero's answer to a PUT of documents, per document: created (its id and
 * status) or rejected (its ValidationErrors). With summarizeErrors=false Xero answers 200 and
 * marks each element; a 400 ValidationException rejects the whole request. An answer that
 * does not fit the request is refused, so its outcome stays unknown. */
#include "xero_send_int.h"

#include <stdio.h>
#include <string.h>

/* Appends the Message of each entry of a ValidationErrors array to msg; returns how many. */
static int messages(json_t *errs, char *msg, size_t cap)
{
    size_t i;
    json_t *v;
    int n = 0;
    if (!json_is_array(errs))
        return 0;
    json_array_foreach(errs, i, v) {
        const char *m = json_string_value(json_object_get(v, "Message"));
        size_t len = strlen(msg);
        if (!m)
            m = "rejected (no message)";
        snprintf(msg + len, cap - len, "%s%s", len ? "; " : "", m);
        n++;
    }
    return n;
}

static int element(json_t *el, const char *idf, struct xresult *r, struct err *e, size_t i)
{
    const char *sas = json_string_value(json_object_get(el, "StatusAttributeString"));
    int bad = messages(json_object_get(el, "ValidationErrors"), r->msg, sizeof r->msg) > 0 ||
              json_is_true(json_object_get(el, "HasErrors")) ||
              (sas && strcmp(sas, "ERROR") == 0);
    const char *id = json_string_value(json_object_get(el, idf));
    const char *st = json_string_value(json_object_get(el, "Status"));
    r->done = 1;
    if (bad) {
        if (!r->msg[0])
            snprintf(r->msg, sizeof r->msg, "rejected by Xero (no message given)");
        return 0;
    }
    /* an allocation is no document of its own: Xero's answer to one may omit its id */
    if ((!id || !id[0]) && strcmp(idf, "AllocationID") != 0)
        return err_set(e, ERR_NET, "Xero's answer has no %s for document %zu", idf, i + 1);
    r->ok = 1;
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
    snprintf(r->status, sizeof r->status, "%s", st ? st : "");
    return 0;
}

int xparse_answer(json_t *root, long status, const char *collection, size_t n,
                  struct xresult *out, struct err *e)
{
    const char *idf = xbody_id_field(collection);
    json_t *arr;
    memset(out, 0, n * sizeof *out);
    if (!idf)
        return err_set(e, ERR_INTERNAL, "unknown collection %s", collection);
    if (!json_is_object(root))
        return err_set(e, ERR_NET, "Xero's answer is not a JSON object");
    if (status >= 200 && status < 300) {
        arr = json_object_get(root, collection);
        if (!json_is_array(arr) || json_array_size(arr) != n)
            return err_set(e, ERR_NET, "Xero's answer lists %zu %s, the request sent %zu",
                           json_is_array(arr) ? json_array_size(arr) : 0, collection, n);
        for (size_t i = 0; i < n; i++)
            if (element(json_array_get(arr, i), idf, &out[i], e, i) < 0)
                return -1;
        return 0;
    }
    if (status == 400) {
        /* the whole request was refused: nothing of it exists in Xero */
        const char *m = json_string_value(json_object_get(root, "Message"));
        json_t *els = json_object_get(root, "Elements");
        int by_index = json_is_array(els) && json_array_size(els) == n;
        for (size_t i = 0; i < n; i++) {
            out[i].done = 1;
            if (by_index)
                messages(json_object_get(json_array_get(els, i), "ValidationErrors"),
                         out[i].msg, sizeof out[i].msg);
            else if (json_is_array(els))
                for (size_t k = 0; k < json_array_size(els); k++)
                    messages(json_object_get(json_array_get(els, k), "ValidationErrors"),
                             out[i].msg, sizeof out[i].msg);
            if (!out[i].msg[0])
                snprintf(out[i].msg, sizeof out[i].msg, "%s",
                         m ? m : "the request was rejected (HTTP 400)");
        }
        return 0;
    }
    return err_set(e, ERR_NET, "Xero answered HTTP %ld", status);
}
