/* xero_int — what the renderers of the three posting modes share. */
#ifndef SETTLEBOOK_XERO_INT_H
#define SETTLEBOOK_XERO_INT_H

#include "jw.h"
#include "xero.h"

/* One journal line as the renderers see it. */
struct xline {
    char role[32], code[32], tax[32], tname[96], topt[96], category[32], sku[64];
    char description[256];
    int64_t amount;            /* credit positive */
    int64_t sources;
};

/* One month part of a settlement's journals. */
struct xpart {
    int part, parts;
    char month[8], date[11];
    struct xline *lines;
    size_t n;
};

struct xsettle {
    int64_t ref;
    char id[64], currency[4], marketplace[96], start[11], end[11], deposit[11];
    int exp;
    int64_t total;             /* sum of lines: what the clearing side carries */
    struct xpart *parts;
    size_t n;
    const struct config *cfg;
    const struct config_marketplace *mk;
};

int xero_load(struct ledger *lg, const struct config *cfg, int64_t ref, struct xsettle *s,
              struct err *e);
void xero_settle_free(struct xsettle *s);

/* Document number of part k: AMZ-<settlement-id>-<k>. */
void xero_doc_number(const struct xsettle *s, int part, char *out, size_t cap);

/* Writes a LineItems/JournalLines "Tracking" array when name and option are both set. */
void xero_tracking(struct jw *w, const char *name, const char *option);

int xero_render_summary(const struct xsettle *s, struct xero_reqs *out, struct err *e);
int xero_render_journal(const struct xsettle *s, struct xero_reqs *out, struct err *e);
int xero_render_orders(struct ledger *lg, const struct xsettle *s, struct xero_reqs *out,
                       struct err *e);

#endif
