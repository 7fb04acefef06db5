/* journal_rates — the VAT rate Amazon actually charged, per order line, as A2X picks the tax
 * rate: a sales amount (principal, shipping, gift wrap, promotion) of an order's SKU with
 * the tax folded into it is standard-rated when its tax / its net is the marketplace's
 * vat_rate, zero-rated when Amazon charged no tax, reduced-rated at vat_rate_reduced; each
 * is posted with its own tax type, so Xero's VAT equals Amazon's. An amount whose rate is
 * none of these stays on tax.sales, where VAT_MISMATCH shows it.
 *
 * Three rules refine that (README "Sales tax and VAT"): an untaxed sale is zero-rated only
 * when the settlement itemises VAT for its marketplace (some sales tax row on an item that
 * is no deemed supply); without any, Amazon's VAT Calculation Service is off, the
 * principal is VAT-inclusive and the sale is standard-rated. A promotion without its own
 * tax row takes the class of the principal it discounts (same transaction, order, SKU). An
 * item Amazon withheld facilitator tax on is a deemed supply (RATE_DEEMED): zero-rated,
 * its tax rows going to the facilitator-tax account with the withheld amounts.
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
    if ((cls == RATE_ZERO || cls == RATE_DEEMED) && m)
        return m->tax_sales_zero;
    if (cls == RATE_REDUCED && m)
        return m->tax_sales_reduced;
    return standard;
}

int journal_rate_bp(const struct config_marketplace *m, int cls, int standard_bp)
{
    return cls == RATE_ZERO || cls == RATE_DEEMED ? 0 : cls == RATE_REDUCED && m ? m->vat_rate_reduced_bp
                                                           : standard_bp;
}

int journal_rule_withheld(const struct mapping_rule *r, const struct config_marketplace *m,
                          const char *desc)
{
    /* Amazon's UK and EU names for VAT it collects as the deemed supplier; US marketplace
     * facilitator sales tax (MarketplaceFacilitatorTax-*) is no VAT and keeps its own lines */
    return r && r->role == ACCT_MF_TAX && !strncmp(desc, "MarketplaceFacilitatorVAT", 25) &&
           m && m->tax[TAX_SALES][0] && strcmp(m->tax[TAX_SALES], "NONE") != 0;
}

const struct mapping_rule *journal_deemed_rule(const struct mapping *map, const char *tt,
                                               const char *desc, const char *mkn)
{
    /* Amazon names the withholding after the part it taxes: Tax -> -Principal,
     * ShippingTax -> -Shipping, GiftWrapTax -> -Giftwrap; a TaxDiscount reduces the tax
     * of the principal */
    const char *part = !strncmp(desc, "Shipping", 8) ? "Shipping"
                     : !strncmp(desc, "GiftWrap", 8) || !strncmp(desc, "Giftwrap", 8)
                     ? "Giftwrap" : "Principal";
    char d[64];
    snprintf(d, sizeof d, "MarketplaceFacilitatorVAT-%s", part);
    return mapping_find(map, tt, "ItemWithheldTax", d, mkn);
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
    "DROP TABLE IF EXISTS temp.rate_g; DROP TABLE IF EXISTS temp.rate_deemed;"
    "DROP TABLE IF EXISTS temp.rate_itemised;"
    "CREATE TEMP TABLE rate_combo (tt TEXT, at TEXT, de TEXT, mk TEXT, rid INTEGER, "
    " role INTEGER, std INTEGER, red INTEGER, cm TEXT, pr INTEGER, promo INTEGER, "
    " PRIMARY KEY (tt, at, de, mk)) WITHOUT ROWID;"
    "CREATE TEMP TABLE rate_item (tt TEXT, o TEXT, sku TEXT, rid INTEGER, cls INTEGER, "
    " PRIMARY KEY (tt, o, sku, rid)) WITHOUT ROWID;"
    /* per (transaction, order, SKU, rule): the sales amounts without tax, the tax folded
     * into them, the tax rows, the rates; pr: the principal, promo: a promotion, mf: the
     * facilitator withholding, sl: sales lines; bc: the item's class before promotions */
    "CREATE TEMP TABLE rate_g (tt TEXT, o TEXT, sku TEXT, rid INTEGER, net INTEGER, "
    " tax INTEGER, ntax INTEGER, std INTEGER, red INTEGER, cm TEXT, pr INTEGER, "
    " promo INTEGER, mf INTEGER, sl INTEGER, bc INTEGER, PRIMARY KEY (tt, o, sku, rid)) "
    " WITHOUT ROWID;"
    "CREATE TEMP TABLE rate_deemed (tt TEXT, o TEXT, sku TEXT, PRIMARY KEY (tt, o, sku)) "
    " WITHOUT ROWID;"
    "CREATE TEMP TABLE rate_itemised (cm TEXT PRIMARY KEY) WITHOUT ROWID;";

/* Which distinct combinations are the net of a tax-inclusive sales line (role 1), the tax
 * folded into one (role 2) or facilitator tax Amazon withheld (role 3), and the rule (rid)
 * each belongs to. */
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
    if (journal_rule_withheld(r, *m, de))
        return 3;
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
    if (ledger_prepare(lg, &ins, "INSERT INTO rate_combo VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       e) < 0) {
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
        sqlite3_bind_text(ins, 9, m->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 10, !strcmp(ledger_text(st, 1), "ItemPrice") &&
                                  !strcmp(ledger_text(st, 2), "Principal"));
        sqlite3_bind_int(ins, 11, rid >= 0 && map->rules[rid].role == ACCT_PROMOTIONS);
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

/* Runs one statement of the classification over "table l WHERE where" (%s twice). */
static int run_scoped(struct ledger *lg, const char *fmt, const char *table, const char *where,
                      int64_t ref, const char *hi, const char *what, struct err *e)
{
    sqlite3_stmt *st;
    char sql[2048];
    int s;
    snprintf(sql, sizeof sql, fmt, table, where);
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    bind_scope(st, ref, hi);
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, what);
}

/* After rate_g is filled: the deemed supplies, the marketplaces whose VAT is itemised, each
 * group's class (bc) and, for rate_item, the promotions' (the principal's when they carry
 * no tax row of their own). Only the groups that are not standard-rated are kept. */
static const char ITEMISED[] =
    "INSERT OR IGNORE INTO rate_deemed SELECT tt, o, sku FROM rate_g WHERE mf;"
    "INSERT OR IGNORE INTO rate_itemised SELECT cm FROM rate_g g WHERE ntax > 0 AND NOT "
    " EXISTS (SELECT 1 FROM rate_deemed d WHERE d.tt = g.tt AND d.o = g.o AND d.sku = g.sku);";
static const char CLASSIFY[] =
    "UPDATE rate_g SET bc = CASE WHEN EXISTS (SELECT 1 FROM rate_deemed d WHERE "
    " d.tt = rate_g.tt AND d.o = rate_g.o AND d.sku = rate_g.sku) THEN 3 ELSE "
    " rate_class(net, tax, ntax, std, red) END WHERE sl;"
    /* no VAT itemised for the marketplace: an untaxed sale is VAT-inclusive, standard, and
     * no VAT of Amazon's can judge it */
    "UPDATE rate_g SET bc = 8 WHERE bc = 1 AND cm NOT IN (SELECT cm FROM rate_itemised);"
    "INSERT INTO rate_item SELECT tt, o, sku, rid, cls FROM (SELECT g.tt, g.o, g.sku, g.rid, "
    " CASE WHEN g.promo AND g.ntax = 0 AND g.bc <> 3 THEN COALESCE((SELECT p.bc | 8 FROM "
    " rate_g p WHERE p.tt = g.tt AND p.o = g.o AND p.sku = g.sku AND p.pr AND p.sl ORDER BY "
    " p.rid LIMIT 1), g.bc) ELSE g.bc END AS cls FROM rate_g g WHERE g.sl) WHERE cls <> 0;";

/* marketplaces.<m>.vat_itemised yes / no overrule what the tax rows say. */
static int overrides(struct ledger *lg, const struct config *cfg, struct err *e)
{
    sqlite3_stmt *yes, *no;
    int rc = 0;
    if (ledger_prepare(lg, &yes, "INSERT OR IGNORE INTO rate_itemised VALUES (?)", e) < 0)
        return -1;
    if (ledger_prepare(lg, &no, "DELETE FROM rate_itemised WHERE cm = ?", e) < 0) {
        sqlite3_finalize(yes);
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < cfg->n_marketplaces; i++) {
        const struct config_marketplace *m = &cfg->marketplaces[i];
        sqlite3_stmt *st = m->vat_itemised == VAT_ITEMISED_YES ? yes
                         : m->vat_itemised == VAT_ITEMISED_NO ? no : NULL;
        if (!st)
            continue;
        sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ledger_fail(lg, e, "apply vat_itemised");
        sqlite3_reset(st);
    }
    sqlite3_finalize(yes);
    sqlite3_finalize(no);
    return rc;
}

int journal_rates_prepare(struct ledger *lg, const struct config *cfg,
                          const struct mapping *map, const char *table, const char *where,
                          int64_t ref, const char *hi, const char *settlement_mk,
                          struct err *e)
{
    sqlite3_stmt *st;
    int s, any;
    if (sqlite3_create_function(ledger_db(lg), "rate_class", 5,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_class, NULL,
                                NULL) != SQLITE_OK)
        return ledger_fail(lg, e, "register rate_class");
    if (ledger_exec(lg, TABLES, e) < 0 ||
        combos(lg, cfg, map, table, where, ref, hi, settlement_mk, e) < 0)
        return -1;
    if (run_scoped(lg, "INSERT INTO rate_g SELECT l.transaction_type, l.order_id, "
                   "COALESCE(l.sku,''), c.rid, SUM(CASE c.role WHEN 1 THEN l.amount_minor "
                   "ELSE 0 END), SUM(CASE c.role WHEN 2 THEN l.amount_minor ELSE 0 END), "
                   "SUM(c.role = 2), MAX(c.std), MAX(c.red), MAX(c.cm), MAX(c.pr), "
                   "MAX(c.promo), MAX(c.role = 3), MAX(c.role IN (1, 2)), 0 FROM %s l "
                   JOURNAL_RATE_COMBO " WHERE %s AND COALESCE(l.order_id,'') <> '' "
                   "GROUP BY 1, 2, 3, 4", table, where, ref, hi,
                   "classify the sales by VAT rate", e) < 0)
        return -1;
    if (ledger_exec(lg, ITEMISED, e) < 0 || overrides(lg, cfg, e) < 0 ||
        ledger_exec(lg, CLASSIFY, e) < 0 ||
        ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM rate_item)", e) < 0)
        return -1;
    s = sqlite3_step(st);
    any = s == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (any < 0)
        return ledger_fail(lg, e, "read the sales classes");
    /* all standard-rated (the common case): the grouping query needs no join */
    return any;
}

/* The marketplaces with sales but no itemised VAT, and what their sales (net) add up to. */
const char JOURNAL_UNITEMISED_SQL[] =
    "SELECT g.cm, SUM(g.net) FROM rate_g g WHERE g.sl AND g.bc <> 3 AND g.net <> 0 "
    "AND g.cm NOT IN (SELECT cm FROM rate_itemised) GROUP BY 1 ORDER BY 1";
