/* stages — the shared driver behind `post` and `close`. */
#include "post.h"

#include <stdlib.h>
#include <string.h>


int stages_journal_post(struct ledger *lg, const struct config *cfg, const char *period,
                        struct journal_summary *js, struct post_summary *ps, struct err *e)
{
    if (ledger_begin(lg, e) < 0)
        return -1;
    if (journal_run(lg, cfg, period, js, e) < 0 || post_outbox(lg, cfg, period, ps, e) < 0) {
        ledger_rollback(lg);
        return -1;
    }
    return ledger_commit(lg, e);
}

int stages_months(struct ledger *lg, char (**out)[8], size_t *n, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (ledger_prepare(lg, &st, "SELECT DISTINCT month FROM journal ORDER BY month", e) < 0)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == cap) {
            char (*p)[8] = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            *out = p;
        }
        memcpy((*out)[(*n)++], sqlite3_column_text(st, 0), 8);
    }
    sqlite3_finalize(st);
    return 0;
}
