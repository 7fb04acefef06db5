/* config — loads settlebook.json over the built-in defaults. Every key is known or refused:
 * a typo in an account role must stop the run, not post to the wrong account. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

static const char *const account_names[ACCT_COUNT] = {
    "sales", "shipping", "gift_wrap", "promotions", "refunds", "fees_selling", "fees_fba",
    "fees_storage", "fees_advertising", "fees_subscription", "fees_other", "sales_tax",
    "marketplace_facilitator_tax", "reimbursements", "reserves", "carried_forward", "clearing",
    "bank", "rounding", "suspense", "cogs", "inventory", "fees_tax", "card", "unsettled",
    "inventory_writeoff",
};

static const char *const tax_names[TAX_COUNT] = { "sales", "fees", "none" };

const char *config_account_name(int role)
{
    return role >= 0 && role < ACCT_COUNT ? account_names[role] : "";
}

int config_account_role(const char *name)
{
    for (int i = 0; i < ACCT_COUNT; i++)
        if (strcmp(account_names[i], name) == 0)
            return i;
    return -1;
}

static int tax_category(const char *name)
{
    for (int i = 0; i < TAX_COUNT; i++)
        if (strcmp(tax_names[i], name) == 0)
            return i;
    return -1;
}

static int bad(struct err *e, const char *path, const char *key, const char *what)
{
    return err_set(e, ERR_INPUT, "%s: config key \"%s\": %s", path, key, what);
}

/* A zone the journal could not open later is refused now, naming the key. */
static int check_zone(const char *name, const char *path, const char *key, struct err *e)
{
    struct tz *z;
    struct err te = {0};
    if (tz_open(&z, name, &te) < 0)
        return bad(e, path, key, te.msg);
    tz_free(z);
    return 0;
}

/* Copies a string value of at most cap-1 bytes. */
static int get_str(json_t *v, char *out, size_t cap, const char *path, const char *key,
                   struct err *e)
{
    if (!json_is_string(v))
        return bad(e, path, key, "must be a string");
    if (json_string_length(v) >= cap)
        return bad(e, path, key, "is too long");
    snprintf(out, cap, "%s", json_string_value(v));
    return 0;
}

static int get_bool(json_t *v, int *out, const char *path, const char *key, struct err *e)
{
    if (!json_is_boolean(v))
        return bad(e, path, key, "must be true or false");
    *out = json_is_true(v);
    return 0;
}

static int get_int(json_t *v, int *out, int lo, int hi, const char *path, const char *key,
                   struct err *e)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return bad(e, path, key, "must be a whole number in range");
    *out = (int)json_integer_value(v);
    return 0;
}

static int is_comment(const char *k)
{
    return strcmp(k, "//") == 0;
}

/* accounts.bank as {"USD": "090", "EUR": "094"}: one bank account per currency. The first
 * entry is also the fallback code (accounts[ACCT_BANK]) for what has no currency. */
static int load_banks(struct config *c, json_t *o, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    char key[128];
    c->n_banks = 0;
    json_object_foreach(o, k, v) {
        snprintf(key, sizeof key, "accounts.bank.%s", k);
        if (is_comment(k))
            continue;
        if (strlen(k) != 3 || money_exponent(k) < 0)
            return bad(e, path, key, "is not an ISO 4217 currency code settlebook knows");
        if (c->n_banks == CONFIG_BANKS_MAX)
            return bad(e, path, key, "too many bank accounts");
        snprintf(c->banks[c->n_banks].currency, 4, "%s", k);
        if (get_str(v, c->banks[c->n_banks].code, CONFIG_CODE_MAX, path, key, e) < 0)
            return -1;
        if (!c->banks[c->n_banks].code[0])
            return bad(e, path, key, "must not be empty");
        c->n_banks++;
    }
    if (c->n_banks == 0)
        return bad(e, path, "accounts.bank", "needs at least one currency");
    snprintf(c->accounts[ACCT_BANK], CONFIG_CODE_MAX, "%s", c->banks[0].code);
    return 0;
}

const char *config_bank_account(const struct config *c, const char *currency)
{
    for (size_t i = 0; i < c->n_banks; i++)
        if (strcmp(c->banks[i].currency, currency) == 0)
            return c->banks[i].code;
    for (size_t i = 0; i < c->n_banks; i++)
        if (strcmp(c->banks[i].currency, c->base_currency) == 0)
            return c->banks[i].code;
    return c->accounts[ACCT_BANK];
}

int config_bank_converted(const struct config *c, const char *currency)
{
    if (strcmp(currency, c->base_currency) == 0)
        return 0;
    for (size_t i = 0; i < c->n_banks; i++)
        if (strcmp(c->banks[i].currency, currency) == 0)
            return 0;
    return 1;
}

static int load_accounts(struct config *c, json_t *o, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    char key[128];
    if (!json_is_object(o))
        return bad(e, path, "accounts", "must be an object");
    json_object_foreach(o, k, v) {
        int role = config_account_role(k);
        snprintf(key, sizeof key, "accounts.%s", k);
        if (is_comment(k))
            continue;
        if (role < 0)
            return bad(e, path, key, "unknown account role (see README: accounts)");
        if (role == ACCT_BANK && json_is_object(v)) {
            if (load_banks(c, v, path, e) < 0)
                return -1;
            continue;
        }
        if (role == ACCT_BANK)
            c->n_banks = 0;
        if (get_str(v, c->accounts[role], CONFIG_CODE_MAX, path, key, e) < 0)
            return -1;
        if (!c->accounts[role][0])
            return bad(e, path, key, "must not be empty");
    }
    return 0;
}

static int load_tax(struct config_marketplace *m, json_t *o, const char *path, const char *key,
                    struct err *e)
{
    const char *k;
    json_t *v;
    char sub[192];
    if (!json_is_object(o))
        return bad(e, path, key, "must be an object of tax types");
    json_object_foreach(o, k, v) {
        int t = tax_category(k);
        char *to = t >= 0 ? m->tax[t] : strcmp(k, "sales_zero") == 0 ? m->tax_sales_zero
                 : strcmp(k, "sales_reduced") == 0 ? m->tax_sales_reduced
                 : strcmp(k, "fees_reverse_charge") == 0 ? m->tax_fees_reverse : NULL;
        snprintf(sub, sizeof sub, "%s.%s", key, k);
        if (is_comment(k))
            continue;
        if (!to)
            return bad(e, path, sub, "unknown tax category (sales, fees, none, sales_zero, "
                       "sales_reduced, fees_reverse_charge)");
        if (get_str(v, to, CONFIG_CODE_MAX, path, sub, e) < 0)
            return -1;
        if (!to[0])
            return bad(e, path, sub, "must name a Xero tax type (NONE for no tax)");
    }
    return 0;
}

/* A percentage such as 20 or 5.5, kept in hundredths of a percent. The text of the number
 * is read digit by digit, so no floating point decides the rate. */
static int get_rate(json_t *v, int *out, const char *path, const char *key, struct err *e)
{
    char buf[64];
    const char *p;
    int whole = 0, frac = 0, digits = 0;
    if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, sizeof buf, "%.6g", json_real_value(v));
    else if (json_is_string(v) && json_string_length(v) < sizeof buf)
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else
        return bad(e, path, key, "must be a percentage such as 20 or 5.5");
    for (p = buf; *p >= '0' && *p <= '9' && whole < 1000; p++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
            frac = frac * 10 + (*p - '0');
    for (; digits < 2; digits++)
        frac *= 10;
    if (*p || p == buf || whole > 100 || (whole == 0 && frac == 0) || whole * 100 + frac > 10000)
        return bad(e, path, key, "must be a percentage above 0 and at most 100, "
                   "with at most two decimals");
    *out = whole * 100 + frac;
    return 0;
}

/* One of three names, as its index (the enum's order). */
static int get_choice(json_t *v, int *out, const char *const names[3], const char *path,
                      const char *key, struct err *e)
{
    char msg[96];
    for (int i = 0; json_is_string(v) && i < 3; i++)
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return 0;
        }
    snprintf(msg, sizeof msg, "must be \"%s\", \"%s\" or \"%s\"", names[0], names[1],
             names[2]);
    return bad(e, path, key, msg);
}

/* A reduced rate needs both its rate and its tax type, and fees posted VAT-inclusive need a
 * tax type that claims the input VAT: either half alone would post at the wrong rate. */
static int check_rates(const struct config_marketplace *m, const char *path, const char *key,
                       struct err *e)
{
    char sub[192];
    int has_type = m->tax_sales_reduced[0] && strcmp(m->tax_sales_reduced, "NONE") != 0;
    if (has_type != (m->vat_rate_reduced_bp > 0)) {
        snprintf(sub, sizeof sub, "%s.%s", key, has_type ? "vat_rate_reduced" : "tax.sales_reduced");
        return bad(e, path, sub, "is needed with the other: a reduced rate is recognised by "
                   "vat_rate_reduced and posted with tax.sales_reduced");
    }
    if (m->fees_vat == FEES_VAT_INCLUDED && strcmp(m->tax[TAX_FEES], "NONE") == 0) {
        snprintf(sub, sizeof sub, "%s.fees_vat", key);
        return bad(e, path, sub, "\"included\" needs tax.fees (the input VAT type Xero "
                   "computes the fee's VAT with, e.g. INPUT2)");
    }
    return 0;
}

static int load_marketplace(struct config_marketplace *m, json_t *o, const char *path,
                            const char *key, struct err *e)
{
    const char *k;
    json_t *v;
    char sub[192];
    if (!json_is_object(o))
        return bad(e, path, key, "must be an object");
    json_object_foreach(o, k, v) {
        int rc = 0;
        snprintf(sub, sizeof sub, "%s.%s", key, k);
        if (is_comment(k))
            continue;
        if (strcmp(k, "contact") == 0)
            rc = get_str(v, m->contact, sizeof m->contact, path, sub, e);
        else if (strcmp(k, "tax") == 0)
            rc = load_tax(m, v, path, sub, e);
        else if (strcmp(k, "vat_rate") == 0)
            rc = get_rate(v, &m->vat_rate_bp, path, sub, e);
        else if (strcmp(k, "vat_rate_reduced") == 0)
            rc = get_rate(v, &m->vat_rate_reduced_bp, path, sub, e);
        else if (strcmp(k, "fees_vat") == 0)
            rc = get_choice(v, &m->fees_vat, (const char *const[]){ "separate", "included",
                            "reverse_charge" }, path, sub, e);
        else if (strcmp(k, "vat_itemised") == 0)
            rc = get_choice(v, &m->vat_itemised, (const char *const[]){ "auto", "yes", "no" },
                            path, sub, e);
        else if (strcmp(k, "tracking") == 0) {
            json_t *n = json_object_get(v, "name"), *op = json_object_get(v, "option");
            if (!json_is_object(v) || !n || !op || json_object_size(v) != 2)
                return bad(e, path, sub, "must be {\"name\": ..., \"option\": ...}");
            rc = get_str(n, m->tracking_name, sizeof m->tracking_name, path, sub, e);
            if (rc == 0)
                rc = get_str(op, m->tracking_option, sizeof m->tracking_option, path, sub, e);
        } else
            return bad(e, path, sub, "unknown key (contact, tax, vat_rate, vat_rate_reduced, "
                       "fees_vat, vat_itemised, tracking)");
        if (rc < 0)
            return -1;
    }
    if (!m->contact[0])
        return bad(e, path, key, "needs a \"contact\"");
    return check_rates(m, path, key, e);
}

static int load_marketplaces(struct config *c, json_t *o, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    char key[192];
    if (!json_is_object(o))
        return bad(e, path, "marketplaces", "must be an object");
    c->n_marketplaces = 0; /* the file's list replaces the defaults */
    json_object_foreach(o, k, v) {
        struct config_marketplace *m;
        if (is_comment(k))
            continue;
        snprintf(key, sizeof key, "marketplaces.%s", k);
        if (c->n_marketplaces == CONFIG_MARKETPLACES_MAX)
            return bad(e, path, key, "too many marketplaces");
        if (strlen(k) >= CONFIG_NAME_MAX)
            return bad(e, path, key, "name is too long");
        m = &c->marketplaces[c->n_marketplaces++];
        memset(m, 0, sizeof *m);
        snprintf(m->name, sizeof m->name, "%s", k);
        for (int t = 0; t < TAX_COUNT; t++)
            snprintf(m->tax[t], sizeof m->tax[t], "NONE");
        /* Xero UK's Zero Rated Income and Reverse Charge Expenses (20%) */
        snprintf(m->tax_sales_zero, sizeof m->tax_sales_zero, "ZERORATEDOUTPUT");
        snprintf(m->tax_fees_reverse, sizeof m->tax_fees_reverse, "REVERSECHARGES");
        if (load_marketplace(m, v, path, key, e) < 0)
            return -1;
    }
    return 0;
}

static int load_rule(struct config_mapping *r, json_t *o, const char *path, const char *key,
                     struct err *e)
{
    const char *k;
    json_t *v;
    char sub[192], acct[CONFIG_CODE_MAX] = "", tax[16] = "none";
    if (!json_is_object(o))
        return bad(e, path, key, "must be an object");
    memset(r, 0, sizeof *r);
    snprintf(r->category, sizeof r->category, "Other");
    json_object_foreach(o, k, v) {
        int rc;
        snprintf(sub, sizeof sub, "%s.%s", key, k);
        if (is_comment(k))
            continue;
        if (strcmp(k, "transaction_type") == 0)
            rc = get_str(v, r->transaction_type, sizeof r->transaction_type, path, sub, e);
        else if (strcmp(k, "amount_type") == 0)
            rc = get_str(v, r->amount_type, sizeof r->amount_type, path, sub, e);
        else if (strcmp(k, "amount_description") == 0)
            rc = get_str(v, r->amount_description, sizeof r->amount_description, path, sub, e);
        else if (strcmp(k, "marketplace") == 0)
            rc = get_str(v, r->marketplace, sizeof r->marketplace, path, sub, e);
        else if (strcmp(k, "account") == 0)
            rc = get_str(v, acct, sizeof acct, path, sub, e);
        else if (strcmp(k, "tax") == 0)
            rc = get_str(v, tax, sizeof tax, path, sub, e);
        else if (strcmp(k, "category") == 0)
            rc = get_str(v, r->category, sizeof r->category, path, sub, e);
        else
            return bad(e, path, sub, "unknown key (transaction_type, amount_type, "
                       "amount_description, marketplace, account, tax, category)");
        if (rc < 0)
            return -1;
    }
    if (!acct[0])
        return bad(e, path, key, "needs an \"account\" (a role such as \"sales\" or a code)");
    r->account = config_account_role(acct);
    if (r->account < 0)
        snprintf(r->code, sizeof r->code, "%s", acct);
    r->tax = tax_category(tax);
    if (r->tax < 0)
        return bad(e, path, key, "\"tax\" must be sales, fees or none");
    return 0;
}

static int load_mappings(struct config *c, json_t *a, const char *path, struct err *e)
{
    char key[64];
    if (!json_is_array(a))
        return bad(e, path, "mappings", "must be an array of rules");
    if (json_array_size(a) > CONFIG_MAPPINGS_MAX)
        return bad(e, path, "mappings", "too many rules");
    c->mappings = calloc(json_array_size(a) + 1, sizeof *c->mappings);
    if (!c->mappings)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(a); i++) {
        snprintf(key, sizeof key, "mappings[%zu]", i);
        if (load_rule(&c->mappings[i], json_array_get(a, i), path, key, e) < 0)
            return -1;
        c->n_mappings++;
    }
    return 0;
}

/* statement (default): the deposit Payment is dated on the bank-statement line that shows
 * the payout, once the ledger holds it; deposit: on Amazon's deposit date; never: left to
 * Xero's bank reconciliation. true and false (older configs) mean statement and never. */
static int get_record_payment(json_t *v, int *out, const char *path, const char *key,
                              struct err *e)
{
    const char *s = json_string_value(v);
    if (json_is_boolean(v))
        *out = json_is_true(v) ? PAY_STATEMENT : PAY_NEVER;
    else if (s && strcmp(s, "statement") == 0)
        *out = PAY_STATEMENT;
    else if (s && strcmp(s, "deposit") == 0)
        *out = PAY_DEPOSIT;
    else if (s && strcmp(s, "never") == 0)
        *out = PAY_NEVER;
    else
        return bad(e, path, key, "must be statement, deposit or never");
    return 0;
}

static int load_posting(struct config *c, json_t *o, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    char key[64], mode[16];
    if (!json_is_object(o))
        return bad(e, path, "posting", "must be an object");
    json_object_foreach(o, k, v) {
        int rc;
        snprintf(key, sizeof key, "posting.%s", k);
        if (is_comment(k))
            continue;
        if (strcmp(k, "mode") == 0) {
            rc = get_str(v, mode, sizeof mode, path, key, e);
            if (rc == 0) {
                if (strcmp(mode, "summary") == 0)
                    c->mode = POST_SUMMARY;
                else if (strcmp(mode, "orders") == 0)
                    c->mode = POST_ORDERS;
                else if (strcmp(mode, "journal") == 0)
                    c->mode = POST_JOURNAL;
                else
                    return bad(e, path, key, "must be summary, orders or journal");
            }
        } else if (strcmp(k, "status") == 0) {
            rc = get_str(v, c->status, sizeof c->status, path, key, e);
            if (rc == 0 && strcmp(c->status, "DRAFT") != 0 && strcmp(c->status, "AUTHORISED"))
                return bad(e, path, key, "must be DRAFT or AUTHORISED");
        } else if (strcmp(k, "group_by_sku") == 0)
            rc = get_bool(v, &c->group_by_sku, path, key, e);
        else if (strcmp(k, "timezone") == 0) {
            rc = get_str(v, c->timezone, sizeof c->timezone, path, key, e);
            if (rc == 0 && check_zone(c->timezone, path, key, e) < 0)
                return -1;
        }
        else if (strcmp(k, "record_payment") == 0)
            rc = get_record_payment(v, &c->record_payment, path, key, e);
        else if (strcmp(k, "accrue_unsettled") == 0)
            rc = get_bool(v, &c->accrue_unsettled, path, key, e);
        else
            return bad(e, path, key, "unknown key (mode, status, group_by_sku, timezone, "
                       "record_payment, accrue_unsettled)");
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int load_reconcile(struct config *c, json_t *o, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    char key[64];
    if (!json_is_object(o))
        return bad(e, path, "reconcile", "must be an object");
    json_object_foreach(o, k, v) {
        int rc;
        snprintf(key, sizeof key, "reconcile.%s", k);
        if (is_comment(k))
            continue;
        if (strcmp(k, "order_days_unsettled") == 0)
            rc = get_int(v, &c->order_days_unsettled, 1, 3650, path, key, e);
        else if (strcmp(k, "fee_anomaly_pct") == 0)
            rc = get_int(v, &c->fee_anomaly_pct, 1, 1000, path, key, e);
        else
            return bad(e, path, key, "unknown key (order_days_unsettled, fee_anomaly_pct)");
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int load_cogs(struct config *c, json_t *o, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    char key[64];
    if (!json_is_object(o))
        return bad(e, path, "cogs", "must be an object");
    json_object_foreach(o, k, v) {
        int rc;
        snprintf(key, sizeof key, "cogs.%s", k);
        if (is_comment(k))
            continue;
        if (strcmp(k, "refund_restock") == 0)
            rc = get_bool(v, &c->cogs.refund_restock, path, key, e);
        else if (strcmp(k, "group_by_sku") == 0)
            rc = get_bool(v, &c->cogs.group_by_sku, path, key, e);
        else
            return bad(e, path, key, "unknown key (refund_restock, group_by_sku)");
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int load_bank(struct config *c, json_t *o, const char *path, struct err *e)
{
    static const struct { const char *key; size_t off; } cols[] = {
        { "date_column", offsetof(struct config_bank, date_col) },
        { "amount_column", offsetof(struct config_bank, amount_col) },
        { "payee_column", offsetof(struct config_bank, payee_col) },
        { "description_column", offsetof(struct config_bank, description_col) },
        { "reference_column", offsetof(struct config_bank, reference_col) },
    };
    const char *k;
    json_t *v;
    char key[64], mark[4];
    if (!json_is_object(o))
        return bad(e, path, "bank", "must be an object");
    json_object_foreach(o, k, v) {
        int rc = 1;
        snprintf(key, sizeof key, "bank.%s", k);
        if (is_comment(k))
            continue;
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
            if (strcmp(k, cols[i].key) == 0)
                rc = get_str(v, (char *)&c->bank + cols[i].off, 64, path, key, e);
        if (rc == 1 && strcmp(k, "date_order") == 0) {
            rc = get_str(v, c->bank.date_order, sizeof c->bank.date_order, path, key, e);
            if (rc == 0 && strcmp(c->bank.date_order, "dmy") && strcmp(c->bank.date_order, "mdy")
                && strcmp(c->bank.date_order, "ymd"))
                return bad(e, path, key, "must be dmy, mdy or ymd");
        } else if (rc == 1 && strcmp(k, "decimal_mark") == 0) {
            rc = get_str(v, mark, sizeof mark, path, key, e);
            if (rc == 0 && strcmp(mark, ".") != 0 && strcmp(mark, ",") != 0)
                return bad(e, path, key, "must be \".\" or \",\"");
            if (rc == 0)
                c->bank.decimal = mark[0];
        } else if (rc == 1 && strcmp(k, "currency") == 0) {
            rc = get_str(v, c->bank.currency, sizeof c->bank.currency, path, key, e);
            if (rc == 0 && money_exponent(c->bank.currency) < 0)
                return bad(e, path, key, "is not an ISO 4217 currency code settlebook knows");
        } else if (rc == 1)
            return bad(e, path, key, "unknown key");
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A table-driven section of string and integer keys (xero, spapi). */
struct keyspec {
    const char *key;
    size_t off, cap;   /* cap 0: an int, with lo..hi */
    int lo, hi;
};

static int load_section(void *base, const struct keyspec *ks, size_t n, json_t *o,
                        const char *path, const char *name, struct err *e)
{
    const char *k;
    json_t *v;
    char key[96];
    if (!json_is_object(o))
        return bad(e, path, name, "must be an object");
    json_object_foreach(o, k, v) {
        size_t i = 0;
        snprintf(key, sizeof key, "%s.%s", name, k);
        if (is_comment(k))
            continue;
        while (i < n && strcmp(ks[i].key, k) != 0)
            i++;
        if (i == n)
            return bad(e, path, key, "unknown key");
        if (ks[i].cap && get_str(v, (char *)base + ks[i].off, ks[i].cap, path, key, e) < 0)
            return -1;
        if (!ks[i].cap && get_int(v, (int *)(void *)((char *)base + ks[i].off), ks[i].lo,
                                  ks[i].hi, path, key, e) < 0)
            return -1;
    }
    return 0;
}

#define S(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define I(f) offsetof(struct config, f), 0

static const struct keyspec xero_keys[] = {
    { "api_url", S(xero.api_url), 0, 0 },
    { "token_url", S(xero.token_url), 0, 0 },
    { "connections_url", S(xero.connections_url), 0, 0 },
    { "authorize_url", S(xero.authorize_url), 0, 0 },
    { "token_file", S(xero.token_file), 0, 0 },
    { "redirect_uri", S(xero.redirect_uri), 0, 0 },
    { "scopes", S(xero.scopes), 0, 0 },
    { "timeout_ms", I(xero.timeout_ms), 100, 600000 },
    { "max_retries", I(xero.max_retries), 0, 20 },
    { "calls_per_minute", I(xero.calls_per_minute), 1, 60 },
    { "concurrency", I(xero.concurrency), 1, 5 },
};

static const struct keyspec spapi_keys[] = {
    { "endpoint", S(spapi.endpoint), 0, 0 },
    { "token_url", S(spapi.token_url), 0, 0 },
    { "marketplace_ids", S(spapi.marketplace_ids), 0, 0 },
    { "data_dir", S(spapi.data_dir), 0, 0 },
    { "finances_api", S(spapi.finances_api), 0, 0 },
    { "timeout_ms", I(spapi.timeout_ms), 100, 600000 },
    { "max_retries", I(spapi.max_retries), 0, 20 },
};

static const struct keyspec alerts_keys[] = {
    { "webhook_url", S(alerts.webhook_url), 0, 0 },
};

#undef S
#undef I

/* The spapi section; finances_api names the one Finances API operation fetch --events reads
 * (both list the same money, so never both for one window). */
static int load_spapi(struct config *c, json_t *v, const char *path, struct err *e)
{
    if (load_section(c, spapi_keys, sizeof spapi_keys / sizeof spapi_keys[0], v, path, "spapi",
                     e) < 0)
        return -1;
    if (strcmp(c->spapi.finances_api, "listFinancialEvents") != 0 &&
        strcmp(c->spapi.finances_api, "listTransactions") != 0)
        return bad(e, path, "spapi.finances_api", "must be listFinancialEvents (Finances API "
                   "v0) or listTransactions (Finances API 2024-06-19)");
    return 0;
}

static void service_defaults(struct config *c)
{
    snprintf(c->xero.api_url, sizeof c->xero.api_url, "https://api.xero.com/api.xro/2.0");
    snprintf(c->xero.token_url, sizeof c->xero.token_url,
             "https://identity.xero.com/connect/token");
    snprintf(c->xero.connections_url, sizeof c->xero.connections_url,
             "https://api.xero.com/connections");
    snprintf(c->xero.authorize_url, sizeof c->xero.authorize_url,
             "https://login.xero.com/identity/connect/authorize");
    snprintf(c->xero.redirect_uri, sizeof c->xero.redirect_uri,
             "http://localhost:8723/callback");
    /* Xero's granular scopes: apps created on or after 2 March 2026 get no other (older apps
     * may set the broad accounting.transactions in xero.scopes until September 2027).
     * Write scopes for what is posted and for the contacts settlebook creates; the
     * organisation's settings are only read. */
    snprintf(c->xero.scopes, sizeof c->xero.scopes, "offline_access accounting.invoices "
             "accounting.payments accounting.banktransactions accounting.manualjournals "
             "accounting.contacts accounting.settings.read");
    c->xero.timeout_ms = 30000;
    c->xero.max_retries = 6;
    c->xero.calls_per_minute = 60;
    c->xero.concurrency = 5;
    snprintf(c->spapi.endpoint, sizeof c->spapi.endpoint,
             "https://sellingpartnerapi-na.amazon.com");
    snprintf(c->spapi.token_url, sizeof c->spapi.token_url, "https://api.amazon.com/auth/o2/token");
    snprintf(c->spapi.marketplace_ids, sizeof c->spapi.marketplace_ids, "ATVPDKIKX0DER");
    snprintf(c->spapi.data_dir, sizeof c->spapi.data_dir, "data");
    snprintf(c->spapi.finances_api, sizeof c->spapi.finances_api, "listFinancialEvents");
    c->spapi.timeout_ms = 60000;
    c->spapi.max_retries = 6;
}

/* Every role but bank lands on document lines, and Xero refuses a bank account there: a
 * role sharing a code with accounts.bank is a chart Xero would reject line by line. */
static int check_no_bank_lines(const struct config *c, const char *path, struct err *e)
{
    char key[64];
    for (int r = 0; r < ACCT_COUNT; r++) {
        int hit = r != ACCT_BANK && strcmp(c->accounts[r], c->accounts[ACCT_BANK]) == 0;
        for (size_t i = 0; r != ACCT_BANK && i < c->n_banks; i++)
            hit |= strcmp(c->accounts[r], c->banks[i].code) == 0;
        if (!hit)
            continue;
        snprintf(key, sizeof key, "accounts.%s", account_names[r]);
        return bad(e, path, key, "is a bank account (accounts.bank), and Xero refuses bank "
                   "accounts on document and journal lines: use a non-bank account (for "
                   "clearing, a current asset with payments enabled)");
    }
    return 0;
}

static int load_root(struct config *c, json_t *root, const char *path, struct err *e)
{
    const char *k;
    json_t *v;
    if (!json_is_object(root))
        return err_set(e, ERR_INPUT, "%s: the config must be a JSON object", path);
    json_object_foreach(root, k, v) {
        int rc;
        if (is_comment(k))
            continue;
        if (strcmp(k, "base_currency") == 0) {
            rc = get_str(v, c->base_currency, sizeof c->base_currency, path, k, e);
            if (rc == 0 && money_exponent(c->base_currency) < 0)
                return bad(e, path, k, "is not an ISO 4217 currency code settlebook knows");
        } else if (strcmp(k, "accounts") == 0)
            rc = load_accounts(c, v, path, e);
        else if (strcmp(k, "marketplaces") == 0)
            rc = load_marketplaces(c, v, path, e);
        else if (strcmp(k, "mappings") == 0)
            rc = load_mappings(c, v, path, e);
        else if (strcmp(k, "posting") == 0)
            rc = load_posting(c, v, path, e);
        else if (strcmp(k, "reconcile") == 0)
            rc = load_reconcile(c, v, path, e);
        else if (strcmp(k, "bank") == 0)
            rc = load_bank(c, v, path, e);
        else if (strcmp(k, "cogs") == 0)
            rc = load_cogs(c, v, path, e);
        else if (strcmp(k, "xero") == 0)
            rc = load_section(c, xero_keys, sizeof xero_keys / sizeof xero_keys[0], v, path,
                              k, e);
        else if (strcmp(k, "spapi") == 0)
            rc = load_spapi(c, v, path, e);
        else if (strcmp(k, "alerts") == 0)
            rc = load_section(c, alerts_keys, sizeof alerts_keys / sizeof alerts_keys[0], v,
                              path, k, e);
        else
            return bad(e, path, k, "unknown key (base_currency, accounts, marketplaces, "
                       "mappings, posting, reconcile, bank, cogs, xero, spapi, alerts)");
        if (rc < 0)
            return -1;
    }
    if (!c->bank.currency[0])
        snprintf(c->bank.currency, sizeof c->bank.currency, "%s", c->base_currency);
    if (strcmp(c->accounts[ACCT_INVENTORY_WRITEOFF], c->accounts[ACCT_INVENTORY]) == 0)
        return bad(e, path, "accounts.inventory_writeoff", "is accounts.inventory: units "
                   "written off would be debited and credited to the same account and never "
                   "leave it; use an expense account (default 315 Inventory Write-off)");
    return check_no_bank_lines(c, path, e);
}

static int parse_text(struct config *c, const char *text, size_t len, const char *path,
                      struct err *e)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    int rc;
    if (!root)
        return err_set(e, ERR_INPUT, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column,
                       je.text);
    rc = load_root(c, root, path, e);
    json_decref(root);
    return rc;
}

int config_load(struct config *c, const char *path, int must_exist, struct err *e)
{
    const char *def = config_default_text();
    FILE *f;
    char *buf = NULL;
    long n;
    int rc;

    memset(c, 0, sizeof *c);
    config_bank_defaults(&c->bank);
    snprintf(c->status, sizeof c->status, "AUTHORISED");
    snprintf(c->timezone, sizeof c->timezone, "UTC");
    c->record_payment = PAY_STATEMENT;
    c->accrue_unsettled = 1;
    c->order_days_unsettled = 45;
    c->fee_anomaly_pct = 10;
    c->cogs.refund_restock = 1;
    c->cogs.group_by_sku = 1;
    service_defaults(c);
    if (parse_text(c, def, strlen(def), "(built-in defaults)", e) < 0)
        return -1;
    free(c->mappings); /* the default file's example rule is only an example */
    c->mappings = NULL;
    c->n_mappings = 0;
    c->bank.currency[0] = '\0'; /* follows base_currency unless the config sets bank.currency */
    hash_hex(def, strlen(def), c->hash);
    if (access(path, F_OK) != 0) {
        if (must_exist)
            return err_set(e, ERR_INPUT, "%s: no such config: run `settlebook init` or pass "
                           "--config PATH", path);
        snprintf(c->bank.currency, sizeof c->bank.currency, "%s", c->base_currency);
        return 0;
    }
    f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open the config", path);
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 20) ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return err_set(e, ERR_INPUT, "%s: unreadable, or larger than 1 MiB", path);
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return err_set(e, ERR_INPUT, "%s: cannot read the config", path);
    }
    fclose(f);
    hash_hex(buf, (size_t)n, c->hash);
    rc = parse_text(c, buf, (size_t)n, path, e);
    free(buf);
    return rc;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    free(c->mappings);
    c->mappings = NULL;
    c->n_mappings = 0;
}

const struct config_marketplace *config_marketplace(const struct config *c, const char *name)
{
    for (size_t i = 0; i < c->n_marketplaces; i++)
        if (strcmp(c->marketplaces[i].name, name) == 0)
            return &c->marketplaces[i];
    return c->n_marketplaces ? &c->marketplaces[0] : NULL;
}

void config_bank_defaults(struct config_bank *b)
{
    memset(b, 0, sizeof *b);
    snprintf(b->date_col, sizeof b->date_col, "Date");
    snprintf(b->amount_col, sizeof b->amount_col, "Amount");
    snprintf(b->payee_col, sizeof b->payee_col, "Payee");
    snprintf(b->description_col, sizeof b->description_col, "Description");
    snprintf(b->reference_col, sizeof b->reference_col, "Reference");
    snprintf(b->date_order, sizeof b->date_order, "dmy");
    b->decimal = '.';
}
