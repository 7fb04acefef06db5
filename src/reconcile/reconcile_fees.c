/* reconcile_fees — FEE_ANOMALY: an order's commission rate far from the SKU's usual one.
 * Rates are integer basis points (|Commission| * 10000 / sales price, rounded half up); the
 * usual rate is the lower median of all the SKU's samples in the ledger in that currency.
 * Reads only (its scratch tables are temporary). */
#include "reconcile_int.h"

#include <stdint.h>
#include <stdio.h>


#define STR_(x) #x
#define STR(x) STR_(x)

/* One sample per settlement, order and SKU whose sales price is positive and that has a
 * commission. The sales price is what Amazon's referral fee is charged on: the ItemPrice and
 * Promotion amounts that are not tax (principal, shipping, gift wrap, less promotions). */
static const char SAMPLES[] =
    "DROP TABLE IF EXISTS temp.reconcile_fee_sample;"
    "DROP TABLE IF EXISTS temp.reconcile_fee_usual;"
    "CREATE TEMP TABLE reconcile_fee_sample AS "
    "WITH samples AS (SELECT s.id AS sref, s.currency AS cur, l.order_id AS oid, l.sku AS sku, "
    "  sum(CASE WHEN l.amount_type IN ('ItemPrice', 'Promotion') AND l.amount_description "
    "  NOT LIKE '%Tax%' THEN l.amount_minor ELSE 0 END) AS p, "
    "  sum(CASE WHEN l.amount_type = 'ItemFees' AND l.amount_description = 'Commission' "
    "  THEN l.amount_minor ELSE 0 END) AS fee, "
    "  sum(l.amount_type = 'ItemFees' AND l.amount_description = 'Commission') AS nfee "
    "  FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "  WHERE l.transaction_type = 'Order' AND l.order_id IS NOT NULL AND l.order_id != '' "
    "  AND l.sku IS NOT NULL AND l.sku != '' GROUP BY s.id, l.order_id, l.sku) "
    "SELECT sref, cur, oid, sku, p, fee, (abs(fee) * 10000 + p / 2) / p AS bp FROM samples "
    "WHERE p > 0 AND p < 4000000000000000000 AND nfee > 0 AND abs(fee) < 900000000000000;"
    "CREATE TEMP TABLE reconcile_fee_usual (sku TEXT NOT NULL, cur TEXT NOT NULL, "
    "  median INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (sku, cur));"
    "INSERT INTO temp.reconcile_fee_usual SELECT sku, cur, bp, n FROM (SELECT sku, cur, bp, "
    "  row_number() OVER (PARTITION BY sku, cur ORDER BY bp) AS rn, "
    "  count(*) OVER (PARTITION BY sku, cur) AS n FROM temp.reconcile_fee_sample) "
    "WHERE rn = (n - 1) / 2 + 1 AND n >= " STR(RECONCILE_FEE_SAMPLES_MIN);

static const char QUERY[] =
    "SELECT s.settlement_id, f.cur, f.oid, f.sku, f.p, f.fee, f.bp, u.median, u.n "
    "FROM temp.reconcile_fee_sample f "
    "JOIN temp.reconcile_fee_usual u ON u.sku = f.sku AND u.cur = f.cur "
    "JOIN settlement s ON s.id = f.sref "
    "WHERE " PERIOD_SCOPE_SQL " AND abs(f.bp - u.median) * 100 > u.median * ?2 "
    "ORDER BY s.start_utc, s.settlement_id, f.oid, f.sku";

/* "15.25%" from 1525 basis points. */
static char *pct(char buf[32], int64_t bp)
{
    snprintf(buf, 32, "%lld.%02lld%%", (long long)(bp / 100), (long long)(bp % 100));
    return buf;
}

static int row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1);
    int64_t p = sqlite3_column_int64(st, 4), fee = sqlite3_column_int64(st, 5);
    int64_t bp = sqlite3_column_int64(st, 6), median = sqlite3_column_int64(st, 7);
    int64_t n = sqlite3_column_int64(st, 8), usual;
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], r1[32], r2[32], expl[512];
    if (__builtin_mul_overflow(p, median, &usual))
        return err_set(e, ERR_INPUT, "settlement %s order %s: sales price too large for a rate",
                       reconcile_str(st, 0), reconcile_str(st, 2));
    usual = -((usual + 5000) / 10000); /* commission at the usual rate, a charge */
    snprintf(expl, sizeof expl, "Commission of order %s SKU %s is %s, %s of the sales price %s; "
             "the SKU's usual rate is %s (median of %lld orders in %s).", reconcile_str(st, 2),
             reconcile_str(st, 3), reconcile_amount(a, fee, cur), pct(r1, bp),
             reconcile_amount(b, p, cur), pct(r2, median), (long long)n, cur);
    struct exception_row r = {
        .kind = "FEE_ANOMALY", .severity = "warning", .settlement_id = reconcile_str(st, 0),
        .order_id = reconcile_col(st, 2), .sku = reconcile_col(st, 3), .currency = cur,
        .has_expected = 1, .expected = usual, .has_actual = 1, .actual = fee,
        .explanation = expl,
        .action = "Check the SKU's referral fee category in Seller Central (Fee Preview) and "
                  "ask Amazon for a fee reimbursement if it was overcharged.",
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_fees(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_exec(c->lg, SAMPLES, e) < 0 || ledger_prepare(c->lg, &st, QUERY, e) < 0)
        return -1;
    sqlite3_bind_int(st, 2, c->cfg->fee_anomaly_pct);
    if (reconcile_each(c, st, row, e) < 0)
        return -1;
    return ledger_exec(c->lg, "DROP TABLE temp.reconcile_fee_sample;"
                       "DROP TABLE temp.reconcile_fee_usual", e);
}
