/* xero_taxclass — Xero applies a tax rate only to the account classes its CanApplyTo flags
 * allow (TaxRate.CanApplyToAssets/Equity/Expenses/Liabilities/Revenue against the account's
 * Class: ASSET, EQUITY, EXPENSE, LIABILITY, REVENUE), and refuses any other line. Every
 * document line waiting in the outbox is checked against the cached reference data (what
 * preflight read from the organisation: xero_ref kinds account_class and tax_rate), so the
 * dry run shows the refusal as soon as a cache exists and live posting sends nothing while
 * one remains. Without a cache (or flags) nothing is judged. Writes only its exceptions. */
#include "xero.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define TAXCLASS_MAX 32   /* distinct (account, tax type) refusals reported per settlement */

struct finding {
    char code[32], tax[32], klass[16], applies[96], doc[128], line[192];
    int docs;
};

struct tc {
    struct ledger *lg;
    const struct config *cfg;
    sqlite3_stmt *klass, *rate;
    struct finding f[TAXCLASS_MAX];
    size_t n;
};

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The cached detail of (stmt's kind, key) into out ("" when unknown). */
static int cached(struct tc *t, sqlite3_stmt *st, const char *key, char *out, size_t cap,
                  struct err *e)
{
    int s;
    out[0] = '\0';
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        snprintf(out, cap, "%s", ledger_text(st, 0));
    sqlite3_reset(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(t->lg, e, "read Xero's cache");
}

static int line(struct tc *t, const char *doc, json_t *l, struct err *e)
{
    const char *code = jstr(l, "AccountCode"), *tax = jstr(l, "TaxType");
    char klass[16], applies[96];
    size_t i;
    if (!code[0] || !tax[0])
        return 0;
    if (cached(t, t->klass, code, klass, sizeof klass, e) < 0 ||
        cached(t, t->rate, tax, applies, sizeof applies, e) < 0)
        return -1;
    /* "applies to A, B" lists the classes whose flag is true; "" = flags unknown */
    if (!klass[0] || !applies[0] || strstr(applies, klass))
        return 0;
    for (i = 0; i < t->n; i++)
        if (!strcmp(t->f[i].code, code) && !strcmp(t->f[i].tax, tax)) {
            t->f[i].docs++;
            return 0;
        }
    if (t->n == TAXCLASS_MAX)
        return 0;
    struct finding *f = &t->f[t->n++];
    snprintf(f->code, sizeof f->code, "%s", code);
    snprintf(f->tax, sizeof f->tax, "%s", tax);
    snprintf(f->klass, sizeof f->klass, "%s", klass);
    snprintf(f->applies, sizeof f->applies, "%s", applies);
    snprintf(f->doc, sizeof f->doc, "%s", doc);
    snprintf(f->line, sizeof f->line, "%s", jstr(l, "Description"));
    f->docs = 1;
    return 0;
}

/* The lines of every document of one outbox body. */
static int body(struct tc *t, const char *text, struct err *e)
{
    json_t *root = json_loads(text, 0, NULL), *arr, *d, *l;
    const char *coll;
    size_t i, k;
    int rc = 0;
    json_object_foreach(root, coll, arr)
        json_array_foreach(arr, i, d) {
            const char *doc = jstr(d, "InvoiceNumber")[0] ? jstr(d, "InvoiceNumber")
                            : jstr(d, "CreditNoteNumber")[0] ? jstr(d, "CreditNoteNumber")
                            : jstr(d, "Narration")[0] ? jstr(d, "Narration")
                            : jstr(d, "Reference");
            json_t *lines = json_object_get(d, "LineItems");
            if (!lines)
                lines = json_object_get(d, "JournalLines");
            json_array_foreach(lines, k, l)
                if (rc == 0)
                    rc = line(t, doc, l, e);
        }
    json_decref(root);
    return rc;
}

/* The role settlebook.json gives the account, for the advice. */
static const char *role_of(const struct config *cfg, const char *code)
{
    for (int r = 0; r < ACCT_COUNT; r++)
        if (!strcmp(cfg->accounts[r], code))
            return config_account_name(r);
    return "a mapping rule's account";
}

static int report(struct tc *t, const char *sid, int64_t *problems, struct err *e)
{
    struct exception_row rows[TAXCLASS_MAX];
    char expl[TAXCLASS_MAX][640], action[TAXCLASS_MAX][384];
    for (size_t i = 0; i < t->n; i++) {
        const struct finding *f = &t->f[i];
        char more[48] = "";
        if (f->docs > 1)
            snprintf(more, sizeof more, " and %d more line(s)", f->docs - 1);
        const char *list = f->applies + strlen("applies to");
        list += *list == ' ';
        snprintf(expl[i], sizeof expl[i], "Line \"%s\" of %s%s (role %s, account %s, a %s "
                 "account) has tax type %s, which Xero applies only to %s accounts: Xero "
                 "refuses the line", f->line, f->doc, more, role_of(t->cfg, f->code), f->code,
                 f->klass, f->tax, list[0] ? list : "no");
        snprintf(action[i], sizeof action[i], "Give the line a tax type that applies to %s "
                 "accounts (the marketplace's tax types in settlebook.json: tax.sales for "
                 "sales lines, tax.fees for fees, tax.none otherwise), or map role %s to an "
                 "account that %s applies to, then post again.", f->klass,
                 role_of(t->cfg, f->code), f->tax);
        rows[i] = (struct exception_row){ .kind = "TAX_TYPE_NOT_APPLICABLE", .severity = "error",
                                          .settlement_id = sid, .explanation = expl[i],
                                          .action = action[i] };
        log_error("settlement %s: %s", sid, expl[i]);
    }
    *problems += (int64_t)t->n;
    return exception_set(t->lg, "xero", "TAX_TYPE_NOT_APPLICABLE", sid, rows, t->n, e);
}

int xero_tax_class_check(struct ledger *lg, const struct config *cfg, const char *sid,
                         const char *period, int64_t *problems, struct err *e)
{
    struct tc *t = calloc(1, sizeof *t);
    sqlite3_stmt *st = NULL;
    int rc = -1, s = SQLITE_DONE;
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    t->lg = lg;
    t->cfg = cfg;
    if (ledger_prepare(lg, &t->klass, "SELECT detail FROM xero_ref WHERE kind = "
                       "'account_class' AND key = ?", e) < 0 ||
        ledger_prepare(lg, &t->rate, "SELECT detail FROM xero_ref WHERE kind = 'tax_rate' "
                       "AND key = ? AND detail LIKE 'applies to%'", e) < 0 ||
        ledger_prepare(lg, &st, "SELECT body FROM outbox WHERE settlement_id = ?1 AND state IN "
                       "('pending', 'sending') AND (?2 = '' OR month = ?2) ORDER BY seq",
                       e) < 0)
        goto done;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if (body(t, ledger_text(st, 0), e) < 0)
            goto done;
    if (s != SQLITE_DONE) {
        ledger_fail(lg, e, "read the requests to check");
        goto done;
    }
    rc = report(t, sid, problems, e);
done:
    sqlite3_finalize(st);
    sqlite3_finalize(t->klass);
    sqlite3_finalize(t->rate);
    free(t);
    return rc;
}
