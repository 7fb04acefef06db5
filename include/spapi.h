/* spapi — `settlebook fetch`: pulls new settlement reports (Reports API 2021-06-30) and orders
 * (Orders API v0) from Amazon's Selling Partner API into files under spapi.data_dir, then
 * ingests each file with ingest_file. It never writes accounting tables, never logs a token
 * or buyer PII, and never ingests a file that did not fully arrive. */
#ifndef SETTLEBOOK_SPAPI_H
#define SETTLEBOOK_SPAPI_H

#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "base.h"
#include "ledger.h"

/* Login with Amazon credentials come from these environment variables, never the config. */
#define SPAPI_ENV_CLIENT_ID "SETTLEBOOK_LWA_CLIENT_ID"
#define SPAPI_ENV_CLIENT_SECRET "SETTLEBOOK_LWA_CLIENT_SECRET"
#define SPAPI_ENV_REFRESH_TOKEN "SETTLEBOOK_LWA_REFRESH_TOKEN"

#define SPAPI_SETTLEMENT_REPORT "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
#define SPAPI_DEFAULT_DAYS 90   /* first fetch without --since: this many days back */

struct spapi_opts {
    const char *since;   /* "YYYY-MM-DD" or ISO 8601: overrides the stored cursors; NULL */
    json_t *files;       /* when set, one object per file kept is appended (borrowed) */
    int events;          /* fetch --events: Finances API events only (spapi_events.c) */
};

struct spapi_summary {
    int64_t reports_listed;      /* settlement reports Amazon listed */
    int64_t reports_fetched;     /* downloaded and ingested now */
    int64_t reports_known;       /* fetched by an earlier run (skipped) */
    int64_t reports_pending;     /* not DONE yet: fetched by a later run */
    int64_t reports_refused;     /* downloaded but ingest refused them (kept on disk) */
    int64_t order_pages;         /* getOrders pages with orders, kept and ingested */
    int64_t orders;              /* orders in them */
    int64_t order_items;         /* order items fetched for them */
    int64_t inventory_fetched;   /* FBA Inventory Ledger months requested and ingested */
    char orders_since[DATES_ISO_MAX];   /* LastUpdatedAfter used */
    char orders_hwm[DATES_ISO_MAX];     /* the stored high-water mark after the run */
    int64_t event_pages;         /* Finances API pages kept and ingested */
    int64_t event_lines;         /* new unsettled lines in them */
    char events_since[DATES_ISO_MAX], events_until[DATES_ISO_MAX];   /* PostedAfter/Before */
    char events_api[32];         /* the operation read (spapi.finances_api) */
    char events_handover[32];    /* "" or the other operation, which finished its mark's day */
};

/* Runs a fetch against cfg->spapi with the credentials from the environment. Each report,
 * and each getOrders page with its orders' items, is downloaded completely, written under
 * cfg->spapi.data_dir (temp file + rename) and ingested in its own transaction of lg (no
 * transaction may be open). The orders high-water mark advances only after every page is
 * in. Errors: ERR_INPUT for missing credentials, bad options or a report ingest refused
 * (after the rest was fetched); ERR_NET when Amazon stays unavailable after
 * cfg->spapi.max_retries (nothing of the failed request is ingested); ERR_IO, ERR_DB. */
int spapi_fetch(struct ledger *lg, const struct config *cfg, const struct spapi_opts *o,
                struct spapi_summary *out, struct err *e);

/* The two-line summary of a fetch on stdout (fetch, close --fetch). */
void spapi_summary_print(const struct spapi_summary *s);

#endif
