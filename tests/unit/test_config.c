/* test_config — settlebook.json validation on files the test writes. Every key of every
 * section is accepted with good values (and the value lands in struct config), and refused
 * with each kind of bad value that applies to it: wrong type, out of range, too long, bad
 * enum value; unknown keys and unknown nested keys are refused too. Every refusal must be
 * ERR_INPUT and name the file and the key ("PATH: config key \"posting.mode\": ..."). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "config.h"
#include "t.h"
#include "tdir.h"

#define O(f) offsetof(struct config, f)

/* How a key's value is kept: 's' a string of cap bytes, 'i' an int, 'c' a char, 'x' the
 * position of the value in `values` as an int (enums). */
struct keyspec {
    const char *key;            /* dotted: "posting.mode" */
    char type;                  /* JSON type wanted: 's' string, 'i' integer, 'b' boolean */
    size_t off;
    char store;
    size_t cap;                 /* strings: bytes including the NUL */
    long lo, hi;                /* integers */
    const char *values[6];      /* enums: the only strings accepted, NULL-terminated */
    const char *bad_enum[3];    /* enums: strings refused */
};

static const struct keyspec keys[] = {
    { "base_currency", 's', O(base_currency), 's', 4, 0, 0,
      { "USD", "GBP", "EUR", "JPY", "KWD", NULL }, { "usd", "XXX", "US" } },
    { "posting.mode", 's', O(mode), 'x', 16, 0, 0, { "summary", "orders", "journal", NULL },
      { "Summary", "invoice", "" } },
    { "posting.status", 's', O(status), 's', 16, 0, 0, { "DRAFT", "AUTHORISED", NULL },
      { "draft", "AUTHORIZED", "SUBMITTED" } },
    { "posting.group_by_sku", 'b', O(group_by_sku), 'i', 0, 0, 0, { NULL }, { NULL } },
    /* the zone is opened at load time, so a typo is refused naming the key */
    { "posting.timezone", 's', O(timezone), 's', 64, 0, 0,
      { "UTC", "+10:00", "-03:30", "America/Los_Angeles", "Europe/London", NULL },
      { "Mars/Olympus", "+25:00", "Europe/Nowhere" } },
    /* statement, deposit, never (enum record_payment); true/false are read as the older
     * boolean (statement/never), checked below */
    { "posting.record_payment", 's', O(record_payment), 'x', 16, 0, 0,
      { "statement", "deposit", "never", NULL }, { "yes", "Statement", "payment" } },
    { "reconcile.order_days_unsettled", 'i', O(order_days_unsettled), 'i', 0, 1, 3650,
      { NULL }, { NULL } },
    { "reconcile.fee_anomaly_pct", 'i', O(fee_anomaly_pct), 'i', 0, 1, 1000, { NULL },
      { NULL } },
    { "bank.date_column", 's', O(bank.date_col), 's', 64, 0, 0, { NULL }, { NULL } },
    { "bank.amount_column", 's', O(bank.amount_col), 's', 64, 0, 0, { NULL }, { NULL } },
    { "bank.payee_column", 's', O(bank.payee_col), 's', 64, 0, 0, { NULL }, { NULL } },
    { "bank.description_column", 's', O(bank.description_col), 's', 64, 0, 0, { NULL },
      { NULL } },
    { "bank.reference_column", 's', O(bank.reference_col), 's', 64, 0, 0, { NULL }, { NULL } },
    { "bank.date_order", 's', O(bank.date_order), 's', 4, 0, 0, { "dmy", "mdy", "ymd", NULL },
      { "DMY", "ydm", "d/m/y" } },
    { "bank.decimal_mark", 's', O(bank.decimal), 'c', 4, 0, 0, { ".", ",", NULL },
      { ";", "", " " } },
    { "bank.currency", 's', O(bank.currency), 's', 4, 0, 0, { "GBP", "JPY", NULL },
      { "gbp", "ABC", "EU" } },
    { "xero.api_url", 's', O(xero.api_url), 's', 256, 0, 0, { NULL }, { NULL } },
    { "xero.token_url", 's', O(xero.token_url), 's', 256, 0, 0, { NULL }, { NULL } },
    { "xero.connections_url", 's', O(xero.connections_url), 's', 256, 0, 0, { NULL }, { NULL } },
    { "xero.authorize_url", 's', O(xero.authorize_url), 's', 256, 0, 0, { NULL }, { NULL } },
    { "xero.token_file", 's', O(xero.token_file), 's', 512, 0, 0, { NULL }, { NULL } },
    { "xero.redirect_uri", 's', O(xero.redirect_uri), 's', 256, 0, 0, { NULL }, { NULL } },
    { "xero.scopes", 's', O(xero.scopes), 's', 512, 0, 0, { NULL }, { NULL } },
    { "xero.timeout_ms", 'i', O(xero.timeout_ms), 'i', 0, 100, 600000, { NULL }, { NULL } },
    { "xero.max_retries", 'i', O(xero.max_retries), 'i', 0, 0, 20, { NULL }, { NULL } },
    { "xero.calls_per_minute", 'i', O(xero.calls_per_minute), 'i', 0, 1, 60, { NULL },
      { NULL } },
    { "xero.concurrency", 'i', O(xero.concurrency), 'i', 0, 1, 5, { NULL }, { NULL } },
    { "spapi.endpoint", 's', O(spapi.endpoint), 's', 256, 0, 0, { NULL }, { NULL } },
    { "spapi.token_url", 's', O(spapi.token_url), 's', 256, 0, 0, { NULL }, { NULL } },
    { "spapi.marketplace_ids", 's', O(spapi.marketplace_ids), 's', 512, 0, 0, { NULL },
      { NULL } },
    { "spapi.data_dir", 's', O(spapi.data_dir), 's', 512, 0, 0, { NULL }, { NULL } },
    { "spapi.finances_api", 's', O(spapi.finances_api), 's', 32, 0, 0,
      { "listFinancialEvents", "listTransactions", NULL },
      { "listtransactions", "transactions", "" } },
    { "spapi.timeout_ms", 'i', O(spapi.timeout_ms), 'i', 0, 100, 600000, { NULL }, { NULL } },
    { "spapi.max_retries", 'i', O(spapi.max_retries), 'i', 0, 0, 20, { NULL }, { NULL } },
};

/* Whole files for what the generic table cannot say: marketplaces, mappings, sections of
 * the wrong type, unknown keys at each level, broken JSON. want_key NULL: accepted. */
static const struct {
    const char *json;
    const char *want_key;       /* the key the error must name */
    const char *want_what;      /* and a piece of what it says */
} files[] = {
    { "{}", NULL, NULL },
    { "{\"//\": \"comment\", \"posting\": {\"//\": 1}, \"accounts\": {\"//\": []},"
      " \"bank\": {\"//\": {}}, \"xero\": {\"//\": 0}, \"spapi\": {\"//\": null},"
      " \"reconcile\": {\"//\": \"\"}, \"marketplaces\": {\"//\": 1},"
      " \"mappings\": [{\"//\": 1, \"account\": \"sales\"}]}", NULL, NULL },
    { "{\"marketplaces\": {\"Amazon.es\": {\"contact\": \"Amazon ES\", \"tax\": {\"sales\": "
      "\"OUTPUT2\", \"fees\": \"INPUT2\", \"none\": \"NONE\"}, \"tracking\": {\"name\": "
      "\"Channel\", \"option\": \"ES\"}}}}", NULL, NULL },
    { "{\"mappings\": [{\"transaction_type\": \"Order\", \"amount_type\": \"ItemPrice\", "
      "\"amount_description\": \"Principal\", \"marketplace\": \"Amazon.es\", \"account\": "
      "\"4000\", \"tax\": \"fees\", \"category\": \"Mine\"}, {\"account\": \"refunds\"}]}",
      NULL, NULL },
    /* unknown keys, at every level */
    { "{\"bogus\": 1}", "bogus", "unknown key" },
    { "{\"Posting\": {}}", "Posting", "unknown key" },
    { "{\"accounts\": {\"sale\": \"200\"}}", "accounts.sale", "unknown account role" },
    { "{\"posting\": {\"modes\": \"summary\"}}", "posting.modes", "unknown key" },
    { "{\"reconcile\": {\"days\": 3}}", "reconcile.days", "unknown key" },
    { "{\"bank\": {\"date\": \"Date\"}}", "bank.date", "unknown key" },
    { "{\"xero\": {\"client_secret\": \"s\"}}", "xero.client_secret", "unknown key" },
    { "{\"spapi\": {\"refresh_token\": \"t\"}}", "spapi.refresh_token", "unknown key" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"vat\": 1}}}", "marketplaces.M.vat",
      "unknown key" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tax\": {\"vat\": \"X\"}}}}",
      "marketplaces.M.tax.vat", "unknown tax category" },
    /* the VAT rates Amazon charged and the VAT in its fees */
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tax\": {\"sales_zero\": \"\"}}}}",
      "marketplaces.M.tax.sales_zero", "must name a Xero tax type" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tax\": {\"sales_reduced\": "
      "\"RROUTPUT\"}}}}", "marketplaces.M.vat_rate_reduced", "is needed with the other" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"vat_rate_reduced\": 5}}}",
      "marketplaces.M.tax.sales_reduced", "is needed with the other" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"vat_rate_reduced\": 0}}}",
      "marketplaces.M.vat_rate_reduced", "must be a percentage" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"fees_vat\": \"yes\"}}}",
      "marketplaces.M.fees_vat", "must be \"separate\"" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"fees_vat\": true}}}",
      "marketplaces.M.fees_vat", "must be \"separate\"" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"vat_itemised\": \"maybe\"}}}",
      "marketplaces.M.vat_itemised", "must be \"auto\", \"yes\" or \"no\"" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"vat_itemised\": false}}}",
      "marketplaces.M.vat_itemised", "must be \"auto\"" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"fees_vat\": \"included\"}}}",
      "marketplaces.M.fees_vat", "needs tax.fees" },
    { "{\"mappings\": [{\"account\": \"sales\", \"sku\": \"X\"}]}", "mappings[0].sku",
      "unknown key" },
    /* sections of the wrong type */
    { "[]", NULL, "must be a JSON object" },
    { "{\"accounts\": []}", "accounts", "must be an object" },
    { "{\"marketplaces\": \"Amazon.com\"}", "marketplaces", "must be an object" },
    { "{\"mappings\": {}}", "mappings", "must be an array" },
    { "{\"posting\": \"summary\"}", "posting", "must be an object" },
    { "{\"reconcile\": 45}", "reconcile", "must be an object" },
    { "{\"bank\": null}", "bank", "must be an object" },
    { "{\"xero\": true}", "xero", "must be an object" },
    { "{\"spapi\": []}", "spapi", "must be an object" },
    /* accounts */
    { "{\"accounts\": {\"sales\": \"\"}}", "accounts.sales", "must not be empty" },
    { "{\"accounts\": {\"sales\": 200}}", "accounts.sales", "must be a string" },
    { "{\"accounts\": {\"bank\": \"0123456789012345678901234567890123\"}}", "accounts.bank",
      "too long" },
    /* a write-off to the inventory account itself would book nothing */
    { "{\"accounts\": {\"inventory_writeoff\": \"630\"}}", "accounts.inventory_writeoff",
      "is accounts.inventory" },
    { "{\"accounts\": {\"inventory\": \"315\"}}", "accounts.inventory_writeoff",
      "is accounts.inventory" },
    /* marketplaces */
    { "{\"marketplaces\": {\"M\": {}}}", "marketplaces.M", "needs a \"contact\"" },
    { "{\"marketplaces\": {\"M\": []}}", "marketplaces.M", "must be an object" },
    { "{\"marketplaces\": {\"M\": {\"contact\": 5}}}", "marketplaces.M.contact",
      "must be a string" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tax\": \"NONE\"}}}",
      "marketplaces.M.tax", "must be an object" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tax\": {\"sales\": 20}}}}",
      "marketplaces.M.tax.sales", "must be a string" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tracking\": {\"name\": \"N\"}}}}",
      "marketplaces.M.tracking", "must be {\"name\"" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tracking\": {\"name\": \"N\", "
      "\"option\": \"O\", \"x\": 1}}}}", "marketplaces.M.tracking", "must be {\"name\"" },
    { "{\"marketplaces\": {\"M\": {\"contact\": \"C\", \"tracking\": {\"name\": 1, "
      "\"option\": \"O\"}}}}", "marketplaces.M.tracking", "must be a string" },
    /* mappings */
    { "{\"mappings\": [{}]}", "mappings[0]", "needs an \"account\"" },
    { "{\"mappings\": [{\"account\": \"sales\"}, 7]}", "mappings[1]", "must be an object" },
    { "{\"mappings\": [{\"account\": \"sales\", \"tax\": \"vat\"}]}", "mappings[0]",
      "\"tax\" must be sales, fees or none" },
    { "{\"mappings\": [{\"account\": \"sales\", \"transaction_type\": 1}]}",
      "mappings[0].transaction_type", "must be a string" },
    { "{\"mappings\": [{\"account\": \"sales\", \"amount_type\": null}]}",
      "mappings[0].amount_type", "must be a string" },
    { "{\"mappings\": [{\"account\": \"sales\", \"amount_description\": []}]}",
      "mappings[0].amount_description", "must be a string" },
    { "{\"mappings\": [{\"account\": \"sales\", \"marketplace\": {}}]}",
      "mappings[0].marketplace", "must be a string" },
    { "{\"mappings\": [{\"account\": true}]}", "mappings[0].account", "must be a string" },
    { "{\"mappings\": [{\"account\": \"sales\", \"category\": 2}]}", "mappings[0].category",
      "must be a string" },
    { "{\"mappings\": [{\"account\": \"sales\", \"category\": "
      "\"0123456789012345678901234567890123\"}]}", "mappings[0].category", "too long" },
};

/* {"a": {"b": V}} for key "a.b" (or {"a": V}). */
static void nest(char *out, size_t cap, const char *key, const char *value)
{
    const char *dot = strchr(key, '.');
    if (dot)
        snprintf(out, cap, "{\"%.*s\": {\"%s\": %s}}", (int)(dot - key), key, dot + 1, value);
    else
        snprintf(out, cap, "{\"%s\": %s}", key, value);
}

static int load(const char *json, struct config *c, struct err *e, char *path, size_t cap)
{
    if (tdir_write("settlebook.json", json, (size_t)-1, path, cap) < 0)
        return err_set(e, ERR_IO, "cannot write the config");
    return config_load(c, path, 1, e);
}

/* The error must be ERR_INPUT, start with the path and name the key exactly. */
static void refused(const char *json, const char *key, const char *what)
{
    struct config c;
    struct err e = { 0 };
    char path[512], named[160];
    int rc = load(json, &c, &e, path, sizeof path);
    snprintf(named, sizeof named, "config key \"%s\":", key ? key : "");
    CHECK(rc == -1 && e.code == ERR_INPUT, "%.120s: accepted (rc %d), want refused", json, rc);
    CHECK(strncmp(e.msg, path, strlen(path)) == 0, "%.120s: [%s] does not name the file", json,
          e.msg);
    if (key)
        CHECK(strstr(e.msg, named) != NULL, "%.120s: [%s] does not name %s", json, e.msg, named);
    if (what)
        CHECK(strstr(e.msg, what) != NULL, "%.120s: [%s] does not say [%s]", json, e.msg, what);
    config_free(&c);
}

/* The value must load and land in the field. */
static void accepted(const struct keyspec *k, const char *value, const char *want_s,
                     long want_i)
{
    struct config c;
    struct err e = { 0 };
    char json[2048], path[512];
    const char *field;
    int ok;
    nest(json, sizeof json, k->key, value);
    if (load(json, &c, &e, path, sizeof path) < 0) {
        CHECK(0, "%s = %.80s: refused: %s", k->key, value, e.msg);
        return;
    }
    field = (const char *)&c + k->off;
    switch (k->store) {
    case 's': ok = strcmp(field, want_s) == 0; break;
    case 'c': ok = *field == want_s[0]; break;
    default: ok = *(const int *)(const void *)field == want_i; break;
    }
    CHECK(ok, "%s = %.80s: not stored as [%.40s] / %ld", k->key, value, want_s ? want_s : "",
          want_i);
    config_free(&c);
}

static void check_key(const struct keyspec *k)
{
    char v[1200], long_s[600], json[2048];
    if (k->type == 's' && k->values[0]) {
        for (int i = 0; k->values[i]; i++) {
            snprintf(v, sizeof v, "\"%s\"", k->values[i]);
            accepted(k, v, k->values[i], i);
        }
        for (int i = 0; i < 3 && k->bad_enum[i]; i++) {
            snprintf(v, sizeof v, "\"%s\"", k->bad_enum[i]);
            nest(json, sizeof json, k->key, v);
            refused(json, k->key, NULL);
        }
    } else if (k->type == 's') {
        memset(long_s, 'x', k->cap - 1);      /* the longest value that fits */
        long_s[k->cap - 1] = '\0';
        snprintf(v, sizeof v, "\"%s\"", long_s);
        accepted(k, v, long_s, 0);
        accepted(k, "\"a \\\"b\\\" \xC3\xA9\"", "a \"b\" \xC3\xA9", 0);
        snprintf(v, sizeof v, "\"%sy\"", long_s);  /* one byte more */
        nest(json, sizeof json, k->key, v);
        refused(json, k->key, "too long");
    } else if (k->type == 'i') {
        long good[3] = { k->lo, k->hi, (k->lo + k->hi) / 2 };
        long bad[2] = { k->lo - 1, k->hi + 1 };
        for (int i = 0; i < 3; i++) {
            snprintf(v, sizeof v, "%ld", good[i]);
            accepted(k, v, NULL, good[i]);
        }
        for (int i = 0; i < 2; i++) {
            snprintf(v, sizeof v, "%ld", bad[i]);
            nest(json, sizeof json, k->key, v);
            refused(json, k->key, "in range");
        }
        static const char *const not_int[] = { "\"5\"", "5.0", "1.5", "1e3", "99999999999999" };
        for (size_t i = 0; i < sizeof not_int / sizeof not_int[0]; i++) {
            nest(json, sizeof json, k->key, not_int[i]);
            refused(json, k->key, "whole number");
        }
    } else {
        accepted(k, "true", NULL, 1);
        accepted(k, "false", NULL, 0);
        static const char *const not_bool[] = { "1", "0", "\"true\"", "\"yes\"" };
        for (size_t i = 0; i < sizeof not_bool / sizeof not_bool[0]; i++) {
            nest(json, sizeof json, k->key, not_bool[i]);
            refused(json, k->key, "true or false");
        }
    }
    /* wrong JSON types, whatever the key */
    static const char *const wrong[] = { "null", "[]", "{}" };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        nest(json, sizeof json, k->key, wrong[i]);
        refused(json, k->key, NULL);
    }
    if (k->type == 's') {
        nest(json, sizeof json, k->key, "7");
        if (strcmp(k->key, "posting.record_payment") == 0) {   /* booleans: the older form */
            refused(json, k->key, "must be statement, deposit or never");
        } else {
            refused(json, k->key, "must be a string");
            nest(json, sizeof json, k->key, "false");
            refused(json, k->key, "must be a string");
        }
    }
}

/* Each account role by its name; its code lands in accounts[role]. */
static void check_accounts(void)
{
    for (int r = 0; r < ACCT_COUNT; r++) {
        struct config c;
        struct err e = { 0 };
        char json[256], code[16], path[512];
        snprintf(code, sizeof code, "C%d", 100 + r);
        snprintf(json, sizeof json, "{\"accounts\": {\"%s\": \"%s\"}}", config_account_name(r),
                 code);
        CHECK(load(json, &c, &e, path, sizeof path) == 0 && strcmp(c.accounts[r], code) == 0,
              "accounts.%s: %s (%s)", config_account_name(r), c.accounts[r], e.msg);
        CHECK(config_account_role(config_account_name(r)) == r, "role %d round trip", r);
        config_free(&c);
    }
}

/* What the whole-file good cases must have stored, and the defaults. */
static void check_stored(void)
{
    struct config c;
    struct err e = { 0 };
    char path[512];
    const struct config_marketplace *m;
    if (load(files[2].json, &c, &e, path, sizeof path) == 0) {
        m = config_marketplace(&c, "Amazon.es");
        CHECK(c.n_marketplaces == 1 && m && strcmp(m->contact, "Amazon ES") == 0 &&
              strcmp(m->tax[TAX_SALES], "OUTPUT2") == 0 && strcmp(m->tax[TAX_FEES], "INPUT2")
              == 0 && strcmp(m->tax[TAX_NONE], "NONE") == 0 &&
              strcmp(m->tracking_name, "Channel") == 0 && strcmp(m->tracking_option, "ES") == 0,
              "a marketplace replaces the defaults and keeps every field");
        CHECK(config_marketplace(&c, "Amazon.zz") == m, "an unknown marketplace falls back to "
              "the first");
        CHECK(m && strcmp(m->tax_sales_zero, "ZERORATEDOUTPUT") == 0 &&
              m->tax_sales_reduced[0] == '\0' && m->vat_rate_reduced_bp == 0 &&
              m->fees_vat == FEES_VAT_SEPARATE && m->vat_itemised == VAT_ITEMISED_AUTO &&
              strcmp(m->tax_fees_reverse, "REVERSECHARGES") == 0,
              "zero-rated sales default to ZERORATEDOUTPUT, fees_vat to separate, "
              "vat_itemised to auto");
        config_free(&c);
    }
    CHECK(load("{\"marketplaces\": {\"UK\": {\"contact\": \"C\", \"tax\": {\"sales\": "
               "\"OUTPUT2\", \"fees\": \"INPUT2\", \"sales_zero\": \"EXEMPTOUTPUT\", "
               "\"sales_reduced\": \"RROUTPUT\", \"fees_reverse_charge\": \"RC\"}, "
               "\"vat_rate\": 20, \"vat_rate_reduced\": \"5.5\", \"fees_vat\": "
               "\"reverse_charge\"}}}", &c, &e, path, sizeof path) == 0 &&
          strcmp(c.marketplaces[0].tax_sales_zero, "EXEMPTOUTPUT") == 0 &&
          strcmp(c.marketplaces[0].tax_sales_reduced, "RROUTPUT") == 0 &&
          strcmp(c.marketplaces[0].tax_fees_reverse, "RC") == 0 &&
          c.marketplaces[0].vat_rate_reduced_bp == 550 &&
          c.marketplaces[0].fees_vat == FEES_VAT_REVERSE_CHARGE,
          "the rate keys are stored: %s", e.msg);
    config_free(&c);
    CHECK(load("{\"marketplaces\": {\"UK\": {\"contact\": \"C\", \"tax\": {\"fees\": "
               "\"INPUT2\"}, \"fees_vat\": \"included\"}}}", &c, &e, path, sizeof path) == 0 &&
          c.marketplaces[0].fees_vat == FEES_VAT_INCLUDED, "fees_vat included with tax.fees");
    config_free(&c);
    CHECK(load("{\"marketplaces\": {\"UK\": {\"contact\": \"C\", \"vat_itemised\": \"yes\"}, "
               "\"DE\": {\"contact\": \"D\", \"vat_itemised\": \"no\"}}}", &c, &e, path,
               sizeof path) == 0 && c.n_marketplaces == 2 &&
          config_marketplace(&c, "UK")->vat_itemised == VAT_ITEMISED_YES &&
          config_marketplace(&c, "DE")->vat_itemised == VAT_ITEMISED_NO,
          "vat_itemised yes and no are stored: %s", e.msg);
    config_free(&c);
    if (load(files[3].json, &c, &e, path, sizeof path) == 0) {
        const struct config_mapping *r = c.mappings;
        CHECK(c.n_mappings == 2 && strcmp(r[0].transaction_type, "Order") == 0 &&
              strcmp(r[0].amount_type, "ItemPrice") == 0 &&
              strcmp(r[0].amount_description, "Principal") == 0 &&
              strcmp(r[0].marketplace, "Amazon.es") == 0 && r[0].account == -1 &&
              strcmp(r[0].code, "4000") == 0 && r[0].tax == TAX_FEES &&
              strcmp(r[0].category, "Mine") == 0, "a full mapping rule is stored");
        CHECK(c.n_mappings == 2 && r[1].account == ACCT_REFUNDS && r[1].code[0] == '\0' &&
              r[1].tax == TAX_NONE && strcmp(r[1].category, "Other") == 0 &&
              r[1].transaction_type[0] == '\0', "a minimal rule: role, tax none, Other");
        config_free(&c);
    }
    /* defaults: a missing file is fine unless it must exist */
    CHECK(config_load(&c, tdir_path(path, sizeof path, "absent.json"), 0, &e) == 0 &&
          strcmp(c.base_currency, "USD") == 0 && c.mode == POST_SUMMARY &&
          strcmp(c.status, "AUTHORISED") == 0 && c.record_payment == PAY_STATEMENT &&
          c.group_by_sku == 0 && strcmp(c.timezone, "UTC") == 0 &&
          c.order_days_unsettled == 45 && c.fee_anomaly_pct == 10 &&
          strcmp(c.bank.currency, "USD") == 0 && c.n_mappings == 0 &&
          c.xero.calls_per_minute == 60 && c.spapi.max_retries == 6 &&
          strcmp(c.accounts[ACCT_CLEARING], "615") == 0 &&
          strcmp(c.accounts[ACCT_UNSETTLED], "618") == 0 &&
          strcmp(c.accounts[ACCT_INVENTORY_WRITEOFF], "315") == 0 &&
          strcmp(c.spapi.finances_api, "listFinancialEvents") == 0,
          "defaults without a file: %s", e.msg);
    config_free(&c);
    CHECK(config_load(&c, path, 1, &e) == -1 && strstr(e.msg, "no such config") != NULL,
          "a config that must exist: %s", e.msg);
    config_free(&c);
    /* bank.currency follows base_currency unless set */
    CHECK(load("{\"base_currency\": \"GBP\"}", &c, &e, path, sizeof path) == 0 &&
          strcmp(c.bank.currency, "GBP") == 0, "bank.currency follows base_currency");
    config_free(&c);
    CHECK(load("{\"bank\": {\"currency\": \"EUR\"}, \"base_currency\": \"GBP\"}", &c, &e, path,
               sizeof path) == 0 && strcmp(c.bank.currency, "EUR") == 0,
          "bank.currency set stays");
    config_free(&c);
    /* a key set leaves its neighbours at their defaults */
    CHECK(load("{\"posting\": {\"mode\": \"orders\"}}", &c, &e, path, sizeof path) == 0 &&
          c.mode == POST_ORDERS && strcmp(c.status, "AUTHORISED") == 0 &&
          c.record_payment == PAY_STATEMENT, "posting.mode alone");
    config_free(&c);
    /* record_payment as the older boolean */
    CHECK(load("{\"posting\": {\"record_payment\": true}}", &c, &e, path, sizeof path) == 0 &&
          c.record_payment == PAY_STATEMENT, "record_payment true is statement");
    config_free(&c);
    CHECK(load("{\"posting\": {\"record_payment\": false}}", &c, &e, path, sizeof path) == 0 &&
          c.record_payment == PAY_NEVER, "record_payment false is never");
    config_free(&c);
}

/* Limits on counts and broken JSON (the error gives line and column). */
static void check_limits(void)
{
    size_t cap = 600 * 48 + 64, n = 0;
    char *json = malloc(cap), path[512];
    struct config c;
    struct err e = { 0 };
    for (int count = 512; count <= 513; count++) {
        n = (size_t)snprintf(json, cap, "{\"mappings\": [");
        for (int i = 0; i < count; i++)
            n += (size_t)snprintf(json + n, cap - n, "%s{\"account\": \"sales\"}", i ? "," : "");
        snprintf(json + n, cap - n, "]}");
        if (count == 512) {
            CHECK(load(json, &c, &e, path, sizeof path) == 0 && c.n_mappings == 512,
                  "512 rules: %s", e.msg);
            config_free(&c);
        } else {
            refused(json, "mappings", "too many rules");
        }
    }
    for (int count = 32; count <= 33; count++) {
        n = (size_t)snprintf(json, cap, "{\"marketplaces\": {");
        for (int i = 0; i < count; i++)
            n += (size_t)snprintf(json + n, cap - n, "%s\"M%d\": {\"contact\": \"C\"}",
                                  i ? "," : "", i);
        snprintf(json + n, cap - n, "}}");
        if (count == 32) {
            CHECK(load(json, &c, &e, path, sizeof path) == 0 && c.n_marketplaces == 32,
                  "32 marketplaces: %s", e.msg);
            config_free(&c);
        } else {
            refused(json, "marketplaces.M32", "too many marketplaces");
        }
    }
    n = (size_t)snprintf(json, cap, "{\"marketplaces\": {\"");
    memset(json + n, 'm', CONFIG_NAME_MAX);
    snprintf(json + n + CONFIG_NAME_MAX, cap - n - CONFIG_NAME_MAX, "\": {\"contact\": \"C\"}}}");
    refused(json, NULL, "name is too long");
    free(json);
    CHECK(load("{\"posting\": {\"mode\": \"summary\",}}", &c, &e, path, sizeof path) == -1 &&
          strstr(e.msg, "settlebook.json:1:") != NULL && strstr(e.msg, "invalid JSON") != NULL,
          "broken JSON names file and line: %s", e.msg);
    config_free(&c);
}

int main(void)
{
    if (tdir_make("config") < 0) {
        CHECK(0, "mkdtemp failed");
        return T_DONE();
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        check_key(&keys[i]);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i].want_key || files[i].want_what) {
            refused(files[i].json, files[i].want_key, files[i].want_what);
        } else {
            struct config c;
            struct err e = { 0 };
            char path[512];
            CHECK(load(files[i].json, &c, &e, path, sizeof path) == 0, "%.120s: refused: %s",
                  files[i].json, e.msg);
            config_free(&c);
        }
    }
    check_accounts();
    check_stored();
    check_limits();
    tdir_remove();
    return T_DONE();
}
