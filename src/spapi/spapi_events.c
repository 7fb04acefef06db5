/* spapi_events — `fetch --events`: Amazon's financial events (Finances API v0
 * listFinancialEvents) posted since the stored mark, in windows of at most 180 days ending
 * three minutes before now (Amazon answers nothing for longer windows and refuses a
 * PostedBefore less than two minutes old), every NextToken page. Each page is kept byte for
 * byte under <data_dir>/events/ (its amounts are JSON numbers: re-serialising could change
 * a digit) and ingested in its own transaction; the mark (event_cursor 'finances.posted')
 * moves to a window's PostedBefore only after all its pages are in, so an interrupted fetch
 * is simply run again (pages and amounts already in are recognised and skipped). Paced at
 * the operation's x-amzn-RateLimit-Limit (documented 0.5 requests/s, burst 30). */
#include "spapi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define WINDOW_S (180 * 86400)        /* Amazon: longer windows answer an empty page */
#define SETTLE_S 180                  /* PostedBefore: more than two minutes ago */
#define PAGE_SIZE 100                 /* MaxResultsPerPage: Amazon's maximum */

static int cursor_get(struct ledger *lg, char out[DATES_ISO_MAX], struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT value FROM event_cursor WHERE name = "
                       "'finances.posted'", e) < 0)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, DATES_ISO_MAX, "%s", ledger_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read event cursor");
}

/* Moves the mark forward (never back), in its own transaction. */
static int cursor_set(struct ledger *lg, const char *value, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run;
    int rc;
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO event_cursor(name, value, run_id) VALUES "
                       "('finances.posted', ?1, ?2) ON CONFLICT(name) DO UPDATE SET value = "
                       "excluded.value, run_id = excluded.run_id WHERE excluded.value > value",
                       e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, run);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(lg, e, "store event cursor");
    sqlite3_finalize(st);
    if (rc < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

/* Keeps one page as Amazon sent it and ingests it in its own transaction. */
static int keep_page(struct spapi *sp, const char *dir, const char *raw, struct err *e)
{
    char hex[HASH_HEX_LEN], path[4200];
    struct ingest_result res;
    size_t n = strlen(raw);
    hash_hex(raw, n, hex);
    snprintf(path, sizeof path, "%s/events-%.16s.json", dir, hex);
    if (fileio_write_atomic(path, raw, n, e) < 0 || ledger_begin(sp->lg, e) < 0)
        return -1;
    if (spapi_ingest(sp, path, &res, e) < 0) {
        ledger_rollback(sp->lg);
        return err_prefix(e, "listFinancialEvents page kept as %s was refused: ", path);
    }
    if (ledger_commit(sp->lg, e) < 0)
        return -1;
    sp->sum->event_pages++;
    sp->sum->event_lines += res.lines;
    spapi_note_file(sp, "finances_events", hex, path, &res);
    return 0;
}

/* Every page of one window [after, before). */
static int window(struct spapi *sp, const char *dir, const char *after, const char *before,
                  struct err *e)
{
    char q[SPAPI_NEXT_MAX * 3 + 512], esc[SPAPI_NEXT_MAX * 3], next[SPAPI_NEXT_MAX] = "";
    char ea[64], eb[64];
    http_escape(after, ea, sizeof ea);
    http_escape(before, eb, sizeof eb);
    for (int page = 0; page < SPAPI_PAGES_MAX; page++) {
        json_t *root, *p;
        char *raw;
        const char *nt;
        int rc;
        if (next[0]) {
            http_escape(next, esc, sizeof esc);
            /* the same arguments with the token, as the operation asks */
            snprintf(q, sizeof q, "/finances/v0/financialEvents?MaxResultsPerPage=%d&"
                     "PostedAfter=%s&PostedBefore=%s&NextToken=%s", PAGE_SIZE, ea, eb, esc);
        } else {
            snprintf(q, sizeof q, "/finances/v0/financialEvents?MaxResultsPerPage=%d&"
                     "PostedAfter=%s&PostedBefore=%s", PAGE_SIZE, ea, eb);
        }
        if (spapi_get_raw(sp, SPAPI_OP_FINANCES, q, &root, &raw, e) < 0)
            return -1;
        p = json_object_get(root, "payload");
        nt = json_string_value(json_object_get(p, "NextToken"));
        if (!json_is_object(json_object_get(p, "FinancialEvents")))
            rc = err_set(e, ERR_NET, "Amazon SP-API: listFinancialEvents answered without "
                         "payload.FinancialEvents: nothing was ingested from it; run `settlebook "
                         "fetch --events` again later");
        else if (nt && strlen(nt) >= sizeof next)
            rc = err_set(e, ERR_NET, "Amazon SP-API: listFinancialEvents answered a NextToken "
                         "longer than 4 KiB");
        else
            rc = keep_page(sp, dir, raw, e);
        snprintf(next, sizeof next, "%s", rc == 0 && nt ? nt : "");
        free(raw);
        json_decref(root);
        if (rc < 0)
            return -1;
        if (!next[0])
            return 0;
    }
    return err_set(e, ERR_NET, "Amazon SP-API: listFinancialEvents kept answering NextToken "
                   "after %d pages: stopped", SPAPI_PAGES_MAX);
}

int spapi_events(struct spapi *sp, struct err *e)
{
    char dir[4200], mark[DATES_ISO_MAX], after[DATES_ISO_MAX], before[DATES_ISO_MAX];
    int64_t t, end = clock_now_s() - SETTLE_S;
    int has_time;
    struct err de = {0};

    snprintf(dir, sizeof dir, "%s/events", sp->cfg->spapi.data_dir);
    if (spapi_mkdirs(dir, e) < 0)
        return -1;
    if (sp->since >= 0)
        dates_iso(mark, sp->since, 1);
    else if (cursor_get(sp->lg, mark, e) < 0)
        return -1;
    if (!mark[0])
        dates_iso(mark, sp->default_since, 1);
    if (dates_parse(mark, &t, &has_time, &de) < 0)
        return err_set(e, ERR_INTERNAL, "event cursor '%s': %s", mark, de.msg);
    snprintf(sp->sum->events_since, sizeof sp->sum->events_since, "%s", mark);
    snprintf(sp->sum->events_until, sizeof sp->sum->events_until, "%s", mark);
    while (t < end) {
        int64_t stop = t + WINDOW_S < end ? t + WINDOW_S : end;
        dates_iso(after, t, 1);
        dates_iso(before, stop, 1);
        if (window(sp, dir, after, before, e) < 0 || cursor_set(sp->lg, before, e) < 0)
            return -1;
        snprintf(sp->sum->events_until, sizeof sp->sum->events_until, "%s", before);
        t = stop;
    }
    return 0;
}
