/* reconcile_deposit — ties each settlement's total-amount to one bank statement line:
 * DEPOSIT_NOT_FOUND, DEPOSIT_AMOUNT_MISMATCH, the bank side of CURRENCY_MISMATCH, and
 * DEPOSIT_NOT_CHECKED when no statement covers the deposit date. Each bank line pays at most
 * one settlement. Matching runs over the whole ledger (so a period's result does not depend
 * on which period runs first); only settlements in scope get exceptions. A negative
 * settlement expects no bank line: Amazon collects it from the next settlement ("Payable to
 * Amazon") or charges the card on file. Reads only. */
#include "reconcile_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define STR_(x) #x
#define STR(x) STR_(x)

/* The bank lines whose date is within the deposit window of the date bound to ?3. */
#define IN_WINDOW                                                                             \
    "substr(b.date, 1, 10) BETWEEN date(?3, '-" STR(RECONCILE_DEPOSIT_DAYS_BEFORE) " days') " \
    "AND date(?3, '+" STR(RECONCILE_DEPOSIT_DAYS_AFTER) " days')"
#define UNCLAIMED "b.id NOT IN (SELECT bank_id FROM temp.reconcile_claim)"
#define AMAZON_LIKE                                                                        \
    "(b.payee LIKE '%amazon%' OR b.description LIKE '%amazon%' OR b.reference LIKE "       \
    "'%amazon%' OR b.payee LIKE '%amzn%' OR b.description LIKE '%amzn%' OR b.reference "   \
    "LIKE '%amzn%')"
#define SAME_SIGN "((b.amount_minor > 0) = (?2 > 0))"
#define NEAREST_DAY "abs(julianday(substr(b.date, 1, 10)) - julianday(?3)), b.date, b.id"

static const char CLAIMS[] =
    "DROP TABLE IF EXISTS temp.reconcile_claim;"
    "CREATE TEMP TABLE reconcile_claim (bank_id INTEGER PRIMARY KEY,"
    " settlement_ref INTEGER NOT NULL UNIQUE, how TEXT NOT NULL)";

/* Every settlement that expects money to move, in deposit order, with whether a statement
 * in its currency covers its deposit date. */
static const char SETTLEMENTS[] =
    "WITH cov AS (SELECT currency, min(substr(date, 1, 10)) AS lo, max(substr(date, 1, 10)) "
    "  AS hi FROM bank_line GROUP BY currency) "
    "SELECT s.id, s.currency, s.total_minor, substr(s.deposit_utc, 1, 10), "
    "  coalesce(substr(s.deposit_utc, 1, 10) BETWEEN cov.lo AND cov.hi, 0) "
    "FROM settlement s LEFT JOIN cov ON cov.currency = s.currency "
    "WHERE s.total_minor > 0 ORDER BY substr(s.deposit_utc, 1, 10), s.settlement_id";

static const char EXACT[] =
    "SELECT b.id FROM bank_line b WHERE b.currency = ?1 AND b.amount_minor = ?2 AND " IN_WINDOW
    " AND " UNCLAIMED " ORDER BY " NEAREST_DAY " LIMIT 1";

static const char NEAR[] =
    "SELECT b.id FROM bank_line b WHERE b.currency = ?1 AND " SAME_SIGN " AND " IN_WINDOW
    " AND " AMAZON_LIKE " AND " UNCLAIMED " ORDER BY abs(b.amount_minor - ?2), " NEAREST_DAY
    " LIMIT 1";

static const char OTHER_CURRENCY[] =
    "SELECT b.id FROM bank_line b WHERE b.currency != ?1 AND " SAME_SIGN " AND " IN_WINDOW
    " AND " AMAZON_LIKE " AND " UNCLAIMED " ORDER BY " NEAREST_DAY " LIMIT 1";

static const char CLAIM[] =
    "INSERT INTO temp.reconcile_claim(bank_id, settlement_ref, how) VALUES (?, ?, ?)";

static const char EMIT[] =
    "WITH cov AS (SELECT currency, min(substr(date, 1, 10)) AS lo, max(substr(date, 1, 10)) "
    "  AS hi FROM bank_line GROUP BY currency) "
    "SELECT s.settlement_id, s.currency, s.total_minor, substr(s.deposit_utc, 1, 10), "
    "  c.how, b.date, b.amount_minor, b.currency, "
    "  coalesce(nullif(b.payee, ''), nullif(b.description, ''), b.reference), cov.lo, cov.hi, "
    "  date(substr(s.deposit_utc, 1, 10), '-" STR(RECONCILE_DEPOSIT_DAYS_BEFORE) " days'), "
    "  date(substr(s.deposit_utc, 1, 10), '+" STR(RECONCILE_DEPOSIT_DAYS_AFTER) " days') "
    "FROM settlement s LEFT JOIN temp.reconcile_claim c ON c.settlement_ref = s.id "
    "LEFT JOIN bank_line b ON b.id = c.bank_id LEFT JOIN cov ON cov.currency = s.currency "
    "WHERE s.total_minor > 0 AND " PERIOD_SCOPE_SQL " "
    "ORDER BY s.start_utc, s.settlement_id";

struct want {
    int64_t ref, total;
    char currency[8], date[16];
    int covered, claimed;
};

struct deposits {
    struct want *w;
    size_t n;
    sqlite3_stmt *claim;
};

static int load(struct reconcile_ctx *c, struct deposits *d, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    if (ledger_prepare(c->lg, &st, SETTLEMENTS, e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (d->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct want *nw = realloc(d->w, ncap * sizeof *nw);
            if (!nw) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            d->w = nw;
            cap = ncap;
        }
        struct want *w = &d->w[d->n++];
        memset(w, 0, sizeof *w);
        w->ref = sqlite3_column_int64(st, 0);
        snprintf(w->currency, sizeof w->currency, "%s", reconcile_str(st, 1));
        w->total = sqlite3_column_int64(st, 2);
        snprintf(w->date, sizeof w->date, "%s", reconcile_str(st, 3));
        w->covered = sqlite3_column_int(st, 4);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "deposit settlements");
}

/* One pass: every unclaimed settlement (filtered by covered when only_uncovered) takes the
 * first bank line sql offers, recorded as `how`. */
static int pass(struct reconcile_ctx *c, struct deposits *d, const char *sql, const char *how,
                int only_uncovered, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    for (size_t i = 0; i < d->n; i++) {
        struct want *w = &d->w[i];
        int64_t bank = 0;
        int s, ok;
        if (w->claimed || (only_uncovered && w->covered))
            continue;
        sqlite3_bind_text(st, 1, w->currency, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, w->total);
        sqlite3_bind_text(st, 3, w->date, -1, SQLITE_STATIC);
        s = sqlite3_step(st);
        if (s == SQLITE_ROW)
            bank = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (s != SQLITE_ROW && s != SQLITE_DONE) {
            sqlite3_finalize(st);
            return ledger_fail(c->lg, e, "deposit match");
        }
        if (s == SQLITE_DONE)
            continue;
        sqlite3_bind_int64(d->claim, 1, bank);
        sqlite3_bind_int64(d->claim, 2, w->ref);
        sqlite3_bind_text(d->claim, 3, how, -1, SQLITE_STATIC);
        ok = sqlite3_step(d->claim) == SQLITE_DONE;
        sqlite3_reset(d->claim);
        if (!ok) {
            sqlite3_finalize(st);
            return ledger_fail(c->lg, e, "deposit claim");
        }
        w->claimed = 1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* A payout that arrived converted into the base currency's account, where settlebook posts
 * it (summary or orders mode, record_payment statement, no bank account of its own currency):
 * every document and payment of the settlement then carries the statement's rate
 * (xero_statement_rate), so nothing is left to convert by hand. Says so (info) and returns
 * 1; 0 when settlebook cannot post it that way. */
static int converted_rate(const struct config *cfg, const char *cur, int64_t total,
                          const char *bcur, int64_t bank, char *expl, size_t ecap, char *action,
                          size_t acap)
{
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], r[MONEY_FMT_MAX];
    int64_t rate;
    if (cfg->mode == POST_JOURNAL || cfg->record_payment != PAY_STATEMENT ||
        strcmp(bcur, cfg->base_currency) != 0 || !config_bank_converted(cfg, cur) ||
        money_rate(total, money_exponent(cur), bank, money_exponent(bcur), &rate) < 0)
        return 0;
    snprintf(expl, ecap, "The %s payout of %s arrived converted as %s: settlebook posts "
             "the settlement at the bank statement's rate, CurrencyRate %s (%s per %s), on its "
             "payments, so Xero books exactly what arrived, and on its documents unless one "
             "was sent to Xero before the statement showed the payout.", cur,
             reconcile_amount(a, total, cur), reconcile_amount(b, bank, bcur),
             money_format(r, rate, 6), cur, bcur);
    snprintf(action, acap, "Nothing to do; add a %s bank account to accounts.bank if the payout "
             "should arrive in %s.", cur, cur);
    return 1;
}

static int emit_row(struct reconcile_ctx *c, sqlite3_stmt *st, struct err *e)
{
    const char *sid = reconcile_str(st, 0), *cur = reconcile_str(st, 1);
    const char *dep = reconcile_str(st, 3), *how = reconcile_col(st, 4);
    const char *bdate = reconcile_str(st, 5), *bcur = reconcile_str(st, 7);
    const char *who = reconcile_str(st, 8), *lo = reconcile_col(st, 9);
    const char *hi = reconcile_str(st, 10), *from = reconcile_str(st, 11);
    const char *to = reconcile_str(st, 12);
    int64_t total = sqlite3_column_int64(st, 2), bank = sqlite3_column_int64(st, 6);
    char a[RECONCILE_AMOUNT_MAX], b[RECONCILE_AMOUNT_MAX], expl[512], action[256];
    struct exception_row r = {
        .settlement_id = sid, .currency = cur, .has_expected = 1, .expected = total,
        .explanation = expl, .action = action,
    };
    int covered = lo && strcmp(lo, dep) <= 0 && strcmp(dep, hi) <= 0;

    if (how && strcmp(how, "exact") == 0)
        return 0;
    if (how && strcmp(how, "near") == 0) {
        r.kind = "DEPOSIT_AMOUNT_MISMATCH";
        r.severity = "error";
        r.has_actual = 1;
        r.actual = bank;
        snprintf(expl, sizeof expl, "The bank line of %s (%s) is %s but the settlement's "
                 "total-amount is %s (deposit date %s).", bdate, who,
                 reconcile_amount(a, bank, cur), reconcile_amount(b, total, cur), dep);
        snprintf(action, sizeof action, "Find what Amazon netted from the payout in Seller "
                 "Central (Payments > Disbursements) and book the difference, or open a case "
                 "if it is wrong.");
    } else if (how) {
        r.kind = "CURRENCY_MISMATCH";
        if (converted_rate(c->cfg, cur, total, bcur, bank, expl, sizeof expl, action,
                           sizeof action)) {
            r.severity = "info";
            return reconcile_emit(c, &r, e);
        }
        r.severity = "error";
        snprintf(expl, sizeof expl, "The settlement is in %s (total %s) but the Amazon bank "
                 "line near its deposit date is %s on %s: the payout was converted.", cur,
                 reconcile_amount(a, total, cur), reconcile_amount(b, bank, bcur), bdate);
        snprintf(action, sizeof action, "%s", c->cfg->mode == POST_JOURNAL
                 ? "Journal mode posts manual journals, which Xero books in the base currency "
                   "only: post this settlement in summary or orders mode, or book it by hand."
                 : "Set posting.record_payment to statement so every document carries the "
                   "statement's rate, or book the conversion by hand; fix bank.currency if the "
                   "statement is really in the settlement's currency.");
    } else if (covered) {
        r.kind = "DEPOSIT_NOT_FOUND";
        r.severity = "error";
        r.has_actual = 1;
        r.actual = 0;
        snprintf(expl, sizeof expl, "No bank line of %s (nor any Amazon line of that sign) "
                 "between %s and %s; the %s statement covers %s to %s.",
                 reconcile_amount(a, total, cur), from, to, cur, lo, hi);
        snprintf(action, sizeof action, "Check the disbursement in Seller Central (Payments > "
                 "Disbursements) and the bank account it was sent to.");
    } else {
        r.kind = "DEPOSIT_NOT_CHECKED";
        r.severity = "info";
        if (lo)
            snprintf(expl, sizeof expl, "The %s bank statement (%s to %s) does not cover the "
                     "deposit date %s: the %s payout was not checked.", cur, lo, hi, dep,
                     reconcile_amount(a, total, cur));
        else
            snprintf(expl, sizeof expl, "No %s bank statement is in the ledger: the payout "
                     "of %s on %s was not checked.", cur, reconcile_amount(a, total, cur), dep);
        snprintf(action, sizeof action, "Ingest the bank statement CSV that covers %s, then "
                 "rerun reconcile.", dep);
    }
    return reconcile_emit(c, &r, e);
}

int reconcile_deposit(struct reconcile_ctx *c, struct err *e)
{
    struct deposits d = {0};
    sqlite3_stmt *st;
    int rc = -1;
    if (ledger_exec(c->lg, CLAIMS, e) < 0 || load(c, &d, e) < 0 ||
        ledger_prepare(c->lg, &d.claim, CLAIM, e) < 0)
        goto done;
    if (pass(c, &d, EXACT, "exact", 0, e) < 0 || pass(c, &d, NEAR, "near", 0, e) < 0 ||
        pass(c, &d, OTHER_CURRENCY, "currency", 1, e) < 0)
        goto done;
    if (ledger_prepare(c->lg, &st, EMIT, e) < 0 || reconcile_each(c, st, emit_row, e) < 0)
        goto done;
    rc = ledger_exec(c->lg, "DROP TABLE temp.reconcile_claim", e);
done:
    sqlite3_finalize(d.claim);
    free(d.w);
    return rc;
}
