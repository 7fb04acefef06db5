/* journal_int — what src/journal*.c share. Private to the journal stage. */
#ifndef SETTLEBOOK_JOURNAL_INT_H
#define SETTLEBOOK_JOURNAL_INT_H

#include "config.h"
#include "journal.h"
#include "ledger.h"
#include "base.h"

/* One journal line being accumulated; the key is everything but amount and count. */
struct jentry {
    char month[8];
    char role[32];
    char code[CONFIG_CODE_MAX];
    char tax[CONFIG_CODE_MAX];
    char tname[CONFIG_NAME_MAX], topt[CONFIG_NAME_MAX];
    char category[32];
    char sku[64];
    money_t amount;
    int64_t count;
    money_t vat;          /* Amazon's tax folded into this line (tax-inclusive lines) */
    money_t unchecked;    /* the part of amount Amazon gave no VAT for (a settlement that
                             itemises none; a promotion without its own tax row) */
    int vat_rate_bp;      /* the marketplace's vat_rate when the line is VAT-inclusive */
    int rate_cls;         /* RATE_*: the rate Amazon charged on a sales line (its label) */
};

struct jbuild {
    struct jentry *v;
    size_t n, cap;
};

/* Lines moved out of a locked month, per original month, for PERIOD_LOCKED. */
struct jmove {
    char from[8], to[8];
    money_t amount;
    int64_t count;
};

/* The fees Amazon charged tax on (journal_feetax.c): per tax combination of a settlement,
 * the fee rule its TaxAmount folds into. */
struct fee_taxed {
    char tt[64], at[64], mk[CONFIG_NAME_MAX];
    const struct mapping_rule *rule;
};
struct feetax {
    struct fee_taxed *v;
    size_t n, cap;
};

int journal_feetax_load(struct ledger *lg, const struct config *cfg, const struct mapping *map,
                        int64_t ref, const char *settlement_mk, struct feetax *out,
                        struct err *e);
/* The same from a settlement's line groups (line_groups.c), which hold every combination of
 * its lines: the lines are not read again. */
int journal_feetax_groups(const struct config *cfg, const struct mapping *map,
                          const struct line_groups *g, const char *settlement_mk,
                          struct feetax *out, struct err *e);
/* The same for the unsettled lines the accrual of a month holds (JOURNAL_UNSETTLED_WHERE,
 * ?2 = hi). */
int journal_feetax_load_unsettled(struct ledger *lg, const struct config *cfg,
                                  const struct mapping *map, const char *hi,
                                  struct feetax *out, struct err *e);
#define JOURNAL_UNSETTLED_WHERE                                                             \
    "l.posted < ?2 AND NOT EXISTS (SELECT 1 FROM event_match m WHERE m.unsettled_id = l.id)"
void journal_feetax_free(struct feetax *f);

/* The Xero tax type of an amount mapped to rule r (folded: it is tax folded into r's line):
 * the rule's category's type, except that a fee Amazon charged no tax on gets the no-tax
 * type instead of tax.fees. mkn: the marketplace name the rule was found with. */
const char *journal_tax_type(const struct feetax *f, const struct mapping *map,
                             const struct mapping_rule *r, int folded,
                             const struct config_marketplace *m, const char *tt,
                             const char *at, const char *mkn);

/* The marketplace's vat_rate (basis points) when rule r's lines are posted VAT-inclusive
 * (a sales rule of a marketplace with a tax.sales type); 0 otherwise. */
int journal_vat_rate(const struct mapping_rule *r, const struct config_marketplace *m);

/* ---- the VAT rate Amazon charged (journal_rates.c) ---------------------------------- */
/* RATE_DEEMED: an order item Amazon withheld marketplace-facilitator tax on (a deemed
 * supply): its sales lines are zero-rated, its tax rows go to the facilitator-tax rule. */
enum { RATE_STANDARD, RATE_ZERO, RATE_REDUCED, RATE_DEEMED };
/* Added to the class of a sales line Amazon gave no VAT for, so VAT_MISMATCH cannot judge
 * it: a promotion without a tax row of its own (it took its principal's class), an untaxed
 * sale where the VAT is not itemised (standard-rated). */
#define RATE_UNCHECKED 8

/* The rate class of one order line: net (without tax) and the tax Amazon folded into it
 * over ntax tax rows; standard at std_bp within a minor unit per tax row, zero when Amazon
 * charged none, reduced at red_bp; anything else standard (VAT_MISMATCH tells). */
int journal_rate_class(int64_t net, int64_t tax, int64_t ntax, int std_bp, int red_bp);

/* The tax type of a class (standard: the given tax.sales type) and the rate Xero applies. */
const char *journal_rate_tax(const struct config_marketplace *m, int cls, const char *standard);
int journal_rate_bp(const struct config_marketplace *m, int cls, int standard_bp);

/* The rule a tax row (Tax, ShippingTax, GiftWrapTax, TaxDiscount; description desc) of a
 * deemed supply goes to instead of folding into its sales line: the rule of the matching
 * facilitator withholding (ItemWithheldTax / MarketplaceFacilitatorVAT-Principal, -Shipping,
 * -Giftwrap), so the collected and the withheld tax net to zero on that account. NULL when
 * no rule maps it. */
const struct mapping_rule *journal_deemed_rule(const struct mapping *map, const char *tt,
                                               const char *desc, const char *mkn);

/* 1 when an amount of description desc mapped to rule r (found for marketplace m) is VAT
 * Amazon withheld as the deemed supplier (MarketplaceFacilitatorVAT-*, the facilitator-tax
 * role) on a marketplace that folds its sales tax: the mark of a deemed supply. */
int journal_rule_withheld(const struct mapping_rule *r, const struct config_marketplace *m,
                          const char *desc);

/* 1 when some marketplace posts its sales tax-inclusive (a tax.sales type): only then are
 * sales classified. */
int journal_rates_wanted(const struct config *cfg);

/* Fills temp.rate_combo and temp.rate_item for the lines "table l WHERE where" (?1 bound
 * to ref, ?2 to hi when the clause uses them): every (transaction, order, SKU, sales rule)
 * Amazon charged a non-standard rate on. 1 when there is one (the grouping queries then
 * join them with JOURNAL_RATE_JOIN and read RATE_CLASS_SQL), 0 when all are standard, -1 on
 * error. */
int journal_rates_prepare(struct ledger *lg, const struct config *cfg,
                          const struct mapping *map, const char *table, const char *where,
                          int64_t ref, const char *hi, const char *settlement_mk,
                          struct err *e);
/* After journal_rates_prepare: per marketplace with sales (cm) but no VAT itemised, the
 * sum of those sales without tax (VAT_NOT_ITEMISED). */
extern const char JOURNAL_UNITEMISED_SQL[];
#define JOURNAL_RATE_COMBO                                                                  \
    "JOIN rate_combo c ON c.tt = l.transaction_type AND c.at = l.amount_type AND "          \
    "c.de = l.amount_description AND c.mk = COALESCE(l.marketplace,'')"
#define JOURNAL_RATE_JOIN                                                                   \
    " LEFT " JOURNAL_RATE_COMBO " LEFT JOIN rate_item v ON v.tt = l.transaction_type AND "  \
    "v.o = l.order_id AND v.sku = COALESCE(l.sku,'') AND v.rid = c.rid "
#define RATE_CLASS_SQL "COALESCE(v.cls, 0)"

/* The config entry of a line's marketplace-name mk, else of the settlement's. */
const struct config_marketplace *journal_line_market(const struct config *cfg,
                                                     const char *mk, const char *settlement_mk);

struct jctx {
    struct ledger *lg;
    const struct config *cfg;
    const struct mapping *map;
    struct tz *zone;
    struct journal_summary *sum;
    struct {
        int64_t ref;
        char id[64], currency[4], marketplace[CONFIG_NAME_MAX];
        char end_date[11], deposit_date[11];
        char input_sha256[65];    /* source file + config + built-in rules */
        int exp;
        money_t lines_sum;
    } s;
    struct jbuild b;
    struct feetax feetax;     /* of the settlement being built */
    int rated;                /* the sales were classified (temp.rate_g holds them) */
    struct jmove moves[24];
    size_t moves_n;
};

/* VAT_MISMATCH: per VAT-inclusive line, the VAT Xero will compute against Amazon's tax;
 * VAT_NOT_ITEMISED: per marketplace whose sales the settlement gives no VAT for. */
int journal_vat_check(struct jctx *j, struct err *e);

/* Moves a line's month to the first open month when its month is locked; records it. */
int journal_lock_move(struct jctx *j, const char *month, money_t amount, int64_t count,
                      char out[8], struct err *e);

/* 1 when the settlement's journals were built from exactly these inputs. */
int journal_inputs_same(struct jctx *j, struct err *e);

/* The journals stand as stored: an earlier POSTED_DOCUMENT_CHANGED (journal scope) of the
 * settlement no longer holds and is deleted (live posting refuses settlements that have
 * one). */
int journal_clear_changed(struct jctx *j, struct err *e);

/* Turns the merged entries into parts, compares with what the ledger holds, and writes the
 * journals (and PERIOD_LOCKED exceptions) when they changed. */
int journal_store(struct jctx *j, struct err *e);

/* The units a refunded order item puts back, shared by the cost-of-goods journal
 * (journal_cogs.c) and the orders documents' credit-note quantities (journal_restock.c), so
 * Xero's stock and settlebook's COGS move the same units. Needs CTE r (oid, item, rp: the
 * refunded principal, positive) and JOURNAL_ORDER_ITEMS_CTE's q: round(rp / order principal
 * per unit), half up, at most the order line's quantity; 1 unit when the ledger lacks the
 * order line (or its principal). */
#define JOURNAL_ORDER_ITEMS_OF(orders)                                                      \
    "SELECT l.order_id, l.order_item_code, MAX(l.quantity) AS q, SUM(CASE WHEN "            \
    "l.amount_type = 'ItemPrice' AND l.amount_description = 'Principal' THEN l.amount_minor " \
    "ELSE 0 END) AS op, MIN(COALESCE(l.posted, s.end_utc)) AS p, MAX(s.end_utc) AS e FROM "   \
    "settlement_line l JOIN settlement s ON s.id = l.settlement_ref WHERE l.transaction_type = " \
    "'Order' AND l.quantity IS NOT NULL AND l.order_id IN (" orders ") GROUP BY 1, 2"
#define JOURNAL_ORDER_ITEMS_CTE "q AS (" JOURNAL_ORDER_ITEMS_OF("SELECT oid FROM r") ")"
/* q for the orders of every refund line of the ledger: a superset of any r's orders, the
 * groups of r's orders the same (the filter is on the order alone). journal_cogs_aside leaves
 * it in temp.cogs_q, read aside during reconcile. */
#define JOURNAL_REFUNDED_ORDER_ITEMS                                                        \
    JOURNAL_ORDER_ITEMS_OF("SELECT x.order_id FROM " RARE_LINES("x", "refund"))
#define JOURNAL_PUT_BACK_UNITS                                                              \
    "CASE WHEN q.q IS NULL OR q.op <= 0 THEN min(1, coalesce(q.q, 1)) ELSE min(q.q, (2 * "   \
    "abs(r.rp) * q.q + q.op) / (2 * q.op)) END"
#define JOURNAL_PUT_BACK_JOIN                                                               \
    "r LEFT JOIN q ON q.order_id IS r.oid AND q.order_item_code IS r.item"

/* Orders documents: each refunded Principal amount of the view gets, as its quantity, the
 * units its order items put back (none with cogs.refund_restock false). */
int journal_restock_units(struct ledger *lg, struct journal_view *s, struct err *e);

/* ---- cost of goods: units sold read aside (journal_cogs_aside.c) ----------------------- */

/* 64-bit fingerprints of keys (FNV-1a; open addressing, 0 = empty), proving each order item
 * came in one run of lines: add gives 1 when key's fingerprint was there (or collides),
 * else records it (0), -1 out of memory. Zero-initialise; free v. */
struct journal_seen {
    uint64_t *v;
    size_t n, cap;
};
int journal_seen_add(struct journal_seen *s, const void *key, size_t len, struct err *e);

/* c->first of month (journal_cogs.c's chain_start): the earliest of the frozen months right
 * before it, month itself when the month before is open. */
int journal_cogs_first(struct ledger *lg, const char *month, char first[8], struct err *e);

/* count order items of sku sold in settlement ref (settlement id sid) on local date date, of
 * units each: what SOLD gives, one row per item. */
typedef int (*journal_sold_fn)(void *arg, const char *sku, const char *sid, int64_t ref,
                               const char *date, int64_t units, int64_t count, struct err *e);
/* The units sold of month's cost of goods with origins from first, as journal_cogs_aside read
 * them during reconcile: 1 when they were, and still are, exactly what SOLD gives on lg now
 * (each given to fn), 0 when the caller reads them itself (why: --verbose), -1 error. Takes
 * the work from the ledger (once). */
int journal_cogs_sold_aside(struct ledger *lg, const char *month, const char *first,
                            journal_sold_fn fn, void *arg, int *q, struct err *e);
/* With 1 in *q, the aside also left JOURNAL_REFUNDED_ORDER_ITEMS in lg's temp.cogs_q. */

#endif
