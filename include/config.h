/* config — settlebook.json, read with jansson and checked strictly: an unknown key or a bad
 * value is an ERR_INPUT error naming the key. Keys named "//" are comments. */
#ifndef SETTLEBOOK_CONFIG_H
#define SETTLEBOOK_CONFIG_H

#include <stddef.h>

#include "base.h"

#define CONFIG_CODE_MAX 32
#define CONFIG_NAME_MAX 96
#define CONFIG_MARKETPLACES_MAX 32
#define CONFIG_MAPPINGS_MAX 512

/* Account roles of DESIGN.md's accounting model; the config gives each a Xero code. */
enum account_role {
    ACCT_SALES, ACCT_SHIPPING, ACCT_GIFT_WRAP, ACCT_PROMOTIONS, ACCT_REFUNDS,
    ACCT_FEES_SELLING, ACCT_FEES_FBA, ACCT_FEES_STORAGE, ACCT_FEES_ADVERTISING,
    ACCT_FEES_SUBSCRIPTION, ACCT_FEES_OTHER, ACCT_SALES_TAX, ACCT_MF_TAX,
    ACCT_REIMBURSEMENTS, ACCT_RESERVES, ACCT_CARRIED_FORWARD, ACCT_CLEARING, ACCT_BANK,
    ACCT_ROUNDING, ACCT_SUSPENSE, ACCT_COGS, ACCT_INVENTORY, ACCT_FEES_TAX, ACCT_CARD,
    ACCT_UNSETTLED, ACCT_INVENTORY_WRITEOFF, ACCT_COUNT
};

#define CONFIG_BANKS_MAX 16

/* posting.record_payment: when the deposit Payment is recorded. */
enum record_payment { PAY_STATEMENT, PAY_DEPOSIT, PAY_NEVER };

/* Tax categories a mapping rule names; each marketplace gives each a Xero tax type. */
enum tax_category { TAX_SALES, TAX_FEES, TAX_NONE, TAX_COUNT };

/* marketplaces.<name>.fees_vat: the VAT in Amazon's fees that no TaxAmount row shows.
 * separate: only fees with a TaxAmount row carry tax.fees (the rest tax.none); included:
 * every fee is VAT-inclusive at tax.fees (Amazon's VAT invoices since August 2024 for
 * UK/EU-established sellers); reverse_charge: fees without a TaxAmount row carry
 * tax.fees_reverse_charge (Amazon EU S.a r.l. billing from Luxembourg). */
enum fees_vat { FEES_VAT_SEPARATE, FEES_VAT_INCLUDED, FEES_VAT_REVERSE_CHARGE };
/* marketplaces.<name>.vat_itemised: whether Amazon's Tax rows itemise the sales' VAT, so an
 * untaxed sale is zero-rated: auto (when the settlement has sales tax rows), yes, no. */
enum vat_itemised { VAT_ITEMISED_AUTO, VAT_ITEMISED_YES, VAT_ITEMISED_NO };

struct config_marketplace {
    char name[CONFIG_NAME_MAX];          /* "Amazon.com" as in marketplace-name */
    char contact[CONFIG_NAME_MAX];       /* Xero contact name */
    char tax[TAX_COUNT][CONFIG_CODE_MAX];
    char tracking_name[CONFIG_NAME_MAX], tracking_option[CONFIG_NAME_MAX];
    int vat_rate_bp;                     /* vat_rate in hundredths of a percent; 0 = unset */
    /* Sales Amazon charged another rate on (journal_rates.c): tax.sales_zero when it charged
     * none (default ZERORATEDOUTPUT), tax.sales_reduced at vat_rate_reduced when set. */
    char tax_sales_zero[CONFIG_CODE_MAX], tax_sales_reduced[CONFIG_CODE_MAX];
    int vat_rate_reduced_bp;             /* 0 = unset */
    int fees_vat;                        /* enum fees_vat */
    int vat_itemised;                    /* enum vat_itemised */
    char tax_fees_reverse[CONFIG_CODE_MAX]; /* tax.fees_reverse_charge (REVERSECHARGES) */
};

/* A mapping rule; "*" (or an absent key) matches anything. More non-wildcard keys win;
 * on a tie the earlier rule wins. */
struct config_mapping {
    char transaction_type[CONFIG_NAME_MAX], amount_type[CONFIG_NAME_MAX];
    char amount_description[CONFIG_NAME_MAX], marketplace[CONFIG_NAME_MAX];
    int account;                         /* enum account_role, or -1 with code set */
    char code[CONFIG_CODE_MAX];          /* a literal account code */
    int tax;                             /* enum tax_category */
    char category[32];                   /* report grouping: Sales, Refunds, Fees, ... */
};

/* How a bank statement CSV is laid out (config "bank"; read by ingest). Defaults: Xero's bank statement
 * import template ("*Date", "*Amount", "Payee", "Description", "Reference"). */
struct config_bank {
    char date_col[64], amount_col[64], payee_col[64], description_col[64], reference_col[64];
    char date_order[4];   /* "dmy", "mdy" or "ymd"; ISO dates are always accepted */
    char currency[4];
    char decimal;         /* '.' or ',' */
};

enum posting_mode { POST_SUMMARY, POST_ORDERS, POST_JOURNAL };

struct config {
    char base_currency[4];
    char accounts[ACCT_COUNT][CONFIG_CODE_MAX];   /* [ACCT_BANK]: the single or fallback code */
    struct { char currency[4]; char code[CONFIG_CODE_MAX]; } banks[CONFIG_BANKS_MAX];
    size_t n_banks;                      /* accounts.bank given as {"USD": "090", ...} */
    struct config_marketplace marketplaces[CONFIG_MARKETPLACES_MAX];
    size_t n_marketplaces;
    struct config_mapping *mappings;     /* owned; user rules, before the defaults */
    size_t n_mappings;
    int mode;                            /* enum posting_mode */
    char status[16];                     /* DRAFT or AUTHORISED */
    int group_by_sku;
    char timezone[64];
    int record_payment;                  /* enum record_payment */
    int accrue_unsettled;                /* month-end accrual of unsettled Finances events */
    int order_days_unsettled;            /* ORDER_NOT_SETTLED after this many days */
    int fee_anomaly_pct;                 /* % off a SKU's usual fee: FEE_ANOMALY (10) */
    struct config_bank bank;
    struct {                             /* "cogs": cost of goods sold (journal_cogs) */
        int refund_restock;              /* refunded units go back to inventory */
        int group_by_sku;                /* one line pair per SKU, else one in total */
    } cogs;
    struct {                             /* "xero": where and how to talk to Xero */
        char api_url[256], token_url[256], connections_url[256], authorize_url[256];
        char token_file[512];            /* "" = ~/.config/settlebook/xero-token.json */
        char redirect_uri[256], scopes[512];
        int timeout_ms, max_retries, calls_per_minute, concurrency;
    } xero;
    struct {                             /* "spapi": Amazon Selling Partner API */
        char endpoint[256], token_url[256];
        char marketplace_ids[512];       /* comma-separated */
        char data_dir[512];
        char finances_api[32];           /* fetch --events: listFinancialEvents|listTransactions */
        int timeout_ms, max_retries;
    } spapi;
    struct {                             /* "alerts": who hears about live runs */
        char webhook_url[512];           /* "" = none; a secret (Slack's are): never shown */
    } alerts;
    char hash[65];                       /* sha256 of the file's bytes, for the audit sheet */
};

/* Fills cfg with the defaults, then overlays path when it exists (a missing file is fine
 * when must_exist is 0). Free with config_free. */
int config_load(struct config *cfg, const char *path, int must_exist, struct err *e);
void config_free(struct config *cfg);

/* The bank layout of Xero's import template, the default of config "bank". */
void config_bank_defaults(struct config_bank *b);

/* The commented default settlebook.json written by `settlebook init`. */
const char *config_default_text(void);

/* Role name ("sales") of an account role, and back (-1 when unknown). */
const char *config_account_name(int role);
int config_account_role(const char *name);

/* The bank account of a currency: accounts.bank's entry for it when bank is a map (else the
 * base currency's entry, else the map's first), or the single code. Never NULL. */
const char *config_bank_account(const struct config *cfg, const char *currency);

/* 1 when a payout in currency arrives converted: it is not the base currency and
 * accounts.bank names no account of its own for it, so it is paid into the base currency's
 * account. */
int config_bank_converted(const struct config *cfg, const char *currency);

/* The marketplace entry for name, or the first one ("default") when none matches. */
const struct config_marketplace *config_marketplace(const struct config *cfg, const char *name);

/* A mapping rule as written into settlebook.json (NULL or "" optional fields are left
 * out): `settlebook mappings --accept`. */
struct config_rule_text {
    const char *comment;                 /* a "//" key first, e.g. what was accepted */
    const char *transaction_type, *amount_type, *amount_description, *marketplace;
    const char *account, *tax, *category;
};

/* Appends r to the "mappings" array of the config at path (adding the array when there is
 * none) by inserting its text: every other byte of the file stays as it was, "//" comment
 * keys and key order included. The result must load with config_load, else the file is left
 * unchanged (ERR_INPUT). Written to "<path>.new", then renamed over path. */
int config_add_rule(const char *path, const struct config_rule_text *r, struct err *e);

#endif
