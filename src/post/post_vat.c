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

int post_vat(struct ledger *lg, const char *sid, const struct journal_view *s,
             const struct xero_reqs *reqs, struct err *e)
{
    size_t n = reqs->n_vat ? reqs->n_vat : 1;
    char (*expl)[512] = calloc(n, sizeof *expl);
    struct exception_row *rows = calloc(n, sizeof *rows);
    int rc = -1;
    if (!expl || !rows) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < reqs->n_vat; i++) {
        const struct xero_vat_line *v = &reqs->vat[i];
        explain(s, v, expl[i], sizeof expl[i]);
        rows[i] = (struct exception_row){
            .kind = "VAT_MISMATCH", .severity = "warning", .settlement_id = sid,
            .sku = v->sku[0] ? v->sku : NULL, .currency = s->currency, .has_expected = 1,
            .expected = v->vat, .has_actual = 1, .actual = v->xero, .explanation = expl[i],
            .action = "Check the marketplace's vat_rate and tax type; zero-rated or exempt "
                      "sales need their own tax type (a mapping rule with another tax "
                      "category)." };
    }
    rc = exception_set(lg, "post", "VAT_MISMATCH", sid, rows, reqs->n_vat, e);
done:
    free(expl);
    free(rows);
    return rc;
}
