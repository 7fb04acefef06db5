/* xero_send — live posting: sends the outbox rows of the settlements touching a period to
 * Xero, exactly as the dry run previewed them, exactly once. Settlement by settlement, whole
 * or not at all: a preflight checks every reference first; a rejected document stops its
 * settlement (dead letter, never retried blindly); a request whose outcome is unknown is
 * looked up in Xero before anything is resent. Within Xero's limits: at most
 * xero.calls_per_minute calls in any 60 s, one at a time (Xero allows five), Retry-After and
 * X-MinLimit-Remaining / X-DayLimit-Remaining honoured, bounded retries with backoff and
 * jitter. One poster per ledger at a time (an advisory lock next to the ledger file). */
#ifndef SETTLEBOOK_XERO_SEND_H
#define SETTLEBOOK_XERO_SEND_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "ledger.h"

struct xero_send_summary {
    int64_t settlements;        /* settlements with something to send */
    int64_t posted;             /* of which now wholly confirmed */
    int64_t blocked;            /* skipped: a dead request or a changed document */
    int64_t requests;           /* requests confirmed this run */
    int64_t documents;          /* documents confirmed this run (sent or found) */
    int64_t found;              /* of which found in Xero by a lookup, not sent again */
    int64_t dead;               /* requests that went dead this run */
    int64_t problems;           /* preflight exceptions: nothing was sent */
    int64_t calls, retries;     /* HTTP calls made, of which retries */
};

/* Posts what is pending for period ("" = every settlement). Returns 0 when the run went
 * through, even if some settlements stopped (dead, blocked, preflight problems: see out;
 * the CLI exits 1 then); -1 with ERR_NET when Xero could not be reached or kept failing
 * after retries (exit 3: rerun later, nothing is sent twice), ERR_INPUT for missing
 * credentials. ledger_path names the advisory lock file (<ledger>.xero-lock). */
int xero_send_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
                   const char *period, struct xero_send_summary *out, struct err *e);

#endif
