/* period — month strings and the period table. Locks are audited. */
#include "ledger.h"

#include <stdio.h>
#include <string.h>

int period_parse(const char *s, struct err *e)
{
    if (!s || strlen(s) != 7 || s[4] != '-' || s[0] != '2')
        goto bad;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            goto bad;
    if (!((s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2')))
        goto bad;
    return 0;
bad:
    return err_set(e, ERR_INPUT, "period '%s' is not a month: use YYYY-MM, e.g. 2025-09",
                   s ? s : "");
}

void period_next(const char *month, char out[8])
{
    int y = 0, m = 0;
    sscanf(month, "%4d-%2d", &y, &m);
    if (++m > 12) {
        m = 1;
        y++;
    }
    snprintf(out, 8, "%04d-%02d", y, m);
}

int period_is_locked(struct ledger *lg, const char *month, struct err *e)
{
    sqlite3_stmt *st;
    int locked;
    if (ledger_prepare(lg, &st, "SELECT 1 FROM period WHERE month = ? AND state = 'locked'",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    locked = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return locked;
}

int period_next_open(struct ledger *lg, const char *month, char out[8], struct err *e)
{
    char m[8];
    snprintf(m, sizeof m, "%s", month);
    for (int guard = 0; guard < 1200; guard++) {
        int l = period_is_locked(lg, m, e);
        if (l < 0)
            return -1;
        if (!l) {
            memcpy(out, m, 8);
            return 0;
        }
        period_next(m, m);
    }
    return err_set(e, ERR_INPUT, "no open period after %s", month);
}

int period_set(struct ledger *lg, const char *month, int locked, struct err *e)
{
    sqlite3_stmt *st;
    char detail[64];
    if (ledger_prepare(lg, &st, "INSERT INTO period(month, state) VALUES (?1, ?2) "
                       "ON CONFLICT(month) DO UPDATE SET state = ?2", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, locked ? "locked" : "open", -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(lg, e, "period");
    snprintf(detail, sizeof detail, "%s %s", month, locked ? "locked" : "unlocked");
    return ledger_audit(lg, locked ? "period.lock" : "period.unlock", detail, e);
}

int period_each(struct ledger *lg, int (*fn)(void *arg, const char *month, const char *state),
                void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT month, state FROM period ORDER BY month", e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(arg, ledger_text(st, 0), ledger_text(st, 1));
    sqlite3_finalize(st);
    if (rc < 0)
        return err_set(e, ERR_IO, "cannot write the period list");
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "list periods");
}
