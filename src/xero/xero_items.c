/* xero_items — the Xero Items an orders-mode month needs and Xero lacks, as PUT /Items
 * requests (at most XERO_BATCH_MAX a request) under the outbox settlement "ITEMS-<month>", so
 * they are created exactly once and before the invoices whose lines carry their ItemCode.
 * Pure: the codes come loaded; nothing here reads the ledger. */
#include <stdio.h>
#include <string.h>

#include "xero.h"

int xero_render_items(const char *month, const char (*codes)[TEXT_ITEM_CODE_MAX],
                      const char (*names)[XERO_ITEM_NAME_MAX], size_t n,
                      const struct config *cfg, struct xero_reqs *out, struct err *e)
{
    for (size_t from = 0; from < n; from += XERO_BATCH_MAX) {
        size_t to = n - from > XERO_BATCH_MAX ? from + XERO_BATCH_MAX : n;
        struct xero_req q;
        struct jw w;
        int rc;
        memset(&q, 0, sizeof q);
        snprintf(q.settlement_id, sizeof q.settlement_id, XERO_ITEMS_PREFIX "%s", month);
        snprintf(q.month, sizeof q.month, "%s", month);
        snprintf(q.doc_number, sizeof q.doc_number, "item %s", codes[from]);
        snprintf(q.method, sizeof q.method, "PUT");
        snprintf(q.path, sizeof q.path, "/Items");
        snprintf(q.query, sizeof q.query, "summarizeErrors=false");
        snprintf(q.kind, sizeof q.kind, "item");
        q.documents = (int)(to - from);
        jw_init(&w, 0);
        jw_obj(&w);
        jw_key(&w, "Items");
        jw_arr(&w);
        for (size_t i = from; i < to; i++) {
            jw_obj(&w);
            jw_kstr(&w, "Code", codes[i]);
            jw_kstr(&w, "Name", names[i]);
            jw_key(&w, "IsSold");
            jw_bool(&w, 1);
            jw_key(&w, "SalesDetails");
            jw_obj(&w);
            jw_kstr(&w, "AccountCode", cfg->accounts[ACCT_SALES]);
            jw_end_obj(&w);
            jw_end_obj(&w);
        }
        jw_end_arr(&w);
        jw_end_obj(&w);
        rc = xero_reqs_add(out, &q, jw_text(&w), e);
        jw_free(&w);
        if (rc < 0)
            return -1;
    }
    return 0;
}
