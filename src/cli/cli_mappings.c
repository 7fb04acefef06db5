/* cli_mappings — `settlebook mappings [--json]` (the effective rules with what each maps),
 * `mappings --review [--json]` (combinations no rule or only a wildcard rule covers, with a
 * suggestion) and `mappings --accept KEY [--account ROLE]` (writes the rule into
 * settlebook.json and records the acceptance in the audit log). Holds no SQL. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "config.h"
#include "ledger.h"

static const char usage[] =
    "usage: settlebook mappings [--json]\n"
    "       settlebook mappings --review [--json]\n"
    "       settlebook mappings --accept KEY [--account ROLE]\n"
    "Lists the mapping rules in the order they are tried (settlebook.json first, then the\n"
    "built-in ones) with the ledger lines and amounts per currency each one maps, and the\n"
    "rules that never match.\n"
    "  --review   every combination (transaction type, amount type, description,\n"
    "             marketplace) that no rule covers or only a wildcard rule covers and nobody\n"
    "             accepted yet, with lines, sum and a suggested account, tax and category,\n"
    "             a confidence (0 to 1) and why. Deterministic: no network.\n"
    "  --accept KEY  writes the rule for review KEY into settlebook.json (its comments and\n"
    "             order kept), with the suggested account or --account ROLE, and records it\n"
    "             in the audit log. Rerun reconcile and post afterwards.\n";

struct opts {
    int review;
    const char *accept, *account;
};

static const struct cli_opt opts[] = {
    { "--review", NULL, NULL }, { "--accept", NULL, "KEY" }, { "--account", NULL, "ROLE" },
    { NULL, NULL, NULL },
};

/* 0 to go on; 1 after --help; -1 on a usage error (already said). */
static int parse(struct cli *g, struct opts *o)
{
    struct cli_args a;
    memset(o, 0, sizeof *o);
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status == 0 ? 1 : -1;
    if (cli_no_operands(g, &a, 0) < 0)
        return -1;
    o->review = cli_arg(&a, "--review") != NULL;
    o->accept = cli_arg(&a, "--accept");
    o->account = cli_arg(&a, "--account");
    if ((o->account && !o->accept) || (o->accept && o->review)) {
        fputs(usage, stderr);
        return -1;
    }
    if (o->account && config_account_role(o->account) < 0) {
        fprintf(stderr, "settlebook mappings: --account '%s' is not an account role (sales, "
                "fees_selling, fees_other, reimbursements, ... as in \"accounts\")\n",
                o->account);
        return -1;
    }
    return 0;
}

static const char *tax_name(int tax)
{
    return tax == TAX_SALES ? "sales" : tax == TAX_FEES ? "fees" : "none";
}

static const char *any(const char *p)
{
    return p[0] ? p : "*";
}

static int exp_of(const char *cur)
{
    int x = money_exponent(cur);
    return x < 0 ? 2 : x;
}

/* Closes the top-level array and object of w, prints it and frees it. */
static int jw_print(struct jw *w)
{
    int rc = 0;
    jw_end_arr(w);
    jw_end_obj(w);
    jw_raw(w, "\n");
    if (jw_text(w))
        fputs(jw_text(w), stdout);
    else
        rc = -1;
    jw_free(w);
    return rc;
}

/* ---- the rules ------------------------------------------------------------------------ */

#define CURS_MAX 16

struct per_cur {
    char cur[4];
    int64_t lines, sum;
};

/* The lines and amounts rule r maps, per currency (sorted by code). */
static size_t rule_totals(const struct mapping_usage *u, const struct mapping_rule *r,
                          struct per_cur *t)
{
    size_t n = 0;
    for (size_t i = 0; i < u->n; i++) {
        const struct mapping_combo *c = &u->v[i];
        size_t k = 0;
        if (c->rule != r)
            continue;
        while (k < n && strcmp(t[k].cur, c->cur) != 0)
            k++;
        if (k == n) {
            if (n == CURS_MAX)
                continue;
            memset(&t[n], 0, sizeof t[n]);
            snprintf(t[n++].cur, sizeof t[0].cur, "%s", c->cur);
            for (size_t j = n - 1; j > 0 && strcmp(t[j - 1].cur, t[j].cur) > 0; j--) {
                struct per_cur x = t[j];
                t[j] = t[j - 1];
                t[j - 1] = x;
                k = j - 1;
            }
        }
        t[k].lines += c->lines;
        t[k].sum += c->sum;
    }
    return n;
}

static void rule_json(struct jw *w, const struct mapping_rule *r, const struct per_cur *t,
                      size_t n)
{
    int64_t lines = 0;
    jw_obj(w);
    jw_kstr(w, "source", r->user ? "settlebook.json" : "built-in");
    jw_kint(w, "index", r->index);
    jw_kstr(w, "marketplace", any(r->marketplace));
    jw_kstr(w, "transaction_type", any(r->transaction_type));
    jw_kstr(w, "amount_type", any(r->amount_type));
    jw_kstr(w, "amount_description", any(r->amount_description));
    jw_kstr(w, "account", r->role >= 0 ? config_account_name(r->role) : r->code);
    jw_kstr(w, "account_code", r->code);
    jw_kstr(w, "tax", tax_name(r->tax));
    jw_kstr(w, "category", r->category);
    jw_key(w, "wildcard");
    jw_bool(w, mapping_rule_wildcard(r));
    jw_key(w, "amounts");
    jw_arr(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(w);
        jw_kstr(w, "currency", t[i].cur);
        jw_kint(w, "lines", t[i].lines);
        jw_kmoney(w, "amount", t[i].sum, exp_of(t[i].cur));
        jw_end_obj(w);
        lines += t[i].lines;
    }
    jw_end_arr(w);
    jw_kint(w, "lines", lines);
    jw_end_obj(w);
}

static void rule_text(const struct mapping_rule *r, const struct per_cur *t, size_t n)
{
    char amt[MONEY_FMT_MAX];
    printf("%-15s %3d  %-28s %-20s %-32s -> %s (%s), tax %s, %s\n",
           r->user ? "settlebook.json" : "built-in", r->index, any(r->transaction_type),
           any(r->amount_type), any(r->amount_description),
           r->role >= 0 ? config_account_name(r->role) : "code", r->code, tax_name(r->tax),
           r->category);
    for (size_t i = 0; i < n; i++)
        printf("%24s%lld line%s, %s %s\n", "", (long long)t[i].lines,
               t[i].lines == 1 ? "" : "s", money_format(amt, t[i].sum, exp_of(t[i].cur)),
               t[i].cur);
}

static int list_rules(struct cli *g, const struct mapping *m, const struct mapping_usage *u)
{
    struct per_cur t[CURS_MAX];
    struct jw w;
    int unused = 0;
    if (g->json) {
        jw_init(&w, 2);
        jw_obj(&w);
        jw_key(&w, "rules");
        jw_arr(&w);
    } else {
        printf("Rules in the order they are tried; the most specific match wins.\n");
    }
    for (size_t i = 0; i < m->n; i++) {
        size_t n = rule_totals(u, &m->rules[i], t);
        unused += n == 0;
        if (g->json)
            rule_json(&w, &m->rules[i], t, n);
        else
            rule_text(&m->rules[i], t, n);
    }
    if (g->json) {
        jw_end_arr(&w);
        jw_key(&w, "never_matched");
        jw_arr(&w);
    } else if (unused) {
        printf("\nNever matched a ledger line (%d):", unused);
    }
    for (size_t i = 0; i < m->n; i++) {
        const struct mapping_rule *r = &m->rules[i];
        if (rule_totals(u, r, t))
            continue;
        if (g->json) {
            jw_obj(&w);
            jw_kstr(&w, "source", r->user ? "settlebook.json" : "built-in");
            jw_kint(&w, "index", r->index);
            jw_end_obj(&w);
        } else {
            printf(" %s%d", r->user ? "u" : "", r->index);
        }
    }
    if (!g->json) {
        if (unused)
            printf("\n");
        return 0;
    }
    return jw_print(&w);
}

/* ---- the review list -------------------------------------------------------------------- */

static void conf_text(char out[8], int pct)
{
    snprintf(out, 8, "%d.%02d", pct / 100, pct % 100);
}

static void mapped_by(const struct mapping_combo *c, char *out, size_t cap)
{
    const struct mapping_rule *r = c->rule;
    if (!r) {
        snprintf(out, cap, "no rule: posted to suspense");
        return;
    }
    snprintf(out, cap, "%s rule %d (%s / %s / %s) -> %s", r->user ? "settlebook.json" :
             "built-in", r->index, any(r->transaction_type), any(r->amount_type),
             any(r->amount_description), r->role >= 0 ? config_account_name(r->role) : r->code);
}

static void review_json(struct jw *w, const struct mapping_combo *c,
                        const struct mapping_suggestion *s)
{
    char conf[8], by[320];
    conf_text(conf, s->confidence_pct);
    mapped_by(c, by, sizeof by);
    jw_obj(w);
    jw_kstr(w, "key", c->key);
    jw_kstr(w, "transaction_type", c->tt);
    jw_kstr(w, "amount_type", c->at);
    jw_kstr(w, "amount_description", c->ad);
    jw_kstr(w, "marketplace", c->mk);
    jw_kstr(w, "currency", c->cur);
    jw_kint(w, "lines", c->lines);
    jw_kmoney(w, "sum", c->sum, exp_of(c->cur));
    jw_kstr(w, "status", c->rule ? "wildcard" : "unmapped");
    jw_kstr(w, "mapped_by", by);
    jw_key(w, "suggestion");
    jw_obj(w);
    jw_kstr(w, "account", config_account_name(s->role));
    jw_kstr(w, "tax", tax_name(s->tax));
    jw_kstr(w, "category", s->category);
    jw_end_obj(w);
    jw_key(w, "confidence");
    jw_raw(w, conf);
    jw_kstr(w, "explanation", s->explanation);
    jw_end_obj(w);
}

static void review_text(const struct mapping_combo *c, const struct mapping_suggestion *s)
{
    char amt[MONEY_FMT_MAX], conf[8], by[320];
    conf_text(conf, s->confidence_pct);
    mapped_by(c, by, sizeof by);
    printf("%s  %s / %s / %s (%s): %lld line%s, %s %s\n", c->key, c->tt, c->at, c->ad,
           c->mk[0] ? c->mk : "no marketplace", (long long)c->lines, c->lines == 1 ? "" : "s",
           money_format(amt, c->sum, exp_of(c->cur)), c->cur);
    printf("    now: %s\n", by);
    printf("    suggest: account %s, tax %s, category %s (confidence %s)\n",
           config_account_name(s->role), tax_name(s->tax), s->category, conf);
    printf("    why: %s\n", s->explanation);
}

static int list_reviews(struct cli *g, const struct mapping *m, const struct mapping_usage *u)
{
    struct jw w;
    int n = 0;
    if (g->json) {
        jw_init(&w, 2);
        jw_obj(&w);
        jw_key(&w, "reviews");
        jw_arr(&w);
    }
    for (size_t i = 0; i < u->n; i++) {
        struct mapping_suggestion s;
        if (!u->v[i].review)
            continue;
        mapping_suggest(u, m, &u->v[i], &s);
        n++;
        if (g->json)
            review_json(&w, &u->v[i], &s);
        else
            review_text(&u->v[i], &s);
    }
    if (!g->json) {
        if (n == 0)
            printf("(nothing to review: every combination is covered by a specific rule or "
                   "is in Amazon's known vocabulary)\n");
        else
            printf("\nAccept one with: settlebook mappings --accept KEY [--account ROLE]\n");
        return 0;
    }
    return jw_print(&w);
}

/* ---- accepting a review ----------------------------------------------------------------- */

/* The tax category and report category a role normally has. */
static void role_defaults(int role, const char **tax, const char **category)
{
    static const struct { int role; const char *tax, *cat; } t[] = {
        { ACCT_SALES, "sales", "Sales" }, { ACCT_SHIPPING, "sales", "Shipping" },
        { ACCT_GIFT_WRAP, "sales", "Gift wrap" }, { ACCT_PROMOTIONS, "sales", "Promotions" },
        { ACCT_REFUNDS, "sales", "Refunds" }, { ACCT_FEES_SELLING, "fees", "Selling fees" },
        { ACCT_FEES_FBA, "fees", "FBA fees" }, { ACCT_FEES_STORAGE, "fees", "Storage fees" },
        { ACCT_FEES_ADVERTISING, "fees", "Advertising" },
        { ACCT_FEES_SUBSCRIPTION, "fees", "Subscription" },
        { ACCT_FEES_OTHER, "fees", "Other fees" }, { ACCT_SALES_TAX, "none", "Sales tax" },
        { ACCT_MF_TAX, "none", "Marketplace facilitator tax" },
        { ACCT_REIMBURSEMENTS, "none", "Reimbursements" }, { ACCT_RESERVES, "none", "Reserve" },
    };
    *tax = "none";
    *category = "Other";
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].role == role) {
            *tax = t[i].tax;
            *category = t[i].cat;
        }
}

static const char *who(void)
{
    const char *u = getenv("USER");
    if (!u || !u[0])
        u = getenv("LOGNAME");
    return u && u[0] ? u : "unknown user";
}

static int accept(struct cli *g, struct ledger *lg, const struct mapping *m,
                  const struct mapping_usage *u, const struct opts *o, struct err *e)
{
    const struct mapping_combo *c = NULL;
    struct mapping_suggestion s;
    const char *tax, *cat, *acct;
    char note[256];
    for (size_t i = 0; i < u->n && !c; i++)
        if (u->v[i].review && strcmp(u->v[i].key, o->accept) == 0)
            c = &u->v[i];
    if (!c)
        return err_set(e, ERR_INPUT, "no combination under review has key '%s' (`settlebook "
                       "mappings --review` lists them)", o->accept);
    mapping_suggest(u, m, c, &s);
    acct = o->account ? o->account : config_account_name(s.role);
    if (config_account_role(acct) == s.role) {
        tax = tax_name(s.tax);
        cat = s.category;
    } else {
        role_defaults(config_account_role(acct), &tax, &cat);
    }
    snprintf(note, sizeof note, "accepted review %s (settlebook mappings)", c->key);
    struct config_rule_text rt = { note, c->tt, c->at, c->ad, NULL, acct, tax, cat };
    struct mapping_accept a = { acct, tax, cat, config_account_name(s.role),
                                s.confidence_pct, who() };
    ledger_set_command(lg, "mappings");
    /* the audit entry waits in the open transaction until the config is written */
    if (ledger_begin(lg, e) < 0 || mapping_accept_audit(lg, c, &a, e) < 0 ||
        config_add_rule(g->config, &rt, e) < 0 || ledger_commit(lg, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    printf("%s: %s / %s / %s now maps to %s (tax %s, category %s) in %s.\n"
           "Rerun `settlebook reconcile` and `settlebook post` to use it.\n", c->key, c->tt,
           c->at, c->ad, acct, tax, cat, g->config);
    return 0;
}

int cli_mappings(struct cli *g)
{
    struct config cfg;
    struct err e = {0};
    struct ledger *lg = NULL;
    struct mapping m;
    struct mapping_usage u;
    struct opts o;
    int status = 0;

    memset(&m, 0, sizeof m);
    memset(&u, 0, sizeof u);
    memset(&cfg, 0, sizeof cfg);
    int p = parse(g, &o);
    if (p != 0)
        return p > 0 ? 0 : 2;
    if (cli_config_load(g, &cfg, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0 ||
        mapping_load(&m, lg, &cfg, &e) < 0 ||
        mapping_usage_load(lg, &m, "", &u, &e) < 0)
        goto fail;
    if (o.accept ? accept(g, lg, &m, &u, &o, &e) < 0
                 : o.review ? list_reviews(g, &m, &u) < 0 : list_rules(g, &m, &u) < 0) {
        if (!e.msg[0])
            err_set(&e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    goto done;
fail:
    log_error("%s", e.msg);
    status = err_exit_code(&e);
done:
    mapping_usage_free(&u);
    mapping_free(&m);
    ledger_close(lg);
    config_free(&cfg);
    return status;
}
