/* reconcile_inventory — Amazon's FBA Inventory Ledger against the settlements and Xero:
 * REIMBURSEMENT_DUE (lost or damaged units no reimbursement paid for in the month or the 60
 * days after: a warning once the settlements reach past those 60 days, info while they are
 * still open), UNITS_NOT_SETTLED (units shipped against units settled) and
 * INVENTORY_MISMATCH (Amazon's ending balance against a tracked Xero Item's quantity on
 * hand). Each row belongs to no settlement but to a month of the inventory ledger (the month
 * of the lost units, of the shipments, the latest month of the compared balance): a period's
 * run raises its own month's rows only (every month's without a period), so September's
 * close is never held back by October's inventory, and each month's run agrees on its own
 * rows. Reads only. */
#include "reconcile_int.h"

#include <stdio.h>
#include <string.h>

/* Per month and SKU: the monthly view's rows, or the daily view's (sql/009 view). */
#define INV_ROWS "inventory_month"

/* The unit cost in force on the month's last day, NULL when none. */
#define COST_AT_END(sku, month)                                                             \
    "(SELECT u.unit_cost_minor FROM unit_cost u WHERE u.sku = " sku " AND u.currency = ?2 "  \
    "AND u.effective_from <= date(" month " || '-01', '+1 month', '-1 day') ORDER BY "       \
    "u.effective_from DESC LIMIT 1)"

static const char REIMBURSE[] =
    "WITH lost AS (SELECT month, msku, sum(CASE WHEN lost < 0 THEN -lost ELSE 0 END) + "
    "sum(CASE WHEN damaged < 0 THEN -damaged ELSE 0 END) AS units FROM " INV_ROWS " "
    "GROUP BY 1, 2 HAVING units > 0), "
    /* the reimbursement lines, found once (not once per month and SKU: settlement_line has
     * no index by SKU) */
    "paid AS MATERIALIZED (SELECT r.sku, r.posted, CASE WHEN r.amount_minor < 0 THEN "
    "-coalesce(r.quantity, 1) ELSE coalesce(r.quantity, 1) END AS u FROM "
    /* FBA Inventory Reimbursement, WAREHOUSE_DAMAGE, WAREHOUSE_LOST(_MANUAL),
     * WAREHOUSE_DAMAGE_EXCEPTION, REVERSAL_REIMBURSEMENT (sql/017) */
    RARE_LINES("r", "reimbursement") " WHERE r.sku IN (SELECT msku FROM lost)) "
    "SELECT l.month, l.msku, l.units, (SELECT coalesce(sum(r.u), 0) FROM paid r "
    "WHERE r.sku = l.msku AND r.posted >= l.month || '-01' AND r.posted < date(l.month || "
    "'-01', '+1 month', '+60 days')), "
    COST_AT_END("l.msku", "l.month") ", date(l.month || '-01', '+1 month', '+59 days'), "
    "(SELECT substr(max(end_utc), 1, 10) FROM settlement) >= date(l.month || '-01', '+1 month', "
    "'+60 days') FROM lost l WHERE ?1 = '' OR l.month = ?1 ORDER BY 1, 2";

static int reimburse_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *month = reconcile_str(st, 0), *sku = reconcile_str(st, 1);
    const char *cur = c->cfg->base_currency;
    int64_t units = sqlite3_column_int64(st, 2), paid = sqlite3_column_int64(st, 3), due, v = 0;
    int costed = sqlite3_column_type(st, 4) != SQLITE_NULL;
    const char *until = reconcile_str(st, 5);
    /* the 60 days are over only once the settlements reach past them: what the ledger holds,
     * never the clock, so a rerun on the same data says the same */
    int closed = sqlite3_column_int(st, 6);
    char expl[512], value[RECONCILE_AMOUNT_MAX + 40], tail[96] = "";
    if (paid >= units)
        return 0;
    due = units - (paid > 0 ? paid : 0);
    if (costed && __builtin_mul_overflow(due, sqlite3_column_int64(st, 4), &v))
        return err_set(e, ERR_INPUT, "SKU %s: value of %lld units overflows", sku,
                       (long long)due);
    if (costed) {
        char a[RECONCILE_AMOUNT_MAX];
        snprintf(value, sizeof value, "worth %s at cost", reconcile_amount(a, v, cur));
    } else {
        snprintf(value, sizeof value, "no unit cost known to value them");
    }
    if (!closed)
        snprintf(tail, sizeof tail, "; the window is open until %s (the settlements do not "
                 "reach past it yet)", until);
    snprintf(expl, sizeof expl, "%s: %lld unit(s) of SKU %s lost or damaged in Amazon's "
             "warehouses, %lld reimbursed in the month or the 60 days after: %lld unit(s) %s, "
             "%s%s", month, (long long)units, sku, (long long)(paid > 0 ? paid : 0),
             (long long)due, closed ? "due" : "not reimbursed yet", value, tail);
    struct exception_row r = {
        .kind = "REIMBURSEMENT_DUE", .severity = closed ? "warning" : "info", .sku = sku,
        .month = month,
        .currency = costed ? cur : NULL, .has_expected = costed, .expected = v,
        .explanation = expl,
        .action = closed ? "Open a case in Seller Central (Help > Get support > Fulfilment by "
                           "Amazon > Lost and damaged inventory) with the SKU and month; Amazon "
                           "pays lost or damaged units only when claimed in time."
                         : "Nothing yet: Amazon usually reimburses within the window; if the "
                           "settlements after it still show none, this becomes a warning and "
                           "the advice to open a case.",
    };
    return reconcile_emit(c, &r, e);
}

/* Units settled in the month against Amazon's Customer Shipments, per SKU and Location: both
 * in the country of the inventory ledger's Location (ledger.h's LEDGER_UNITS_SETTLED_CTE,
 * which the Inventory sheet shares). */
static const char SHIPPED[] =
    "WITH " LEDGER_UNITS_SETTLED_CTE ", shipped AS (SELECT month, msku, location, "
    "sum(-customer_shipments) AS units FROM " INV_ROWS " GROUP BY 1, 2, 3), "
    /* the days lines were posted on, in one scan: comparing a posted time with a day
     * (YYYY-MM-DD) gives the same answer as comparing its first ten characters */
    "days AS MATERIALIZED (SELECT DISTINCT substr(posted, 1, 10) AS d FROM settlement_line "
    "WHERE posted IS NOT NULL) "
    "SELECT month, msku, location, units, paid FROM (SELECT s.month, s.msku, s.location, "
    "s.units, p.units AS paid FROM shipped s JOIN inv_settled p ON p.month = s.month AND "
    "p.msku = s.msku AND p.location = s.location WHERE (?1 = '' OR s.month = ?1) AND EXISTS "
    "(SELECT 1 FROM days x WHERE x.d >= s.month || '-01' AND x.d < date(s.month || '-01', "
    "'+1 month'))) WHERE units != paid ORDER BY 1, 2, 3";

static int shipped_emit(struct reconcile_ctx *c, const char *month, const char *sku,
                        const char *where, int64_t shipped, int64_t settled, struct err *e)
{
    char expl[512];
    snprintf(expl, sizeof expl, "%s: Amazon shipped %lld unit(s) of SKU %s to customers%s%s, "
             "the settlements paid for %lld posted in the month (%+lld)", month,
             (long long)shipped, sku, where[0] ? " in " : "", where, (long long)settled,
             (long long)(settled - shipped));
    struct exception_row r = {
        .kind = "UNITS_NOT_SETTLED", .severity = "info", .sku = sku, .currency = EXCEPTION_UNITS,
        .month = month, .has_expected = 1,
        .expected = shipped, .has_actual = 1, .actual = settled, .explanation = expl,
        .action = "Usually timing: orders shipped at a month end settle in the next "
                  "settlement. A gap that persists means units shipped and never paid for: "
                  "check the orders in Seller Central.",
    };
    return reconcile_emit(c, &r, e);
}

static int shipped_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    return shipped_emit(c, reconcile_str(st, 0), reconcile_str(st, 1), reconcile_str(st, 2),
                        sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4), e);
}

/* Tracked Xero Items (cached by the preflight as detail "tracked qty=N") against Amazon's
 * ending balance of sellable units in the latest month of the inventory ledger. */
static const char TRACKED[] =
    "WITH last AS (SELECT msku, max(month) AS month FROM inventory_ledger GROUP BY 1), "
    "ending AS (SELECT i.msku, i.month, sum(i.ending) AS units FROM " INV_ROWS " i JOIN last l "
    "ON l.msku = i.msku AND l.month = i.month WHERE i.disposition = 'SELLABLE' AND i.last "
    "GROUP BY 1, 2) "
    "SELECT x.key, e.month, e.units, CAST(substr(x.detail, 13) AS INTEGER) FROM xero_ref x JOIN "
    "ending e ON e.msku = x.key WHERE (?1 = '' OR e.month = ?1) AND x.kind = 'item' AND "
    "x.detail LIKE 'tracked qty=%' AND CAST(substr(x.detail, 13) AS INTEGER) != e.units ORDER BY 1";

static int tracked_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *sku = reconcile_str(st, 0), *month = reconcile_str(st, 1);
    int64_t amazon = sqlite3_column_int64(st, 2), xero = sqlite3_column_int64(st, 3);
    char expl[512];
    snprintf(expl, sizeof expl, "Item %s: Amazon's ending balance of sellable units is %lld "
             "(%s), Xero's quantity on hand is %lld (%+lld)", sku, (long long)amazon, month,
             (long long)xero, (long long)(xero - amazon));
    struct exception_row r = {
        .kind = "INVENTORY_MISMATCH", .severity = "warning", .sku = sku,
        .currency = EXCEPTION_UNITS, .month = month, .has_expected = 1,
        .expected = amazon, .has_actual = 1, .actual = xero, .explanation = expl,
        .action = "Post the missing stock movements (receipts, adjustments for lost or "
                  "damaged units) to the tracked item in Xero, or check stock held outside "
                  "Amazon.",
    };
    return reconcile_emit(c, &r, e);
}

static int run(struct reconcile_ctx *c, const char *sql,
               int (*row)(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e),
               struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 2, c->cfg->base_currency, -1, SQLITE_STATIC);
    return reconcile_each(c, st, row, e);
}

int reconcile_inventory(struct reconcile_ctx *c, struct err *e)
{
    int done = 0;
    if (run(c, REIMBURSE, reimburse_row, e) < 0)
        return -1;
    /* the units settled summed in C (reconcile_shipped.c), the query when that cannot */
    if (!reconcile_sql_reference() && reconcile_shipped(c, shipped_emit, &done, e) < 0)
        return -1;
    if (!done && run(c, SHIPPED, shipped_row, e) < 0)
        return -1;
    return run(c, TRACKED, tracked_row, e);
}
