/* preflight — before live posting sends anything, checks every account code, tax type,
 * contact, item and tracking option that the outbox requests use, and every document date
 * against the organisation's lock dates, against the connected Xero organisation. Xero's
 * reference data (GET /Accounts, /TaxRates, /Contacts, /Items, /TrackingCategories,
 * /Organisation) is cached in the ledger (xero_ref) and refreshed with If-Modified-Since.
 * Each problem becomes an error exception (XERO_REFERENCE_MISSING, XERO_PERIOD_LOCKED) that
 * names the reference and the documents using it. Only reads Xero. */
#ifndef SETTLEBOOK_PREFLIGHT_H
#define SETTLEBOOK_PREFLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "ledger.h"
#include "xero_send_int.h"

/* Refreshes the cache's copy of the organisation's contacts (GET /Contacts with
 * If-Modified-Since, archived ones included), so the post stage knows which contacts
 * settlebook must create. One transaction. */
int preflight_contacts(struct ledger *lg, struct xclient *c, struct err *e);

struct preflight_summary {
    int64_t references;     /* distinct references checked (with dates) */
    int64_t problems;       /* exceptions written: nothing may be sent when > 0 */
    int64_t calls;          /* GETs made to refresh the cache */
};

/* Checks the pending and unknown-outcome outbox rows of period ("" = all) of the settlements
 * sids[0..n), after
 * refreshing the cache through c. Replaces the earlier preflight exceptions of those
 * settlements, in one transaction with the cache. Prints each problem on stderr. */
int preflight_run(struct ledger *lg, struct xclient *c, const char *period,
                  char (*sids)[64], size_t n,
                  struct preflight_summary *out, struct err *e);

#endif
