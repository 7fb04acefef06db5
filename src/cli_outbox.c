/* cli_outbox — `settlebook outbox list [--state S] [--period P] [--json] | dead [--json] |
 * retry ID...`: the queue of Xero requests, the dead letters with Xero's messages, and the
 * manual retry of a dead request. Never talks to the network: `post --live` sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jw.h"
#include "ledger.h"
#include "log.h"
#include "outbox.h"

static const char usage[] =
    "usage: settlebook outbox list [--state STATE] [--period YYYY-MM] [--json]\n"
    "       settlebook outbox dead [--json]\n"
    "       settlebook outbox retry ID...\n"
    "The outbox holds one row per Xero request (written with the journals; the dry-run\n"
    "preview is rendered from it). States: pending (not sent), sending (sent, answer not yet\n"
    "recorded: the next `post --live` looks it up in Xero before anything is resent),\n"
    "confirmed (Xero's ids stored), dead (Xero rejected a document: its message is kept and\n"
    "the settlement stops), superseded.\n"
    "  list     every row, or those in STATE / of the period's settlements\n"
    "  dead     the rejected rows with Xero's message for each rejected document\n"
    "  retry    makes dead rows pending again, under a new Idempotency-Key; documents of\n"
    "           them Xero already created are not sent again. Fix the cause first (in Xero,\n"
    "           or in the mapping, then `post`); `post --live` then sends them.\n";

static const char LIST[] =
    "SELECT o.id, o.settlement_id, o.month, o.seq, o.method, o.path, o.doc_number, o.state, "
    "o.attempts, o.retries, o.idempotency_key, COALESCE(o.xero_id, ''), "
    "COALESCE(o.last_error, ''), (SELECT count(*) FROM outbox_doc d WHERE d.outbox_id = o.id "
    "AND d.state = 'confirmed'), (SELECT count(*) FROM outbox_doc d WHERE d.outbox_id = o.id "
    "AND d.state = 'rejected') FROM outbox o LEFT JOIN settlement s ON s.settlement_id = "
    "o.settlement_id WHERE (?1 = '' OR o.state = ?1) AND (?2 = '' OR o.month = ?2) "
    "ORDER BY s.start_utc, o.settlement_id, o.seq";

static const char DOCS[] =
    "SELECT idx, label, state, COALESCE(xero_id, ''), COALESCE(xero_status, ''), "
    "COALESCE(message, '') FROM outbox_doc WHERE outbox_id = ? ORDER BY idx";

static const char *t(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

static void docs_json(struct ledger *lg, int64_t id, int only_rejected, struct jw *w)
{
    sqlite3_stmt *st;
    struct err e = {0};
    jw_key(w, "documents");
    jw_arr(w);
    if (ledger_prepare(lg, &st, DOCS, &e) == 0) {
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (only_rejected && strcmp(t(st, 2), "rejected") != 0)
                continue;
            jw_obj(w);
            jw_kint(w, "index", sqlite3_column_int64(st, 0));
            jw_kstr(w, "label", t(st, 1));
            jw_kstr(w, "state", t(st, 2));
            jw_kstr(w, "xero_id", t(st, 3));
            jw_kstr(w, "xero_status", t(st, 4));
            jw_kstr(w, "message", t(st, 5));
            jw_end_obj(w);
        }
        sqlite3_finalize(st);
    }
    jw_end_arr(w);
}

static void row_json(struct ledger *lg, sqlite3_stmt *st, int dead, struct jw *w)
{
    jw_obj(w);
    jw_kint(w, "id", sqlite3_column_int64(st, 0));
    jw_kstr(w, "settlement_id", t(st, 1));
    jw_kstr(w, "period", t(st, 2));
    jw_kint(w, "seq", sqlite3_column_int64(st, 3));
    jw_kstr(w, "method", t(st, 4));
    jw_kstr(w, "path", t(st, 5));
    jw_kstr(w, "doc_number", t(st, 6));
    jw_kstr(w, "state", t(st, 7));
    jw_kint(w, "attempts", sqlite3_column_int64(st, 8));
    jw_kint(w, "retries", sqlite3_column_int64(st, 9));
    jw_kstr(w, "idempotency_key", t(st, 10));
    jw_kstr(w, "xero_id", t(st, 11));
    jw_kstr(w, "last_error", t(st, 12));
    jw_kint(w, "documents_confirmed", sqlite3_column_int64(st, 13));
    jw_kint(w, "documents_rejected", sqlite3_column_int64(st, 14));
    docs_json(lg, sqlite3_column_int64(st, 0), dead, w);
    jw_end_obj(w);
}

static void row_text(sqlite3_stmt *st)
{
    printf("%6lld  %-14s %-7s %3d  %-4s %-16s %-28.28s %-9s %3d  %s\n",
           (long long)sqlite3_column_int64(st, 0), t(st, 1), t(st, 2),
           sqlite3_column_int(st, 3), t(st, 4), t(st, 5), t(st, 6), t(st, 7),
           sqlite3_column_int(st, 8), t(st, 11));
}

static void dead_text(struct ledger *lg, sqlite3_stmt *st)
{
    sqlite3_stmt *d;
    struct err e = {0};
    int64_t id = sqlite3_column_int64(st, 0);
    printf("outbox row %lld: settlement %s, %s %s, %s (%d attempt(s), %lld document(s) "
           "already in Xero)\n", (long long)id, t(st, 1), t(st, 4), t(st, 5), t(st, 6),
           sqlite3_column_int(st, 8), (long long)sqlite3_column_int64(st, 13));
    if (ledger_prepare(lg, &d, DOCS, &e) == 0) {
        sqlite3_bind_int64(d, 1, id);
        while (sqlite3_step(d) == SQLITE_ROW)
            if (strcmp(t(d, 2), "rejected") == 0)
                printf("  rejected %s: %s\n", t(d, 1), t(d, 5));
        sqlite3_finalize(d);
    }
    if (sqlite3_column_int64(st, 14) == 0 && t(st, 12)[0])
        printf("  %s\n", t(st, 12));
    printf("  then: fix the cause in Xero (or the mapping, then `settlebook post`), and "
           "`settlebook outbox retry %lld`\n", (long long)id);
}

static int list(struct cli *g, struct ledger *lg, const char *state, const char *period,
                int dead)
{
    sqlite3_stmt *st;
    struct err e = {0};
    struct jw w;
    int n = 0;
    if (ledger_prepare(lg, &st, LIST, &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    jw_init(&w, 2);
    if (g->json)
        jw_arr(&w);
    else if (!dead)
        printf("%6s  %-14s %-7s %3s  %-4s %-16s %-28s %-9s %3s  %s\n", "id", "settlement",
               "period", "seq", "verb", "path", "document", "state", "try", "xero id");
    while (sqlite3_step(st) == SQLITE_ROW) {
        n++;
        if (g->json)
            row_json(lg, st, dead, &w);
        else if (dead)
            dead_text(lg, st);
        else
            row_text(st);
    }
    sqlite3_finalize(st);
    if (g->json) {
        jw_end_arr(&w);
        if (jw_text(&w))
            printf("%s\n", jw_text(&w));
    } else if (dead && n == 0) {
        printf("no dead requests\n");
    }
    jw_free(&w);
    return 0;
}

static int retry(struct ledger *lg, int argc, char **argv)
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        struct err e = {0};
        char *end;
        long long id = strtoll(argv[i], &end, 10);
        if (end == argv[i] || *end || id <= 0) {
            fprintf(stderr, "settlebook outbox retry: '%s' is not an outbox row id\n", argv[i]);
            return 2;
        }
        if (outbox_retry(lg, id, &e) < 0) {
            log_error("%s", e.msg);
            status = status ? status : err_exit_code(&e);
            continue;
        }
        log_info("outbox row %lld is pending again (new Idempotency-Key); `settlebook post "
                 "--live` sends it", id);
    }
    return status;
}

int cli_outbox(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    const char *sub = g->argc > 1 ? g->argv[1] : "";
    const char *state = "", *period = "";
    int status;

    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (strcmp(sub, "list") && strcmp(sub, "dead") && strcmp(sub, "retry")) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(sub, "retry") && g->argc < 3) {
        fputs(usage, stderr);
        return 2;
    }
    for (int i = 2; strcmp(sub, "retry") && i < g->argc; i++) {
        if (!strcmp(g->argv[i], "--json"))
            g->json = 1;
        else if (!strcmp(sub, "list") && !strcmp(g->argv[i], "--state") && i + 1 < g->argc)
            state = g->argv[++i];
        else if (!strcmp(sub, "list") && !strcmp(g->argv[i], "--period") && i + 1 < g->argc)
            period = g->argv[++i];
        else {
            fprintf(stderr, "settlebook outbox %s: unexpected argument '%s'\n%s", sub,
                    g->argv[i], usage);
            return 2;
        }
    }
    if (state[0] && strcmp(state, "pending") && strcmp(state, "sending") &&
        strcmp(state, "confirmed") && strcmp(state, "dead") && strcmp(state, "superseded")) {
        fprintf(stderr, "settlebook outbox list: --state must be pending, sending, confirmed, "
                "dead or superseded\n");
        return 2;
    }
    if (ledger_open(&lg, g->ledger, 0, &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    ledger_set_command(lg, "outbox");
    if (!strcmp(sub, "retry"))
        status = retry(lg, g->argc - 2, g->argv + 2);
    else
        status = list(g, lg, !strcmp(sub, "dead") ? "dead" : state, period,
                      !strcmp(sub, "dead"));
    ledger_close(lg);
    return status;
}
