/* token_store — the Xero token file: a small JSON file holding OAuth tokens, readable only by
 * its owner. Every read refuses a symlink, a file owned by another user and a file group or
 * others can access; every write goes to a 0600 temp file, is fsynced and renamed into place.
 * A lock file ("<path>.lock", flock) serialises read-refresh-write across processes.
 * Nothing here logs, and no error message ever contains a file's contents. */
#ifndef SETTLEBOOK_TOKEN_STORE_H
#define SETTLEBOOK_TOKEN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

#define TOKEN_STORE_FILE_MAX (64u << 10)  /* larger token files are refused */
#define TOKEN_STORE_VERSION 1

/* One token set, as stored. Strings are NUL-terminated; "" means absent. */
struct token_set {
    char grant[24];            /* "authorization_code" or "client_credentials" */
    char client_id[128];       /* the app the tokens belong to */
    char access_token[4096];
    int64_t expires_at;        /* access token expiry, clock_now_s() seconds; 0 unknown */
    char refresh_token[2048];  /* authorization_code only; rotates on every refresh */
    char tenant_id[64];        /* organisation chosen with `auth xero` / `auth tenant` */
    char tenant_name[256];
    int64_t updated_at;
};

/* The token file's path: cfg->xero.token_file with a leading "~/" expanded, or
 * ~/.config/settlebook/xero-token.json when that is "". */
int token_store_path(const struct config *cfg, char *out, size_t cap, struct err *e);

/* Checks that path, when it exists, is a regular file (not a symlink) owned by the effective
 * user with no group/other permission bits. *exists tells whether it exists. ERR_INPUT
 * naming the file and the fix when it is refused. */
int token_store_check(const char *path, int *exists, struct err *e);

/* Takes the exclusive lock "<path>.lock" (created 0600, parent folders created 0700),
 * waiting at most wait_ms. *out_fd is the lock's descriptor for token_store_unlock. */
int token_store_lock(const char *path, long wait_ms, int *out_fd, struct err *e);
void token_store_unlock(int fd);  /* releases and closes; -1 is a no-op */

/* Reads path into out (zeroed first). *found = 0 and out empty when the file does not exist.
 * Refused files (see token_store_check) and malformed JSON are errors. */
int token_store_read(const char *path, struct token_set *out, int *found, struct err *e);

/* Writes t to path atomically: "<path>.tmp" created 0600 with O_EXCL|O_NOFOLLOW, fsync,
 * rename, fsync of the folder. Parent folders are created 0700. Refuses to replace a file
 * token_store_check refuses. Sets nothing in t (updated_at is the caller's). */
int token_store_write(const char *path, const struct token_set *t, struct err *e);

/* Proves path can be written (creates and removes "<path>.tmp") without touching path: run
 * before asking for tokens that invalidate the stored ones, so an unwritable file stops the
 * run while the old refresh token still works. */
int token_store_probe(const char *path, struct err *e);

/* Generic JSON object files with the same checks (the PKCE "<path>.pkce" file).
 * token_store_load_text gives a NUL-terminated copy the caller frees (after cleansing);
 * *out = NULL when the file does not exist. */
int token_store_load_text(const char *path, char **out, size_t *len, struct err *e);
int token_store_save_text(const char *path, const char *text, size_t len, struct err *e);

/* Removes path (no error when it is absent). */
int token_store_remove(const char *path, struct err *e);

/* Overwrites the secrets in t (OPENSSL_cleanse). */
void token_set_clear(struct token_set *t);

#endif
