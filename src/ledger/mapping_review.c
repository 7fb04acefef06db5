/* mapping_review — suggests where a combination under review should go, from what the ledger
 * already knows: the reviewed combinations (with the account their lines went to) and the
 * literal rules. Integer scores only, fixed tie-breaks, no network: the same ledger always
 * gives the same suggestion and the same one-sentence explanation. */
#include "ledger.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define WORDS_MAX 16
#define WORD_LEN 24
#define SCORE_WORDS 50      /* all words shared */
#define SCORE_AMOUNT_TYPE 20
#define SCORE_TRANSACTION 15
#define SCORE_SIGN 15
#define SCORE_USEFUL 35     /* below this nothing known really resembles it */

struct words {
    char w[WORDS_MAX][WORD_LEN];
    int n;
};

/* Words that say little about which account an amount belongs to: nearly every charge is
 * a "fee". They are left out of the comparison. */
static int generic(const char *w)
{
    static const char *const g[] = { "fee", "fees", "amount", "total", "charge" };
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
        if (strcmp(g[i], w) == 0)
            return 1;
    return 0;
}

/* Lower-case words of a description: split at anything not a letter or digit, at a
 * lower-to-upper change (camelCase) and between letters and digits; numbers and one-letter
 * pieces are dropped, and so are generic words ("NewMysteryFee2026" -> new, mystery). */
static void split_words(const char *s, struct words *out)
{
    char cur[WORD_LEN];
    size_t len = 0;
    int digits = 1;
    out->n = 0;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        int boundary = !c || !isalnum(c) ||
                       (len && isupper(c) && islower((unsigned char)p[-1])) ||
                       (len && (isdigit(c) != 0) != (isdigit((unsigned char)p[-1]) != 0));
        if (boundary && len) {
            cur[len] = '\0';
            int dup = 0;
            for (int i = 0; i < out->n; i++)
                dup |= strcmp(out->w[i], cur) == 0;
            if (len > 1 && !digits && !dup && !generic(cur) && out->n < WORDS_MAX)
                memcpy(out->w[out->n++], cur, len + 1);
            len = 0;
            digits = 1;
        }
        if (!c)
            break;
        if (isalnum(c) && len < WORD_LEN - 1) {
            cur[len++] = (char)tolower(c);
            digits &= isdigit(c) != 0;
        }
    }
}

/* Shared words into shared (", "-joined), and 50 * shared / union. */
static int word_score(const struct words *a, const struct words *b, char *shared, size_t cap)
{
    int common = 0;
    size_t used = 0;
    shared[0] = '\0';
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++)
            if (strcmp(a->w[i], b->w[j]) == 0) {
                int k = snprintf(shared + used, cap - used, "%s'%s'", common ? ", " : "",
                                 a->w[i]);
                if (k > 0 && (size_t)k < cap - used)
                    used += (size_t)k;
                common++;
            }
    int all = a->n + b->n - common;
    return all ? SCORE_WORDS * common / all : 0;
}

static int sign(int64_t v)
{
    return v < 0 ? -1 : v > 0 ? 1 : 0;
}

/* One thing the combination may resemble: a reviewed combination or a literal rule. */
struct cand {
    const char *tt, *at, *ad;
    int sgn;                      /* 0 when unknown (a rule) */
    int64_t lines;
    const struct mapping_rule *rule;
    int from_rule;
};

struct best {
    struct cand c;
    int score, have;
    char why[320];
};

static void consider(struct best *b, const struct mapping_combo *x, const struct words *xw,
                     const struct cand *c)
{
    struct words cw;
    char shared[160], why[320];
    size_t n = 0;
    int s;
    if (!c->rule || c->rule->role < 0)
        return;
    split_words(c->ad, &cw);
    s = word_score(xw, &cw, shared, sizeof shared);
    why[0] = '\0';
    if (shared[0])
        n += (size_t)snprintf(why + n, sizeof why - n, "shares the word%s %s",
                              strchr(shared, ',') ? "s" : "", shared);
    if (strcmp(c->at, x->at) == 0) {
        s += SCORE_AMOUNT_TYPE;
        n += (size_t)snprintf(why + n, sizeof why - n, "%ssame amount type %s",
                              n ? ", " : "", x->at);
    }
    if (n < sizeof why && strcmp(c->tt, x->tt) == 0) {
        s += SCORE_TRANSACTION;
        n += (size_t)snprintf(why + n, sizeof why - n, "%ssame transaction type %s",
                              n ? ", " : "", x->tt);
    }
    if (n < sizeof why && c->sgn && c->sgn == sign(x->sum)) {
        s += SCORE_SIGN;
        snprintf(why + n, sizeof why - n, "%sboth %s", n ? ", " : "",
                 c->sgn < 0 ? "negative" : "positive");
    }
    /* ties: more lines, then the earlier candidate (usage is sorted, rules in order) */
    if (b->have && (s < b->score || (s == b->score && c->lines <= b->c.lines)))
        return;
    b->c = *c;
    b->score = s;
    b->have = 1;
    snprintf(b->why, sizeof b->why, "%s", why);
}

static void fallback(const struct mapping_combo *x, struct mapping_suggestion *out)
{
    int fee = x->sum < 0;
    out->role = fee ? ACCT_FEES_OTHER : ACCT_REIMBURSEMENTS;
    out->tax = fee ? TAX_FEES : TAX_NONE;
    snprintf(out->category, sizeof out->category, "%s", fee ? "Other fees" : "Reimbursements");
    out->confidence_pct = 20;
    snprintf(out->explanation, sizeof out->explanation, "Nothing the ledger knows resembles "
             "%s / %s / %s; its amounts are %s, which usually means %s.", x->tt, x->at, x->ad,
             fee ? "negative" : "positive or zero",
             fee ? "a charge by Amazon (other fees)" : "money from Amazon (reimbursements)");
}

void mapping_suggest(const struct mapping_usage *u, const struct mapping *m,
                     const struct mapping_combo *c, struct mapping_suggestion *out)
{
    struct best b;
    struct words xw;
    memset(&b, 0, sizeof b);
    memset(out, 0, sizeof *out);
    split_words(c->ad, &xw);
    for (size_t i = 0; i < u->n; i++) {
        const struct mapping_combo *k = &u->v[i];
        struct cand cd = { k->tt, k->at, k->ad, sign(k->sum), k->lines, k->rule, 0 };
        if (!k->review && k != c)
            consider(&b, c, &xw, &cd);
    }
    for (size_t i = 0; i < m->n; i++) {
        const struct mapping_rule *r = &m->rules[i];
        struct cand cd = { r->transaction_type, r->amount_type, r->amount_description, 0, 0,
                           r, 1 };
        if (!mapping_rule_wildcard(r))
            consider(&b, c, &xw, &cd);
    }
    if (!b.have || b.score < SCORE_USEFUL) {
        fallback(c, out);
        return;
    }
    out->role = b.c.rule->role;
    out->tax = b.c.rule->tax;
    snprintf(out->category, sizeof out->category, "%s", b.c.rule->category);
    out->confidence_pct = b.score > 100 ? 100 : b.score;
    if (b.c.from_rule)
        snprintf(out->explanation, sizeof out->explanation, "Resembles the %s rule %s / %s / "
                 "%s (%s), which maps to %s (%s).", b.c.rule->user ? "settlebook.json" :
                 "built-in", b.c.tt[0] ? b.c.tt : "*", b.c.at[0] ? b.c.at : "*", b.c.ad,
                 b.why, config_account_name(out->role), out->category);
    else
        snprintf(out->explanation, sizeof out->explanation, "Resembles %s / %s / %s (%s), "
                 "whose %lld line%s went to %s (%s).", b.c.tt, b.c.at, b.c.ad, b.why,
                 (long long)b.c.lines, b.c.lines == 1 ? "" : "s",
                 config_account_name(out->role), out->category);
}
