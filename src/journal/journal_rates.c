/* journal_rates — the VAT rate Amazon actually charged, per order line, as A2X picks the tax
 * rate: a sales amount (principal, shipping, gift wrap, promotion) of an order's SKU with
 * the tax folded into it is standard-rated when its tax / its net is the marketplace's
 * vat_rate, zero-rated when Amazon charged no tax, reduced-rated at vat_rate_reduced; each
 * is posted with its own tax type, so Xero's VAT equals Amazon's. An amount whose rate is
 * none of these stays on tax.sales, where VAT_MISMATCH shows it.
 *
 * The summary and journal modes group lines over thousands of orders, so the rate of each
 * (transaction, order, SKU, sales rule) is computed once in SQL into a temporary table the
 * grouping queries join (JOURNAL_RATE_JOIN). The orders view classifies its folded lines
 * directly (journal_rate_class). Writes only temporary tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"

int journal_rate_class(int64_t net, int64_t tax, int64_t ntax, int std_bp, int red_bp)
{
    int64_t tol = 10000 * (ntax > 1 ? ntax : 1);   /* a minor unit per tax row Amazon rounded */
    if (net == 0)
        return RATE_STANDARD;
    if (tax == 0)
        return RATE_ZERO;
    if (net > INT64_C(100000000000000) || net < -INT64_C(100000000000000))
        return RATE_STANDARD;                       /* beyond any real line: no product */
    if (std_bp > 0 && llabs(tax * 10000 - net * std_bp) <= tol)
        return RATE_STANDARD;
    if (red_bp > 0 && llabs(tax * 10000 - net * red_bp) <= tol)
        return RATE_REDUCED;
    return RATE_STANDARD;
}

const char *journal_rate_tax(const struct config_marketplace *m, int cls, const char *standard)
{
    if (cls == RATE_ZERO && m)
        return m->tax_sales_zero;
    if (cls == RATE_REDUCED && m)
        return m->tax_sales_reduced;
    return standard;
}

int journal_rate_bp(const struct config_marketplace *m, int cls, int standard_bp)
{
    return cls == RATE_ZERO ? 0 : cls == RATE_REDUCED && m ? m->vat_rate_reduced_bp
                                                           : standard_bp;
}

int journal_rates_wanted(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->n_marketplaces; i++)
        if (strcmp(cfg->marketplaces[i].tax[TAX_SALES], "NONE") != 0 &&
            cfg->marketplaces[i].tax[TAX_SALES][0])
            return 1;
    return 0;
}

/* rate_class(net, tax, tax_rows, vat_rate_bp, reduced_bp): journal_rate_class in SQL */
static void sql_class(sqlite3_context *c, int n, sqlite3_value **v)
{
    (void)n;
    sqlite3_result_int(c, journal_rate_class(sqlite3_value_int64(v[0]),
                                             sqlite3_value_int64(v[1]),
                                             sqlite3_value_int64(v[2]),
                                             sqlite3_value_int(v[3]), sqlite3_value_int(v[4])));
}

static const char TABLES[] =
    "DROP TABLE IF EXISTS temp.rate_combo; DROP TABLE IF EXISTS temp.rate_item;"
    "CREATE TEMP TABLE rate_combo (tt TEXT, at TEXT, de TEXT, mk TEXT, rid INTEGER, "
    " role INTEGER, std INTEGER, red INTEGER, PRIMARY KEY (tt, at, de, mk)) WITHOUT ROWID;"
    "CREATE TEMP TABLE rate_item (tt TEXT, o TEXT, sku TEXT, rid INTEGER, cls INTEGER, "
    " PRIMARY KEY (tt, o, sku, rid)) WITHOUT ROWID;";

/* Which distinct combinations are the net of a tax-inclusive sales line (role 1) or the tax
 * folded into one (role 2), and the rule (rid) both belong to. */
static int combo_role(const struct config *cfg, const struct mapping *map,
                      const char *settlement_mk, const char *tt, const char *at,
                      const char *de, const char *mk, const struct config_marketplace **m,
                      int64_t *rid)
{
    const char *mkn = mk[0] ? mk : settlement_mk;
    const struct mapping_rule *r, *f;
    *m = journal_line_market(cfg, mk, settlement_mk);
    r = mapping_find(map, tt, at, de, mkn);
    f = mapping_fold(map, r, *m, tt, at, de, mkn);
    if (f) {
        *rid = (int64_t)(f - map->rules);
        return f->tax == TAX_SALES ? 2 : 0;
    }
    *rid = r ? (int64_t)(r - map->rules) : -1;
    return r && r->tax == TAX_SALES && *m && (*m)->tax[TAX_SALES][0] &&
           strcmp((*m)->tax[TAX_SALES], "NONE") != 0 ? 1 : 0;
}

static void bind_scope(sqlite3_stmt *st, int64_t ref, const char *hi)
{
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, ref);
    if (hi && sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
}

static int combos(struct ledger *lg, const struct config *cfg, const struct mapping *map,
                  const char *table, const char *where, int64_t ref, const char *hi,
                  const char *settlement_mk, struct err *e)
{
    sqlite3_stmt *st, *ins;
    char sql[1024];
    int s = SQLITE_DONE, rc = 0;
    snprintf(sql, sizeof sql, "SELECT DISTINCT l.transaction_type, l.amount_type, "
             "l.amount_description, COALESCE(l.marketplace,'') FROM %s l WHERE %s",
             table, where);
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    if (ledger_prepare(lg, &ins, "INSERT INTO rate_combo VALUES (?,?,?,?,?,?,?,?)", e) < 0) {
        sqlite3_finalize(st);
        return -1;
    }
    bind_scope(st, ref, hi);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const struct config_marketplace *m;
        int64_t rid;
        int role = combo_role(cfg, map, settlement_mk, ledger_text(st, 0), ledger_text(st, 1),
                              ledger_text(st, 2), ledger_text(st, 3), &m, &rid);
        if (!role)
            continue;
        for (int i = 1; i <= 4; i++)
            sqlite3_bind_text(ins, i, ledger_text(st, i - 1), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 5, rid);
        sqlite3_bind_int(ins, 6, role);
        sqlite3_bind_int(ins, 7, m->vat_rate_bp);
        sqlite3_bind_int(ins, 8, m->vat_rate_reduced_bp);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = ledger_fail(lg, e, "record the sales combinations");
        sqlite3_reset(ins);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read the sales combinations");
    sqlite3_finalize(ins);
    sqlite3_finalize(st);
    return rc;
}

int journal_rates_prepare(struct ledger *lg, const struct config *cfg,
                          const struct mapping *map, const char *table, const char *where,
                          int64_t ref, const char *hi, const char *settlement_mk,
                          struct err *e)
{
    sqlite3_stmt *st;
    char sql[2048];
    int s, before;
    if (sqlite3_create_function(ledger_db(lg), "rate_class", 5,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_class, NULL,
                                NULL) != SQLITE_OK)
        return ledger_fail(lg, e, "register rate_class");
    if (ledger_exec(lg, TABLES, e) < 0 ||
        combos(lg, cfg, map, table, where, ref, hi, settlement_mk, e) < 0)
        return -1;
    before = sqlite3_total_changes(ledger_db(lg));
    /* only the lines that are not standard-rated are kept: the join finds the rest absent */
    snprintf(sql, sizeof sql, "INSERT INTO rate_item SELECT tt, o, sku, rid, cls FROM (SELECT "
             "l.transaction_type AS tt, l.order_id AS o, COALESCE(l.sku,'') AS sku, "
             "c.rid AS rid, rate_class("
             "SUM(CASE c.role WHEN 1 THEN l.amount_minor ELSE 0 END), "
             "SUM(CASE c.role WHEN 2 THEN l.amount_minor ELSE 0 END), SUM(c.role = 2), "
             "MAX(c.std), MAX(c.red)) AS cls FROM %s l " JOURNAL_RATE_COMBO " WHERE %s "
             "AND COALESCE(l.order_id,'') <> '' GROUP BY 1, 2, 3, 4) WHERE cls <> 0",
             table, where);
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    bind_scope(st, ref, hi);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return ledger_fail(lg, e, "classify the sales by VAT rate");
    /* all standard-rated (the common case): the grouping query needs no join */
    return sqlite3_total_changes(ledger_db(lg)) != before;
}
