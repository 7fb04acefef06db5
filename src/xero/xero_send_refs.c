/* xero_send_refs — the ids a request needs before they exist. A credit note is allocated to
 * its invoice by PUT /CreditNotes/{CreditNoteID}/Allocations with the invoice's InvoiceID
 * (Xero's Allocation, tests/spec/xero), ids Xero gives the documents when it creates them.
 * The preview (and the outbox) names them {CreditNoteID:<number>} and {InvoiceID:<number>};
 * just before sending, each is replaced with the id recorded for the confirmed document of
 * that number (outbox_doc, from Xero's answer or lookup). That substitution is the one way
 * a sent request differs from the preview's bytes; the idempotency key stays the stored
 * request's. Reads the ledger only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "xero_send_int.h"

/* The id Xero gave the confirmed document `number` sent to path; "" when none yet. */
static int doc_id(struct ledger *lg, const char *path, const char *number, char *out,
                  size_t cap, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT d.xero_id FROM outbox_doc d JOIN outbox o ON o.id = "
                       "d.outbox_id WHERE o.path = ?1 AND d.label = ?2 AND d.state = 'confirmed'"
                       " AND COALESCE(d.xero_id, '') != '' ORDER BY o.id DESC LIMIT 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, number, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        snprintf(out, cap, "%s", ledger_text(st, 0));
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read a document's id");
}

int xrefs_resolve(struct ledger *lg, const char *in, char **out, struct err *e)
{
    static const struct { const char *tag, *path; } refs[] = {
        { "{" XERO_REF_INVOICE, "/Invoices" }, { "{" XERO_REF_CREDIT_NOTE, "/CreditNotes" },
    };
    size_t cap = strlen(in) + 1, len = 0;
    char *buf = malloc(cap);
    const char *p = in;
    if (!buf)
        return err_set(e, ERR_NOMEM, "out of memory");
    while (*p) {
        size_t k = 0, tl = 0;
        while (k < 2 && strncmp(p, refs[k].tag, tl = strlen(refs[k].tag)) != 0)
            k++;
        const char *end = k < 2 ? strchr(p + tl, '}') : NULL;
        char number[160], id[64];
        if (!end) {
            buf[len++] = *p++;
            continue;
        }
        snprintf(number, sizeof number, "%.*s", (int)(end - p - tl), p + tl);
        if (doc_id(lg, refs[k].path, number, id, sizeof id, e) < 0) {
            free(buf);
            return -1;
        }
        if (!id[0]) {
            free(buf);
            return err_set(e, ERR_INPUT, "%s %s is not in Xero yet (no id to allocate with): "
                           "it is sent before this request; run `settlebook post --live` "
                           "again", refs[k].path + 1, number);
        }
        /* Room for the id and the rest of the input, which is copied without a check. */
        size_t need = len + strlen(id) + strlen(end + 1) + 1;
        if (need > cap) {
            char *q = realloc(buf, cap = need);
            if (!q) {
                free(buf);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            buf = q;
        }
        memcpy(buf + len, id, strlen(id));
        len += strlen(id);
        p = end + 1;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

int xrefs_lookup_allocation(struct xclient *c, struct ledger *lg, const char *path,
                            const char *body, struct xresult *out, struct err *e)
{
    char *rpath = NULL, *rbody = NULL, cn[128];
    json_t *root = NULL, *want, *found = json_array(), *el;
    size_t i;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!found)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (xrefs_resolve(lg, path, &rpath, e) < 0 || xrefs_resolve(lg, body, &rbody, e) < 0)
        goto done;
    /* /CreditNotes/<id>/Allocations -> GET /CreditNotes/<id>: its Allocations */
    snprintf(cn, sizeof cn, "%.*s", (int)(strstr(rpath, "/Allocations") ?
             (size_t)(strstr(rpath, "/Allocations") - rpath) : strlen(rpath)), rpath);
    root = json_loads(rbody, 0, NULL);
    want = json_array_get(json_object_get(root, "Allocations"), 0);
    if (!want || xlookup_fetch(c, cn, "", "CreditNotes", found, e) < 0)
        goto done;
    json_array_foreach(json_object_get(json_array_get(found, 0), "Allocations"), i, el) {
        const char *a = json_string_value(json_object_get(json_object_get(el, "Invoice"),
                                                          "InvoiceID"));
        const char *b = json_string_value(json_object_get(json_object_get(want, "Invoice"),
                                                          "InvoiceID"));
        if (a && b && !strcmp(a, b)) {
            const char *id = json_string_value(json_object_get(el, "AllocationID"));
            out->done = out->ok = 1;
            snprintf(out->id, sizeof out->id, "%s", id ? id : "");
        }
    }
    rc = 0;
done:
    json_decref(root);
    json_decref(found);
    free(rpath);
    free(rbody);
    return rc;
}
