/* ingest_events_int — what the Finances API page readers share (ingest_events*.c): the
 * amounts being collected and the JSON helpers. Private to src/ingest/ingest_events*.c. */
#ifndef SETTLEBOOK_INGEST_EVENTS_INT_H
#define SETTLEBOOK_INGEST_EVENTS_INT_H

#include <jansson.h>
#include <stdint.h>

#include "base.h"

#define EV_TEXT_MAX 512      /* longest identifier or type stored */

struct ev_line {
    const char *list, *tt, *at, *desc;          /* borrowed: the JSON tree or literals */
    const char *order_id, *merchant_order_id, *marketplace, *item, *adj_item, *sku, *promo;
    char currency[4], posted[DATES_ISO_MAX];
    money_t amount;
    int64_t quantity;                           /* -1 when absent */
    int deferred;
    char base[HASH_HEX_LEN], key[HASH_HEX_LEN];
};

struct ev {
    const char *path;
    struct ev_line *v;
    size_t n, cap;
    struct ev_line ctx;                         /* what the event's amounts share */
    char jp[256];                               /* JSON path of the event, for messages */
    char last_posted[DATES_ISO_MAX];            /* latest dated event of the page */
};

/* "path: json.path: message" (ERR_INPUT); always returns -1. */
int ev_err(struct ev *s, struct err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A string member, "" when absent or null; NULL (with e set) when it is not text. */
const char *ev_str(struct ev *s, json_t *o, const char *key, struct err *e);

/* A posted date member into buf as "YYYY-MM-DDTHH:MM:SSZ" ("" when absent); remembers the
 * page's latest. */
int ev_date(struct ev *s, json_t *o, const char *key, char buf[DATES_ISO_MAX], struct err *e);

/* A Currency object (either capitalisation) whose amount is a string of digits (the page's
 * numbers were quoted before parsing); *present 0 when absent or null. */
int ev_money(struct ev *s, json_t *m, const char *what, char cur_out[4], money_t *out,
             int *present, struct err *e);

/* Appends one amount: the event's shared fields (s->ctx), then amount type, description
 * (at when empty) and the money; nothing when the money is absent. */
int ev_emit(struct ev *s, const char *at, const char *desc, json_t *money, const char *what,
            struct err *e);

/* Each element of o[key] is {type_key: text, amount_key: Currency}: one amount each. */
int ev_components(struct ev *s, json_t *o, const char *key, const char *at,
                  const char *type_key, const char *amount_key, struct err *e);

/* A tax-withheld list: [{TaxesWithheld: [ChargeComponent]}] as ItemWithheldTax. */
int ev_withheld(struct ev *s, json_t *o, const char *key, struct err *e);

/* A whole-number member (a quoted JSON number); -1 when absent. */
int ev_quantity(struct ev *s, json_t *o, const char *key, int64_t *out, struct err *e);

/* The shared text fields of an event or item; NULL text means an error is in e. */
#define EV_TEXT(dst, s, o, key, e)                 \
    do {                                           \
        if (!((dst) = ev_str((s), (o), (key), (e)))) \
            return -1;                             \
    } while (0)


/* ingest_events_v0.c: payload.FinancialEvents of listFinancialEvents, every list. */
int ev_financial_events(struct ev *s, json_t *fe, struct err *e);

/* ingest_events_tx.c: payload.transactions of listTransactions. */
int ev_transactions(struct ev *s, json_t *arr, struct err *e);

#endif
