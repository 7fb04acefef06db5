/* xero — renders a settlement's journals as the exact Xero API requests (method, path,
 * query, body) for the configured posting mode. Pure: reads the ledger, writes nothing, and
 * renders identically for the dry run and for live posting. */
#ifndef SETTLEBOOK_XERO_H
#define SETTLEBOOK_XERO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "ledger.h"

#define XERO_BATCH_MAX 50   /* documents per request */

struct xero_req {
    char settlement_id[64];
    char month[8];            /* period the request belongs to */
    int seq;                  /* order within the settlement, from 1 */
    char doc_number[96];      /* first document's number, for lookups and the summary */
    char method[8];
    char path[128];
    char query[64];
    char *body;               /* compact JSON, owned */
    int documents;            /* documents in the body */
    int64_t total_minor;      /* sum of the documents' totals, for the summary */
    char kind[24];            /* "invoice", "bill", "payment", "credit-note", ... */
};

struct xero_reqs {
    struct xero_req *v;
    size_t n, cap;
    char blocked[256];        /* why this settlement cannot be rendered in this mode; "" ok */
};

void xero_reqs_free(struct xero_reqs *r);  /* frees bodies; the struct may be reused */

/* Renders every request for one settlement (by row id) in the configured mode. */
int xero_render(struct ledger *lg, const struct config *cfg, int64_t settlement_ref,
                struct xero_reqs *out, struct err *e);

/* Appends a request; takes ownership of body (a jw text copy). */
int xero_reqs_add(struct xero_reqs *r, const struct xero_req *q, const char *body,
                  struct err *e);

#endif
