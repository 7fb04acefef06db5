/* report_summary — the Summary sheet: one row per settlement touching the period (reported
 * total, sum of its lines, deposit check, Xero documents, exceptions, status), a total row
 * per currency, a legend of the status words and the sign convention; then, once Finances
 * API events are in, what Amazon owes at the period's end (ledger_balance_each). Reads the
 * settlement, exception, bank_line, outbox and Finances API event tables only. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

static const struct report_col cols[] = {
    { "Settlement ID", 16, 0 }, { "Marketplace", 16, 0 }, { "Currency", 9, 0 },
    { "Start", 12, 0 }, { "Start time (UTC)", 10, 0 }, { "End", 12, 0 },
    { "End time (UTC)", 10, 0 }, { "Deposit date", 12, 0 },
    { "Reported total", 16, 1 }, { "Sum of lines", 16, 1 }, { "Difference", 13, 1 },
    { "Deposit matched", 26, 0 }, { "Documents", 40, 0 }, { "Exceptions", 12, 1 },
    { "Status", 11, 0 },
};
enum { C_ID, C_MK, C_CUR, C_START, C_START_T, C_END, C_END_T, C_DEP, C_TOTAL, C_SUM, C_DIFF,
       C_DEPOSIT, C_DOCS, C_EXC, C_STATUS };

/* The legend under the table: what the status and deposit words mean, and the signs. */
static const char *const legend[][2] = {
    { "Status", NULL },
    { "ERRORS", "error-severity exceptions remain for this settlement (Exceptions sheet): fix "
                "them before posting" },
    { "UNPOSTED", "no Xero request built yet: run settlebook close (or post) for the month" },
    { "OK", "requests built and shown in the dry-run preview, not yet all confirmed by Xero: "
            "ready to post live" },
    { "POSTED", "every Xero request of the settlement confirmed by Xero (live posting)" },
    { "FAILED", "Xero rejected a document: settlebook outbox dead shows its message" },
    { "Deposit matched", NULL },
    { "Yes", "a bank statement line pays the reported total within 1 day before to 5 days "
             "after the deposit date" },
    { "Yes: converted", "the payout arrived converted into the base currency's account; its "
                        "documents and payment are posted at the statement's rate" },
    { "No: ...", "the statement covers the date but no line pays the total (amount differs, "
                 "not found, or another currency): see Exceptions" },
    { "Not checked", "no bank statement in the settlement's currency covers the deposit date" },
    { "n/a: negative ...", "a negative settlement pays nothing out: the next settlement "
                           "collects it as \"Payable to Amazon\" (or Amazon charges the "
                           "card); the Settlements sheet says whether that happened" },
    { "Signs", NULL },
    { "+ / -", "amounts are as Amazon reports them: + is owed to you (sales, reimbursements, a "
               "deposit), - is charged to you (fees, refunds, promotions). In journals and the "
               "Settlements sheet, credit is + and debit is -" },
    { "Difference", "sum of lines - reported total; anything but 0 is a "
                    "SETTLEMENT_TOTAL_MISMATCH" },
    { "Dates", "dates and times are UTC, as Amazon writes them; a line's month follows the "
               "configured posting time zone" },
};

static void write_legend(struct report_sheet *s, int totals_written)
{
    /* the legend follows the second empty row, whether or not totals came before it */
    if (!totals_written)
        report_next_row(s);
    report_next_row(s);
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++) {
        if (!legend[i][1]) {
            s->fill = RF_TOTAL;
            report_text(s, C_ID, legend[i][0]);
        } else {
            report_text(s, C_ID, legend[i][0]);
            report_text(s, C_MK, legend[i][1]);
        }
        report_next_row(s);
    }
}

static const char ROWS[] =
    "SELECT s.settlement_id, s.marketplace, s.currency, s.start_utc, s.end_utc, "
    "s.deposit_utc, s.total_minor, s.lines_sum_minor, "
    "(SELECT group_concat(kind, ' ') FROM (SELECT DISTINCT x.kind || CASE WHEN x.severity "
    "  = 'info' THEN '(info)' ELSE '' END AS kind FROM exception x WHERE "
    "  x.settlement_id = s.settlement_id AND x.kind IN ('DEPOSIT_NOT_FOUND', "
    "  'DEPOSIT_AMOUNT_MISMATCH', 'DEPOSIT_NOT_CHECKED', 'CURRENCY_MISMATCH') ORDER BY 1)), "
    "EXISTS (SELECT 1 FROM bank_line b WHERE b.currency = s.currency), "
    "(SELECT COUNT(*) FROM exception x WHERE x.settlement_id = s.settlement_id), "
    "(SELECT COUNT(*) FROM exception x WHERE x.settlement_id = s.settlement_id AND "
    EXCEPTION_OPEN_ERROR_SQL "), "
    "(SELECT COUNT(*) FROM outbox o WHERE o.settlement_id = s.settlement_id AND "
    "  o.state != 'superseded'), "
    "(SELECT COUNT(*) FROM outbox o WHERE o.settlement_id = s.settlement_id AND "
    "  o.state = 'confirmed'), "
    "(SELECT COUNT(*) FROM outbox o WHERE o.settlement_id = s.settlement_id AND "
    "  o.state = 'dead') "
    "FROM settlement s WHERE " PERIOD_SCOPE_SQL " ORDER BY s.start_utc, s.settlement_id";

static const char DOCS[] =
    "SELECT doc_number FROM outbox WHERE settlement_id = ? AND state != 'superseded' "
    "GROUP BY doc_number ORDER BY min(seq), doc_number";

/* What the reconcile stage found about the bank deposit (from its exceptions). */
static const char *deposit_text(const char *kinds, int has_bank, money_t total)
{
    if (total == 0)
        return "n/a (nothing paid)";
    /* a negative settlement pays nothing out: the next one carries it as "Payable to Amazon" */
    if (total < 0)
        return "n/a: negative, nothing paid out (the next settlement collects it)";
    /* info: the payout arrived converted and is posted at the statement's rate */
    if (strstr(kinds, "CURRENCY_MISMATCH(info)"))
        return "Yes: converted";
    if (strstr(kinds, "CURRENCY_MISMATCH"))
        return "No: currency differs";
    if (strstr(kinds, "DEPOSIT_AMOUNT_MISMATCH"))
        return "No: amount differs";
    if (strstr(kinds, "DEPOSIT_NOT_FOUND"))
        return "No: not found";
    if (!has_bank || strstr(kinds, "DEPOSIT_NOT_CHECKED"))
        return "Not checked: no statement";
    return "Yes";
}

/* "AMZ-1-1, AMZ-1-2", at most REPORT_DOCS_LISTED_MAX numbers, then how many more. */
static int documents(sqlite3_stmt *st, const char *id, char *out, size_t cap)
{
    size_t n = 0, len = 0;
    out[0] = '\0';
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n < REPORT_DOCS_LISTED_MAX && len + 200 < cap)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", n ? ", " : "",
                                    report_col_text(st, 0));
        n++;
    }
    if (n > REPORT_DOCS_LISTED_MAX)
        snprintf(out + len, cap - len, " and %zu more (see Postings)",
                 n - REPORT_DOCS_LISTED_MAX);
    return (int)n;
}

struct ctotal {
    char cur[8];
    int64_t n;
    money_t total, sum, diff;
};

static int add_total(struct ctotal *t, size_t *n, size_t max, const char *cur, money_t total,
                     money_t sum, struct err *e)
{
    size_t i;
    for (i = 0; i < *n && strcmp(t[i].cur, cur) != 0; i++)
        ;
    if (i == *n) {
        if (*n == max)
            return err_set(e, ERR_INPUT, "more than %zu currencies in one period", max);
        memset(&t[i], 0, sizeof t[i]);
        snprintf(t[i].cur, sizeof t[i].cur, "%s", cur);
        (*n)++;
    }
    t[i].n++;
    if (money_add(&t[i].total, total, e) < 0 || money_add(&t[i].sum, sum, e) < 0 ||
        money_add(&t[i].diff, sum - total, e) < 0)
        return -1;
    return 0;
}

static int cmp_total(const void *a, const void *b)
{
    return strcmp(((const struct ctotal *)a)->cur, ((const struct ctotal *)b)->cur);
}

static void totals(struct report_sheet *s, struct ctotal *t, size_t n)
{
    char label[64];
    if (n > 1)
        qsort(t, n, sizeof *t, cmp_total);
    report_sheet_table_end(s);
    if (n)
        report_next_row(s); /* one empty row between the table and its totals */
    for (size_t i = 0; i < n; i++) {
        int exp = report_exp(t[i].cur);
        s->fill = RF_TOTAL;
        snprintf(label, sizeof label, "Total %s (%lld settlement%s)", t[i].cur,
                 (long long)t[i].n, t[i].n == 1 ? "" : "s");
        report_text(s, C_ID, label);
        for (lxw_col_t c = C_MK; c < s->ncols; c++)
            report_blank(s, c);
        report_text(s, C_CUR, t[i].cur);
        report_money(s, C_TOTAL, t[i].total, exp);
        report_money(s, C_SUM, t[i].sum, exp);
        report_money(s, C_DIFF, t[i].diff, exp);
        report_next_row(s);
    }
}

struct owed {
    struct report_sheet *s;
    char label[64];
    int rows;
};

/* One row per marketplace and currency: Finances API amounts no settlement holds at the
 * period's end, plus the reserve the last settlement held back. */
static int owed_row(void *arg, const struct balance_info *b)
{
    struct owed *o = arg;
    struct report_sheet *s = o->s;
    char u[MONEY_FMT_MAX], res[MONEY_FMT_MAX], text[512];
    int exp = report_exp(b->currency);
    money_t total;
    if (!b->events)
        return 0; /* a seller without Finances API events sees settlements only */
    if (__builtin_add_overflow(b->unsettled, b->reserve_held, &total))
        return -1;
    if (o->rows++ == 0)
        report_next_row(s);
    s->fill = RF_TOTAL;
    for (lxw_col_t c = 0; c < s->ncols; c++)
        report_blank(s, c);
    report_text(s, C_ID, o->label);
    report_text(s, C_MK, b->marketplace);
    report_text(s, C_CUR, b->currency);
    if (*b->last_settlement_end)
        report_date(s, C_END, b->last_settlement_end, 1);
    if (*b->next_deposit)
        report_date(s, C_DEP, b->next_deposit, 0);
    report_money(s, C_TOTAL, total, exp);
    snprintf(text, sizeof text, "Amazon owes %s: not yet in a settlement %s (%lld amounts, "
             "Finances API); reserve held by settlement %s: %s; next deposit expected %s",
             b->currency, money_format(u, b->unsettled, exp), (long long)b->lines,
             *b->last_settlement_id ? b->last_settlement_id : "-",
             money_format(res, b->reserve_held, exp), *b->next_deposit ? b->next_deposit : "-");
    report_wrap(s, C_DOCS, text);
    report_next_row(s);
    return 0;
}

/* What Amazon owes at the end of the period (of everything: now, for period ""). */
static int owed(struct report_ctx *r, struct report_sheet *s, struct err *e)
{
    struct owed o = { .s = s };
    char next[8], before[11] = "";
    if (r->period[0]) {
        period_next(r->period, next);
        snprintf(before, sizeof before, "%s-01", next);
        snprintf(o.label, sizeof o.label, "Amazon owes at end of %s", r->period);
    } else {
        snprintf(o.label, sizeof o.label, "Amazon owes");
    }
    return ledger_balance_each(r->lg, before, owed_row, &o, e);
}

int report_summary(struct report_ctx *r, struct err *e)
{
    struct report_sheet s;
    struct ctotal t[32];
    size_t nt = 0;
    sqlite3_stmt *st = NULL, *docs = NULL;
    char list[2048];
    int rc = -1, step;

    if (report_sheet_begin(r, &s, "Summary", cols, sizeof cols / sizeof cols[0], e) < 0 ||
        ledger_prepare(r->lg, &st, ROWS, e) < 0 || ledger_prepare(r->lg, &docs, DOCS, e) < 0)
        goto done;
    sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = report_col_text(st, 0), *cur = report_col_text(st, 2);
        money_t total = sqlite3_column_int64(st, 6), sum = sqlite3_column_int64(st, 7);
        int64_t errors = sqlite3_column_int64(st, 11), rows = sqlite3_column_int64(st, 12);
        int64_t confirmed = sqlite3_column_int64(st, 13), dead = sqlite3_column_int64(st, 14);
        int exp = report_exp(cur);
        documents(docs, id, list, sizeof list);
        if (errors > 0)
            s.fill = RF_ERROR;
        report_text(&s, C_ID, id);
        report_text(&s, C_MK, report_col_text(st, 1));
        report_text(&s, C_CUR, cur);
        report_date(&s, C_START, report_col_text(st, 3), 0);
        report_time(&s, C_START_T, report_col_text(st, 3));
        report_date(&s, C_END, report_col_text(st, 4), 0);
        report_time(&s, C_END_T, report_col_text(st, 4));
        report_date(&s, C_DEP, report_col_text(st, 5), 0);
        report_money(&s, C_TOTAL, total, exp);
        report_money(&s, C_SUM, sum, exp);
        report_money(&s, C_DIFF, sum - total, exp);
        report_text(&s, C_DEPOSIT, deposit_text(report_col_text(st, 8),
                                                sqlite3_column_int(st, 9), total));
        report_wrap(&s, C_DOCS, list);
        report_int(&s, C_EXC, sqlite3_column_int64(st, 10));
        report_text(&s, C_STATUS, errors > 0 ? "ERRORS" : rows == 0 ? "UNPOSTED"
                                : dead > 0 ? "FAILED" : confirmed == rows ? "POSTED" : "OK");
        if (add_total(t, &nt, sizeof t / sizeof t[0], cur, total, sum, e) < 0)
            goto done;
        report_next_row(&s);
    }
    if (step != SQLITE_DONE) {
        ledger_fail(r->lg, e, "summary");
        goto done;
    }
    totals(&s, t, nt);
    if (owed(r, &s, e) < 0)
        goto done;
    write_legend(&s, nt > 0);
    rc = report_sheet_end(&s, e);
done:
    sqlite3_finalize(st);
    sqlite3_finalize(docs);
    return rc;
}
