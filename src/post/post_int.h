/* post_int — what src/post*.c share. Private to the post stage. */
#ifndef SETTLEBOOK_POST_INT_H
#define SETTLEBOOK_POST_INT_H

#include "base.h"
#include "ledger.h"
#include "xero.h"

/* The rendered requests as outbox rows (borrowing their strings), at least two rows long;
 * caller frees *out. */
int post_rows(const struct xero_reqs *reqs, struct outbox_new **out, struct err *e);

#endif
