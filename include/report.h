/* report — the reconciliation workbook an auditor signs off: reports/<period>/reconciliation.xlsx
 * (libxlsxwriter), sheets Summary, Exceptions, Settlements, Postings, Orders, Fees, Mapping,
 * Audit. Reads the ledger only: it never writes a row, never talks to the network. */
#ifndef SETTLEBOOK_REPORT_H
#define SETTLEBOOK_REPORT_H

#include "config.h"
#include "base.h"
#include "ledger.h"

/* Writes the workbook for the settlements touching period ("YYYY-MM", or "" for every
 * settlement) to path: first to "<path>.tmp" in the same folder, then renamed into place, so
 * a failure never leaves half a file. The same ledger and config give the same bytes
 * whatever the clock, TZ or locale (the document date comes from the data). Runs in a read
 * transaction of its own when none is open, else inside the caller's. ERR_IO when the file
 * cannot be written, ERR_DB on a ledger error. */
int report_write(struct ledger *lg, const struct config *cfg, const char *period,
                 const char *path, struct err *e);

/* The workbook's pass over every settlement line, begun now on a second connection in a
 * thread of its own (ledger.h's aside) while the caller's connection goes on: a close starts
 * it after ingest, so the lines are read while reconcile and the journals run.
 * report_write_prefetched takes it (or, when it could not run aside or the lines changed
 * since, reads them itself: the same bytes either way). start sets *out even on error; free
 * (NULL is a no-op) waits for a pass never taken. */
struct report_prefetch;
int report_prefetch_start(struct ledger *lg, const struct config *cfg, const char *period,
                          struct report_prefetch **out, struct err *e);
int report_write_prefetched(struct ledger *lg, const struct config *cfg, const char *period,
                            const char *path, struct report_prefetch *pre, struct err *e);
void report_prefetch_free(struct report_prefetch *pre);

#endif
