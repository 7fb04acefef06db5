/* base — the leaf utilities every subsystem uses and that use nothing of settlebook: the error
 * channel, logging, the clock (the only module that reads the time), money, dates and time
 * zones, text, hashing, the JSON writer, atomic files, HTTP, the delimited-text reader and the
 * crash points of the live-posting tests. Each section below keeps its module's own contract. */
#ifndef SETTLEBOOK_BASE_H
#define SETTLEBOOK_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* err — the one error channel: functions return 0 or -1 and fill a caller-owned struct err.
 * The message says where and what ("file.tsv:17:15: amount '1e3' is not a number"). */

enum err_code {
    ERR_NONE = 0,
    ERR_INPUT,    /* bad input or usage: exit 2, nothing changed */
    ERR_IO,       /* file system */
    ERR_DB,       /* SQLite */
    ERR_NET,      /* network, Xero, SP-API: exit 3 */
    ERR_NOMEM,
    ERR_INTERNAL, /* a bug: exit 4 */
};

struct err {
    int code;
    char msg[512];
};

/* Sets code and message; always returns -1 so callers can `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends context ("file.tsv: ") to an existing message; returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Maps an error code to the CLI exit status of DESIGN.md. */
int err_exit_code(const struct err *e);

/* log — human messages on stderr. Never given secrets or buyer PII: callers pass only
 * identifiers settlebook itself derived or Amazon's public ids. */

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };

void log_set_level(int level);
int log_level(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* normal+ */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* verbose */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* always */
/* Under --json stdout carries one JSON document only: the readable reports stages print
 * (preview summary, fetch summary) go to log_report_file(), stdout normally, stderr then.
 * It first erases a progress line, so a report never starts at the end of one. */
void log_set_json(int on);
FILE *log_report_file(void);

/* clock — the only module that reads the time or sleeps. Everything else asks here, so tests
 * and reviews know where time enters the program. */

/* Wall-clock seconds since the Unix epoch (time()). For expiries and timestamps. */
int64_t clock_now_s(void);

/* Monotonic milliseconds (CLOCK_MONOTONIC) from an arbitrary origin. For durations and
 * deadlines; never goes backwards when the wall clock is changed. */
int64_t clock_mono_ms(void);

/* Sleeps ms milliseconds (restarts after signals); ms <= 0 returns at once. */
void clock_sleep_ms(int64_t ms);

/* money — int64 minor units, ISO 4217 exponents, one parser and one formatter.
 * No floating point ever touches money. */

typedef int64_t money_t;

#define MONEY_FMT_MAX 32 /* buffer size that fits any money_format output */

/* Minor-unit digits of an ISO 4217 code (USD 2, JPY 0, KWD 3); -1 when the code is unknown. */
int money_exponent(const char *currency);

/* Parses `-?digits[.digits]` with at most `exp` decimals into minor units. Rejects blanks,
 * exponents, signs in the middle, grouping separators and overflow. */
int money_parse(const char *s, int exp, money_t *out, struct err *e);

/* Parses an amount as a file writes it: surrounding spaces, an optional leading '+',
 * grouping separators in groups of three, and `decimal` ('.' or ',') as the decimal mark
 * ("1.234,56" with ','; "1,234.56" with '.'). Normalises, then calls money_parse. */
int money_parse_locale(const char *s, char decimal, int exp, money_t *out, struct err *e);

/* Guesses the decimal mark of one amount written in either convention: with both '.' and
 * ',' the last one is decimal; a lone separator followed by exactly three final digits
 * groups thousands (unless exp is 3); otherwise the lone separator is decimal. No separator
 * gives '.'. Same rule as the settlement readers use, for readers whose files mostly write
 * '.' but sometimes ','. */
char money_decimal_guess(const char *s, int exp);

/* Writes v as a plain decimal with exactly `exp` decimals ("-12.34", "7", "0.005") into
 * buf (at least MONEY_FMT_MAX bytes). Returns buf. */
char *money_format(char *buf, money_t v, int exp);

/* *acc += v; -1 with ERR_INPUT on overflow. */
int money_add(money_t *acc, money_t v, struct err *e);

/* The exchange rate Xero calls CurrencyRate (units of the foreign currency per unit of the
 * base currency) of amount (exp decimals) received as base (base_exp decimals), in
 * millionths, rounded half up: amount 1009.64 EUR received as 1100.00 USD gives 917855
 * (0.917855). -1 when either amount is not positive or the arithmetic would overflow. */
int money_rate(money_t amount, int exp, money_t base, int base_exp, int64_t *out);

/* The tax Xero computes on a tax-inclusive amount at rate_bp basis points (amount x rate /
 * (100 + rate), to the minor unit, half away from zero) into *out; -1 on overflow. */
int money_inclusive_tax(money_t amount, int rate_bp, money_t *out);

/* dates — calendar arithmetic and the date formats Amazon and banks write, without the C
 * library's time zone or locale machinery (results never depend on TZ or LC_*). */

#define DATES_ISO_MAX 24 /* "2024-09-13T08:59:52Z" plus NUL, with room */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t dates_days(int y, int m, int d);
void dates_civil(int64_t days, int *y, int *m, int *d);

/* Parses a timestamp as Amazon writes it and converts it to UTC seconds since the epoch:
 *   "2024-10-09 14:28:38 UTC", "2024-10-09T14:28:38+00:00", "2024-10-09T14:28:38.058Z",
 *   "13.09.2024 08:59:52 UTC", "2024-10-09", "13.09.2024", "2024-10-09 14:28:38 PDT".
 * *has_time is set to 0 for a date alone (then the time is midnight UTC). */
int dates_parse(const char *s, int64_t *out, int *has_time, struct err *e);

/* Parses a bank statement date in one of the orders "dmy", "mdy" or "ymd"
 * (separators '/', '-', '.'; two-digit years are 20yy). */
int dates_parse_order(const char *s, const char *order, int64_t *out, struct err *e);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (has_time) or "YYYY-MM-DD" into buf[DATES_ISO_MAX]. */
char *dates_iso(char *buf, int64_t t, int has_time);

/* tz — UTC offsets for the configured time zone, which decides the month a line belongs to.
 * Accepts "UTC", fixed offsets ("+10:00", "-05:30") and IANA names read from the system's
 * TZif files (/usr/share/zoneinfo, or $TZDIR), including the POSIX rule in their footer.
 * Never consults the process's TZ variable or the C library's time functions. */

struct tz;

int tz_open(struct tz **out, const char *name, struct err *e);
void tz_free(struct tz *z); /* NULL is a no-op */

/* A zone from the bytes of a TZif file (version 2 or later), as tz_open reads them. */
int tz_parse(struct tz **out, const unsigned char *b, size_t n, struct err *e);

/* Offset east of UTC, in seconds, at UTC instant t. */
int32_t tz_offset(const struct tz *z, int64_t t);

/* Local calendar date "YYYY-MM-DD" of a ledger timestamp ("YYYY-MM-DDTHH:MM[:SS]Z",
 * "YYYY-MM-DD", or "" for none, which gives fallback). A bare date is taken as is. */
void tz_local_date(const struct tz *z, const char *posted, const char *fallback, char out[11]);

/* True when the zone is plain UTC (callers may skip conversions). */
int tz_is_utc(const struct tz *z);

/* text — byte-level helpers for what files really contain: UTF-8 checks, Windows-1252
 * conversion, trimming. */

/* Streaming UTF-8 validator (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF, so whatever passes is text jansson and Xero accept); feed chunks in order.
 * State starts all 0. */
struct text_utf8 {
    int need;     /* continuation bytes still expected */
    int bad;      /* set once an invalid sequence is seen */
    int lo, hi;   /* the range the next continuation byte must fall in */
};
void text_utf8_feed(struct text_utf8 *u, const unsigned char *p, size_t n);
int text_utf8_ok(const struct text_utf8 *u); /* 1 when everything fed so far is valid */

/* Converts Windows-1252 bytes to UTF-8 into out (capacity cap, at most 3 bytes per input
 * byte plus NUL). Returns the output length, or (size_t)-1 when it would not fit. */
size_t text_cp1252_to_utf8(const char *in, size_t n, char *out, size_t cap);

/* Trims spaces, tabs, CR and LF at both ends in place; returns the new length. */
size_t text_trim(char *s, size_t n);

/* Length of s without a multi-byte UTF-8 sequence cut short at its end (what snprintf into a
 * fixed buffer leaves when it truncates in the middle of a character). */
size_t text_utf8_whole(const char *s);

/* strlcpy-like copy that always NUL-terminates; returns 1 when it had to truncate. */
int text_copy(char *dst, size_t cap, const char *src);

/* Xero Item codes hold 30 characters: a SKU that fits is its own code; a longer one becomes
 * its first 21 characters, '~' and 8 hex digits of its SHA-256, so the mapping is
 * deterministic and two long SKUs sharing a prefix get different codes. */
#define TEXT_ITEM_CODE_MAX 31
void text_item_code(const char *sku, char out[TEXT_ITEM_CODE_MAX]);

/* A Xero Item's purchase price (`ingest --costs-from-xero`): read by the xero stage, stored
 * as a unit cost by the ingest stage. */
struct item_price {
    char code[TEXT_ITEM_CODE_MAX];
    int64_t price4;            /* PurchaseDetails.UnitPrice in units of 0.0001 (jnum_scaled) */
};

/* hash — SHA-256 (OpenSSL EVP) as lowercase hex, streaming or one-shot. */

#define HASH_HEX_LEN 65 /* 64 hex digits and NUL */

struct hash_ctx; /* opaque */

int hash_new(struct hash_ctx **out, struct err *e);
void hash_update(struct hash_ctx *h, const void *p, size_t n);
void hash_final(struct hash_ctx *h, char hex[HASH_HEX_LEN]); /* then frees h */
void hash_free(struct hash_ctx *h);                           /* NULL is a no-op */

/* One-shot SHA-256 of a buffer. */
void hash_hex(const void *p, size_t n, char hex[HASH_HEX_LEN]);

/* The SHA-256 of a file's bytes, read in blocks (memory stays flat). ERR_INPUT naming the
 * path when it cannot be opened or read. */
int hash_file(const char *path, char hex[HASH_HEX_LEN], struct err *e);

/* ---- keytab.c: distinct keys with dense indexes, for one-pass grouping ---------------- */
struct keytab_key {
    char *bytes;
    size_t len;
    uint64_t hash;
};
struct keytab {
    struct keytab_key *keys;     /* by index, in the order first seen */
    size_t n, cap, *slot, nslot; /* slot: 1 + index, 0 = empty */
};
/* The index of key (bytes, not a C string), created (*created = 1) when new. Zero-initialise
 * the table first; keytab_free releases it. */
int keytab_index(struct keytab *t, const void *key, size_t len, size_t *index, int *created,
                 struct err *e);
void keytab_free(struct keytab *t);

/* grow.c: room for element n of the array *pp (a pointer to the array pointer) of *cap
 * elements of size bytes: grows by half (from first), 0 or an ERR_NOMEM -1. */
int grow_array(void *pp, size_t *cap, size_t n, size_t size, size_t first, struct err *e);

/* jw — a JSON writer into a growable buffer, for request bodies whose money must be exact
 * decimals: amounts are written from int64 minor units with money_format, never via double.
 * Keys are written in the order given, so the same document gives the same bytes. */

struct jw {
    char *buf;
    size_t len, cap;
    int depth;
    int indent;          /* 0: compact; n: pretty with n spaces */
    int base;            /* extra indentation levels (to nest a body inside a file) */
    int need_comma[64];
    int after_key;
    int oom;
};

void jw_init(struct jw *w, int indent);
void jw_free(struct jw *w);
void jw_obj(struct jw *w);       /* { */
void jw_arr(struct jw *w);       /* [ */
void jw_end_obj(struct jw *w);   /* } */
void jw_end_arr(struct jw *w);   /* ] */
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, int v);
void jw_money(struct jw *w, money_t v, int exp);   /* a JSON number: 12.34, -0.05 */
void jw_raw(struct jw *w, const char *json);       /* an already-encoded value */

/* Writes compact JSON text re-indented to w's style (whitespace only changes). */
void jw_pretty(struct jw *w, const char *compact_json);

/* Convenience: key + value. */
void jw_kstr(struct jw *w, const char *k, const char *s);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kmoney(struct jw *w, const char *k, money_t v, int exp);

/* The text so far (NUL-terminated), or NULL when memory ran out. Owned by w. */
const char *jw_text(const struct jw *w);

/* jnum — reading JSON numbers exactly (jnum.c). jnum_quote returns a copy of JSON text in
 * which every bare number is a string (caller frees; NULL when out of memory); jnum_scaled
 * reads such a decimal ("-12.3", "4.0000") as an integer in units of 0.0001 (-1 when it is
 * not a plain decimal, has more than 4 significant decimals or does not fit). */
char *jnum_quote(const char *in, size_t n, size_t *out_len);
int jnum_scaled(const char *s, int64_t *out);

/* fileio — output files are written to a temporary name, flushed to disk and renamed, so a
 * crash never leaves half a file and readers see the old or the new one. */

/* Writes len bytes of data to path atomically (path.tmp, fsync, rename). */
int fileio_write_atomic(const char *path, const void *data, size_t len, struct err *e);
/* Checks before any work that path can be written: FILEIO_FILE, a file (not a folder; its
 * folder exists and is writable; an existing file is writable), or FILEIO_DIR, a folder that
 * exists and is writable or whose parent is (it will be created). flag names the option for
 * the advice ("--ledger"). ERR_INPUT "PATH: what is wrong and what to do". */
enum { FILEIO_FILE, FILEIO_DIR };
int fileio_check_dest(const char *path, int kind, const char *flag, struct err *e);

/* http — the one place that talks HTTP (libcurl). TLS verification is always on for https;
 * curl's verbose output is never enabled, so headers carrying secrets never reach a log.
 * Callers never pass secrets in URLs. */

#define HTTP_BODY_MAX (64u << 20)   /* largest response held in memory */
#define HTTP_HEADERS_MAX 32

struct http_req {
    const char *method;             /* "GET", "PUT", "POST", ... */
    const char *url;
    const char *headers[HTTP_HEADERS_MAX];  /* "Name: value", NULL-terminated */
    const char *body;               /* NULL for none */
    size_t body_len;
    long timeout_ms;                /* whole request; 0 = 60 s */
    const char *download_path;      /* when set, the body is streamed to this file */
};

struct http_resp {
    long status;                    /* 0 when no response arrived */
    char *body;                     /* NUL-terminated, owned (NULL after a download) */
    size_t len;
    char retry_after[32];           /* raw header values we act on; "" when absent */
    char min_remaining[32];         /* X-MinLimit-Remaining */
    char day_remaining[32];         /* X-DayLimit-Remaining */
    char rate_limit[32];            /* x-amzn-RateLimit-Limit */
    char content_type[96];
    int timed_out;                  /* the request hit its timeout */
};

/* Performs the request. Network failures (refused, reset, timeout, truncated body) return
 * -1 with ERR_NET and a message naming the host, never the headers; an HTTP error status is
 * not a failure here (out->status tells). Free out with http_resp_free. */
int http_do(const struct http_req *rq, struct http_resp *out, struct err *e);
void http_resp_free(struct http_resp *r);

/* Percent-encodes s for a query or form value into out; returns -1 when it does not fit. */
int http_escape(const char *s, char *out, size_t cap);

/* delim — streaming reader of delimited text (TSV flat files, bank CSV) on top of libcsv.
 * Hands one record at a time to a callback, with its physical line number; never holds the
 * whole file in memory. Fields arrive as trimmed UTF-8. */

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
    int pipelined;     /* parse in a second thread while fn runs in the caller's */
};

/* Reads path from the start (skipping a UTF-8 BOM), calling fn per record. Errors name the
 * file and line. Pipelined, fn still runs in the calling thread, record after record in file
 * order, and the outcome is the same: a parse error comes after the records before it, none
 * after; fn's -1 stops the reader thread, which is joined before this returns. */
int delim_read(const char *path, const struct delim_opts *o, delim_row_fn fn, void *ctx,
               struct err *e);

/* Index of the header field named `name` (case-insensitive, ignoring a leading '*' as in
 * Xero's bank template), or -1. */
int delim_find(const struct delim_row *hdr, const char *name);

/* Field i of r, or "" when the record is shorter (ragged rows). */
const char *delim_get(const struct delim_row *r, int i);

/* progress — how far a long stage is, on one line of stderr redrawn in place: "settlebook:
 * ingest big.tsv: 120000 of 300000 lines (40%)". Shown only when stderr is a terminal and
 * --quiet is off; SETTLEBOOK_PROGRESS=always forces it (tests), =never turns it off. One line
 * at a time: a new progress_begin replaces the previous stage. Log messages clear the line
 * first, so they never mix with it. */
int progress_enabled(void);
/* Starts a stage; total 0 means unknown (then only the count is shown). unit: "lines",
 * "requests", "steps", ... */
void progress_begin(const char *stage, int64_t total, const char *unit);
/* The same, starting at done (a stage of a few big steps: "close 2025-09: workbook"). */
void progress_begin_at(const char *stage, int64_t done, int64_t total, const char *unit);
/* done of total so far; cheap enough to call once per line (redraws at most 10 times/s). */
void progress_update(int64_t done);
/* Shows the stage finished, then erases the line. */
void progress_end(void);
/* Erases the line and stops the stage without showing it finished (on failure). */
void progress_cancel(void);
/* Erases the line if one is shown (log.c calls it before each message). */
void progress_clear(void);

/* crash — named kill points for the crash tests of live posting. With
 * SETTLEBOOK_CRASH_AT=<name>[:<n>] in the environment, the n-th time (default the first)
 * crash_point(name) is reached the process kills itself with SIGKILL, exactly as `kill -9`
 * would: no cleanup, no flush, no rollback. The hook is armed only while the configured
 * Xero API is on a loopback address (127.0.0.1, ::1, localhost), so it can never fire
 * against a real organisation. The points are listed in crash.c and in README.md. */

/* Arms the hook when api_url is a loopback URL and SETTLEBOOK_CRASH_AT is set; otherwise
 * every crash_point is a no-op. */
void crash_arm(const char *api_url);

/* Kills the process when the armed point is name and this is its n-th visit. */
void crash_point(const char *name);

#endif
