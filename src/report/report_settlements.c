/* report_settlements — the Settlements sheet: per settlement and account/category, the
 * journal amount of each month part (a column per month, credit positive) and where it goes
 * in Xero (document numbers from the outbox, account code, tax type). Aggregated from
 * journal_line: never one row per settlement line. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define MONTHS_MAX 600   /* month columns: fifty years of settlements */

static const char MONTHS[] =
    "SELECT DISTINCT j.month FROM journal j JOIN settlement s ON s.id = j.settlement_ref "
    "WHERE " PERIOD_SCOPE_SQL " ORDER BY 1";

static const char ROWS[] =
    "SELECT s.settlement_id, s.currency, l.category, l.account_code, l.tax_type, j.month, "
    "SUM(l.amount_minor), SUM(l.source_lines), l.role "
    "FROM journal_line l JOIN journal j ON j.id = l.journal_id "
    "JOIN settlement s ON s.id = j.settlement_ref WHERE " PERIOD_SCOPE_SQL " "
    "GROUP BY s.id, l.role, l.account_code, l.category, l.tax_type, j.month "
    "ORDER BY s.start_utc, s.settlement_id, l.role = 'carried_forward', l.role = 'clearing', "
    "l.category, l.account_code, l.tax_type, j.month";

/* ?4 = 1: only the settlement's own documents (summary mode numbers them AMZ-<id>-<part>),
 * not the Payment of a previous negative settlement's bill this one collects */
static const char DOCS[] =
    "SELECT doc_number FROM outbox WHERE settlement_id = ?1 AND month = ?2 AND "
    "state != 'superseded' AND path != ?3 AND (?4 = 0 OR doc_number GLOB 'AMZ-' || ?1 || '-*') "
    "GROUP BY doc_number ORDER BY min(seq)";

/* The Payment of a negative settlement's bill, which the next settlement renders. */
static const char COLLECTED[] =
    "SELECT doc_number FROM outbox WHERE settlement_id != ?1 AND path = '/Payments' AND "
    "state != 'superseded' AND doc_number GLOB 'AMZ-' || ?1 || '-*' "
    "GROUP BY doc_number ORDER BY min(id)";

/* What summary mode does with a settlement's clearing side: a positive settlement's payout
 * is paid into the bank; a negative one's bill is collected by the next settlement ("Payable
 * to Amazon") and paid from clearing. Other modes keep the clearing row as the journal has it. */
enum clearing_story { CLR_NONE, CLR_PAYOUT, CLR_COLLECTED };

struct srow {
    char id[64], cur[8], category[64], code[64], tax[64], role[32];
    money_t *amounts;        /* one per month column */
    unsigned char *has;
    int64_t lines;
    money_t total;
    int active;
};

struct sheet {
    struct report_sheet s;
    char (*months)[8];
    size_t nm;
    sqlite3_stmt *docs, *collected;
    struct srow row;
};

static int load_months(struct report_ctx *r, struct sheet *t, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(r->lg, &st, MONTHS, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW && t->nm < MONTHS_MAX)
        snprintf(t->months[t->nm++], 8, "%s", report_col_text(st, 0));
    sqlite3_finalize(st);
    return 0;
}

static enum clearing_story story(const struct report_ctx *r, const struct srow *w)
{
    if (r->cfg->mode != POST_SUMMARY || strcmp(w->role, "clearing") != 0)
        return CLR_NONE;
    return w->total < 0 ? CLR_PAYOUT : w->total > 0 ? CLR_COLLECTED : CLR_NONE;
}

/* Appends the rows of st (bound by the caller), each prefixed, to out. */
static void append_docs(sqlite3_stmt *st, const char *prefix, char *out, size_t cap)
{
    size_t len = strlen(out);
    while (sqlite3_step(st) == SQLITE_ROW && len + 120 < cap)
        len += (size_t)snprintf(out + len, cap - len, "%s%s%s", len ? ", " : "", prefix,
                                report_col_text(st, 0));
}

/* Appends the documents of one month part (or the settlement's payments) to out. */
static void docs_of(struct sheet *t, const char *id, const char *month, const char *path,
                    int own, const char *prefix, char *out, size_t cap)
{
    sqlite3_reset(t->docs);
    sqlite3_bind_text(t->docs, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(t->docs, 2, month, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(t->docs, 3, path, -1, SQLITE_STATIC);
    sqlite3_bind_int(t->docs, 4, own);
    append_docs(t->docs, prefix, out, cap);
}

/* Why a clearing row has no document yet (or ever). */
static const char *no_payment(const struct report_ctx *r, const struct srow *w)
{
    if (strcmp(w->role, "clearing") != 0)
        return "not in the outbox: run settlebook post";
    if (r->cfg->record_payment == PAY_NEVER || r->cfg->mode != POST_SUMMARY)
        return "none: the deposit is matched in Xero's bank reconciliation";
    if (strcmp(r->cfg->status, "AUTHORISED") != 0)
        return "none: Xero takes payments on authorised documents only (posting.status)";
    if (r->cfg->record_payment == PAY_STATEMENT)
        return "none yet: waiting for the bank statement that shows the payout";
    return "not in the outbox: run settlebook post";
}

/* Where a row's amounts go in Xero. */
static void destination(struct report_ctx *r, struct sheet *t, const struct srow *w,
                        char *out, size_t cap)
{
    enum clearing_story cs = story(r, w);
    out[0] = '\0';
    if (r->cfg->mode == POST_ORDERS) {
        snprintf(out, cap, "per order and settlement: see Postings");
        return;
    }
    if (cs == CLR_COLLECTED) {
        size_t len = (size_t)snprintf(out, cap, "collected by the next settlement (Payable to "
                                      "Amazon), paid from clearing %s",
                                      r->cfg->accounts[ACCT_CLEARING]);
        sqlite3_reset(t->collected);
        sqlite3_bind_text(t->collected, 1, w->id, -1, SQLITE_TRANSIENT);
        if (len + 2 < cap) {
            snprintf(out + len, cap - len, ": ");
            append_docs(t->collected, "Payment of ", out + len + 2, cap - len - 2);
            if (out[len + 2])
                return;
        }
        /* no later settlement's Payable to Amazon pays the bill (yet): it stays open, and
         * saying "collected" would tell an auditor the opposite */
        snprintf(out, cap, "to be collected by the next settlement (Payable to Amazon): no "
                 "Payment of its bill yet, so it stays open in Xero (see PAYABLE_DISCONTINUITY "
                 "on the next settlement, if any)");
        return;
    }
    for (size_t m = 0; m < t->nm; m++) {
        if (!w->has[m])
            continue;
        if (cs == CLR_PAYOUT)
            docs_of(t, w->id, t->months[m], "/Invoices", 1, "Payment of ", out, cap);
        else
            docs_of(t, w->id, t->months[m], "/Payments", 0, "", out, cap);
    }
    if (!out[0])
        snprintf(out, cap, "%s", no_payment(r, w));
}

static void flush(struct report_ctx *r, struct sheet *t)
{
    struct srow *w = &t->row;
    struct report_sheet *s = &t->s;
    char where[1024];
    int exp = report_exp(w->cur);
    lxw_col_t c = 6;
    if (!w->active)
        return;
    destination(r, t, w, where, sizeof where);
    if (strcmp(w->role, "clearing") == 0 || strcmp(w->role, "carried_forward") == 0)
        s->fill = RF_TOTAL;
    report_text(s, 0, w->id);
    report_text(s, 1, w->cur);
    /* the account the preview sends: summary mode pays a positive settlement's deposit (a
     * debit on the clearing side) into the bank account of its currency, not the journal's
     * clearing side, so the row names the bank */
    report_text(s, 2, story(r, w) == CLR_PAYOUT ? "Bank (payout)" : w->category);
    report_text(s, 3, story(r, w) == CLR_PAYOUT ? config_bank_account(r->cfg, w->cur) : w->code);
    report_text(s, 4, w->tax);
    if (strcmp(w->role, "clearing") == 0 || strcmp(w->role, "carried_forward") == 0)
        report_blank(s, 5);
    else
        report_int(s, 5, w->lines);
    for (size_t m = 0; m < t->nm; m++, c++)
        if (w->has[m])
            report_money(s, c, w->amounts[m], exp);
        else
            report_blank(s, c);
    report_money(s, c++, w->total, exp);
    report_text(s, c, where);
    report_next_row(s);
    w->active = 0;
}

static int same_key(const struct srow *w, sqlite3_stmt *st)
{
    return w->active && strcmp(w->id, report_col_text(st, 0)) == 0 &&
           strcmp(w->category, report_col_text(st, 2)) == 0 &&
           strcmp(w->code, report_col_text(st, 3)) == 0 &&
           strcmp(w->tax, report_col_text(st, 4)) == 0 &&
           strcmp(w->role, report_col_text(st, 8)) == 0;
}

static int add(struct report_ctx *r, struct sheet *t, sqlite3_stmt *st, struct err *e)
{
    struct srow *w = &t->row;
    const char *month = report_col_text(st, 5);
    size_t m;
    if (!same_key(w, st)) {
        flush(r, t);
        snprintf(w->id, sizeof w->id, "%s", report_col_text(st, 0));
        snprintf(w->cur, sizeof w->cur, "%s", report_col_text(st, 1));
        snprintf(w->category, sizeof w->category, "%s", report_col_text(st, 2));
        snprintf(w->code, sizeof w->code, "%s", report_col_text(st, 3));
        snprintf(w->tax, sizeof w->tax, "%s", report_col_text(st, 4));
        snprintf(w->role, sizeof w->role, "%s", report_col_text(st, 8));
        memset(w->amounts, 0, t->nm * sizeof *w->amounts);
        memset(w->has, 0, t->nm);
        w->lines = 0;
        w->total = 0;
        w->active = 1;
    }
    for (m = 0; m < t->nm && strcmp(t->months[m], month) != 0; m++)
        ;
    if (m == t->nm)
        return err_set(e, ERR_INTERNAL, "Settlements: month %s has no column", month);
    w->has[m] = 1;
    w->lines += sqlite3_column_int64(st, 7);
    if (money_add(&w->amounts[m], sqlite3_column_int64(st, 6), e) < 0 ||
        money_add(&w->total, sqlite3_column_int64(st, 6), e) < 0)
        return -1;
    return 0;
}

int report_settlements(struct report_ctx *r, struct err *e)
{
    static const struct report_col head[] = {
        { "Settlement ID", 14, 0 }, { "Currency", 9, 0 }, { "Category", 26, 0 },
        { "Account code", 9, 0 }, { "Tax type", 12, 0 }, { "Settlement lines", 11, 1 },
    };
    struct sheet t;
    struct report_col *cols = NULL;
    sqlite3_stmt *st = NULL;
    char (*names)[40] = NULL;
    size_t n;
    int rc = -1, step;

    memset(&t, 0, sizeof t);
    t.months = calloc(MONTHS_MAX, sizeof *t.months);
    t.row.amounts = calloc(MONTHS_MAX, sizeof *t.row.amounts);
    t.row.has = calloc(MONTHS_MAX, 1);
    names = calloc(MONTHS_MAX, sizeof *names);
    cols = calloc(MONTHS_MAX + 8, sizeof *cols);
    if (!t.months || !t.row.amounts || !t.row.has || !names || !cols) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    if (load_months(r, &t, e) < 0)
        goto done;
    n = sizeof head / sizeof head[0];
    memcpy(cols, head, sizeof head);
    for (size_t m = 0; m < t.nm; m++) {
        snprintf(names[m], sizeof names[m], "%s (credit +)", t.months[m]);
        cols[n].name = names[m];
        cols[n].num = 1;
        cols[n++].width = 19;
    }
    cols[n].name = "Total (credit +)";
    cols[n].num = 1;
    cols[n++].width = 17;
    cols[n].name = "Xero documents";
    cols[n++].width = 40;
    if (report_sheet_begin(r, &t.s, "Settlements", cols, n, e) < 0 ||
        ledger_prepare(r->lg, &st, ROWS, e) < 0 || ledger_prepare(r->lg, &t.docs, DOCS, e) < 0 ||
        ledger_prepare(r->lg, &t.collected, COLLECTED, e) < 0)
        goto done;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (add(r, &t, st, e) < 0)
            goto done;
    if (step != SQLITE_DONE) {
        ledger_fail(r->lg, e, "settlements");
        goto done;
    }
    flush(r, &t);
    rc = report_sheet_end(&t.s, e);
done:
    sqlite3_finalize(st);
    sqlite3_finalize(t.docs);
    sqlite3_finalize(t.collected);
    free(t.months);
    free(t.row.amounts);
    free(t.row.has);
    free(names);
    free(cols);
    return rc;
}
