/* post_int — what the post stage's files share. Private to src/post/. */
#ifndef SETTLEBOOK_POST_INT_H
#define SETTLEBOOK_POST_INT_H

#include "post.h"
#include "xero.h"

/* Brings the outbox rows of sid to reqs: identical rows stay, unposted ones are replaced, and
 * a difference from something already in Xero becomes POSTED_DOCUMENT_CHANGED. Counts into
 * out. Inside the caller's transaction. */
int post_queue(struct ledger *lg, const char *sid, const struct xero_reqs *reqs,
               struct post_summary *out, struct err *e);

/* The rendered requests as outbox rows (borrowing their strings), without contact requests,
 * at least two rows long (post_accrual.c); caller frees *out. */
int post_rows(const struct xero_reqs *reqs, struct outbox_new **out, struct err *e);

/* Which ItemCodes a settlement's orders-mode invoices may carry (post_items.c): the items the
 * preflight cached from Xero and those ITEMS-* outbox rows create, or every SKU while the
 * outbox creates missing items (orders mode with unit costs). A settlement already (partly)
 * posted keeps the codes its rows carry, so re-rendering it never differs from what Xero
 * holds because the cache learnt an item later. */
struct post_items_known {
    char (*v)[TEXT_ITEM_CODE_MAX];
    size_t n, cap;
    int all;
};
int post_items_known_load(struct ledger *lg, const struct config *cfg, const char *sid,
                          struct post_items_known *k, struct err *e);
int post_items_known_has(void *arg, const char *code);
void post_items_known_free(struct post_items_known *k);

/* VAT_MISMATCH (warning, scope post) for each line of reqs->vat (orders mode); the
 * settlement's earlier ones go. Writes nothing when they are the same. */
int post_vat(struct ledger *lg, const char *sid, const struct journal_view *s,
             const struct xero_reqs *reqs, struct err *e);

/* The outbox rows a month's preview holds (outbox o LEFT JOIN settlement s, the month bound
 * as ?1), in its order: items first, then settlements by start, cost of goods, accruals. */
#define POST_PREVIEW_ROWS_WHERE                                                             \
    "o.month = ?1 AND o.state != 'superseded' AND (s.id IS NOT NULL OR o.settlement_id "    \
    "GLOB '" COGS_SID_PREFIX "*' OR o.settlement_id GLOB '" XERO_ITEMS_PREFIX "*' OR "      \
    "o.settlement_id GLOB 'ACCRUAL-*')"
#define POST_PREVIEW_ROWS_ORDER                                                             \
    "o.settlement_id GLOB '" XERO_ITEMS_PREFIX "*' DESC, s.id IS NULL, o.settlement_id "    \
    "GLOB 'ACCRUAL-*', s.start_utc, o.settlement_id, o.seq"

/* The readable preview's totals per account, from the month's requests (post_totals.c). */
int post_totals_print(struct ledger *lg, const struct config *cfg, const char *period,
                      struct err *e);

#endif
