/* post — keeps the outbox in step with the journals (one row per Xero request, written in
 * the caller's transaction) and writes the dry-run preview from those rows, so the preview
 * is byte for byte what live posting sends. */
#ifndef SETTLEBOOK_POST_H
#define SETTLEBOOK_POST_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "ledger.h"

struct post_summary {
    int64_t settlements, requests, documents, written, unchanged, conflicts;
};

/* Renders every settlement touching period ("" = all) and reconciles the outbox: identical
 * rows stay; when they differ and nothing of the settlement may exist in Xero, its pending
 * rows and its dead rows (rejected whole) are replaced; rows of which anything may exist in
 * Xero (view outbox_posted) are never touched, and a difference becomes a
 * POSTED_DOCUMENT_CHANGED exception. */
int post_outbox(struct ledger *lg, const struct config *cfg, const char *period,
                struct post_summary *out, struct err *e);

/* Writes <dir>/<period>/xero-preview.json (temporary file, then rename) from the outbox
 * rows of that month, and prints the human summary on stdout unless quiet. */
int post_preview(struct ledger *lg, const struct config *cfg, const char *period,
                 const char *dir, char *path_out, size_t path_cap, struct err *e);

/* The Idempotency-Key of a request: "sb1-" + 60 hex digits of its SHA-256 identity. */
void post_idempotency_key(const char *settlement_id, int seq, const char *body, char out[72]);

/* Creates dir and dir/sub as needed (mode 0755). */
int post_mkdirs(const char *dir, const char *sub, char *out, size_t cap, struct err *e);

#endif
