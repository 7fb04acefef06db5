/* cli_reconcile — `settlebook reconcile [--period YYYY-MM]` runs the reconcile stage in one
 * transaction and prints how many exceptions of each kind remain in scope (exit 1 when any,
 * of any stage, is an error); `settlebook exceptions` lists them. Never posts anything. */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ledger.h"
#include "log.h"
#include "money.h"
#include "period.h"
#include "reconcile.h"

static const char usage[] =
    "usage: settlebook reconcile [--period YYYY-MM] [--json]\n"
    "Ties each settlement to its bank deposit, its orders and the mapping rules, and replaces\n"
    "the reconcile exceptions of the settlements touching the period (all without --period).\n"
    "List them with `settlebook exceptions`. Exit status 1 when error exceptions remain.\n";

/* --period P / --period=P, and --json; -1 on anything else. */
static int period_args(struct cli *g, const char **period, const char *usage_text)
{
    *period = "";
    for (int i = 1; i < g->argc; i++) {
        const char *a = g->argv[i];
        if (strcmp(a, "--period") == 0 && i + 1 < g->argc) {
            *period = g->argv[++i];
        } else if (strncmp(a, "--period=", 9) == 0) {
            *period = a + 9;
        } else if (strcmp(a, "--json") == 0) {
            g->json = 1;
        } else {
            fputs(usage_text, stderr);
            return -1;
        }
    }
    if ((*period)[0]) {
        struct err e = {0};
        if (period_parse(*period, &e) < 0) {
            log_error("%s", e.msg);
            return -1;
        }
    }
    return 0;
}

static int kinds_json(struct ledger *lg, const char *period, json_t *arr, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, "SELECT x.severity, x.kind, count(*) FROM exception x WHERE "
                       RECONCILE_SCOPE_SQL " GROUP BY x.severity, x.kind ORDER BY CASE "
                       "x.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, x.kind",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "severity",
                                             (const char *)sqlite3_column_text(st, 0), "kind",
                                             (const char *)sqlite3_column_text(st, 1), "count",
                                             (json_int_t)sqlite3_column_int64(st, 2)));
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "exception kinds");
}

static int print_summary(struct cli *g, struct ledger *lg, const char *period,
                         const struct reconcile_summary *sum, struct err *e)
{
    if (g->json) {
        json_t *kinds = json_array();
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:b, s:o}", "period", period,
                              "settlements", (json_int_t)sum->settlements, "errors",
                              (json_int_t)sum->errors, "warnings", (json_int_t)sum->warnings,
                              "infos", (json_int_t)sum->infos, "changed", (int)sum->changed,
                              "kinds", kinds);
        int rc = kinds_json(lg, period, kinds, e);
        if (rc == 0) {
            json_dumpf(o, stdout, JSON_INDENT(2));
            fputc('\n', stdout);
        }
        json_decref(o);
        return rc;
    }
    printf("reconcile %s: %lld settlement%s, %lld error%s, %lld warning%s, %lld info%s%s\n",
           period[0] ? period : "(all periods)", (long long)sum->settlements,
           sum->settlements == 1 ? "" : "s", (long long)sum->errors,
           sum->errors == 1 ? "" : "s", (long long)sum->warnings,
           sum->warnings == 1 ? "" : "s", (long long)sum->infos, sum->infos == 1 ? "" : "s",
           sum->changed ? "" : " (unchanged)");
    return reconcile_print_kinds(lg, period, stdout, e);
}

int cli_reconcile(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct reconcile_summary sum = {0};
    const char *period;
    char detail[160];
    int status;

    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (period_args(g, &period, usage) < 0)
        return 2;
    if (config_load(&cfg, g->config, 0, &e) < 0 || ledger_open(&lg, g->ledger, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "reconcile");
    if (ledger_begin(lg, &e) < 0 || reconcile_run(lg, &cfg, period, &sum, &e) < 0)
        goto fail;
    snprintf(detail, sizeof detail, "period %s: %lld settlements, %lld errors, %lld warnings, "
             "%lld infos", period[0] ? period : "all", (long long)sum.settlements,
             (long long)sum.errors, (long long)sum.warnings, (long long)sum.infos);
    if ((sum.changed && ledger_audit(lg, "reconcile", detail, &e) < 0) ||
        ledger_commit(lg, &e) < 0)
        goto fail;
    if (sum.settlements == 0)
        log_info("no settlement touches %s: nothing to reconcile",
                 period[0] ? period : "the ledger");
    if (print_summary(g, lg, period, &sum, &e) < 0)
        goto fail;
    status = sum.errors > 0 ? 1 : 0;
    goto done;
fail:
    ledger_rollback(lg);
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    ledger_close(lg);
    config_free(&cfg);
    return status;
}

static const char list_usage[] =
    "usage: settlebook exceptions [--period YYYY-MM] [--json]\n"
    "Lists the exceptions of every stage for the settlements touching the period (all without\n"
    "--period) and those tied to no settlement, errors first, then warnings and infos, each\n"
    "sorted by kind, settlement, order, SKU. Read-only.\n";

static const char list_query[] =
    "SELECT x.kind, x.severity, x.settlement_id, x.order_id, x.sku, x.currency, "
    "x.expected_minor, x.actual_minor, x.difference_minor, x.explanation, x.action, x.scope "
    "FROM exception x WHERE " RECONCILE_SCOPE_SQL " "
    "ORDER BY CASE x.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, x.kind, "
    "coalesce(x.settlement_id, ''), coalesce(x.order_id, ''), coalesce(x.sku, ''), x.id";

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? json_string((const char *)t) : json_null();
}

static json_t *int_or_null(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_integer((json_int_t)sqlite3_column_int64(st, i));
}

static json_t *row_json(sqlite3_stmt *st)
{
    static const char *const keys[] = {
        "kind", "severity", "settlement_id", "order_id", "sku", "currency", "expected_minor",
        "actual_minor", "difference_minor", "explanation", "action", "scope",
    };
    json_t *o = json_object();
    for (int i = 0; i < 12; i++)
        json_object_set_new(o, keys[i], i >= 6 && i <= 8 ? int_or_null(st, i)
                                                          : text_or_null(st, i));
    return o;
}

static const char *amount_or_dash(char *buf, sqlite3_stmt *st, int i, int exp)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return "-";
    return money_format(buf, sqlite3_column_int64(st, i), exp);
}

static const char *text_or_dash(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t && *t ? (const char *)t : "-";
}

static void row_text(sqlite3_stmt *st)
{
    char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], d[MONEY_FMT_MAX];
    int exp = money_exponent(text_or_dash(st, 5));
    if (exp < 0)
        exp = 2;
    printf("%-7s %-25s %-14s %-20s %-14s %-3s %12s %12s %12s\n", text_or_dash(st, 1),
           text_or_dash(st, 0), text_or_dash(st, 2), text_or_dash(st, 3), text_or_dash(st, 4),
           text_or_dash(st, 5), amount_or_dash(a, st, 6, exp), amount_or_dash(b, st, 7, exp),
           amount_or_dash(d, st, 8, exp));
    printf("        %s\n        -> %s\n", text_or_dash(st, 9), text_or_dash(st, 10));
}

int cli_exceptions(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    sqlite3_stmt *st;
    const char *period;
    json_t *arr = NULL;
    int n = 0, s;

    if (cli_wants_help(g->argc, g->argv, list_usage))
        return 0;
    if (period_args(g, &period, list_usage) < 0)
        return 2;
    if (ledger_open(&lg, g->ledger, 0, &e) < 0 || ledger_prepare(lg, &st, list_query, &e) < 0) {
        log_error("%s", e.msg);
        ledger_close(lg);
        return err_exit_code(&e);
    }
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    if (g->json)
        arr = json_array();
    else
        printf("%-7s %-25s %-14s %-20s %-14s %-3s %12s %12s %12s\n", "sev", "kind",
               "settlement", "order", "sku", "cur", "expected", "actual", "difference");
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        if (arr)
            json_array_append_new(arr, row_json(st));
        else
            row_text(st);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        ledger_fail(lg, &e, "list exceptions");
        log_error("%s", e.msg);
        json_decref(arr);
        ledger_close(lg);
        return err_exit_code(&e);
    }
    if (arr) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(arr);
    } else if (n == 0) {
        printf("(no exceptions%s%s)\n", period[0] ? " in " : "", period);
    }
    ledger_close(lg);
    return 0;
}
