/* mapping — which account, tax type and report category each Amazon amount goes to.
 * Rules: the user's (settlebook.json "mappings") first, then the built-in ones
 * (sql/003_default_mappings.sql). The most specific rule wins, comparing marketplace, then
 * transaction-type, amount-type, amount-description; literal beats pattern beats '*'. */
#ifndef SETTLEBOOK_MAPPING_H
#define SETTLEBOOK_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "ledger.h"

struct mapping_rule {
    char transaction_type[CONFIG_NAME_MAX], amount_type[CONFIG_NAME_MAX];
    char amount_description[CONFIG_NAME_MAX], marketplace[CONFIG_NAME_MAX];
    int role;                     /* enum account_role, or -1 for a literal code */
    char code[CONFIG_CODE_MAX];   /* the account code this rule resolves to */
    int tax;                      /* enum tax_category */
    char category[32];
    int user;                     /* 1 when from settlebook.json */
    int index;                    /* position in its list, 1-based */
    int score;                    /* specificity, for ties and the Mapping sheet */
};

struct mapping {
    struct mapping_rule *rules;   /* owned */
    size_t n;
    const struct config *cfg;     /* borrowed; must outlive the mapping */
};

/* Loads user rules from cfg and built-in rules from the ledger. */
int mapping_load(struct mapping *m, struct ledger *lg, const struct config *cfg, struct err *e);
void mapping_free(struct mapping *m);

/* The winning rule for one amount, or NULL when no rule matches (UNMAPPED). marketplace is
 * the line's marketplace-name, or the settlement's when the line has none. */
const struct mapping_rule *mapping_find(const struct mapping *m, const char *transaction_type,
                                        const char *amount_type, const char *description,
                                        const char *marketplace);

/* The Xero tax type of a rule's tax category in a marketplace ("NONE" when unknown). */
const char *mapping_tax_type(const struct mapping *m, const struct mapping_rule *r,
                             const char *marketplace);

#endif
