/* cli_reconcile — `settlebook reconcile [--period YYYY-MM]` runs the reconcile stage in one
 * transaction and prints how many exceptions of each kind remain in scope (exit 1 when any,
 * of any stage, is an error); `settlebook exceptions` lists them. Never posts anything. */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ledger.h"
#include "base.h"
#include "reconcile.h"

static const char usage[] =
    "usage: settlebook reconcile [--period YYYY-MM] [--json]\n"
    "Ties each settlement to its bank deposit, its orders and the mapping rules, and replaces\n"
    "the reconcile exceptions of the settlements touching the period and of its month of the\n"
    "FBA Inventory Ledger (all without --period).\n"
    "List them with `settlebook exceptions`. Exit status 1 when error exceptions remain.\n";

static const struct cli_opt opts[] = { { "--period", NULL, "YYYY-MM" }, { NULL, NULL, NULL } };

/* --period P; returns 0, 1 after --help, -1 on a usage error. */
static int period_args(struct cli *g, const char **period, const char *usage_text)
{
    struct cli_args a;
    struct err e = {0};
    if (cli_args_parse(g, opts, &a, usage_text) != 0)
        return a.status == 0 ? 1 : -1;
    if (cli_no_operands(g, &a, 0) < 0)
        return -1;
    *period = cli_arg(&a, "--period") ? cli_arg(&a, "--period") : "";
    if ((*period)[0] && period_parse(*period, &e) < 0) {
        log_error("%s", e.msg);
        return -1;
    }
    return 0;
}

static int kind_json(void *arg, const char *severity, const char *kind, int64_t n)
{
    return json_array_append_new((json_t *)arg, json_pack("{s:s, s:s, s:I}", "severity",
                                                          severity, "kind", kind, "count",
                                                          (json_int_t)n));
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
        int rc = exception_kinds(lg, period, kind_json, kinds, e);
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

    int p = period_args(g, &period, usage);
    memset(&cfg, 0, sizeof cfg);
    if (p != 0)
        return p > 0 ? 0 : 2;
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
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
    "       settlebook exceptions accept ID --reason TEXT\n"
    "Lists the exceptions of every stage for the settlements touching the period (all without\n"
    "--period), those of no settlement that belong to the month (inventory, accrual, cost of\n"
    "goods, PERIOD_EMPTY) and the ledger-wide ones, errors first, then warnings and infos, each\n"
    "sorted by kind, settlement, order, SKU, with its stable id (X-...). Read-only. Exit\n"
    "status 1 while error-severity exceptions remain.\n"
    "An open error holds its settlement back from Xero. `accept ID --reason TEXT` accepts\n"
    "one deliberately: recorded with the reason in the audit log and on the workbook's\n"
    "Exceptions sheet; it no longer holds anything back or counts as an error. No amount\n"
    "changes. Errors about Xero itself (XERO_*, POSTED_DOCUMENT_CHANGED) cannot be accepted.\n";

static json_t *text_or_null(const char *t)
{
    return t ? json_string(t) : json_null();
}

static json_t *int_or_null(const struct exception_info *x, int i)
{
    return x->has[i] ? json_integer((json_int_t)x->amount[i]) : json_null();
}

static int row_json(void *arg, const struct exception_info *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", text_or_null(x->uid));
    json_object_set_new(o, "kind", text_or_null(x->kind));
    json_object_set_new(o, "severity", text_or_null(x->severity));
    json_object_set_new(o, "settlement_id", text_or_null(x->settlement_id));
    json_object_set_new(o, "order_id", text_or_null(x->order_id));
    json_object_set_new(o, "sku", text_or_null(x->sku));
    json_object_set_new(o, "currency", text_or_null(x->currency));
    json_object_set_new(o, "expected_minor", int_or_null(x, 0));
    json_object_set_new(o, "actual_minor", int_or_null(x, 1));
    json_object_set_new(o, "difference_minor", int_or_null(x, 2));
    json_object_set_new(o, "explanation", text_or_null(x->explanation));
    json_object_set_new(o, "action", text_or_null(x->action));
    json_object_set_new(o, "scope", text_or_null(x->scope));
    json_object_set_new(o, "month", text_or_null(x->month));
    json_object_set_new(o, "accepted", x->accepted ? json_true() : json_false());
    json_object_set_new(o, "accepted_reason", text_or_null(x->accepted));
    return json_array_append_new((json_t *)arg, o);
}

static const char *amount_or_dash(char *buf, const struct exception_info *x, int i, int exp)
{
    return x->has[i] ? money_format(buf, x->amount[i], exp) : "-";
}

static const char *dash(const char *t)
{
    return t && *t ? t : "-";
}

static int row_text(void *arg, const struct exception_info *x)
{
    char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], d[MONEY_FMT_MAX];
    int exp = x->currency && strcmp(x->currency, EXCEPTION_UNITS) == 0
                  ? 0 : money_exponent(dash(x->currency));
    (void)arg;
    if (exp < 0)
        exp = 2;
    printf("%-12s %-7s %-25s %-14s %-20s %-14s %-3s %12s %12s %12s\n", dash(x->uid),
           dash(x->severity), dash(x->kind), dash(x->settlement_id), dash(x->order_id), dash(x->sku),
           dash(x->currency), amount_or_dash(a, x, 0, exp), amount_or_dash(b, x, 1, exp),
           amount_or_dash(d, x, 2, exp));
    if (x->accepted && printf("        accepted: %s\n", x->accepted) < 0)
        return -1;
    return printf("        %s\n        -> %s\n", dash(x->explanation), dash(x->action)) < 0
               ? -1 : 0;
}

static int count_row(void *arg, const struct exception_info *x)
{
    int *n = arg;
    (*n)++;
    return row_text(NULL, x);
}

/* `exceptions accept ID --reason TEXT` */
static const struct cli_opt accept_opts[] = {
    { "--reason", NULL, "TEXT" }, { NULL, NULL, NULL },
};

static int accept(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    struct cli_args a;
    const char *id, *reason;
    int already = 0;
    if (cli_args_parse(g, accept_opts, &a, list_usage) != 0)
        return a.status;
    if (cli_no_operands(g, &a, 2) < 0)
        return 2;
    id = a.npos >= 2 ? a.pos[1] : NULL;
    reason = cli_arg(&a, "--reason");
    if (!id)
        return cli_usage_error(g->cmd, "accept needs the exception's ID (X-...; see "
                               "`settlebook exceptions`)"), 2;
    if (!reason || !reason[0])
        return cli_usage_error(g->cmd, "--reason needs a value: why the error is accepted"), 2;
    if (cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, "exceptions accept");
    if (ledger_begin(lg, &e) < 0)
        goto fail;
    if (exception_accept(lg, id, reason, &already, &e) < 0 || ledger_commit(lg, &e) < 0) {
        ledger_rollback(lg);
        goto fail;
    }
    if (already)
        log_info("%s was already accepted: nothing changed", id);
    else
        log_info("%s accepted (audit log: exception.accept); it no longer holds its settlement "
                 "back", id);
    ledger_close(lg);
    return 0;
fail:
    ledger_close(lg);
    return cli_fail(&e);
}

int cli_exceptions(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    const char *period;
    json_t *arr = NULL;
    int n = 0, rc;

    int64_t errors = 0, warnings = 0, infos = 0;
    if (g->argc >= 2 && !strcmp(g->argv[1], "accept"))
        return accept(g);
    int p = period_args(g, &period, list_usage);
    if (p != 0)
        return p > 0 ? 0 : 2;
    if (cli_ledger_open(g, &lg, 0, &e) < 0)
        return cli_fail(&e);
    if (g->json) {
        arr = json_array();
        rc = exception_each(lg, period, row_json, arr, &e);
        n = (int)json_array_size(arr);
    } else {
        printf("%-12s %-7s %-25s %-14s %-20s %-14s %-3s %12s %12s %12s\n", "id", "sev", "kind",
               "settlement", "order", "sku", "cur", "expected", "actual", "difference");
        rc = exception_each(lg, period, count_row, &n, &e);
    }
    if (rc == 0)
        rc = exception_counts(lg, period, &errors, &warnings, &infos, &e);
    if (rc < 0) {
        json_decref(arr);
        ledger_close(lg);
        return cli_fail(&e);
    }
    if (arr) {
        char *text = json_dumps(arr, JSON_INDENT(2));
        cli_json_out(text);
        free(text);
        json_decref(arr);
    } else if (n == 0) {
        printf("(no exceptions%s%s)\n", period[0] ? " in " : "", period);
    }
    ledger_close(lg);
    /* as reconcile and close: exit 1 while error-severity exceptions remain */
    return errors > 0 ? 1 : 0;
}
