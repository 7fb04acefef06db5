/* ledger — the SQLite system of record and the only subsystem that writes its tables: opening
 * and migrations, transactions, runs and the hash-chained audit log, month locks (period), the
 * outbox of Xero requests, exceptions, and the mapping rules. Stages above run their own
 * read queries through ledger_prepare; every write to a shared table goes through here. */
#ifndef SETTLEBOOK_LEDGER_H
#define SETTLEBOOK_LEDGER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "config.h"

/* ledger — the SQLite system of record: opening, migrations, transactions, runs and the
 * hash-chained audit log. Stage modules run their own prepared statements on ledger_db(). */

#define SETTLEBOOK_VERSION "0.1.0"

struct ledger;

/* Opens the ledger at path and applies pending migrations. With create == 0 a missing file
 * is an ERR_INPUT error that says to run `settlebook init`. The caller owns *out and closes
 * it with ledger_close. */
int ledger_open(struct ledger **out, const char *path, int create, struct err *e);
void ledger_close(struct ledger *lg); /* NULL is a no-op */

/* A second, read-only connection to lg's file for a thread of its own, in a read
 * transaction begun now: it sees what lg has committed, and keeps seeing that while lg
 * writes on. *out is NULL (and the work belongs on lg) when lg is not in WAL mode, has
 * uncommitted changes, or the file cannot be opened again. Closed with ledger_close. */
int ledger_open_reader(struct ledger *lg, struct ledger **out, struct err *e);

/* The number of compiled-in migrations: the schema version a current ledger has. */
int ledger_schema_version(void);

/* The connection, valid until ledger_close. */
sqlite3 *ledger_db(struct ledger *lg);

/* One transaction at a time; rollback is safe to call when none is open. */
int ledger_begin(struct ledger *lg, struct err *e);
int ledger_commit(struct ledger *lg, struct err *e);
void ledger_rollback(struct ledger *lg);
/* ledger_begin for a bulk load: the transaction writes its new pages once (a rollback
 * journal instead of WAL, when no other connection is open); commit and rollback go back. */
int ledger_begin_bulk(struct ledger *lg, struct err *e);
void ledger_end_bulk(struct ledger *lg);

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

/* ---- a settlement's lines grouped for its journal (line_groups.c) -----------------------
 * Per key (transaction type, amount type, description, marketplace, SKU when by_sku, posted
 * time cut to cut characters: 10 the day, 16 the minute) the sum and count; after finish, the
 * groups sorted by those texts in byte order (what GROUP BY 1,2,3,4,[sku,]time gives). */
struct line_group {
    const char *f[6];              /* tt, at, ad, mk, sku, time: into the key table */
    int64_t sum, count;
};
struct line_groups {
    int64_t ref;                   /* the settlement, when kept by the ledger */
    int by_sku, cut, open;
    struct keytab t;
    struct line_group *v;          /* v[0..n) after line_groups_finish */
    size_t n, cap;
    char *key;
    size_t key_cap;
};
void line_groups_init(struct line_groups *g, int by_sku, int cut);
/* text: tt, at, ad, mk, sku, posted (NULL as ''). */
int line_groups_add(struct line_groups *g, const char *const text[6], int64_t amount,
                    struct err *e);
void line_groups_finish(struct line_groups *g);
void line_groups_free(struct line_groups *g);   /* and zeroes it */
/* Kept by the ledger for one run: a stage that reads a settlement's every line anyway (the
 * reconcile checks) groups them for the next one (the sales journal), which takes them
 * instead of reading again. ledger_groups_want starts the keeping (by_sku and cut as the
 * journal groups); open gives the groups to fill for settlement ref (*out NULL when nothing
 * is kept), close ends them (complete 0: the read stopped, they are dropped); take moves
 * them to the caller (1) or says there are none of that kind (0). A bulk load and
 * ledger_close drop them. */
int ledger_groups_want(struct ledger *lg, int by_sku, int cut, struct err *e);
int ledger_groups_open(struct ledger *lg, int64_t ref, struct line_groups **out, struct err *e);
void ledger_groups_close(struct line_groups *g, int complete);
int ledger_groups_take(struct ledger *lg, int64_t ref, int by_sku, int cut,
                       struct line_groups *out);
void ledger_groups_drop(struct ledger *lg);

/* Read-only work on a second connection (ledger_open_reader) in a thread of its own, while
 * the caller's connection goes on; fn gets the reader and returns 0 or -1. join waits for it:
 * 1 when fn ran there and returned 0, 0 when the caller must do the work itself (no second
 * connection or thread, or fn failed on it: why goes to --verbose), -1 on error. start sets
 * *out even on error; free (NULL is a no-op) stops work never joined (its statement ends at
 * SQLite's next progress callback) and waits for it. */
typedef int (*ledger_aside_fn)(struct ledger *reader, void *arg, struct err *e);
struct ledger_aside;
int ledger_aside_start(struct ledger *lg, ledger_aside_fn fn, void *arg,
                       struct ledger_aside **out, struct err *e);
int ledger_aside_join(struct ledger_aside *a, struct err *e);
/* 1 when another connection (another process) committed to the ledger since a began: what
 * it read may be out of date whatever the counts say. 0 not, -1 error. */
int ledger_aside_stale(struct ledger *lg, const struct ledger_aside *a, struct err *e);
/* A memory limit of work aside (its own count of rows): dflt, or the tests' override. */
int64_t ledger_aside_limit(int64_t dflt);
/* After a join that returned 1: the second connection, its read transaction still open (what
 * fn left in its temporary tables can be read), until free. */
struct ledger *ledger_aside_reader(struct ledger_aside *a);
/* The rows of temp.<table> on from appended to temp.<table> on to (same columns), values as
 * they are: what work aside left on its connection, for the caller's. */
int ledger_copy_temp(struct ledger *from, struct ledger *to, const char *table, struct err *e);
void ledger_aside_free(struct ledger_aside *a);

/* Work a stage started for a later stage of the same run (the cost of goods' units sold, read
 * aside while reconcile runs), held by the ledger under tag: put drops what was held before;
 * take hands it to the caller (NULL when none under tag), who then owns it; drop (and
 * ledger_close) ends it with the drop function given to put. */
void ledger_kept_put(struct ledger *lg, const char *tag, void *p, void (*drop)(void *));
void *ledger_kept_take(struct ledger *lg, const char *tag);
void ledger_kept_drop(struct ledger *lg);

/* `PRAGMA integrity_check` of the ledger file, started now (in a thread on a connection of its
 * own when the caller has nothing uncommitted) and its first row ("ok" or the first problem)
 * had later: the same text as running it on the caller's connection. start sets *out even on
 * error; free (NULL is a no-op) waits for a check never asked for. */
struct ledger_integrity;
int ledger_integrity_start(struct ledger *lg, struct ledger_integrity **out, struct err *e);
int ledger_integrity_result(struct ledger *lg, struct ledger_integrity *c, char *out,
                            size_t cap, struct err *e);
void ledger_integrity_free(struct ledger_integrity *c);

/* Prepares sql or fills e with SQLite's message. */
int ledger_prepare(struct ledger *lg, sqlite3_stmt **out, const char *sql, struct err *e);

/* Binds v as parameter i, or NULL when v is NULL or "". v must stay valid until the
 * statement is stepped (SQLITE_STATIC). */
void ledger_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Column i of the current row as text; "" for NULL. Valid until the next step/reset. */
const char *ledger_text(sqlite3_stmt *st, int i);

/* From now on every commit is synced to disk before it returns (synchronous = FULL): live
 * posting calls it so an outbox transition survives a power loss before the HTTP call. */
int ledger_durable(struct ledger *lg, struct err *e);

/* Runs SQL with no result rows. */
int ledger_exec(struct ledger *lg, const char *sql, struct err *e);

/* Fills e from the connection's last error, with a short context; returns -1. */
int ledger_fail(struct ledger *lg, struct err *e, const char *what);

/* Steps st once: 1 on a row, 0 when done, -1 (e filled, naming what) on an error, so a
 * failed step is never read as "no row". */
int ledger_step_row(struct ledger *lg, sqlite3_stmt *st, const char *what, struct err *e);
/* The first n columns of sql's one row as integers (counts, ids, pragmas); a query that
 * gives no row is an error naming what. */
int ledger_row_ints(struct ledger *lg, const char *sql, int64_t *out, int n, const char *what,
                    struct err *e);

/* period — calendar months (YYYY-MM) as the unit of closing, and their locks. */

/* SQL condition selecting settlements `s` whose span touches the month bound to ?1 (or all
 * settlements when ?1 is ''). */
#define PERIOD_SCOPE_SQL \
    "(?1 = '' OR (substr(s.start_utc, 1, 7) <= ?1 AND substr(s.end_utc, 1, 7) >= ?1))"

/* SQL joining settlement `p`, the settlement before `s` in Amazon's chain: same currency,
 * marketplace equal (or unknown on either side), the latest end on or before s's start; ties
 * broken by the higher settlement-id. Used by the reserve and payable checks and the
 * summary mode's negative-settlement payment, so all three agree on "previous". */
#define PREVIOUS_SETTLEMENT_JOIN                                                           \
    "JOIN settlement p ON p.id = (SELECT q.id FROM settlement q "                          \
    "  WHERE q.currency = s.currency AND q.id != s.id AND q.end_utc <= s.start_utc "      \
    "  AND (q.marketplace = s.marketplace OR q.marketplace = '' OR s.marketplace = '') "  \
    "  ORDER BY q.end_utc DESC, q.settlement_id DESC LIMIT 1) "

/* SQL: the sum of settlement `ref`'s lines whose type or description is `text`. */
#define SETTLEMENT_LINES_SUM(ref, text)                                                    \
    "(SELECT coalesce(sum(r.amount_minor), 0) FROM settlement_line r WHERE "               \
    "r.settlement_ref = " ref " AND (r.transaction_type = '" text "' OR "                 \
    "r.amount_description = '" text "'))"

/* SQL (a FROM item): the lines `l` of settlement_line that settlement_line_rare (sql/017)
 * lists as `kind` ('payable', 'refund' or 'reimbursement'; its row is l_k, so
 * `l_k.settlement_ref = ?` keeps one settlement's), instead of a scan of every line. CROSS
 * JOIN has SQLite read the table's few rows first and look each line up by its id, never
 * scan the lines to look each up in the table. */
#define RARE_LINES(l, kind)                                                                \
    "settlement_line_rare " l "_k CROSS JOIN settlement_line " l " ON " l "_k.kind = '"   \
    kind "' AND " l ".id = " l "_k.line_id"

/* SQL: the sum of settlement `ref`'s "Payable to Amazon" lines (type or description), read
 * through settlement_line_rare: a handful of rows instead of every line of the settlement. */
#define SETTLEMENT_PAYABLE_SUM(ref)                                                        \
    "(SELECT coalesce(sum(r.amount_minor), 0) FROM " RARE_LINES("r", "payable") " WHERE "  \
    "r_k.settlement_ref = " ref ")"

/* Checks "YYYY-MM" (months 01..12, years 2000..2999). */
int period_parse(const char *s, struct err *e);

/* 1 when the month is locked, 0 when open. */
int period_is_locked(struct ledger *lg, const char *month, struct err *e);

/* The first open month at or after month (YYYY-MM) into out[8]. */
int period_next_open(struct ledger *lg, const char *month, char out[8], struct err *e);

/* Locks or unlocks a month (inside the caller's transaction; audited). */
int period_set(struct ledger *lg, const char *month, int locked, struct err *e);

/* The month after month, into out[8]. */
void period_next(const char *month, char out[8]);

/* Calls fn for each month with a lock record ("locked" or "open"), ascending. */
int period_each(struct ledger *lg, int (*fn)(void *arg, const char *month, const char *state),
                void *arg, struct err *e);

/* outbox — the life of an outbox row (one Xero request) after the post stage queued it (outbox_replace_unposted):
 *   pending -> sending      committed before the request leaves (outbox_mark_sending)
 *   sending -> confirmed    every document created, with Xero's ids (outbox_record)
 *   sending -> dead         Xero rejected a document: its message is kept, the settlement
 *                           stops, nothing is resent until `outbox retry`
 *   sending -> pending      retries ran out and Xero certainly did nothing
 *   sending (stays)         retries ran out and Xero may have acted: the next run looks the
 *                           documents up before sending anything
 *   dead -> pending         `settlebook outbox retry ID`, under a new Idempotency-Key
 * Every change is one transaction; confirmations, rejections and retries are audited. */

struct outbox_row {
    int64_t id;
    char settlement_id[64], month[8], doc_number[96];
    int seq, attempts, retries;
    char method[8], path[128], query[64];
    char key[136], sha[65], state[16];
    char *body;                   /* owned; outbox_row_free */
};

/* Loads row id into out (ERR_INPUT when there is none). */
int outbox_get(struct ledger *lg, int64_t id, struct outbox_row *out, struct err *e);
void outbox_row_free(struct outbox_row *r);

/* The key a row must carry: post_idempotency_key of its settlement, seq and body, plus
 * "-r<retries>" after manual retries. -1 (ERR_INTERNAL) when the stored body or key differ
 * from what they must be: a row changed outside settlebook is never sent. */
int outbox_verify(const struct outbox_row *r, struct err *e);

/* Which of the row's n documents Xero already has (confirmed[i] = 1). */
int outbox_confirmed(struct ledger *lg, int64_t id, size_t n, unsigned char *confirmed,
                     struct err *e);

/* A request to be queued, as the post stage renders it; borrowed for the call. */
struct outbox_new {
    const char *settlement_id, *month, *doc_number, *method, *path, *query, *body;
    int seq;
};

/* The Idempotency-Key of a request: "sb1-" + 60 hex digits of its SHA-256 identity. */
void outbox_key(const char *settlement_id, int seq, const char *body, char out[72]);

/* Compares the settlement's live rows with v: *same when equal seq by seq (body and month);
 * *posted counts rows of which something may exist in Xero (view outbox_posted), which no
 * new rendering may replace. Read-only. */
int outbox_compare(struct ledger *lg, const char *sid, const struct outbox_new *v, size_t n,
                   int *same, int *posted, struct err *e);

/* *kept = 1 when every row of the settlement of which something may exist in Xero (view
 * outbox_posted) is in v unchanged: same seq, body and month. Read-only. */
int outbox_posted_kept(struct ledger *lg, const char *sid, const struct outbox_new *v,
                       size_t n, int *kept, struct err *e);

/* Replaces the settlement's rows of which nothing exists in Xero (pending rows, and dead
 * rows Xero rejected whole, whose rejection goes to the audit log and whose XERO_REJECTED
 * exceptions are cleared) by v, less the rows of v already posted (outbox_posted_kept: the
 * same seq holds them unchanged). Inside the caller's transaction. */
int outbox_replace_unposted(struct ledger *lg, const char *sid, const struct outbox_new *v,
                            size_t n, struct err *e);

/* Drops the settlement's pending rows (its journals are being rebuilt; nothing of them left
 * for Xero). */
int outbox_drop_pending(struct ledger *lg, const char *sid, struct err *e);

/* pending|sending -> sending, attempts + 1, in its own transaction. ERR_INTERNAL when the
 * row is in another state (another process took it). */
int outbox_mark_sending(struct ledger *lg, int64_t id, struct err *e);

/* sending -> pending (Xero did nothing) or stays sending (outcome unknown), noting why. */
int outbox_release(struct ledger *lg, int64_t id, int unknown, const char *why,
                   struct err *e);

/* One document's answer, for outbox_record. */
struct outbox_answer {
    size_t idx;                   /* position in the stored body */
    const char *label;
    int ok;
    const char *xero_id, *xero_status, *message;
};

/* Writes the documents' answers and moves the row to confirmed (when every document of it
 * is confirmed) or dead (when one was rejected: an XERO_REJECTED exception names it); with
 * some confirmed and none rejected (a lookup found part of a request) the state stays. One
 * transaction, audited. *dead is set when the row went dead. */
int outbox_record(struct ledger *lg, const struct outbox_row *r, size_t n_docs,
                  const struct outbox_answer *a, size_t na, int *dead, struct err *e);

/* dead -> pending with retries + 1 and the new key; the rejected answers and their
 * exceptions are cleared (confirmed documents stay, and are not sent again). */
int outbox_retry(struct ledger *lg, int64_t id, struct err *e);

/* mapping — which account, tax type and report category each Amazon amount goes to.
 * Rules: the user's (settlebook.json "mappings") first, then the built-in ones
 * (sql/003_default_mappings.sql). The most specific rule wins, comparing marketplace, then
 * transaction-type, amount-type, amount-description; literal beats pattern beats '*'. */

struct mapping_rule {
    char transaction_type[CONFIG_NAME_MAX], amount_type[CONFIG_NAME_MAX];
    char amount_description[CONFIG_NAME_MAX], marketplace[CONFIG_NAME_MAX];
    int role;                     /* enum account_role, or -1 for a literal code */
    char code[CONFIG_CODE_MAX];   /* the account code this rule resolves to */
    int tax;                      /* enum tax_category */
    char category[32];
    int user;                     /* 1 when from settlebook.json */
    int index;                    /* position in its list, 1-based */
    int score;                    /* specificity, for ties and the Mapping sheet */
};

struct mapping {
    struct mapping_rule *rules;   /* owned */
    size_t n;
    const struct config *cfg;     /* borrowed; must outlive the mapping */
};

/* Loads user rules from cfg and built-in rules from the ledger. */
int mapping_load(struct mapping *m, struct ledger *lg, const struct config *cfg, struct err *e);
void mapping_free(struct mapping *m);

/* The winning rule for one amount, or NULL when no rule matches (UNMAPPED). marketplace is
 * the line's marketplace-name, or the settlement's when the line has none. */
const struct mapping_rule *mapping_find(const struct mapping *m, const char *transaction_type,
                                        const char *amount_type, const char *description,
                                        const char *marketplace);

/* 1 when rule r matches the combination (whether or not it is the most specific). */
int mapping_find_rule_matches(const struct mapping_rule *r, const char *transaction_type,
                              const char *amount_type, const char *description,
                              const char *marketplace);
/* The rule a sales or fee tax amount folds into when marketplace m names a tax type for its
 * category (Tax -> the Principal's rule, ShippingTax -> Shipping's, a fee's TaxAmount -> the
 * fee's), so the line is posted tax-inclusive; NULL when the amount stays on its own rule r.
 * tt, at, desc: the amount's types and description; mk: its marketplace. */
const struct mapping_rule *mapping_fold(const struct mapping *map, const struct mapping_rule *r,
                                        const struct config_marketplace *m, const char *tt,
                                        const char *at, const char *desc, const char *mk);

/* The Xero tax type of a rule's tax category in a marketplace ("NONE" when unknown). */
const char *mapping_tax_type(const struct mapping *m, const struct mapping_rule *r,
                             const char *marketplace);

/* ---- mapping usage and review (mapping_usage.c, mapping_review.c) ---------------------- */

/* One distinct (transaction type, amount type, description, marketplace, currency) of the
 * settlement lines, with the rule that maps it (NULL: unmapped). */
struct mapping_combo {
    char *tt, *at, *ad, *mk;      /* owned */
    char cur[4];
    int64_t lines;
    int64_t sum;                  /* minor units of cur */
    const struct mapping_rule *rule;
    int review;                   /* unmapped, or mapped only by a wildcard rule and not
                                     Amazon's known vocabulary: see mapping_needs_review */
    char key[16];                 /* mapping_key of the combination */
};

struct mapping_usage {
    struct mapping_combo *v;      /* owned, sorted by tt, at, ad, mk, cur (byte order) */
    size_t n;
};

/* Groups the settlement lines of the settlements touching period ("" = all) and maps each
 * group with m (which must outlive u). Read-only. */
int mapping_usage_load(struct ledger *lg, const struct mapping *m, const char *period,
                       struct mapping_usage *out, struct err *e);
void mapping_usage_free(struct mapping_usage *u);   /* NULL is a no-op */
/* Sets each combination's rule, review flag and key with m: what mapping_usage_load does
 * after grouping, for a caller that grouped the lines itself (the workbook's one pass). */
void mapping_usage_map(const struct mapping *m, struct mapping_usage *u);

/* 1 when the rule's amount description is a pattern or '*' (it maps descriptions it does not
 * name: a new kind of amount would fall into it silently). */
int mapping_rule_wildcard(const struct mapping_rule *r);

/* 1 when (amount type, description) is in Amazon's common vocabulary (public samples,
 * Seller Central help): those are never asked about even under a wildcard rule. */
int mapping_known(const char *amount_type, const char *description);

/* 1 when the combination needs a human: no rule, or only wildcard rules (r the winning
 * one) for a description that is not in the known vocabulary and that no matching rule names
 * literally. A literal rule (the user's after --accept) ends it. */
int mapping_needs_review(const struct mapping *m, const struct mapping_rule *r,
                         const char *tt, const char *at, const char *ad, const char *mk);

/* The stable key of a combination: 10 hex digits of SHA-256 over its four fields. */
void mapping_key(const char *tt, const char *at, const char *ad, const char *mk,
                 char out[16]);

/* What a reviewed combination should probably map to, and why. confidence_pct 0..100. */
struct mapping_suggestion {
    int role;                     /* enum account_role */
    int tax;                      /* enum tax_category */
    char category[32];
    int confidence_pct;
    char explanation[640];
};

/* Suggests from the combinations of u that need no review and from the literal rules of m:
 * the one most alike by description words, amount type, transaction type and amount sign.
 * Deterministic (ties go to more lines, then byte order); no network. */
void mapping_suggest(const struct mapping_usage *u, const struct mapping *m,
                     const struct mapping_combo *c, struct mapping_suggestion *out);

/* An accepted review, for the audit log. */
struct mapping_accept {
    const char *account, *tax, *category;   /* the rule written to settlebook.json */
    const char *suggested;                  /* the suggested role */
    int suggested_pct;                      /* its confidence */
    const char *by;                         /* the user who accepted it */
};

/* Appends the "mapping accept" audit entry of c (inside the open transaction): the
 * combination, the rule, the suggestion, who, and the latest settlement end in the ledger as
 * its date (the ledger records no wall clock). Its detail is compact JSON. */
int mapping_accept_audit(struct ledger *lg, const struct mapping_combo *c,
                         const struct mapping_accept *a, struct err *e);

/* Calls fn for each accepted review in the audit log (event "mapping accept"), oldest first:
 * its detail text, audit sequence and run id. Read-only. */
int mapping_accepted_each(struct ledger *lg,
                          int (*fn)(void *arg, const char *detail, int64_t seq, int64_t run),
                          void *arg, struct err *e);

/* A row and its documents, for listings; strings ("" for NULL) valid during the callback. */
struct outbox_info {
    int64_t id;
    const char *settlement_id, *month, *method, *path, *doc_number, *state, *key;
    const char *xero_id, *last_error;
    int seq, attempts, retries;
    int64_t confirmed, rejected;          /* documents Xero confirmed / rejected */
};

struct outbox_doc_info {
    int64_t idx;
    const char *label, *state, *xero_id, *xero_status, *message;
};

/* Calls fn for each row in state ("" = any) of month ("" = any), in sending order; fn
 * returns -1 to stop (with e set, or an ERR_IO error). */
int outbox_each(struct ledger *lg, const char *state, const char *period,
                int (*fn)(void *arg, const struct outbox_info *r), void *arg, struct err *e);

/* Calls fn for each answered document of row id, by position in the body. */
int outbox_docs_each(struct ledger *lg, int64_t id,
                     int (*fn)(void *arg, const struct outbox_doc_info *d), void *arg,
                     struct err *e);

/* ---- exception: the one writer of the exception table -------------------------------- */

/* The SQL condition selecting exceptions `x` in scope of the month bound to ?1 ('' = all):
 * those of settlements touching the month, those of the month itself (x.month, the month a
 * settlement-less finding belongs to), and the ledger-wide ones (neither settlement nor
 * month). Never another month's: October's inventory findings do not hold September back. */
#define EXCEPTION_SCOPE_SQL                                                                   \
    "(?1 = '' OR x.month = ?1 OR (x.month IS NULL AND x.settlement_id IS NULL) OR "          \
    "x.settlement_id IN (SELECT s.settlement_id FROM settlement s WHERE " PERIOD_SCOPE_SQL   \
    "))"

/* The SQL condition: exception `x` is an error nobody accepted (exception_accept), the
 * errors that hold a settlement back and that exit statuses and workbook counts report. */
#define EXCEPTION_OPEN_ERROR_SQL \
    "(x.severity = 'error' AND x.uid NOT IN (SELECT a.uid FROM exception_accept a))"

/* A batch that would hold more exceptions than this stops (fix the mappings first). */
#define EXCEPTION_BATCH_MAX 2000000

/* The currency of an exception whose amounts count units, not money (UNITS_NOT_SETTLED,
 * INVENTORY_MISMATCH): listings show them as whole numbers. */
#define EXCEPTION_UNITS "units"

/* One exception. NULL or "" strings are stored as NULL; expected/actual only when has_* is
 * set, and difference = actual - expected when both are. Borrowed for the call only.
 * month ("YYYY-MM") is the month a finding of no settlement belongs to (the period closed,
 * the inventory ledger's month, the accrual's): listed in that month only. A row with
 * neither settlement nor month is ledger-wide, listed in every month (EXCEPTION_SCOPE_SQL). */
struct exception_row {
    const char *kind, *severity, *settlement_id, *order_id, *sku, *currency, *month;
    int has_expected, has_actual;
    int64_t expected, actual;
    const char *explanation, *action;
};

/* Appends r under scope ('ingest', 'journal', 'post', 'xero', ...) with this run's id, inside
 * the caller's transaction. _once adds nothing when the settlement already has an exception
 * of the same scope and kind, so a rerun adds no duplicate. */
int exception_add(struct ledger *lg, const char *scope, const struct exception_row *r,
                  struct err *e);
int exception_add_once(struct ledger *lg, const char *scope, const struct exception_row *r,
                       struct err *e);

/* Makes r the only exception of its scope and kind: an identical stored one stays as it is
 * (same id and run, so a rerun writes nothing), any other of that scope and kind goes. */
int exception_put_only(struct ledger *lg, const char *scope, const struct exception_row *r,
                       struct err *e);

/* Makes rows[0..n) (each of this kind and settlement sid) the settlement's exceptions of
 * that scope and kind; when the stored ones are the same (severity, explanation, action),
 * nothing is written, so a rerun leaves the ledger as it was. */
int exception_set(struct ledger *lg, const char *scope, const char *kind, const char *sid,
                  const struct exception_row *rows, size_t n, struct err *e);

/* Deletes the exceptions matching every non-NULL filter (explanation_like is a LIKE
 * pattern). */
int exception_clear(struct ledger *lg, const char *scope, const char *kind,
                    const char *settlement_id, const char *explanation_like, struct err *e);

/* A stage that recomputes all its exceptions of a period (reconcile) fills a batch, then
 * applies it: stored rows of that scope and period are matched to the fresh ones by content;
 * matched rows stay as they are (id and run), the others are deleted or inserted, so a rerun
 * writes nothing (*changed = 0). The batch lives in a temp table of the open transaction. */
struct exception_batch;
int exception_batch_begin(struct ledger *lg, struct exception_batch **out, struct err *e);
int exception_batch_add(struct exception_batch *b, const struct exception_row *r,
                        struct err *e);
int exception_batch_apply(struct exception_batch *b, const char *scope, const char *period,
                          int *changed, struct err *e);
void exception_batch_free(struct exception_batch *b);   /* NULL is a no-op */

/* Exceptions of every stage in scope of period (EXCEPTION_SCOPE_SQL), by severity; an
 * accepted error counts in none of them. */
int exception_counts(struct ledger *lg, const char *period, int64_t *errors,
                     int64_t *warnings, int64_t *infos, struct err *e);

/* Calls fn once per (severity, kind) in scope, errors first; fn returns -1 to stop. */
int exception_kinds(struct ledger *lg, const char *period,
                    int (*fn)(void *arg, const char *severity, const char *kind, int64_t n),
                    void *arg, struct err *e);

/* One stored exception, for listings; strings are NULL for SQL NULL and valid during the
 * callback only. amount[] is expected, actual, difference; has[i] says which are set. */
struct exception_info {
    int64_t id;
    const char *uid;              /* the stable id ("X-" + 10 hex digits) */
    const char *accepted;         /* the reason it was accepted, NULL when it was not */
    const char *kind, *severity, *settlement_id, *order_id, *sku, *currency;
    const char *explanation, *action, *scope;
    const char *month;            /* YYYY-MM, NULL for a settlement's or a ledger-wide one */
    int has[3];
    int64_t amount[3];
};

/* Calls fn for each exception in scope of period, errors first, then by kind, settlement,
 * order and SKU; fn returns -1 to stop (an ERR_IO error). */
int exception_each(struct ledger *lg, const char *period,
                   int (*fn)(void *arg, const struct exception_info *x), void *arg,
                   struct err *e);

/* ---- balance: what Amazon owes (Finances API events not yet settled) ---------------- */

/* What Amazon owes, per marketplace and currency (balance.c); strings valid during
 * the callback only. */
struct balance_info {
    const char *marketplace, *currency;
    int64_t unsettled;            /* Finances API amounts no settlement holds yet */
    int64_t lines;                /* how many */
    int64_t deferred;             /* of which Amazon still defers (listTransactions) */
    int64_t reserve_held;         /* the latest settlement's Current Reserve Amount, held + */
    const char *last_settlement_id, *last_settlement_end;   /* "" without one */
    const char *last_event;       /* latest posted unsettled amount, "" without one */
    char next_deposit[11];        /* expected: last deposit + 14 days; "" when unknown */
    int events;                   /* the ledger holds Finances API events at all */
};

/* Calls fn per (marketplace, currency), by name, counting only what was posted (and
 * settlements that ended) before `before` ("YYYY-MM-DD", "" = everything). Reads only. */
int ledger_balance_each(struct ledger *lg, const char *before,
                        int (*fn)(void *arg, const struct balance_info *b), void *arg,
                        struct err *e);
/* ---- stable ids, acceptance, blocking ---------------------------------------------- */

#define EXCEPTION_UID_MAX 16      /* "X-" + 10 hex digits + NUL, with room */

/* Registers the SQL function exception_uid() on db (ledger_open does, before migrations). */
int exception_register(sqlite3 *db);

/* Accepts the error with stable id (any case) deliberately, for reason: recorded in
 * exception_accept and the audit log (inside the caller's transaction). From then on it
 * neither holds its settlement back nor counts as an error; no amount changes. ERR_INPUT
 * for an unknown id, an empty reason, a warning or info, or a kind about Xero's side
 * (XERO_*, POSTED_DOCUMENT_CHANGED). *already = 1 (and nothing written) when it was. */
int exception_accept(struct ledger *lg, const char *id, const char *reason, int *already,
                     struct err *e);

/* Whether the settlement is held back from Xero: 1 with out = "<KIND>: <explanation's first
 * line>" of its first open (not accepted) error, the preflight's own findings aside (live
 * posting judges those again before sending); 0 when nothing holds it back. The preview and
 * live posting both ask here, so they agree on what is blocked. */
int exception_blocking(struct ledger *lg, const char *sid, char *out, size_t cap,
                       struct err *e);

/* stage — what each stage last ran on (table stage_input), so an unchanged rerun skips it. */

/* The SHA-256 (hex) of a stage's inputs for scope: settlebook's version and schema, stage,
 * scope, the config file's sha256 and every source file's (id, sha256, kind, rows,
 * superseded_by), which covers every raw row ingest wrote. With whole = 1 also every other
 * table in full (journals, outbox, exceptions, runs, audit log, periods, Xero references,
 * and any table a later migration adds), except the rows covered otherwise (raw tables,
 * journal lines via journal.content_sha256) and stage_input itself. Read-only. */
int stage_digest(struct ledger *lg, const struct config *cfg, const char *stage,
                 const char *scope, int whole, char hex[HASH_HEX_LEN], struct err *e);

/* The SHA-256 of the exceptions of scope (e.g. 'reconcile') in scope of period, every column,
 * by id: a stage's recorded output, so a row another run changed since is noticed. */
int stage_exceptions_digest(struct ledger *lg, const char *scope, const char *period,
                            char hex[HASH_HEX_LEN], struct err *e);

/* The SHA-256 of every column of every row of the n queries (each with p1 bound as ?1 when
 * it has one), in order: a stage's own inputs or outputs beyond what stage_digest covers. */
int stage_rows_digest(struct ledger *lg, const char *const *sqls, size_t n, const char *p1,
                      char hex[HASH_HEX_LEN], struct err *e);

/* The stored input and output digests of (stage, scope), or "" and "" when none. */
int stage_get(struct ledger *lg, const char *stage, const char *scope,
              char in[HASH_HEX_LEN], char out[HASH_HEX_LEN], struct err *e);

/* Records (stage, scope) as run on in (output out, or NULL); writes nothing when unchanged. */
int stage_put(struct ledger *lg, const char *stage, const char *scope, const char *in,
              const char *out, struct err *e);

/* ---- units settled, as the FBA Inventory Ledger counts them ------------------------------ */

/* Two SQL common table expressions (after WITH, before a comma), the one definition of "units
 * settled" that reconcile's UNITS_NOT_SETTLED and the workbook's Inventory sheet share, so
 * both count the same units:
 *   settled(month, sku, country, units): the quantities of the order items of settlement Order
 *     lines, by the month (UTC) of their first posted date, SKU and the country of the line's
 *     marketplace (the settlement's when the line names none; '' for a marketplace not listed);
 *   inv_settled(month, msku, location, units): for each month, SKU and Location of the FBA
 *     Inventory Ledger (sql/009's inventory_month), the units settled in that Location's
 *     country only; a ledger row without Location counts every marketplace.
 * Amazon's ledger names a country (US, CA, GB, DE, ...) where the settlement names a
 * marketplace (Amazon.com, Amazon.ca, ...): the CASE maps one to the other. */
#define LEDGER_UNITS_SETTLED_CTE                                                            \
    "settled AS MATERIALIZED (SELECT substr(posted, 1, 7) AS month, sku, CASE mk WHEN 'Amazon.com' THEN "  \
    "'US' WHEN 'Amazon.ca' THEN 'CA' WHEN 'Amazon.com.mx' THEN 'MX' WHEN 'Amazon.co.uk' THEN " \
    "'GB' WHEN 'Amazon.de' THEN 'DE' WHEN 'Amazon.fr' THEN 'FR' WHEN 'Amazon.it' THEN 'IT' "  \
    "WHEN 'Amazon.es' THEN 'ES' WHEN 'Amazon.nl' THEN 'NL' WHEN 'Amazon.co.jp' THEN 'JP' "    \
    "WHEN 'Amazon.com.au' THEN 'AU' ELSE '' END AS country, sum(q) AS units FROM (SELECT "   \
    "min(l.posted) AS posted, l.sku, coalesce(max(l.marketplace), max(s.marketplace)) AS mk, " \
    "max(l.quantity) AS q FROM settlement_line l JOIN settlement s ON s.id = "               \
    "l.settlement_ref WHERE l.transaction_type = 'Order' AND l.quantity IS NOT NULL AND "    \
    "l.posted IS NOT NULL GROUP BY l.settlement_ref, l.order_id, l.order_item_code, l.sku) " \
    "GROUP BY 1, 2, 3), " LEDGER_INV_SETTLED_CTE

/* The inv_settled part of LEDGER_UNITS_SETTLED_CTE alone, after a `settled` of the same
 * columns computed elsewhere (the workbook's one pass over the lines). */
#define LEDGER_INV_SETTLED_CTE                                                              \
    "inv_settled AS (SELECT i.month, i.msku, i.location, (SELECT coalesce(sum(t.units), 0) " \
    "FROM settled t WHERE t.month = i.month AND t.sku = i.msku AND (i.location = '' OR "     \
    "t.country = i.location)) AS units FROM (SELECT DISTINCT month, msku, location FROM "    \
    "inventory_month) i)"

#endif
