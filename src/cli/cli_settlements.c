/* cli_settlements — `settlebook settlements [--json]`: the settlements in the ledger, sorted
 * by start date then id. Read-only. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ingest.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook settlements [--json]\n"
    "Lists every settlement: id, layout, marketplace, currency, dates, total, sum of its\n"
    "amount lines and the sha256 of the file it came from.\n";

static int row_json(void *arg, const struct settlement_info *v)
{
    return json_array_append_new(
        (json_t *)arg,
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "settlement_id",
                  v->settlement_id, "format", v->format, "marketplace", v->marketplace,
                  "currency", v->currency, "start", v->start, "end", v->end, "deposit_date",
                  v->deposit, "total_minor", (json_int_t)v->total, "lines_sum_minor",
                  (json_int_t)v->lines_sum, "lines", (json_int_t)v->lines, "source_sha256",
                  v->source_sha256));
}

static int row_text(void *arg, const struct settlement_info *v)
{
    char total[MONEY_FMT_MAX], sum[MONEY_FMT_MAX];
    int exp = money_exponent(v->currency);
    (*(int *)arg)++;
    return printf("%-14s %-3s %-14s %-3s %-10.10s %-10.10s %-10.10s %14s %14s %8lld %s\n",
                  v->settlement_id, v->format, v->marketplace, v->currency, v->start, v->end,
                  v->deposit, money_format(total, v->total, exp),
                  money_format(sum, v->lines_sum, exp), (long long)v->lines,
                  v->total == v->lines_sum ? "ok" : "MISMATCH") < 0 ? -1 : 0;
}

int cli_settlements(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg;
    json_t *arr = NULL;
    int n = 0, rc;

    struct cli_args a;

    if (cli_args_parse(g, NULL, &a, usage) != 0)
        return a.status;
    if (cli_no_operands(g, &a, 0) < 0)
        return 2;
    if (cli_ledger_open(g, &lg, 0, &e) < 0)
        return cli_fail(&e);
    if (g->json) {
        arr = json_array();
        rc = ingest_settlements_each(lg, row_json, arr, &e);
    } else {
        printf("%-14s %-3s %-14s %-3s %-10s %-10s %-10s %14s %14s %8s %s\n", "settlement",
               "fmt", "marketplace", "cur", "start", "end", "deposit", "total", "lines sum",
               "lines", "status");
        rc = ingest_settlements_each(lg, row_text, &n, &e);
    }
    if (rc < 0) {
        log_error("%s", e.msg);
        json_decref(arr);
        ledger_close(lg);
        return err_exit_code(&e);
    }
    if (arr) {
        char *text = json_dumps(arr, JSON_INDENT(2));
        cli_json_out(text);
        free(text);
        json_decref(arr);
    } else if (n == 0) {
        printf("(no settlements yet: settlebook ingest FILE...)\n");
    }
    ledger_close(lg);
    return 0;
}
