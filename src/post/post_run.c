/* post_run — journals then outbox for a period in one transaction: the accounting half of
 * `post` and `close`. */
#include "post.h"

/* --verbose prints each step's wall time ("journal: cost of goods took N ms"). */
static int timed(const char *step, int64_t *t0, int rc)
{
    int64_t now = clock_mono_ms();
    if (rc == 0)
        log_verbose("journal: %s took %lld ms", step, (long long)(now - *t0));
    *t0 = now;
    return rc;
}

int post_run(struct ledger *lg, const struct config *cfg, const char *period,
             struct journal_summary *js, struct post_summary *ps, struct err *e)
{
    int64_t t = clock_mono_ms();
    if (ledger_begin(lg, e) < 0)
        return -1;
    struct cogs_summary cs;
    if (timed("sales journals", &t, journal_run(lg, cfg, period, js, e)) < 0 ||
        timed("outbox", &t, post_outbox(lg, cfg, period, ps, e)) < 0 ||
        timed("items", &t, post_items(lg, cfg, period, ps, e)) < 0 ||
        timed("cost of goods", &t, journal_cogs_run(lg, cfg, period, &cs, e)) < 0 ||
        timed("cost of goods outbox", &t, post_cogs(lg, cfg, period, ps, e)) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return timed("commit", &t, ledger_commit(lg, e));
}
