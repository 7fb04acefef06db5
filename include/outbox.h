/* outbox — the life of an outbox row (one Xero request) after post.c wrote it:
 *   pending -> sending      committed before the request leaves (outbox_mark_sending)
 *   sending -> confirmed    every document created, with Xero's ids (outbox_record)
 *   sending -> dead         Xero rejected a document: its message is kept, the settlement
 *                           stops, nothing is resent until `outbox retry`
 *   sending -> pending      retries ran out and Xero certainly did nothing
 *   sending (stays)         retries ran out and Xero may have acted: the next run looks the
 *                           documents up before sending anything
 *   dead -> pending         `settlebook outbox retry ID`, under a new Idempotency-Key
 * Every change is one transaction; confirmations, rejections and retries are audited. */
#ifndef SETTLEBOOK_OUTBOX_H
#define SETTLEBOOK_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "ledger.h"

struct outbox_row {
    int64_t id;
    char settlement_id[64], month[8], doc_number[96];
    int seq, attempts, retries;
    char method[8], path[128], query[64];
    char key[136], sha[65], state[16];
    char *body;                   /* owned; outbox_row_free */
};

/* Loads row id into out (ERR_INPUT when there is none). */
int outbox_get(struct ledger *lg, int64_t id, struct outbox_row *out, struct err *e);
void outbox_row_free(struct outbox_row *r);

/* The key a row must carry: post_idempotency_key of its settlement, seq and body, plus
 * "-r<retries>" after manual retries. -1 (ERR_INTERNAL) when the stored body or key differ
 * from what they must be: a row changed outside settlebook is never sent. */
int outbox_verify(const struct outbox_row *r, struct err *e);

/* Which of the row's n documents Xero already has (confirmed[i] = 1). */
int outbox_confirmed(struct ledger *lg, int64_t id, size_t n, unsigned char *confirmed,
                     struct err *e);

/* The request as it goes out: the stored body and key, or, when some documents are already
 * confirmed, only the others under a key derived from the stored one and that subset.
 * *body_out is owned by the caller (free). */
int outbox_effective(struct ledger *lg, const struct outbox_row *r, char **body_out,
                     char key_out[136], struct err *e);

/* pending|sending -> sending, attempts + 1, in its own transaction. ERR_INTERNAL when the
 * row is in another state (another process took it). */
int outbox_mark_sending(struct ledger *lg, int64_t id, struct err *e);

/* sending -> pending (Xero did nothing) or stays sending (outcome unknown), noting why. */
int outbox_release(struct ledger *lg, int64_t id, int unknown, const char *why,
                   struct err *e);

/* One document's answer, for outbox_record. */
struct outbox_answer {
    size_t idx;                   /* position in the stored body */
    const char *label;
    int ok;
    const char *xero_id, *xero_status, *message;
};

/* Writes the documents' answers and moves the row to confirmed (when every document of it
 * is confirmed) or dead (when one was rejected: an XERO_REJECTED exception names it); with
 * some confirmed and none rejected (a lookup found part of a request) the state stays. One
 * transaction, audited. *dead is set when the row went dead. */
int outbox_record(struct ledger *lg, const struct outbox_row *r, size_t n_docs,
                  const struct outbox_answer *a, size_t na, int *dead, struct err *e);

/* dead -> pending with retries + 1 and the new key; the rejected answers and their
 * exceptions are cleared (confirmed documents stay, and are not sent again). */
int outbox_retry(struct ledger *lg, int64_t id, struct err *e);

#endif
