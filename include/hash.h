/* hash — SHA-256 (OpenSSL EVP) as lowercase hex, streaming or one-shot. */
#ifndef SETTLEBOOK_HASH_H
#define SETTLEBOOK_HASH_H

#include <stddef.h>

#include "err.h"

#define HASH_HEX_LEN 65 /* 64 hex digits and NUL */

struct hash_ctx; /* opaque */

int hash_new(struct hash_ctx **out, struct err *e);
void hash_update(struct hash_ctx *h, const void *p, size_t n);
void hash_final(struct hash_ctx *h, char hex[HASH_HEX_LEN]); /* then frees h */
void hash_free(struct hash_ctx *h);                           /* NULL is a no-op */

/* One-shot SHA-256 of a buffer. */
void hash_hex(const void *p, size_t n, char hex[HASH_HEX_LEN]);

#endif
