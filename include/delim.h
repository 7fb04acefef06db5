/* delim — streaming reader of delimited text (TSV flat files, bank CSV) on top of libcsv.
 * Hands one record at a time to a callback, with its physical line number; never holds the
 * whole file in memory. Fields arrive as trimmed UTF-8. */
#ifndef SETTLEBOOK_DELIM_H
#define SETTLEBOOK_DELIM_H

#include <stddef.h>

#include "err.h"

#define DELIM_FIELD_MAX  (64 * 1024)   /* longest field accepted */
#define DELIM_RECORD_MAX (1024 * 1024) /* longest record (line, or lines when quoted) */
#define DELIM_FIELDS_MAX 256           /* most fields in one record */

struct delim_row {
    size_t n;          /* fields in this record */
    char **f;          /* f[0..n-1], NUL-terminated, valid until the callback returns */
    size_t line;       /* physical line where the record starts, 1-based */
};

/* Called once per non-blank record, the header included. Returns 0, or -1 with e filled
 * to stop reading. */
typedef int (*delim_row_fn)(void *ctx, const struct delim_row *r, struct err *e);

struct delim_opts {
    char sep;          /* '\t' or ',' */
    int cp1252;        /* convert fields from Windows-1252 to UTF-8 */
};

/* Reads path from the start (skipping a UTF-8 BOM), calling fn per record. Errors name the
 * file and line. */
int delim_read(const char *path, const struct delim_opts *o, delim_row_fn fn, void *ctx,
               struct err *e);

/* Index of the header field named `name` (case-insensitive, ignoring a leading '*' as in
 * Xero's bank template), or -1. */
int delim_find(const struct delim_row *hdr, const char *name);

/* Field i of r, or "" when the record is shorter (ragged rows). */
const char *delim_get(const struct delim_row *r, int i);

#endif
