/* xero_send_body — a request body {"<Collection>":[doc, ...]} as its documents: split by
 * scanning the text (so a subset keeps every byte, numbers included, exactly as rendered),
 * and what identifies each document in Xero. Never changes a body it is given. */
#include "xero_send_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t ws(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    return i;
}

/* Skips a string starting at s[*i] == '"'; -1 when unterminated. */
static int skip_string(const char *s, size_t *i)
{
    size_t k = *i + 1;
    while (s[k] && s[k] != '"')
        k += (s[k] == '\\' && s[k + 1]) ? 2 : 1;
    if (s[k] != '"')
        return -1;
    *i = k + 1;
    return 0;
}

/* Skips one JSON value starting at s[*i]; -1 when malformed or nested too deep. */
static int skip_value(const char *s, size_t *i)
{
    size_t k = *i;
    int depth = 0;
    if (s[k] == '"')
        return skip_string(s, i);
    if (s[k] != '{' && s[k] != '[') {
        while (s[k] && !strchr(",]} \t\r\n", s[k]))
            k++;
        if (k == *i)
            return -1;
        *i = k;
        return 0;
    }
    do {
        if (s[k] == '"') {
            if (skip_string(s, &k) < 0)
                return -1;
            continue;
        }
        if (s[k] == '{' || s[k] == '[') {
            if (++depth > 64)
                return -1;
        } else if (s[k] == '}' || s[k] == ']') {
            depth--;
        } else if (!s[k]) {
            return -1;
        }
        k++;
    } while (depth > 0);
    *i = k;
    return 0;
}

int xbody_split(const char *body, struct xbody *out, struct err *e)
{
    size_t i = ws(body, 0), k;
    memset(out, 0, sizeof *out);
    if (body[i] != '{')
        goto bad;
    i = ws(body, i + 1);
    if (body[i] != '"')
        goto bad;
    k = i;
    if (skip_string(body, &k) < 0 || k - i - 2 >= sizeof out->collection)
        goto bad;
    snprintf(out->collection, sizeof out->collection, "%.*s", (int)(k - i - 2), body + i + 1);
    i = ws(body, k);
    if (body[i] != ':')
        goto bad;
    i = ws(body, i + 1);
    if (body[i] != '[')
        goto bad;
    i = ws(body, i + 1);
    while (body[i] != ']') {
        size_t start = i;
        if (out->n == XBODY_DOCS_MAX)
            return err_set(e, ERR_INTERNAL, "request holds more than %d documents",
                           XBODY_DOCS_MAX);
        if (body[i] != '{' || skip_value(body, &i) < 0)
            goto bad;
        out->off[out->n] = start;
        out->len[out->n++] = i - start;
        i = ws(body, i);
        if (body[i] == ',')
            i = ws(body, i + 1);
        else if (body[i] != ']')
            goto bad;
    }
    i = ws(body, i + 1);
    if (body[i] != '}' || body[ws(body, i + 1)] != '\0' || out->n == 0)
        goto bad;
    return 0;
bad:
    return err_set(e, ERR_INTERNAL, "outbox body is not {\"Collection\":[documents]} "
                   "(near byte %zu)", i);
}

char *xbody_subset(const char *body, const struct xbody *b, const unsigned char *keep)
{
    size_t cap = strlen(b->collection) + 8, o;
    char *out;
    int first = 1;
    for (size_t i = 0; i < b->n; i++)
        cap += keep[i] ? b->len[i] + 1 : 0;
    out = malloc(cap);
    if (!out)
        return NULL;
    o = (size_t)snprintf(out, cap, "{\"%s\":[", b->collection);
    for (size_t i = 0; i < b->n; i++) {
        if (!keep[i])
            continue;
        if (!first)
            out[o++] = ',';
        memcpy(out + o, body + b->off[i], b->len[i]);
        o += b->len[i];
        first = 0;
    }
    memcpy(out + o, "]}", 3);
    return out;
}

const char *xbody_id_field(const char *collection)
{
    static const char *const map[][2] = {
        { "Invoices", "InvoiceID" }, { "CreditNotes", "CreditNoteID" },
        { "Payments", "PaymentID" }, { "ManualJournals", "ManualJournalID" },
        { "BankTransfers", "BankTransferID" }, { "Contacts", "ContactID" },
        { "Items", "ItemID" },
        { "BankTransactions", "BankTransactionID" }, { "Allocations", "AllocationID" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(collection, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

int xbody_doc(const char *body, const struct xbody *b, size_t i, struct xdoc *out,
              struct err *e)
{
    json_error_t je;
    json_t *d = json_loadb(body + b->off[i], b->len[i], 0, &je);
    const char *c = b->collection;
    memset(out, 0, sizeof *out);
    if (!json_is_object(d)) {
        json_decref(d);
        return err_set(e, ERR_INTERNAL, "document %zu of the request is not an object", i);
    }
    if (strcmp(c, "Invoices") == 0) {
        snprintf(out->number, sizeof out->number, "%s", str(d, "InvoiceNumber"));
        snprintf(out->reference, sizeof out->reference, "%s", str(d, "Reference"));
        snprintf(out->label, sizeof out->label, "%s", out->number);
    } else if (strcmp(c, "CreditNotes") == 0) {
        snprintf(out->number, sizeof out->number, "%s", str(d, "CreditNoteNumber"));
        snprintf(out->reference, sizeof out->reference, "%s", str(d, "Reference"));
        snprintf(out->label, sizeof out->label, "%s", out->number);
    } else if (strcmp(c, "Payments") == 0) {
        json_t *inv = json_object_get(d, "Invoice"), *cn = json_object_get(d, "CreditNote");
        snprintf(out->reference, sizeof out->reference, "%s", str(d, "Reference"));
        snprintf(out->target, sizeof out->target, "%s", inv ? str(inv, "InvoiceNumber")
                 : cn ? str(cn, "CreditNoteNumber") : "");
        snprintf(out->label, sizeof out->label, "payment of %s", out->target);
    } else if (strcmp(c, "ManualJournals") == 0) {
        const char *n = str(d, "Narration");
        size_t k = strcspn(n, ":");
        snprintf(out->reference, sizeof out->reference, "%s", n);
        snprintf(out->label, sizeof out->label, "%.*s", (int)(k < 80 ? k : 80), n);
    } else if (strcmp(c, "Contacts") == 0) {
        snprintf(out->reference, sizeof out->reference, "%s", str(d, "Name"));
        snprintf(out->label, sizeof out->label, "contact %.150s", out->reference);
    } else if (strcmp(c, "Items") == 0) {
        snprintf(out->reference, sizeof out->reference, "%s", str(d, "Code"));
        snprintf(out->label, sizeof out->label, "item %s", out->reference);
    } else if (strcmp(c, "Allocations") == 0) {
        /* the invoice it allocates to, named by the placeholder of its InvoiceID */
        const char *inv = str(json_object_get(d, "Invoice"), "InvoiceID");
        const char *n = strchr(inv, ':');
        snprintf(out->reference, sizeof out->reference, "%s", inv);
        snprintf(out->target, sizeof out->target, "%.*s", n ? (int)strcspn(n + 1, "}") : 0,
                 n ? n + 1 : "");
        snprintf(out->label, sizeof out->label, "allocation to %s", out->target);
    } else if (strcmp(c, "BankTransfers") == 0 || strcmp(c, "BankTransactions") == 0) {
        snprintf(out->reference, sizeof out->reference, "%s", str(d, "Reference"));
        snprintf(out->label, sizeof out->label, "%s %s", c[4] == 'T' && c[8] == 'f' ?
                 "transfer" : "bank transaction", out->reference);
    } else {
        json_decref(d);
        return err_set(e, ERR_INTERNAL, "live posting does not know Xero's %s", c);
    }
    json_decref(d);
    if (!out->label[0])
        snprintf(out->label, sizeof out->label, "document %zu", i + 1);
    return 0;
}

int xero_effective(struct ledger *lg, const struct outbox_row *r, char **body_out,
                     char key_out[136], struct err *e)
{
    struct xbody *b = malloc(sizeof *b);
    unsigned char *keep = NULL;
    size_t left = 0;
    int rc = -1;
    *body_out = NULL;
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (xbody_split(r->body, b, e) < 0)
        goto done;
    keep = malloc(b->n);
    if (!keep) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (outbox_confirmed(lg, r->id, b->n, keep, e) < 0)
        goto done;
    for (size_t i = 0; i < b->n; i++) {
        keep[i] = !keep[i];
        left += keep[i];
    }
    if (left == b->n || left == 0) {
        *body_out = strdup(r->body);
        snprintf(key_out, 136, "%s", r->key);
    } else {
        char head[160], hex[HASH_HEX_LEN];
        struct hash_ctx *h;
        *body_out = xbody_subset(r->body, b, keep);
        if (*body_out && hash_new(&h, e) == 0) {
            int k = snprintf(head, sizeof head, "%s|", r->key);
            hash_update(h, head, (size_t)k);
            hash_update(h, *body_out, strlen(*body_out));
            hash_final(h, hex);
            snprintf(key_out, 136, "sb1-%.60s", hex);
        } else if (*body_out) {
            free(*body_out);
            *body_out = NULL;
            goto done;
        }
    }
    if (!*body_out) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = 0;
done:
    free(keep);
    free(b);
    return rc;
}
