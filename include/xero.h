/* xero — everything that speaks Xero: renders journals as the exact API requests of the
 * configured posting mode (pure: no database, no network), signs in (OAuth 2.0 with PKCE or
 * client credentials, token store), and sends the outbox live (preflight, exactly once). */
#ifndef SETTLEBOOK_XERO_H
#define SETTLEBOOK_XERO_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "journal.h"
#include "base.h"
#include "ledger.h"

/* xero — everything that speaks Xero: renders journals as the exact API requests of the
 * configured posting mode (pure: no database, no network), signs in (OAuth 2.0 with PKCE or
 * client credentials, token store), and sends the outbox live (preflight, exactly once). */

/* xero — renders a settlement's journals as the exact Xero API requests (method, path,
 * query, body) for the configured posting mode. Pure: reads the ledger, writes nothing, and
 * renders identically for the dry run and for live posting. */

#define XERO_BATCH_MAX 50   /* documents per request */

/* Placeholders of an id Xero gives a document when it creates it, written into a request
 * that needs it before it exists ("{InvoiceID:AMZ-1-206-1}"): live posting replaces each
 * with the id Xero returned for the document of that number (xero_send_refs.c). */
#define XERO_REF_INVOICE "InvoiceID:"
#define XERO_REF_CREDIT_NOTE "CreditNoteID:"

/* An outbox row's request as it goes out: the stored body and key, or, when some documents
 * are already confirmed, only the others under a key derived from the stored one and that
 * subset. *body_out is owned by the caller (free). The preview and live sending both use
 * it, so they show and send the same bytes. */
int xero_effective(struct ledger *lg, const struct outbox_row *r, char **body_out,
                   char key_out[136], struct err *e);

struct xero_req {
    char settlement_id[64];
    char month[8];            /* period the request belongs to */
    int seq;                  /* order within the settlement, from 1 */
    char doc_number[96];      /* first document's number, for lookups and the summary */
    char method[8];
    char path[128];
    char query[64];
    char *body;               /* compact JSON, owned */
    int documents;            /* documents in the body */
    int64_t total_minor;      /* sum of the documents' totals, for the summary */
    char kind[24];            /* "invoice", "bill", "payment", "credit-note", ... */
};

/* A tax-inclusive document line on which the VAT Xero will compute (money_inclusive_tax)
 * differs from the tax Amazon charged by more than one minor unit (orders mode: the post
 * stage raises VAT_MISMATCH for each). */
struct xero_vat_line {
    char doc[96], description[192], code[32], sku[64];
    int64_t amount, vat, xero;    /* line amount, Amazon's tax in it, Xero's */
    int rate_bp;
};

struct xero_reqs {
    struct xero_req *v;
    size_t n, cap;
    char blocked[256];        /* why this settlement cannot be rendered in this mode; "" ok */
    struct xero_vat_line *vat;  /* VAT mismatches of the rendered lines (orders mode) */
    size_t n_vat;
};

void xero_reqs_free(struct xero_reqs *r);  /* frees bodies; the struct may be reused */

/* Renders every request for one settlement (by row id) in the configured mode. */
int xero_render(const struct journal_view *s, struct xero_reqs *out, struct err *e);

/* Renders a month-end accrual (journal_accruals) as two ManualJournals: the accrual (seq 1,
 * month P, dated its last day) and its exact reversal (seq 2, month P+1, dated its first
 * day), whatever the posting mode. A currency other than the base currency renders nothing
 * and says why in out->blocked. Pure. */
int xero_render_accrual(const struct accrual *a, struct xero_reqs *out, struct err *e);
/* Renders month's cost-of-goods journal as one ManualJournal request (none when the
 * journal is empty or blocked). Pure. */
int xero_render_cogs(const struct cogs_view *v, struct xero_reqs *out, struct err *e);

/* Items: the outbox settlement of month P's item creations is "ITEMS-<P>". */
#define XERO_ITEMS_PREFIX "ITEMS-"
#define XERO_ITEM_NAME_MAX 51   /* Xero item names hold 50 characters */

/* Renders PUT /Items requests creating codes[0..n) (names[i] as Name, sold to
 * accounts.sales), XERO_BATCH_MAX a request. Pure. */
int xero_render_items(const char *month, const char (*codes)[TEXT_ITEM_CODE_MAX],
                      const char (*names)[XERO_ITEM_NAME_MAX], size_t n,
                      const struct config *cfg, struct xero_reqs *out, struct err *e);

/* Checks the lines of sid's waiting outbox requests (of period, "" = all) against the
 * cached reference data: a tax type whose CanApplyTo flags exclude the class of the line's
 * account is refused by Xero. Makes the findings sid's TAX_TYPE_NOT_APPLICABLE errors
 * (scope xero; nothing written when unchanged), logs each, adds their number to *problems.
 * Judges nothing without a cache (xero_taxclass.c). */
int xero_tax_class_check(struct ledger *lg, const struct config *cfg, const char *sid,
                         const char *period, int64_t *problems, struct err *e);

/* Appends a request; takes ownership of body (a jw text copy). */
int xero_reqs_add(struct xero_reqs *r, const struct xero_req *q, const char *body,
                  struct err *e);

/* xero_auth — Xero OAuth 2.0 access tokens for the API client: client credentials (Custom
 * Connection) or the stored refresh token (rotated, persisted before use), plus the tenant.
 * Credentials come from the environment (SETTLEBOOK_XERO_CLIENT_ID, _CLIENT_SECRET,
 * _TENANT_ID), tokens from the token file (token_store.h). Secrets never appear in logs,
 * output or error messages. */

/* What the API client needs for a request: "Authorization: Bearer <access_token>" and
 * "xero-tenant-id: <tenant_id>". tenant_id is "" only for a Custom Connection whose
 * organisation could not be listed: send no xero-tenant-id then (Xero does not need it for
 * Custom Connections). Contains a secret: never log it, clear it when done. */
struct xero_session {
    char access_token[4096];
    char tenant_id[64];
    int64_t expires_at;   /* clock_now_s() seconds */
};

/* Gives a valid access token (valid for at least XERO_AUTH_MARGIN_S more seconds): client
 * credentials when no refresh token is stored and a client secret is set (Custom Connection),
 * else the stored refresh token (rotated and persisted before use). A still-valid token in the
 * token file is reused without a network call. Tenant: SETTLEBOOK_XERO_TENANT_ID, else the one
 * stored by `auth xero`/`auth tenant`, else the only connection (then stored; see above for
 * Custom Connections). Holds the token file's lock
 * while it reads, refreshes and writes, so concurrent runs refresh once.
 * Errors: ERR_INPUT (missing credentials, refused token file, several tenants and none
 * chosen), ERR_NET (Xero refused or unreachable after retries), ERR_IO. */
int xero_auth_session(const struct config *cfg, struct xero_session *out, struct err *e);

/* After a 401 from the API: forces a new access token into s (keeps s->tenant_id). When
 * another process already refreshed since s was issued, its token is taken instead of
 * refreshing again. The caller retries its request once with the new token. */
int xero_auth_refresh(const struct config *cfg, struct xero_session *s, struct err *e);

/* Overwrites the token in s. */
void xero_session_clear(struct xero_session *s);

/* Refuses a URL that secrets must not be sent to: anything but https://, except
 * http:// to 127.0.0.1, [::1] or localhost (local fakes in tests). what names the setting. */
int xero_auth_url_ok(const char *url, const char *what, struct err *e);

/* What to do when Xero answers invalid_scope or unauthorized_client to the scopes asked for
 * (apps created on or after 2 March 2026 may not ask for accounting.transactions). */
#define XERO_SCOPE_ADVICE                                                                    \
    "the app does not allow the scopes asked for (xero.scopes). Apps created from 2 March "   \
    "2026 need Xero's granular scopes: enable accounting.invoices, accounting.payments, "     \
    "accounting.banktransactions, accounting.manualjournals, accounting.contacts and "         \
    "accounting.settings.read on the app (developer.xero.com) and keep the default "           \
    "xero.scopes; an older app with only accounting.transactions sets xero.scopes to it "      \
    "(README: Connecting to Xero)"

#define XERO_AUTH_MARGIN_S 60   /* a token this close to expiry counts as expired */

/* xero_send — live posting: sends the outbox rows of the settlements touching a period to
 * Xero, exactly as the dry run previewed them, exactly once. Settlement by settlement, whole
 * or not at all: a preflight checks every reference first; a rejected document stops its
 * settlement (dead letter, never retried blindly); a request whose outcome is unknown is
 * looked up in Xero before anything is resent. Within Xero's limits: at most
 * xero.calls_per_minute calls in any 60 s, one at a time (Xero allows five), Retry-After and
 * X-MinLimit-Remaining / X-DayLimit-Remaining honoured, bounded retries with backoff and
 * jitter. One poster per ledger at a time (an advisory lock next to the ledger file). */

struct xero_send_summary {
    int64_t settlements;        /* settlements with something to send */
    int64_t posted;             /* of which now wholly confirmed */
    int64_t blocked;            /* skipped: a dead request or a changed document */
    int64_t requests;           /* requests confirmed this run */
    int64_t documents;          /* documents confirmed this run (sent or found) */
    int64_t found;              /* of which found in Xero by a lookup, not sent again */
    int64_t dead;               /* requests that went dead this run */
    int64_t problems;           /* preflight exceptions: nothing was sent */
    int64_t calls, retries;     /* HTTP calls made, of which retries */
    int64_t bytes_in;           /* bytes of Xero's answers downloaded (data egress) */
    int64_t to_send;            /* requests of the settlements sent this run */
};

/* Whether live posting holds the settlement back: 1 with out = "<KIND>: <one line>" (an open
 * error, exception_blocking, or a request Xero rejected), 0 when it may be sent. The preview
 * marks the settlement's unsent requests "blocked" with that text, and live sends none of
 * them, so both say the same. */
int xero_held_back(struct ledger *lg, const char *sid, char *out, size_t cap,
                   struct err *e);

/* Before a live run does any work: the credentials and a usable token (xero_auth_session),
 * then the organisation's contacts read into the ledger's cache (preflight_contacts), so the
 * post stage queues a PUT /Contacts for each contact the documents need and Xero lacks.
 * Fills out's calls, retries and bytes (xero_send_live adds to them). */
int xero_send_prepare(struct ledger *lg, const struct config *cfg,
                      struct xero_send_summary *out, struct err *e);

/* Posts what is pending for period ("" = every settlement). Returns 0 when the run went
 * through, even if some settlements stopped (dead, blocked, preflight problems: see out;
 * the CLI exits 1 then); -1 with ERR_NET when Xero could not be reached or kept failing
 * after retries (exit 3: rerun later, nothing is sent twice), ERR_INPUT for missing
 * credentials. ledger_path names the advisory lock file (<ledger>.xero-lock). */
int xero_send_live(struct ledger *lg, const struct config *cfg, const char *ledger_path,
                   const char *period, struct xero_send_summary *out, struct err *e);

/* token_store — the Xero token file: a small JSON file holding OAuth tokens, readable only by
 * its owner. Every read refuses a symlink, a file owned by another user and a file group or
 * others can access; every write goes to a 0600 temp file, is fsynced and renamed into place.
 * A lock file ("<path>.lock", flock) serialises read-refresh-write across processes.
 * Nothing here logs, and no error message ever contains a file's contents. */

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

/* xero_auth_int — the pieces of Xero authentication shared by xero_auth.c, xero_auth_token.c,
 * xero_pkce.c and the `auth` command: credentials, the token endpoint, the connections list
 * and PKCE. Not for other modules: they use xero_auth.h. */

#define XERO_TENANTS_MAX 100

/* From the environment. client_id is required; client_secret is "" for a PKCE public app. */
struct xero_creds {
    char client_id[128];
    char client_secret[512];
    char tenant_id[64];       /* SETTLEBOOK_XERO_TENANT_ID, "" when unset */
};

int xero_creds_env(struct xero_creds *out, struct err *e);
void xero_creds_clear(struct xero_creds *c);

struct xero_tenant {
    char id[64];
    char name[256];
    char type[32];
};

/* Token endpoint calls (POST xero.token_url, form body; HTTP Basic with the client secret
 * when one is set, else client_id in the form). Retries 429/5xx/network failures up to
 * xero.max_retries times. On success fills t's access_token, expires_at and (when given)
 * refresh_token, grant and client_id; leaves tenant fields alone. */
int xero_token_client_credentials(const struct config *cfg, const struct xero_creds *c,
                                  struct token_set *t, struct err *e);
int xero_token_refresh(const struct config *cfg, const struct xero_creds *c,
                       struct token_set *t, struct err *e);
int xero_token_code(const struct config *cfg, const struct xero_creds *c, const char *code,
                    const char *verifier, struct token_set *t, struct err *e);

/* GET xero.connections_url with the access token. *unauthorized = 1 (and -1 returned) on
 * 401, so the caller can refresh once. */
int xero_connections(const struct config *cfg, const char *access_token,
                     struct xero_tenant *out, size_t cap, size_t *n, int *unauthorized,
                     struct err *e);

/* Locks the token file of cfg (path into path_out) for at most the time a refresh can take. */
int xero_auth_lock(const struct config *cfg, char *path_out, size_t cap, int *fd,
                   struct err *e);

/* xero_auth_session without the tenant (for listing and choosing tenants), and
 * xero_auth_refresh that fills the tenant only when want_tenant is set. */
int xero_auth_token(const struct config *cfg, struct xero_session *out, struct err *e);
int xero_auth_renew(const struct config *cfg, struct xero_session *s, int want_tenant,
                    struct err *e);

/* Stores the chosen tenant in the token file (which must exist). */
int xero_auth_set_tenant(const struct config *cfg, const struct xero_tenant *t,
                         struct err *e);

/* PKCE (RFC 7636, S256) for `settlebook auth xero`. */
struct xero_pkce {
    char verifier[96];   /* base64url of 48 random bytes: 64 chars */
    char challenge[48];  /* base64url(SHA-256(verifier)): 43 chars */
    char state[48];      /* base64url of 24 random bytes */
};

int xero_pkce_new(struct xero_pkce *out, struct err *e);
/* code_challenge = base64url(SHA-256(verifier)), 43 characters. */
int xero_pkce_challenge(const char *verifier, char out[48], struct err *e);
/* The authorize URL the user opens in a browser. */
int xero_pkce_url(const struct config *cfg, const struct xero_creds *c,
                  const struct xero_pkce *p, char *out, size_t cap, struct err *e);

/* Parses what the user pasted: the redirect URL (code and state from its query; an "error"
 * parameter is reported) or a bare code (*state = ""). */
int xero_pkce_parse_redirect(const char *in, char *code, size_t code_cap, char *state,
                             size_t state_cap, struct err *e);

/* base64url without padding of n bytes into out (cap >= 4 * n / 3 + 2). */
void xero_b64url(const unsigned char *p, size_t n, char *out);

/* xero_item_prices — `ingest --costs-from-xero`: every Xero Item with a purchase price
 * (GET /Items, read-only, numbers read exactly), sorted by code; *calls counts the HTTP calls.
 * Caller frees *out. */
int xero_item_prices(const struct config *cfg, struct item_price **out, size_t *n,
                     int64_t *calls, struct err *e);

/* xero_diff — `post --diff`: what Xero holds for each document of a period's preview, read
 * with batched GETs only (never a write). */

struct xdiff_doc {
    char collection[24];          /* "Invoices", ... */
    char number[160];             /* number, narration head, or what a payment pays */
    char type[24];                /* ACCREC, ACCPAY, ACCRECCREDIT, MANUALJOURNAL, PAYMENT... */
    const char *status;           /* "new", "identical", "differs", "xero_only" */
    char **diffs;                 /* owned: "line 2 AccountCode: ours 429, Xero 400" */
    size_t n_diffs;
};

struct xero_diff {
    struct xdiff_doc *v;          /* owned: the preview's documents in order, then xero_only */
    size_t n;
    int64_t calls;                /* HTTP calls made */
};

/* Compares every document of period's outbox (its preview) with Xero: new (Xero has nothing
 * under its number or reference), identical, differs (field by field), and xero_only
 * (documents numbered AMZ- dated in the period that the preview does not have). GETs only:
 * the period's numbered documents by a date-range where filter (100 a page), then the rest
 * by number in batches (InvoiceNumbers=a,b,c; where filters for the others). ERR_NET when
 * Xero cannot be read, ERR_INPUT for missing credentials. */
int xero_diff_period(struct ledger *lg, const struct config *cfg, const char *period,
                     struct xero_diff *out, struct err *e);
void xero_diff_free(struct xero_diff *d);   /* NULL is a no-op */

#endif
