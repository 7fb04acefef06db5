/* reconcile_lines — checks on the settlement lines themselves: combinations no mapping rule
 * covers (UNMAPPED) and lines that appear twice (DUPLICATE_LINE). Reads only. */
#include "reconcile_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

/* One row per settlement and (transaction-type, amount-type, amount-description,
 * marketplace), the marketplace being the line's or else the settlement's. */
static const char COMBOS[] =
    "SELECT s.settlement_id, s.currency, l.transaction_type, l.amount_type, "
    "l.amount_description, coalesce(nullif(l.marketplace, ''), s.marketplace) AS mk, "
    "count(*), sum(l.amount_minor) "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " "
    "GROUP BY s.id, l.transaction_type, l.amount_type, l.amount_description, mk "
    "ORDER BY s.start_utc, s.settlement_id, l.transaction_type, l.amount_type, "
    "l.amount_description, mk";

/* Identical lines inside one settlement. */
static const char SAME_SETTLEMENT[] =
    "SELECT s.settlement_id, s.currency, l.order_id, l.sku, l.transaction_type, "
    "l.amount_type, l.amount_description, l.amount_minor, count(*), sum(l.amount_minor), "
    "l.posted "
    "FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " "
    "GROUP BY s.id, l.transaction_type, l.amount_type, l.amount_description, l.order_id, "
    "l.sku, l.amount_minor, l.posted, l.order_item_code, l.adjustment_id, l.shipment_id "
    "HAVING count(*) > 1 "
    "ORDER BY s.start_utc, s.settlement_id, l.order_id, l.sku, l.transaction_type, "
    "l.amount_type, l.amount_description, l.amount_minor, l.posted, l.order_item_code, "
    "l.adjustment_id, l.shipment_id";

/* The same order-item-code and amount (transaction-type, adjustment-id, shipment-id,
 * amount-type, amount-description) in more than one settlement: every settlement after the
 * first one (by start, then id) that carries it. A second shipment or a second refund of an
 * item has its own shipment-id or adjustment-id and is not a duplicate. */
static const char ACROSS_SETTLEMENTS[] =
    "WITH multi AS (SELECT order_item_code AS oic FROM settlement_line "
    "  WHERE order_item_code IS NOT NULL AND order_item_code != '' GROUP BY order_item_code "
    "  HAVING min(settlement_ref) != max(settlement_ref)), "
    "g AS (SELECT l.transaction_type AS tt, l.order_item_code AS oic, "
    "  coalesce(l.adjustment_id, '') AS adj, coalesce(l.shipment_id, '') AS ship, "
    "  l.amount_type AS at, l.amount_description AS ad, "
    "  l.settlement_ref AS sref, min(l.order_id) AS oid, min(l.sku) AS sku, "
    "  sum(l.amount_minor) AS amt "
    "  FROM settlement_line l WHERE l.order_item_code IN (SELECT oic FROM multi) "
    "  GROUP BY tt, oic, adj, ship, at, ad, sref), "
    "r AS (SELECT g.*, s.settlement_id AS sid, s.currency AS cur, s.start_utc AS sstart, "
    "  first_value(s.settlement_id) OVER w AS first_sid, row_number() OVER w AS rn "
    "  FROM g JOIN settlement s ON s.id = g.sref "
    "  WINDOW w AS (PARTITION BY tt, oic, adj, ship, at, ad "
    "  ORDER BY s.start_utc, s.settlement_id)) "
    "SELECT r.sid, r.cur, r.oid, r.sku, r.tt, r.oic, r.at, r.ad, r.amt, r.first_sid "
    "FROM r JOIN settlement s ON s.id = r.sref "
    "WHERE r.rn > 1 AND " PERIOD_SCOPE_SQL " "
    "ORDER BY r.sstart, r.sid, r.oid, r.sku, r.tt, r.oic, r.adj, r.ship, r.at, r.ad";

struct unmapped {
    struct mapping m;
};

/* The settlebook.json rule that would map the combination, as compact JSON. A negative sum
 * is most likely a fee, a positive one a reimbursement; the user picks the real account. */
static char *suggested_rule(const char *tt, const char *at, const char *ad, int64_t sum)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "transaction_type", tt,
                          "amount_type", at, "amount_description", ad, "account",
                          sum < 0 ? "fees_other" : "reimbursements", "tax",
                          sum < 0 ? "fees" : "none", "category",
                          sum < 0 ? "Other fees" : "Reimbursements");
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

static int unmapped_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const struct mapping *m = &((struct unmapped *)c->scratch)->m;
    const char *tt = reconcile_str(st, 2), *at = reconcile_str(st, 3);
    const char *ad = reconcile_str(st, 4), *mk = reconcile_str(st, 5);
    const char *cur = reconcile_str(st, 1);
    int64_t n = sqlite3_column_int64(st, 6), sum = sqlite3_column_int64(st, 7);
    char amt[RECONCILE_AMOUNT_MAX], expl[640], action[768];
    char *rule;
    int rc;

    if (mapping_find(m, tt, at, ad, mk))
        return 0;
    rule = suggested_rule(tt, at, ad, sum);
    if (!rule)
        return err_set(e, ERR_NOMEM, "out of memory");
    snprintf(expl, sizeof expl, "%lld line%s of %s / %s / %s (%s) sum to %s and no mapping "
             "rule covers them: they post to the suspense account.", (long long)n,
             n == 1 ? "" : "s", tt, at, ad, mk[0] ? mk : "no marketplace",
             reconcile_amount(amt, sum, cur));
    snprintf(action, sizeof action, "Add %s to \"mappings\" in settlebook.json (choose the "
             "right account), then rerun reconcile.", rule);
    free(rule);
    struct exception_row r = {
        .kind = "UNMAPPED", .severity = "error", .settlement_id = reconcile_str(st, 0),
        .currency = cur, .has_actual = 1, .actual = sum, .explanation = expl, .action = action,
    };
    rc = reconcile_emit(c, &r, e);
    return rc;
}

int reconcile_unmapped(struct reconcile_ctx *c, struct err *e)
{
    struct unmapped u;
    sqlite3_stmt *st;
    int rc;
    if (mapping_load(&u.m, c->lg, c->cfg, e) < 0) {
        mapping_free(&u.m);
        return -1;
    }
    if (ledger_prepare(c->lg, &st, COMBOS, e) < 0) {
        mapping_free(&u.m);
        return -1;
    }
    c->scratch = &u;
    rc = reconcile_each(c, st, unmapped_row, e);
    c->scratch = NULL;
    mapping_free(&u.m);
    return rc;
}

static int same_settlement_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1);
    int64_t one = sqlite3_column_int64(st, 7), n = sqlite3_column_int64(st, 8);
    char amt[RECONCILE_AMOUNT_MAX], expl[512];
    snprintf(expl, sizeof expl, "%lld identical lines %s / %s / %s of %s posted %s (order %s, "
             "SKU %s) in one settlement.", (long long)n, reconcile_str(st, 4),
             reconcile_str(st, 5), reconcile_str(st, 6), reconcile_amount(amt, one, cur),
             reconcile_col(st, 10) ? reconcile_str(st, 10) : "(no date)",
             reconcile_col(st, 2) ? reconcile_str(st, 2) : "-",
             reconcile_col(st, 3) ? reconcile_str(st, 3) : "-");
    struct exception_row r = {
        .kind = "DUPLICATE_LINE", .severity = "warning", .settlement_id = reconcile_str(st, 0),
        .order_id = reconcile_col(st, 2), .sku = reconcile_col(st, 3), .currency = cur,
        .has_expected = 1, .expected = one, .has_actual = 1,
        .actual = sqlite3_column_int64(st, 9), .explanation = expl,
        .action = "Check the order's transactions in Seller Central; if Amazon charged or paid "
                  "it twice, open a case with Selling Partner Support.",
    };
    return reconcile_emit(c, &r, e);
}

static int across_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *cur = reconcile_str(st, 1), *first = reconcile_str(st, 9);
    char amt[RECONCILE_AMOUNT_MAX], expl[512], action[256];
    snprintf(expl, sizeof expl, "%s / %s / %s of order-item-code %s (%s) was already settled "
             "in settlement %s.", reconcile_str(st, 4), reconcile_str(st, 6),
             reconcile_str(st, 7), reconcile_str(st, 5),
             reconcile_amount(amt, sqlite3_column_int64(st, 8), cur), first);
    snprintf(action, sizeof action, "Compare settlements %s and %s in Seller Central; if the "
             "item was paid or charged twice, claim it back from Amazon.", first,
             reconcile_str(st, 0));
    struct exception_row r = {
        .kind = "DUPLICATE_LINE", .severity = "error", .settlement_id = reconcile_str(st, 0),
        .order_id = reconcile_col(st, 2), .sku = reconcile_col(st, 3), .currency = cur,
        .has_expected = 1, .expected = 0, .has_actual = 1,
        .actual = sqlite3_column_int64(st, 8), .explanation = expl, .action = action,
    };
    return reconcile_emit(c, &r, e);
}

int reconcile_duplicates(struct reconcile_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, SAME_SETTLEMENT, e) < 0 ||
        reconcile_each(c, st, same_settlement_row, e) < 0 ||
        ledger_prepare(c->lg, &st, ACROSS_SETTLEMENTS, e) < 0)
        return -1;
    return reconcile_each(c, st, across_row, e);
}
