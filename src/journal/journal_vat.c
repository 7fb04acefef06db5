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

/* VAT_NOT_ITEMISED (info), one per marketplace of the settlement whose sales carry no VAT
 * row at all: sellers without Amazon's VAT Calculation Service get VAT-inclusive principals
 * only. settlebook then cannot tell zero-rated goods and posts every sale at tax.sales. */
static int not_itemised(struct jctx *j, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (exception_clear(j->lg, "journal", "VAT_NOT_ITEMISED", j->s.id, NULL, e) < 0)
        return -1;
    if (!j->rated)
        return 0;
    if (ledger_prepare(j->lg, &st, JOURNAL_UNITEMISED_SQL, e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const struct config_marketplace *m = config_marketplace(j->cfg, ledger_text(st, 0));
        char msg[640], a[MONEY_FMT_MAX];
        if (m && m->vat_itemised != VAT_ITEMISED_AUTO)
            continue;   /* the seller said so (vat_itemised): nothing to tell */
        struct exception_row r = {
            .kind = "VAT_NOT_ITEMISED", .severity = "info", .settlement_id = j->s.id,
            .currency = j->s.currency, .has_actual = 1, .actual = sqlite3_column_int64(st, 1),
            .explanation = msg,
            .action = "Turn on Amazon's VAT Calculation Service (VCS) so settlements itemise "
                      "VAT; until then, move the sales of zero-rated or reduced-rate SKUs to "
                      "their tax type by hand in Xero." };
        snprintf(msg, sizeof msg, "Amazon itemised no VAT for %s in this settlement (no Tax "
                 "row on any sale): settlebook assumed all its sales (%s %s, VAT-inclusive) "
                 "standard-rated at %s.", ledger_text(st, 0),
                 money_format(a, sqlite3_column_int64(st, 1), j->s.exp), j->s.currency,
                 m ? m->tax[TAX_SALES] : "tax.sales");
        rc = exception_add(j->lg, "journal", &r, e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(j->lg, e, "read the marketplaces without VAT");
    sqlite3_finalize(st);
    return rc;
}

int journal_vat_check(struct jctx *j, struct err *e)
{
    if (not_itemised(j, e) < 0 ||
        exception_clear(j->lg, "journal", "VAT_MISMATCH", j->s.id, NULL, e) < 0)
        return -1;
    if (j->cfg->mode == POST_ORDERS)
        return 0; /* Xero computes VAT per document line: the post stage checks those */
    for (size_t i = 0; i < j->b.n; i++) {
        const struct jentry *x = &j->b.v[i];
        money_t xero, d, checked = x->amount - x->unchecked;
        if (x->vat_rate_bp <= 0 || checked == 0)
            continue;
        /* only the part Amazon gave VAT for can be judged */
        if (money_inclusive_tax(checked, x->vat_rate_bp, &xero) < 0)
            continue; /* beyond any real line; the sum checks elsewhere catch such amounts */
        d = xero - x->vat;
        if ((d > 1 || d < -1) && mismatch(j, x, xero, e) < 0)
            return -1;
    }
    return 0;
}
