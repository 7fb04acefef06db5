/* post_totals — the readable preview's totals per account: what the month's requests book in
 * Xero (credit +, debit -), read from the very bodies the preview holds. The ledger's journal
 * is not what every mode sends (orders mode never posts the carried-forward account; summary
 * mode pays the deposit into the bank, not clearing), so the totals follow the documents:
 * invoice and credit-note lines, payments (the account paid from or into, and the contact
 * side), bank transactions and manual-journal lines. Amounts are read as exact decimals
 * (jnum), never as doubles. Reads only. */
#include "post_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "config.h"
#include "ledger.h"

/* The contact side of invoices, credit notes and their payments: Xero's control accounts,
 * which have no code here. */
#define CODE_AR "AR"
#define CODE_AP "AP"

struct total {
    char currency[4], code[CONFIG_CODE_MAX];
    int64_t amount;            /* minor units, credit + */
    int64_t lines;
};

/* An invoice or credit note of the month, by number, for the payments that name it. */
struct numbered {
    int credit;                /* a credit note (CreditNoteNumber) */
    const char *number, *type; /* borrowed from the parsed bodies */
};

struct totals {
    struct total *v;
    size_t n, cap;
    struct numbered *num;      /* sorted by (credit, number) */
    size_t nn, capn;
    json_t **docs;             /* the month's parsed bodies, in preview order */
    char (*cur)[4];            /* each body's settlement currency ("" when none) */
    size_t nd, capd;
    int inclusive;             /* some line is tax-inclusive with a tax type */
    struct ledger *lg;
    const struct config *cfg;
};

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A quoted decimal ("12.30") in minor units of the currency; -1 when it has more decimals
 * than the currency or is not a number (the renderer never writes such). */
static int minor(const char *s, const char *currency, int64_t *out)
{
    int64_t v, div = 1;
    int exp = money_exponent(currency);
    if (jnum_scaled(s, &v) < 0)
        return -1;
    for (int i = exp < 0 ? 2 : exp; i < 4; i++)
        div *= 10;
    if (v % div)
        return -1;
    *out = v / div;
    return 0;
}

static int add(struct totals *t, const char *cur, const char *code, int64_t v, int line,
               struct err *e)
{
    size_t i = 0;
    while (i < t->n && (strcmp(t->v[i].currency, cur) || strcmp(t->v[i].code, code)))
        i++;
    if (i == t->n) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 32;
            struct total *nv = realloc(t->v, cap * sizeof *nv);
            if (!nv)
                return err_set(e, ERR_NOMEM, "out of memory totalling the preview");
            t->v = nv, t->cap = cap;
        }
        memset(&t->v[i], 0, sizeof t->v[i]);
        snprintf(t->v[i].currency, sizeof t->v[i].currency, "%s", cur);
        snprintf(t->v[i].code, sizeof t->v[i].code, "%s", code);
        t->n++;
    }
    t->v[i].amount += v;
    t->v[i].lines += line;
    return 0;
}

/* A body with every number quoted, or NULL (e filled). */
static json_t *parse(const char *body, struct err *e)
{
    size_t n;
    char *q = jnum_quote(body, strlen(body), &n);
    json_t *j;
    if (!q) {
        err_set(e, ERR_NOMEM, "out of memory totalling the preview");
        return NULL;
    }
    j = json_loadb(q, n, 0, NULL);
    free(q);
    if (!j)
        err_set(e, ERR_INTERNAL, "a preview request body is not JSON");
    return j;
}

static int amount(const json_t *o, const char *k, const char *cur, int64_t *v, struct err *e)
{
    if (minor(str(o, k), cur, v) < 0)
        return err_set(e, ERR_INTERNAL, "preview %s \"%s\" is not an amount in %s", k,
                       str(o, k), cur);
    return 0;
}

/* Sign of a line of document type `type` on its account (credit +) and the contact side. */
static int line_sign(const char *type)
{
    return !strcmp(type, "ACCREC") || !strcmp(type, "ACCPAYCREDIT") ? 1 : -1;
}

static const char *control(const char *type)
{
    return !strncmp(type, "ACCREC", 6) ? CODE_AR : CODE_AP;
}

/* An invoice or credit note: its lines on their accounts, their total on the contact side. */
static int document(struct totals *t, const json_t *d, const char *cur, struct err *e)
{
    const char *type = str(d, "Type"), *at = str(d, "LineAmountTypes");
    const json_t *l;
    size_t i;
    int s = line_sign(type);
    int64_t sum = 0, v;
    json_array_foreach(json_object_get(d, "LineItems"), i, l) {
        if (amount(l, "LineAmount", cur, &v, e) < 0 ||
            add(t, cur, str(l, "AccountCode"), s * v, 1, e) < 0)
            return -1;
        sum += v;
        if (!strcmp(at, "Inclusive") && strcmp(str(l, "TaxType"), "NONE"))
            t->inclusive = 1;
    }
    return add(t, cur, control(type), -s * sum, 0, e);
}

static int numbered_cmp(const void *a, const void *b)
{
    const struct numbered *x = a, *y = b;
    return x->credit != y->credit ? x->credit - y->credit : strcmp(x->number, y->number);
}

/* Indexes the month's invoices and credit notes by number (payments can be thousands in
 * orders mode: a scan per payment would be quadratic). */
static int index_numbers(struct totals *t, struct err *e)
{
    static const char *const coll[2] = { "Invoices", "CreditNotes" };
    static const char *const key[2] = { "InvoiceNumber", "CreditNoteNumber" };
    for (size_t i = 0; i < t->nd; i++)
        for (int c = 0; c < 2; c++) {
            const json_t *d;
            size_t k;
            json_array_foreach(json_object_get(t->docs[i], coll[c]), k, d) {
                if (t->nn == t->capn) {
                    size_t cap = t->capn ? t->capn * 2 : 64;
                    struct numbered *p = realloc(t->num, cap * sizeof *p);
                    if (!p)
                        return err_set(e, ERR_NOMEM, "out of memory totalling the preview");
                    t->num = p, t->capn = cap;
                }
                t->num[t->nn++] = (struct numbered){ c, str(d, key[c]), str(d, "Type") };
            }
        }
    if (t->nn)
        qsort(t->num, t->nn, sizeof *t->num, numbered_cmp);
    return 0;
}

/* The document numbered `number` in a body of another month, or NULL. */
static const char *find_in(const json_t *body, const char *key, const char *number)
{
    const char *coll = !strcmp(key, "InvoiceNumber") ? "Invoices" : "CreditNotes";
    const json_t *d;
    size_t i;
    json_array_foreach(json_object_get(body, coll), i, d)
        if (!strcmp(str(d, key), number))
            return str(d, "Type");
    return NULL;
}

/* The type of the invoice or credit note numbered `number` (ACCREC or ACCRECCREDIT when
 * none is found): the month's own documents first, else any other month's rendering of it
 * (a negative settlement's bill is paid in the month the next settlement collects it). */
static int doc_type(struct totals *t, const char *key, const char *number, char *out,
                    size_t cap, struct err *e)
{
    sqlite3_stmt *st;
    char needle[160];
    int s, rc = 0;
    struct numbered want = { strcmp(key, "InvoiceNumber") != 0, number, NULL }, *hit;
    hit = t->nn ? bsearch(&want, t->num, t->nn, sizeof *t->num, numbered_cmp) : NULL;
    if (hit)
        return snprintf(out, cap, "%s", hit->type), 0;
    snprintf(out, cap, "%s", strcmp(key, "InvoiceNumber") ? "ACCRECCREDIT" : "ACCREC");
    if (!number[0])
        return 0;
    snprintf(needle, sizeof needle, "\"%s\"", number);
    if (ledger_prepare(t->lg, &st, "SELECT body FROM outbox WHERE state != 'superseded' AND "
                       "path IN ('/Invoices', '/CreditNotes') AND instr(body, ?) > 0 "
                       "ORDER BY id DESC", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, needle, -1, SQLITE_TRANSIENT);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *b = parse(ledger_text(st, 0), e);
        const char *ty = b ? find_in(b, key, number) : NULL;
        if (!b)
            rc = -1;
        else if (ty) {
            snprintf(out, cap, "%s", ty);
            s = SQLITE_DONE;
        }
        json_decref(b);
        if (s == SQLITE_DONE)
            break;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(t->lg, e, "read the paid document");
    sqlite3_finalize(st);
    return rc;
}

/* A payment: the account paid from or into, and the contact side of the document paid. */
static int payment(struct totals *t, const json_t *p, const char *cur, struct err *e)
{
    const json_t *inv = json_object_get(p, "Invoice"), *cn = json_object_get(p, "CreditNote");
    const char *key = inv ? "InvoiceNumber" : "CreditNoteNumber";
    char type[16];
    int64_t v;
    if (amount(p, "Amount", cur, &v, e) < 0 ||
        doc_type(t, key, str(inv ? inv : cn, key), type, sizeof type, e) < 0)
        return -1;
    /* money in (a receivable paid) debits the account paid into */
    int s = -line_sign(type);
    return add(t, cur, str(json_object_get(p, "Account"), "Code"), s * v, 1, e) < 0 ||
           add(t, cur, control(type), -s * v, 0, e) < 0 ? -1 : 0;
}

static int bank_tx(struct totals *t, const json_t *d, const char *cur, struct err *e)
{
    const json_t *l;
    size_t i;
    int s = !strcmp(str(d, "Type"), "RECEIVE") ? 1 : -1;
    int64_t sum = 0, v;
    json_array_foreach(json_object_get(d, "LineItems"), i, l) {
        if (amount(l, "LineAmount", cur, &v, e) < 0 ||
            add(t, cur, str(l, "AccountCode"), s * v, 1, e) < 0)
            return -1;
        sum += v;
    }
    return add(t, cur, str(json_object_get(d, "BankAccount"), "Code"), -s * sum, 1, e);
}

/* Manual journals: Xero's LineAmount is a debit when positive. */
static int journal(struct totals *t, const json_t *d, const char *cur, struct err *e)
{
    const json_t *l;
    size_t i;
    int64_t v;
    json_array_foreach(json_object_get(d, "JournalLines"), i, l)
        if (amount(l, "LineAmount", cur, &v, e) < 0 ||
            add(t, cur, str(l, "AccountCode"), -v, 1, e) < 0)
            return -1;
    return 0;
}

static int body_totals(struct totals *t, const json_t *body, const char *scur, struct err *e)
{
    const char *coll;
    const json_t *els, *d;
    size_t i;
    json_object_foreach((json_t *)body, coll, els) {
        json_array_foreach(els, i, d) {
            const char *c = str(d, "CurrencyCode");
            const char *cur = c[0] ? c : scur[0] ? scur : t->cfg->base_currency;
            int rc = 0;
            if (!strcmp(coll, "Invoices") || !strcmp(coll, "CreditNotes"))
                rc = document(t, d, cur, e);
            else if (!strcmp(coll, "Payments"))
                rc = payment(t, d, cur, e);
            else if (!strcmp(coll, "BankTransactions"))
                rc = bank_tx(t, d, cur, e);
            else if (!strcmp(coll, "ManualJournals"))
                rc = journal(t, d, cur, e);
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

static int keep(struct totals *t, json_t *body, const char *cur, struct err *e)
{
    if (t->nd == t->capd) {
        size_t cap = t->capd ? t->capd * 2 : 32;
        json_t **nd = realloc(t->docs, cap * sizeof *nd);
        char (*nc)[4] = nd ? realloc(t->cur, cap * sizeof *nc) : NULL;
        if (nd)
            t->docs = nd;
        if (!nc) {
            json_decref(body);
            return err_set(e, ERR_NOMEM, "out of memory totalling the preview");
        }
        t->cur = nc, t->capd = cap;
    }
    t->docs[t->nd] = body;
    snprintf(t->cur[t->nd++], 4, "%s", cur);
    return 0;
}

static int load(struct totals *t, const char *period, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(t->lg, &st, "SELECT o.body, coalesce(s.currency, '') FROM outbox o "
                       "LEFT JOIN settlement s ON s.settlement_id = o.settlement_id WHERE "
                       POST_PREVIEW_ROWS_WHERE " ORDER BY " POST_PREVIEW_ROWS_ORDER, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *b = parse(ledger_text(st, 0), e);
        rc = b ? keep(t, b, ledger_text(st, 1), e) : -1;
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(t->lg, e, "read the preview's requests");
    sqlite3_finalize(st);
    return rc;
}

static int cmp(const void *a, const void *b)
{
    const struct total *x = a, *y = b;
    int c = strcmp(x->currency, y->currency);
    return c ? c : strcmp(x->code, y->code);
}

/* What an account is, for the reader: the journal's categories on it this month, else the
 * config role that names it. */
static int label(struct totals *t, const char *period, const struct total *a, char *out,
                 size_t cap, struct err *e)
{
    sqlite3_stmt *st;
    size_t o = 0;
    int s;
    out[0] = 0;
    if (!strcmp(a->code, CODE_AR) || !strcmp(a->code, CODE_AP))
        return snprintf(out, cap, "%s", !strcmp(a->code, CODE_AR) ? "Accounts receivable"
                        : "Accounts payable"), 0;
    if (!strcmp(a->code, config_bank_account(t->cfg, a->currency)))
        return snprintf(out, cap, "Bank"), 0;
    if (ledger_prepare(t->lg, &st, "SELECT DISTINCT l.category FROM journal_line l JOIN journal "
                       "j ON j.id = l.journal_id WHERE j.month = ? AND j.currency = ? AND "
                       "l.account_code = ? ORDER BY 1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->currency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->code, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW && o + 1 < cap)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? ", " : "", ledger_text(st, 0));
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ledger_fail(t->lg, e, "read the account's categories");
    for (int r = 0; !out[0] && r < ACCT_COUNT; r++)
        if (!strcmp(t->cfg->accounts[r], a->code))
            snprintf(out, cap, "accounts.%s", config_account_name(r));
    return 0;
}

static int print(struct totals *t, const char *period, struct err *e)
{
    FILE *out = log_report_file();
    char amt[MONEY_FMT_MAX], name[256];
    if (t->n > 1)
        qsort(t->v, t->n, sizeof *t->v, cmp);
    fprintf(out, "  accounts, as these requests book them in Xero (credit +, debit -):\n");
    for (size_t i = 0; i < t->n; i++) {
        const struct total *a = &t->v[i];
        int exp = money_exponent(a->currency);
        if (a->amount == 0 && a->lines == 0)
            continue;
        if (label(t, period, a, name, sizeof name, e) < 0)
            return -1;
        fprintf(out, "    %s %-6s %-38s %14s", a->currency, a->code, name,
                money_format(amt, a->amount, exp < 0 ? 2 : exp));
        if (a->lines)
            fprintf(out, "  (%lld %s)", (long long)a->lines, a->lines == 1 ? "line" : "lines");
        fputc('\n', out);
    }
    if (t->inclusive)
        fprintf(out, "    (tax-inclusive lines are shown gross: Xero books their tax to the "
                "tax rate's account)\n");
    return 0;
}

int post_totals_print(struct ledger *lg, const struct config *cfg, const char *period,
                      struct err *e)
{
    struct totals t = { .lg = lg, .cfg = cfg };
    int rc = load(&t, period, e);
    if (rc == 0)
        rc = index_numbers(&t, e);
    for (size_t i = 0; rc == 0 && i < t.nd; i++)
        rc = body_totals(&t, t.docs[i], t.cur[i], e);
    if (rc == 0)
        rc = print(&t, period, e);
    for (size_t i = 0; i < t.nd; i++)
        json_decref(t.docs[i]);
    free(t.docs);
    free(t.cur);
    free(t.num);
    free(t.v);
    return rc;
}
