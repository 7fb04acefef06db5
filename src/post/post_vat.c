/* post_vat — VAT_MISMATCH for the orders mode, where Xero computes VAT per document line:
 * each tax-inclusive invoice or credit-note line whose VAT (as Xero computes it on the
 * inclusive amount) differs from the tax Amazon charged on it by more than a minor unit
 * (xero_vat_line, found by the renderer). The summary and journal modes check their journal
 * lines instead (journal_vat.c). A rerun that finds the same mismatches writes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"
#include "post_int.h"

static void explain(const struct journal_view *s, const struct xero_vat_line *v, char *out,
                    size_t cap)
{
    char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], c[MONEY_FMT_MAX];
    snprintf(out, cap, "%s line \"%s\" (%s, %s %s at %d.%02d%%): Xero will compute VAT %s, "
             "Amazon charged %s.", v->doc, v->description, v->code,
             money_format(a, v->amount, s->exp), s->currency, v->rate_bp / 100,
             v->rate_bp % 100, money_format(b, v->xero, s->exp), money_format(c, v->vat, s->exp));
}

/* 1 when the stored VAT_MISMATCH rows of the settlement are exactly these explanations. */
static int unchanged(struct ledger *lg, const char *sid, char (*expl)[512], size_t n,
                     struct err *e)
{
    sqlite3_stmt *st;
    size_t seen = 0;
    int s, same = 1;
    if (ledger_prepare(lg, &st, "SELECT explanation FROM exception WHERE scope = 'post' AND "
                       "kind = 'VAT_MISMATCH' AND settlement_id = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        size_t i = 0;
        seen++;
        while (i < n && strcmp(expl[i], ledger_text(st, 0)) != 0)
            i++;
        same = same && i < n;
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return ledger_fail(lg, e, "read VAT_MISMATCH");
    return same && seen == n;
}

int post_vat(struct ledger *lg, const char *sid, const struct journal_view *s,
             const struct xero_reqs *reqs, struct err *e)
{
    char (*expl)[512] = calloc(reqs->n_vat ? reqs->n_vat : 1, sizeof *expl);
    int rc = -1, same;
    if (!expl)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < reqs->n_vat; i++)
        explain(s, &reqs->vat[i], expl[i], sizeof expl[i]);
    if ((same = unchanged(lg, sid, expl, reqs->n_vat, e)) != 0) {
        rc = same < 0 ? -1 : 0;
        goto done;
    }
    if (exception_clear(lg, "post", "VAT_MISMATCH", sid, NULL, e) < 0)
        goto done;
    for (size_t i = 0; i < reqs->n_vat; i++) {
        const struct xero_vat_line *v = &reqs->vat[i];
        struct exception_row r = {
            .kind = "VAT_MISMATCH", .severity = "warning", .settlement_id = sid,
            .sku = v->sku[0] ? v->sku : NULL, .currency = s->currency, .has_expected = 1,
            .expected = v->vat, .has_actual = 1, .actual = v->xero, .explanation = expl[i],
            .action = "Check the marketplace's vat_rate and tax type; zero-rated or exempt "
                      "sales need their own tax type (a mapping rule with another tax "
                      "category)." };
        if (exception_add(lg, "post", &r, e) < 0)
            goto done;
    }
    rc = 0;
done:
    free(expl);
    return rc;
}
