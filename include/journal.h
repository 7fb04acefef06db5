/* journal — turns each settlement's amount lines into balanced double-entry journals, one
 * per calendar month its lines fall in (in the configured time zone), linked by
 * carried-forward lines so the final part carries the settlement total. Never touches Xero.
 *
 * Sign convention: amount_minor is credit-positive. A part's lines sum to zero; the final
 * part's clearing line is minus the settlement's lines sum (a debit to Amazon clearing). */
#ifndef SETTLEBOOK_JOURNAL_H
#define SETTLEBOOK_JOURNAL_H

#include <stdint.h>

#include "config.h"
#include "base.h"
#include "ledger.h"

struct journal_summary {
    int64_t settlements;   /* in scope */
    int64_t built;         /* journals (re)written */
    int64_t unchanged;     /* already up to date */
    int64_t frozen;        /* left alone: posted, or in a locked month */
    int64_t parts;
    int64_t unmapped_lines;
    int64_t moved_lines;   /* lines moved out of a locked month */
    int64_t lines_kept;    /* settlements whose lines the reconcile checks grouped already */
};

/* Builds journals for every settlement touching period ("" = all), inside the caller's
 * transaction. A settlement whose journals are unchanged is not rewritten, so a rerun
 * changes nothing. */
int journal_run(struct ledger *lg, const struct config *cfg, const char *period,
                struct journal_summary *out, struct err *e);
/* How journal_run groups a settlement's lines (ledger_groups_want's by_sku and cut): 1, or 0
 * when it groups them in SQL instead (several VAT rates), -1 error. */
int journal_line_groups(const struct config *cfg, int *by_sku, int *cut, struct err *e);

/* ---- the journals as plain data, for the Xero renderers (which touch no database) ---- */

/* One final journal line. */
struct jv_line {
    char role[32], code[32], tax[32], tname[96], topt[96], category[32], sku[64];
    char description[256];
    int64_t amount;            /* credit positive */
    int64_t sources;           /* settlement lines folded into it */
};

/* One month part of a settlement's journals. */
struct jv_part {
    int part, parts;
    char month[8], date[11];
    struct jv_line *lines;
    size_t n;
};

/* The settlement's amounts grouped by order, transaction type, amount type, description,
 * marketplace and SKU (ordered by order id), resolved through the mapping rules as the
 * journal resolves them: what the orders posting mode renders document by document. An
 * order's tax amounts (Tax, ShippingTax, TaxDiscount) that the journal folds are folded
 * into the order's amount they belong to (same transaction type, SKU, month and rule; the
 * Principal for Tax, Shipping for ShippingTax), which then carries them in vat. */
struct jv_amount {
    char order_id[64], transaction_type[64];
    char date[11];             /* local date of the group's first line (the settlement end when
                                  none); the first day of the journal part it was moved to when
                                  its month was locked */
    char code[32], tax[32], tname[96], topt[96], category[32], sku[64], description[96];
    int64_t amount;            /* credit positive, as in the settlement */
    int64_t quantity;          /* units on Principal lines */
    int64_t sources;
    int64_t vat;               /* Amazon's tax folded into this amount (tax-inclusive) */
    int vat_rate_bp;           /* the marketplace's vat_rate when VAT-inclusive, else 0 */
    int folded;                /* a tax amount folded into its line's rule (orders: into
                                  the line itself, then emptied) */
    int64_t vat_rows;          /* settlement tax rows folded into vat */
    const struct config_marketplace *mk;   /* a tax-inclusive sales amount's marketplace,
                                              whose rates classify it; else NULL */
    int withheld;              /* facilitator tax Amazon withheld (folding marketplace) */
    int principal, promo;      /* ItemPrice Principal; a promotion rule's amount */
    int deemed;                /* a deemed supply's tax: stays on the order's document, on
                                  the facilitator-tax account */
};

struct journal_view {
    int64_t ref;
    char id[64], currency[4], marketplace[96], start[11], end[11], deposit[11];
    int exp;
    int64_t total;             /* sum of lines: what the clearing side carries */
    struct jv_part *parts;
    size_t n;
    struct jv_amount *amounts; /* only when loaded with amounts */
    size_t n_amounts;
    const struct config *cfg;
    const struct config_marketplace *mk;
    char statement_date[11];   /* the bank-statement line showing the payout ("" = none yet) */
    int converted;             /* accounts.bank has no account in the settlement's currency:
                                  the payout arrives converted in the base currency's */
    int64_t statement_base;    /* then the statement line's amount, in the base currency */
    int rate_frozen;           /* a document of the settlement is (possibly) in Xero without a
                                  CurrencyRate: its documents keep Xero's daily rate */
    struct {                   /* the previous settlement, same marketplace and currency */
        char id[64];
        int64_t total;
        int parts;             /* its final journal part (0 = no journals) */
    } prev;
    int64_t payable;           /* this settlement's "Payable to Amazon" lines (credit +) */
    char payable_date[11];     /* local date of the first of them */
    /* Set by the poster before rendering orders documents: whether an invoice line may name
     * ItemCode code (an item Xero has, or one the outbox creates). NULL: never. */
    int (*item_known)(void *arg, const char *code);
    void *item_arg;
};

/* The bank line that shows a settlement's payout: the settlement's currency and amount,
 * from RECONCILE's window (1 day before to 5 days after the deposit date), nearest first. */
#define JOURNAL_STATEMENT_SQL                                                              \
    "SELECT substr(b.date, 1, 10) FROM bank_line b WHERE b.currency = ?1 AND "             \
    "b.amount_minor = ?2 AND substr(b.date, 1, 10) BETWEEN date(?3, '-1 days') AND "       \
    "date(?3, '+5 days') ORDER BY abs(julianday(substr(b.date, 1, 10)) - julianday(?3)), " \
    "b.date, b.id LIMIT 1"

/* The statement line of a foreign settlement paid into the base currency's bank account:
 * base currency ?1, a credit that names Amazon, in the same window as above. */
#define JOURNAL_STATEMENT_BASE_SQL                                                         \
    "SELECT substr(b.date, 1, 10), b.amount_minor FROM bank_line b WHERE b.currency = ?1 " \
    "AND b.amount_minor > 0 AND substr(b.date, 1, 10) BETWEEN date(?3, '-1 days') AND "    \
    "date(?3, '+5 days') AND (b.payee LIKE '%amazon%' OR b.description LIKE '%amazon%' OR " \
    "b.reference LIKE '%amazon%' OR b.payee LIKE '%amzn%' OR b.description LIKE '%amzn%' " \
    "OR b.reference LIKE '%amzn%') ORDER BY abs(julianday(substr(b.date, 1, 10)) - "       \
    "julianday(?3)), b.date, b.id LIMIT 1"

/* The settlement before ?1 (row id), as reconcile's RESERVE/PAYABLE checks find it. */
#define JOURNAL_PREVIOUS_SQL                                                               \
    "SELECT p.id, p.settlement_id, p.lines_sum_minor FROM settlement s "                   \
    PREVIOUS_SETTLEMENT_JOIN "WHERE s.id = ?1"

/* The "Payable to Amazon" lines of settlement ?1: sum, first posted date, count. */
#define JOURNAL_PAYABLE_SQL                                                                \
    "SELECT COALESCE(SUM(l.amount_minor), 0), MIN(COALESCE(l.posted,'')), COUNT(*) FROM "  \
    RARE_LINES("l", "payable") " WHERE l_k.settlement_ref = ?1"


/* Loads a settlement's final journals (and, with amounts set, its grouped amounts) into
 * out. Read-only. Free with journal_view_free, also after a failure. */
int journal_view_load(struct ledger *lg, const struct config *cfg, int64_t ref, int amounts,
                      struct journal_view *out, struct err *e);
void journal_view_free(struct journal_view *v);

/* ---- money between settlements (Finances API events) ---------------------------------- */

/* Rebuilds event_match (which settlement line settles which unsettled line) and the
 * EVENT_MATCH_AMBIGUOUS warnings, inside the caller's transaction; journal_run calls it.
 * Writes nothing when nothing changed, and nothing at all without events. */
int journal_events_match(struct ledger *lg, struct err *e);

/* The month-end accrual of one currency: lines credit-positive, the last one on
 * accounts.unsettled (debit = what Amazon owes); its reversal is the same lines negated,
 * dated the first day of the next month. */
struct accrual {
    char id[64];                 /* "ACCRUAL-2025-09-USD": its outbox name */
    char month[8], date[11];     /* the period and its last day */
    char rev_month[8], rev_date[11];
    char currency[4];
    int exp;
    struct jv_line *lines;
    size_t n;
    int64_t net;                 /* what Amazon owes (negative: what the seller owes) */
    int64_t sources;             /* unsettled lines behind it */
    const struct config *cfg;
};

/* The accruals of period (YYYY-MM) from the unsettled lines no settlement line settles, one
 * per currency, by currency; UNMAPPED exceptions (scope "accrual <period>") for amounts no
 * rule covers, which go to suspense. Caller frees with journal_accruals_free. */
int journal_accruals(struct ledger *lg, const struct config *cfg, const char *period,
                     struct accrual **out, size_t *n, struct err *e);
void journal_accruals_free(struct accrual *v, size_t n);

/* Months (YYYY-MM) that have journals, ascending; caller frees *out. */
int journal_months(struct ledger *lg, char (**out)[8], size_t *n, struct err *e);


/* ---- cost of goods sold (journal_cogs.c): one balanced journal per month ------------- */

/* The outbox "settlement" of month P's cost-of-goods journal: "COGS-<P>". */
#define COGS_SID_PREFIX "COGS-"

struct cogs_summary {
    int64_t months;            /* months in scope */
    int64_t built, unchanged, frozen;
    int64_t missing;           /* SKUs sold without a cost (MISSING_COST) */
};

/* Builds the cost-of-goods journal of each month in scope (period, or every month that has
 * settlement journals when ""), inside the caller's transaction: units sold per SKU (Order
 * lines posted in the month) less units put back (refunded order items, unless
 * cogs.refund_restock is false), each at the unit cost in force on its posted date. SKUs
 * whose Xero Item is tracked inventory are left out (Xero books their cost). A SKU sold
 * without a cost raises MISSING_COST and marks the journal blocked. Nothing at all while the
 * ledger holds no unit cost (cost of goods is opt-in). A rerun with the same
 * inputs writes nothing; a posted journal or a locked month is never rebuilt. */
int journal_cogs_run(struct ledger *lg, const struct config *cfg, const char *period,
                     struct cogs_summary *out, struct err *e);

/* Starts reading the units sold of period's cost of goods on a second connection, in a
 * thread of its own (ledger_aside_start), while the caller's connection goes on (close's
 * reconcile); journal_cogs_run takes them later in the run instead of reading them itself,
 * when nothing they depend on changed meanwhile. Nothing when period is "" or the ledger has
 * no unit cost. The ledger holds the work: ledger_kept_drop stops and frees it. */
int journal_cogs_aside(struct ledger *lg, const struct config *cfg, const char *period,
                       struct err *e);

/* One line of a cost-of-goods journal (credit positive, like journal_line). */
struct cogs_view_line {
    char sku[128], code[32], description[256];
    int64_t units, unit_cost, amount;
    int writeoff;              /* 1: a write-off pair (inventory_writeoff / inventory) */
};

struct cogs_view {
    char month[8], date[11], currency[4], sid[16];
    int exp;
    int64_t total;             /* cost of goods sold booked (its debits) */
    int64_t writeoff;          /* inventory written off (net: found units reverse) */
    char blocked[256];         /* "MISSING_COST: ..." while it may not be sent; "" otherwise */
    int64_t tracked;           /* SKUs left to Xero (tracked inventory items) */
    struct cogs_view_line *lines;
    size_t n;
    int found;                 /* 0 when the month has no cost-of-goods journal */
    const struct config *cfg;
};

/* Loads month's cost-of-goods journal (found = 0 when there is none). Read-only. */
int journal_cogs_load(struct ledger *lg, const struct config *cfg, const char *month,
                      struct cogs_view *out, struct err *e);
void journal_cogs_free(struct cogs_view *v);

/* Calls fn for each month that has a cost-of-goods journal and lies in period ("" = all). */
int journal_cogs_months(struct ledger *lg, const char *period,
                        int (*fn)(void *arg, const char *month), void *arg, struct err *e);

#endif
