/* post_live — live posting after the preview, for `post --live` and `close --live`: sends the
 * period's outbox to Xero through xero_send_live and reports what happened. Writes only what
 * xero_send_live writes (outbox states, exceptions, audit). */
#include "post.h"

#include <stdio.h>

#include "xero.h"

static void report(const struct xero_send_summary *x, int ok, int json)
{
    if (json)
        printf("{\"settlements\": %lld, \"posted\": %lld, \"blocked\": %lld, "
               "\"requests\": %lld, \"documents\": %lld, \"found\": %lld, \"dead\": %lld, "
               "\"preflight_problems\": %lld, \"calls\": %lld, \"retries\": %lld, "
               "\"ok\": %s}\n", (long long)x->settlements, (long long)x->posted,
               (long long)x->blocked, (long long)x->requests, (long long)x->documents,
               (long long)x->found, (long long)x->dead, (long long)x->problems,
               (long long)x->calls, (long long)x->retries, ok ? "true" : "false");
    if (log_level() >= LOG_NORMAL)
        fprintf(stderr, "settlebook: xero: %lld settlement(s) to send: %lld posted, %lld "
                "blocked; %lld request(s) confirmed for %lld document(s) (%lld found already "
                "in Xero), %lld dead, %lld preflight problem(s); %lld call(s), %lld retried\n",
                (long long)x->settlements, (long long)x->posted, (long long)x->blocked,
                (long long)x->requests, (long long)x->documents, (long long)x->found,
                (long long)x->dead, (long long)x->problems, (long long)x->calls,
                (long long)x->retries);
}

int post_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
              const char *period, int json, int *status, struct err *e)
{
    struct xero_send_summary x;
    int rc = xero_send_live(lg, cfg, ledger_path, period, &x, e);
    report(&x, rc == 0, json);
    if (rc < 0)
        return -1;
    if (x.dead || x.blocked || x.problems)
        *status = 1;
    return 0;
}
