/* journal_restock — the units each refund of a settlement puts back into stock, as the
 * quantity of the view's refunded Principal amounts: orders posting puts them on the credit
 * note's line with the item's ItemCode, so Xero moves a tracked item's stock by exactly the
 * units the cost-of-goods journal puts back for an untracked one (the same rule,
 * JOURNAL_PUT_BACK_UNITS). Reads only. */
#include "journal.h"

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

/* Per order and SKU of the settlement's Refund lines, the units their order items put back.
 * Per settlement (the cost-of-goods journal gathers a month's refunds): an order item's
 * refund lies in one settlement. */
static const char RESTOCK[] =
    "WITH r AS (SELECT l.order_id AS oid, l.order_item_code AS item, MAX(l.sku) AS sku, "
    "-SUM(CASE WHEN l.amount_type = 'ItemPrice' AND l.amount_description = 'Principal' THEN "
    "l.amount_minor ELSE 0 END) AS rp FROM " RARE_LINES("l", "refund") " WHERE "
    "l_k.settlement_ref = ?1 AND COALESCE(l.order_id, '') != '' GROUP BY 1, 2), "
    JOURNAL_ORDER_ITEMS_CTE " SELECT r.oid, r.sku, SUM(" JOURNAL_PUT_BACK_UNITS ") FROM "
    JOURNAL_PUT_BACK_JOIN " WHERE COALESCE(r.sku, '') != '' GROUP BY 1, 2 ORDER BY 1, 2";

/* The first (earliest) refunded Principal amount of order oid and sku, NULL when none. */
static struct jv_amount *refund_principal(struct journal_view *s, const char *oid,
                                          const char *sku)
{
    for (size_t i = 0; i < s->n_amounts; i++) {
        struct jv_amount *a = &s->amounts[i];
        if (a->amount != 0 && !strcmp(a->transaction_type, "Refund") &&
            !strcmp(a->description, "Principal") && !strcmp(a->order_id, oid) &&
            !strcmp(a->sku, sku))
            return a;
    }
    return NULL;
}

int journal_restock_units(struct ledger *lg, struct journal_view *s, struct err *e)
{
    sqlite3_stmt *st;
    int r;
    /* Amazon's Refund lines carry no quantity-purchased; the rule alone decides */
    for (size_t i = 0; i < s->n_amounts; i++)
        if (!strcmp(s->amounts[i].transaction_type, "Refund"))
            s->amounts[i].quantity = 0;
    if (!s->cfg->cogs.refund_restock)
        return 0;   /* refunded units stay out of stock: no ItemCode moves them back */
    if (ledger_prepare(lg, &st, RESTOCK, e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->ref);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        struct jv_amount *a = refund_principal(s, ledger_text(st, 0), ledger_text(st, 1));
        if (a)
            a->quantity = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read refunded units");
}
