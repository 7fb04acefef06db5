/* xero_send_int — what the parts of live posting share: the rate limiter and backoff
 * (xero_send_rate.c), the authenticated client (xero_send_http.c), request bodies split
 * into documents (xero_send_body.c), Xero's answers (xero_send_parse.c) and the lookups of
 * requests whose outcome is unknown (xero_send_lookup.c). */
#ifndef SETTLEBOOK_XERO_SEND_INT_H
#define SETTLEBOOK_XERO_SEND_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "base.h"
#include "xero.h"

/* ---- rate limiter and backoff: pure, the caller passes the time ------------------------- */

#define XRATE_WINDOW_MS 60000       /* Xero's minute limit is a sliding window */
#define XRATE_MARGIN_MS 500        /* Xero counts arrivals, we count starts: keep a margin */
#define XRATE_SLOTS 60              /* at most calls_per_minute slots (config caps it at 60) */
#define XRATE_BACKOFF_BASE_MS 500   /* first retry waits 0.5..1 s, then doubles */
#define XRATE_BACKOFF_CAP_MS 30000  /* no single backoff is longer */
#define XRATE_RETRY_AFTER_MAX_S 300 /* a longer Retry-After (the daily limit) stops the run */

struct xrate {
    int64_t start[XRATE_SLOTS];     /* start times of the last `limit` calls, a ring */
    int n, head, limit;
    int64_t window_ms;              /* XRATE_WINDOW_MS (shorter only for the test fakes) */
    int64_t not_before;             /* no call before this (Retry-After, minute limit hit) */
    uint64_t prng;                  /* jitter only: it changes timing, never output */
};

void xrate_init(struct xrate *r, int calls_per_minute, uint64_t seed);

/* Milliseconds to wait before a call may start at now (0 = at once). */
int64_t xrate_wait_ms(const struct xrate *r, int64_t now);

/* Records that a call started at now. */
void xrate_note_call(struct xrate *r, int64_t now);

/* Reads an answer's Retry-After (seconds) and X-MinLimit-Remaining; returns the
 * Retry-After in seconds (0 when absent, 60 when not a number). A remaining count of 0
 * shrinks the window's limit to the calls made in the last 60 s (Xero's limit is shared
 * with other clients of the organisation) and holds the next call until the oldest of them
 * leaves the window. */
int64_t xrate_note_answer(struct xrate *r, int64_t now, const char *retry_after,
                          const char *min_remaining);

/* Backoff before retry number attempt (1, 2, ...): base * 2^(attempt-1), capped, with the
 * upper half jittered. */
int64_t xrate_backoff_ms(struct xrate *r, int attempt);

/* ---- the client ------------------------------------------------------------------------ */

struct xclient {
    const struct config *cfg;
    struct xero_session sess;
    struct xrate rate;
    int64_t calls;                  /* HTTP calls made this run */
    int64_t retries;                /* of which retries */
    int64_t bytes_in;               /* answer bytes downloaded (Xero bills data egress) */
    int day_exhausted;              /* X-DayLimit-Remaining reached 0 */
    int exact_numbers;              /* answers' numbers parsed as strings (jnum_quote): set
                                       by readers that compare amounts (post --diff) */
};

struct xcall {
    const char *method;             /* GET or PUT */
    const char *path;               /* "/Invoices" */
    const char *query;              /* "summarizeErrors=false", "" for none */
    const char *body;               /* NULL for GET */
    const char *idempotency_key;    /* NULL for GET */
    const char *if_modified_since;  /* NULL or "2024-01-31T00:00:00" */
};

/* Starts a client: gets the Xero session (token and tenant) from xero_auth. */
int xclient_open(struct xclient *c, const struct config *cfg, struct err *e);
void xclient_close(struct xclient *c);   /* wipes the token */

/* One call, waiting for the rate limiter, retrying 429, 5xx, timeouts, resets and answers
 * that are not JSON with exponential backoff and jitter (at most xero.max_retries retries),
 * refreshing the token once after a 401. Returns 0 with *status (2xx, 304 or a 4xx that is
 * not retried) and *root (the parsed answer, or NULL for 304; caller frees with
 * json_decref). Returns -1 with ERR_NET when no usable answer came; then *unknown is 1 when
 * some attempt may have reached Xero (a timeout, a reset, a 500, a cut answer), 0 when
 * every attempt was refused before Xero acted (429, 503, no connection). */
int xclient_call(struct xclient *c, const struct xcall *q, long *status, json_t **root,
                 int *unknown, struct err *e);

/* ---- request bodies -------------------------------------------------------------------- */

#define XBODY_DOCS_MAX 1000

/* A request body {"<Collection>":[doc, doc, ...]} split into its documents' text. */
struct xbody {
    char collection[32];            /* "Invoices", "Payments", ... */
    size_t off[XBODY_DOCS_MAX], len[XBODY_DOCS_MAX];
    size_t n;
};

/* Splits body without changing a byte (numbers stay the exact decimals written). */
int xbody_split(const char *body, struct xbody *out, struct err *e);

/* A new body (caller frees) holding only the documents with keep[i] set, byte for byte. */
char *xbody_subset(const char *body, const struct xbody *b, const unsigned char *keep);

/* What identifies document i in Xero and in messages. */
struct xdoc {
    char label[160];                /* number, narration head, or reference */
    char number[128];               /* InvoiceNumber / CreditNoteNumber, "" when none */
    char reference[256];            /* Reference (payments, transfers) or Narration */
    char target[128];               /* a payment's invoice or credit note number */
};
int xbody_doc(const char *body, const struct xbody *b, size_t i, struct xdoc *out,
              struct err *e);

/* Name of the id field in answers for a collection ("InvoiceID"), NULL when unknown. */
const char *xbody_id_field(const char *collection);

/* ---- answers --------------------------------------------------------------------------- */

struct xresult {
    int done;                       /* Xero answered for this document */
    int ok;                         /* created (or found); otherwise rejected */
    char id[64], status[32];
    char msg[400];                  /* Xero's validation messages, joined */
};

/* Reads the answer to a PUT of n documents (status 200 with per-document results, or a
 * 400 ValidationException). -1 when the answer does not fit the request (then its outcome
 * is unknown). */
int xparse_answer(json_t *root, long status, const char *collection, size_t n,
                  struct xresult *out, struct err *e);

/* ---- ids a request needs before they exist (xero_send_refs.c) ------------------------- */

/* A copy of in (caller frees) with each {InvoiceID:<number>} / {CreditNoteID:<number>}
 * replaced by the id Xero gave that confirmed document; ERR_INPUT when one has none yet. */
int xrefs_resolve(struct ledger *lg, const char *in, char **out, struct err *e);

/* The unknown outcome of an allocation request (path and body as stored): GET the credit
 * note and look for its allocation to the invoice. Sets out->done/ok when found. */
int xrefs_lookup_allocation(struct xclient *c, struct ledger *lg, const char *path,
                            const char *body, struct xresult *out, struct err *e);

/* ---- lookups of unknown outcomes -------------------------------------------------------- */

#define XLOOKUP_PAGE_SIZE 100       /* Xero's documents per page (page=N) */

/* GETs path?query&page=N for every page (until one holds fewer than 100), appending the
 * elements of collection coll to the array all. Only reads. */
int xlookup_fetch(struct xclient *c, const char *path, const char *query, const char *coll,
                  json_t *all, struct err *e);

/* Looks up in Xero every document of body with todo[i] set, by number (invoices, credit
 * notes), narration (manual journals) or reference and target (payments, transfers). Sets
 * out[i].done/ok and the id for each one found. */
int xlookup_docs(struct xclient *c, const char *body, const struct xbody *b,
                 const unsigned char *todo, struct xresult *out, struct err *e);

#endif
