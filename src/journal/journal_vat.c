/* journal_vat — VAT_MISMATCH: on every tax-inclusive line of a marketplace with a vat_rate,
 * the VAT Xero will compute (LineAmount x rate / (100 + rate), to the minor unit) must equal
 * the tax Amazon charged and settlebook folded into that line, within one minor unit. Reads
 * the journal being built; writes only its exceptions. In orders mode Xero computes VAT per
 * invoice and credit-note line, so there the post stage checks those lines (post_vat.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

static int mismatch(struct jctx *j, const struct jentry *x, money_t xero, struct err *e)
{
    char msg[512], a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], c[MONEY_FMT_MAX];
    struct exception_row r = {
        .kind = "VAT_MISMATCH", .severity = "warning", .settlement_id = j->s.id,
        .sku = x->sku[0] ? x->sku : NULL, .currency = j->s.currency, .has_expected = 1,
        .expected = x->vat, .has_actual = 1, .actual = xero, .explanation = msg,
        .action = "Check the marketplace's vat_rate and tax type; zero-rated or exempt sales "
                  "need their own tax type (a mapping rule with another tax category)." };
    snprintf(msg, sizeof msg, "%s %s (%s, %s %s at %d.%02d%%): Xero will compute VAT %s, "
             "Amazon charged %s.", x->category, x->month, x->code, money_format(a, x->amount,
             j->s.exp), j->s.currency, x->vat_rate_bp / 100, x->vat_rate_bp % 100,
             money_format(b, xero, j->s.exp), money_format(c, x->vat, j->s.exp));
    return exception_add(j->lg, "journal", &r, e);
}

int journal_vat_check(struct jctx *j, struct err *e)
{
    if (exception_clear(j->lg, "journal", "VAT_MISMATCH", j->s.id, NULL, e) < 0)
        return -1;
    if (j->cfg->mode == POST_ORDERS)
        return 0; /* Xero computes VAT per document line: the post stage checks those */
    for (size_t i = 0; i < j->b.n; i++) {
        const struct jentry *x = &j->b.v[i];
        money_t xero, d;
        if (x->vat_rate_bp <= 0 || x->amount == 0)
            continue;
        if (money_inclusive_tax(x->amount, x->vat_rate_bp, &xero) < 0)
            continue; /* beyond any real line; the sum checks elsewhere catch such amounts */
        d = xero - x->vat;
        if ((d > 1 || d < -1) && mismatch(j, x, xero, e) < 0)
            return -1;
    }
    return 0;
}
