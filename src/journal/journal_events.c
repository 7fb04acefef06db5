/* journal_events — which settlement line settles which unsettled Finances API line: same
 * order id, order item or adjustment item (when both sides name one), amount type and
 * description, amount and currency, posted within a day. Each side is used once; the
 * closest in time wins, then the earliest. An amount with more than one candidate, or a
 * settlement line of an order the events know that nothing matches, is raised as
 * EVENT_MATCH_AMBIGUOUS (warning) with both sides. Writes event_match only (exceptions go
 * through ledger/exception.c); never touches settlement or event rows. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ledger.h"

/* The candidate pairs: every rule of the issue but the one-to-one. */
#define LOOSE                                                                                \
    "FROM settlement_line sl JOIN settlement s ON s.id = sl.settlement_ref "                 \
    "JOIN unsettled_line u ON u.order_id IS sl.order_id AND u.amount_minor = sl.amount_minor " \
    "AND u.currency = s.currency "                                                           \
    "AND (u.order_item_code IS NULL OR sl.order_item_code IS NULL "                           \
    "     OR u.order_item_code = sl.order_item_code) "                                        \
    "AND (u.adjustment_item_id IS NULL OR (sl.merchant_adjustment_item_id IS NULL AND "       \
    "     sl.adjustment_id IS NULL) OR u.adjustment_item_id IN "                              \
    "     (sl.merchant_adjustment_item_id, sl.adjustment_id)) "                               \
    "AND abs(CAST(strftime('%s', u.posted) AS INTEGER) - "                                    \
    "        CAST(strftime('%s', sl.posted) AS INTEGER)) <= 86400 "
#define STRICT "AND u.amount_type = sl.amount_type AND u.amount_description = sl.amount_description "
#define CANDIDATES LOOSE STRICT

static const char SETUP[] =
    "CREATE TEMP TABLE IF NOT EXISTS em_new (unsettled_id INTEGER PRIMARY KEY, "
    "settlement_line_id INTEGER NOT NULL UNIQUE); DELETE FROM em_new;";

/* Greedy one-to-one in a stable order: INSERT OR IGNORE keeps the first pair of each side. */
static const char PAIR[] =
    "INSERT OR IGNORE INTO em_new(unsettled_id, settlement_line_id) SELECT u.id, sl.id "
    CANDIDATES "ORDER BY sl.id, abs(CAST(strftime('%s', u.posted) AS INTEGER) - "
    "CAST(strftime('%s', sl.posted) AS INTEGER)), u.posted, u.id";

/* Second pass, for what is left: the same amount, order and time under one differing name
 * (a reimbursement's reason, a fee's wording), so an amount the settlement books is never
 * accrued as well; each such pair is raised for review. */
static const char PAIR_LOOSE[] =
    "INSERT OR IGNORE INTO em_new(unsettled_id, settlement_line_id) SELECT u.id, sl.id "
    LOOSE "AND (u.amount_type = sl.amount_type OR u.amount_description = "
    "sl.amount_description) ORDER BY sl.id, abs(CAST(strftime('%s', u.posted) AS INTEGER) - "
    "CAST(strftime('%s', sl.posted) AS INTEGER)), u.posted, u.id";

static const char LOOSE_PAIRS[] =
    "SELECT s.settlement_id, s.currency, sl.order_id, sl.sku, sl.transaction_type, "
    "sl.amount_type, sl.amount_description, sl.amount_minor, COALESCE(sl.posted, ''), 1, "
    "u.transaction_type || '/' || u.amount_type || '/' || u.amount_description || ' posted ' "
    "|| COALESCE(u.posted, '') FROM event_match m JOIN unsettled_line u ON u.id = "
    "m.unsettled_id JOIN settlement_line sl ON sl.id = m.settlement_line_id JOIN settlement s "
    "ON s.id = sl.settlement_ref WHERE u.amount_type != sl.amount_type OR "
    "u.amount_description != sl.amount_description ORDER BY s.settlement_id, sl.id";

static const char SYNC[] =
    "DELETE FROM event_match WHERE NOT EXISTS (SELECT 1 FROM em_new n WHERE "
    "n.unsettled_id = event_match.unsettled_id AND "
    "n.settlement_line_id = event_match.settlement_line_id);"
    "INSERT INTO event_match(unsettled_id, settlement_line_id) SELECT n.unsettled_id, "
    "n.settlement_line_id FROM em_new n WHERE NOT EXISTS (SELECT 1 FROM event_match m WHERE "
    "m.unsettled_id = n.unsettled_id) ORDER BY n.unsettled_id;"
    "DELETE FROM em_new;";

/* Settlement lines with more than one candidate event, and events with more than one
 * candidate settlement line, each with what it was paired with. */
static const char AMBIGUOUS[] =
    "SELECT s.settlement_id, s.currency, sl.order_id, sl.sku, sl.transaction_type, "
    "sl.amount_type, sl.amount_description, sl.amount_minor, COALESCE(sl.posted, ''), "
    "count(*), group_concat(COALESCE(u.posted, ''), ', '), 'settlement line' "
    CANDIDATES "GROUP BY sl.id HAVING count(*) > 1 "
    "UNION ALL "
    "SELECT min(s.settlement_id), u.currency, u.order_id, u.sku, u.transaction_type, "
    "u.amount_type, u.amount_description, u.amount_minor, COALESCE(u.posted, ''), count(*), "
    "group_concat(s.settlement_id || ' ' || COALESCE(sl.posted, ''), ', '), 'event' "
    CANDIDATES "GROUP BY u.id HAVING count(*) > 1 ORDER BY 1, 3, 5, 6, 7, 8, 9, 12";

/* Settlement lines of orders the events know that no event settles. */
static const char LEFT_OVER[] =
    "SELECT s.settlement_id, s.currency, sl.order_id, sl.sku, sl.transaction_type, "
    "sl.amount_type, sl.amount_description, sl.amount_minor, COALESCE(sl.posted, ''), "
    "(SELECT count(*) FROM unsettled_line u WHERE u.order_id = sl.order_id AND u.currency = "
    "s.currency AND NOT EXISTS (SELECT 1 FROM event_match m WHERE m.unsettled_id = u.id)), "
    "(SELECT group_concat(u.transaction_type || '/' || u.amount_type || '/' || "
    "u.amount_description || char(31) || u.amount_minor || char(31) || COALESCE(u.posted, ''), "
    "char(30)) FROM (SELECT * FROM unsettled_line ORDER BY id) u WHERE u.order_id = sl.order_id AND "
    "u.currency = s.currency AND NOT EXISTS (SELECT 1 FROM event_match m WHERE "
    "m.unsettled_id = u.id)) "
    "FROM settlement_line sl JOIN settlement s ON s.id = sl.settlement_ref "
    "WHERE sl.order_id IS NOT NULL AND EXISTS (SELECT 1 FROM unsettled_line u WHERE "
    "u.order_id = sl.order_id AND u.currency = s.currency) AND NOT EXISTS (SELECT 1 FROM "
    "event_match m WHERE m.settlement_line_id = sl.id) ORDER BY s.settlement_id, sl.id";

static int any_events(struct ledger *lg, int *out, struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (ledger_prepare(lg, &st, "SELECT EXISTS (SELECT 1 FROM unsettled_line) OR EXISTS "
                       "(SELECT 1 FROM event_match) OR EXISTS (SELECT 1 FROM exception WHERE "
                       "scope = 'events')", e) < 0)
        return -1;
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : ledger_fail(lg, e, "look for events");
}

/* "name amount cur posted date, ..." from LEFT_OVER's "name US amount_minor US posted" rows
 * separated by RS: amounts in the currency's own decimals, like the settlement side. */
static void event_list(const char *raw, const char *cur, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    while (*raw && o + 1 < cap) {
        char amount[MONEY_FMT_MAX];
        size_t name = strcspn(raw, "\x1f\x1e");
        const char *a = raw[name] == '\x1f' ? raw + name + 1 : raw + name;
        size_t an = strcspn(a, "\x1f\x1e");
        const char *p = a[an] == '\x1f' ? a + an + 1 : a + an;
        size_t pn = strcspn(p, "\x1e");
        money_format(amount, strtoll(a, NULL, 10), money_exponent(cur));
        int w = snprintf(out + o, cap - o, "%s%.*s %s %s posted %.*s", o ? ", " : "",
                         (int)name, raw, amount, cur, (int)pn, p);
        o = w < 0 ? o : o + (size_t)w < cap ? o + (size_t)w : cap - 1;
        raw = p[pn] ? p + pn + 1 : p + pn;
    }
}

/* left_over: 0 more than one candidate, 1 nothing settles the line, 2 paired by amount,
 * order and time only. Every message names both sides: the line (settlement, order) and
 * the event(s). */
static int raise(struct exception_batch *b, sqlite3_stmt *st, int left_over, struct err *e)
{
    char expl[1024], action[256], amount[MONEY_FMT_MAX], events[600], order[96] = "";
    const char *cur = ledger_text(st, 1);
    int64_t amt = sqlite3_column_int64(st, 7), n = sqlite3_column_int64(st, 9);
    money_format(amount, amt, money_exponent(cur));
    if (*ledger_text(st, 2))
        snprintf(order, sizeof order, " of order %s", ledger_text(st, 2));
    if (left_over == 2)
        snprintf(expl, sizeof expl, "Settlement %s line %s/%s/%s %s %s%s posted %s settles "
                 "the Finances API event %s: same order, amount and day, but named "
                 "differently.", ledger_text(st, 0), ledger_text(st, 4), ledger_text(st, 5),
                 ledger_text(st, 6), amount, cur, order, ledger_text(st, 8),
                 ledger_text(st, 10));
    else if (left_over) {
        event_list(ledger_text(st, 10), cur, events, sizeof events);
        snprintf(expl, sizeof expl, "Settlement %s line %s/%s/%s %s %s%s posted %s settles no "
                 "Finances API event of its order; the order's unsettled events (%lld): %s.",
                 ledger_text(st, 0), ledger_text(st, 4), ledger_text(st, 5),
                 ledger_text(st, 6), amount, cur, order, ledger_text(st, 8), (long long)n,
                 n ? events : "none");
    } else if (!strcmp(ledger_text(st, 11), "event"))
        snprintf(expl, sizeof expl, "Finances API event %s/%s/%s %s %s%s posted %s matches "
                 "%lld settlement lines (settlement and posted: %s); it settles one of them "
                 "only.", ledger_text(st, 4), ledger_text(st, 5), ledger_text(st, 6), amount,
                 cur, order, ledger_text(st, 8), (long long)n, ledger_text(st, 10));
    else
        snprintf(expl, sizeof expl, "Settlement %s line %s/%s/%s %s %s%s posted %s matches "
                 "%lld Finances API events (posted %s); it settles the closest in time only.",
                 ledger_text(st, 0), ledger_text(st, 4), ledger_text(st, 5),
                 ledger_text(st, 6), amount, cur, order, ledger_text(st, 8), (long long)n,
                 ledger_text(st, 10));
    snprintf(action, sizeof action, "Compare the order in Seller Central (Payments > "
             "Transaction view) with the settlement; nothing is counted twice, but an event "
             "left unsettled stays in the month-end accrual.");
    struct exception_row r = {
        .kind = "EVENT_MATCH_AMBIGUOUS", .severity = "warning",
        .settlement_id = ledger_text(st, 0), .order_id = ledger_text(st, 2),
        .sku = ledger_text(st, 3), .currency = cur, .has_actual = 1, .actual = amt,
        .explanation = expl, .action = action,
    };
    return exception_batch_add(b, &r, e);
}

static int raise_all(struct ledger *lg, struct exception_batch *b, const char *sql,
                     int left_over, struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (raise(b, st, left_over, e) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : ledger_fail(lg, e, "find ambiguous event matches");
}

int journal_events_match(struct ledger *lg, struct err *e)
{
    struct exception_batch *b = NULL;
    int any, changed, rc = -1;
    if (any_events(lg, &any, e) < 0)
        return -1;
    if (!any)
        return 0; /* no Finances API events: nothing to match, nothing to cost */
    if (ledger_exec(lg, SETUP, e) < 0 || ledger_exec(lg, PAIR, e) < 0 ||
        ledger_exec(lg, PAIR_LOOSE, e) < 0 ||
        ledger_exec(lg, SYNC, e) < 0 || exception_batch_begin(lg, &b, e) < 0 ||
        raise_all(lg, b, AMBIGUOUS, 0, e) < 0 || raise_all(lg, b, LEFT_OVER, 1, e) < 0 ||
        raise_all(lg, b, LOOSE_PAIRS, 2, e) < 0 ||
        exception_batch_apply(b, "events", "", &changed, e) < 0)
        goto done;
    rc = 0;
done:
    exception_batch_free(b);
    return rc;
}
