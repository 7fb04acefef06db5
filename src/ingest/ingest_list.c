/* ingest_list — the settlements ingest stored, for `settlebook settlements` and anyone else
 * who lists them. Read-only. */
#include "ingest.h"

#include <stdio.h>

int ingest_settlements_each(struct ledger *lg,
                            int (*fn)(void *arg, const struct settlement_info *s), void *arg,
                            struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT s.settlement_id, s.format, s.marketplace, s.currency, "
                       "s.start_utc, s.end_utc, s.deposit_utc, s.total_minor, s.lines_sum_minor,"
                       " s.line_count, f.sha256 FROM settlement s JOIN source_file f ON f.id = "
                       "s.source_file_id ORDER BY s.start_utc, s.settlement_id", e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        struct settlement_info v = {
            .settlement_id = ledger_text(st, 0), .format = ledger_text(st, 1),
            .marketplace = ledger_text(st, 2), .currency = ledger_text(st, 3),
            .start = ledger_text(st, 4), .end = ledger_text(st, 5),
            .deposit = ledger_text(st, 6), .total = sqlite3_column_int64(st, 7),
            .lines_sum = sqlite3_column_int64(st, 8), .lines = sqlite3_column_int64(st, 9),
            .source_sha256 = ledger_text(st, 10) };
        rc = fn(arg, &v);
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return err_set(e, ERR_IO, "cannot write the settlement list");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list settlements");
}
