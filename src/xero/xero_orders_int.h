/* xero_orders_int — shared by src/xero_orders*.c. */
#ifndef SETTLEBOOK_XERO_ORDERS_INT_H
#define SETTLEBOOK_XERO_ORDERS_INT_H

#include "xero_int.h"

struct oline {
    char code[32], tax[32], tname[96], topt[96], category[32], sku[64], description[96];
    char date[11];           /* local date of its first settlement line: its month decides
                                which month's document carries it */
    int64_t amount;          /* credit positive, as in the settlement */
    int64_t quantity;        /* units on Principal lines */
    int64_t sources;
    int64_t vat;             /* Amazon's tax folded into the line (credit positive) */
    int vat_rate_bp;         /* the marketplace's vat_rate on a VAT-inclusive line, else 0 */
};

struct order {
    char id[64];
    char sale_date[11], refund_date[11];
    struct oline *sale, *refund;
    size_t sale_n, sale_cap, refund_n, refund_cap;
};

/* Document kinds, in the order their requests are sent: every payment after its document. */
enum { K_INVOICE, K_CREDIT, K_ALLOC, K_PAY, K_REFUND, K_BILL, K_BILLCREDIT, K_BILLPAY,
       K_TRANSFER, K_COUNT };

/* Documents waiting to be sent, XERO_BATCH_MAX per request, one batch per kind and month. */
struct obatch {
    int kind;
    char month[8];
    char first[96];
    struct jw w;
    int docs;
    int64_t total;
    int unitdp;              /* a document has a 4-decimal unit amount: ask unitdp=4 */
};

struct octx {
    const struct journal_view *s;
    int64_t doc_rate;        /* xero_document_rate: on every document; 0 none */
    int64_t pay_rate;        /* xero_statement_rate: on every payment; 0 none */
    struct xero_reqs *out;
    struct oline *bill;
    size_t bill_n, bill_cap;
    struct oline *liq;       /* liquidation proceeds: income, on their own invoice */
    size_t liq_n, liq_cap;
    struct obatch batches[32];
    size_t nb;
    struct { char month[8], code[32]; int64_t amount; } acct[256];  /* rendered per month
                                                                        and account */
    size_t nacct;
    struct xero_reqs staged[K_COUNT];  /* closed requests per kind, sent in kind order */
    int unitdp;              /* the document being rendered has a 4-decimal unit amount */
};

void xero_order_reset(struct order *o);
int xero_orders_bill_add(struct octx *o, const struct oline *l, struct err *e);
int xero_orders_liq_add(struct octx *o, const struct oline *l, struct err *e);
int xero_orders_flush(struct octx *o, struct order *ord, struct err *e);
int xero_orders_finish(struct octx *o, struct err *e);
int xero_orders_check(struct octx *o, struct err *e);
void xero_orders_free(struct octx *o);

#endif
