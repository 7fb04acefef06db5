/* ingest_costs — the unit-cost CSV (header exactly `sku,unit_cost,currency,effective_from`):
 * one cost per SKU from a date on, in base_currency (Xero's manual journals carry no
 * currency, so another currency is refused, never converted). A later file giving the same
 * SKU and date replaces the earlier cost. Never computes cost of goods: journal_cogs does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest_int.h"

#define COSTS_ROWS_MAX 1000000   /* far beyond any real catalogue */
#define COSTS_SKU_MAX 200        /* Amazon's seller SKUs hold at most 40 characters */

static const char *const COST_HEADER[] = { "sku", "unit_cost", "currency", "effective_from" };

struct costs {
    char currency[4];
    int exp;
    sqlite3_stmt *ins;
};

/* "YYYY-MM-DD", a real day, nothing after it. */
static int iso_day(const char *v)
{
    int64_t t;
    int has_time = 0;
    struct err ignored = {0};
    char back[DATES_ISO_MAX];
    if (strlen(v) != 10 || v[4] != '-' || dates_parse(v, &t, &has_time, &ignored) < 0 ||
        has_time)
        return 0;
    dates_iso(back, t, 0);
    return strcmp(back, v) == 0;
}

static int costs_row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct costs *k = c->state;
    const char *sku = delim_get(r, 0), *cost = delim_get(r, 1), *cur = delim_get(r, 2);
    const char *from = delim_get(r, 3);
    money_t v;
    int rc;

    if (ingest_check_width(c, r, 4, e) < 0)
        return -1;
    if (++c->res->records > COSTS_ROWS_MAX)
        return ingest_err(c, e, r->line, 0, "more than %d costs: split the file",
                          COSTS_ROWS_MAX);
    if (!*sku || strlen(sku) > COSTS_SKU_MAX)
        return ingest_err(c, e, r->line, 1, "sku is %s: every cost needs the seller SKU",
                          *sku ? "longer than 200 characters" : "empty");
    if (strcmp(cur, k->currency) != 0)
        return ingest_err(c, e, r->line, 3, "currency '%.8s' is not the base currency %s: "
                          "Xero books cost of goods in the base currency, so give every cost "
                          "in %s", cur, k->currency, k->currency);
    if (money_parse(cost, k->exp, &v, e) < 0)
        return ingest_err_at(c, e, r->line, 2, "unit_cost");
    if (v < 0)
        return ingest_err(c, e, r->line, 2, "unit_cost '%s' is negative: a unit cost is what "
                          "one unit cost you", cost);
    if (!iso_day(from))
        return ingest_err(c, e, r->line, 4, "effective_from '%.20s' is not an ISO date "
                          "(YYYY-MM-DD)", from);
    sqlite3_bind_text(k->ins, 1, sku, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_int64(k->ins, 3, v);
    sqlite3_bind_text(k->ins, 4, k->currency, -1, SQLITE_STATIC);
    sqlite3_bind_int64(k->ins, 5, c->source_id);
    sqlite3_bind_int64(k->ins, 6, (int64_t)r->line);
    rc = sqlite3_step(k->ins) == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "insert unit cost");
    if (rc == 0 && sqlite3_changes(ledger_db(c->lg)) == 0)
        rc = ingest_err(c, e, r->line, 1, "SKU '%s' already has a cost from %s earlier in "
                        "this file: keep one", sku, from);
    sqlite3_reset(k->ins);
    if (rc == 0)
        c->res->lines++;
    return rc;
}

static int costs_finish(struct ingest_ctx *c, struct err *e)
{
    if (c->res->records == 0)
        return ingest_err(c, e, 1, 0, "no costs after the header: add one line per SKU");
    return 0;
}

static void costs_free(void *state)
{
    struct costs *k = state;
    if (!k)
        return;
    sqlite3_finalize(k->ins);
    free(k);
}

int ingest_costs_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    struct costs *k = calloc(1, sizeof *k);
    const char *base = c->o->base_currency && c->o->base_currency[0] ? c->o->base_currency
                                                                     : "USD";
    if (!k)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = k;
    c->free_state = costs_free;
    snprintf(c->res->kind, sizeof c->res->kind, "unit_costs");
    if (hdr->n != 4)
        goto bad_header;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(hdr->f[i], COST_HEADER[i]) != 0)
            goto bad_header;
    snprintf(k->currency, sizeof k->currency, "%s", base);
    snprintf(c->res->currency, sizeof c->res->currency, "%s", base);
    k->exp = money_exponent(base);
    /* a later file replaces a cost; the same file giving it twice changes nothing (refused) */
    if (ledger_prepare(c->lg, &k->ins, "INSERT INTO unit_cost(sku, effective_from, "
                       "unit_cost_minor, currency, origin, source_file_id, line_no) VALUES "
                       "(?1, ?2, ?3, ?4, 'csv', ?5, ?6) ON CONFLICT(sku, effective_from) DO "
                       "UPDATE SET unit_cost_minor = excluded.unit_cost_minor, currency = "
                       "excluded.currency, origin = 'csv', source_file_id = "
                       "excluded.source_file_id, line_no = excluded.line_no WHERE "
                       "unit_cost.source_file_id IS NOT excluded.source_file_id", e) < 0)
        return -1;
    c->row = costs_row;
    c->finish = costs_finish;
    return 0;
bad_header:
    return ingest_err(c, e, hdr->line, 0, "a unit-cost file needs exactly the header "
                      "'sku,unit_cost,currency,effective_from'");
}

/* ---- costs from Xero Items (ingest --costs-from-xero) ---------------------------------- */

/* The SKU whose Xero code is code: a long SKU of the ledger that maps to it, else the code. */
static int sku_of(struct ledger *lg, const char *code, char *out, size_t cap, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    snprintf(out, cap, "%s", code);
    if (!strchr(code, '~'))
        return 0;
    if (ledger_prepare(lg, &st, "SELECT sku FROM settlement_line WHERE length(sku) > 30 UNION "
                       "SELECT msku FROM inventory_ledger WHERE length(msku) > 30 ORDER BY 1",
                       e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        char mapped[TEXT_ITEM_CODE_MAX];
        text_item_code(ledger_text(st, 0), mapped);
        if (!strcmp(mapped, code)) {
            snprintf(out, cap, "%s", ledger_text(st, 0));
            break;
        }
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "map item codes");
}

int ingest_costs_xero(struct ledger *lg, const char *base_currency, const struct item_price *p,
                      size_t n, struct ingest_result *res, struct err *e)
{
    sqlite3_stmt *st;
    int exp = money_exponent(base_currency), rc = 0;
    int64_t div = 1;
    char detail[160];
    memset(res, 0, sizeof *res);
    snprintf(res->kind, sizeof res->kind, "xero_items");
    snprintf(res->currency, sizeof res->currency, "%s", base_currency);
    if (exp < 0 || exp > 4)
        return err_set(e, ERR_INPUT, "base currency %s: Xero prices cannot be read into it",
                       base_currency);
    for (int i = exp; i < 4; i++)
        div *= 10;
    /* the prices of Xero, never over a cost the seller's CSV gave */
    if (ledger_prepare(lg, &st, "INSERT INTO unit_cost(sku, effective_from, unit_cost_minor, "
                       "currency, origin, source_file_id, line_no) VALUES (?1, '"
                       INGEST_COSTS_XERO_FROM "', ?2, ?3, 'xero', NULL, ?4) ON CONFLICT(sku, "
                       "effective_from) DO UPDATE SET unit_cost_minor = excluded.unit_cost_minor,"
                       " currency = excluded.currency, line_no = excluded.line_no WHERE "
                       "unit_cost.origin = 'xero' AND (unit_cost.unit_cost_minor, "
                       "unit_cost.currency) IS NOT (excluded.unit_cost_minor, excluded.currency)",
                       e) < 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char sku[COSTS_SKU_MAX + 1];
        if ((rc = sku_of(lg, p[i].code, sku, sizeof sku, e)) < 0)
            break;
        res->records++;
        if (p[i].price4 > INT64_MAX - div) {
            rc = err_set(e, ERR_INPUT, "Xero Item %s: its price does not fit", p[i].code);
            break;
        }
        sqlite3_bind_text(st, 1, sku, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (p[i].price4 + div / 2) / div);   /* half up, to minor */
        sqlite3_bind_text(st, 3, base_currency, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (int64_t)i + 1);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(lg, e, "store a Xero item cost");
        res->lines += rc == 0 ? sqlite3_changes(ledger_db(lg)) : 0;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc < 0 || res->lines == 0)
        return rc;
    snprintf(detail, sizeof detail, "xero_items prices=%lld changed=%lld from=%s",
             (long long)res->records, (long long)res->lines, INGEST_COSTS_XERO_FROM);
    return ledger_audit(lg, "ingest", detail, e);
}
