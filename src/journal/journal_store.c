/* journal_store — month parts with carried-forward and clearing lines, a content hash that
 * makes reruns no-ops, and the write itself, where the ledger's triggers refuse any journal
 * that does not balance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

struct part {
    char month[8], date[11];
    size_t first, count;          /* entries [first, first+count) */
    money_t sum;
};

int journal_lock_move(struct jctx *j, const char *month, money_t amount, int64_t count,
                      char out[8], struct err *e)
{
    int locked = period_is_locked(j->lg, month, e);
    if (locked < 0)
        return -1;
    if (!locked) {
        snprintf(out, 8, "%s", month);
        return 0;
    }
    if (period_next_open(j->lg, month, out, e) < 0)
        return -1;
    j->sum->moved_lines += count;   /* every moved line, not only a month's first group */
    for (size_t i = 0; i < j->moves_n; i++)
        if (strcmp(j->moves[i].from, month) == 0)
            return money_add(&j->moves[i].amount, amount, e) < 0 ? -1
                 : (j->moves[i].count += count, 0);
    if (j->moves_n == sizeof j->moves / sizeof j->moves[0])
        return err_set(e, ERR_INPUT, "settlement %s has lines in more than %zu locked months: "
                       "unlock the months it belongs to, or split the report", j->s.id,
                       sizeof j->moves / sizeof j->moves[0]);
    struct jmove *m = &j->moves[j->moves_n++];
    snprintf(m->from, sizeof m->from, "%s", month);
    snprintf(m->to, sizeof m->to, "%s", out);
    m->amount = amount;
    m->count = count;
    return 0;
}

static void last_day(const char *month, char out[11])
{
    int y = 0, m = 0, yy, mm, dd;
    sscanf(month, "%4d-%2d", &y, &m);
    dates_civil(dates_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1, &yy, &mm, &dd);
    snprintf(out, 11, "%04d-%02d-%02d", yy, mm, dd);
}

/* Splits the sorted entries into month parts; dates: month end for earlier parts, the
 * settlement's end date (kept inside its month) for the final one. */
static size_t split_parts(struct jctx *j, struct part *p, size_t max, struct err *e)
{
    size_t n = 0;
    for (size_t i = 0; i < j->b.n; i++) {
        if (n == 0 || strcmp(p[n - 1].month, j->b.v[i].month) != 0) {
            if (n == max) {
                err_set(e, ERR_INPUT, "settlement spans more than %zu months", max);
                return 0;
            }
            memset(&p[n], 0, sizeof p[n]);
            snprintf(p[n].month, sizeof p[n].month, "%s", j->b.v[i].month);
            p[n].first = i;
            n++;
        }
        p[n - 1].count++;
        if (money_add(&p[n - 1].sum, j->b.v[i].amount, e) < 0)
            return 0;
    }
    for (size_t k = 0; k < n; k++) {
        last_day(p[k].month, p[k].date);
        if (k == n - 1 && strncmp(j->s.end_date, p[k].month, 7) == 0)
            snprintf(p[k].date, sizeof p[k].date, "%s", j->s.end_date);
        else if (k == n - 1 && strcmp(j->s.end_date, p[k].date) < 0)
            snprintf(p[k].date, sizeof p[k].date, "%s-01", p[k].month);
    }
    return n;
}

/* The extra lines of part k: carried forward (earlier parts), carried back and clearing
 * (final part). Written into x[0..2]; returns how many. */
static int extra_lines(struct jctx *j, const struct part *p, size_t n, size_t k,
                       struct jentry *x)
{
    const struct config *cfg = j->cfg;
    int c = 0;
    money_t earlier = 0;
    memset(x, 0, 3 * sizeof *x);
    for (size_t i = 0; i < k; i++)
        earlier += p[i].sum;  /* each part sum was overflow-checked; parts are few */
    if (k + 1 < n) {
        snprintf(x[c].role, sizeof x[c].role, "carried_forward");
        snprintf(x[c].code, sizeof x[c].code, "%s", cfg->accounts[ACCT_CARRIED_FORWARD]);
        snprintf(x[c].category, sizeof x[c].category, "Carried forward");
        snprintf(x[c].sku, sizeof x[c].sku, "to %s", p[n - 1].month);
        x[c++].amount = -p[k].sum;
        return c;
    }
    if (n > 1) {
        snprintf(x[c].role, sizeof x[c].role, "carried_forward");
        snprintf(x[c].code, sizeof x[c].code, "%s", cfg->accounts[ACCT_CARRIED_FORWARD]);
        snprintf(x[c].category, sizeof x[c].category, "Carried forward");
        snprintf(x[c].sku, sizeof x[c].sku, "from %s", p[0].month);
        x[c++].amount = earlier;
    }
    snprintf(x[c].role, sizeof x[c].role, "clearing");
    snprintf(x[c].code, sizeof x[c].code, "%s", cfg->accounts[ACCT_CLEARING]);
    snprintf(x[c].category, sizeof x[c].category, "Amazon clearing");
    x[c++].amount = -(earlier + p[k].sum);
    return c;
}

static void describe(const struct jctx *j, const struct jentry *x, char *out, size_t cap)
{
    /* sales Amazon charged another VAT rate on say so beside the standard-rated line */
    const char *rate = x->rate_cls == RATE_ZERO ? ", zero-rated"
                     : x->rate_cls == RATE_REDUCED ? ", reduced rate" : "";
    if (strcmp(x->role, "carried_forward") == 0)
        snprintf(out, cap, "Settlement %s carried forward %s", j->s.id, x->sku);
    else if (strcmp(x->role, "clearing") == 0)
        snprintf(out, cap, "Settlement %s payout", j->s.id);
    else if (x->sku[0])
        snprintf(out, cap, "%s %s%s (settlement %s)", x->category, x->sku, rate, j->s.id);
    else
        snprintf(out, cap, "%s%s (settlement %s)", x->category, rate, j->s.id);
}

static int is_extra(const struct jentry *x)
{
    return strcmp(x->role, "carried_forward") == 0 || strcmp(x->role, "clearing") == 0;
}

/* Canonical text of the whole journal set, hashed to detect change. */
static void content_hash(struct jctx *j, const struct part *p, size_t n, char out[65])
{
    struct hash_ctx *h;
    struct err e;
    char line[1024];
    if (hash_new(&h, &e) < 0) {
        out[0] = '\0';
        return;
    }
    for (size_t k = 0; k < n; k++) {
        struct jentry x[3];
        int c = extra_lines(j, p, n, k, x);
        int len = snprintf(line, sizeof line, "P|%s|%s|%s\n", p[k].month, p[k].date,
                           j->s.currency);
        hash_update(h, line, (size_t)len);
        for (size_t i = 0; i < p[k].count + (size_t)c; i++) {
            const struct jentry *y = i < p[k].count ? &j->b.v[p[k].first + i]
                                                    : &x[i - p[k].count];
            len = snprintf(line, sizeof line, "%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld\n", y->role,
                           y->code, y->tax, y->tname, y->topt, y->category, y->sku, y->month,
                           (long long)y->amount, (long long)y->count);
            hash_update(h, line, (size_t)len);
        }
    }
    hash_final(h, out);
}

int journal_inputs_same(struct jctx *j, struct err *e)
{
    sqlite3_stmt *st;
    int same;
    if (ledger_prepare(j->lg, &st, "SELECT 1 FROM journal WHERE settlement_ref = ? AND "
                       "input_sha256 = ? LIMIT 1", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, j->s.ref);
    sqlite3_bind_text(st, 2, j->s.input_sha256, -1, SQLITE_STATIC);
    same = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return same;
}

/* What the ledger holds for this settlement: its hash, and whether it may be rewritten. */
static int existing(struct jctx *j, char hash[65], int *frozen, struct err *e)
{
    sqlite3_stmt *st;
    hash[0] = '\0';
    *frozen = 0;
    if (ledger_prepare(j->lg, &st, "SELECT content_sha256, "
                       "(SELECT COUNT(*) FROM outbox_posted o WHERE o.settlement_id = ?2) + "
                       "(SELECT COUNT(*) FROM journal jj JOIN "
                       "period p ON p.month = jj.month AND p.state = 'locked' WHERE "
                       "jj.settlement_ref = ?1) FROM journal WHERE settlement_ref = ?1 LIMIT 1",
                       e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, j->s.ref);
    sqlite3_bind_text(st, 2, j->s.id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(hash, 65, "%s", sqlite3_column_text(st, 0));
        *frozen = sqlite3_column_int64(st, 1) > 0;
    }
    sqlite3_finalize(st);
    return 0;
}

/* Runs sql with ?1 = settlement row id and ?2 = arg (the settlement id when NULL). */
static int exec_ref(struct jctx *j, const char *sql, struct err *e, const char *arg)
{
    sqlite3_stmt *st;
    if (ledger_prepare(j->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, j->s.ref);
    sqlite3_bind_text(st, 2, arg ? arg : j->s.id, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(j->lg, e, "journal cleanup");
}

int journal_clear_changed(struct jctx *j, struct err *e)
{
    return exception_clear(j->lg, "journal", "POSTED_DOCUMENT_CHANGED", j->s.id, NULL, e);
}

static int insert_exception(struct jctx *j, const char *kind, money_t expected, money_t actual,
                            const char *explanation, const char *action, struct err *e)
{
    struct exception_row x = {
        .kind = kind, .severity = strcmp(kind, "PERIOD_LOCKED") == 0 ? "warning" : "error",
        .settlement_id = j->s.id, .currency = j->s.currency, .has_expected = 1,
        .expected = expected, .has_actual = 1, .actual = actual, .explanation = explanation,
        .action = action };
    return exception_add(j->lg, "journal", &x, e);
}

static int lock_exceptions(struct jctx *j, struct err *e)
{
    char msg[256], amt[MONEY_FMT_MAX];
    for (size_t i = 0; i < j->moves_n; i++) {
        const struct jmove *m = &j->moves[i];
        snprintf(msg, sizeof msg, "%lld line(s) totalling %s %s were posted in locked period %s"
                 " and are booked in %s instead.", (long long)m->count,
                 money_format(amt, m->amount, j->s.exp), j->s.currency, m->from, m->to);
        if (insert_exception(j, "PERIOD_LOCKED", 0, m->amount, msg, "Review the late lines; "
                             "unlock the period (settlebook period unlock) only if the books "
                             "for it may still change.", e) < 0)
            return -1;
    }
    return 0;
}

static int insert_part(struct jctx *j, const struct part *p, size_t n, size_t k,
                       const char *hash, struct err *e)
{
    sqlite3_stmt *st;
    struct jentry x[3];
    int c = extra_lines(j, p, n, k, x);
    int64_t id;
    char desc[256];
    if (ledger_prepare(j->lg, &st, "INSERT INTO journal(settlement_ref, part, parts, month, "
                       "date, currency, part_total_minor, line_count, content_sha256, input_sha256) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, j->s.ref);
    sqlite3_bind_int64(st, 2, (int64_t)k + 1);
    sqlite3_bind_int64(st, 3, (int64_t)n);
    sqlite3_bind_text(st, 4, p[k].month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p[k].date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, j->s.currency, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, p[k].sum);
    sqlite3_bind_int64(st, 8, (int64_t)(p[k].count + (size_t)c));
    sqlite3_bind_text(st, 9, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, j->s.input_sha256, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(j->lg, e, "insert journal");
    id = sqlite3_last_insert_rowid(ledger_db(j->lg));
    if (ledger_prepare(j->lg, &st, "INSERT INTO journal_line(journal_id, line_no, role, "
                       "account_code, tax_type, tracking_name, tracking_option, category, sku, "
                       "description, amount_minor, source_lines) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    for (size_t i = 0; ok && i < p[k].count + (size_t)c; i++) {
        const struct jentry *y = i < p[k].count ? &j->b.v[p[k].first + i] : &x[i - p[k].count];
        describe(j, y, desc, sizeof desc);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_text(st, 3, y->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, y->code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, is_extra(y) ? "NONE" : y->tax, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, y->tname, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, y->topt, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, y->category, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, is_extra(y) ? "" : y->sku, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, desc, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 11, y->amount);
        sqlite3_bind_int64(st, 12, y->count);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(j->lg, e, "insert journal line");
    if (ledger_prepare(j->lg, &st, "UPDATE journal SET state = 'final' WHERE id = ?", e) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(j->lg, e, "finalise journal");
}

int journal_store(struct jctx *j, struct err *e)
{
    struct part p[64];
    char hash[65], old[65];
    int frozen;
    size_t n;

    if (j->b.n == 0) {
        j->sum->unchanged++;
        return 0; /* a settlement with no amount lines has nothing to journal */
    }
    n = split_parts(j, p, sizeof p / sizeof p[0], e);
    if (n == 0)
        return -1;
    content_hash(j, p, n, hash);
    if (existing(j, old, &frozen, e) < 0)
        return -1;
    if (strcmp(old, hash) == 0) {
        /* same journals from changed inputs (say, a config edit elsewhere) */
        j->sum->unchanged++;
        if (journal_clear_changed(j, e) < 0)
            return -1;
        return exec_ref(j, "UPDATE journal SET input_sha256 = ?2 WHERE settlement_ref = ?1",
                        e, j->s.input_sha256);
    }
    if (frozen) {
        j->sum->frozen++;
        if (journal_clear_changed(j, e) < 0)
            return -1;
        return insert_exception(j, "POSTED_DOCUMENT_CHANGED", 0, 0, "The settlement's "
                                "journals would change, but they are already posted or in a "
                                "locked period; the ledger keeps what was posted.",
                                "Compare the new lines with the posted documents and correct "
                                "in Xero with a manual journal or credit note.", e);
    }
    if (exec_ref(j, "DELETE FROM journal WHERE settlement_ref = ?1 AND ?2 = ?2", e, NULL) < 0 ||
        outbox_drop_pending(j->lg, j->s.id, e) < 0 ||
        exception_clear(j->lg, "journal", NULL, j->s.id, NULL, e) < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (insert_part(j, p, n, k, hash, e) < 0)
            return -1;
    j->sum->built++;
    j->sum->parts += (int64_t)n;
    return lock_exceptions(j, e);
}
