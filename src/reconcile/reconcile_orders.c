/* reconcile_orders — settlements against order history: ORDER_NOT_IN_HISTORY, the order side
 * of CURRENCY_MISMATCH, PRICE_MISMATCH, ORDER_NOT_SETTLED; one ORDER_HISTORY_MISSING info
 * instead when no order history was ingested. Dates are the data's, never the clock's.
 * Reads only. */
#include "reconcile_int.h"

#include <stdint.h>
#include <stdio.h>


#define SINGLE_SKU(col) "CASE WHEN count(DISTINCT " col ") = 1 THEN min(" col ") END"
#define ORDER_CURRENCY(o)                                                                  \
    "coalesce(" o ".currency, (SELECT min(i.currency) FROM order_item i "                  \
    "WHERE i.amazon_order_id = " o ".amazon_order_id))"

/* Settled Order lines whose order-id is not in the history, except lines posted before the
 * history's first purchase date (the history does not reach back that far). */
static const char NOT_IN_HISTORY[] =
    "SELECT s.settlement_id, s.currency, l.order_id, " SINGLE_SKU("l.sku") ", count(*), "
    "sum(CASE WHEN l.amount_type = 'ItemPrice' AND l.amount_description = 'Principal' "
    "THEN l.amount_minor ELSE 0 END) "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " AND l.transaction_type = 'Order' AND l.order_id IS NOT NULL "
    "AND l.order_id != '' AND l.order_id NOT IN (SELECT amazon_order_id FROM orders) "
    "AND (l.posted IS NULL OR substr(l.posted, 1, 10) >= (SELECT "
    "coalesce(substr(min(purchase_utc), 1, 10), '') FROM orders)) "
    "GROUP BY s.id, l.order_id ORDER BY s.start_utc, s.settlement_id, l.order_id";

static const char CURRENCY[] =
    "WITH oc AS (SELECT o.amazon_order_id AS oid, " ORDER_CURRENCY("o") " AS cur FROM orders o) "
    "SELECT s.settlement_id, s.currency, l.order_id, " SINGLE_SKU("l.sku") ", oc.cur, "
    "count(*), sum(l.amount_minor) "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "JOIN oc ON oc.oid = l.order_id "
    "WHERE " PERIOD_SCOPE_SQL " AND oc.cur IS NOT NULL AND oc.cur != s.currency "
    "GROUP BY s.id, l.order_id ORDER BY s.start_utc, s.settlement_id, l.order_id";

/* Settled principal per order and SKU over the whole ledger (an order can ship in parts
 * across settlements), reported on the settlement with the latest end, against the sum of
 * the history's item-price (the All Orders item-price is the total for the quantity). */
/* By order (the unary + keeps SQLite off the SKU index, which is far less selective). */
#define HIST "i.amazon_order_id = agg.oid AND +i.sku = agg.sku AND i.currency IS NOT NULL"
static const char PRICE[] =
    "WITH per AS (SELECT l.order_id AS oid, l.sku AS sku, l.settlement_ref AS sref, "
    "  sum(l.amount_minor) AS p, sum(coalesce(l.quantity, 0)) AS q, "
    "  count(*) - count(l.quantity) AS qmissing FROM settlement_line l "
    "  WHERE l.transaction_type = 'Order' AND l.amount_type = 'ItemPrice' "
    "  AND l.amount_description = 'Principal' AND l.order_id IS NOT NULL AND l.order_id != '' "
    "  AND l.sku IS NOT NULL AND l.sku != '' GROUP BY l.order_id, l.sku, l.settlement_ref), "
    "agg AS (SELECT per.*, s.settlement_id AS sid, s.currency AS cur, "
    "  sum(per.p) OVER w AS tp, sum(per.q) OVER w AS tq, sum(per.qmissing) OVER w AS tqm, "
    "  row_number() OVER (PARTITION BY per.oid, per.sku ORDER BY s.end_utc DESC, "
    "  s.settlement_id DESC) AS rn FROM per JOIN settlement s ON s.id = per.sref "
    "  WINDOW w AS (PARTITION BY per.oid, per.sku)), "
    "chk AS (SELECT agg.*, "
    "  (SELECT sum(i.item_price_minor) FROM order_item i WHERE " HIST ") AS price, "
    "  (SELECT sum(i.quantity) FROM order_item i WHERE " HIST ") AS qty, "
    "  (SELECT min(i.currency) FROM order_item i WHERE " HIST ") AS hcur, "
    "  (SELECT count(DISTINCT i.currency) FROM order_item i WHERE " HIST ") AS ncur "
    "  FROM agg WHERE agg.rn = 1) "
    "SELECT chk.sid, chk.cur, chk.oid, chk.sku, chk.tp, chk.tq, chk.tqm, chk.price, chk.qty "
    "FROM chk JOIN orders o ON o.amazon_order_id = chk.oid JOIN settlement s ON s.id = chk.sref "
    "WHERE chk.price IS NOT NULL AND chk.ncur = 1 AND chk.hcur = chk.cur "
    "AND coalesce(o.currency, chk.cur) = chk.cur AND " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id, chk.oid, chk.sku";

/* Shipped orders with a price, purchased on or after the first settlement's start and more
 * than ?2 days before the latest settlement's end, in no settlement line. Ledger-wide: the
 * rows do not depend on the period being reconciled, so closing the months in any order
 * gives the same rows. Multi-channel (Non-Amazon) orders are paid outside
 * settlements and are left out. */
static const char NOT_SETTLED[] =
    "WITH ref AS (SELECT substr(max(s.end_utc), 1, 10) AS d FROM settlement s), "
    "earliest AS (SELECT substr(min(start_utc), 1, 10) AS d FROM settlement), "
    "price AS (SELECT i.amazon_order_id AS oid, " SINGLE_SKU("i.sku") " AS sku, "
    "  sum(i.item_price_minor) AS p FROM order_item i GROUP BY i.amazon_order_id) "
    "SELECT o.amazon_order_id, substr(o.purchase_utc, 1, 10), " ORDER_CURRENCY("o") ", "
    "  o.order_status, price.sku, price.p, ref.d, "
    "  CAST(julianday(ref.d) - julianday(substr(o.purchase_utc, 1, 10)) AS INTEGER) "
    "FROM orders o JOIN price ON price.oid = o.amazon_order_id, ref, earliest "
    "WHERE o.order_status LIKE 'Shipped%' AND coalesce(o.sales_channel, '') NOT LIKE 'Non-Amazon%' "
    "AND price.p > 0 AND substr(o.purchase_utc, 1, 10) >= earliest.d "
    "AND substr(o.purchase_utc, 1, 10) < date(ref.d, ?2) "
    "AND o.amazon_order_id NOT IN (SELECT l.order_id FROM settlement_line l "
    "  WHERE l.order_id IS NOT NULL) "
    "ORDER BY o.purchase_utc, o.amazon_order_id";

static int not_in_history_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1);
    int64_t n = sqlite3_column_int64(st, 4), principal = sqlite3_column_int64(st, 5);
    char a[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "Order %s is settled (%lld line%s, principal %s) but is not in "
             "the order history.", reconcile_str(st, 2), (long long)n, n == 1 ? "" : "s",
             reconcile_amount(a, principal, cur));
    struct exception_row r = {
        .kind = "ORDER_NOT_IN_HISTORY", .severity = "warning",
        .settlement_id = reconcile_str(st, 0), .order_id = reconcile_col(st, 2),
        .sku = reconcile_col(st, 3), .currency = cur, .has_actual = 1, .actual = principal,
        .explanation = expl,
        .action = "Ingest an All Orders report (or fetch orders) that covers the order's "
                  "purchase date, then rerun reconcile.",
    };
    return reconcile_emit(c, &r, e);
}

static int currency_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1), *ocur = reconcile_str(st, 4);
    char a[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "Order %s is in %s in the order history but settled in %s "
             "(%s).", reconcile_str(st, 2), ocur, cur,
             reconcile_amount(a, sqlite3_column_int64(st, 6), cur));
    struct exception_row r = {
        .kind = "CURRENCY_MISMATCH", .severity = "error",
        .settlement_id = reconcile_str(st, 0), .order_id = reconcile_col(st, 2),
        .sku = reconcile_col(st, 3), .currency = cur, .has_actual = 1,
        .actual = sqlite3_column_int64(st, 6), .explanation = expl,
        .action = "Check which marketplace sold the order; an order report from another "
                  "marketplace or account may have been ingested by mistake.",
    };
    return reconcile_emit(c, &r, e);
}

/* price * part / whole, rounded half away from zero; -1 when it does not fit. */
static int pro_rata(int64_t price, int64_t part, int64_t whole, int64_t *out)
{
    int64_t m, q, rem;
    if (whole <= 0 || __builtin_mul_overflow(price, part, &m))
        return -1;
    q = m / whole;
    rem = m % whole;
    if (rem < 0 ? -rem * 2 >= whole : rem * 2 >= whole)
        q += rem < 0 ? -1 : 1;
    *out = q;
    return 0;
}

static int price_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1);
    int64_t settled = sqlite3_column_int64(st, 4), q = sqlite3_column_int64(st, 5);
    int64_t qmissing = sqlite3_column_int64(st, 6), price = sqlite3_column_int64(st, 7);
    int64_t qty = sqlite3_column_int64(st, 8), expected = price;
    int partial = qmissing == 0 && q > 0 && q < qty && pro_rata(price, q, qty, &expected) == 0;
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], d[RECONCILE_AMOUNT_MAX], expl[512];
    if (!partial)
        expected = price;
    if (settled == expected)
        return 0;
    if (partial)
        snprintf(expl, sizeof expl, "Settled principal of order %s SKU %s is %s for %lld of "
                 "%lld units; the order history's item-price %s gives %s.",
                 reconcile_str(st, 2), reconcile_str(st, 3), reconcile_amount(a, settled, cur),
                 (long long)q, (long long)qty, reconcile_amount(b, price, cur),
                 reconcile_amount(d, expected, cur));
    else
        snprintf(expl, sizeof expl, "Settled principal of order %s SKU %s is %s but the order "
                 "history's item-price is %s (quantity %lld).", reconcile_str(st, 2),
                 reconcile_str(st, 3), reconcile_amount(a, settled, cur),
                 reconcile_amount(b, price, cur), (long long)qty);
    struct exception_row r = {
        .kind = "PRICE_MISMATCH", .severity = "warning", .settlement_id = reconcile_str(st, 0),
        .order_id = reconcile_col(st, 2), .sku = reconcile_col(st, 3), .currency = cur,
        .has_expected = 1, .expected = expected, .has_actual = 1, .actual = settled,
        .explanation = expl,
        .action = "Check the order in Seller Central for a price change, a partial shipment or "
                  "an adjustment; open a case if Amazon paid the wrong amount.",
    };
    return reconcile_emit(c, &r, e);
}

static int not_settled_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_col(st, 2);
    int64_t price = sqlite3_column_int64(st, 5);
    char a[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "Order %s (%s, purchased %s, %s) is in no settlement %lld days "
             "before the latest settlement end %s (limit %d days).", reconcile_str(st, 0),
             reconcile_str(st, 3), reconcile_str(st, 1), reconcile_amount(a, price, cur),
             (long long)sqlite3_column_int64(st, 7), reconcile_str(st, 6),
             c->cfg->order_days_unsettled);
    struct exception_row r = {
        .kind = "ORDER_NOT_SETTLED", .severity = "warning", .order_id = reconcile_col(st, 0),
        .sku = reconcile_col(st, 4), .currency = cur, .has_expected = 1, .expected = price,
        .has_actual = 1, .actual = 0, .explanation = expl,
        .action = "Ingest the settlement that paid it if it is missing; otherwise check the "
                  "order's payment in Seller Central and open a case.",
    };
    return reconcile_emit(c, &r, e);
}

static int no_history(struct reconcile_ctx *c, struct err *e)
{
    struct exception_row r = {
        .kind = "ORDER_HISTORY_MISSING", .severity = "info",
        .explanation = "No order history is in the ledger: ORDER_NOT_IN_HISTORY, "
                       "ORDER_NOT_SETTLED, PRICE_MISMATCH, REFUND_WITHOUT_ORDER and the order "
                       "CURRENCY_MISMATCH checks were skipped.",
        .action = "Ingest an All Orders report (or run settlebook fetch) covering the "
                  "settlements' dates, then rerun reconcile.",
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_orders(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    char days[32];
    if (!c->has_history)
        return no_history(c, e);
    if (ledger_prepare(c->lg, &st, NOT_IN_HISTORY, e) < 0 ||
        reconcile_each(c, st, not_in_history_row, e) < 0 ||
        ledger_prepare(c->lg, &st, CURRENCY, e) < 0 ||
        reconcile_each(c, st, currency_row, e) < 0 ||
        ledger_prepare(c->lg, &st, PRICE, e) < 0 || reconcile_each(c, st, price_row, e) < 0 ||
        ledger_prepare(c->lg, &st, NOT_SETTLED, e) < 0)
        return -1;
    snprintf(days, sizeof days, "-%d days", c->cfg->order_days_unsettled);
    sqlite3_bind_text(st, 2, days, -1, SQLITE_TRANSIENT);
    return reconcile_each(c, st, not_settled_row, e);
}
