/* xero_diff_int — the comparison half of `post --diff` (xero_diff_cmp.c), separate from the
 * part that asks Xero (xero_diff.c) so it can be tested on plain JSON. */
#ifndef SETTLEBOOK_XERO_DIFF_INT_H
#define SETTLEBOOK_XERO_DIFF_INT_H

#include <jansson.h>

#include "xero.h"

#define XDIFF_DIFFS_MAX 200     /* differences listed per document */

/* Appends to d the differences between ours (a document as settlebook sends it) and theirs
 * (Xero's answer for it), both with numbers as strings (jnum_quote). -1 when out of memory. */
int xdiff_compare(const char *collection, json_t *ours, json_t *theirs, struct xdiff_doc *d);

#endif
