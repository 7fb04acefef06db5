/* err — the one error channel: functions return 0 or -1 and fill a caller-owned struct err.
 * The message says where and what ("file.tsv:17:15: amount '1e3' is not a number"). */
#ifndef SETTLEBOOK_ERR_H
#define SETTLEBOOK_ERR_H

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

#endif
