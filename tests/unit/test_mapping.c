/* test_mapping — which rule wins. mapping_find over hand-made rule lists: marketplace beats
 * transaction-type beats amount-type beats amount-description, literal beats pattern beats
 * '*' field by field, a tie goes to the earlier rule, so a user rule beats a built-in one of
 * the same specificity (user rules come first). Then mapping_load on a real ledger: user
 * rules before the built-in ones, codes resolved, and the built-in vocabulary's winners.
 * Each case's rules go through mapping_load (user rules from a config file the test writes,
 * built-in ones as the rows of a scratch ledger's mapping_default), so the scores are the
 * ones settlebook computes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "config.h"
#include "ledger.h"
#include "t.h"
#include "tdir.h"

#define RULES_MAX 4

/* A rule as "marketplace|transaction-type|amount-type|description|label"; a leading 'U' marks
 * a user rule (from settlebook.json). The winner is named by its label. */
static const struct {
    const char *name;
    const char *rules[RULES_MAX];
    const char *tt, *at, *desc, *mp;   /* the amount looked up */
    const char *want;                  /* label of the winner, NULL: no rule matches */
} cases[] = {
    { "marketplace outranks all three other fields",
      { "*|Order|ItemPrice|Principal|all3", "UAmazon.com|*|*|*|mp" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "mp" },
    { "...in either order",
      { "UAmazon.com|*|*|*|mp", "U*|Order|ItemPrice|Principal|all3" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "mp" },
    { "transaction-type outranks amount-type and description",
      { "*|*|ItemPrice|Principal|at+desc", "*|Order|*|*|tt" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "tt" },
    { "amount-type outranks description",
      { "*|*|*|Principal|desc", "*|*|ItemPrice|*|at" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "at" },
    { "description outranks nothing",
      { "*|*|*|*|any", "*|*|*|Principal|desc" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "desc" },
    { "literal beats pattern in the same field",
      { "*|Ord*|*|*|pattern", "*|Order|*|*|literal" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "literal" },
    { "...in either order",
      { "*|Order|*|*|literal", "*|Ord*|*|*|pattern" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "literal" },
    { "pattern beats '*'",
      { "*|*|*|*|star", "*|Ord?r|*|*|pattern" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "pattern" },
    { "a [class] is a pattern too",
      { "*|*|*|*|star", "*|[OR]*|*|*|class" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "class" },
    { "a pattern in a higher field beats literals in every lower one",
      { "*|*|ItemPrice|Principal|lower", "*|Ord*|*|*|higher" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "higher" },
    { "a marketplace pattern beats three literals",
      { "U*|Order|ItemPrice|Principal|all3", "UAmazon.*|*|*|*|mp" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "mp" },
    { "a tie goes to the earlier rule",
      { "*|Order|*|*|first", "*|Order|*|*|second" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "first" },
    { "a tie of different patterns goes to the earlier rule",
      { "*|*|*|Prin*|first", "*|*|*|*cipal|second" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "first" },
    { "an empty field is '*': a tie",
      { "||||empty", "*|*|*|*|star" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "empty" },
    { "a user rule beats a built-in one of equal specificity",
      { "U*|*|ItemPrice|Principal|user", "*|*|ItemPrice|Principal|builtin" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "user" },
    { "a more specific built-in rule beats a user rule",
      { "U*|*|ItemPrice|*|user", "*|*|ItemPrice|Principal|builtin" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "builtin" },
    { "a more specific rule that does not match does not block",
      { "*|Order|ItemFees|*|fees", "*|Order|*|*|order" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "order" },
    { "the best match wins even when it comes last",
      { "*|*|*|*|a", "*|*|ItemPrice|*|b", "*|Order|*|*|c", "*|Order|ItemPrice|*|d" },
      "Order", "ItemPrice", "Principal", "Amazon.com", "d" },
    { "another marketplace's rule does not match",
      { "UAmazon.de|*|*|*|de", "*|Refund|*|*|refund" },
      "Order", "ItemPrice", "Principal", "Amazon.com", NULL },
    { "a literal does not match an empty value",
      { "*|*|*|Principal|desc" },
      "Order", "ItemPrice", "", "Amazon.com", NULL },
    { "'*' matches an empty value",
      { "*|*|*|*|any" },
      "Order", "ItemPrice", "", "", "any" },
    { "no rules, no winner", { NULL }, "Order", "ItemPrice", "Principal", "Amazon.com", NULL },
};

/* Splits "mp|tt|at|desc|label" into f[5] (in buf). */
static void split(const char *spec, char *buf, size_t cap, char *f[5])
{
    char *p = buf;
    int n = 0;
    snprintf(buf, cap, "%s", spec);
    for (f[n++] = p; n < 5 && (p = strchr(p, '|')) != NULL; f[n++] = ++p)
        *p = '\0';
}

/* The case's rules, loaded as settlebook would load them: user rules from a config file,
 * built-in ones as the ledger's only mapping_default rows. */
static int load_case(size_t i, struct ledger *lg, struct config *cfg, struct mapping *m,
                     struct err *e)
{
    struct jw w;
    char path[512], buf[512], *f[5];
    int rc = ledger_exec(lg, "DELETE FROM mapping_default", e);
    jw_init(&w, 0);
    jw_obj(&w);
    jw_key(&w, "mappings");
    jw_arr(&w);
    for (size_t k = 0; rc == 0 && k < RULES_MAX && cases[i].rules[k]; k++) {
        const char *spec = cases[i].rules[k];
        sqlite3_stmt *st;
        split(spec + (spec[0] == 'U'), buf, sizeof buf, f);
        if (spec[0] == 'U') {
            jw_obj(&w);
            jw_kstr(&w, "marketplace", f[0]);
            jw_kstr(&w, "transaction_type", f[1]);
            jw_kstr(&w, "amount_type", f[2]);
            jw_kstr(&w, "amount_description", f[3]);
            jw_kstr(&w, "account", "sales");
            jw_kstr(&w, "category", f[4]);
            jw_end_obj(&w);
            continue;
        }
        if (f[0][0] && strcmp(f[0], "*") != 0) { /* built-in rules have no marketplace */
            rc = err_set(e, ERR_INTERNAL, "case %zu: a built-in rule with a marketplace", i);
            break;
        }
        rc = ledger_prepare(lg, &st, "INSERT INTO mapping_default(transaction_type, "
                            "amount_type, amount_description, account_role, tax, category) "
                            "VALUES (?, ?, ?, 'sales', 'sales', ?)", e);
        if (rc == 0) {
            for (int c = 1; c <= 4; c++)
                sqlite3_bind_text(st, c, f[c], -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = ledger_fail(lg, e, "insert rule");
            sqlite3_finalize(st);
        }
    }
    jw_end_arr(&w);
    jw_end_obj(&w);
    if (rc == 0)
        rc = tdir_write("case.json", jw_text(&w), (size_t)-1, path, sizeof path);
    jw_free(&w);
    if (rc == 0)
        rc = config_load(cfg, path, 1, e);
    if (rc == 0 && (rc = mapping_load(m, lg, cfg, e)) < 0)
        config_free(cfg);
    return rc;
}

static void check_find(struct ledger *lg)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config cfg;
        struct mapping m;
        struct err e = { 0 };
        const struct mapping_rule *r;
        if (load_case(i, lg, &cfg, &m, &e) < 0) {
            CHECK(0, "%s: set-up: %s", cases[i].name, e.msg);
            continue;
        }
        r = mapping_find(&m, cases[i].tt, cases[i].at, cases[i].desc, cases[i].mp);
        CHECK(cases[i].want ? r && strcmp(r->category, cases[i].want) == 0 : r == NULL,
              "%s: winner %s, want %s", cases[i].name, r ? r->category : "(none)",
              cases[i].want ? cases[i].want : "(none)");
        mapping_free(&m);
        config_free(&cfg);
    }
}

/* Through mapping_load: the config's rules, then the built-in ones (sql/003). */
static const char config_text[] =
    "{ \"accounts\": { \"sales\": \"4000\", \"shipping\": \"4001\", \"refunds\": \"4002\",\n"
    "    \"sales_tax\": \"2200\", \"marketplace_facilitator_tax\": \"2201\",\n"
    "    \"fees_selling\": \"6000\", \"fees_fba\": \"6001\", \"fees_advertising\": \"6002\",\n"
    "    \"fees_subscription\": \"6003\", \"reserves\": \"1200\" },\n"
    "  \"mappings\": [\n"
    "    { \"amount_type\": \"ItemPrice\", \"amount_description\": \"Principal\",\n"
    "      \"account\": \"4010\", \"category\": \"UserSales\" },\n"
    "    { \"transaction_type\": \"Order\", \"amount_type\": \"ItemFees\",\n"
    "      \"account\": \"sales\", \"tax\": \"fees\", \"category\": \"UserFees\" },\n"
    "    { \"marketplace\": \"Amazon.de\", \"account\": \"4999\", \"category\": \"DE\" }\n"
    "  ] }\n";

static const struct {
    const char *tt, *at, *desc, *mp;
    const char *category, *code;     /* the winner's, NULL: unmapped */
    int user;
} loaded[] = {
    /* the user rule ties the built-in ('*','ItemPrice','Principal') and comes first */
    { "Order", "ItemPrice", "Principal", "Amazon.com", "UserSales", "4010", 1 },
    /* a transaction-type literal: the user rule beats every built-in ItemFees rule */
    { "Order", "ItemFees", "FBAPerUnitFulfillmentFee", "Amazon.com", "UserFees", "4000", 1 },
    /* a marketplace literal outranks everything else */
    { "Refund", "ItemPrice", "Principal", "Amazon.de", "DE", "4999", 1 },
    /* built-in winners: tt literal over '*', description pattern over '*', ties earlier */
    { "Refund", "ItemPrice", "Principal", "Amazon.com", "Refunds", "4002", 0 },
    { "Refund", "ItemPrice", "Tax", "Amazon.com", "Sales tax", "2200", 0 },
    { "Order", "ItemPrice", "Tax", "Amazon.com", "Sales tax", "2200", 0 },
    { "Order", "ItemPrice", "Shipping", "Amazon.com", "Shipping", "4001", 0 },
    { "Order", "ItemPrice", "MarketplaceFacilitatorTax-Principal", "Amazon.com",
      "Marketplace facilitator tax", "2201", 0 },
    { "Refund", "ItemFees", "Commission", "Amazon.com", "Selling fees", "6000", 0 },
    { "Refund", "ItemFees", "FBAPerUnitFulfillmentFee", "Amazon.com", "FBA fees", "6001", 0 },
    { "Refund", "ItemFees", "ShippingChargeback", "Amazon.com", "FBA fees", "6001", 0 },
    { "ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "Amazon.com",
      "Advertising", "6002", 0 },
    { "ServiceFee", "other-transaction", "Subscription Fee", "Amazon.com", "Subscription",
      "6003", 0 },
    { "other-transaction", "other-transaction", "Previous Reserve Amount Balance",
      "Amazon.com", "Reserve", "1200", 0 },
    { "Liquidations", "other-transaction", "LiquidationsBrokerageFee", "Amazon.com",
      "FBA fees", "6001", 0 },
    { "Mystery", "Weird", "Thing", "Amazon.com", NULL, NULL, 0 },
};

static void check_load(void)
{
    struct config cfg;
    struct ledger *lg = NULL;
    struct mapping m = { 0 };
    struct err e = { 0 };
    char db[512], cf[512];
    if (tdir_write("settlebook.json", config_text, (size_t)-1, cf, sizeof cf) < 0 ||
        config_load(&cfg, cf, 1, &e) < 0 ||
        ledger_open(&lg, tdir_path(db, sizeof db, "ledger.db"), 1, &e) < 0 ||
        mapping_load(&m, lg, &cfg, &e) < 0) {
        CHECK(0, "set-up: %s", e.msg);
        ledger_close(lg);
        return;
    }
    CHECK(m.n == 3 + 65, "3 user + 65 built-in rules, got %zu", m.n);
    for (size_t i = 0; i < m.n; i++)
        CHECK(m.rules[i].user == (i < 3) && m.rules[i].index == (int)(i < 3 ? i + 1 : i - 2),
              "rule %zu: user %d index %d", i, m.rules[i].user, m.rules[i].index);
    CHECK(m.rules[0].role == -1 && strcmp(m.rules[0].code, "4010") == 0,
          "a literal code stays a code: role %d code %s", m.rules[0].role, m.rules[0].code);
    CHECK(m.rules[1].role == ACCT_SALES && strcmp(m.rules[1].code, "4000") == 0,
          "a role resolves to the config's code: role %d code %s", m.rules[1].role,
          m.rules[1].code);
    for (size_t i = 0; i < sizeof loaded / sizeof loaded[0]; i++) {
        const struct mapping_rule *r = mapping_find(&m, loaded[i].tt, loaded[i].at,
                                                    loaded[i].desc, loaded[i].mp);
        if (!loaded[i].category) {
            CHECK(r == NULL, "%s/%s/%s: unmapped, got %s", loaded[i].tt, loaded[i].at,
                  loaded[i].desc, r ? r->category : "");
            continue;
        }
        CHECK(r && strcmp(r->category, loaded[i].category) == 0 &&
              strcmp(r->code, loaded[i].code) == 0 && r->user == loaded[i].user,
              "%s/%s/%s/%s: got %s %s user=%d, want %s %s user=%d", loaded[i].tt,
              loaded[i].at, loaded[i].desc, loaded[i].mp, r ? r->category : "(none)",
              r ? r->code : "", r ? r->user : -1, loaded[i].category, loaded[i].code,
              loaded[i].user);
    }
    mapping_free(&m);
    mapping_free(&m);                       /* twice: a no-op */
    ledger_close(lg);
    config_free(&cfg);
}

int main(void)
{
    if (tdir_make("mapping") < 0) {
        CHECK(0, "mkdtemp failed");
        return T_DONE();
    }
    {
        struct ledger *lg = NULL;
        struct err e = { 0 };
        char db[512];
        if (ledger_open(&lg, tdir_path(db, sizeof db, "cases.db"), 1, &e) < 0)
            CHECK(0, "ledger: %s", e.msg);
        else
            check_find(lg);
        ledger_close(lg);
    }
    check_load();
    tdir_remove();
    return T_DONE();
}
