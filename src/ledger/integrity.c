/* integrity — `PRAGMA integrity_check` of the ledger file, aside (aside.c): it reads the whole
 * file (most of a workbook's time on a large ledger) and needs nothing the caller does
 * meanwhile, so on a machine with two cores it costs no wall time. When it cannot run aside,
 * it runs on the caller's connection when the result is asked for. Either way the result is
 * the same text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

struct ledger_integrity {
    struct ledger_aside *aside;
    char result[512];
};

/* The first row of integrity_check on lg into out ("ok", or the first problem found). */
static int check(struct ledger *lg, char *out, size_t cap, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int s;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "PRAGMA integrity_check", e) < 0)
        return -1;
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "integrity_check");
}

static int check_aside(struct ledger *reader, void *arg, struct err *e)
{
    struct ledger_integrity *c = arg;
    return check(reader, c->result, sizeof c->result, e);
}

int ledger_integrity_start(struct ledger *lg, struct ledger_integrity **out, struct err *e)
{
    struct ledger_integrity *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return err_set(e, ERR_NOMEM, "out of memory");
    return ledger_aside_start(lg, check_aside, c, &c->aside, e);
}

int ledger_integrity_result(struct ledger *lg, struct ledger_integrity *c, char *out,
                            size_t cap, struct err *e)
{
    int done = c ? ledger_aside_join(c->aside, e) : 0;
    if (done < 0)
        return -1;
    if (!done)
        return check(lg, out, cap, e);
    snprintf(out, cap, "%s", c->result);
    return 0;
}

void ledger_integrity_free(struct ledger_integrity *c)
{
    if (c)
        ledger_aside_free(c->aside);
    free(c);
}
