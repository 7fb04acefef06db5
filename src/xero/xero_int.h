/* xero_int — what the renderers of the three posting modes share. */
#ifndef SETTLEBOOK_XERO_INT_H
#define SETTLEBOOK_XERO_INT_H

#include "base.h"
#include "xero.h"

/* Document number of part k: AMZ-<settlement-id>-<k>. */
void xero_doc_number(const struct journal_view *s, int part, char *out, size_t cap);

/* The bank account of the settlement's currency (config_bank_account). */
const char *xero_bank_account(const struct journal_view *s);

/* The settlement's CurrencyRate in millionths (settlement currency per unit of base
 * currency, money_rate): the settlement total over the statement amount, when the payout
 * is recorded from the statement (record_payment statement) and the statement shows it
 * converted into the base currency's account; 0 otherwise. Every document and payment of
 * the settlement carries it, so Xero converts them all at the one rate that really applied
 * and the rollover, reserve and clearing sides leave no currency residue. */
int64_t xero_statement_rate(const struct journal_view *s);

/* The rate of the settlement's invoices, bills and credit notes: xero_statement_rate, but 0
 * once one of them is (possibly) in Xero without it (posted before the statement showed the
 * payout), so what Xero holds never changes; the payments still take the statement's rate
 * and Xero books the difference as a realised currency gain or loss. */
int64_t xero_document_rate(const struct journal_view *s);

/* Writes "CurrencyRate" (6 decimals) when rate is set (> 0). */
void xero_currency_rate(struct jw *w, int64_t rate);

/* Writes a LineItems/JournalLines "Tracking" array when name and option are both set. */
void xero_tracking(struct jw *w, const char *name, const char *option);

/* A PUT /ManualJournals request's fixed fields (one document) for settlement or pseudo id
 * sid, in month, numbered number. */
void xero_journal_req(struct xero_req *q, const char *sid, const char *month,
                      const char *number);

/* Opens {"ManualJournals":[{Narration, Date, Status (POSTED when cfg's status is AUTHORISED,
 * else DRAFT), LineAmountTypes, "JournalLines":[ ; xero_journal_close closes it. */
void xero_journal_open(struct jw *w, const char *narration, const char *date,
                       const struct config *cfg, const char *amount_types);
void xero_journal_close(struct jw *w);

/* "Inclusive" when a line of v carries a tax type (Xero computes the VAT inside the line
 * amount), else "NoTax". */
const char *xero_journal_amount_types(const struct jv_line *v, size_t n);

int xero_render_summary(const struct journal_view *s, struct xero_reqs *out, struct err *e);
int xero_render_journal(const struct journal_view *s, struct xero_reqs *out, struct err *e);
int xero_render_orders(const struct journal_view *s, struct xero_reqs *out, struct err *e);

#endif
