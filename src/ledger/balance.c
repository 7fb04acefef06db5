/* balance — what Amazon owes: per marketplace and currency, the Finances API amounts no
 * settlement holds yet, the reserve the latest settlement held back, and when the next
 * deposit is expected. Reads only (for `settlebook balance` and the workbook's Summary). */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* The unsettled lines of each (marketplace, currency) posted before ?1 ('' = all) and not
 * settled by a settlement that ended before ?1 (a later one had not closed yet); lines
 * without a marketplace belong to the currency's latest settlement's marketplace. Then the
 * latest settlement ending before ?1 of that pair, its held reserve and its deposit lag. */
static const char BALANCE[] =
    "WITH u AS (SELECT COALESCE(u.marketplace, (SELECT s.marketplace FROM settlement s WHERE "
    "  s.currency = u.currency ORDER BY s.end_utc DESC, s.settlement_id DESC LIMIT 1), '') AS mk,"
    "  u.currency AS cur, u.amount_minor AS amt, u.posted AS posted, u.deferred AS deferred "
    "  FROM unsettled_line u WHERE (?1 = '' OR u.posted < ?1) AND NOT EXISTS (SELECT 1 FROM "
    "  event_match m JOIN settlement_line sl ON sl.id = m.settlement_line_id JOIN settlement s "
    "  ON s.id = sl.settlement_ref WHERE m.unsettled_id = u.id AND (?1 = '' OR "
    "  s.end_utc < ?1))), "
    "keys AS (SELECT mk, cur FROM u UNION SELECT s.marketplace, s.currency FROM settlement s "
    "  WHERE ?1 = '' OR s.end_utc < ?1), "
    "last AS (SELECT k.mk, k.cur, (SELECT s.id FROM settlement s WHERE s.marketplace = k.mk AND "
    "  s.currency = k.cur AND (?1 = '' OR s.end_utc < ?1) ORDER BY s.end_utc DESC, "
    "  s.settlement_id DESC LIMIT 1) AS sref FROM keys k) "
    "SELECT l.mk, l.cur, (SELECT COALESCE(sum(amt), 0) FROM u WHERE u.mk = l.mk AND u.cur = "
    "  l.cur), (SELECT count(*) FROM u WHERE u.mk = l.mk AND u.cur = l.cur), "
    "  (SELECT COALESCE(sum(amt), 0) FROM u WHERE u.mk = l.mk AND u.cur = l.cur AND "
    "  u.deferred), "
    "  COALESCE((SELECT -sum(sl.amount_minor) FROM settlement_line sl WHERE sl.settlement_ref = "
    "  l.sref AND (sl.amount_description = 'Current Reserve Amount' OR sl.transaction_type = "
    "  'Current Reserve Amount')), 0), "
    "  COALESCE(s.settlement_id, ''), COALESCE(s.end_utc, ''), COALESCE(s.deposit_utc, ''), "
    "  (SELECT COALESCE(max(posted), '') FROM u WHERE u.mk = l.mk AND u.cur = l.cur), "
    "  EXISTS (SELECT 1 FROM unsettled_line) "
    "FROM last l LEFT JOIN settlement s ON s.id = l.sref ORDER BY l.mk, l.cur";

/* Amazon pays every 14 days: the next settlement ends 14 days after the last one and is
 * deposited with the same lag as the last deposit. "" without a settlement. */
static void next_deposit(const char *end, const char *deposit, char out[11])
{
    int64_t te, td;
    int ht;
    struct err e = {0};
    char buf[DATES_ISO_MAX];
    out[0] = '\0';
    if (!*end || !*deposit || dates_parse(end, &te, &ht, &e) < 0 ||
        dates_parse(deposit, &td, &ht, &e) < 0)
        return;
    snprintf(out, 11, "%.10s", dates_iso(buf, td + 14 * 86400, 0));
}

int ledger_balance_each(struct ledger *lg, const char *before,
                        int (*fn)(void *arg, const struct balance_info *b), void *arg,
                        struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, BALANCE, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, before ? before : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct balance_info b = {
            .marketplace = ledger_text(st, 0), .currency = ledger_text(st, 1),
            .unsettled = sqlite3_column_int64(st, 2), .lines = sqlite3_column_int64(st, 3),
            .deferred = sqlite3_column_int64(st, 4), .reserve_held = sqlite3_column_int64(st, 5),
            .last_settlement_id = ledger_text(st, 6), .last_settlement_end = ledger_text(st, 7),
            .last_event = ledger_text(st, 9), .events = sqlite3_column_int(st, 10),
        };
        next_deposit(ledger_text(st, 7), ledger_text(st, 8), b.next_deposit);
        rc = fn(arg, &b);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return e->msg[0] ? -1 : err_set(e, ERR_IO, "cannot write the balance");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "compute the balance");
}
