/* post_live — live posting after the preview, for `post --live` and `close --live`: checks
 * the sign-in before any work, sends the period's outbox to Xero through xero_send_live and
 * says what happened, never in dry-run words. Writes only what xero_send_live writes
 * (outbox states, exceptions, audit). */
#include "post.h"

#include <stdio.h>
#include <string.h>

#include "xero.h"

static void report(const char *period, const struct xero_send_summary *x, int ok, int json)
{
    if (json)
        printf("{\"settlements\": %lld, \"posted\": %lld, \"blocked\": %lld, "
               "\"requests\": %lld, \"documents\": %lld, \"found\": %lld, \"dead\": %lld, "
               "\"preflight_problems\": %lld, \"calls\": %lld, \"retries\": %lld, "
               "\"bytes_downloaded\": %lld, \"ok\": %s}\n", (long long)x->settlements,
               (long long)x->posted, (long long)x->blocked, (long long)x->requests,
               (long long)x->documents, (long long)x->found, (long long)x->dead,
               (long long)x->problems, (long long)x->calls, (long long)x->retries,
               (long long)x->bytes_in, ok ? "true" : "false");
    if (log_level() >= LOG_NORMAL)
        fprintf(stderr, "settlebook: xero: posted %s to Xero: %lld settlement(s) with "
                "requests to send, %lld posted, %lld held back; %lld request(s) confirmed for "
                "%lld document(s) (%lld found already in Xero), %lld preflight problem(s); "
                "%lld call(s), %lld byte(s) downloaded, %lld retr%s, %lld dead\n",
                period[0] ? period : "every month", (long long)x->settlements,
                (long long)x->posted, (long long)x->blocked, (long long)x->requests,
                (long long)x->documents, (long long)x->found, (long long)x->problems,
                (long long)x->calls, (long long)x->bytes_in, (long long)x->retries,
                x->retries == 1 ? "y" : "ies", (long long)x->dead);
}

int post_live_ready(struct ledger *lg, const struct config *cfg,
                    struct xero_send_summary *x, struct err *e)
{
    return xero_send_prepare(lg, cfg, x, e);
}

int post_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
              const char *period, int json, int *status, struct xero_send_summary *x,
              struct err *e)
{
    int rc = xero_send_live(lg, cfg, ledger_path, period, x, e);
    report(period, x, rc == 0, json);
    if (rc < 0)
        return -1;
    if (x->dead || x->blocked || x->problems)
        *status = 1;
    return 0;
}
