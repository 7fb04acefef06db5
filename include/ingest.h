/* ingest — detects the kind of each input file from its content (never its name or column
 * positions) and loads it into the ledger inside the caller's transaction. Never talks to
 * the network. */
#ifndef SETTLEBOOK_INGEST_H
#define SETTLEBOOK_INGEST_H

#include <stdint.h>

#include "base.h"
#include "config.h"
#include "ledger.h"

#define INGEST_FILE_MAX ((int64_t)8 << 30) /* 8 GiB: far beyond any real report */
#define INGEST_JSON_MAX (256 << 20)        /* SP-API pages are small; refuse giants */

struct ingest_opts {
    int replace;                     /* supersede a settlement already in the ledger */
    int verify;                      /* hash every file, even one file_seen knows unchanged */
    const struct config_bank *bank;
    const char *base_currency;       /* unit costs must be in it; NULL reads as USD */
};

struct ingest_result {
    char kind[24];
    char sha256[65];
    int skipped;                     /* same bytes were already ingested */
    int replaced;                    /* an earlier file of the same settlement was superseded */
    char settlement_id[64];
    char currency[4];
    int64_t records;                 /* data records read */
    int64_t lines;                   /* amount lines / order items / bank lines stored */
    int64_t total_minor, lines_sum_minor;
    int mismatch;                    /* lines do not sum to total-amount */
};

/* `ingest --costs-from-xero`: each Xero Item's purchase price as the unit cost of its SKU
 * (the item code, or the long SKU in the ledger that maps to it), in base_currency rounded
 * half up to its minor unit, effective from INGEST_COSTS_XERO_FROM: Xero keeps one price and
 * no history, so the read price applies from always until a cost CSV gives a later one. A
 * later read replaces an earlier one; a CSV cost is never replaced. Inside the caller's open
 * transaction; audited. res->records counts the prices, res->lines the costs changed. */
#define INGEST_COSTS_XERO_FROM "1970-01-01"
int ingest_costs_xero(struct ledger *lg, const char *base_currency, const struct item_price *p,
                      size_t n, struct ingest_result *res, struct err *e);

/* Masks a buyer identifier (e-mail, name) as "buyer-" + 12 hex digits of the SHA-256 of its
 * lowercase form. A value that already is such a mask is kept as is, so masking twice (fetch
 * masks before writing to disk, ingest masks again) gives the same reference. */
void ingest_mask_buyer(const char *s, char out[20]);

/* Loads one file inside the caller's open transaction (it takes a savepoint and rolls back
 * to it on error, so a failed file leaves no trace) and names it in the audit log. Errors are ERR_INPUT and read
 * "FILE:LINE[:COLUMN]: what is wrong and what to do". */
int ingest_file(struct ledger *lg, const char *path, const struct ingest_opts *o,
                struct ingest_result *res, struct err *e);

/* Loads an Amazon Finances API page (listFinancialEvents v0 or listTransactions 2024-06-19,
 * detected from its content) into unsettled lines, inside the caller's open transaction (a
 * savepoint of its own). Returns 1, changing nothing, when the JSON is not such a page; 0
 * when loaded or already known (res->skipped); -1 with ERR_INPUT naming the JSON path. */
int ingest_events_file(struct ledger *lg, const char *path, const char *sha256, int64_t bytes,
                       struct ingest_result *res, struct err *e);

/* One stored settlement, for listings; strings valid during the callback only. */
struct settlement_info {
    const char *settlement_id, *format, *marketplace, *currency;
    const char *start, *end, *deposit;     /* UTC, as stored */
    int64_t total, lines_sum, lines;
    const char *source_sha256;
};

/* Calls fn for each settlement by start date, then id; fn returns -1 to stop (ERR_IO). */
int ingest_settlements_each(struct ledger *lg,
                            int (*fn)(void *arg, const struct settlement_info *s), void *arg,
                            struct err *e);

/* The months (YYYY-MM, UTC) the settlements in the ledger span, ascending and distinct, into
 * a malloc'ed array the caller frees: what `period list` and PERIOD_EMPTY call "months with
 * data". */
int ingest_months(struct ledger *lg, char (**out)[8], size_t *n, struct err *e);

#endif
