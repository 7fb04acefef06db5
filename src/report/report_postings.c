/* report_postings — the Postings sheet: every document and line of the period's outbox rows
 * (what was, or will be, sent to Xero), with the outbox state, the Xero id (live mode) and the
 * number of settlement lines behind each line: every request of the preview (settlement
 * documents, items, the cost-of-goods journal, the accruals and their reversals). Bodies are
 * read with jansson after every number token was quoted, so amounts come back as their exact
 * decimal text, never as a double. Reads only. */
#include "report_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct report_col cols[] = {
    { "Settlement ID", 14, 0 }, { "Request", 18, 0 }, { "Outbox state", 11, 0 },
    { "Xero ID", 37, 0 }, { "Document type", 22, 0 }, { "Document number", 18, 0 },
    { "Date", 11, 0 }, { "Contact", 16, 0 }, { "Status", 11, 0 }, { "Currency", 9, 0 },
    { "Line", 6, 1 }, { "Description", 48, 0 }, { "Account code", 9, 0 }, { "Tax type", 12, 0 },
    { "Amount", 14, 1 }, { "Settlement lines", 11, 1 },
};
enum { C_ID, C_REQ, C_STATE, C_XERO, C_TYPE, C_NUM, C_DATE, C_CONTACT, C_STATUS, C_CUR,
       C_LINE, C_DESC, C_CODE, C_TAX, C_AMOUNT, C_SOURCES };

/* Every request of the preview, in its order (post_preview.c): the items first, then the
 * settlements' documents, the cost-of-goods journal (COGS-<month>, in base_currency) and the
 * accruals and their reversals (ACCRUAL-<month>-<currency>[-R]), so the sheet ties to it. */
static const char ROWS[] =
    "SELECT o.settlement_id, o.month, o.seq, o.method, o.path, o.state, o.xero_id, "
    "o.doc_number, o.body, coalesce(s.currency, CASE WHEN o.settlement_id GLOB 'ACCRUAL-*' "
    "THEN substr(o.settlement_id, 17, 3) ELSE ?2 END) FROM outbox o LEFT JOIN settlement s ON "
    "s.settlement_id = o.settlement_id WHERE (?1 = '' OR o.month = ?1) AND "
    "o.state != 'superseded' AND (s.id IS NOT NULL OR o.settlement_id GLOB 'COGS-*' OR "
    "o.settlement_id GLOB 'ITEMS-*' OR o.settlement_id GLOB 'ACCRUAL-*') ORDER BY "
    "o.settlement_id GLOB 'ITEMS-*' DESC, s.id IS NULL, o.settlement_id GLOB 'ACCRUAL-*', "
    "s.start_utc, o.settlement_id, o.seq";

static const char SOURCES[] =
    "SELECT SUM(l.source_lines) FROM settlement s JOIN journal j ON j.settlement_ref = s.id "
    "JOIN journal_line l ON l.journal_id = j.id WHERE s.settlement_id = ?1 AND j.month = ?2 "
    "AND l.account_code = ?3 AND l.tax_type = ?4 AND l.description = ?5";

/* One outbox row being written. */
struct req {
    sqlite3_stmt *row, *sources;
    const char *id, *month, *currency;
    int exp;
    char request[160];
};

/* A copy of JSON text with every number token quoted ("12.34"): jansson then returns each
 * amount as its exact decimal text for money_parse. Strings are copied untouched. */
static char *quote_numbers(const char *in)
{
    size_t n = strlen(in), o = 0;
    char *b = malloc(n * 3 + 1); /* worst case "[1,1]": every byte a one-digit number */
    int in_str = 0;
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (in_str) {
            b[o++] = c;
            if (c == '\\' && i + 1 < n)
                b[o++] = in[++i];
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            b[o++] = c;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            b[o++] = '"';
            while (i < n && strchr("0123456789+-.eE", in[i]) && in[i])
                b[o++] = in[i++];
            b[o++] = '"';
            i--;
        } else {
            b[o++] = c;
        }
    }
    b[o] = '\0';
    return b;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static const char *jstr2(json_t *o, const char *key, const char *sub)
{
    return jstr(json_object_get(o, key), sub);
}

static const char *doc_type(const char *collection, const char *type, char *buf, size_t cap)
{
    static const struct { const char *type, *name; } names[] = {
        { "ACCREC", "Invoice" }, { "ACCPAY", "Bill" }, { "ACCRECCREDIT", "Credit note" },
        { "ACCPAYCREDIT", "Supplier credit note" }, { "SPEND", "Spend money" },
        { "RECEIVE", "Receive money" },
    };
    if (strcmp(collection, "Payments") == 0)
        return "Payment";
    if (strcmp(collection, "ManualJournals") == 0)
        return "Manual journal";
    if (strcmp(collection, "BankTransfers") == 0)
        return "Bank transfer";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(type, names[i].type) == 0) {
            snprintf(buf, cap, "%s (%s)", names[i].name, type);
            return buf;
        }
    snprintf(buf, cap, "%s%s%s%s", collection, type[0] ? " (" : "", type, type[0] ? ")" : "");
    return buf;
}

static void amount(struct report_sheet *s, lxw_col_t c, const char *text, int exp)
{
    struct err ignored;
    money_t v;
    if (!text[0])
        report_blank(s, c);
    else if (money_parse(text, exp, &v, &ignored) == 0)
        report_money(s, c, v, exp);
    else
        report_text(s, c, text); /* shown as sent, never rounded */
}

static void sources(struct report_sheet *s, struct req *q, const char *code, const char *tax,
                    const char *desc)
{
    sqlite3_reset(q->sources);
    sqlite3_bind_text(q->sources, 1, q->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->sources, 2, q->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->sources, 3, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->sources, 4, tax, -1, SQLITE_STATIC);
    sqlite3_bind_text(q->sources, 5, desc, -1, SQLITE_STATIC);
    if (sqlite3_step(q->sources) == SQLITE_ROW &&
        sqlite3_column_type(q->sources, 0) != SQLITE_NULL)
        report_int(s, C_SOURCES, sqlite3_column_int64(q->sources, 0));
    else
        report_blank(s, C_SOURCES);
}

/* The columns every row of a document repeats, so each row filters on its own. */
static void doc_cells(struct report_sheet *s, struct req *q, const char *collection,
                      json_t *d, size_t k)
{
    char buf[64];
    const char *num = jstr(d, "InvoiceNumber");
    sqlite3_stmt *row = q->row;
    if (!num[0])
        num = jstr(d, "CreditNoteNumber");
    if (!num[0])
        num = jstr2(d, "Invoice", "InvoiceNumber");
    if (!num[0])
        num = jstr2(d, "CreditNote", "CreditNoteNumber");
    if (!num[0] && k == 0)
        num = report_col_text(row, 7);
    report_text(s, C_ID, q->id);
    report_text(s, C_REQ, q->request);
    report_text(s, C_STATE, report_col_text(row, 5));
    report_text(s, C_XERO, report_col_text(row, 6));
    report_text(s, C_TYPE, doc_type(collection, jstr(d, "Type"), buf, sizeof buf));
    report_text(s, C_NUM, num);
    report_date(s, C_DATE, jstr(d, "Date"), 0);
    report_text(s, C_CONTACT, jstr2(d, "Contact", "Name"));
    report_text(s, C_STATUS, jstr(d, "Status"));
    report_text(s, C_CUR, q->currency);
}

static void document(struct report_sheet *s, struct req *q, const char *collection,
                     json_t *d, size_t k)
{
    json_t *lines = json_object_get(d, "LineItems");
    json_t *l;
    size_t i;
    char desc[256];
    if (!json_is_array(lines))
        lines = json_object_get(d, "JournalLines");
    if (json_is_array(lines) && json_array_size(lines) > 0) {
        json_array_foreach(lines, i, l) {
            const char *amt = jstr(l, "LineAmount");
            doc_cells(s, q, collection, d, k);
            report_int(s, C_LINE, (int64_t)i + 1);
            report_text(s, C_DESC, jstr(l, "Description"));
            report_text(s, C_CODE, jstr(l, "AccountCode"));
            report_text(s, C_TAX, jstr(l, "TaxType"));
            amount(s, C_AMOUNT, amt[0] ? amt : jstr(l, "UnitAmount"), q->exp);
            sources(s, q, jstr(l, "AccountCode"), jstr(l, "TaxType"), jstr(l, "Description"));
            report_next_row(s);
        }
        return;
    }
    /* a document without lines: a payment or a transfer */
    doc_cells(s, q, collection, d, k);
    report_blank(s, C_LINE);
    if (strcmp(collection, "BankTransfers") == 0) {
        snprintf(desc, sizeof desc, "from %s to %s", jstr2(d, "FromBankAccount", "Code"),
                 jstr2(d, "ToBankAccount", "Code"));
        report_text(s, C_DESC, desc);
        report_text(s, C_CODE, jstr2(d, "ToBankAccount", "Code"));
    } else {
        report_text(s, C_DESC, jstr(d, "Reference"));
        report_text(s, C_CODE, jstr2(d, "Account", "Code"));
    }
    report_blank(s, C_TAX);
    amount(s, C_AMOUNT, jstr(d, "Amount"), q->exp);
    report_blank(s, C_SOURCES);
    report_next_row(s);
}

static int request(struct report_sheet *s, struct req *q, struct err *e)
{
    char *text = quote_numbers(report_col_text(q->row, 8));
    json_error_t je;
    json_t *root, *docs;
    const char *collection;
    if (!text)
        return err_set(e, ERR_NOMEM, "out of memory");
    root = json_loads(text, 0, &je);
    free(text);
    if (!json_is_object(root)) {
        json_decref(root);
        return err_set(e, ERR_INTERNAL, "outbox row %s #%d: body is not a JSON object: %s",
                       q->id, sqlite3_column_int(q->row, 2), je.text);
    }
    json_object_foreach(root, collection, docs) {
        json_t *d;
        size_t k;
        if (!json_is_array(docs))
            continue;
        json_array_foreach(docs, k, d)
            document(s, q, collection, d, k);
    }
    json_decref(root);
    return 0;
}

int report_postings(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    struct req q;
    int rc = -1, step;

    memset(&q, 0, sizeof q);
    if (report_sheet_begin(r, &s, "Postings", cols, sizeof cols / sizeof cols[0], e) < 0 ||
        ledger_prepare(r->lg, &q.row, ROWS, e) < 0 ||
        ledger_prepare(r->lg, &q.sources, SOURCES, e) < 0)
        goto done;
    sqlite3_bind_text(q.row, 1, r->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(q.row, 2, r->cfg->base_currency, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(q.row)) == SQLITE_ROW) {
        q.id = report_col_text(q.row, 0);
        q.month = report_col_text(q.row, 1);
        q.currency = report_col_text(q.row, 9);
        q.exp = report_exp(q.currency);
        snprintf(q.request, sizeof q.request, "%d: %s %s", sqlite3_column_int(q.row, 2),
                 report_col_text(q.row, 3), report_col_text(q.row, 4));
        if (request(&s, &q, e) < 0)
            goto done;
    }
    if (step != SQLITE_DONE) {
        ledger_fail(r->lg, e, "postings");
        goto done;
    }
    rc = report_sheet_end(&s, e);
done:
    sqlite3_finalize(q.row);
    sqlite3_finalize(q.sources);
    return rc;
}
