/* test_journal — month parts and carried-forward lines, end to end inside the library: each
 * case writes a small settlement flat file (V2) and a config with its time zone into a
 * scratch folder, ingests it into a fresh ledger (ingest_file), locks months if asked,
 * builds the journals (journal_run) and reads them back (journal_view_load). It checks each
 * part's month, document date, total of its own lines, carried-forward and clearing amounts
 * and line count, then the invariants every settlement must keep: each part balances, the
 * clearing side is the settlement total, every amount line is in exactly one journal line,
 * and a rerun rewrites nothing. Numbers were worked out by hand from the lines below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "config.h"
#include "ingest.h"
#include "journal.h"
#include "journal_int.h"
#include "ledger.h"
#include "t.h"
#include "tdir.h"

#define LINES_MAX 6
#define PARTS_MAX 4

struct tline { const char *tt, *at, *desc, *amount, *posted; };
struct tpart {
    const char *month, *date;
    int64_t sum;                  /* the part's own lines (no carried-forward, no clearing) */
    int64_t cf, clearing;         /* carried forward (earlier parts: -sum; final: +earlier) */
    size_t lines;                 /* journal lines, extra lines included */
};

struct tcase {
    const char *name, *zone, *currency;
    const char *start, *end, *total;
    const char *locked[2];        /* months locked before the journals are built */
    struct tline lines[LINES_MAX];
    struct tpart parts[PARTS_MAX];
    int64_t moved;                /* lines moved out of locked months */
    int64_t moved_amount;         /* their total, in the PERIOD_LOCKED exceptions */
};

#define P(amount, when) { "Order", "ItemPrice", "Principal", amount, when }
#define F(amount, when) { "Order", "ItemFees", "Commission", amount, when }
#define SEP_OCT "2025-09-21 13:50:27 UTC", "2025-10-05 13:50:27 UTC"

static const struct tcase cases[] = {
    { "one month", "UTC", "USD", "2025-09-01 00:00:00 UTC", "2025-09-15 00:00:00 UTC", "85.00",
      { NULL }, { P("100.00", "2025-09-05 10:00:00 UTC"), F("-15.00", "2025-09-05 10:00:00 UTC") },
      { { "2025-09", "2025-09-15", 8500, 0, -8500, 3 } }, 0, 0 },
    { "Sep/Oct: Sep carried forward, Oct carries it back and clears the total", "UTC", "USD",
      SEP_OCT, "127.50", { NULL },
      { P("100.00", "2025-09-25 10:00:00 UTC"), F("-15.00", "2025-09-25 10:00:00 UTC"),
        P("50.00", "2025-10-02 10:00:00 UTC"), F("-7.50", "2025-10-02 10:00:00 UTC") },
      { { "2025-09", "2025-09-30", 8500, -8500, 0, 3 },
        { "2025-10", "2025-10-05", 4250, 8500, -12750, 4 } }, 0, 0 },
    { "the boundary to the second (UTC)", "UTC", "USD", SEP_OCT, "30.00", { NULL },
      { P("10.00", "2025-09-30 23:59:59 UTC"), P("20.00", "2025-10-01 00:00:00 UTC") },
      { { "2025-09", "2025-09-30", 1000, -1000, 0, 2 },
        { "2025-10", "2025-10-05", 2000, 1000, -3000, 3 } }, 0, 0 },
    { "ISO 8601 offsets are converted before the month is taken", "UTC", "USD", SEP_OCT,
      "30.00", { NULL },
      { P("10.00", "2025-10-01T01:30:00+02:00"), P("20.00", "2025-09-30T20:00:00-05:00") },
      { { "2025-09", "2025-09-30", 1000, -1000, 0, 2 },
        { "2025-10", "2025-10-05", 2000, 1000, -3000, 3 } }, 0, 0 },
    { "Los Angeles: 05:00 UTC on the 1st is still September", "America/Los_Angeles", "USD",
      SEP_OCT, "30.00", { NULL },
      { P("10.00", "2025-10-01 05:00:00 UTC"), P("20.00", "2025-10-01 08:00:00 UTC") },
      { { "2025-09", "2025-09-30", 1000, -1000, 0, 2 },
        { "2025-10", "2025-10-05", 2000, 1000, -3000, 3 } }, 0, 0 },
    { "...the same lines in UTC are all October", "UTC", "USD", SEP_OCT, "30.00", { NULL },
      { P("10.00", "2025-10-01 05:00:00 UTC"), P("20.00", "2025-10-01 08:00:00 UTC") },
      { { "2025-10", "2025-10-05", 3000, 0, -3000, 2 } }, 0, 0 },
    { "+10:00: 14:00 UTC on the 30th is already October", "+10:00", "USD", SEP_OCT, "30.00",
      { NULL },
      { P("10.00", "2025-09-30 13:59:00 UTC"), P("20.00", "2025-09-30 14:00:00 UTC") },
      { { "2025-09", "2025-09-30", 1000, -1000, 0, 2 },
        { "2025-10", "2025-10-05", 2000, 1000, -3000, 3 } }, 0, 0 },
    { "the end date moves with the zone", "America/Los_Angeles", "USD",
      "2025-09-21 13:50:27 UTC", "2025-10-01 02:00:00 UTC", "10.00", { NULL },
      { P("10.00", "2025-10-01 01:00:00 UTC") },
      { { "2025-09", "2025-09-30", 1000, 0, -1000, 2 } }, 0, 0 },
    { "...in UTC it is October 1st", "UTC", "USD",
      "2025-09-21 13:50:27 UTC", "2025-10-01 02:00:00 UTC", "10.00", { NULL },
      { P("10.00", "2025-10-01 01:00:00 UTC") },
      { { "2025-10", "2025-10-01", 1000, 0, -1000, 2 } }, 0, 0 },
    { "a line without a posted date belongs to the end date's month", "UTC", "USD", SEP_OCT,
      "15.00", { NULL },
      { { "other-transaction", "other-transaction", "Previous Reserve Amount Balance", "5.00",
          "" }, P("10.00", "2025-09-25 10:00:00 UTC") },
      { { "2025-09", "2025-09-30", 1000, -1000, 0, 2 },
        { "2025-10", "2025-10-05", 500, 1000, -1500, 3 } }, 0, 0 },
    { "three months: the last carries back both earlier parts", "UTC", "USD",
      "2025-08-25 00:00:00 UTC", "2025-10-03 00:00:00 UTC", "70.00", { NULL },
      { P("10.00", "2025-08-28 10:00:00 UTC"), P("20.00", "2025-09-15 10:00:00 UTC"),
        P("40.00", "2025-10-02 10:00:00 UTC") },
      { { "2025-08", "2025-08-31", 1000, -1000, 0, 2 },
        { "2025-09", "2025-09-30", 2000, -2000, 0, 2 },
        { "2025-10", "2025-10-03", 4000, 3000, -7000, 3 } }, 0, 0 },
    { "a negative settlement: the signs turn", "UTC", "USD", SEP_OCT, "-20.00", { NULL },
      { { "ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "-30.00",
          "2025-09-25 10:00:00 UTC" }, P("10.00", "2025-10-02 10:00:00 UTC") },
      { { "2025-09", "2025-09-30", -3000, 3000, 0, 2 },
        { "2025-10", "2025-10-05", 1000, -3000, 2000, 3 } }, 0, 0 },
    { "a month that nets to zero keeps a zero carried-forward line", "UTC", "USD", SEP_OCT,
      "5.00", { NULL },
      { P("10.00", "2025-09-25 10:00:00 UTC"), F("-10.00", "2025-09-25 10:00:00 UTC"),
        P("5.00", "2025-10-02 10:00:00 UTC") },
      { { "2025-09", "2025-09-30", 0, 0, 0, 3 },
        { "2025-10", "2025-10-05", 500, 0, -500, 3 } }, 0, 0 },
    { "EU dates and decimal commas", "UTC", "EUR",
      "25.09.2025 03:44:28 UTC", "09.10.2025 03:44:28 UTC", "61,18", { NULL },
      { P("71,98", "30.09.2025 23:30:00 UTC"), F("-10,80", "01.10.2025 00:30:00 UTC") },
      { { "2025-09", "2025-09-30", 7198, -7198, 0, 2 },
        { "2025-10", "2025-10-09", -1080, 7198, -6118, 3 } }, 0, 0 },
    { "JPY has no minor units", "UTC", "JPY", SEP_OCT, "1680", { NULL },
      { P("1980", "2025-09-25 10:00:00 UTC"), F("-300", "2025-10-02 10:00:00 UTC") },
      { { "2025-09", "2025-09-30", 1980, -1980, 0, 2 },
        { "2025-10", "2025-10-05", -300, 1980, -1680, 3 } }, 0, 0 },
    { "a locked month's lines move to the next open month", "UTC", "USD", SEP_OCT, "127.50",
      { "2025-09" },
      { P("100.00", "2025-09-25 10:00:00 UTC"), F("-15.00", "2025-09-25 10:00:00 UTC"),
        P("50.00", "2025-10-02 10:00:00 UTC"), F("-7.50", "2025-10-02 10:00:00 UTC") },
      { { "2025-10", "2025-10-05", 12750, 0, -12750, 3 } }, 2, 8500 },
    { "two locked months: the first day of the next open one", "UTC", "USD", SEP_OCT,
      "127.50", { "2025-09", "2025-10" },
      { P("100.00", "2025-09-25 10:00:00 UTC"), F("-15.00", "2025-09-25 10:00:00 UTC"),
        P("50.00", "2025-10-02 10:00:00 UTC"), F("-7.50", "2025-10-02 10:00:00 UTC") },
      { { "2025-11", "2025-11-01", 12750, 0, -12750, 3 } }, 4, 12750 },
    { "a line posted after the end: the final part is dated on its 1st", "UTC", "USD", SEP_OCT,
      "15.00", { NULL },
      { P("10.00", "2025-10-02 10:00:00 UTC"), P("5.00", "2025-11-02 10:00:00 UTC") },
      { { "2025-10", "2025-10-31", 1000, -1000, 0, 2 },
        { "2025-11", "2025-11-01", 500, 1000, -1500, 3 } }, 0, 0 },
};

static const char header[] = "settlement-id\tsettlement-start-date\tsettlement-end-date\t"
    "deposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tmarketplace-name\t"
    "amount-type\tamount-description\tamount\tposted-date-time\tsku\n";

/* The settlement file and the config of case i, in the scratch folder. */
static int write_inputs(const struct tcase *c, char *tsv, char *cfg, size_t cap)
{
    char buf[4096], json[256];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s7001\t%s\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t\t\n",
                                header, c->start, c->end, c->end, c->total, c->currency);
    for (size_t i = 0; i < LINES_MAX && c->lines[i].tt; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "7001\t\t\t\t\t\t%s\t111-0000000-%07zu\t"
                              "Amazon.com\t%s\t%s\t%s\t%s\tSKU-%zu\n", c->lines[i].tt, i,
                              c->lines[i].at, c->lines[i].desc, c->lines[i].amount,
                              c->lines[i].posted, i);
    snprintf(json, sizeof json, "{\"base_currency\": \"%s\", \"posting\": {\"timezone\": "
             "\"%s\"}, \"accounts\": {\"carried_forward\": \"CF\", \"clearing\": \"CLR\"}}",
             c->currency, c->zone);
    if (tdir_write("settlement.tsv", buf, n, tsv, cap) < 0 ||
        tdir_write("settlebook.json", json, (size_t)-1, cfg, cap) < 0)
        return -1;
    return 0;
}

/* Ingest, lock, journal: one transaction, as `settlebook post` runs it. */
static int build(const struct tcase *c, struct ledger *lg, const struct config *cfg,
                 const char *tsv, struct journal_summary *sum, struct err *e)
{
    struct ingest_opts o = { .bank = &cfg->bank };
    struct ingest_result res;
    memset(&res, 0, sizeof res);
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (ingest_file(lg, tsv, &o, &res, e) < 0)
        goto fail;
    for (size_t i = 0; i < 2 && c->locked[i]; i++)
        if (period_set(lg, c->locked[i], 1, e) < 0)
            goto fail;
    if (journal_run(lg, cfg, "", sum, e) < 0)
        goto fail;
    return ledger_commit(lg, e);
fail:
    ledger_rollback(lg);
    return -1;
}

static int64_t sum_role(const struct jv_part *p, const char *role, int want, int64_t *sources)
{
    int64_t s = 0;
    for (size_t i = 0; i < p->n; i++) {
        int is = strcmp(p->lines[i].role, role) == 0;
        if (!role[0])
            is = strcmp(p->lines[i].role, "carried_forward") != 0 &&
                 strcmp(p->lines[i].role, "clearing") != 0;
        if (is == want) {
            s += p->lines[i].amount;
            if (sources)
                *sources += p->lines[i].sources;
        }
    }
    return s;
}

static void check_view(const struct tcase *c, const struct journal_view *v)
{
    size_t want_n = 0, n_lines = 0;
    int64_t sources = 0;
    while (want_n < PARTS_MAX && c->parts[want_n].month)
        want_n++;
    while (n_lines < LINES_MAX && c->lines[n_lines].tt)
        n_lines++;
    CHECK(v->n == want_n, "%s: %zu parts, want %zu", c->name, v->n, want_n);
    for (size_t k = 0; k < v->n && k < want_n; k++) {
        const struct jv_part *p = &v->parts[k];
        const struct tpart *w = &c->parts[k];
        int64_t own = sum_role(p, "", 1, &sources), cf = sum_role(p, "carried_forward", 1, NULL);
        int64_t clr = sum_role(p, "clearing", 1, NULL), all = own + cf + clr;
        CHECK(p->part == (int)k + 1 && p->parts == (int)want_n, "%s: part %d of %d", c->name,
              p->part, p->parts);
        CHECK(strcmp(p->month, w->month) == 0 && strcmp(p->date, w->date) == 0,
              "%s part %zu: month %s date %s, want %s %s", c->name, k + 1, p->month, p->date,
              w->month, w->date);
        CHECK(own == w->sum && cf == w->cf && clr == w->clearing && p->n == w->lines,
              "%s part %zu: own %lld cf %lld clearing %lld lines %zu, want %lld %lld %lld %zu",
              c->name, k + 1, (long long)own, (long long)cf, (long long)clr, p->n,
              (long long)w->sum, (long long)w->cf, (long long)w->clearing, w->lines);
        CHECK(all == 0, "%s part %zu: lines sum to %lld, not 0", c->name, k + 1,
              (long long)all);
        CHECK(k + 1 == v->n || clr == 0, "%s part %zu: clearing only on the final part",
              c->name, k + 1);
    }
    if (v->n)
        CHECK(sum_role(&v->parts[v->n - 1], "clearing", 1, NULL) == -v->total,
              "%s: the clearing line is minus the settlement total %lld", c->name,
              (long long)v->total);
    CHECK(sources == (int64_t)n_lines, "%s: %lld settlement lines in journal lines, want %zu",
          c->name, (long long)sources, n_lines);
}

/* count(*) or, with amounts set, sum(actual_minor) of the exceptions of a kind. */
static int64_t exceptions(struct ledger *lg, const char *kind, int amounts)
{
    sqlite3_stmt *st;
    struct err e;
    int64_t n = -1;
    if (ledger_prepare(lg, &st, amounts ? "SELECT total(actual_minor) FROM exception WHERE "
                       "kind = ?" : "SELECT count(*) FROM exception WHERE kind = ?", &e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void run_case(size_t i)
{
    const struct tcase *c = &cases[i];
    struct ledger *lg = NULL;
    struct config cfg;
    struct journal_summary sum, again;
    struct journal_view v;
    struct err e = { 0 };
    char tsv[512], cf[512], db[512], name[32];
    size_t want_parts = 0;
    int loaded = 0;
    while (want_parts < PARTS_MAX && c->parts[want_parts].month)
        want_parts++;
    memset(&cfg, 0, sizeof cfg);
    memset(&v, 0, sizeof v);
    snprintf(name, sizeof name, "case%zu.db", i);
    if (write_inputs(c, tsv, cf, sizeof tsv) < 0 || config_load(&cfg, cf, 1, &e) < 0 ||
        ledger_open(&lg, tdir_path(db, sizeof db, name), 1, &e) < 0 ||
        build(c, lg, &cfg, tsv, &sum, &e) < 0) {
        CHECK(0, "%s: %s", c->name, e.msg);
        goto done;
    }
    CHECK(sum.settlements == 1 && sum.built == 1 && sum.parts == (int64_t)want_parts &&
          sum.moved_lines == c->moved && sum.unmapped_lines == 0,
          "%s: summary settlements %lld built %lld parts %lld moved %lld unmapped %lld",
          c->name, (long long)sum.settlements, (long long)sum.built, (long long)sum.parts,
          (long long)sum.moved_lines, (long long)sum.unmapped_lines);
    CHECK(exceptions(lg, "PERIOD_LOCKED", 0) == (c->locked[1] ? 2 : c->locked[0] ? 1 : 0) &&
          exceptions(lg, "PERIOD_LOCKED", 1) == c->moved_amount,
          "%s: PERIOD_LOCKED exceptions %lld of %lld in all", c->name,
          (long long)exceptions(lg, "PERIOD_LOCKED", 0),
          (long long)exceptions(lg, "PERIOD_LOCKED", 1));
    loaded = journal_view_load(lg, &cfg, 1, 0, &v, &e) == 0;
    CHECK(loaded, "%s: journal_view_load: %s", c->name, e.msg);
    if (loaded)
        check_view(c, &v);
    /* a rerun on the same inputs rewrites nothing */
    if (ledger_begin(lg, &e) == 0 && journal_run(lg, &cfg, "", &again, &e) == 0 &&
        ledger_commit(lg, &e) == 0)
        CHECK(again.built == 0 && again.unchanged == 1, "%s: rerun built %lld unchanged %lld",
              c->name, (long long)again.built, (long long)again.unchanged);
    else
        CHECK(0, "%s: rerun: %s", c->name, e.msg);
done:
    journal_view_free(&v);
    ledger_close(lg);
    config_free(&cfg);
}

/* The rate Amazon charged on an order line (journal_rates.c), at its edges: a minor unit
 * of tolerance per tax row, zero before anything else, reduced only when configured. */
static void check_rate_class(void)
{
    struct config_marketplace m = { .tax_sales_zero = "ZERORATEDOUTPUT",
                                    .tax_sales_reduced = "RROUTPUT", .vat_rate_reduced_bp = 500 };
    CHECK(journal_rate_class(2082, 417, 1, 2000, 0) == RATE_STANDARD, "20.82 + 4.17: 20%%");
    CHECK(journal_rate_class(-2082, -417, 1, 2000, 0) == RATE_STANDARD, "a refund: 20%%");
    CHECK(journal_rate_class(1000, 0, 0, 2000, 0) == RATE_ZERO, "no tax row: zero");
    CHECK(journal_rate_class(1000, 0, 1, 2000, 500) == RATE_ZERO, "a 0.00 tax row: zero");
    CHECK(journal_rate_class(0, 5, 1, 2000, 0) == RATE_STANDARD, "tax without net: standard");
    CHECK(journal_rate_class(1000, 50, 1, 2000, 500) == RATE_REDUCED, "10.00 + 0.50: 5%%");
    CHECK(journal_rate_class(1000, 50, 1, 2000, 0) == RATE_STANDARD,
          "5%% without vat_rate_reduced: standard (VAT_MISMATCH tells)");
    CHECK(journal_rate_class(1000, 100, 1, 2000, 500) == RATE_STANDARD, "10%%: none, standard");
    CHECK(journal_rate_class(1000, 201, 1, 2000, 1000) == RATE_STANDARD, "a minor unit off");
    CHECK(journal_rate_class(1000, 101, 1, 2000, 1000) == RATE_REDUCED, "reduced, a unit off");
    CHECK(journal_rate_class(1000, 102, 1, 2000, 1000) == RATE_STANDARD, "two units, one row");
    CHECK(journal_rate_class(1000, 102, 2, 2000, 1000) == RATE_REDUCED, "two units, two rows");
    CHECK(journal_rate_class(INT64_C(1000000000000000), 1, 1, 2000, 500) == RATE_STANDARD,
          "an absurd amount stays standard");
    CHECK(strcmp(journal_rate_tax(&m, RATE_ZERO, "OUTPUT2"), "ZERORATEDOUTPUT") == 0 &&
          strcmp(journal_rate_tax(&m, RATE_REDUCED, "OUTPUT2"), "RROUTPUT") == 0 &&
          strcmp(journal_rate_tax(&m, RATE_STANDARD, "OUTPUT2"), "OUTPUT2") == 0,
          "each class its tax type");
    CHECK(journal_rate_bp(&m, RATE_ZERO, 2000) == 0 && journal_rate_bp(&m, RATE_REDUCED, 2000)
          == 500 && journal_rate_bp(&m, RATE_STANDARD, 2000) == 2000, "each class its rate");
}

int main(void)
{
    check_rate_class();
    if (tdir_make("journal") < 0) {
        CHECK(0, "mkdtemp failed");
        return T_DONE();
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(i);
    tdir_remove();
    return T_DONE();
}
