/* cli_settlements — `settlebook settlements [--json]`: the settlements in the ledger, sorted
 * by start date then id. Read-only. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "log.h"
#include "money.h"

static const char usage[] =
    "usage: settlebook settlements [--json]\n"
    "Lists every settlement: id, layout, marketplace, currency, dates, total, sum of its\n"
    "amount lines and the sha256 of the file it came from.\n";

static const char query[] =
    "SELECT s.settlement_id, s.format, s.marketplace, s.currency, s.start_utc, s.end_utc, "
    "s.deposit_utc, s.total_minor, s.lines_sum_minor, s.line_count, f.sha256 "
    "FROM settlement s JOIN source_file f ON f.id = s.source_file_id "
    "ORDER BY s.start_utc, s.settlement_id";

static json_t *row_json(sqlite3_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}",
                     "settlement_id", ledger_text(st, 0), "format", ledger_text(st, 1), "marketplace", ledger_text(st, 2),
                     "currency", ledger_text(st, 3), "start", ledger_text(st, 4), "end", ledger_text(st, 5),
                     "deposit_date", ledger_text(st, 6), "total_minor",
                     (json_int_t)sqlite3_column_int64(st, 7), "lines_sum_minor",
                     (json_int_t)sqlite3_column_int64(st, 8), "lines",
                     (json_int_t)sqlite3_column_int64(st, 9), "source_sha256", ledger_text(st, 10));
}

static void row_text(sqlite3_stmt *st)
{
    char total[MONEY_FMT_MAX], sum[MONEY_FMT_MAX];
    int exp = money_exponent(ledger_text(st, 3));
    int64_t t = sqlite3_column_int64(st, 7), s = sqlite3_column_int64(st, 8);
    printf("%-14s %-3s %-14s %-3s %-10.10s %-10.10s %-10.10s %14s %14s %8lld %s\n", ledger_text(st, 0),
           ledger_text(st, 1), ledger_text(st, 2), ledger_text(st, 3), ledger_text(st, 4), ledger_text(st, 5), ledger_text(st, 6),
           money_format(total, t, exp), money_format(sum, s, exp),
           (long long)sqlite3_column_int64(st, 9), t == s ? "ok" : "MISMATCH");
}

int cli_settlements(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg;
    sqlite3_stmt *st;
    json_t *arr = NULL;
    int n = 0;

    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    for (int i = 1; i < g->argc; i++) {
        if (strcmp(g->argv[i], "--json") == 0) {
            g->json = 1;
        } else {
            fputs(usage, stderr);
            return 2;
        }
    }
    if (ledger_open(&lg, g->ledger, 0, &e) < 0 || ledger_prepare(lg, &st, query, &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    if (g->json)
        arr = json_array();
    else
        printf("%-14s %-3s %-14s %-3s %-10s %-10s %-10s %14s %14s %8s %s\n", "settlement",
               "fmt", "marketplace", "cur", "start", "end", "deposit", "total", "lines sum",
               "lines", "status");
    while (sqlite3_step(st) == SQLITE_ROW) {
        n++;
        if (arr)
            json_array_append_new(arr, row_json(st));
        else
            row_text(st);
    }
    sqlite3_finalize(st);
    if (arr) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(arr);
    } else if (n == 0) {
        printf("(no settlements yet: settlebook ingest FILE...)\n");
    }
    ledger_close(lg);
    return 0;
}
