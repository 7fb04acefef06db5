/* ledger — the SQLite system of record: opening, migrations, transactions, runs and the
 * hash-chained audit log. Stage modules run their own prepared statements on ledger_db(). */
#ifndef SETTLEBOOK_LEDGER_H
#define SETTLEBOOK_LEDGER_H

#include <sqlite3.h>
#include <stdint.h>

#include "err.h"

#define SETTLEBOOK_VERSION "0.1.0"

struct ledger;

/* Opens the ledger at path and applies pending migrations. With create == 0 a missing file
 * is an ERR_INPUT error that says to run `settlebook init`. The caller owns *out and closes
 * it with ledger_close. */
int ledger_open(struct ledger **out, const char *path, int create, struct err *e);
void ledger_close(struct ledger *lg); /* NULL is a no-op */

/* The connection, valid until ledger_close. */
sqlite3 *ledger_db(struct ledger *lg);

/* One transaction at a time; rollback is safe to call when none is open. */
int ledger_begin(struct ledger *lg, struct err *e);
int ledger_commit(struct ledger *lg, struct err *e);
void ledger_rollback(struct ledger *lg);

/* Savepoints nest inside a transaction (one per input file). */
int ledger_savepoint(struct ledger *lg, struct err *e);
int ledger_release(struct ledger *lg, struct err *e);
void ledger_rollback_to(struct ledger *lg);

/* The id of this command's run row, inserted inside the open transaction the first time
 * it is asked for (a command that changes nothing leaves no run row). */
int ledger_run_id(struct ledger *lg, int64_t *out, struct err *e);
void ledger_set_command(struct ledger *lg, const char *command);

/* Appends an audit entry chained to the previous one, inside the open transaction. */
int ledger_audit(struct ledger *lg, const char *event, const char *detail, struct err *e);

/* Recomputes the chain; on a break, fills e with the first bad sequence number. */
int ledger_audit_verify(struct ledger *lg, int64_t *entries, struct err *e);

/* Prepares sql or fills e with SQLite's message. */
int ledger_prepare(struct ledger *lg, sqlite3_stmt **out, const char *sql, struct err *e);

/* Column i of the current row as text; "" for NULL. Valid until the next step/reset. */
const char *ledger_text(sqlite3_stmt *st, int i);

/* Runs SQL with no result rows. */
int ledger_exec(struct ledger *lg, const char *sql, struct err *e);

/* Fills e from the connection's last error, with a short context; returns -1. */
int ledger_fail(struct ledger *lg, struct err *e, const char *what);

#endif
