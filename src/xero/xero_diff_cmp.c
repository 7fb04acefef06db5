/* xero_diff_cmp — compares one document as settlebook would send it with what Xero holds
 * under the same number or reference, field by field: header fields, dates, status, each
 * line's account, tax type, description, quantity and amounts. Both sides come with numbers
 * as strings (jnum_quote) and are compared as exact decimals. Pure: no network, no ledger. */
#include "xero_diff_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* The value at a dotted path as text: strings as they are, numbers (already strings), true,
 * false; NULL when absent. */
static const char *at(json_t *o, const char *path)
{
    char key[64];
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
        o = json_object_get(o, key);
        path = dot + 1;
    }
    o = json_object_get(o, path);
    if (json_is_string(o))
        return json_string_value(o);
    if (json_is_true(o))
        return "true";
    if (json_is_false(o))
        return "false";
    return NULL;
}

/* Xero's dates: "DateString": "2025-09-30T00:00:00", else "Date": "/Date(1759190400000+0000)/";
 * ours: "2025-09-30". Into out[11] as YYYY-MM-DD ("" when unreadable). */
static void xero_date(json_t *x, const char *field, char out[11])
{
    char k[40];
    const char *s;
    int64_t ms = 0;
    int y, m, d;
    out[0] = '\0';
    snprintf(k, sizeof k, "%sString", field);
    s = at(x, k);
    if (s && strlen(s) >= 10) {
        snprintf(out, 11, "%.10s", s);
        return;
    }
    s = at(x, field);
    if (!s)
        return;
    if (strncmp(s, "/Date(", 6) != 0) {
        snprintf(out, 11, "%.10s", s);
        return;
    }
    for (const char *p = s + 6; *p >= '0' && *p <= '9'; p++)
        ms = ms * 10 + (*p - '0');
    dates_civil(ms / 86400000, &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

static int same_value(const char *field, const char *ours, const char *theirs)
{
    int64_t a, b;
    if (!theirs)
        return 0;
    if (strcmp(field, "Status") == 0 && strcmp(ours, "AUTHORISED") == 0)
        return strcmp(theirs, "AUTHORISED") == 0 || strcmp(theirs, "PAID") == 0;
    if (jnum_scaled(ours, &a) == 0 && jnum_scaled(theirs, &b) == 0)
        return a == b;
    return strcmp(ours, theirs) == 0;
}

static int add(struct xdiff_doc *d, const char *fmt, const char *what, const char *ours,
               const char *theirs)
{
    char buf[600], **v;
    snprintf(buf, sizeof buf, fmt, what, ours, theirs ? theirs : "(none)");
    if (d->n_diffs == XDIFF_DIFFS_MAX)
        return 0;
    v = realloc(d->diffs, (d->n_diffs + 1) * sizeof *v);
    if (!v)
        return -1;
    d->diffs = v;
    if (!(v[d->n_diffs] = strdup(buf)))
        return -1;
    d->n_diffs++;
    return 0;
}

static int fields(struct xdiff_doc *d, json_t *ours, json_t *theirs, const char *const *f,
                  const char *prefix)
{
    for (; *f; f++) {
        const char *o = at(ours, *f);
        char what[96], od[11], td[11];
        if (!o)
            continue;       /* we do not send it: Xero's default is not ours to judge */
        snprintf(what, sizeof what, "%s%s", prefix, *f);
        if (strcmp(*f, "Date") == 0 || strcmp(*f, "DueDate") == 0) {
            snprintf(od, sizeof od, "%.10s", o);
            xero_date(theirs, *f, td);
            if (strcmp(od, td) != 0 && add(d, "%s: ours %s, Xero %s", what, od, td) < 0)
                return -1;
        } else if (!same_value(*f, o, at(theirs, *f)) &&
                   add(d, "%s: ours %s, Xero %s", what, o, at(theirs, *f)) < 0) {
            return -1;
        }
    }
    return 0;
}

static const char *const invoice_fields[] = {
    "Type", "Contact.Name", "Date", "DueDate", "Reference", "CurrencyCode", "Status",
    "LineAmountTypes", NULL };
static const char *const journal_fields[] = { "Narration", "Date", "Status",
                                              "LineAmountTypes", NULL };
static const char *const payment_fields[] = {
    "Date", "Amount", "Account.Code", "Reference", "Invoice.InvoiceNumber",
    "CreditNote.CreditNoteNumber", NULL };
static const char *const transfer_fields[] = {
    "FromBankAccount.Code", "ToBankAccount.Code", "Amount", "Date", "Reference", NULL };
static const char *const bank_transaction_fields[] = {
    "Type", "Contact.Name", "BankAccount.Code", "Date", "Reference", "CurrencyCode",
    "CurrencyRate", "Status", NULL };
static const char *const line_fields[] = {
    "Description", "ItemCode", "Quantity", "UnitAmount", "AccountCode", "TaxType",
    "LineAmount", NULL };

/* The tracking of a line as "Name=Option;..." */
static void tracking(json_t *line, char *out, size_t cap)
{
    size_t i, n = 0;
    json_t *t;
    out[0] = '\0';
    json_array_foreach(json_object_get(line, "Tracking"), i, t) {
        const char *nm = at(t, "Name"), *op = at(t, "Option");
        int k = snprintf(out + n, cap - n, "%s%s=%s", n ? ";" : "", nm ? nm : "",
                         op ? op : "");
        if (k < 0 || (size_t)k >= cap - n)
            break;
        n += (size_t)k;
    }
}

static int lines(struct xdiff_doc *d, json_t *ours, json_t *theirs, const char *arr)
{
    json_t *a = json_object_get(ours, arr), *b = json_object_get(theirs, arr);
    size_t na = json_array_size(a), nb = json_array_size(b);
    char n1[24], n2[24], prefix[32], t1[300], t2[300];
    if (na != nb) {
        snprintf(n1, sizeof n1, "%zu", na);
        snprintf(n2, sizeof n2, "%zu", nb);
        if (add(d, "%s: ours %s, Xero %s", "lines", n1, n2) < 0)
            return -1;
    }
    for (size_t i = 0; i < na && i < nb; i++) {
        snprintf(prefix, sizeof prefix, "line %zu ", i + 1);
        if (fields(d, json_array_get(a, i), json_array_get(b, i), line_fields, prefix) < 0)
            return -1;
        tracking(json_array_get(a, i), t1, sizeof t1);
        tracking(json_array_get(b, i), t2, sizeof t2);
        snprintf(prefix, sizeof prefix, "line %zu Tracking", i + 1);
        if (strcmp(t1, t2) != 0 && add(d, "%s: ours %s, Xero %s", prefix, t1[0] ? t1 : "-",
                                       t2[0] ? t2 : "-") < 0)
            return -1;
    }
    return 0;
}

int xdiff_compare(const char *collection, json_t *ours, json_t *theirs, struct xdiff_doc *d)
{
    if (strcmp(collection, "Invoices") == 0 || strcmp(collection, "CreditNotes") == 0)
        return fields(d, ours, theirs, invoice_fields, "") < 0 ? -1
               : lines(d, ours, theirs, "LineItems");
    if (strcmp(collection, "ManualJournals") == 0)
        return fields(d, ours, theirs, journal_fields, "") < 0 ? -1
               : lines(d, ours, theirs, "JournalLines");
    if (strcmp(collection, "Payments") == 0)
        return fields(d, ours, theirs, payment_fields, "");
    if (strcmp(collection, "BankTransactions") == 0)
        return fields(d, ours, theirs, bank_transaction_fields, "") < 0 ? -1
               : lines(d, ours, theirs, "LineItems");
    return fields(d, ours, theirs, transfer_fields, "");
}
