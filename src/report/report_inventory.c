/* report_inventory — the Inventory sheet: per month and SKU, Amazon's FBA Inventory Ledger
 * (opening, received, shipped, returned, lost or damaged, ending units, all dispositions, and
 * the units written off as the COGS journal counts them), the units reimbursed and settled
 * in the month, the units sold that the COGS journal costed, the unit cost in force at the
 * month's end, the cost of goods booked, the write-off value and the ending value at cost; and the Xero item code of each SKU
 * (SKUs longer than Xero's 30 characters map to a shortened code). Reads only. */
#include "report_int.h"

#include <stdio.h>
#include <string.h>

static const struct report_col cols[] = {
    { "Month", 9, 0 }, { "SKU", 24, 0 }, { "Xero item code", 24, 0 }, { "Opening", 10, 1 },
    { "Received", 10, 1 }, { "Shipped", 10, 1 }, { "Returned", 10, 1 },
    { "Lost/damaged", 12, 1 }, { "Reimbursed", 11, 1 }, { "Ending", 10, 1 },
    { "Written off", 11, 1 }, { "Units settled (this ledger's country)", 16, 1 },
    { "Units sold (all marketplaces)", 16, 1 }, { "Currency", 9, 0 }, { "Unit cost", 12, 1 },
    { "COGS", 14, 1 }, { "Write-off value", 14, 1 }, { "Ending value at cost", 16, 1 },
};
enum { C_MONTH, C_SKU, C_CODE, C_OPEN, C_RECV, C_SHIP, C_RET, C_LOST, C_REIMB, C_END,
       C_WOFF, C_SETTLED, C_SOLD, C_CUR, C_COST, C_COGS, C_WVALUE, C_VALUE };

/* Every (month, SKU) that the inventory ledger or a cost-of-goods journal has in scope. Units
 * settled are those in the country of the SKU's inventory ledger Locations that month
 * (ledger.h's LEDGER_UNITS_SETTLED_CTE, shared with UNITS_NOT_SETTLED); every marketplace's
 * when the ledger has no row for the SKU that month. Units sold are what the month's COGS
 * journal costed (cogs_cover: Order and Liquidations units of every marketplace, less units
 * put back, in the month the sales journals booked them), so Units sold x Unit cost is COGS
 * whenever one cost applied. Written off is the journal's formula (Lost + Damaged + Disposed
 * - Found, signed, over every disposition) on the ledger's month, its value each day's units
 * at that day's cost (the month's last day for the monthly view), blank when a cost is
 * missing; Lost/damaged counts only Lost and Damaged decreases (what REIMBURSEMENT_DUE
 * claims), not what is written off. */
#define KEYS_TO_WV \
    "keys AS (SELECT month, msku AS sku FROM inventory_ledger WHERE ?1 = '' OR month = ?1 " \
    "UNION SELECT month, sku FROM cogs_line WHERE sku != '' AND kind = 'sold' AND (?1 = '' OR month = ?1) " \
    "UNION SELECT month, sku FROM cogs_cover WHERE kind != 'writeoff' AND (?1 = '' OR month = ?1)), " \
    "inv AS (SELECT month, msku, sum(CASE WHEN first THEN starting ELSE 0 END) AS o, " \
    "sum(receipts) AS rec, sum(-customer_shipments) AS ship, sum(customer_returns) AS ret, " \
    "sum(CASE WHEN lost < 0 THEN -lost ELSE 0 END) + sum(CASE WHEN damaged < 0 THEN -damaged " \
    "ELSE 0 END) AS ld, sum(CASE WHEN last THEN ending ELSE 0 END) AS en, " \
    "-sum(lost + damaged + disposed) - sum(found) AS wo FROM inventory_month " \
    "WHERE ?1 = '' OR month = ?1 GROUP BY 1, 2), " \
    "wd AS (SELECT month, msku, d, u, (SELECT c.unit_cost_minor FROM unit_cost c WHERE c.sku = " \
    "msku AND c.currency = ?2 AND c.effective_from <= d ORDER BY c.effective_from DESC LIMIT 1) " \
    "AS cost FROM (SELECT month, msku, CASE WHEN day = '' THEN date(month || '-01', '+1 month', " \
    "'-1 day') ELSE day END AS d, -sum(lost + damaged + disposed) - sum(found) AS u FROM " \
    "inventory_month WHERE ?1 = '' OR month = ?1 GROUP BY 1, 2, 3) WHERE u != 0), " \
    "wv AS (SELECT month, msku, CASE WHEN count(cost) = count(*) THEN sum(u * cost) END AS v " \
    "FROM wd GROUP BY 1, 2), "
/* the keys' reimbursement lines, found in one scan of the lines (not one scan per key:
 * settlement_line has no index by SKU) */
#define PAID_CTE \
    "paid AS MATERIALIZED (SELECT r.sku, substr(r.posted, 1, 7) AS m, CASE WHEN " \
    "r.amount_minor < 0 THEN -coalesce(r.quantity, 1) ELSE coalesce(r.quantity, 1) END AS u " \
    "FROM settlement_line r WHERE (r.amount_type = 'FBA Inventory Reimbursement' OR " \
    "r.amount_description IN ('WAREHOUSE_DAMAGE', 'WAREHOUSE_LOST', 'REVERSAL_REIMBURSEMENT')) " \
    "AND r.sku IN (SELECT sku FROM keys)) "
#define SELECT_ROWS \
    "SELECT k.month, k.sku, i.o, i.rec, i.ship, i.ret, i.ld, i.en, " \
    "(SELECT coalesce(sum(r.u), 0) FROM paid r WHERE r.sku = k.sku AND r.m = k.month), " \
    "coalesce((SELECT sum(p.units) FROM inv_settled p WHERE p.month = k.month AND p.msku = " \
    "k.sku), (SELECT coalesce(sum(t.units), 0) FROM settled t WHERE t.month = k.month AND " \
    "t.sku = k.sku)), " \
    "(SELECT u.unit_cost_minor FROM unit_cost u WHERE u.sku = k.sku AND u.currency = ?2 AND " \
    "u.effective_from <= date(k.month || '-01', '+1 month', '-1 day') ORDER BY " \
    "u.effective_from DESC LIMIT 1), " \
    "(SELECT -sum(c.amount_minor) FROM cogs_line c WHERE c.month = k.month AND c.sku = k.sku " \
    "AND c.amount_minor < 0 AND c.kind = 'sold'), " \
    "i.wo, CASE WHEN i.wo = 0 THEN 0 ELSE (SELECT w.v FROM wv w WHERE w.month = k.month AND " \
    "w.msku = k.sku) END, " \
    "(SELECT sum(CASE v.kind WHEN 'sold' THEN v.units ELSE -v.units END) FROM cogs_cover v " \
    "WHERE v.month = k.month AND v.sku = k.sku AND v.kind != 'writeoff') " \
    "FROM keys k LEFT JOIN inv i ON i.month = k.month AND i.msku = k.sku ORDER BY 1, 2"

static const char QUERY[] =
    "WITH " LEDGER_UNITS_SETTLED_CTE ", " KEYS_TO_WV PAID_CTE SELECT_ROWS;

/* QUERY with the settled and paid CTEs from the workbook's one pass over the lines
 * (report_pass.c, temp.report_settled and temp.report_paid: the same rows, paid summed by
 * SKU and month already). */
static const char QUERY_FROM_PASS[] =
    "WITH settled AS (SELECT month, sku, country, units FROM temp.report_settled), "
    LEDGER_INV_SETTLED_CTE ", " KEYS_TO_WV
    "paid AS (SELECT sku, m, u FROM temp.report_paid) " SELECT_ROWS;

static void opt_int(struct report_sheet *s, lxw_col_t c, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        report_blank(s, c);
    else
        report_int(s, c, sqlite3_column_int64(st, i));
}

/* 1 when the SKU's Xero Item is tracked inventory (Xero books its cost and write-offs, the
 * COGS journal leaves it out: so does the sheet's write-off value). */
static int tracked(sqlite3_stmt *q, const char *code)
{
    int t;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, code, -1, SQLITE_TRANSIENT);
    t = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_reset(q);
    return t;
}

static void row(struct report_sheet *s, sqlite3_stmt *st, sqlite3_stmt *tq, const char *cur,
                int exp)
{
    char code[TEXT_ITEM_CODE_MAX];
    int costed = sqlite3_column_type(st, 10) != SQLITE_NULL;
    int64_t cost = sqlite3_column_int64(st, 10), value;
    text_item_code(report_col_text(st, 1), code);
    report_text(s, C_MONTH, report_col_text(st, 0));
    report_text(s, C_SKU, report_col_text(st, 1));
    report_text(s, C_CODE, code);
    for (int i = 0; i < 6; i++)
        opt_int(s, (lxw_col_t)(C_OPEN + i), st, 2 + i);
    /* the columns sit Opening..Lost, then Reimbursed, then Ending */
    opt_int(s, C_REIMB, st, 8);
    opt_int(s, C_END, st, 7);
    opt_int(s, C_WOFF, st, 12);
    opt_int(s, C_SETTLED, st, 9);
    opt_int(s, C_SOLD, st, 14);
    report_text(s, C_CUR, cur);
    if (costed)
        report_money(s, C_COST, cost, exp);
    else
        report_blank(s, C_COST);
    if (sqlite3_column_type(st, 11) != SQLITE_NULL)
        report_money(s, C_COGS, sqlite3_column_int64(st, 11), exp);
    else
        report_blank(s, C_COGS);
    if (sqlite3_column_type(st, 13) != SQLITE_NULL && !tracked(tq, code))
        report_money(s, C_WVALUE, sqlite3_column_int64(st, 13), exp);
    else
        report_blank(s, C_WVALUE);
    if (costed && sqlite3_column_type(st, 7) != SQLITE_NULL &&
        !__builtin_mul_overflow(cost, sqlite3_column_int64(st, 7), &value))
        report_money(s, C_VALUE, value, exp);
    else
        report_blank(s, C_VALUE);
    report_next_row(s);
}

int report_inventory(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    sqlite3_stmt *st, *tq;
    const char *cur = r->cfg->base_currency;
    int exp = report_exp(cur), rc;
    if (report_sheet_begin(r, &s, "Inventory", cols, sizeof cols / sizeof cols[0], e) < 0)
        return -1;
    if (ledger_prepare(r->lg, &tq, "SELECT 1 FROM xero_ref WHERE kind = 'item' AND key = ? AND "
                       "detail LIKE 'tracked%'", e) < 0)
        return -1;
    if (ledger_prepare(r->lg, &st, r->pass.inventory_fast ? QUERY_FROM_PASS : QUERY, e) < 0) {
        sqlite3_finalize(tq);
        return -1;
    }
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cur, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row(&s, st, tq, cur, exp);
    sqlite3_finalize(st);
    sqlite3_finalize(tq);
    if (rc != SQLITE_DONE)
        return ledger_fail(r->lg, e, "Inventory sheet");
    return report_sheet_end(&s, e);
}
