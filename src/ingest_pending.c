/* TEMPORARY: replaced by ingest_orders.c, ingest_bank.c and ingest_spapi.c. */
#include "ingest_int.h"
int ingest_orders_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{ return ingest_err(c, e, hdr->line, 0, "orders: not yet"); }
int ingest_bank_start(struct ingest_ctx *c, const struct delim_row *hdr, struct err *e)
{ return ingest_err(c, e, hdr->line, 0, "bank: not yet"); }
int ingest_spapi(struct ingest_ctx *c, struct err *e)
{ return ingest_err(c, e, 1, 0, "json: not yet"); }
