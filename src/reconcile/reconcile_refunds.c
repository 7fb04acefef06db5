/* reconcile_refunds — refunds against what was sold: REFUND_WITHOUT_ORDER (a refund of an
 * order nobody knows) and REFUND_EXCEEDS_CHARGE (more principal refunded than charged).
 * Reads only (its scratch tables are temporary). */
#include "reconcile_int.h"

#include <stdio.h>


#define PRINCIPAL(tt)                                                                      \
    "l.transaction_type = '" tt "' AND l.amount_type = 'ItemPrice' AND "                   \
    "l.amount_description = 'Principal' AND l.order_id IS NOT NULL AND l.order_id != '' "  \
    "AND l.sku IS NOT NULL AND l.sku != ''"

/* Orders with any Order line in the ledger, and their settled principal per SKU (the ledger
 * has no index on settlement_line.order_id, so these are looked up here). */
static const char SCRATCH[] =
    "DROP TABLE IF EXISTS temp.reconcile_ordered;"
    "DROP TABLE IF EXISTS temp.reconcile_charged;"
    "CREATE TEMP TABLE reconcile_ordered (oid TEXT PRIMARY KEY);"
    "CREATE TEMP TABLE reconcile_charged (oid TEXT NOT NULL, sku TEXT NOT NULL, "
    "  c INTEGER NOT NULL, PRIMARY KEY (oid, sku));"
    "INSERT INTO temp.reconcile_ordered SELECT DISTINCT order_id FROM settlement_line "
    "  WHERE transaction_type = 'Order' AND order_id IS NOT NULL AND order_id != '';"
    "INSERT INTO temp.reconcile_charged SELECT l.order_id, l.sku, sum(l.amount_minor) "
    "  FROM settlement_line l WHERE " PRINCIPAL("Order") " GROUP BY l.order_id, l.sku";

static const char WITHOUT_ORDER[] =
    "SELECT s.settlement_id, s.currency, l.order_id, "
    "CASE WHEN count(DISTINCT l.sku) = 1 THEN min(l.sku) END, count(*), sum(l.amount_minor) "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " AND l.transaction_type = 'Refund' AND l.order_id IS NOT NULL "
    "AND l.order_id != '' AND l.order_id NOT IN (SELECT oid FROM temp.reconcile_ordered) "
    "AND l.order_id NOT IN (SELECT amazon_order_id FROM orders) "
    "GROUP BY s.id, l.order_id ORDER BY s.start_utc, s.settlement_id, l.order_id";

/* Refunded principal per order and SKU over the whole ledger, reported on the settlement
 * with the latest refund. What was charged: the settled Order principal when the order has
 * any Order line in the ledger, else the history's item-price, else unknown (skipped). */
static const char EXCEEDS[] =
    "WITH per AS (SELECT l.order_id AS oid, l.sku AS sku, l.settlement_ref AS sref, "
    "  sum(l.amount_minor) AS r FROM settlement_line l WHERE " PRINCIPAL("Refund") " "
    "  GROUP BY l.order_id, l.sku, l.settlement_ref), "
    "agg AS (SELECT per.*, s.settlement_id AS sid, s.currency AS cur, sum(per.r) OVER w AS tr, "
    "  row_number() OVER (PARTITION BY per.oid, per.sku ORDER BY s.end_utc DESC, "
    "  s.settlement_id DESC) AS rn FROM per JOIN settlement s ON s.id = per.sref "
    "  WINDOW w AS (PARTITION BY per.oid, per.sku)) "
    "SELECT agg.sid, agg.cur, agg.oid, agg.sku, -agg.tr, "
    "  CASE WHEN od.oid IS NOT NULL THEN coalesce(ch.c, 0) "
    "  WHEN EXISTS (SELECT 1 FROM orders o WHERE o.amazon_order_id = agg.oid) THEN "
    "  coalesce((SELECT sum(i.item_price_minor) FROM order_item i WHERE i.amazon_order_id = "
    "  agg.oid AND +i.sku = agg.sku AND i.currency IS NOT NULL), 0) END, "
    "  od.oid IS NOT NULL "
    "FROM agg JOIN settlement s ON s.id = agg.sref "
    "LEFT JOIN temp.reconcile_ordered od ON od.oid = agg.oid "
    "LEFT JOIN temp.reconcile_charged ch ON ch.oid = agg.oid AND ch.sku = agg.sku "
    "WHERE agg.rn = 1 AND " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id, agg.oid, agg.sku";

static int without_order_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1);
    int64_t n = sqlite3_column_int64(st, 4), sum = sqlite3_column_int64(st, 5);
    char a[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "Refund of order %s (%lld line%s, %s) but the order is in no "
             "settlement and not in the order history.", reconcile_str(st, 2), (long long)n,
             n == 1 ? "" : "s", reconcile_amount(a, sum, cur));
    struct exception_row r = {
        .kind = "REFUND_WITHOUT_ORDER", .severity = "warning",
        .settlement_id = reconcile_str(st, 0), .order_id = reconcile_col(st, 2),
        .sku = reconcile_col(st, 3), .currency = cur, .has_actual = 1, .actual = sum,
        .explanation = expl,
        .action = "Ingest the order history (or the earlier settlement) that has the order; if "
                  "Amazon does not know it either, open a case.",
    };
    return reconcile_emit(c, &r, e);
}

static int exceeds_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1);
    int64_t refunded = sqlite3_column_int64(st, 4), charged = sqlite3_column_int64(st, 5);
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], expl[512];
    if (sqlite3_column_type(st, 5) == SQLITE_NULL || refunded <= charged)
        return 0;
    snprintf(expl, sizeof expl, "Refunded principal of order %s SKU %s is %s but only %s was "
             "charged (%s).", reconcile_str(st, 2), reconcile_str(st, 3),
             reconcile_amount(a, refunded, cur), reconcile_amount(b, charged, cur),
             sqlite3_column_int(st, 6) ? "settled Order lines" : "order history item-price");
    struct exception_row r = {
        .kind = "REFUND_EXCEEDS_CHARGE", .severity = "error",
        .settlement_id = reconcile_str(st, 0), .order_id = reconcile_col(st, 2),
        .sku = reconcile_col(st, 3), .currency = cur, .has_expected = 1, .expected = charged,
        .has_actual = 1, .actual = refunded, .explanation = expl,
        .action = "Check the refunds of the order in Seller Central; claim back a refund "
                  "Amazon paid twice or in excess.",
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_refunds(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_exec(c->lg, SCRATCH, e) < 0)
        return -1;
    if (c->has_history && (ledger_prepare(c->lg, &st, WITHOUT_ORDER, e) < 0 ||
                           reconcile_each(c, st, without_order_row, e) < 0))
        return -1;
    if (ledger_prepare(c->lg, &st, EXCEEDS, e) < 0 || reconcile_each(c, st, exceeds_row, e) < 0)
        return -1;
    return ledger_exec(c->lg, "DROP TABLE temp.reconcile_ordered;"
                       "DROP TABLE temp.reconcile_charged", e);
}
