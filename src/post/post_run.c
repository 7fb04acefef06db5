/* post_run — journals then outbox for a period in one transaction: the accounting half of
 * `post` and `close`. */
#include "post.h"

int post_run(struct ledger *lg, const struct config *cfg, const char *period,
             struct journal_summary *js, struct post_summary *ps, struct err *e)
{
    if (ledger_begin(lg, e) < 0)
        return -1;
    struct cogs_summary cs;
    if (journal_run(lg, cfg, period, js, e) < 0 || post_outbox(lg, cfg, period, ps, e) < 0 ||
        post_items(lg, cfg, period, ps, e) < 0 ||
        journal_cogs_run(lg, cfg, period, &cs, e) < 0 || post_cogs(lg, cfg, period, ps, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}
