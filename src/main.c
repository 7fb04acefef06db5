/* main — turns argv into global options and a command, then runs that command. No business
 * logic lives here. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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
    "  mappings             the mapping rules and what they map; --review, --accept KEY\n"
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
    "Options and files mix in any order; -- ends the options. Every command has --help\n"
    "(and man settlebook). Exit status: 0 ok, 1 exceptions remain, 2 bad input or usage\n"
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
    { "mappings", cli_mappings },
    { "audit", cli_audit },
    { "post", cli_post },
    { "outbox", cli_outbox },
    { "report", cli_report },
    { "period", cli_period },
    { "close", cli_close },
    { "auth", cli_auth },
};

int main(int argc, char **argv)
{
    struct cli g = { .ledger = "settlebook.db", .config = "settlebook.json",
                     .reports = "reports" };
    const char *names[sizeof commands / sizeof commands[0] + 1];
    const char *best;
#ifdef __GLIBC__
    /* A fixed threshold: glibc otherwise raises it to the size of each large block freed, so
     * the growing hash sets and arrays of a million-line close come from the heap and their
     * freed copies stay resident; mapped, each goes back to the system when freed (a 4M-line
     * close's peak 64 -> 57 MB, with two threads each holding its own). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
    if (cli_globals(&g, &argc, argv) < 0)
        return 2;
    log_set_json(g.json);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("settlebook %s\n", SETTLEBOOK_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        names[i] = commands[i].name;
        if (strcmp(argv[1], commands[i].name) == 0) {
            g.argc = argc - 1;
            g.argv = argv + 1;
            g.cmd = commands[i].name;
            /* a --config given must exist, for every command (init writes it) */
            if (g.config_given && strcmp(g.cmd, "init") != 0 && access(g.config, F_OK) != 0) {
                log_error("%s: no such config file: check the path, or run `settlebook init "
                          "--config %s` to write one", g.config, g.config);
                return 2;
            }
            return commands[i].run(&g);
        }
    }
    names[sizeof commands / sizeof commands[0]] = NULL;
    if (argv[1][0] == '-') {
        best = cli_nearest_global(argv[1]);
        cli_usage_error(NULL, best ? "unknown option %s; did you mean %s?" : "unknown option %s",
                        argv[1], best);
        return 2;
    }
    best = cli_nearest(argv[1], names);
    if (best)
        cli_usage_error(NULL, "unknown command '%s'; did you mean %s?", argv[1], best);
    else
        cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    return 2;
}
