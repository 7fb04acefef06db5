/* cli_audit — `settlebook audit verify`: recomputes the audit log's SHA-256 chain. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook audit verify [--json]\n"
    "Recomputes the hash chain of the audit log; exit 0 when intact, 1 when any entry was\n"
    "altered or removed.\n";

static const char *const subs[] = { "verify", NULL };

int cli_audit(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg;
    struct cli_args a;
    int64_t n = 0;
    int rc;

    if (cli_args_parse(g, NULL, &a, usage) != 0)
        return a.status;
    if (a.npos == 0)
        return cli_usage_error(g->cmd, "which? settlebook audit verify"), 2;
    if (cli_choose(g, a.pos[0], subs) < 0 || cli_no_operands(g, &a, 1) < 0)
        return 2;
    if (cli_ledger_open(g, &lg, 0, &e) < 0)
        return cli_fail(&e);
    rc = ledger_audit_verify(lg, &n, &e);
    ledger_close(lg);
    if (rc < 0)
        log_error("%s", e.msg);
    if (g->json) {
        struct jw w;
        jw_init(&w, 2);
        jw_obj(&w);
        jw_kstr(&w, "chain", rc < 0 ? "broken" : "intact");
        jw_kint(&w, "entries", n);
        if (rc < 0)
            jw_kstr(&w, "error", e.msg);
        jw_end_obj(&w);
        cli_json_out(jw_text(&w));
        jw_free(&w);
    } else if (rc < 0) {
        printf("audit chain BROKEN after %lld entries\n", (long long)n);
    } else {
        printf("audit chain intact: %lld entries\n", (long long)n);
    }
    return rc < 0 ? 1 : 0;
}
