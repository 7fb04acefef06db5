/* ingest_settle — what both settlement layouts share: the summary row, refusing or replacing
 * a settlement already in the ledger, inserting amount lines, and the total check (a file
 * whose lines do not sum to its total is kept as it is and flagged, never corrected). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest_int.h"

struct settle {
    struct ingest_ctx *c;
    char id[64];
    char currency[4];
    int exp;
    char decimal;           /* the file's decimal mark once an amount showed it, else 0 */
    int64_t ref;            /* settlement.id */
    money_t total, sum;
    int64_t count;
    size_t head_line;       /* the summary row, for errors about its total */
    int col_total;
    char marketplace[64];
    sqlite3_stmt *ins;
    sqlite3_stmt *ins_rare;
};

static const char INSERT_LINE[] =
    "INSERT INTO settlement_line(settlement_ref, line_no, transaction_type, amount_type, "
    "amount_description, amount_minor, posted, order_id, merchant_order_id, adjustment_id, "
    "shipment_id, marketplace, fulfillment_id, order_item_code, merchant_order_item_id, "
    "merchant_adjustment_item_id, sku, quantity, promotion_id) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static const char INSERT_RARE[] =
    "INSERT INTO settlement_line_rare(kind, settlement_ref, line_id) VALUES (?, ?, ?)";

const char *settle_id(const struct settle *s)
{
    return s->id;
}

int settle_exponent(const struct settle *s)
{
    return s->exp;
}

/* A separator followed by exactly three digits at the end groups thousands (no currency
 * settlebook sees on Amazon has three decimals); otherwise the last separator is decimal. */
char settle_decimal_of(const char *v, int exp)
{
    const char *dot = strrchr(v, '.'), *comma = strrchr(v, ',');
    const char *last = dot > comma ? dot : comma;
    size_t digits = 0;
    if (!last)
        return '.';
    if (dot && comma)
        return *last;
    for (const char *p = last + 1; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (digits == 3 && last[4] == '\0' && exp != 3)
        return *last == '.' ? ',' : '.';
    return *last;
}

/* True when v's one separator is followed by exactly three final digits ("1.234", "2,065"):
 * thousands or three decimals, which only the file's other amounts can tell apart. */
static int ambiguous(const char *v)
{
    const char *dot = strchr(v, '.'), *comma = strchr(v, ',');
    const char *sep = dot ? dot : comma;
    if (!sep || (dot && comma) || strchr(sep + 1, *sep))
        return 0;
    for (int i = 1; i <= 3; i++)
        if (sep[i] < '0' || sep[i] > '9')
            return 0;
    return sep[4] == '\0';
}

/* One file writes one convention: the first amount that shows its decimal mark decides how
 * the ambiguous ones read, so "2.065" in a dot-decimal file is refused, never 2065.00. */
int settle_parse_amount(struct settle *s, const char *v, money_t *out, struct err *e)
{
    int amb = ambiguous(v);
    char d = amb && s->decimal ? s->decimal : settle_decimal_of(v, s->exp);
    if (money_parse_locale(v, d, s->exp, out, e) < 0)
        return -1;
    if (!amb && !s->decimal && strpbrk(v, ".,"))
        s->decimal = d;
    return 0;
}

int settle_posted(struct ingest_ctx *c, const char *s, size_t line, int col, const char *name,
                  char *buf, const char **out, struct err *e)
{
    int64_t t;
    int has_time;
    *out = NULL;
    if (!*s)
        return 0;
    if (dates_parse(s, &t, &has_time, e) < 0)
        return ingest_err_at(c, e, line, col, name);
    *out = dates_iso(buf, t, has_time);
    return 0;
}

/* Removes a settlement's earlier version: its lines go with it (ON DELETE CASCADE), its
 * source file is marked superseded, and the audit log records what was replaced. */
static int supersede(struct settle *s, int64_t old_ref, int64_t old_source,
                     const char *old_sha, struct err *e)
{
    struct ledger *lg = s->c->lg;
    sqlite3_stmt *st;
    char detail[256];
    int ok;

    if (exception_clear(lg, NULL, NULL, s->id, NULL, e) < 0 ||
        ledger_prepare(lg, &st, "DELETE FROM settlement WHERE id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, old_ref);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok || ledger_prepare(lg, &st, "UPDATE source_file SET superseded_by = ? WHERE id = ?",
                              e) < 0)
        return ok ? -1 : ledger_fail(lg, e, "delete settlement");
    sqlite3_bind_int64(st, 1, s->c->source_id);
    sqlite3_bind_int64(st, 2, old_source);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(lg, e, "mark superseded");
    snprintf(detail, sizeof detail, "settlement %s: source %s replaced by %s", s->id, old_sha,
             s->c->res->sha256);
    s->c->res->replaced = 1;
    return ledger_audit(lg, "settlement.replace", detail, e);
}

static int check_known(struct settle *s, const struct settle_head *h, struct err *e)
{
    sqlite3_stmt *st;
    int64_t ref = 0, src = 0;
    char sha[65] = "", path[256] = "";
    if (ledger_prepare(s->c->lg, &st, "SELECT s.id, f.id, f.sha256, f.path FROM settlement s "
                       "JOIN source_file f ON f.id = s.source_file_id WHERE s.settlement_id = ?",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        ref = sqlite3_column_int64(st, 0);
        src = sqlite3_column_int64(st, 1);
        snprintf(sha, sizeof sha, "%s", sqlite3_column_text(st, 2));
        snprintf(path, sizeof path, "%s", sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    if (!ref)
        return 0;
    if (!s->c->o->replace)
        return ingest_err(s->c, e, h->line, h->col_id + 1, "settlement %s is already in the "
                          "ledger from %s (sha256 %.12s...) and this file differs: pass "
                          "--replace to supersede it", s->id, path, sha);
    return supersede(s, ref, src, sha, e);
}

static int insert_settlement(struct settle *s, const struct settle_head *h, const char *start,
                             const char *end, const char *deposit, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(s->c->lg, &st, "INSERT INTO settlement(settlement_id, source_file_id, "
                       "format, marketplace, currency, start_utc, end_utc, deposit_utc, "
                       "total_minor, lines_sum_minor, line_count) "
                       "VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, 0, 0)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, s->c->source_id);
    sqlite3_bind_text(st, 3, h->format, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s->currency, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, start, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, end, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, deposit, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, s->total);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(s->c->lg, e, "insert settlement");
    sqlite3_finalize(st);
    s->ref = sqlite3_last_insert_rowid(ledger_db(s->c->lg));
    return rc;
}

/* The summary row's dates must have a time (settlement bounds are instants). */
static int head_date(struct settle *s, const char *v, size_t line, int col, const char *name,
                     char *buf, struct err *e)
{
    int64_t t;
    int has_time;
    if (!*v)
        return ingest_err(s->c, e, line, col + 1, "%s is empty in the summary row (the first "
                          "data row must carry the settlement's dates and total)", name);
    if (dates_parse(v, &t, &has_time, e) < 0)
        return ingest_err_at(s->c, e, line, col + 1, name);
    dates_iso(buf, t, 1);
    return 0;
}

static int head_parse(struct settle *s, const struct settle_head *h, char dates[3][32],
                      struct err *e)
{
    if (!*h->start && !*h->end && !*h->total && !*h->currency)
        return ingest_err(s->c, e, h->line, 0, "the summary row is missing: the first data row "
                          "has no settlement dates, total-amount or currency; re-download the "
                          "complete report from Seller Central");
    if (!*h->id)
        return ingest_err(s->c, e, h->line, h->col_id + 1, "settlement-id is empty in the "
                          "summary row");
    if (strlen(h->id) >= sizeof s->id)
        return ingest_err(s->c, e, h->line, h->col_id + 1, "settlement-id is too long");
    snprintf(s->id, sizeof s->id, "%s", h->id);
    if (!*h->currency)
        return ingest_err(s->c, e, h->line, h->col_currency + 1, "currency is missing from "
                          "the summary row: every settlement needs one");
    s->exp = money_exponent(h->currency);
    if (s->exp < 0)
        return ingest_err(s->c, e, h->line, h->col_currency + 1, "currency '%.8s' is not an "
                          "ISO 4217 code settlebook knows", h->currency);
    snprintf(s->currency, sizeof s->currency, "%s", h->currency);
    if (!*h->total)
        return ingest_err(s->c, e, h->line, h->col_total + 1, "total-amount is empty in the "
                          "summary row");
    if (settle_parse_amount(s, h->total, &s->total, e) < 0)
        return ingest_err_at(s->c, e, h->line, h->col_total + 1, "total-amount");
    if (head_date(s, h->start, h->line, h->col_start, "settlement-start-date", dates[0], e) < 0 ||
        head_date(s, h->end, h->line, h->col_end, "settlement-end-date", dates[1], e) < 0 ||
        head_date(s, h->deposit, h->line, h->col_deposit, "deposit-date", dates[2], e) < 0)
        return -1;
    return 0;
}

int settle_begin(struct ingest_ctx *c, const struct settle_head *h, struct settle **out,
                 struct err *e)
{
    struct settle *s = calloc(1, sizeof *s);
    char dates[3][32];
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    s->c = c;
    s->head_line = h->line;
    s->col_total = h->col_total;
    *out = s;
    if (head_parse(s, h, dates, e) < 0 || check_known(s, h, e) < 0 ||
        insert_settlement(s, h, dates[0], dates[1], dates[2], e) < 0 ||
        ledger_prepare(c->lg, &s->ins, INSERT_LINE, e) < 0 ||
        ledger_prepare(c->lg, &s->ins_rare, INSERT_RARE, e) < 0)
        return -1;
    snprintf(c->res->settlement_id, sizeof c->res->settlement_id, "%s", s->id);
    snprintf(c->res->currency, sizeof c->res->currency, "%s", s->currency);
    return 0;
}

int settle_quantity(struct settle *s, const char *order_id, const char *sku, int64_t qty,
                    struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (ledger_prepare(s->c->lg, &st, "UPDATE settlement_line SET quantity = ?3 WHERE "
                       "settlement_ref = ?1 AND order_id = ?2 AND sku = ?4 AND "
                       "amount_description = 'Principal' AND quantity IS NULL", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->ref);
    sqlite3_bind_text(st, 2, order_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, qty);
    sqlite3_bind_text(st, 4, sku, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(s->c->lg, e, "set quantity");
    sqlite3_finalize(st);
    return rc;
}

static int eq(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* The kinds of settlement_line_rare a line belongs to (none for nearly every line): the
 * conditions sql/017 filled the table with from the lines already in a ledger, word for word
 * (SQL's `=` on text is strcmp's equality). */
static int rare_kinds(const struct settle_amount *a, const char *kinds[3])
{
    const char *tt = a->transaction_type, *at = a->amount_type, *ad = a->amount_description;
    int n = 0;
    if (eq(tt, "Payable to Amazon") || eq(ad, "Payable to Amazon"))
        kinds[n++] = "payable";
    if (eq(tt, "Refund"))
        kinds[n++] = "refund";
    if (eq(at, "FBA Inventory Reimbursement") || eq(ad, "WAREHOUSE_DAMAGE") ||
        eq(ad, "WAREHOUSE_LOST") || eq(ad, "WAREHOUSE_LOST_MANUAL") ||
        eq(ad, "WAREHOUSE_DAMAGE_EXCEPTION") || eq(ad, "REVERSAL_REIMBURSEMENT"))
        kinds[n++] = "reimbursement";
    return n;
}

/* The line's rows of settlement_line_rare, in the transaction that inserts the line. */
static int add_rare(struct settle *s, const struct settle_amount *a, int64_t line_id,
                    struct err *e)
{
    const char *kinds[3];
    sqlite3_stmt *st = s->ins_rare;
    int n = rare_kinds(a, kinds);
    for (int i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, kinds[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, s->ref);
        sqlite3_bind_int64(st, 3, line_id);
        int ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
        if (!ok)
            return ledger_fail(s->c->lg, e, "insert rare line");
    }
    return 0;
}

int settle_add(struct settle *s, const struct settle_amount *a, struct err *e)
{
    sqlite3_stmt *st = s->ins;
    if (money_add(&s->sum, a->amount, e) < 0)
        return ingest_err(s->c, e, a->line, 0, "the amounts overflow 64-bit minor units");
    if (!s->marketplace[0] && a->marketplace && strncmp(a->marketplace, "Amazon.", 7) == 0)
        snprintf(s->marketplace, sizeof s->marketplace, "%s", a->marketplace);
    sqlite3_bind_int64(st, 1, s->ref);
    sqlite3_bind_int64(st, 2, (int64_t)a->line);
    sqlite3_bind_text(st, 3, a->transaction_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->amount_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->amount_description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->amount);
    ledger_bind_text(st, 7, a->posted);
    ledger_bind_text(st, 8, a->order_id);
    ledger_bind_text(st, 9, a->merchant_order_id);
    ledger_bind_text(st, 10, a->adjustment_id);
    ledger_bind_text(st, 11, a->shipment_id);
    ledger_bind_text(st, 12, a->marketplace);
    ledger_bind_text(st, 13, a->fulfillment_id);
    ledger_bind_text(st, 14, a->order_item_code);
    ledger_bind_text(st, 15, a->merchant_order_item_id);
    ledger_bind_text(st, 16, a->merchant_adjustment_item_id);
    ledger_bind_text(st, 17, a->sku);
    if (a->quantity >= 0)
        sqlite3_bind_int64(st, 18, a->quantity);
    else
        sqlite3_bind_null(st, 18);
    ledger_bind_text(st, 19, a->promotion_id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(s->c->lg, e, "insert line");
    sqlite3_reset(st);
    s->count++;
    return rc < 0 ? -1 : add_rare(s, a, sqlite3_last_insert_rowid(ledger_db(s->c->lg)), e);
}

static int flag_mismatch(struct settle *s, struct err *e)
{
    int64_t diff;
    char exp_s[MONEY_FMT_MAX], act_s[MONEY_FMT_MAX], msg[256];
    if (__builtin_sub_overflow(s->sum, s->total, &diff))
        return ingest_err(s->c, e, s->head_line, s->col_total + 1, "total-amount %s and the "
                          "lines' sum %s differ by more than 64-bit minor units can hold: this "
                          "is not a real settlement", money_format(exp_s, s->total, s->exp),
                          money_format(act_s, s->sum, s->exp));
    snprintf(msg, sizeof msg, "The amount lines sum to %s %s but the report's total-amount is "
             "%s %s.", money_format(act_s, s->sum, s->exp), s->currency,
             money_format(exp_s, s->total, s->exp), s->currency);
    struct exception_row x = {
        .kind = "SETTLEMENT_TOTAL_MISMATCH", .severity = "error", .settlement_id = s->id,
        .currency = s->currency, .has_expected = 1, .expected = s->total, .has_actual = 1,
        .actual = s->sum, .explanation = msg,
        .action = "Re-download the complete report from Seller Central and ingest it with "
                  "--replace; do not post until the lines tie out." };
    return exception_add(s->c->lg, "ingest", &x, e);
}

/* A settlement with no Amazon marketplace-name on any line (the older layout has only
 * reserve and fee rows at times) gets the marketplace its currency belongs to, when only one
 * does; euro settlements stay unnamed rather than guessed. */
static void marketplace_from_currency(struct settle *s)
{
    static const struct { const char *cur, *name; } only[] = {
        { "USD", "Amazon.com" }, { "CAD", "Amazon.ca" }, { "MXN", "Amazon.com.mx" },
        { "BRL", "Amazon.com.br" }, { "GBP", "Amazon.co.uk" }, { "JPY", "Amazon.co.jp" },
        { "AUD", "Amazon.com.au" }, { "INR", "Amazon.in" }, { "SEK", "Amazon.se" },
        { "PLN", "Amazon.pl" }, { "TRY", "Amazon.com.tr" }, { "AED", "Amazon.ae" },
        { "SAR", "Amazon.sa" }, { "SGD", "Amazon.sg" }, { "EGP", "Amazon.eg" },
    };
    if (s->marketplace[0])
        return;
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++)
        if (strcmp(only[i].cur, s->currency) == 0)
            snprintf(s->marketplace, sizeof s->marketplace, "%s", only[i].name);
}

int settle_end(struct settle *s, struct err *e)
{
    sqlite3_stmt *st;
    struct ingest_result *res = s->c->res;
    marketplace_from_currency(s);
    if (ledger_prepare(s->c->lg, &st, "UPDATE settlement SET lines_sum_minor = ?, line_count = ?,"
                       " marketplace = ? WHERE id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, s->sum);
    sqlite3_bind_int64(st, 2, s->count);
    sqlite3_bind_text(st, 3, s->marketplace, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, s->ref);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(s->c->lg, e, "update settlement");
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    res->lines = s->count;
    res->total_minor = s->total;
    res->lines_sum_minor = s->sum;
    res->mismatch = s->sum != s->total;
    return res->mismatch ? flag_mismatch(s, e) : 0;
}

void settle_free(struct settle *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->ins_rare);
    free(s);
}
