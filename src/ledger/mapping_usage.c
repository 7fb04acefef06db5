/* mapping_usage — which rule maps what: the settlement lines grouped by (transaction type,
 * amount type, description, marketplace, currency) with counts and sums, each group mapped
 * by the effective rules, and which groups a human should review (no rule, or only a
 * wildcard rule for a description Amazon's known vocabulary does not have). Reads only. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* What mapping_usage_load computes, in SQL (it was this query, see "GROUPS in one pass"):
 *   SELECT l.transaction_type, l.amount_type, l.amount_description,
 *     coalesce(nullif(l.marketplace, ''), s.marketplace), s.currency, count(*),
 *     sum(l.amount_minor) FROM settlement s JOIN settlement_line l ON l.settlement_ref = s.id
 *   WHERE <period scope> GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5 */

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
    /* UK/EU deemed supplies: the VAT Amazon collects and remits (README "Sales tax and VAT") */
    { "ItemWithheldTax", "MarketplaceFacilitatorVAT-Principal" },
    { "ItemWithheldTax", "MarketplaceFacilitatorVAT-Shipping" },
    { "ItemWithheldTax", "MarketplaceFacilitatorVAT-Giftwrap" },
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

/* ---- GROUPS in one pass ----------------------------------------------------------------
 * GROUPS sorted every line in scope (2-4 s on a million lines); the combinations are a few
 * hundred, so each settlement's lines are read in the order of its index and summed into an
 * open-addressing table of combinations, which are then sorted as GROUP BY ... ORDER BY
 * would (every field is NOT NULL text, so byte order is strcmp's). */
struct usage_pass {
    struct mapping_usage *u;
    size_t cap;
    struct keytab t;               /* index = index into u->v */
    char *key;
    size_t key_cap;
};

/* The combination of f, created with no lines when new. Key: the five fields with their
 * NULs, so fields cannot run together. */
static struct mapping_combo *combo_at(struct usage_pass *p, const char *const f[5],
                                      struct err *e)
{
    struct mapping_usage *u = p->u;
    size_t len = 0, n[5], i;
    int created;
    for (int k = 0; k < 5; k++)
        len += (n[k] = strlen(f[k]) + 1);
    if (len > p->key_cap) {
        char *b = realloc(p->key, len);
        if (!b)
            return err_set(e, ERR_NOMEM, "out of memory"), NULL;
        p->key = b;
        p->key_cap = len;
    }
    len = 0;
    for (int k = 0; k < 5; k++) {
        memcpy(p->key + len, f[k], n[k]);
        len += n[k];
    }
    if (keytab_index(&p->t, p->key, len, &i, &created, e) < 0)
        return NULL;
    if (!created)
        return &u->v[i];
    if (u->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        struct mapping_combo *v = realloc(u->v, nc * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory"), NULL;
        u->v = v;
        p->cap = nc;
    }
    struct mapping_combo *c = &u->v[u->n++];
    memset(c, 0, sizeof *c);
    c->tt = dup(f[0]);
    c->at = dup(f[1]);
    c->ad = dup(f[2]);
    c->mk = dup(f[3]);
    snprintf(c->cur, sizeof c->cur, "%s", f[4]);
    if (!c->tt || !c->at || !c->ad || !c->mk)
        return err_set(e, ERR_NOMEM, "out of memory"), NULL;
    return c;
}

static int settlement_lines(struct ledger *lg, struct usage_pass *p, int64_t ref,
                            const char *market, const char *currency, struct err *e)
{
    sqlite3_stmt *st;
    char cur[sizeof p->u->v->cur];
    int s, rc = 0;
    snprintf(cur, sizeof cur, "%s", currency);   /* as the combination keeps it */
    if (ledger_prepare(lg, &st, "SELECT transaction_type, amount_type, amount_description, "
                       "marketplace, amount_minor FROM settlement_line WHERE settlement_ref = ?",
                       e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, ref);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *f[5] = { ledger_text(st, 0), ledger_text(st, 1), ledger_text(st, 2),
                             ledger_text(st, 3), cur };
        struct mapping_combo *c;
        if (!f[3][0])
            f[3] = market;   /* coalesce(nullif(l.marketplace, ''), s.marketplace) */
        if (!(c = combo_at(p, f, e)))
            rc = -1;
        else if (c->lines++, __builtin_add_overflow(c->sum, sqlite3_column_int64(st, 4),
                                                    &c->sum))
            rc = err_set(e, ERR_INPUT, "mapping usage: integer overflow");
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "mapping usage");
    sqlite3_finalize(st);
    return rc;
}

static int combo_cmp(const void *a, const void *b)
{
    const struct mapping_combo *x = a, *y = b;
    int d;
    if ((d = strcmp(x->tt, y->tt)) || (d = strcmp(x->at, y->at)) ||
        (d = strcmp(x->ad, y->ad)) || (d = strcmp(x->mk, y->mk)))
        return d;
    return strcmp(x->cur, y->cur);
}

int mapping_usage_load(struct ledger *lg, const struct mapping *m, const char *period,
                       struct mapping_usage *out, struct err *e)
{
    struct usage_pass p = { .u = out };
    sqlite3_stmt *st;
    int s, rc = 0;
    memset(out, 0, sizeof *out);
    if (ledger_prepare(lg, &st, "SELECT s.id, s.marketplace, s.currency FROM settlement s "
                       "WHERE " PERIOD_SCOPE_SQL " ORDER BY s.id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = settlement_lines(lg, &p, sqlite3_column_int64(st, 0), ledger_text(st, 1),
                              ledger_text(st, 2), e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "mapping usage");
    sqlite3_finalize(st);
    keytab_free(&p.t);
    free(p.key);
    if (rc == 0 && out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, combo_cmp);
    if (rc == 0)
        mapping_usage_map(m, out);
    else
        mapping_usage_free(out);
    return rc;
}

void mapping_usage_map(const struct mapping *m, struct mapping_usage *u)
{
    for (size_t i = 0; i < u->n; i++) {
        struct mapping_combo *c = &u->v[i];
        c->rule = mapping_find(m, c->tt, c->at, c->ad, c->mk);
        c->review = mapping_needs_review(m, c->rule, c->tt, c->at, c->ad, c->mk);
        mapping_key(c->tt, c->at, c->ad, c->mk, c->key);
    }
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
