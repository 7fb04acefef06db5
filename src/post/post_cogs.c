/* post_cogs — the cost-of-goods journal of each month into the outbox, under the pseudo
 * settlement "COGS-<month>", so the preview shows it and live posting sends it exactly once
 * like every other request, in every posting mode. A journal blocked by MISSING_COST is not
 * queued (its pending row, if any, is dropped) and the preview summary says why. */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "journal.h"
#include "ledger.h"
#include "post_int.h"
#include "xero.h"

struct pc {
    struct ledger *lg;
    const struct config *cfg;
    struct post_summary *out;
    struct err *e;
};

static int month_one(void *arg, const char *month)
{
    struct pc *p = arg;
    struct cogs_view v;
    struct xero_reqs reqs = {0};
    int rc = -1;
    if (journal_cogs_load(p->lg, p->cfg, month, &v, p->e) < 0)
        goto done;
    if (!v.found || v.blocked[0]) {
        /* held back: today by not queueing it; the posting issue's "blocked" marker on the
         * preview request can take its place here (v.blocked holds "KIND: one line") */
        p->out->cogs_held += v.blocked[0] != 0;
        rc = outbox_drop_pending(p->lg, v.sid, p->e);
        goto done;
    }
    if (xero_render_cogs(&v, &reqs, p->e) < 0)
        goto done;
    p->out->cogs_journals += (int64_t)reqs.n;
    rc = post_queue(p->lg, v.sid, &reqs, p->out, p->e);
done:
    xero_reqs_free(&reqs);
    journal_cogs_free(&v);
    return rc;
}

int post_cogs(struct ledger *lg, const struct config *cfg, const char *period,
              struct post_summary *out, struct err *e)
{
    struct pc p = { .lg = lg, .cfg = cfg, .out = out, .e = e };
    if (period && period[0])
        return month_one(&p, period);
    return journal_cogs_months(lg, "", month_one, &p, e);
}

/* What cost of goods follows the journals' month: units of earlier months booked here (their
 * month was locked, or its journal already sent), and this month's units passed on to a
 * later journal (journal_cogs.c's PERIOD_LOCKED, scope cogs). */
static int moved_lines(struct ledger *lg, const char *month, struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, "SELECT sum(CASE WHEN kind = 'sold' THEN units WHEN kind = "
                       "'back' THEN -units END), sum(CASE WHEN kind = 'writeoff' THEN units "
                       "END), group_concat(DISTINCT home) FROM (SELECT * FROM cogs_cover WHERE "
                       "month = ?1 AND home != ?1 ORDER BY home) HAVING count(*) > 0", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    if ((s = sqlite3_step(st)) == SQLITE_ROW)
        fprintf(log_report_file(), "    includes %lld unit(s) sold (less put back) and %lld "
                "written off in %s, booked here like the sales (that month locked, or its "
                "journal already sent)\n", (long long)sqlite3_column_int64(st, 0),
                (long long)sqlite3_column_int64(st, 1), ledger_text(st, 2));
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read cost-of-goods cover");
    if (ledger_prepare(lg, &st, "SELECT substr(explanation, 10) FROM exception WHERE scope = "
                       "'cogs' AND kind = 'PERIOD_LOCKED' AND month = ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fprintf(log_report_file(), "  cost of goods sold %s: PERIOD_LOCKED: %s\n", month,
                ledger_text(st, 0));
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read cost-of-goods warnings");
}

int post_cogs_print(struct ledger *lg, const struct config *cfg, const char *period,
                    struct err *e)
{
    struct cogs_view v;
    sqlite3_stmt *st;
    char amt[MONEY_FMT_MAX];
    int64_t tracked = 0, costs = 0;
    if (journal_cogs_load(lg, cfg, period, &v, e) < 0)
        return -1;
    if (ledger_prepare(lg, &st, "SELECT (SELECT count(*) FROM xero_ref WHERE kind = 'item' AND "
                       "detail LIKE 'tracked%'), EXISTS (SELECT 1 FROM unit_cost)", e) < 0) {
        journal_cogs_free(&v);
        return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        tracked = sqlite3_column_int64(st, 0);
        costs = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    /* nothing at all while cost of goods is not in use (no unit costs) */
    if (!v.found && costs)
        fprintf(log_report_file(), "  cost of goods sold %s: nothing to book (no units sold at a known cost)\n",
               period);
    else if (v.found && v.blocked[0])
        fprintf(log_report_file(), "  cost of goods sold %s: HELD BACK, not queued: %s (see settlebook "
               "exceptions)\n", period, v.blocked);
    else if (v.found)
        fprintf(log_report_file(), "  cost of goods sold %s: %s PUT /ManualJournals, %s %s, %zu line(s), debit %s "
               "credit %s\n", period, v.sid, money_format(amt, v.total, v.exp), v.currency, v.n,
               cfg->accounts[ACCT_COGS], cfg->accounts[ACCT_INVENTORY]);
    if (v.found && !v.blocked[0] && v.writeoff)
        fprintf(log_report_file(), "    inventory written off (lost, damaged or disposed less found): %s %s, "
               "debit %s credit %s\n", money_format(amt, v.writeoff, v.exp), v.currency,
               cfg->accounts[ACCT_INVENTORY_WRITEOFF], cfg->accounts[ACCT_INVENTORY]);
    if (moved_lines(lg, period, e) < 0) {
        journal_cogs_free(&v);
        return -1;
    }
    if (tracked)
        fprintf(log_report_file(), "    %lld Xero Item(s) are tracked inventory: their SKUs are left to Xero, which "
               "books their cost itself\n", (long long)tracked);
    journal_cogs_free(&v);
    return 0;
}
