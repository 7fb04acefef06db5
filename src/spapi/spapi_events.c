/* spapi_events — `fetch --events`: the money Amazon posted since the stored mark, from one of
 * the two Finances API operations that list it, spapi.finances_api: listFinancialEvents (v0,
 * GET /finances/v0/financialEvents, the default) or listTransactions (2024-06-19, GET
 * /finances/2024-06-19/transactions). Both list the same money, so a window is read from one
 * of them only, each with its own mark (event_cursor 'finances.posted' / 'transactions.posted').
 * Windows of at most 180 days end three minutes before now (both operations answer nothing for
 * longer windows and refuse a PostedBefore less than two minutes old), every page (the token
 * is sent with the same arguments, as both models ask). Each page is kept byte for byte under
 * <data_dir>/events/ (amounts are JSON numbers: re-serialising could change a digit) and
 * ingested in its own transaction; a mark moves to a window's end only after all its pages are
 * in, so an interrupted fetch is simply run again (pages and amounts already in are skipped).
 * Switching operation: the one that read last finishes the UTC day its mark is in, the other
 * starts at the next midnight, since ingest refuses a day and currency the other API already
 * holds (its amounts would be counted twice). Paced per operation at x-amzn-RateLimit-Limit
 * (both documented 0.5 requests/s; bursts 30 and 10). */
#include "spapi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define WINDOW_S (180 * 86400)        /* Amazon: longer windows answer an empty page */
#define SETTLE_S 180                  /* PostedBefore: more than two minutes ago */

/* What differs between the two operations. */
struct fin_api {
    const char *name;                 /* the operation, for messages and the summary */
    int op;                           /* its rate bucket */
    const char *path;
    const char *first;                /* query before the dates (v0: the largest page size) */
    const char *after, *before, *token;   /* query parameter names */
    const char *list;                 /* payload member every page carries */
    int list_is_array;                /* transactions [...] vs FinancialEvents {...} */
    const char *next;                 /* payload member with the next page's token */
    const char *cursor;               /* event_cursor name */
    const char *prefix;               /* file name under events/ */
    const char *kind;                 /* spapi_note_file kind (= event_file.kind) */
};

static const struct fin_api apis[2] = {
    /* financesV0.json: MaxResultsPerPage 1..100, PostedAfter/PostedBefore, NextToken */
    { "listFinancialEvents", SPAPI_OP_FINANCES, "/finances/v0/financialEvents",
      "MaxResultsPerPage=100&", "PostedAfter", "PostedBefore", "NextToken", "FinancialEvents",
      0, "NextToken", "finances.posted", "events-", "finances_events" },
    /* finances_2024-06-19.json: postedAfter/postedBefore, nextToken, no page size */
    { "listTransactions", SPAPI_OP_TRANSACTIONS, "/finances/2024-06-19/transactions", "",
      "postedAfter", "postedBefore", "nextToken", "transactions", 1, "nextToken",
      "transactions.posted", "transactions-", "finances_transactions" },
};

static int cursor_get(struct ledger *lg, const char *name, char out[DATES_ISO_MAX],
                      struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT value FROM event_cursor WHERE name = ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, DATES_ISO_MAX, "%s", ledger_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read event cursor");
}

/* Moves a mark forward (never back), in its own transaction. */
static int cursor_set(struct ledger *lg, const char *name, const char *value, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run;
    int rc;
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO event_cursor(name, value, run_id) VALUES "
                       "(?3, ?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value, "
                       "run_id = excluded.run_id WHERE excluded.value > value", e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, run);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(lg, e, "store event cursor");
    sqlite3_finalize(st);
    if (rc < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

/* Keeps one page as Amazon sent it and ingests it in its own transaction. */
static int keep_page(struct spapi *sp, const struct fin_api *a, const char *dir,
                     const char *raw, struct err *e)
{
    char hex[HASH_HEX_LEN], path[4200];
    struct ingest_result res;
    size_t n = strlen(raw);
    hash_hex(raw, n, hex);
    snprintf(path, sizeof path, "%s/%s%.16s.json", dir, a->prefix, hex);
    if (fileio_write_atomic(path, raw, n, e) < 0 || ledger_begin(sp->lg, e) < 0)
        return -1;
    if (spapi_ingest(sp, path, &res, e) < 0) {
        ledger_rollback(sp->lg);
        return err_prefix(e, "%s page kept as %s was refused: ", a->name, path);
    }
    if (ledger_commit(sp->lg, e) < 0)
        return -1;
    sp->sum->event_pages++;
    sp->sum->event_lines += res.lines;
    spapi_note_file(sp, a->kind, hex, path, &res);
    return 0;
}

/* The query of one page: the window's arguments, with the token from the second page on. */
static void page_query(const struct fin_api *a, const char *ea, const char *eb,
                       const char *next, char *q, size_t cap)
{
    char esc[SPAPI_NEXT_MAX * 3];
    int n = snprintf(q, cap, "%s?%s%s=%s&%s=%s", a->path, a->first, a->after, ea, a->before,
                     eb);
    if (next[0] && n > 0 && (size_t)n < cap) {
        http_escape(next, esc, sizeof esc);
        snprintf(q + n, cap - (size_t)n, "&%s=%s", a->token, esc);
    }
}

/* Checks one answer and keeps it; *next gets its token ("" on the last page). */
static int page(struct spapi *sp, const struct fin_api *a, const char *dir, json_t *root,
                const char *raw, char next[SPAPI_NEXT_MAX], struct err *e)
{
    json_t *p = json_object_get(root, "payload"), *list = json_object_get(p, a->list);
    const char *nt = json_string_value(json_object_get(p, a->next));
    next[0] = '\0';
    if (a->list_is_array ? !json_is_array(list) : !json_is_object(list))
        return err_set(e, ERR_NET, "Amazon SP-API: %s answered without payload.%s: nothing "
                       "was ingested from it; run `settlebook fetch --events` again later",
                       a->name, a->list);
    if (nt && strlen(nt) >= SPAPI_NEXT_MAX)
        return err_set(e, ERR_NET, "Amazon SP-API: %s answered a %s longer than 4 KiB",
                       a->name, a->next);
    /* listTransactions "can return empty pages": kept like the others (one file, no lines) */
    if (keep_page(sp, a, dir, raw, e) < 0)
        return -1;
    snprintf(next, SPAPI_NEXT_MAX, "%s", nt ? nt : "");
    return 0;
}

/* Every page of one window [after, before). */
static int window(struct spapi *sp, const struct fin_api *a, const char *dir,
                  const char *after, const char *before, struct err *e)
{
    char q[SPAPI_NEXT_MAX * 3 + 512], next[SPAPI_NEXT_MAX] = "", ea[64], eb[64];
    http_escape(after, ea, sizeof ea);
    http_escape(before, eb, sizeof eb);
    for (int n = 0; n < SPAPI_PAGES_MAX; n++) {
        json_t *root;
        char *raw;
        int rc;
        page_query(a, ea, eb, next, q, sizeof q);
        if (spapi_get_raw(sp, a->op, q, &root, &raw, e) < 0)
            return -1;
        rc = page(sp, a, dir, root, raw, next, e);
        free(raw);
        json_decref(root);
        if (rc < 0)
            return -1;
        if (!next[0])
            return 0;
    }
    return err_set(e, ERR_NET, "Amazon SP-API: %s kept answering %s after %d pages: stopped",
                   a->name, a->next, SPAPI_PAGES_MAX);
}

/* Reads [t, stop) with a in windows of at most 180 days, moving a's mark after each. */
static int span(struct spapi *sp, const struct fin_api *a, const char *dir, int64_t t,
                int64_t stop, struct err *e)
{
    char after[DATES_ISO_MAX], before[DATES_ISO_MAX];
    while (t < stop) {
        int64_t to = t + WINDOW_S < stop ? t + WINDOW_S : stop;
        dates_iso(after, t, 1);
        dates_iso(before, to, 1);
        if (window(sp, a, dir, after, before, e) < 0 || cursor_set(sp->lg, a->cursor, before,
                                                                   e) < 0)
            return -1;
        snprintf(sp->sum->events_until, sizeof sp->sum->events_until, "%s", before);
        t = to;
    }
    return 0;
}

static int parse_mark(const char *mark, int64_t *t, struct err *e)
{
    int has_time;
    struct err de = {0};
    if (dates_parse(mark, t, &has_time, &de) < 0)
        return err_set(e, ERR_INTERNAL, "event cursor '%s': %s", mark, de.msg);
    return 0;
}

/* Where `use` starts. When the other operation read last, it first finishes the UTC day its
 * mark is in (up to end at most), and `use` starts at the following midnight: no day and
 * currency is ever read from both. --since starts where it says (ingest still refuses a day
 * the other operation holds). */
static int start(struct spapi *sp, const struct fin_api *use, const struct fin_api *other,
                 const char *dir, int64_t end, int64_t *t, struct err *e)
{
    char mine[DATES_ISO_MAX], theirs[DATES_ISO_MAX];
    int64_t m, midnight;
    if (sp->since >= 0) {
        *t = sp->since;
        return 0;
    }
    if (cursor_get(sp->lg, use->cursor, mine, e) < 0 ||
        cursor_get(sp->lg, other->cursor, theirs, e) < 0)
        return -1;
    if (!theirs[0] || strcmp(theirs, mine) <= 0) {
        if (!mine[0])
            *t = sp->default_since;
        return mine[0] ? parse_mark(mine, t, e) : 0;
    }
    if (parse_mark(theirs, &m, e) < 0)
        return -1;
    midnight = (m + 86399) / 86400 * 86400;
    snprintf(sp->sum->events_since, sizeof sp->sum->events_since, "%s", theirs);
    if (midnight > m) {
        snprintf(sp->sum->events_handover, sizeof sp->sum->events_handover, "%s", other->name);
        if (span(sp, other, dir, m, midnight < end ? midnight : end, e) < 0)
            return -1;
    }
    *t = midnight;
    return 0;
}

int spapi_events(struct spapi *sp, struct err *e)
{
    int tx = strcmp(sp->cfg->spapi.finances_api, "listTransactions") == 0;
    const struct fin_api *use = &apis[tx], *other = &apis[!tx];
    char dir[4200];
    int64_t t, end = clock_now_s() - SETTLE_S;

    snprintf(dir, sizeof dir, "%s/events", sp->cfg->spapi.data_dir);
    if (spapi_mkdirs(dir, e) < 0)
        return -1;
    snprintf(sp->sum->events_api, sizeof sp->sum->events_api, "%s", use->name);
    if (start(sp, use, other, dir, end, &t, e) < 0)
        return -1;
    if (!sp->sum->events_since[0]) {
        dates_iso(sp->sum->events_since, t, 1);
        snprintf(sp->sum->events_until, sizeof sp->sum->events_until, "%s",
                 sp->sum->events_since);
    }
    return span(sp, use, dir, t, end, e);
}
