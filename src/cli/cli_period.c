/* cli_period — `settlebook period lock|unlock|list [YYYY-MM]`. Locks are audited. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook period lock YYYY-MM | unlock YYYY-MM | list\n"
    "A locked month keeps its journals as they are; lines that arrive late for it are booked\n"
    "on the first open month after it and flagged PERIOD_LOCKED.\n";

static int print_month(void *arg, const char *month, const char *state)
{
    (void)arg;
    return printf("%s %s\n", month, state) < 0 ? -1 : 0;
}

static int list(struct ledger *lg, struct err *e)
{
    return period_each(lg, print_month, NULL, e);
}

int cli_period(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    int lock, rc;
    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (g->argc == 2 && strcmp(g->argv[1], "list") == 0) {
        if (ledger_open(&lg, g->ledger, 0, &e) < 0 || list(lg, &e) < 0)
            goto fail;
        ledger_close(lg);
        return 0;
    }
    if (g->argc != 3 || (strcmp(g->argv[1], "lock") && strcmp(g->argv[1], "unlock"))) {
        fputs(usage, stderr);
        return 2;
    }
    lock = strcmp(g->argv[1], "lock") == 0;
    if (period_parse(g->argv[2], &e) < 0 || ledger_open(&lg, g->ledger, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, lock ? "period lock" : "period unlock");
    rc = ledger_begin(lg, &e);
    if (rc == 0 && period_set(lg, g->argv[2], lock, &e) < 0) {
        ledger_rollback(lg);
        rc = -1;
    }
    if (rc < 0 || ledger_commit(lg, &e) < 0)
        goto fail;
    log_info("period %s %s", g->argv[2], lock ? "locked" : "unlocked");
    ledger_close(lg);
    return 0;
fail:
    log_error("%s", e.msg);
    ledger_close(lg);
    return err_exit_code(&e);
}
