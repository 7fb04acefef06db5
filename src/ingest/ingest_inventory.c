/* ingest_inventory — the FBA Inventory Ledger, summary view (GET_LEDGER_SUMMARY_VIEW_DATA):
 * per month (Date "MM/YYYY") or day ("MM/DD/YYYY"), FNSKU, MSKU, disposition and location,
 * the starting balance, each movement and the ending balance in units. A row whose start
 * plus movements is not its end is kept exactly as Amazon wrote it and raised as
 * INVENTORY_LEDGER_BROKEN, never "corrected". A later file replaces the same row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest_int.h"

#define INV_ROWS_MAX 5000000
#define INV_UNITS_MAX 1000000000LL   /* per cell: far beyond any warehouse */

/* Text columns, then the unit columns in the order the table stores them. */
enum {
    IV_DATE, IV_FNSKU, IV_ASIN, IV_MSKU, IV_TITLE, IV_DISPOSITION, IV_LOCATION,
    IV_STARTING, IV_IN_TRANSIT, IV_RECEIPTS, IV_SHIPMENTS, IV_RETURNS, IV_VENDOR_RETURNS,
    IV_TRANSFER, IV_FOUND, IV_LOST, IV_DAMAGED, IV_DISPOSED, IV_OTHER, IV_ENDING, IV_UNKNOWN,
    IV_COUNT
};

static const char *const IV_NAMES[IV_COUNT] = {
    "Date", "FNSKU", "ASIN", "MSKU", "Title", "Disposition", "Location",
    "Starting Warehouse Balance", "In Transit Between Warehouses", "Receipts",
    "Customer Shipments", "Customer Returns", "Vendor Returns", "Warehouse Transfer In/Out",
    "Found", "Lost", "Damaged", "Disposed", "Other Events", "Ending Warehouse Balance",
    "Unknown Events",
};

/* ASIN, Title, Location, In Transit and Unknown Events are absent from older downloads. */
static const int IV_REQUIRED[IV_COUNT] = {
    [IV_DATE] = 1, [IV_FNSKU] = 1, [IV_MSKU] = 1, [IV_DISPOSITION] = 1, [IV_STARTING] = 1,
    [IV_RECEIPTS] = 1, [IV_SHIPMENTS] = 1, [IV_RETURNS] = 1, [IV_VENDOR_RETURNS] = 1,
    [IV_TRANSFER] = 1, [IV_FOUND] = 1, [IV_LOST] = 1, [IV_DAMAGED] = 1, [IV_DISPOSED] = 1,
    [IV_OTHER] = 1, [IV_ENDING] = 1,
};

struct inv {
    int col[IV_COUNT];
    size_t header_fields;
    sqlite3_stmt *ins;
    int64_t broken;
};

/* "MM/YYYY" -> month "YYYY-MM", day ""; "MM/DD/YYYY" -> both. 0 when neither. */
static int inv_date(const char *v, char month[8], char day[11])
{
    int m = 0, d = 0, y = 0, n;
    char tail;
    day[0] = '\0';
    if (strlen(v) == 7 && sscanf(v, "%2d/%4d%n", &m, &y, &n) == 2 && n == 7) {
        if (m < 1 || m > 12 || y < 2000 || y > 2999)
            return 0;
    } else if (strlen(v) == 10 && sscanf(v, "%2d/%2d/%4d%n%c", &m, &d, &y, &n, &tail) == 3 &&
               n == 10) {
        int y2, m2, d2;
        if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
            return 0;
        dates_civil(dates_days(y, m, d), &y2, &m2, &d2);
        if (y2 != y || m2 != m || d2 != d)
            return 0;
        snprintf(day, 11, "%04d-%02d-%02d", y, m, d);
    } else {
        return 0;
    }
    for (const char *p = v; *p; p++)
        if (*p != '/' && (*p < '0' || *p > '9'))
            return 0;
    snprintf(month, 8, "%04d-%02d", y, m);
    return 1;
}

/* A whole number of units, signed ("-3"); "" is 0 for optional columns. */
static int inv_units(struct ingest_ctx *c, const struct delim_row *r, const struct inv *v,
                     int k, int64_t *out, struct err *e)
{
    const char *s = delim_get(r, v->col[k]), *p = s;
    int neg = 0;
    int64_t x = 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (!*s && !IV_REQUIRED[k]) {
        *out = 0;
        return 0;
    }
    if (!*p)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || x > INV_UNITS_MAX)
            goto bad;
        x = x * 10 + (*p - '0');
    }
    if (x > INV_UNITS_MAX)
        goto bad;
    *out = neg ? -x : x;
    return 0;
bad:
    return ingest_err(c, e, r->line, v->col[k] + 1, "%s '%.20s' is not a whole number of units",
                      IV_NAMES[k], s);
}

static int broken(struct ingest_ctx *c, const struct delim_row *r, const struct inv *v,
                  const char *when, int64_t expected, int64_t ending, struct err *e)
{
    char expl[512], like[300], month[8];
    const char *msku = delim_get(r, v->col[IV_MSKU]);
    /* the row's month: a broken October row is October's to fix, not September's */
    struct exception_row x = { .kind = "INVENTORY_LEDGER_BROKEN", .severity = "error",
                               .sku = msku, .month = month, .has_expected = 1,
                               .expected = expected, .has_actual = 1, .actual = ending,
                               .explanation = expl,
                               .action = "Kept as Amazon reported it. Download the report again "
                                         "from Seller Central; if it still does not add up, "
                                         "open a case with Seller Support." };
    snprintf(month, sizeof month, "%.7s", when);
    snprintf(like, sizeof like, "Inventory ledger %s %s %s %s:%%", when, msku,
             delim_get(r, v->col[IV_DISPOSITION]), delim_get(r, v->col[IV_LOCATION]));
    snprintf(expl, sizeof expl, "Inventory ledger %s %s %s %s: starting balance plus "
             "movements is %lld units, but the ending balance is %lld (%+lld) (%s line %zu)",
             when, msku, delim_get(r, v->col[IV_DISPOSITION]),
             delim_get(r, v->col[IV_LOCATION]), (long long)expected, (long long)ending,
             (long long)(ending - expected), c->path, r->line);
    if (exception_clear(c->lg, "ingest", "INVENTORY_LEDGER_BROKEN", NULL, like, e) < 0)
        return -1;
    return exception_add(c->lg, "ingest", &x, e);
}

/* start + every movement; In Transit Between Warehouses is a memo column, not a movement
 * (the units are still in the starting balance of the warehouse they left). */
static int64_t inv_expected(const int64_t *u)
{
    int64_t s = u[IV_STARTING];
    for (int k = IV_RECEIPTS; k <= IV_UNKNOWN; k++)
        if (k != IV_ENDING)
            s += u[k];
    return s;
}

static int inv_row(struct ingest_ctx *c, const struct delim_row *r, struct err *e)
{
    struct inv *v = c->state;
    sqlite3_stmt *st = v->ins;
    int64_t u[IV_COUNT] = {0}, expected;
    char month[8], day[11];
    const char *date = delim_get(r, v->col[IV_DATE]);
    int rc, bad;

    if (ingest_check_width(c, r, v->header_fields, e) < 0)
        return -1;
    if (++c->res->records > INV_ROWS_MAX)
        return ingest_err(c, e, r->line, 0, "more than %d rows: split the report",
                          INV_ROWS_MAX);
    if (!inv_date(date, month, day))
        return ingest_err(c, e, r->line, v->col[IV_DATE] + 1, "Date '%.20s' is neither "
                          "MM/YYYY (monthly view) nor MM/DD/YYYY (daily view)", date);
    if (!delim_get(r, v->col[IV_MSKU])[0])
        return ingest_err(c, e, r->line, v->col[IV_MSKU] + 1, "MSKU is empty: every row "
                          "needs the seller SKU");
    for (int k = IV_STARTING; k < IV_COUNT; k++)
        if (v->col[k] >= 0 && inv_units(c, r, v, k, &u[k], e) < 0)
            return -1;
    expected = inv_expected(u);
    bad = expected != u[IV_ENDING];
    sqlite3_bind_int64(st, 1, c->source_id);
    sqlite3_bind_int64(st, 2, (int64_t)r->line);
    sqlite3_bind_text(st, 3, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, day, -1, SQLITE_STATIC);
    for (int k = IV_FNSKU; k <= IV_LOCATION; k++)
        sqlite3_bind_text(st, 5 + k - IV_FNSKU, delim_get(r, v->col[k]), -1, SQLITE_STATIC);
    for (int k = IV_STARTING; k < IV_COUNT; k++)
        sqlite3_bind_int64(st, 11 + k - IV_STARTING, u[k]);
    sqlite3_bind_int(st, 25, bad);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "insert inventory row");
    if (rc == 0 && sqlite3_changes(ledger_db(c->lg)) == 0)
        rc = ingest_err(c, e, r->line, 0, "the same date, FNSKU, MSKU, disposition and location "
                        "as an earlier row of this file: keep one");
    sqlite3_reset(st);
    if (rc == 0 && bad) {
        v->broken++;
        rc = broken(c, r, v, day[0] ? day : month, expected, u[IV_ENDING], e);
    }
    if (rc == 0)
        c->res->lines++;
    return rc;
}

static int inv_finish(struct ingest_ctx *c, struct err *e)
{
    struct inv *v = c->state;
    (void)e;   /* a month without inventory is a header alone, and that is fine */
    if (v->broken)
        log_info("%s: %lld row(s) do not add up to their ending balance "
                 "(INVENTORY_LEDGER_BROKEN): kept as they are", c->path, (long long)v->broken);
    return 0;
}

static void inv_free(void *state)
{
    struct inv *v = state;
    if (!v)
        return;
    sqlite3_finalize(v->ins);
    free(v);
}

int ingest_inventory_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{
    struct inv *v = calloc(1, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    c->state = v;
    c->free_state = inv_free;
    snprintf(c->res->kind, sizeof c->res->kind, "inventory_ledger");
    v->header_fields = hdr->n;
    if (ingest_columns(c, hdr, IV_NAMES, IV_REQUIRED, v->col, IV_COUNT, e) < 0)
        return -1;
    /* a later file's row replaces the same row of an earlier one; within a file it is refused */
    if (ledger_prepare(c->lg, &v->ins, "INSERT INTO inventory_ledger(source_file_id, line_no, "
                       "month, day, fnsku, asin, msku, title, disposition, location, starting, "
                       "in_transit, receipts, customer_shipments, customer_returns, "
                       "vendor_returns, warehouse_transfer, found, lost, damaged, disposed, "
                       "other_events, ending, unknown_events, broken) VALUES (?1, ?2, ?3, ?4, "
                       "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
                       "?20, ?21, ?22, ?23, ?24, ?25) ON CONFLICT(month, day, fnsku, msku, "
                       "disposition, location) DO UPDATE SET source_file_id = ?1, line_no = ?2, "
                       "asin = ?6, title = ?8, starting = ?11, in_transit = ?12, receipts = ?13, "
                       "customer_shipments = ?14, customer_returns = ?15, vendor_returns = ?16, "
                       "warehouse_transfer = ?17, found = ?18, lost = ?19, damaged = ?20, "
                       "disposed = ?21, other_events = ?22, ending = ?23, unknown_events = ?24, "
                       "broken = ?25 WHERE inventory_ledger.source_file_id != ?1", e) < 0)
        return -1;
    c->row = inv_row;
    c->finish = inv_finish;
    return 0;
}
