/* report_orders — the Orders sheet: the settled principal of each order (Order / ItemPrice /
 * Principal lines of the settlements in scope) against the item price in the order history.
 * Every order that does not match is a row of its own; matched orders are counted and summed
 * in one row per currency (a detail sheet never grows with every settlement line). Orders of
 * the period that no settlement pays are listed too. Reads only. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

static const struct report_col cols[] = {
    { "Status", 22, 0 }, { "Order ID", 22, 0 }, { "Currency", 9, 0 }, { "Orders", 9, 1 },
    { "Settled principal", 16, 1 }, { "Ordered item price", 16, 1 }, { "Difference", 13, 1 },
    { "Settlement IDs", 16, 0 }, { "Order status", 12, 0 }, { "Purchase date", 14, 0 },
};
enum { C_STATUS, C_ORDER, C_CUR, C_N, C_SETTLED, C_ORDERED, C_DIFF, C_SIDS, C_OSTATUS,
       C_PURCHASE };

/* CROSS JOIN keeps SQLite reading the settlements in scope first, then their lines by index
 * (never every line of the ledger); x is materialized so each order's price is looked up
 * once, not once per use. */
static const char SETTLED[] =
    "WITH st AS (SELECT l.order_id AS oid, s.currency AS cur, SUM(l.amount_minor) AS p, "
    "  group_concat(DISTINCT s.settlement_id) AS sids FROM settlement s CROSS JOIN "
    "  settlement_line l"
    "  ON l.settlement_ref = s.id WHERE " PERIOD_SCOPE_SQL " AND l.transaction_type = 'Order' "
    "  AND l.amount_type = 'ItemPrice' AND l.amount_description = 'Principal' AND "
    "  coalesce(l.order_id, '') != '' GROUP BY l.order_id, s.currency), "
    "x AS MATERIALIZED (SELECT st.oid, st.cur, st.p, (SELECT SUM(i.item_price_minor) FROM "
    "  order_item i WHERE i.amazon_order_id = st.oid) AS price, "
    "  o.amazon_order_id IS NOT NULL AS known, "
    "  o.order_status, o.purchase_utc, st.sids FROM st LEFT JOIN orders o ON "
    "  o.amazon_order_id = st.oid) "
    "SELECT oid, cur, p, price, known, order_status, purchase_utc, sids, "
    "  known AND price IS NOT NULL AND p = price, EXISTS (SELECT 1 FROM orders) FROM x "
    "ORDER BY cur, NOT (known AND price IS NOT NULL AND p = price), oid";

/* Orders bought in the period (all when no period) that no settlement line pays. The
 * settled ids are a subquery that is not correlated, so SQLite reads the lines once into a
 * temporary index (settlement_line has no index on order_id). */
static const char UNSETTLED[] =
    "SELECT o.amazon_order_id, coalesce(o.currency, (SELECT max(i.currency) FROM order_item i "
    "  WHERE i.amazon_order_id = o.amazon_order_id), ''), (SELECT SUM(i.item_price_minor) "
    "  FROM order_item i WHERE i.amazon_order_id = o.amazon_order_id), o.order_status, "
    "  o.purchase_utc FROM orders o WHERE (?1 = '' OR substr(o.purchase_utc, 1, 7) = ?1) AND "
    "  o.amazon_order_id NOT IN (SELECT l.order_id FROM settlement_line l WHERE "
    "  l.transaction_type = 'Order' AND l.order_id IS NOT NULL) "
    "ORDER BY o.order_status = 'Cancelled', o.amazon_order_id";

/* Orders counted in one row per currency: the matched ones, and every settled order when
 * no order history was ingested at all. */
struct matched {
    const char *status;
    char cur[8];
    int64_t n;
    money_t settled, ordered;
    int has_ordered;
};

static void write_matched(struct report_sheet *s, struct matched *m)
{
    char label[80];
    int exp = report_exp(m->cur);
    if (m->n > 0) {
        snprintf(label, sizeof label, "(%lld order%s)", (long long)m->n, m->n == 1 ? "" : "s");
        report_text(s, C_STATUS, m->status);
        report_text(s, C_ORDER, label);
        report_text(s, C_CUR, m->cur);
        report_int(s, C_N, m->n);
        report_money(s, C_SETTLED, m->settled, exp);
        if (m->has_ordered) {
            report_money(s, C_ORDERED, m->ordered, exp);
            report_money(s, C_DIFF, m->settled - m->ordered, exp);
        }
        report_next_row(s);
    }
    m->n = 0;
    m->settled = m->ordered = 0;
}

static void detail(struct report_sheet *s, const char *status, sqlite3_stmt *st,
                   const char *cur, int has_settled, money_t settled, int has_ordered,
                   money_t ordered, const char *sids, const char *ostatus,
                   const char *purchase)
{
    int exp = report_exp(cur);
    report_text(s, C_STATUS, status);
    report_text(s, C_ORDER, report_col_text(st, 0));
    report_text(s, C_CUR, cur);
    report_int(s, C_N, 1);
    if (has_settled)
        report_money(s, C_SETTLED, settled, exp);
    else
        report_blank(s, C_SETTLED);
    if (has_ordered)
        report_money(s, C_ORDERED, ordered, exp);
    else
        report_blank(s, C_ORDERED);
    if (has_settled && has_ordered)
        report_money(s, C_DIFF, settled - ordered, exp);
    else
        report_blank(s, C_DIFF);
    report_text(s, C_SIDS, sids);
    report_text(s, C_OSTATUS, ostatus);
    report_date(s, C_PURCHASE, purchase, 0);
    report_next_row(s);
}

static int settled(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    sqlite3_stmt *st;
    struct matched m;
    int step = SQLITE_DONE, rc = 0;
    memset(&m, 0, sizeof m);
    if (ledger_prepare(r->lg, &st, SETTLED, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cur = report_col_text(st, 1);
        money_t p = sqlite3_column_int64(st, 2), price = sqlite3_column_int64(st, 3);
        int known = sqlite3_column_int(st, 4), match = sqlite3_column_int(st, 8);
        int history = sqlite3_column_int(st, 9);
        int has_price = sqlite3_column_type(st, 3) != SQLITE_NULL;
        if (strcmp(m.cur, cur) != 0 || (!match && history))
            write_matched(s, &m);
        snprintf(m.cur, sizeof m.cur, "%s", cur);
        if (match || !history) {
            m.status = history ? "Matched" : "No order history ingested";
            m.has_ordered = history;
            m.n++;
            if (money_add(&m.settled, p, e) < 0 || money_add(&m.ordered, price, e) < 0)
                rc = -1;
            continue;
        }
        s->fill = RF_WARNING;
        detail(s, !known ? "Not in order history" : !has_price ? "No item price"
                  : "Price differs", st, cur, 1, p, has_price, price,
               report_col_text(st, 7), report_col_text(st, 5), report_col_text(st, 6));
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    if (step != SQLITE_DONE)
        return ledger_fail(r->lg, e, "orders");
    write_matched(s, &m);
    return 0;
}

/* The orders that do not match, as report_pass kept them, in the order of SETTLED. */
static const char DIFF[] =
    "SELECT oid, cur, p, price, known, ostatus, purchase, sids FROM temp.report_order_diff "
    "ORDER BY cur, oid";

/* Writes the currencies' rows of report_pass up to cur (all: NULL), as SETTLED's order has
 * each currency's matched row before its orders that do not match. */
static void matched_upto(struct report_ctx *r, struct report_sheet *s, size_t *i,
                         const char *cur)
{
    struct report_pass *rp = &r->pass;
    for (; *i < rp->n_cur && (!cur || strcmp(rp->cur[*i].cur, cur) <= 0); (*i)++) {
        struct matched m;
        memset(&m, 0, sizeof m);
        m.status = rp->history ? "Matched" : "No order history ingested";
        m.has_ordered = rp->history;
        snprintf(m.cur, sizeof m.cur, "%s", rp->cur[*i].cur);
        m.n = rp->cur[*i].n;
        m.settled = rp->cur[*i].settled;
        m.ordered = rp->cur[*i].ordered;
        write_matched(s, &m);
    }
}

/* SETTLED's rows from what the one pass over the lines gathered (report_pass.c). */
static int settled_from_pass(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    sqlite3_stmt *st;
    size_t i = 0;
    int step;
    if (ledger_prepare(r->lg, &st, DIFF, e) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cur = report_col_text(st, 1);
        int known = sqlite3_column_int(st, 4);
        int has_price = sqlite3_column_type(st, 3) != SQLITE_NULL;
        matched_upto(r, s, &i, cur);
        s->fill = RF_WARNING;
        detail(s, !known ? "Not in order history" : !has_price ? "No item price"
                  : "Price differs", st, cur, 1, sqlite3_column_int64(st, 2), has_price,
               sqlite3_column_int64(st, 3), report_col_text(st, 7), report_col_text(st, 5),
               report_col_text(st, 6));
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return ledger_fail(r->lg, e, "orders");
    matched_upto(r, s, &i, NULL);
    return 0;
}

static int unsettled(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    sqlite3_stmt *st;
    int step;
    if (ledger_prepare(r->lg, &st, UNSETTLED, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int cancelled = strcmp(report_col_text(st, 3), "Cancelled") == 0;
        s->fill = cancelled ? RF_NONE : RF_INFO;
        detail(s, cancelled ? "Cancelled, not settled" : "Not settled", st,
               report_col_text(st, 1), 0, 0, sqlite3_column_type(st, 2) != SQLITE_NULL,
               sqlite3_column_int64(st, 2), "", report_col_text(st, 3),
               report_col_text(st, 4));
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : ledger_fail(r->lg, e, "unsettled orders");
}

int report_orders(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    if (report_sheet_begin(r, &s, "Orders", cols, sizeof cols / sizeof cols[0], e) < 0 ||
        (r->pass.orders_fast ? settled_from_pass(r, &s, e) : settled(r, &s, e)) < 0 ||
        unsettled(r, &s, e) < 0)
        return -1;
    return report_sheet_end(&s, e);
}
