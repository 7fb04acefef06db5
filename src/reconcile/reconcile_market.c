/* reconcile_market — MARKETPLACE_UNCONFIGURED: a settlement from a marketplace that
 * settlebook.json does not list would otherwise borrow the first listed marketplace's contact,
 * tax types and tracking (a UK seller's Amazon.de settlement posted with UK VAT to the UK
 * contact). It is an error, so the settlement is held back until the marketplace is added.
 * Reads only. */
#include "reconcile_int.h"

#include <stdio.h>
#include <string.h>

static int known(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_marketplaces; i++)
        if (strcmp(cfg->marketplaces[i].name, name) == 0)
            return 1;
    return 0;
}

static int row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *sid = reconcile_str(st, 0), *mk = reconcile_str(st, 1);
    char expl[512], action[512];
    if (!mk[0] || known(c->cfg, mk))
        return 0;   /* a report that names no marketplace keeps the configured default */
    snprintf(expl, sizeof expl, "Settlement %s is from %s, which settlebook.json does not list "
             "under \"marketplaces\": its documents would go to another marketplace's contact "
             "with that marketplace's tax types.", sid, mk);
    snprintf(action, sizeof action, "Add \"%s\" to \"marketplaces\" with its Xero contact and "
             "tax types (and vat_rate where VAT applies), then close again.", mk);
    struct exception_row r = {
        .kind = "MARKETPLACE_UNCONFIGURED", .severity = "error", .settlement_id = sid,
        .currency = reconcile_str(st, 2), .explanation = expl, .action = action,
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_market(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, "SELECT s.settlement_id, COALESCE(s.marketplace, ''), "
                       "s.currency FROM settlement s WHERE " PERIOD_SCOPE_SQL " ORDER BY "
                       "s.start_utc, s.settlement_id", e) < 0)
        return -1;
    return reconcile_each(c, st, row, e);
}
