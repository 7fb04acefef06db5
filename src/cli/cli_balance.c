/* cli_balance — `settlebook balance [--json]`: what Amazon owes right now, per marketplace and
 * currency: the amounts posted since the last settlement that no settlement holds yet, the
 * reserve held back, and the expected next deposit. Read-only; no SQL here. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook balance [--json]\n"
    "What Amazon owes now, per marketplace and currency: Finances API amounts (ingest or\n"
    "fetch --events) that no settlement holds yet, the reserve the latest settlement held\n"
    "back, their total, and the expected next deposit (the last one + 14 days).\n";

static int row_json(void *arg, const struct balance_info *b)
{
    int exp = money_exponent(b->currency);
    char u[MONEY_FMT_MAX], r[MONEY_FMT_MAX], t[MONEY_FMT_MAX];
    int64_t total;
    if (__builtin_add_overflow(b->unsettled, b->reserve_held, &total))
        return -1;
    return json_array_append_new(
        (json_t *)arg,
        json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s}",
                  "marketplace", b->marketplace, "currency", b->currency, "unsettled_minor",
                  (json_int_t)b->unsettled, "unsettled", money_format(u, b->unsettled, exp),
                  "unsettled_lines", (json_int_t)b->lines, "deferred_minor",
                  (json_int_t)b->deferred, "reserve_held_minor", (json_int_t)b->reserve_held,
                  "reserve_held", money_format(r, b->reserve_held, exp), "total_owed_minor",
                  (json_int_t)total, "total_owed", money_format(t, total, exp),
                  "last_settlement_id", b->last_settlement_id, "last_settlement_end",
                  b->last_settlement_end, "last_event_posted", b->last_event,
                  "expected_deposit_date", b->next_deposit));
}

static int row_text(void *arg, const struct balance_info *b)
{
    int exp = money_exponent(b->currency);
    char u[MONEY_FMT_MAX], r[MONEY_FMT_MAX], t[MONEY_FMT_MAX];
    int64_t total;
    (void)arg;
    if (__builtin_add_overflow(b->unsettled, b->reserve_held, &total))
        return -1;
    return printf("%-16s %-3s %14s %6lld %14s %14s  %-14s %-10.10s %s\n",
                  *b->marketplace ? b->marketplace : "-", b->currency,
                  money_format(u, b->unsettled, exp), (long long)b->lines,
                  money_format(r, b->reserve_held, exp), money_format(t, total, exp),
                  *b->last_settlement_id ? b->last_settlement_id : "-",
                  *b->last_settlement_end ? b->last_settlement_end : "-",
                  *b->next_deposit ? b->next_deposit : "-") < 0 ? -1 : 0;
}

int cli_balance(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg;
    json_t *arr = NULL;
    struct cli_args a;
    int rc;

    if (cli_args_parse(g, NULL, &a, usage) != 0)
        return a.status;
    if (cli_no_operands(g, &a, 0) < 0)
        return 2;
    if (cli_ledger_open(g, &lg, 0, &e) < 0)
        return cli_fail(&e);
    if (g->json) {
        arr = json_array();
        rc = ledger_balance_each(lg, "", row_json, arr, &e);
    } else {
        printf("%-16s %-3s %14s %6s %14s %14s  %-14s %-10s %s\n", "marketplace", "cur",
               "unsettled", "lines", "reserve held", "total owed", "last settlement", "ended",
               "next deposit");
        rc = ledger_balance_each(lg, "", row_text, NULL, &e);
    }
    ledger_close(lg);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(&e);
    }
    if (arr) {
        json_t *root = json_pack("{s:o}", "balances", arr);
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        cli_json_out(text);
        free(text);
        json_decref(root);
    }
    return 0;
}
