/* post_preview — the dry run's output: reports/<period>/xero-preview.json holding each
 * request exactly as live mode will send it (those live will hold back marked "blocked"),
 * and a readable summary on stdout. */
#include "post_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"
#include "ledger.h"
#include "xero.h"
#include "journal.h"

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

/* One request of the preview; blocked is "" or why live will not send it. */
static int render_one(struct ledger *lg, sqlite3_stmt *st, const char *blocked, struct jw *w,
                      struct err *e)
{
    struct outbox_row row = {0};
    char *part = NULL, key[136];
    if (sqlite3_column_int(st, 8) &&
        (outbox_get(lg, sqlite3_column_int64(st, 7), &row, e) < 0 ||
         xero_effective(lg, &row, &part, key, e) < 0)) {
        outbox_row_free(&row);
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
    if (blocked[0])
        jw_kstr(w, "blocked", blocked);
    jw_end_obj(w);
    free(part);
    outbox_row_free(&row);
    return 0;
}

static int render(struct ledger *lg, const struct config *cfg, const char *period,
                  struct jw *w, struct err *e)
{
    sqlite3_stmt *st;
    char sid[64] = "", blocked[320] = "";
    int s, rc = 0;
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
                       "'confirmed'), o.state FROM outbox o LEFT JOIN settlement s ON "
                       "s.settlement_id = o.settlement_id WHERE " POST_PREVIEW_ROWS_WHERE
                       " ORDER BY " POST_PREVIEW_ROWS_ORDER, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        /* what holds a settlement back marks each of its requests not yet in Xero */
        if (strcmp(sid, ledger_text(st, 0)) != 0) {
            snprintf(sid, sizeof sid, "%s", ledger_text(st, 0));
            rc = xero_held_back(lg, sid, blocked, sizeof blocked, e) < 0 ? -1 : 0;
        }
        if (rc == 0)
            rc = render_one(lg, st, strcmp(ledger_text(st, 9), "confirmed") ? blocked : "", w,
                            e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read the preview's requests");
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    jw_end_arr(w);
    jw_end_obj(w);
    return 0;
}

/* The requests of one settlement this month, one line each, as the outbox holds them. */
static int print_requests(struct ledger *lg, const char *sid, const char *period,
                          struct err *e)
{
    FILE *out = log_report_file();
    sqlite3_stmt *st;
    int n = 0, s;
    if (ledger_prepare(lg, &st, "SELECT method, path, doc_number, state FROM outbox WHERE "
                       "settlement_id = ? AND month = ? AND state != 'superseded' ORDER BY seq",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        fprintf(out, "    %-4s %-16s %s%s%s\n", ledger_text(st, 0), ledger_text(st, 1),
                ledger_text(st, 2), strcmp(ledger_text(st, 3), "pending") ? "  " : "",
                strcmp(ledger_text(st, 3), "pending") ? ledger_text(st, 3) : "");
        n++;
    }
    if (s != SQLITE_DONE) {
        ledger_fail(lg, e, "read the requests");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    if (n == 0)
        fprintf(out, "    (no document this month: its lines net to zero or are blocked, see "
                "exceptions)\n");
    return 0;
}

/* Per settlement: its requests this month, the exceptions that concern it, then the month's
 * totals per account as its requests book them. */
static int print_summary(struct ledger *lg, const struct config *cfg, const char *period,
                         int live, struct err *e)
{
    FILE *out = log_report_file();
    sqlite3_stmt *st;
    char amt[MONEY_FMT_MAX], sid[64], held[320];
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT DISTINCT s.settlement_id, s.currency, s.total_minor, "
                       "substr(s.start_utc,1,10), substr(s.end_utc,1,10), "
                       "(SELECT COUNT(*) FROM exception x WHERE x.settlement_id = s.settlement_id"
                       " AND " EXCEPTION_OPEN_ERROR_SQL "), (SELECT COUNT(*) FROM exception x WHERE "
                       "x.settlement_id = s.settlement_id AND x.severity = 'warning'), "
                       "s.start_utc FROM journal j JOIN settlement s ON s.id = j.settlement_ref "
                       "WHERE j.month = ? ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    if (live)
        fprintf(out, "Xero requests for %s (sent now, in this order, but those held back)\n",
                period);
    else
        fprintf(out, "Xero preview for %s (the exact requests; a dry run sends nothing)\n",
                period);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int exp = money_exponent(ledger_text(st, 1));
        snprintf(sid, sizeof sid, "%s", ledger_text(st, 0));
        fprintf(out, "  settlement %s %s %s..%s total %s: %d error(s), %d warning(s)\n", sid,
                ledger_text(st, 1), ledger_text(st, 3), ledger_text(st, 4),
                money_format(amt, sqlite3_column_int64(st, 2), exp), sqlite3_column_int(st, 5),
                sqlite3_column_int(st, 6));
        rc = xero_held_back(lg, sid, held, sizeof held, e);
        if (rc > 0)
            fprintf(out, "    held back from Xero: %s\n", held);
        if (rc >= 0)
            rc = print_requests(lg, sid, period, e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "read the settlements");
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    if (post_cogs_print(lg, cfg, period, e) < 0)
        return -1;
    return post_totals_print(lg, cfg, period, e);
}

int post_preview(struct ledger *lg, const struct config *cfg, const char *period,
                 const char *dir, int live, char *path_out, size_t path_cap, struct err *e)
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
        rc = print_summary(lg, cfg, period, live, e);
    return rc;
}

int post_preview_summary(struct ledger *lg, const struct config *cfg, const char *period,
                         int live, struct err *e)
{
    return log_level() >= LOG_NORMAL ? print_summary(lg, cfg, period, live, e) : 0;
}
