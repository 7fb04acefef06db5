/* main — turns argv into global options and a command, then runs that command. No business
 * logic lives here. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook [global options] <command> [options]\n"
    "\n"
    "commands:\n"
    "  init                 create the ledger and a commented default config\n"
    "  ingest FILE...       load settlement reports, order reports, SP-API JSON, bank CSV\n"
    "  fetch [--since D]    pull new settlement reports and orders from Amazon's SP-API\n"
    "  settlements          list the settlements in the ledger (--json for machines)\n"
    "  balance              what Amazon owes now: unsettled amounts, reserve, next deposit\n"
    "  reconcile            tie settlements to bank, orders and mappings; record exceptions\n"
    "  exceptions           list the exceptions (--period P, --json)\n"
    "  post                 build journals and preview (or post) the Xero documents\n"
    "  report               write the reconciliation workbook (xlsx) for a period\n"
    "  close --period P     close a month: reconcile, journals, preview, workbook\n"
    "  outbox list|dead|retry  the Xero request queue: states, rejections, manual retry\n"
    "  auth xero|status     connect to Xero once (PKCE), show tokens' state, tenants\n"
    "  period lock|unlock   lock a month: late lines move to the next open month\n"
    "  audit verify         check the hash chain of the audit log\n"
    "  synth                write a deterministic realistic settlement (+ orders, bank)\n"
    "\n"
    "global options:\n"
    "  --ledger PATH        ledger file (default ./settlebook.db)\n"
    "  --config PATH        config file (default ./settlebook.json)\n"
    "  --reports DIR        output folder (default ./reports)\n"
    "  --json               machine-readable output on stdout\n"
    "  --quiet, --verbose   fewer or more messages on stderr\n"
    "  --version            print the version\n"
    "\n"
    "Every command has --help. Exit status: 0 ok, 1 exceptions remain, 2 bad input or usage\n"
    "(nothing changed), 3 network/Xero/Amazon failure, 4 internal error.\n";

static const struct {
    const char *name;
    int (*run)(struct cli *g);
} commands[] = {
    { "init", cli_init },
    { "ingest", cli_ingest },
    { "fetch", cli_fetch },
    { "settlements", cli_settlements },
    { "balance", cli_balance },
    { "synth", cli_synth },
    { "reconcile", cli_reconcile },
    { "exceptions", cli_exceptions },
    { "audit", cli_audit },
    { "post", cli_post },
    { "outbox", cli_outbox },
    { "report", cli_report },
    { "period", cli_period },
    { "close", cli_close },
    { "auth", cli_auth },
};

/* Takes the global options out of argv wherever they appear, so both
 * `settlebook --ledger x ingest f` and `settlebook ingest --ledger x f` work. */
static int take_globals(struct cli *g, int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--ledger") == 0 ? &g->ledger
                          : strcmp(a, "--config") == 0 ? &g->config
                          : strcmp(a, "--reports") == 0 ? &g->reports : NULL;
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (slot) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "settlebook: %s needs a value\n", a);
                return -1;
            }
            *slot = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            g->json = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            log_set_level(LOG_QUIET);
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            log_set_level(LOG_VERBOSE);
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    return 0;
}

int main(int argc, char **argv)
{
    struct cli g = { .ledger = "settlebook.db", .config = "settlebook.json",
                     .reports = "reports" };
    if (take_globals(&g, &argc, argv) < 0)
        return 2;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("settlebook %s\n", SETTLEBOOK_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            g.argc = argc - 1;
            g.argv = argv + 1;
            return commands[i].run(&g);
        }
    fprintf(stderr, "settlebook: unknown command '%s' (settlebook --help lists them)\n",
            argv[1]);
    return 2;
}
