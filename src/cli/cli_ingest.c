/* cli_ingest — `settlebook ingest [--replace] [--verify] [--costs-from-xero] FILE...`: loads every file
 * in one transaction (a savepoint each), and with --costs-from-xero the purchase prices of
 * the Xero Items as unit costs (read before the transaction opens: a network failure leaves
 * the ledger as it was). If any file is bad, nothing is committed and the exit status is 2. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "ingest.h"
#include "ledger.h"
#include "base.h"
#include "xero.h"

static const char usage[] =
    "usage: settlebook ingest [--replace] [--verify] [--costs-from-xero] [FILE...]\n"
    "Loads settlement reports (flat file V2 or the older layout), All Orders reports,\n"
    "SP-API Orders JSON and bank statement CSVs; the kind comes from each file's header.\n"
    "The same bytes twice are skipped (a file whose size, inode and change time are the\n"
    "ones it was last hashed with is known without reading it again; --verify reads and\n"
    "hashes every file anyway). A settlement already in the ledger from different\n"
    "bytes is refused unless --replace is given (recorded in the audit log).\n"
    "All files load together or not at all. Exit status 1 when a settlement's lines do not\n"
    "sum to its total (it is ingested as it is and flagged SETTLEMENT_TOTAL_MISMATCH).\n"
    "--costs-from-xero also reads each Xero Item's PurchaseDetails.UnitPrice (GET /Items,\n"
    "read-only) as its SKU's unit cost in the base currency, effective from "
    INGEST_COSTS_XERO_FROM "\n"
    "(a cost CSV's rows win); no FILE is needed then.\n";

/* "1 line", "2 lines". */
static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Said only once the batch committed: before that nothing is stored. */
static void report(const char *path, const struct ingest_result *r, json_t *out)
{
    char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];
    int exp = money_exponent(r->currency);
    if (out) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:I}", "file", path, "kind",
                              r->kind, "sha256", r->sha256, "skipped", r->skipped,
                              "replaced", r->replaced, "records", (json_int_t)r->records,
                              "lines", (json_int_t)r->lines);
        if (r->settlement_id[0] && !r->skipped) {
            json_object_set_new(o, "settlement_id", json_string(r->settlement_id));
            json_object_set_new(o, "total_minor", json_integer(r->total_minor));
            json_object_set_new(o, "lines_sum_minor", json_integer(r->lines_sum_minor));
            json_object_set_new(o, "mismatch", json_boolean(r->mismatch));
        }
        json_array_append_new(out, o);
    }
    if (r->skipped) {
        log_info("%s: already ingested (same sha256 %.12s..., %s); nothing to do", path,
                 r->sha256, r->kind);
    } else if (r->settlement_id[0]) {
        log_info("%s: %s settlement %s %s: %lld %s, total %s, lines sum %s%s%s", path,
                 r->kind, r->settlement_id, r->currency, (long long)r->lines,
                 plural(r->lines, "line", "lines"), money_format(a, r->total_minor, exp),
                 money_format(b, r->lines_sum_minor, exp),
                 r->mismatch ? " — MISMATCH (flagged SETTLEMENT_TOTAL_MISMATCH)" : "",
                 r->replaced ? " (replaced the earlier version)" : "");
    } else if (strcmp(r->kind, "bank_csv") == 0) {
        if (r->records == r->lines)
            log_info("%s: bank_csv %s: %lld %s, all new", path, r->currency,
                     (long long)r->records, plural(r->records, "line", "lines"));
        else
            log_info("%s: bank_csv %s: %lld %s, %lld new, %lld already in the ledger from "
                     "an overlapping statement (skipped)", path, r->currency,
                     (long long)r->records, plural(r->records, "line", "lines"),
                     (long long)r->lines, (long long)(r->records - r->lines));
    } else {
        log_info("%s: %s: %lld %s, %lld stored", path, r->kind, (long long)r->records,
                 plural(r->records, "record", "records"), (long long)r->lines);
    }
}

static const struct cli_opt opts[] = { { "--replace", NULL, NULL },
                                        { "--verify", NULL, NULL },
                                        { "--costs-from-xero", NULL, NULL },
                                        { NULL, NULL, NULL } };

/* Parses options; the files are left at argv[*first..argc-1]. Returns 1 after --help. */
static int parse_args(struct cli *g, struct ingest_opts *o, int *first, int *xero)
{
    struct cli_args a;
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status == 0 ? 1 : -1;
    o->replace = cli_arg(&a, "--replace") != NULL;
    o->verify = cli_arg(&a, "--verify") != NULL;
    *xero = cli_arg(&a, "--costs-from-xero") != NULL;
    if (a.npos == 0 && !*xero)
        return cli_usage_error(g->cmd, "which files? settlebook ingest FILE...");
    /* the operands were packed over argv[1..]: the files are argv[1..npos] */
    g->argc = a.npos + 1;
    *first = 1;
    return 0;
}

/* Whether each settlement ingested in this run ties out; a later file of the same settlement
 * (--replace) overrides an earlier one. */
struct tie {
    char id[64];
    int mismatch;
};

static void tie_note(struct tie *t, int *n, const struct ingest_result *r)
{
    int i = 0;
    if (r->skipped || !r->settlement_id[0])
        return;
    while (i < *n && strcmp(t[i].id, r->settlement_id) != 0)
        i++;
    if (i == *n)
        snprintf(t[(*n)++].id, sizeof t[0].id, "%s", r->settlement_id);
    t[i].mismatch = r->mismatch;
}

/* Counts refused files in *failed and settlements left not tying out in *mismatched. */
static int ingest_all(struct cli *g, struct ledger *lg, const struct ingest_opts *o, int first,
                      struct ingest_result *res, int *failed, int *mismatched, struct err *e)
{
    struct tie *ties = calloc((size_t)g->argc, sizeof *ties);
    int nties = 0;
    if (!ties)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (int i = first; i < g->argc; i++) {
        struct ingest_result *r = &res[i];
        struct err fe = {0};
        if (ingest_file(lg, g->argv[i], o, r, &fe) < 0) {
            log_error("%s", fe.msg);
            if (fe.code != ERR_INPUT) {
                *e = fe;
                free(ties);
                return -1;
            }
            (*failed)++;
            continue;
        }
        tie_note(ties, &nties, r);
    }
    for (int i = 0; i < nties; i++)
        *mismatched += ties[i].mismatch;
    free(ties);
    return 0;
}

int cli_ingest(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct ingest_opts o = {0};
    json_t *out = g->json ? json_array() : NULL;
    struct ingest_result *res = NULL;
    struct item_price *prices = NULL;
    struct ingest_result xr;
    size_t nprices = 0;
    int64_t calls = 0;
    int first, failed = 0, mismatched = 0, status = 0, xero = 0;
    int p = parse_args(g, &o, &first, &xero);

    memset(&cfg, 0, sizeof cfg);
    if (p != 0) {
        json_decref(out);
        return p > 0 ? 0 : 2;
    }
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    o.bank = &cfg.bank;
    o.base_currency = cfg.base_currency;
    ledger_set_command(lg, "ingest");
    if (xero && xero_item_prices(&cfg, &prices, &nprices, &calls, &e) < 0)
        goto fail;
    res = calloc((size_t)g->argc, sizeof *res);
    if (!res) {
        err_set(&e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (ledger_begin_bulk(lg, &e) < 0 || ingest_all(g, lg, &o, first, res, &failed, &mismatched,
                                                 &e) < 0 ||
        (xero && !failed && ingest_costs_xero(lg, cfg.base_currency, prices, nprices, &xr,
                                              &e) < 0))
        goto fail;
    if (failed) {
        ledger_rollback(lg);
        log_error("%d file(s) refused: nothing was ingested; fix them and run again", failed);
        status = 2;
    } else if (ledger_commit(lg, &e) < 0) {
        goto fail;
    } else {
        for (int i = first; i < g->argc; i++)
            report(g->argv[i], &res[i], out);
        if (xero)
            report("Xero Items", &xr, out);
    }
    if (!failed && mismatched) {
        /* ingested as they are, but an error-severity exception now stands: exit 1 */
        log_info("%d settlement(s) do not tie out to their total: see settlebook exceptions",
                 mismatched);
        status = 1;
    }
    if (out && !failed) {
        char *text = json_dumps(out, JSON_INDENT(2));
        cli_json_out(text);
        free(text);
    }
    goto done;
fail:
    ledger_rollback(lg);
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    free(prices);
    free(res);
    json_decref(out);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
