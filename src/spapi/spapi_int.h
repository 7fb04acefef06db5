/* spapi_int — what the spapi_*.c files share: the client (credentials, cached access token,
 * per-operation rate buckets), the request loop, and the ledger side of fetching. Private to
 * src/spapi*.c and src/cli_fetch.c. */
#ifndef SETTLEBOOK_SPAPI_INT_H
#define SETTLEBOOK_SPAPI_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "spapi.h"

#define SPAPI_TOKEN_MAX 4096          /* longest access or refresh token accepted */
#define SPAPI_ID_MAX 128              /* longest report, document or order id */
#define SPAPI_NEXT_MAX 4096           /* longest paging token */
#define SPAPI_PAGES_MAX 10000         /* getReports / getOrders pages in one run */
#define SPAPI_ITEM_PAGES_MAX 100      /* getOrderItems pages for one order */
#define SPAPI_REPORTS_MAX 10000       /* settlement reports listed in one run */
#define SPAPI_WAIT_MAX_MS 120000      /* longest single sleep (rate limit or backoff) */
#define SPAPI_BACKOFF_BASE_MS 500     /* first backoff; doubles per attempt, with jitter */
#define SPAPI_BACKOFF_CAP_MS 32000

/* The operations, each with its own rate limit (x-amzn-RateLimit-Limit) and burst. */
enum spapi_op { SPAPI_OP_REPORTS, SPAPI_OP_DOCUMENT, SPAPI_OP_ORDERS, SPAPI_OP_ORDER_ITEMS,
                SPAPI_OP_CREATE_REPORT, SPAPI_OP_GET_REPORT, SPAPI_OP_FINANCES,
                SPAPI_OP_TRANSACTIONS, SPAPI_OP_COUNT };

/* A token bucket in micro-requests: refills at rate_micro per second up to burst. */
struct spapi_bucket {
    int64_t rate_micro;     /* requests per second * 10^6; 0 = not told yet (no pacing) */
    int64_t tokens_micro;
    int64_t burst_micro;
    int64_t last_ms;        /* clock_mono_ms of the last refill; 0 = never */
};

struct spapi {
    const struct config *cfg;
    struct ledger *lg;
    const struct spapi_opts *o;
    struct spapi_summary *sum;
    char client_id[512], client_secret[512], refresh_token[SPAPI_TOKEN_MAX];
    char access_token[SPAPI_TOKEN_MAX];   /* "" when none; never logged, never stored */
    int64_t token_deadline_ms;            /* clock_mono_ms after which it is renewed */
    struct spapi_bucket bucket[SPAPI_OP_COUNT];
    uint64_t rng;                         /* jitter only: never shapes an output */
    char markets[1024];                   /* MarketplaceIds, escaped for a query */
    int64_t since;                        /* --since as UTC seconds, or -1 */
    int64_t default_since;                /* first-fetch start (SPAPI_DEFAULT_DAYS ago) */
};

/* spapi_auth.c — Login with Amazon, refresh-token grant. */
/* Reads the three environment variables into sp; ERR_INPUT naming the missing one. */
int spapi_auth_init(struct spapi *sp, struct err *e);
/* A valid access token (cached until 60 s before expiry), borrowed until the next call.
 * ERR_NET when Login with Amazon refuses the credentials or stays unavailable. */
int spapi_auth_token(struct spapi *sp, const char **out, struct err *e);
void spapi_auth_forget(struct spapi *sp);   /* drops the cached access token */
void spapi_auth_clear(struct spapi *sp);    /* overwrites every secret in sp */

/* spapi_rate.c — pacing and backoff. */
void spapi_rate_init(struct spapi *sp);
/* Sleeps until op's bucket holds a request, then takes it. */
void spapi_rate_wait(struct spapi *sp, int op);
/* Learns op's rate from an x-amzn-RateLimit-Limit value ("0.0167"); "" changes nothing. */
void spapi_rate_update(struct spapi *sp, int op, const char *limit);
/* Milliseconds one request of op takes at its rate (0 when unknown). */
int64_t spapi_rate_interval_ms(const struct spapi *sp, int op);
/* Backoff before retry number attempt (0-based): exponential with jitter, capped. */
int64_t spapi_backoff_ms(struct spapi *sp, int attempt);
/* Parses "0.0167" as micro-units; -1 when it is not a positive decimal. */
int64_t spapi_rate_parse(const char *s);

/* spapi_call.c — requests. */
/* GETs endpoint + path_query with the access token, retrying 429 and 5xx (and a network
 * failure) up to max_retries times with backoff, renewing the token once on 403
 * Unauthorized/expired. *out is the JSON object answered (caller frees). ERR_NET otherwise. */
int spapi_get(struct spapi *sp, int op, const char *path_query, json_t **out, struct err *e);
/* The same, also giving the body exactly as Amazon sent it (*raw, NUL-terminated, caller
 * frees): Finances API amounts are JSON numbers, which must reach ingest as written. */
int spapi_get_raw(struct spapi *sp, int op, const char *path_query, json_t **out, char **raw,
                  struct err *e);
/* POSTs a JSON body (createReport), with the same retries; 200 and 202 are success. */
int spapi_post(struct spapi *sp, int op, const char *path, const char *body, json_t **out,
               struct err *e);
/* Refuses a URL that is not https, except http on the loopback (tests). */
int spapi_url_ok(const char *url, const char *what, struct err *e);
/* A short, printable description of an SP-API error body ("InvalidInput: ..."). */
void spapi_describe(const char *body, char *out, size_t cap);

/* spapi_gunzip.c — gzip file in, plain file out; ERR_NET on a truncated or corrupt stream
 * (the gzip trailer's CRC-32 and length are checked), never a partial output file. */
int spapi_gunzip(const char *in, const char *out, struct err *e);

/* spapi_pii.c — buyer data removed from an order / order item object in place: BuyerInfo keeps
 * only BuyerEmail masked as ingest masks it, ShippingAddress keeps only CountryCode; items
 * keep only the gift wrap amounts of their BuyerInfo. */
void spapi_pii_order(json_t *order);
void spapi_pii_item(json_t *item);

/* spapi_store.c — the ledger and the data folder. */
int spapi_id_ok(const char *id);   /* [A-Za-z0-9._-]{1,SPAPI_ID_MAX}, not starting with '.' */
int spapi_mkdirs(const char *path, struct err *e);   /* mkdir -p, 0755 */
/* Writes root as indented JSON to dir/<prefix><first 12 hex of its sha256>.json (atomic;
 * kept as is when it exists) and gives the path. */
int spapi_write_json(const char *dir, const char *prefix, json_t *root, char *path,
                     size_t cap, struct err *e);
int spapi_report_known(struct ledger *lg, const char *report_id, int *known, struct err *e);
struct spapi_report_row {
    const char *report_id, *report_type, *document_id, *created, *compression, *sha256;
    const char *path, *state;
    int64_t bytes;
};
int spapi_report_add(struct ledger *lg, const struct spapi_report_row *r, struct err *e);
/* The cursor's value into out[DATES_ISO_MAX] ("" when none). */
int spapi_cursor_get(struct ledger *lg, const char *name, char *out, struct err *e);
/* Stores value when it is later than the stored one (inside the open transaction). */
int spapi_cursor_set(struct ledger *lg, const char *name, const char *value, int *changed,
                     struct err *e);
/* Ingests path inside the open transaction and writes its "ingest" audit entry, as
 * `settlebook ingest` does. */
int spapi_ingest(struct spapi *sp, const char *path, struct ingest_result *res,
                 struct err *e);
/* Appends {"kind", "path", ...} to sp->o->files when set. */
void spapi_note_file(struct spapi *sp, const char *kind, const char *id, const char *path,
                     const struct ingest_result *res);

/* spapi_reports.c, spapi_orders.c — the two fetch stages. */
int spapi_reports(struct spapi *sp, struct err *e);
/* spapi_reports.c: downloads report document doc_id of report_id completely into final
 * (gunzipped; a cut download is retried); *gzip tells whether it was compressed. */
int spapi_report_download(struct spapi *sp, const char *report_id, const char *doc_id,
                          const char *dir, const char *final, int *gzip, struct err *e);
/* spapi_inventory.c: the FBA Inventory Ledger summary view of every complete month the
 * ledger lacks (createReport, getReport until DONE or FATAL, download, ingest). */
int spapi_inventory(struct spapi *sp, struct err *e);
int spapi_orders(struct spapi *sp, struct err *e);
/* spapi_events.c — listFinancialEvents or listTransactions (spapi.finances_api) from the
 * stored marks (fetch --events). */
int spapi_events(struct spapi *sp, struct err *e);

/* The start of a stage: --since, else the stored cursor, else default_since. */
int spapi_start(struct spapi *sp, const char *cursor, char out[DATES_ISO_MAX], struct err *e);

#endif
