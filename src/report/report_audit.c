/* report_audit — the Audit sheet: what produced the workbook (version, period, posting mode,
 * config hash), the checks an auditor relies on (SQLite integrity, foreign keys, the audit
 * log's hash chain, balanced journals, the settlement invariants), every run and every input
 * file with its SHA-256. Reads only; the checks are recomputed, never taken from a flag. */
#include "report_int.h"

#include <stdio.h>
#include <string.h>

#include "ledger.h"

static const struct report_col cols[] = {
    { "Section", 12, 0 }, { "Item", 40, 0 }, { "Value", 34, 0 }, { "Detail", 60, 0 },
    { "SHA-256", 66, 0 }, { "Rows", 10, 1 }, { "Bytes", 13, 1 },
};
enum { C_SEC, C_ITEM, C_VALUE, C_DETAIL, C_SHA, C_ROWS, C_BYTES };

/* One row: section, item, value, detail; a failed check is filled as an error. */
static void line(struct report_sheet *s, const char *sec, const char *item, const char *value,
                 const char *detail, int failed)
{
    if (failed)
        s->fill = RF_ERROR;
    report_text(s, C_SEC, sec);
    report_text(s, C_ITEM, item);
    report_text(s, C_VALUE, value);
    report_wrap(s, C_DETAIL, detail);
    for (lxw_col_t c = C_SHA; c <= C_BYTES; c++)
        report_blank(s, c);
    report_next_row(s);
}

/* The first column of the first row of sql (?1 = period), into out; "" when none. */
static int scalar(struct report_ctx *r, const char *sql, char *out, size_t cap,
                  int64_t *num, struct err *e)
{
    sqlite3_stmt *st;
    int step;
    out[0] = '\0';
    if (num)
        *num = 0;
    if (ledger_prepare(r->lg, &st, sql, e) < 0)
        return -1;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        snprintf(out, cap, "%s", report_col_text(st, 0));
        if (num)
            *num = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return ledger_fail(r->lg, e, "audit check");
    return 0;
}

static int about(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    static const char *const modes[] = { "summary", "orders", "journal" };
    char buf[128], detail[256];
    int64_t n;
    line(s, "Workbook", "settlebook version", SETTLEBOOK_VERSION, "", 0);
    line(s, "Workbook", "Period", r->period[0] ? r->period : "(all periods)",
         "Settlements whose span touches the period", 0);
    line(s, "Workbook", "Posting mode", modes[r->cfg->mode >= 0 && r->cfg->mode < 3
                                                  ? r->cfg->mode : 0], "", 0);
    report_text(s, C_SEC, "Workbook");
    report_text(s, C_ITEM, "Configuration (settlebook.json)");
    report_text(s, C_VALUE, r->cfg->hash[0] ? "file" : "built-in defaults");
    report_text(s, C_SHA, r->cfg->hash);
    report_next_row(s);
    if (scalar(r, "SELECT COUNT(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL, buf,
               sizeof buf, &n, e) < 0)
        return -1;
    line(s, "Workbook", "Settlements in scope", buf, "", 0);
    if (scalar(r, "SELECT coalesce(sum(" EXCEPTION_OPEN_ERROR_SQL "), 0) || ' error(s), ' || "
               "coalesce(sum(x.severity = 'warning'), 0) || ' warning(s), ' || "
               "coalesce(sum(x.severity = 'info'), 0) || ' info' FROM exception x WHERE "
               EXCEPTION_SCOPE_SQL, buf, sizeof buf, NULL,
               e) < 0 ||
        scalar(r, "SELECT COUNT(*) FROM exception x WHERE " EXCEPTION_SCOPE_SQL " AND "
               EXCEPTION_OPEN_ERROR_SQL, detail, sizeof detail, &n, e) < 0)
        return -1;
    snprintf(detail, sizeof detail, "%lld error(s) in scope; see the Exceptions sheet",
             (long long)n);
    line(s, "Workbook", "Exceptions in scope", buf, detail, 0);
    return 0;
}

static int integrity(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    char buf[512], detail[256];
    int64_t n, entries = 0;
    struct err chain = {0};
    if (ledger_integrity_result(r->lg, r->integrity, buf, sizeof buf, e) < 0)
        return -1;
    line(s, "Check", "SQLite integrity_check", strcmp(buf, "ok") == 0 ? "ok" : "FAILED",
         strcmp(buf, "ok") == 0 ? "The ledger file is structurally sound" : buf,
         strcmp(buf, "ok") != 0);
    if (scalar(r, "SELECT COUNT(*) FROM pragma_foreign_key_check", buf, sizeof buf, &n, e) < 0)
        return -1;
    snprintf(detail, sizeof detail, "%lld row(s) refer to a missing parent", (long long)n);
    line(s, "Check", "Foreign keys (foreign_key_check)", n == 0 ? "ok" : "FAILED", detail,
         n != 0);
    if (ledger_audit_verify(r->lg, &entries, &chain) < 0) {
        line(s, "Check", "Audit log hash chain (SHA-256)", "BROKEN", chain.msg, 1);
    } else {
        snprintf(detail, sizeof detail, "%lld entries verified from the first", (long long)entries);
        line(s, "Check", "Audit log hash chain (SHA-256)", "intact", detail, 0);
    }
    return 0;
}

/* The accounting invariants of DESIGN.md, recomputed from the rows. */
static int invariants(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    char buf[128], detail[256];
    int64_t bad, all;
    if (scalar(r, "SELECT COUNT(*) FROM (SELECT j.id FROM journal j LEFT JOIN journal_line l "
               "ON l.journal_id = j.id GROUP BY j.id HAVING coalesce(SUM(l.amount_minor), 0) "
               "!= 0)", buf, sizeof buf, &bad, e) < 0 ||
        scalar(r, "SELECT COUNT(*) FROM journal", buf, sizeof buf, &all, e) < 0)
        return -1;
    snprintf(detail, sizeof detail, bad ? "%lld of %lld journal(s) do not sum to zero"
             : "%lld journal(s), each sums to zero (credits = debits)", bad ? (long long)bad
             : (long long)all, (long long)all);
    line(s, "Check", "Every journal balances", bad ? "FAILED" : "ok", detail, bad != 0);
    if (scalar(r, "SELECT COUNT(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL " AND "
               "s.lines_sum_minor != s.total_minor", buf, sizeof buf, &bad, e) < 0)
        return -1;
    snprintf(detail, sizeof detail, bad ? "%lld settlement(s) differ: see "
             "SETTLEMENT_TOTAL_MISMATCH" : "Amount lines sum exactly to total-amount",
             (long long)bad);
    line(s, "Check", "Settlement lines sum to the reported total", bad ? "DIFFERS" : "ok",
         detail, bad != 0);
    if (scalar(r, "SELECT COUNT(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL " AND EXISTS "
               "(SELECT 1 FROM journal j WHERE j.settlement_ref = s.id) AND s.line_count != "
               "(SELECT coalesce(SUM(l.source_lines), 0) FROM journal j JOIN journal_line l ON "
               "l.journal_id = j.id WHERE j.settlement_ref = s.id AND l.role NOT IN "
               "('clearing', 'carried_forward'))", buf, sizeof buf, &bad, e) < 0)
        return -1;
    snprintf(detail, sizeof detail, bad ? "%lld settlement(s) have lines missing or counted "
             "twice in their journals" : "Each settlement line is counted in exactly one "
             "journal line", (long long)bad);
    line(s, "Check", "Every settlement line in one journal line", bad ? "FAILED" : "ok",
         detail, bad != 0);
    if (scalar(r, "SELECT COUNT(*) FROM settlement s WHERE " PERIOD_SCOPE_SQL " AND EXISTS "
               "(SELECT 1 FROM journal j WHERE j.settlement_ref = s.id) AND -s.lines_sum_minor "
               "!= (SELECT coalesce(SUM(l.amount_minor), 0) FROM journal j JOIN journal_line l "
               "ON l.journal_id = j.id WHERE j.settlement_ref = s.id AND l.role = 'clearing')",
               buf, sizeof buf, &bad, e) < 0)
        return -1;
    snprintf(detail, sizeof detail, bad ? "%lld settlement(s): the clearing side differs "
             "from the sum of lines" : "The Amazon clearing side of each settlement's "
             "journals equals the sum of its lines", (long long)bad);
    line(s, "Check", "Clearing equals the settlement", bad ? "FAILED" : "ok", detail,
         bad != 0);
    return 0;
}

static int runs(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    sqlite3_stmt *st;
    char item[48];
    int step;
    if (ledger_prepare(r->lg, &st, "SELECT id, command, version FROM run ORDER BY id", e) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(item, sizeof item, "Run %lld", (long long)sqlite3_column_int64(st, 0));
        line(s, "Run", item, report_col_text(st, 1), report_col_text(st, 2), 0);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : ledger_fail(r->lg, e, "runs");
}

static int inputs(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    sqlite3_stmt *st;
    char detail[160];
    int step;
    if (ledger_prepare(r->lg, &st, "SELECT path, kind, sha256, rows, bytes, encoding, run_id, "
                       "superseded_by FROM source_file ORDER BY id", e) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int superseded = sqlite3_column_type(st, 7) != SQLITE_NULL;
        snprintf(detail, sizeof detail, "%s, ingested by run %lld%s", report_col_text(st, 5),
                 (long long)sqlite3_column_int64(st, 6), superseded ? ", superseded" : "");
        report_text(s, C_SEC, "Input");
        report_text(s, C_ITEM, report_col_text(st, 0));
        report_text(s, C_VALUE, report_col_text(st, 1));
        report_wrap(s, C_DETAIL, detail);
        report_text(s, C_SHA, report_col_text(st, 2));
        report_int(s, C_ROWS, sqlite3_column_int64(st, 3));
        report_int(s, C_BYTES, sqlite3_column_int64(st, 4));
        report_next_row(s);
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : ledger_fail(r->lg, e, "inputs");
}

int report_audit(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    if (report_sheet_begin(r, &s, "Audit", cols, sizeof cols / sizeof cols[0], e) < 0 ||
        about(r, &s, e) < 0 || integrity(r, &s, e) < 0 || invariants(r, &s, e) < 0 ||
        runs(r, &s, e) < 0 || inputs(r, &s, e) < 0)
        return -1;
    return report_sheet_end(&s, e);
}
