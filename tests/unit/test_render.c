/* test_render — the Xero renderers as pure functions: a settlement's journals as plain
 * structs in, the exact requests out, for each posting mode. No database is opened: if a
 * renderer reached for the ledger this would not link or would crash. Each case's bodies
 * were checked by hand (signs, totals, dates, accounts) before they were written down here.
 * RENDER_DUMP=1 prints what the renderers produce, to review a deliberate change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "journal.h"
#include "t.h"
#include "xero.h"

#define LINES_MAX 8
#define PARTS_MAX 3
#define REQS_MAX 10

struct tline { const char *role, *code, *tax, *category, *description; int64_t amount; };
struct tpart { const char *month, *date; struct tline lines[LINES_MAX]; };
struct tamount { const char *order, *tt, *date, *code, *category, *sku, *desc;
                 int64_t amount, qty; };
struct treq { const char *month, *kind, *path, *body; };

struct tcase {
    const char *name;
    int mode;                      /* enum posting_mode */
    const char *status;            /* DRAFT / AUTHORISED */
    const char *currency;
    struct tpart parts[PARTS_MAX];
    struct tamount amounts[LINES_MAX];
    const char *blocked;           /* expected substring of reqs.blocked, or NULL */
    struct treq want[REQS_MAX];
    int pay;                       /* posting.record_payment (PAY_STATEMENT when 0) */
    const char *statement;         /* the bank line showing the payout, or NULL */
};

/* A settlement of 1-15 Sep 2025, deposited 17 Sep; credit-positive journal lines. */
static const struct tcase cases[] = {
    { "summary: one positive part, with the deposit payment", POST_SUMMARY, "AUTHORISED", "USD",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 10000 },
          { "fees_selling", "404", "NONE", "Fees", "Selling fees", -1500 },
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -8500 } } } },
      { { 0 } }, NULL,
      { { "2025-09", "invoice", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCREC\",\"Contact\":{\"Name\":\"Amazon.com\"},"
          "\"Date\":\"2025-09-15\",\"DueDate\":\"2025-09-17\",\"InvoiceNumber\":\"AMZ-S1-1\","
          "\"Reference\":\"Amazon settlement S1 (2025-09-01 to 2025-09-15) part 1 of 1\","
          "\"CurrencyCode\":\"USD\",\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\","
          "\"LineItems\":[{\"Description\":\"Sales\",\"Quantity\":1,\"UnitAmount\":100.00,"
          "\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"LineAmount\":100.00},"
          "{\"Description\":\"Selling fees\",\"Quantity\":1,\"UnitAmount\":-15.00,"
          "\"AccountCode\":\"404\",\"TaxType\":\"NONE\",\"LineAmount\":-15.00}]}]}" },
        { "2025-09", "payment", "/Payments",
          "{\"Payments\":[{\"Invoice\":{\"InvoiceNumber\":\"AMZ-S1-1\"},\"Account\":"
          "{\"Code\":\"090\"},\"Date\":\"2025-09-17\",\"Amount\":85.00,\"Reference\":"
          "\"Amazon settlement S1 deposit\"}]}" } }, PAY_DEPOSIT, NULL },

    { "summary: record_payment statement, the payout on the bank statement", POST_SUMMARY,
      "AUTHORISED", "USD",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 10000 },
          { "fees_selling", "404", "NONE", "Fees", "Selling fees", -1500 },
          { "clearing", "615", "NONE", "Clearing", "Amazon clearing", -8500 } } } },
      { { 0 } }, NULL,
      { { "2025-09", "invoice", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCREC\",\"Contact\":{\"Name\":\"Amazon.com\"},\"Date\":\"20"
          "25-09-15\",\"DueDate\":\"2025-09-17\",\"InvoiceNumber\":\"AMZ-S1-1\",\"Reference\":"
          "\"Amazon settlement S1 (2025-09-01 to 2025-09-15) part 1 of 1\",\"CurrencyC"
          "ode\":\"USD\",\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":["
          "{\"Description\":\"Sales\",\"Quantity\":1,\"UnitAmount\":100.00,\"AccountCode\":\"2"
          "00\",\"TaxType\":\"NONE\",\"LineAmount\":100.00},{\"Description\":\"Selling fees\","
          "\"Quantity\":1,\"UnitAmount\":-15.00,\"AccountCode\":\"404\",\"TaxType\":\"NONE\",\"L"
          "ineAmount\":-15.00}]}]}" },
        { "2025-09", "payment", "/Payments",
          "{\"Payments\":[{\"Invoice\":{\"InvoiceNumber\":\"AMZ-S1-1\"},\"Account\":{\"Code\":\""
          "090\"},\"Date\":\"2025-09-18\",\"Amount\":85.00,\"Reference\":\"Amazon settlement "
          "S1 deposit\"}]}" } }, PAY_STATEMENT, "2025-09-18" },

    { "summary: record_payment statement, no statement yet: no payment", POST_SUMMARY,
      "AUTHORISED", "USD",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 10000 },
          { "fees_selling", "404", "NONE", "Fees", "Selling fees", -1500 },
          { "clearing", "615", "NONE", "Clearing", "Amazon clearing", -8500 } } } },
      { { 0 } }, NULL,
      { { "2025-09", "invoice", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCREC\",\"Contact\":{\"Name\":\"Amazon.com\"},\"Date\":\"20"
          "25-09-15\",\"DueDate\":\"2025-09-17\",\"InvoiceNumber\":\"AMZ-S1-1\",\"Reference\":"
          "\"Amazon settlement S1 (2025-09-01 to 2025-09-15) part 1 of 1\",\"CurrencyC"
          "ode\":\"USD\",\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":["
          "{\"Description\":\"Sales\",\"Quantity\":1,\"UnitAmount\":100.00,\"AccountCode\":\"2"
          "00\",\"TaxType\":\"NONE\",\"LineAmount\":100.00},{\"Description\":\"Selling fees\","
          "\"Quantity\":1,\"UnitAmount\":-15.00,\"AccountCode\":\"404\",\"TaxType\":\"NONE\",\"L"
          "ineAmount\":-15.00}]}]}" } }, PAY_STATEMENT, NULL },

    { "summary: a negative part becomes a bill with the signs turned", POST_SUMMARY, "DRAFT",
      "USD",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 1000 },
          { "fees_fba", "405", "NONE", "Fees", "FBA fees", -3000 },
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", 2000 } } } },
      { { 0 } }, NULL,
      { { "2025-09", "bill", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCPAY\",\"Contact\":{\"Name\":\"Amazon.com\"},"
          "\"Date\":\"2025-09-15\",\"DueDate\":\"2025-09-17\",\"InvoiceNumber\":\"AMZ-S1-1\","
          "\"Reference\":\"Amazon settlement S1 (2025-09-01 to 2025-09-15) part 1 of 1\","
          "\"CurrencyCode\":\"USD\",\"Status\":\"DRAFT\",\"LineAmountTypes\":\"NoTax\","
          "\"LineItems\":[{\"Description\":\"Sales\",\"Quantity\":1,\"UnitAmount\":-10.00,"
          "\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"LineAmount\":-10.00},"
          "{\"Description\":\"FBA fees\",\"Quantity\":1,\"UnitAmount\":30.00,"
          "\"AccountCode\":\"405\",\"TaxType\":\"NONE\",\"LineAmount\":30.00}]}]}" } }, PAY_DEPOSIT, NULL },

    { "summary: a part whose lines net to nothing sends no document", POST_SUMMARY, "DRAFT",
      "USD",
      { { "2025-09", "2025-09-15", {
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", 0 } } } },
      { { 0 } }, NULL, { { 0 } }, PAY_DEPOSIT, NULL },

    { "summary: a month-crossing settlement, carried forward and back", POST_SUMMARY,
      "AUTHORISED", "USD",
      { { "2025-09", "2025-09-30", {
          { "sales", "200", "NONE", "Sales", "Sales", 5000 },
          { "carried_forward", "851", "NONE", "Carried forward", "Carried forward", -5000 } } },
        { "2025-10", "2025-10-05", {
          { "carried_forward", "851", "NONE", "Carried forward", "Carried forward", 5000 },
          { "sales", "200", "NONE", "Sales", "Sales", 3000 },
          { "fees_selling", "404", "NONE", "Fees", "Selling fees", -500 },
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -7500 } } } },
      { { 0 } }, NULL,
      { { "2025-09", "invoice", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCREC\",\"Contact\":{\"Name\":\"Amazon.com\"},\"Date\":\"20"
          "25-09-30\",\"DueDate\":\"2025-09-30\",\"InvoiceNumber\":\"AMZ-S1-1\",\"Reference\":"
          "\"Amazon settlement S1 (2025-09-01 to 2025-09-15) part 1 of 2\",\"CurrencyC"
          "ode\":\"USD\",\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":["
          "{\"Description\":\"Sales\",\"Quantity\":1,\"UnitAmount\":50.00,\"AccountCode\":\"20"
          "0\",\"TaxType\":\"NONE\",\"LineAmount\":50.00},{\"Description\":\"Carried forward\""
          ",\"Quantity\":1,\"UnitAmount\":-50.00,\"AccountCode\":\"851\",\"TaxType\":\"NONE\",\""
          "LineAmount\":-50.00}]}]}" },
        { "2025-10", "invoice", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCREC\",\"Contact\":{\"Name\":\"Amazon.com\"},\"Date\":\"20"
          "25-10-05\",\"DueDate\":\"2025-10-05\",\"InvoiceNumber\":\"AMZ-S1-2\",\"Reference\":"
          "\"Amazon settlement S1 (2025-09-01 to 2025-09-15) part 2 of 2\",\"CurrencyC"
          "ode\":\"USD\",\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":["
          "{\"Description\":\"Carried forward\",\"Quantity\":1,\"UnitAmount\":50.00,\"Accoun"
          "tCode\":\"851\",\"TaxType\":\"NONE\",\"LineAmount\":50.00},{\"Description\":\"Sales\""
          ",\"Quantity\":1,\"UnitAmount\":30.00,\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"L"
          "ineAmount\":30.00},{\"Description\":\"Selling fees\",\"Quantity\":1,\"UnitAmount"
          "\":-5.00,\"AccountCode\":\"404\",\"TaxType\":\"NONE\",\"LineAmount\":-5.00}]}]}" },
        { "2025-10", "payment", "/Payments",
          "{\"Payments\":[{\"Invoice\":{\"InvoiceNumber\":\"AMZ-S1-2\"},\"Account\":{\"Code\":\""
          "090\"},\"Date\":\"2025-10-05\",\"Amount\":75.00,\"Reference\":\"Amazon settlement "
          "S1 deposit\"}]}" } }, PAY_DEPOSIT, NULL },

    { "orders: an order invoice, a refund credit note, the fee bill and the payout",
      POST_ORDERS, "AUTHORISED", "USD",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 4000 },
          { "refunds", "201", "NONE", "Refunds", "Refunds", -1000 },
          { "fees_selling", "404", "NONE", "Fees", "Selling fees", -600 },
          { "fees_storage", "406", "NONE", "Fees", "Storage fees", -400 },
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -2000 } } } },
      { { "111-1", "Order", "2025-09-03", "200", "Sales", "SKU-A", "Principal", 4000, 2 },
        { "111-1", "Order", "2025-09-03", "404", "Fees", "SKU-A", "Commission", -600, 0 },
        { "222-2", "Refund", "2025-09-10", "201", "Refunds", "SKU-B", "Principal", -1000, 0 },
        { NULL, "other-transaction", "2025-09-12", "406", "Fees", NULL, "Storage Fee", -400,
          0 } },
      NULL,
      { { "2025-09", "invoice", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCREC\",\"Contact\":{\"Name\":\"Amazon.com Customers\"},"
          "\"Date\":\"2025-09-03\",\"DueDate\":\"2025-09-03\",\"InvoiceNumber\":\"AMZ-S1-111-1"
          "\",\"Reference\":\"Amazon order 111-1 (settlement S1)\",\"CurrencyCode\":\"USD\","
          "\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":[{\"Descripti"
          "on\":\"SKU-A Principal\",\"ItemCode\":\"SKU-A\",\"Quantity\":2,\"UnitAmount\":20.00"
          ",\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"LineAmount\":40.00}]}]}" },
        { "2025-09", "credit-note", "/CreditNotes",
          "{\"CreditNotes\":[{\"Type\":\"ACCRECCREDIT\",\"Contact\":{\"Name\":\"Amazon.com Cus"
          "tomers\"},\"Date\":\"2025-09-10\",\"CreditNoteNumber\":\"AMZ-S1-222-2-R\",\"Refere"
          "nce\":\"Amazon refund of order 222-2 (settlement S1)\",\"CurrencyCode\":\"USD\""
          ",\"Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":[{\"Descript"
          "ion\":\"SKU-B Principal\",\"Quantity\":1,\"UnitAmount\":10.00,\"AccountCode\":\"20"
          "1\",\"TaxType\":\"NONE\",\"LineAmount\":10.00}]}]}" },
        { "2025-09", "payment", "/Payments",
          "{\"Payments\":[{\"Invoice\":{\"InvoiceNumber\":\"AMZ-S1-111-1\"},\"Account\":{\"Cod"
          "e\":\"615\"},\"Date\":\"2025-09-03\",\"Amount\":40.00,\"Reference\":\"Amazon settlem"
          "ent S1\"}]}" },
        { "2025-09", "refund", "/Payments",
          "{\"Payments\":[{\"CreditNote\":{\"CreditNoteNumber\":\"AMZ-S1-222-2-R\"},\"Accoun"
          "t\":{\"Code\":\"615\"},\"Date\":\"2025-09-10\",\"Amount\":10.00,\"Reference\":\"Amazon"
          " settlement S1\"}]}" },
        { "2025-09", "bill", "/Invoices",
          "{\"Invoices\":[{\"Type\":\"ACCPAY\",\"Contact\":{\"Name\":\"Amazon.com\"},\"Date\":\"20"
          "25-09-15\",\"DueDate\":\"2025-09-15\",\"InvoiceNumber\":\"AMZ-S1-FEES\",\"Referenc"
          "e\":\"Amazon fees and other amounts, settlement S1\",\"CurrencyCode\":\"USD\",\""
          "Status\":\"AUTHORISED\",\"LineAmountTypes\":\"NoTax\",\"LineItems\":[{\"Descriptio"
          "n\":\"SKU-A Commission\",\"Quantity\":1,\"UnitAmount\":6.00,\"AccountCode\":\"404\""
          ",\"TaxType\":\"NONE\",\"LineAmount\":6.00},{\"Description\":\"Storage Fee\",\"Quant"
          "ity\":1,\"UnitAmount\":4.00,\"AccountCode\":\"406\",\"TaxType\":\"NONE\",\"LineAmoun"
          "t\":4.00}]}]}" },
        { "2025-09", "bill-payment", "/Payments",
          "{\"Payments\":[{\"Invoice\":{\"InvoiceNumber\":\"AMZ-S1-FEES\"},\"Account\":{\"Code"
          "\":\"615\"},\"Date\":\"2025-09-15\",\"Amount\":10.00,\"Reference\":\"Amazon settleme"
          "nt S1\"}]}" },
        { "2025-09", "bank-transaction", "/BankTransactions",
          "{\"BankTransactions\":[{\"Type\":\"RECEIVE\",\"Contact\":{\"Name\":\"Amazon.com\"},\""
          "BankAccount\":{\"Code\":\"090\"},\"Date\":\"2025-09-17\",\"Reference\":\"Amazon sett"
          "lement S1 payout\",\"CurrencyCode\":\"USD\",\"LineAmountTypes\":\"NoTax\",\"LineIt"
          "ems\":[{\"Description\":\"Amazon settlement S1 payout\",\"Quantity\":1,\"UnitAmo"
          "unt\":20.00,\"AccountCode\":\"615\",\"TaxType\":\"NONE\",\"LineAmount\":20.00}]}]}" } }, PAY_DEPOSIT, NULL },

    { "journal: one manual journal, debit-positive", POST_JOURNAL, "AUTHORISED", "USD",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 10000 },
          { "fees_selling", "404", "NONE", "Fees", "Selling fees", -1500 },
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -8500 } } } },
      { { 0 } }, NULL,
      { { "2025-09", "manual-journal", "/ManualJournals",
          "{\"ManualJournals\":[{\"Narration\":\"AMZ-S1-1: Amazon settlement S1 (2025-09-01 "
          "to 2025-09-15) part 1 of 1\",\"Date\":\"2025-09-15\",\"Status\":\"POSTED\","
          "\"LineAmountTypes\":\"NoTax\",\"JournalLines\":[{\"LineAmount\":-100.00,"
          "\"AccountCode\":\"200\",\"Description\":\"Sales\",\"TaxType\":\"NONE\"},"
          "{\"LineAmount\":15.00,\"AccountCode\":\"404\",\"Description\":\"Selling fees\","
          "\"TaxType\":\"NONE\"},{\"LineAmount\":85.00,\"AccountCode\":\"091\","
          "\"Description\":\"Amazon clearing\",\"TaxType\":\"NONE\"}]}]}" } }, PAY_DEPOSIT, NULL },

    { "journal: another currency than the base is held back, not converted", POST_JOURNAL,
      "AUTHORISED", "EUR",
      { { "2025-09", "2025-09-15", {
          { "sales", "200", "NONE", "Sales", "Sales", 10000 },
          { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -10000 } } } },
      { { 0 } }, "this settlement is in EUR", { { 0 } }, PAY_DEPOSIT, NULL },
};

static void fill(const struct tcase *c, const struct config *cfg, struct journal_view *v)
{
    memset(v, 0, sizeof *v);
    v->ref = 1;
    snprintf(v->id, sizeof v->id, "S1");
    snprintf(v->currency, sizeof v->currency, "%s", c->currency);
    snprintf(v->marketplace, sizeof v->marketplace, "Amazon.com");
    snprintf(v->start, sizeof v->start, "2025-09-01");
    snprintf(v->end, sizeof v->end, "2025-09-15");
    snprintf(v->deposit, sizeof v->deposit, "2025-09-17");
    v->exp = 2;
    v->cfg = cfg;
    v->mk = config_marketplace(cfg, v->marketplace);
    v->parts = calloc(PARTS_MAX, sizeof *v->parts);
    v->amounts = calloc(LINES_MAX, sizeof *v->amounts);
    for (size_t k = 0; k < PARTS_MAX && c->parts[k].month; k++) {
        struct jv_part *p = &v->parts[v->n++];
        p->part = (int)k + 1;
        snprintf(p->month, sizeof p->month, "%s", c->parts[k].month);
        snprintf(p->date, sizeof p->date, "%s", c->parts[k].date);
        p->lines = calloc(LINES_MAX, sizeof *p->lines);
        for (size_t i = 0; i < LINES_MAX && c->parts[k].lines[i].role; i++) {
            const struct tline *t = &c->parts[k].lines[i];
            struct jv_line *l = &p->lines[p->n++];
            snprintf(l->role, sizeof l->role, "%s", t->role);
            snprintf(l->code, sizeof l->code, "%s", t->code);
            snprintf(l->tax, sizeof l->tax, "%s", t->tax);
            snprintf(l->category, sizeof l->category, "%s", t->category);
            snprintf(l->description, sizeof l->description, "%s", t->description);
            l->amount = t->amount;
            l->sources = 1;
            if (strcmp(t->role, "clearing") != 0)
                v->total += t->amount;
        }
    }
    for (size_t k = 0; k < v->n; k++)
        v->parts[k].parts = (int)v->n;
    for (size_t i = 0; i < LINES_MAX && c->amounts[i].tt; i++) {
        const struct tamount *t = &c->amounts[i];
        struct jv_amount *a = &v->amounts[v->n_amounts++];
        snprintf(a->order_id, sizeof a->order_id, "%s", t->order ? t->order : "");
        snprintf(a->transaction_type, sizeof a->transaction_type, "%s", t->tt);
        snprintf(a->date, sizeof a->date, "%s", t->date);
        snprintf(a->code, sizeof a->code, "%s", t->code);
        snprintf(a->tax, sizeof a->tax, "NONE");
        snprintf(a->category, sizeof a->category, "%s", t->category);
        snprintf(a->sku, sizeof a->sku, "%s", t->sku ? t->sku : "");
        snprintf(a->description, sizeof a->description, "%s", t->desc);
        a->amount = t->amount;
        a->quantity = t->qty;
        a->sources = 1;
    }
}

static void view_free(struct journal_view *v)
{
    for (size_t k = 0; k < v->n; k++)
        free(v->parts[k].lines);
    free(v->parts);
    free(v->amounts);
}

/* The poster's answer to "may ItemCode name this item": SKU-A is in Xero, nothing else. */
static int known_a(void *arg, const char *code)
{
    (void)arg;
    return strcmp(code, "SKU-A") == 0;
}

static int known_all(void *arg, const char *code)
{
    (void)arg;
    (void)code;
    return 1;
}

static void run(const struct tcase *c, struct config *cfg, int dump)
{
    struct journal_view v;
    struct xero_reqs reqs = {0};
    struct err e = {0};
    size_t want_n = 0;
    cfg->mode = c->mode;
    cfg->record_payment = c->pay;
    snprintf(cfg->status, sizeof cfg->status, "%s", c->status);
    fill(c, cfg, &v);
    v.item_known = known_a;
    if (c->statement)
        snprintf(v.statement_date, sizeof v.statement_date, "%s", c->statement);
    int rc = xero_render(&v, &reqs, &e);
    CHECK(rc == 0, "%s: render failed: %s", c->name, e.msg);
    while (want_n < REQS_MAX && c->want[want_n].body)
        want_n++;
    if (dump)
        for (size_t i = 0; i < reqs.n; i++)
            printf("%s [%zu] %s %s %s\n%s\n", c->name, i, reqs.v[i].month, reqs.v[i].kind,
                   reqs.v[i].path, reqs.v[i].body);
    CHECK(reqs.n == want_n, "%s: %zu requests, want %zu", c->name, reqs.n, want_n);
    for (size_t i = 0; i < reqs.n && i < want_n; i++) {
        const struct xero_req *q = &reqs.v[i];
        CHECK(strcmp(q->month, c->want[i].month) == 0, "%s [%zu]: month %s", c->name, i,
              q->month);
        CHECK(strcmp(q->kind, c->want[i].kind) == 0, "%s [%zu]: kind %s", c->name, i, q->kind);
        CHECK(strcmp(q->path, c->want[i].path) == 0, "%s [%zu]: path %s", c->name, i, q->path);
        CHECK(strcmp(q->body, c->want[i].body) == 0, "%s [%zu]: body\n got %s\nwant %s",
              c->name, i, q->body, c->want[i].body);
        CHECK(q->seq == (int)i + 1, "%s [%zu]: seq %d", c->name, i, q->seq);
    }
    if (c->blocked)
        CHECK(strstr(reqs.blocked, c->blocked) != NULL, "%s: blocked '%s'", c->name,
              reqs.blocked);
    else
        CHECK(reqs.blocked[0] == '\0', "%s: unexpectedly blocked: %s", c->name, reqs.blocked);
    xero_reqs_free(&reqs);
    view_free(&v);
}

/* ItemCode only for an item Xero has (or the outbox creates), never on a purchase document:
 * the orders case again with no item known, then with every item known and a SKU's
 * Principal on the bill (an amount without an order id). */
static void check_item_codes(struct config *cfg)
{
    struct tcase c = cases[0];
    struct journal_view v;
    struct xero_reqs reqs = {0};
    struct err e = {0};
    int found = 0, on_bill = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].mode == POST_ORDERS && strstr(cases[i].name, "the fee bill"))
            c = cases[i];
    cfg->mode = POST_ORDERS;
    cfg->record_payment = c.pay;
    snprintf(cfg->status, sizeof cfg->status, "%s", c.status);
    fill(&c, cfg, &v);
    CHECK(xero_render(&v, &reqs, &e) == 0, "no items known: %s", e.msg);
    for (size_t i = 0; i < reqs.n; i++)
        found |= strstr(reqs.v[i].body, "ItemCode") != NULL;
    CHECK(!found, "no item known: no ItemCode anywhere");
    xero_reqs_free(&reqs);
    view_free(&v);
    c.amounts[4] = (struct tamount){ NULL, "other-transaction", "2025-09-12", "200", "Sales",
                                     "SKU-A", "Principal", -500, 1 };
    c.parts[0].lines[0].amount -= 500;   /* the journals carry it too: sales and clearing */
    c.parts[0].lines[4].amount += 500;
    fill(&c, cfg, &v);
    v.item_known = known_all;
    CHECK(xero_render(&v, &reqs, &e) == 0, "every item known: %s", e.msg);
    found = 0;
    for (size_t i = 0; i < reqs.n; i++) {
        int bill = strstr(reqs.v[i].body, "\"ACCPAY") != NULL;
        found |= !bill && strstr(reqs.v[i].body, "\"ItemCode\":\"SKU-A\"") != NULL;
        on_bill |= bill && strstr(reqs.v[i].body, "SKU-A Principal") != NULL &&
                   strstr(reqs.v[i].body, "ItemCode") != NULL;
        CHECK(!bill || strstr(reqs.v[i].body, "SKU-A Principal") != NULL,
              "the SKU's Principal is on the bill");
    }
    CHECK(found && !on_bill, "ItemCode on the invoice (%d), never on the bill (%d)", found,
          on_bill);
    xero_reqs_free(&reqs);
    view_free(&v);
}

/* A Principal's units keep their quantity and item whatever the unit amount: 2 for 99.99 at
 * 49.995 in a request that asks unitdp=4 (Xero: 2 x 49.995 = 99.99), 3 for 100.00 (exact at
 * no 4 decimals) as 2 at 33.33 and 1 at 33.34; a refund's units (the view's put-back
 * quantity) go on its credit note with the item, in a request without unitdp. In yen, 8 for
 * 100 are 12.5 each: more decimals than the currency has, so unitdp=4 too. */
static void check_units(struct config *cfg)
{
    static const struct tcase c = {
        "units", POST_ORDERS, "AUTHORISED", "USD",
        { { "2025-09", "2025-09-15", {
              { "sales", "200", "NONE", "Sales", "Sales", 19999 },
              { "refunds", "201", "NONE", "Refunds", "Refunds", -2000 },
              { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -17999 } } } },
        { { "U-1", "Order", "2025-09-03", "200", "Sales", "MUG-1", "Principal", 9999, 2 },
          { "U-2", "Order", "2025-09-04", "200", "Sales", "MUG-1", "Principal", 10000, 3 },
          { "U-3", "Refund", "2025-09-05", "201", "Refunds", "MUG-1", "Principal", -2000, 1 } },
        NULL, { { 0 } }, PAY_DEPOSIT, NULL };
    struct journal_view v;
    struct xero_reqs reqs = {0};
    struct err e = {0};
    const struct xero_req *inv = NULL, *cn = NULL;
    cfg->mode = POST_ORDERS;
    cfg->record_payment = PAY_DEPOSIT;
    snprintf(cfg->status, sizeof cfg->status, "AUTHORISED");
    fill(&c, cfg, &v);
    v.item_known = known_all;
    CHECK(xero_render(&v, &reqs, &e) == 0, "units: render failed: %s", e.msg);
    for (size_t i = 0; i < reqs.n; i++) {
        if (!strcmp(reqs.v[i].kind, "invoice") && strstr(reqs.v[i].body, "U-1"))
            inv = &reqs.v[i];
        if (!strcmp(reqs.v[i].kind, "credit-note"))
            cn = &reqs.v[i];
    }
    CHECK(inv && cn, "units: an invoice and a credit note request");
    if (inv && cn) {
        CHECK(!strcmp(inv->query, "summarizeErrors=false&unitdp=4"), "units: invoice query %s",
              inv->query);
        CHECK(strstr(inv->body, "\"ItemCode\":\"MUG-1\",\"Quantity\":2,\"UnitAmount\":49.995,"
                     "\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"LineAmount\":99.99}") != NULL,
              "units: 2 at 49.995: %s", inv->body);
        CHECK(strstr(inv->body, "\"ItemCode\":\"MUG-1\",\"Quantity\":2,\"UnitAmount\":33.33,"
                     "\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"LineAmount\":66.66},{\"De"
                     "scription\":\"MUG-1 Principal\",\"ItemCode\":\"MUG-1\",\"Quantity\":1,\"Un"
                     "itAmount\":33.34,\"AccountCode\":\"200\",\"TaxType\":\"NONE\",\"LineAmount\""
                     ":33.34}") != NULL, "units: 2 at 33.33 and 1 at 33.34: %s", inv->body);
        CHECK(!strcmp(cn->query, "summarizeErrors=false"), "units: credit note query %s",
              cn->query);
        CHECK(strstr(cn->body, "\"ItemCode\":\"MUG-1\",\"Quantity\":1,\"UnitAmount\":20.00,")
              != NULL, "units: the refund's unit and item: %s", cn->body);
    }
    xero_reqs_free(&reqs);
    view_free(&v);

    /* VAT per line item, as Xero computes it: 100.12 for 3 units at 20 % is 16.69 on one
     * line but 11.12 + 5.56 = 16.68 on the two (66.74 and 33.38); Amazon's 16.70 is then two
     * minor units off: VAT_MISMATCH (one line would have been within the tolerance) */
    static const struct tcase t = {
        "vat", POST_ORDERS, "AUTHORISED", "GBP",
        { { "2025-09", "2025-09-15", {
              { "sales", "200", "NONE", "Sales", "Sales", 10012 },
              { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -10012 } } } },
        { { "V-1", "Order", "2025-09-03", "200", "Sales", "MUG-1", "Principal", 10012, 3 } },
        NULL, { { 0 } }, PAY_DEPOSIT, NULL };
    fill(&t, cfg, &v);
    snprintf(v.amounts[0].tax, sizeof v.amounts[0].tax, "OUTPUT2");
    v.amounts[0].vat = 1670;
    v.amounts[0].vat_rate_bp = 2000;
    v.item_known = known_all;
    CHECK(xero_render(&v, &reqs, &e) == 0, "vat: render failed: %s", e.msg);
    CHECK(reqs.n_vat == 1 && reqs.vat[0].xero == 1668 && reqs.vat[0].vat == 1670 &&
          reqs.vat[0].amount == 10012, "vat: %zu mismatch(es), Xero's %lld", reqs.n_vat,
          reqs.n_vat ? (long long)reqs.vat[0].xero : 0LL);
    xero_reqs_free(&reqs);
    view_free(&v);

    static const struct tcase y = {
        "yen", POST_ORDERS, "AUTHORISED", "JPY",
        { { "2025-09", "2025-09-15", {
              { "sales", "200", "NONE", "Sales", "Sales", 100 },
              { "clearing", "091", "NONE", "Clearing", "Amazon clearing", -100 } } } },
        { { "Y-1", "Order", "2025-09-03", "200", "Sales", "MUG-1", "Principal", 100, 8 } },
        NULL, { { 0 } }, PAY_DEPOSIT, NULL };
    fill(&y, cfg, &v);
    v.exp = 0;
    v.item_known = known_all;
    CHECK(xero_render(&v, &reqs, &e) == 0, "yen: render failed: %s", e.msg);
    CHECK(reqs.n > 0 && !strcmp(reqs.v[0].query, "summarizeErrors=false&unitdp=4") &&
          strstr(reqs.v[0].body, "\"Quantity\":8,\"UnitAmount\":12.5,") != NULL &&
          strstr(reqs.v[0].body, "\"LineAmount\":100}") != NULL,
          "yen: 8 at 12.5: %s %s", reqs.n ? reqs.v[0].query : "", reqs.n ? reqs.v[0].body : "");
    xero_reqs_free(&reqs);
    view_free(&v);
}

/* Count of bodies among reqs (path given) that contain needle. */
static size_t with(const struct xero_reqs *r, const char *path, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += !strcmp(r->v[i].path, path) && strstr(r->v[i].body, needle) != NULL;
    return n;
}

static size_t of_path(const struct xero_reqs *r, const char *path)
{
    return with(r, path, "");
}

/* A EUR settlement in two month parts whose payout the statement shows converted into the
 * USD account (1009.64 EUR as 1100.00 USD): every document and payment carries the
 * statement's CurrencyRate 0.917855; once a document is in Xero without it (rate_frozen),
 * the documents keep none and only the payments carry it. */
static void rate_cases(struct config *cfg)
{
    static const struct tcase c = {
        "rate", POST_SUMMARY, "AUTHORISED", "EUR",
        { { "2025-09", "2025-09-30", {
              { "sales", "200", "NONE", "Sales", "Sales", 60000 },
              { "carried_forward", "617", "NONE", "Carried forward", "to 2025-10", -60000 } } },
          { "2025-10", "2025-10-09", {
              { "carried_forward", "617", "NONE", "Carried forward", "from 2025-09", 60000 },
              { "sales", "200", "NONE", "Sales", "Sales", 40964 },
              { "clearing", "615", "NONE", "Clearing", "Amazon clearing", -100964 } } } },
        { { "1", "Order", "2025-09-20", "200", "Sales", "SKU-1", "Principal", 60000, 1 },
          { "2", "Order", "2025-10-02", "200", "Sales", "SKU-1", "Principal", 40964, 1 } },
        NULL, { { 0 } }, PAY_STATEMENT, "2025-10-12" };
    static const char rate[] = "\"CurrencyRate\":0.917855";
    for (int mode = POST_SUMMARY; mode <= POST_ORDERS; mode++)
        for (int frozen = 0; frozen <= 1; frozen++) {
            struct journal_view v;
            struct xero_reqs reqs = {0};
            struct err e = {0};
            cfg->mode = mode;
            cfg->record_payment = PAY_STATEMENT;
            snprintf(cfg->status, sizeof cfg->status, "AUTHORISED");
            fill(&c, cfg, &v);
            v.total = 100964;   /* the carried-forward lines net out */
            snprintf(v.statement_date, sizeof v.statement_date, "2025-10-12");
            v.converted = 1;
            v.statement_base = 110000;
            v.rate_frozen = frozen;
            CHECK(xero_render(&v, &reqs, &e) == 0, "rate: render failed: %s", e.msg);
            size_t inv = of_path(&reqs, "/Invoices"), pay = of_path(&reqs, "/Payments");
            CHECK(inv >= 2 && pay >= 1, "rate mode %d: %zu invoice and %zu payment requests",
                  mode, inv, pay);
            CHECK(with(&reqs, "/Invoices", rate) == (frozen ? 0 : inv),
                  "rate mode %d frozen %d: %zu of %zu invoice requests carry the rate", mode,
                  frozen, with(&reqs, "/Invoices", rate), inv);
            CHECK(with(&reqs, "/Payments", rate) == pay, "rate mode %d frozen %d: %zu of %zu "
                  "payment requests carry the rate", mode, frozen,
                  with(&reqs, "/Payments", rate), pay);
            CHECK(with(&reqs, "/BankTransactions", "CurrencyRate") == 0,
                  "rate mode %d: the USD bank transaction carries no rate", mode);
            xero_reqs_free(&reqs);
            view_free(&v);
        }
}

int main(void)
{
    struct config cfg;
    struct err e = {0};
    int dump = getenv("RENDER_DUMP") != NULL;
    /* the built-in defaults: a path that does not exist and need not */
    if (config_load(&cfg, "/nonexistent/settlebook.json", 0, &e) < 0) {
        printf("FAIL config defaults: %s\n", e.msg);
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run(&cases[i], &cfg, dump);
    check_item_codes(&cfg);
    check_units(&cfg);
    rate_cases(&cfg);
    config_free(&cfg);
    return T_DONE();
}
