/* post_preview — the dry run's output: reports/<period>/xero-preview.json holding each
 * request exactly as live mode will send it, and a readable summary on stdout. */
#include "post.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"
#include "ledger.h"
#include "xero.h"

static const char *mode_name(int mode)
{
    return mode == POST_ORDERS ? "orders" : mode == POST_JOURNAL ? "journal" : "summary";
}

int post_mkdirs(const char *dir, const char *sub, char *out, size_t cap, struct err *e)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "%s: cannot create folder", dir);
    snprintf(out, cap, "%s/%s", dir, sub);
    if (mkdir(out, 0755) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "%s: cannot create folder", out);
    return 0;
}

static int render(struct ledger *lg, const struct config *cfg, const char *period,
                  struct jw *w, struct err *e)
{
    sqlite3_stmt *st;
    jw_obj(w);
    jw_kint(w, "version", 1);
    jw_kstr(w, "mode", mode_name(cfg->mode));
    jw_kstr(w, "period", period);
    jw_key(w, "requests");
    jw_arr(w);
    /* a request some of whose documents Xero already has is sent without them (outbox.h):
     * the preview shows it as it will be sent */
    if (ledger_prepare(lg, &st, "SELECT o.settlement_id, o.month, o.method, o.path, o.query, "
                       "o.idempotency_key, o.body, o.id, o.state != 'confirmed' AND EXISTS "
                       "(SELECT 1 FROM outbox_doc d WHERE d.outbox_id = o.id AND d.state = "
                       "'confirmed') FROM outbox o LEFT JOIN settlement s ON "
                       "s.settlement_id = o.settlement_id WHERE o.month = ? AND o.state != "
                       "'superseded' AND (s.id IS NOT NULL OR o.settlement_id GLOB "
                       "'ACCRUAL-*') ORDER BY s.id IS NULL, s.start_utc, o.settlement_id, "
                       "o.seq", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct outbox_row row = {0};
        char *part = NULL, key[136];
        if (sqlite3_column_int(st, 8) &&
            (outbox_get(lg, sqlite3_column_int64(st, 7), &row, e) < 0 ||
             xero_effective(lg, &row, &part, key, e) < 0)) {
            outbox_row_free(&row);
            sqlite3_finalize(st);
            return -1;
        }
        jw_obj(w);
        jw_kstr(w, "settlement_id", ledger_text(st, 0));
        jw_kstr(w, "period", ledger_text(st, 1));
        jw_kstr(w, "method", ledger_text(st, 2));
        jw_kstr(w, "path", ledger_text(st, 3));
        jw_kstr(w, "query", ledger_text(st, 4));
        jw_kstr(w, "idempotency_key", part ? key : ledger_text(st, 5));
        jw_key(w, "body");
        jw_pretty(w, part ? part : ledger_text(st, 6));
        jw_end_obj(w);
        free(part);
        outbox_row_free(&row);
    }
    sqlite3_finalize(st);
    jw_end_arr(w);
    jw_end_obj(w);
    return 0;
}

/* The requests of one settlement this month, one line each, as the outbox holds them. */
static int print_requests(struct ledger *lg, const char *sid, const char *period,
                          struct err *e)
{
    sqlite3_stmt *st;
    int n = 0;
    if (ledger_prepare(lg, &st, "SELECT method, path, doc_number, state FROM outbox WHERE "
                       "settlement_id = ? AND month = ? AND state != 'superseded' ORDER BY seq",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        printf("    %-4s %-16s %s%s%s\n", ledger_text(st, 0), ledger_text(st, 1),
               ledger_text(st, 2), strcmp(ledger_text(st, 3), "pending") ? "  " : "",
               strcmp(ledger_text(st, 3), "pending") ? ledger_text(st, 3) : "");
        n++;
    }
    sqlite3_finalize(st);
    if (n == 0)
        printf("    (no document this month: its lines net to zero or are blocked, see "
               "exceptions)\n");
    return 0;
}

/* Per settlement: its requests this month, the exceptions that concern it, then the month's
 * totals per account. */
static int print_summary(struct ledger *lg, const char *period, struct err *e)
{
    sqlite3_stmt *st;
    char amt[MONEY_FMT_MAX], sid[64];
    if (ledger_prepare(lg, &st, "SELECT DISTINCT s.settlement_id, s.currency, s.total_minor, "
                       "substr(s.start_utc,1,10), substr(s.end_utc,1,10), "
                       "(SELECT COUNT(*) FROM exception x WHERE x.settlement_id = s.settlement_id"
                       " AND x.severity = 'error'), (SELECT COUNT(*) FROM exception x WHERE "
                       "x.settlement_id = s.settlement_id AND x.severity = 'warning'), "
                       "s.start_utc FROM journal j JOIN settlement s ON s.id = j.settlement_ref "
                       "WHERE j.month = ? ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    printf("Xero preview for %s (the exact requests; a dry run sends nothing)\n", period);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int exp = money_exponent(ledger_text(st, 1));
        snprintf(sid, sizeof sid, "%s", ledger_text(st, 0));
        printf("  settlement %s %s %s..%s total %s: %d error(s), %d warning(s)\n", sid,
               ledger_text(st, 1), ledger_text(st, 3), ledger_text(st, 4),
               money_format(amt, sqlite3_column_int64(st, 2), exp), sqlite3_column_int(st, 5),
               sqlite3_column_int(st, 6));
        if (print_requests(lg, sid, period, e) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (ledger_prepare(lg, &st, "SELECT j.currency, l.account_code, l.category, "
                       "SUM(l.amount_minor), SUM(l.source_lines) FROM journal_line l JOIN "
                       "journal j ON j.id = l.journal_id WHERE j.month = ? GROUP BY 1, 2, 3 "
                       "ORDER BY 1, 2, 3", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    printf("  accounts (credit +, debit -):\n");
    while (sqlite3_step(st) == SQLITE_ROW)
        printf("    %s %-6s %-28s %14s  (%lld lines)\n", ledger_text(st, 0),
               ledger_text(st, 1), ledger_text(st, 2),
               money_format(amt, sqlite3_column_int64(st, 3), money_exponent(ledger_text(st, 0))),
               (long long)sqlite3_column_int64(st, 4));
    sqlite3_finalize(st);
    return 0;
}

int post_preview(struct ledger *lg, const struct config *cfg, const char *period,
                 const char *dir, char *path_out, size_t path_cap, struct err *e)
{
    struct jw w;
    char folder[4096];
    int rc;
    if (post_mkdirs(dir, period, folder, sizeof folder, e) < 0)
        return -1;
    snprintf(path_out, path_cap, "%s/xero-preview.json", folder);
    jw_init(&w, 2);
    rc = render(lg, cfg, period, &w, e);
    jw_raw(&w, "\n");
    if (rc == 0 && !jw_text(&w))
        rc = err_set(e, ERR_NOMEM, "out of memory writing the preview");
    if (rc == 0)
        rc = fileio_write_atomic(path_out, jw_text(&w), strlen(jw_text(&w)), e);
    jw_free(&w);
    if (rc == 0 && log_level() >= LOG_NORMAL)
        rc = print_summary(lg, period, e);
    return rc;
}
