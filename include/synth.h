/* synth — deterministic, realistic Amazon data of any size, for demos, sandboxes and
 * benchmarks: a settlement report (flat file V2 or the older layout), the matching All
 * Orders report and a bank statement CSV. The same options always give the same bytes: the
 * only randomness is a PRNG seeded from the options (never rand(), never the clock), and
 * memory stays flat for any size (rows are generated twice, never held). */
#ifndef SETTLEBOOK_SYNTH_H
#define SETTLEBOOK_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "base.h"

#define SYNTH_ROWS_MIN 3               /* previous reserve, one event, current reserve */
#define SYNTH_ROWS_MAX 100000000       /* 100 million amount lines, about 17 GB of V2 text */

enum synth_format { SYNTH_V2, SYNTH_V1 };
enum synth_locale { SYNTH_US, SYNTH_EU, SYNTH_UK };

struct synth_opts {
    int64_t rows;       /* amount lines in the settlement, SYNTH_ROWS_MIN..SYNTH_ROWS_MAX */
    uint64_t seed;
    int format;         /* enum synth_format */
    int locale;         /* enum synth_locale */
};

/* What the first pass found; every writer uses the same plan. */
struct synth_plan {
    struct synth_opts o;
    uint64_t key;                   /* the seed, mixed: every choice derives from it */
    char settlement_id[12];         /* 11 digits, from the seed */
    const char *currency;           /* "USD", "EUR", "GBP" */
    const char *marketplace;        /* "Amazon.com", ... */
    int64_t start, end, deposit;    /* UTC seconds since the epoch */
    int64_t events;                 /* orders, refunds, fees ... in the settlement */
    int64_t orders;                 /* order events among them */
    int64_t unsettled;              /* extra shipped orders that no settlement pays */
    money_t total;                  /* exactly the sum of the amount lines */
    money_t reserve_prev, reserve_curr;
};

/* Parses "v2"/"v1" and "us"/"eu"/"uk"; -1 when unknown. */
int synth_format_of(const char *s);
int synth_locale_of(const char *s);

/* Checks o and runs the first pass (sums, counts; writes nothing). */
int synth_plan(struct synth_plan *out, const struct synth_opts *o, struct err *e);

/* Writers: each streams to f (left open) and returns -1 with ERR_IO on a write error. */
int synth_write_settlement(const struct synth_plan *p, FILE *f, struct err *e);
int synth_write_orders(const struct synth_plan *p, FILE *f, struct err *e);
int synth_write_bank(const struct synth_plan *p, FILE *f, struct err *e);
/* The FBA Inventory Ledger summary view (monthly, tab-separated) whose shipments, returns
 * and damaged units are the settlement's (plus the unsettled orders), one unreimbursed lost
 * unit a month; and the unit-cost CSV of the catalogue in the settlement's currency. */
int synth_write_inventory(const struct synth_plan *p, FILE *f, struct err *e);
int synth_write_costs(const struct synth_plan *p, FILE *f, struct err *e);

#endif
