/* cli_audit — `settlebook audit verify`: recomputes the audit log's SHA-256 chain. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook audit verify\n"
    "Recomputes the hash chain of the audit log; exit 0 when intact, 1 when any entry was\n"
    "altered or removed.\n";

int cli_audit(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg;
    int64_t n = 0;
    int rc;

    if (cli_wants_help(g->argc, g->argv, usage))
        return 0;
    if (g->argc != 2 || strcmp(g->argv[1], "verify") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    if (ledger_open(&lg, g->ledger, 0, &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    rc = ledger_audit_verify(lg, &n, &e);
    ledger_close(lg);
    if (rc < 0) {
        log_error("%s", e.msg);
        printf("audit chain BROKEN after %lld entries\n", (long long)n);
        return 1;
    }
    printf("audit chain intact: %lld entries\n", (long long)n);
    return 0;
}
