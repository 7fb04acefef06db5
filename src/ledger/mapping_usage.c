/* mapping_usage — which rule maps what: the settlement lines grouped by (transaction type,
 * amount type, description, marketplace, currency) with counts and sums, each group mapped
 * by the effective rules, and which groups a human should review (no rule, or only a
 * wildcard rule for a description Amazon's known vocabulary does not have). Reads only. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

static const char GROUPS[] =
    "SELECT l.transaction_type, l.amount_type, l.amount_description, "
    "coalesce(nullif(l.marketplace, ''), s.marketplace), s.currency, count(*), "
    "sum(l.amount_minor) FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id "
    "WHERE " PERIOD_SCOPE_SQL " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5";

/* Amazon's common (amount type, description) pairs: the settlement flat file V2 samples,
 * the V1 layout's fee columns and Seller Central's transaction help. A pattern rule maps
 * them by design, so only descriptions outside this list raise NEW_AMOUNT_TYPE. */
static const char *const known[][2] = {
    { "ItemPrice", "Principal" }, { "ItemPrice", "Shipping" }, { "ItemPrice", "Tax" },
    { "ItemPrice", "ShippingTax" }, { "ItemPrice", "GiftWrap" }, { "ItemPrice", "GiftWrapTax" },
    { "ItemPrice", "Goodwill" }, { "ItemPrice", "RestockingFee" },
    { "ItemPrice", "ReturnShipping" }, { "ItemPrice", "ExportCharge" },
    { "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal" },
    { "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping" },
    { "ItemWithheldTax", "MarketplaceFacilitatorTax-Giftwrap" },
    { "ItemWithheldTax", "MarketplaceFacilitatorTax-Other" },
    { "ItemWithheldTax", "LowValueGoodsTax-Principal" },
    { "ItemWithheldTax", "LowValueGoodsTax-Shipping" },
    { "Promotion", "Principal" }, { "Promotion", "Shipping" }, { "Promotion", "GiftWrap" },
    { "Promotion", "TaxDiscount" },
    { "ItemFees", "Commission" }, { "ItemFees", "RefundCommission" },
    { "ItemFees", "FBAPerUnitFulfillmentFee" }, { "ItemFees", "FBAPerOrderFulfillmentFee" },
    { "ItemFees", "FBAWeightBasedFee" }, { "ItemFees", "ShippingChargeback" },
    { "ItemFees", "GiftwrapChargeback" }, { "ItemFees", "ShippingHB" },
    { "ItemFees", "VariableClosingFee" }, { "ItemFees", "FixedClosingFee" },
    { "ItemFees", "SalesTaxCollectionFee" }, { "ItemFees", "DigitalServicesFee" },
    { "ItemFees", "DigitalServicesFeeFBA" }, { "ItemFees", "LiquidationsBrokerageFee" },
    { "ItemFees", "RefundAdministrationFee" }, { "ItemFees", "TechnologyFee" },
    { "Cost of Advertising", "TransactionTotalAmount" },
    { "other-transaction", "Subscription Fee" }, { "other-transaction", "Storage Fee" },
    { "other-transaction", "Subscription" }, { "other-transaction", "StorageRenewalBilling" },
    { "other-transaction", "Current Reserve Amount" },
    { "other-transaction", "Previous Reserve Amount Balance" },
    { "FBA Inventory Reimbursement", "REVERSAL_REIMBURSEMENT" },
    { "FBA Inventory Reimbursement", "WAREHOUSE_DAMAGE" },
    { "FBA Inventory Reimbursement", "WAREHOUSE_LOST" },
    { "FBA Inventory Reimbursement", "WAREHOUSE_LOST_MANUAL" },
    { "FBA Inventory Reimbursement", "CUSTOMER_RETURN" },
    { "FBA Inventory Reimbursement", "FREE_REPLACEMENT_REFUND_ITEMS" },
    { "FBA Inventory Reimbursement", "MISSING_FROM_INBOUND" },
    { "FBA Inventory Reimbursement", "COMPENSATED_CLAWBACK" },
    { "Subscription Fee", "Subscription Fee" }, { "MiscFees", "MiscFee" },
    { "other-transaction", "REVERSAL_REIMBURSEMENT" }, { "other-transaction", "WAREHOUSE_DAMAGE" },
    { "other-transaction", "WAREHOUSE_LOST" }, { "other-transaction", "WAREHOUSE_LOST_MANUAL" },
    { "other-transaction", "CUSTOMER_RETURN" }, { "other-transaction", "MISSING_FROM_INBOUND" },
};

int mapping_known(const char *amount_type, const char *description)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i][0], amount_type) == 0 && strcmp(known[i][1], description) == 0)
            return 1;
    return 0;
}

int mapping_rule_wildcard(const struct mapping_rule *r)
{
    const char *d = r->amount_description;
    return !d[0] || strpbrk(d, "*?[") != NULL;
}

/* 1 when some rule that matches the combination names its description literally (a rule
 * with a more specific transaction type may still win: the description is known). */
static int named_literally(const struct mapping *m, const char *tt, const char *at,
                           const char *ad, const char *mk)
{
    for (size_t i = 0; i < m->n; i++) {
        const struct mapping_rule *r = &m->rules[i];
        if (!mapping_rule_wildcard(r) && strcmp(r->amount_description, ad) == 0 &&
            mapping_find_rule_matches(r, tt, at, ad, mk))
            return 1;
    }
    return 0;
}

int mapping_needs_review(const struct mapping *m, const struct mapping_rule *r,
                         const char *tt, const char *at, const char *ad, const char *mk)
{
    if (!r)
        return 1;
    return mapping_rule_wildcard(r) && !mapping_known(at, ad) &&
           !named_literally(m, tt, at, ad, mk);
}

void mapping_key(const char *tt, const char *at, const char *ad, const char *mk,
                 char out[16])
{
    struct hash_ctx *h = NULL;
    char hex[HASH_HEX_LEN];
    struct err e = {0};
    const char *f[4] = { tt, at, ad, mk };
    if (hash_new(&h, &e) < 0) {
        snprintf(out, 16, "?");
        return;
    }
    for (int i = 0; i < 4; i++)
        hash_update(h, f[i], strlen(f[i]) + 1);   /* with the NUL: fields cannot run together */
    hash_final(h, hex);
    snprintf(out, 16, "m-%.10s", hex);
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

static int add(struct mapping_usage *u, size_t *cap, const struct mapping *m,
               sqlite3_stmt *st, struct err *e)
{
    struct mapping_combo *c;
    if (u->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct mapping_combo *p = realloc(u->v, nc * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        u->v = p;
        *cap = nc;
    }
    c = &u->v[u->n++];
    memset(c, 0, sizeof *c);
    c->tt = dup(ledger_text(st, 0));
    c->at = dup(ledger_text(st, 1));
    c->ad = dup(ledger_text(st, 2));
    c->mk = dup(ledger_text(st, 3));
    if (!c->tt || !c->at || !c->ad || !c->mk)
        return err_set(e, ERR_NOMEM, "out of memory");
    snprintf(c->cur, sizeof c->cur, "%s", ledger_text(st, 4));
    c->lines = sqlite3_column_int64(st, 5);
    c->sum = sqlite3_column_int64(st, 6);
    c->rule = mapping_find(m, c->tt, c->at, c->ad, c->mk);
    c->review = mapping_needs_review(m, c->rule, c->tt, c->at, c->ad, c->mk);
    mapping_key(c->tt, c->at, c->ad, c->mk, c->key);
    return 0;
}

int mapping_usage_load(struct ledger *lg, const struct mapping *m, const char *period,
                       struct mapping_usage *out, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s, rc = 0;
    memset(out, 0, sizeof *out);
    if (ledger_prepare(lg, &st, GROUPS, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = add(out, &cap, m, st, e)) < 0)
            break;
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "mapping usage");
    sqlite3_finalize(st);
    if (rc < 0)
        mapping_usage_free(out);
    return rc;
}

void mapping_usage_free(struct mapping_usage *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n; i++) {
        free(u->v[i].tt);
        free(u->v[i].at);
        free(u->v[i].ad);
        free(u->v[i].mk);
    }
    free(u->v);
    u->v = NULL;
    u->n = 0;
}

int mapping_accepted_each(struct ledger *lg,
                          int (*fn)(void *arg, const char *detail, int64_t seq, int64_t run),
                          void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT detail, seq, run_id FROM audit_log WHERE event = "
                       "'mapping accept' ORDER BY seq", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = fn(arg, ledger_text(st, 0), sqlite3_column_int64(st, 1),
                     sqlite3_column_int64(st, 2))) < 0)
            break;
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "accepted mappings");
    sqlite3_finalize(st);
    return rc;
}

/* The latest settlement end in the ledger (YYYY-MM-DD), "" when none: when an acceptance
 * happened, told by the data rather than the clock. */
static int data_to(struct ledger *lg, char out[11], struct err *e)
{
    sqlite3_stmt *st;
    int s;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT substr(max(end_utc), 1, 10) FROM settlement", e) < 0)
        return -1;
    s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        snprintf(out, 11, "%s", ledger_text(st, 0));
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "data date");
}

int mapping_accept_audit(struct ledger *lg, const struct mapping_combo *c,
                         const struct mapping_accept *a, struct err *e)
{
    struct jw w;
    char to[11], conf[8];
    int rc;
    if (data_to(lg, to, e) < 0)
        return -1;
    snprintf(conf, sizeof conf, "%d.%02d", a->suggested_pct / 100, a->suggested_pct % 100);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_kstr(&w, "key", c->key);
    jw_kstr(&w, "transaction_type", c->tt);
    jw_kstr(&w, "amount_type", c->at);
    jw_kstr(&w, "amount_description", c->ad);
    jw_kstr(&w, "marketplace", c->mk);
    jw_kstr(&w, "account", a->account);
    jw_kstr(&w, "tax", a->tax);
    jw_kstr(&w, "category", a->category);
    jw_kstr(&w, "suggested", a->suggested);
    jw_key(&w, "confidence");
    jw_raw(&w, conf);
    jw_kstr(&w, "by", a->by);
    jw_kstr(&w, "data_to", to);
    jw_end_obj(&w);
    rc = jw_text(&w) ? ledger_audit(lg, "mapping accept", jw_text(&w), e)
                     : err_set(e, ERR_NOMEM, "out of memory");
    jw_free(&w);
    return rc;
}
