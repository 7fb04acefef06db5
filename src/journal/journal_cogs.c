/* journal_cogs — the cost-of-goods journal of a month: units sold per SKU (settlement Order
 * lines posted in the month) less units put back (refunded order items), each at the unit
 * cost in force on its posted date, debited to accounts.cogs and credited to
 * accounts.inventory; and the units the FBA Inventory Ledger shows Lost, Damaged or Disposed
 * less those Found, written off at unit cost to accounts.inventory_writeoff (same journal:
 * one inventory movement a month, held back as one by MISSING_COST).
 *
 * Cost of goods follows the journals' month like the sales: a line's units belong to the
 * month of the sales journal part that holds the line (journal_lock_move moved it out of a
 * locked month), an inventory ledger row's to its month; and a month whose COGS journal is
 * frozen (the month is locked, or COGS-<month> was already sent) passes the units its journal
 * does not hold on to the first month after it whose journal is open, valued at the cost in
 * force on the line's own date. cogs_cover (sql/015) records what each journal holds, so
 * nothing is booked twice nor dropped; a frozen month that passes units on says so
 * (PERIOD_LOCKED, scope cogs). Writes only cogs_journal / cogs_line / cogs_cover (and
 * MISSING_COST, PERIOD_LOCKED through exception.c); never renders or sends anything. */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "journal_int.h"
#include "ledger.h"

#define COGS_SKU_MAX 128

struct cost {
    char sku[COGS_SKU_MAX], from[11];
    int64_t minor;
};

enum { K_SOLD, K_BACK, K_WRITEOFF };
static const char *const kind_name[] = { "sold", "back", "writeoff" };

/* Identical entries, count of them: one order item sold (K_SOLD) or put back (K_BACK); or
 * one inventory ledger SKU and day's units written off (K_WRITEOFF: gone less found, may be
 * negative). origin: the month it is booked in unless that month's journal is frozen; home:
 * the line's own month; source: the settlement id, or "inventory". Order items of the same
 * SKU, settlement, day and units are one group (count of them), so memory follows the SKUs
 * and days, not the order items (a 4M-line month has hundreds of thousands); the SKU and
 * source are interned texts (cogs_ctx.texts). Every use treats a group as count entries in a
 * row, so the sums, the cover and the input hash are what one entry per item gave. */
struct unit_entry {
    const char *sku, *source;                          /* into cogs_ctx.texts, NUL-ended */
    char date[11], cost_date[11];                      /* cost_date: whose cost applies */
    char origin[8], home[8];
    int64_t units, gone, found, count;
    int back, kind;
};

/* One settlement's sales journal part month (journal table), sorted by ref then month. */
struct part_ref {
    int64_t ref;
    char month[8];
};

/* Units a journal other than the one being built already holds (cogs_cover), same key as
 * unit_entry; left: what is still to subtract from the entries. */
struct cover {
    char origin[8], home[8], source[64], sku[COGS_SKU_MAX], cost_date[11];
    int kind;
    int64_t left;
};

struct cogs_ctx {
    struct ledger *lg;
    const struct config *cfg;
    struct tz *zone;
    struct cost *costs;
    size_t n_costs;
    char (*tracked)[COGS_SKU_MAX];
    size_t n_tracked;
    struct unit_entry *u;
    size_t n, cap;
    struct keytab groups;      /* entry key -> index in u, while loading */
    struct keytab texts;       /* interned SKUs and sources, with their NUL */
    struct part_ref *parts;
    size_t n_parts;
    struct cover *covers;
    size_t n_covers;
    char (*legacy)[8];         /* journals from before sql/015: hold all of their month */
    size_t n_legacy;
    char month[8];
    char first[8];             /* the first month whose units may land in month */
    int q_aside;               /* temp.cogs_q holds PUT_BACK's q (journal_cogs_aside.c) */
};

/* One SKU's total for the month. */
struct sku_total {
    char sku[COGS_SKU_MAX];
    int64_t sold, back, amount, unit_cost, missing;
    int64_t gone, found;       /* write-off pass: lost, damaged, disposed / found units */
    int mixed;                 /* several unit costs applied */
};

/* One MISSING_COST the month raises. */
struct miss {
    char sku[COGS_SKU_MAX], expl[512];
};

/* The key cogs_cover records units under: SKU, kind, origin, home, source, cost date. */
static int cmp_key(const char *sku, int kind, const char *origin, const char *home,
                   const char *source, const char *cost_date, const char *sku2, int kind2,
                   const char *origin2, const char *home2, const char *source2,
                   const char *cost_date2)
{
    int c = strcmp(sku, sku2);
    if (!c)
        c = kind - kind2;
    if (!c)
        c = strcmp(origin, origin2);
    if (!c)
        c = strcmp(home, home2);
    if (!c)
        c = strcmp(source, source2);
    return c ? c : strcmp(cost_date, cost_date2);
}

/* Entries by key, then day and units: a total order, so the input hash is deterministic. */
static int cmp_entry(const void *a, const void *b)
{
    const struct unit_entry *x = a, *y = b;
    int c = cmp_key(x->sku, x->kind, x->origin, x->home, x->source, x->cost_date, y->sku,
                    y->kind, y->origin, y->home, y->source, y->cost_date);
    if (!c)
        c = strcmp(x->date, y->date);
    return c ? c : (x->units > y->units) - (x->units < y->units);
}

static int cmp_cover(const void *a, const void *b)
{
    const struct cover *x = a, *y = b;
    return cmp_key(x->sku, x->kind, x->origin, x->home, x->source, x->cost_date, y->sku,
                   y->kind, y->origin, y->home, y->source, y->cost_date);
}

static int load_costs(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    if (ledger_prepare(c->lg, &st, "SELECT sku, effective_from, unit_cost_minor FROM unit_cost "
                       "WHERE currency = ? AND length(sku) < 128 ORDER BY sku, effective_from",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->cfg->base_currency, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n_costs == cap) {
            struct cost *p = realloc(c->costs, (cap = cap ? cap * 2 : 64) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            c->costs = p;
        }
        struct cost *k = &c->costs[c->n_costs++];
        snprintf(k->sku, sizeof k->sku, "%s", ledger_text(st, 0));
        snprintf(k->from, sizeof k->from, "%s", ledger_text(st, 1));
        k->minor = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return ledger_fail(c->lg, e, "read unit costs");
    /* SQLite's ORDER BY uses the same byte order as strcmp (BINARY collation) */
    return 0;
}

/* The cost of sku on day (latest effective_from on or before it); 0 found, 1 none. */
static int cost_at(const struct cogs_ctx *c, const char *sku, const char *day, int64_t *out)
{
    size_t lo = 0, hi = c->n_costs;
    int found = 0;
    while (lo < hi) {           /* first cost of sku, or past it */
        size_t mid = (lo + hi) / 2;
        if (strcmp(c->costs[mid].sku, sku) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->n_costs && !strcmp(c->costs[lo].sku, sku); lo++) {
        if (strcmp(c->costs[lo].from, day) > 0)
            break;
        *out = c->costs[lo].minor;
        found = 1;
    }
    return found ? 0 : 1;
}

static int load_tracked(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    /* preflight caches Xero Items; detail starts with "tracked" for IsTrackedAsInventory */
    if (ledger_prepare(c->lg, &st, "SELECT key FROM xero_ref WHERE kind = 'item' AND detail "
                       "LIKE 'tracked%' ORDER BY key", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n_tracked == cap) {
            char (*p)[COGS_SKU_MAX] = realloc(c->tracked, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            c->tracked = p;
        }
        snprintf(c->tracked[c->n_tracked++], COGS_SKU_MAX, "%s", ledger_text(st, 0));
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "read Xero items");
}

static int is_tracked(const struct cogs_ctx *c, const char *sku)
{
    char code[TEXT_ITEM_CODE_MAX];
    text_item_code(sku, code);
    for (size_t i = 0; i < c->n_tracked; i++)
        if (!strcmp(c->tracked[i], code))
            return 1;
    return 0;
}

/* The month the sales journals booked a line of settlement ref in: the first part at or
 * after its own month (journal_view.c's follow_parts: no part lies between a locked month and
 * the next open one), its own month when the settlement has no journal. */
static void part_month(const struct cogs_ctx *c, int64_t ref, const char *home, char out[8])
{
    size_t lo = 0, hi = c->n_parts;
    const char *last = NULL;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->parts[mid].ref < ref)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < c->n_parts && c->parts[lo].ref == ref; lo++) {
        last = c->parts[lo].month;
        if (strcmp(last, home) >= 0) {
            snprintf(out, 8, "%s", last);
            return;
        }
    }
    snprintf(out, 8, "%s", last ? last : home);
}

/* The interned copy of text cut to cap - 1 bytes (as the fixed fields it replaces cut it). */
static int intern(struct cogs_ctx *c, const char *text, size_t cap, const char **out,
                  struct err *e)
{
    char cut[COGS_SKU_MAX];
    size_t idx;
    int created;
    snprintf(cut, cap < sizeof cut ? cap : sizeof cut, "%s", text);
    if (keytab_index(&c->texts, cut, strlen(cut) + 1, &idx, &created, e) < 0)
        return -1;
    *out = c->texts.keys[idx].bytes;
    return 0;
}

/* Adds count entries like *x (sku, source: any texts; x's count ignored): a new group, or
 * count more of an equal group. */
static int put_entry(struct cogs_ctx *c, const struct unit_entry *x, int64_t count,
                     struct err *e)
{
    struct unit_entry k;
    size_t idx;
    int created;
    memcpy(&k, x, sizeof k);    /* the key is the struct's bytes: x is zeroed, then set */
    k.count = 0;
    if (intern(c, x->sku, COGS_SKU_MAX, &k.sku, e) < 0 ||
        intern(c, x->source, 64, &k.source, e) < 0 ||
        keytab_index(&c->groups, &k, sizeof k, &idx, &created, e) < 0)
        return -1;
    if (!created) {
        c->u[idx].count += count;
        return 0;
    }
    if (c->n == c->cap) {
        struct unit_entry *p = realloc(c->u, (c->cap = c->cap ? c->cap * 2 : 256) * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        c->u = p;
    }
    k.count = count;
    c->u[c->n++] = k;
    return 0;
}

/* count order items sold (back 0) or put back, each of sku, units, settlement ref and id,
 * on the local date date; for a put-back cost_date is the order line's date (NULL: date). */
static int add_dated(struct cogs_ctx *c, const char *sku, const char *date,
                     const char *cost_date, int64_t units, int64_t ref, const char *sid,
                     int back, int64_t count, struct err *e)
{
    char home[8] = "", origin[8] = "";
    struct unit_entry x;
    if (units <= 0)
        return 0;
    memset(&x, 0, sizeof x);
    snprintf(x.date, sizeof x.date, "%s", date);
    snprintf(home, sizeof home, "%.7s", x.date);
    part_month(c, ref, home, origin);
    if (strcmp(origin, c->first) < 0 || strcmp(origin, c->month) > 0)
        return 0;
    snprintf(x.cost_date, sizeof x.cost_date, "%s", cost_date ? cost_date : x.date);
    memcpy(x.origin, origin, sizeof origin);
    memcpy(x.home, home, sizeof home);
    x.sku = sku;
    x.source = sid;
    x.units = units;
    x.back = back;
    x.kind = back ? K_BACK : K_SOLD;
    return put_entry(c, &x, count, e);
}

/* One order item sold (back 0) or put back: its SKU, first posted time, settlement end,
 * units, settlement ref and id; for a put-back the order line's posted time and settlement
 * end (opost NULL: the ledger lacks the order line). */
static int add_item(struct cogs_ctx *c, const char *sku, const char *posted, const char *end,
                    int64_t units, int64_t ref, const char *sid, int back, const char *opost,
                    const char *oend, struct err *e)
{
    char endl[11], date[11], cost_date[11];
    if (units <= 0)
        return 0;
    tz_local_date(c->zone, end, end, endl);
    tz_local_date(c->zone, posted, endl, date);
    if (back && opost) {
        char oendl[11];
        tz_local_date(c->zone, oend, oend, oendl);
        tz_local_date(c->zone, opost, oendl, cost_date);
    }
    return add_dated(c, sku, date, back && opost ? cost_date : NULL, units, ref, sid, back, 1,
                     e);
}

/* One row of SOLD (ref, settlement id in columns 4, 5) or PUT_BACK (the order line's posted
 * date and settlement end in 4, 5; ref, id in 6, 7). */
static int add_entry(struct cogs_ctx *c, sqlite3_stmt *st, int back, struct err *e)
{
    int rcol = back ? 6 : 4;
    int has_order = back && sqlite3_column_type(st, 4) != SQLITE_NULL;
    return add_item(c, ledger_text(st, 0), ledger_text(st, 1), ledger_text(st, 2),
                    sqlite3_column_int64(st, 3), sqlite3_column_int64(st, rcol),
                    ledger_text(st, rcol + 1), back, has_order ? ledger_text(st, 4) : NULL,
                    has_order ? ledger_text(st, 5) : NULL, e);
}

/* Lines within a day of the months first (?2) .. month (?1) either side, the zone then
 * decides the month exactly; and every earlier line of a settlement whose sales journal has
 * a part in those months (a line moved there out of a locked month; never a later one: a
 * line is booked in its own month or after it). */
#define COGS_WINDOW                                                                         \
    "COALESCE(l.posted, s.end_utc) < date(?1 || '-01', '+1 month', '+1 day') AND "          \
    "(COALESCE(l.posted, s.end_utc) >= date(?2 || '-01', '-1 day') OR "                    \
    "s.id IN (SELECT j.settlement_ref FROM journal j WHERE j.month BETWEEN ?2 AND ?1))"

/* Units sold: Order lines, and Liquidations (units Amazon sold off to a liquidator leave
 * inventory like any sale: their quantity counts in the month they post, never put back),
 * one quantity per order item (Liquidations: per merchant order id, which names the
 * liquidation). */
static const char SOLD[] =
    "SELECT l.sku, MIN(COALESCE(l.posted, '')), s.end_utc, COALESCE(MAX(l.quantity), 0), "
    "s.id, s.settlement_id FROM settlement_line l JOIN settlement s ON s.id = l.settlement_ref "
    "WHERE l.transaction_type IN ('Order', 'Liquidations') AND COALESCE(l.sku, '') != '' AND "
    "(" COGS_WINDOW ") GROUP BY l.settlement_ref, l.transaction_type, COALESCE(l.order_id, "
    "l.merchant_order_id), l.order_item_code, l.sku";

/* A refunded order item puts back round(refund principal / order principal per unit) units,
 * at most its order line's quantity (a partial refund is a price adjustment, not a return of
 * every unit), valued at the cost in force on the order line's posted date; one unit at the
 * refund date's cost when the ledger lacks the order line. Integer rounding, half up. */
#define PUT_BACK_WITH(q_cte)                                                                \
    "WITH r AS (SELECT l.order_id AS oid, l.order_item_code AS item, MAX(l.sku) AS sku, "    \
    "MIN(COALESCE(l.posted, '')) AS p, MAX(s.end_utc) AS e, MAX(s.id) AS ref, MAX(s.settlement_id) " \
    "AS sid, -SUM(CASE WHEN l.amount_type = "                                                \
    "'ItemPrice' AND l.amount_description = 'Principal' THEN l.amount_minor ELSE 0 END) AS rp " \
    "FROM " RARE_LINES("l", "refund") " JOIN settlement s ON s.id = l.settlement_ref WHERE " \
    "(" COGS_WINDOW ") GROUP BY 1, 2), "                                                     \
    q_cte " SELECT r.sku, r.p, r.e, " JOURNAL_PUT_BACK_UNITS ", "                            \
    "coalesce(q.p, r.p), coalesce(q.e, r.e), r.ref, r.sid FROM " JOURNAL_PUT_BACK_JOIN " "   \
    "WHERE COALESCE(r.sku, '') != ''"
static const char PUT_BACK[] = PUT_BACK_WITH(JOURNAL_ORDER_ITEMS_CTE);
/* The same with q as read aside (journal_cogs_aside.c): its scan of the order lines done. */
static const char PUT_BACK_ASIDE[] = PUT_BACK_WITH("q AS (SELECT * FROM temp.cogs_q)");

/* Units written off per SKU and day of the inventory ledger (sql/009's inventory_month: the
 * monthly rows, or the daily ones): Lost, Damaged and Disposed less Found, summed with their
 * signs over every disposition and Location, so a unit Amazon moves from SELLABLE to a
 * damaged disposition (-1 here, +1 there) is written off once, when it is disposed of. A
 * monthly row is valued at the cost in force on the month's last day. */
static const char WRITTEN_OFF[] =
    "SELECT msku, CASE WHEN day = '' THEN date(month || '-01', '+1 month', '-1 day') ELSE day "
    "END, -sum(lost + damaged + disposed), sum(found), month FROM inventory_month WHERE month "
    "BETWEEN ?2 AND ?1 AND msku != '' AND length(msku) < 128 GROUP BY 1, 2 ORDER BY 1, 2";

static int load_writeoff(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(c->lg, &st, WRITTEN_OFF, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->first, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t gone = sqlite3_column_int64(st, 2), found = sqlite3_column_int64(st, 3);
        struct unit_entry x;
        if (gone == found)
            continue;
        memset(&x, 0, sizeof x);
        x.sku = ledger_text(st, 0);
        snprintf(x.date, sizeof x.date, "%s", ledger_text(st, 1));
        snprintf(x.cost_date, sizeof x.cost_date, "%s", x.date);
        snprintf(x.origin, sizeof x.origin, "%s", ledger_text(st, 4));
        snprintf(x.home, sizeof x.home, "%s", x.origin);
        x.source = "inventory";
        x.kind = K_WRITEOFF;
        x.gone = gone;
        x.found = found;
        x.units = gone - found;
        rc = put_entry(c, &x, 1, e);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(c->lg, e, "read units written off");
    return rc;
}

static int load_units(struct cogs_ctx *c, const char *sql, int back, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(c->lg, &st, sql, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->first, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = add_entry(c, st, back, e);
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(c->lg, e, "read units sold");
    return rc;
}

/* ---- units sold in one pass ------------------------------------------------------------
 * What SOLD's GROUP BY does (a sort of every order line in the window, most of the cost of
 * goods' time) without the sort: a settlement lists an order item's lines together, so the
 * lines read in table order form runs, one run per order item, each folded as it ends (its
 * first posted time, its largest quantity). Memory stays flat but for one 64-bit fingerprint
 * per order item, which proves no item came in two runs; when one did (or two fingerprints
 * collide, or a quantity is not an integer) the month is read again through SOLD, so the
 * entries are always exactly SOLD's. */
static const char SOLD_LINES[] =
    "SELECT l.settlement_ref, l.transaction_type, COALESCE(l.order_id, l.merchant_order_id), "
    "l.order_item_code, l.sku, COALESCE(l.posted, ''), l.quantity, s.end_utc, s.settlement_id "
    "FROM settlement_line l JOIN settlement s ON s.id = l.settlement_ref WHERE "
    "l.transaction_type IN ('Order', 'Liquidations') AND COALESCE(l.sku, '') != '' AND "
    "(" COGS_WINDOW ")";

struct sold_run {
    char *key, *posted, *sku, *end, *sid;      /* key: the GROUP BY columns, NULLs tagged */
    char *next;                                /* the line being read's key */
    size_t key_len, key_cap, next_len, next_cap;
    int64_t ref, qty;
    int has_qty, open;
    struct journal_seen seen;                  /* fingerprints of ended runs */
};

static void sold_run_free(struct sold_run *r)
{
    free(r->key);
    free(r->next);
    free(r->posted);
    free(r->sku);
    free(r->end);
    free(r->sid);
    free(r->seen.v);
}

/* Columns 0-4 of a SOLD_LINES row as one byte string: each a tag (NULL or text) and its
 * bytes with their NUL, so equal strings are equal GROUP BY keys. */
static int run_key(struct sold_run *r, sqlite3_stmt *st, struct err *e)
{
    char **out = &r->next;
    size_t *len = &r->next_len;
    size_t n = 8 + 5;
    for (int k = 1; k < 5; k++)
        n += (size_t)sqlite3_column_bytes(st, k) + 1;
    if (n > r->next_cap) {
        char *p = realloc(*out, n);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        *out = p;
        r->next_cap = n;
    }
    int64_t ref = sqlite3_column_int64(st, 0);
    memcpy(*out, &ref, 8);
    *len = 8;
    for (int k = 1; k < 5; k++) {
        const char *t = (const char *)sqlite3_column_text(st, k);
        size_t b = (size_t)sqlite3_column_bytes(st, k);
        (*out)[(*len)++] = t ? 'T' : 'N';
        if (t)
            memcpy(*out + *len, t, b);
        *len += t ? b : 0;
        (*out)[(*len)++] = '\0';
    }
    return 0;
}

int journal_seen_add(struct journal_seen *s, const void *key, size_t len, struct err *e)
{
    const unsigned char *k = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ k[i]) * 0x100000001b3ULL;
    h = h ? h : 1;
    /* filled to three quarters: at 4M lines the set sits beside reconcile's peak (aside) */
    if ((s->n + 1) * 4 > s->cap * 3) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) {
                size_t j = (size_t)s->v[i] & (cap - 1);
                while (v[j])
                    j = (j + 1) & (cap - 1);
                v[j] = s->v[i];
            }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t j = (size_t)h & (s->cap - 1);
    for (; s->v[j]; j = (j + 1) & (s->cap - 1))
        if (s->v[j] == h)
            return 1;
    s->v[j] = h;
    s->n++;
    return 0;
}

static int set_text(char **dst, const char *src, struct err *e)
{
    char *p = strdup(src ? src : "");
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    free(*dst);
    *dst = p;
    return 0;
}

/* Ends the open run: one order item sold. 1 when it was seen before. */
static int run_end(struct cogs_ctx *c, struct sold_run *r, struct err *e)
{
    int seen;
    if (!r->open)
        return 0;
    r->open = 0;
    if ((seen = journal_seen_add(&r->seen, r->key, r->key_len, e)) != 0)
        return seen;
    return add_item(c, r->sku, r->posted, r->end, r->has_qty ? r->qty : 0, r->ref, r->sid, 0,
                    NULL, NULL, e);
}

/* One line into the runs: 0 done, 1 give up (a run seen before, an odd quantity), -1 error. */
static int run_line(struct cogs_ctx *c, struct sold_run *r, sqlite3_stmt *st, struct err *e)
{
    int rc, qt = sqlite3_column_type(st, 6);
    const char *posted = ledger_text(st, 5);
    if (qt != SQLITE_NULL && qt != SQLITE_INTEGER)
        return 1;
    if (run_key(r, st, e) < 0)
        return -1;
    if (!r->open || r->next_len != r->key_len || memcmp(r->next, r->key, r->key_len) != 0) {
        char *swap = r->key;
        size_t cap = r->key_cap;
        if ((rc = run_end(c, r, e)) != 0)
            return rc;
        /* the new run's key; the old buffer takes the next line's */
        r->key = r->next;
        r->key_cap = r->next_cap;
        r->key_len = r->next_len;
        r->next = swap;
        r->next_cap = cap;
        if (set_text(&r->posted, posted, e) < 0 || set_text(&r->sku, ledger_text(st, 4), e) < 0 ||
            set_text(&r->end, ledger_text(st, 7), e) < 0 ||
            set_text(&r->sid, ledger_text(st, 8), e) < 0)
            return -1;
        r->ref = sqlite3_column_int64(st, 0);
        r->has_qty = 0;
        r->open = 1;
    } else if (strcmp(posted, r->posted) < 0 && set_text(&r->posted, posted, e) < 0) {
        return -1;
    }
    if (qt == SQLITE_INTEGER) {
        int64_t q = sqlite3_column_int64(st, 6);
        if (!r->has_qty || q > r->qty)
            r->qty = q;
        r->has_qty = 1;
    }
    return 0;
}

/* Order items sold as read aside (journal_cogs_aside.c). */
static int sold_aside(void *arg, const char *sku, const char *sid, int64_t ref,
                      const char *date, int64_t units, int64_t count, struct err *e)
{
    return add_dated(arg, sku, date, NULL, units, ref, sid, 0, count, e);
}

/* The units sold of origins c->first..c->month: as read aside during reconcile, by runs, or
 * through SOLD when the runs do not hold. */
static int load_sold(struct cogs_ctx *c, struct err *e)
{
    struct sold_run r;
    sqlite3_stmt *st;
    int q = 0, s = SQLITE_DONE, rc = journal_cogs_sold_aside(c->lg, c->month, c->first,
                                                             sold_aside, c, &q, e);
    c->q_aside |= q;          /* for every month of this run: it holds all refunded orders */
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    memset(&r, 0, sizeof r);
    if (ledger_prepare(c->lg, &st, SOLD_LINES, e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->first, -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = run_line(c, &r, st, e);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(c->lg, e, "read units sold");
    sqlite3_finalize(st);
    if (rc == 0)
        rc = run_end(c, &r, e);
    sold_run_free(&r);
    if (rc <= 0)
        return rc;
    log_verbose("cost of goods %s: an order item's lines are not together: units sold "
                "grouped by SQL", c->month);
    c->n = 0;
    keytab_free(&c->groups);
    return load_units(c, SOLD, 0, e);
}

/* Folds the sorted entries of one pass (units sold and put back, or with writeoff the units
 * written off) into per-SKU totals (caller frees *out). */
static int totals(struct cogs_ctx *c, int writeoff, struct sku_total **out, size_t *n,
                  int64_t *tracked, struct err *e)
{
    struct sku_total *t = calloc(c->n ? c->n : 1, sizeof *t);
    *n = 0;
    *tracked = 0;
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (c->n)
        qsort(c->u, c->n, sizeof *c->u, cmp_entry);
    for (size_t i = 0; i < c->n; i++) {
        const struct unit_entry *x = &c->u[i];
        struct sku_total *k = *n ? &t[*n - 1] : NULL;
        int64_t cost = 0, v;
        if ((x->kind == K_WRITEOFF) != writeoff || x->units == 0)
            continue;
        if (!k || strcmp(k->sku, x->sku)) {
            if (is_tracked(c, x->sku)) {
                if (!k || strcmp(k->sku, x->sku))
                    (*tracked)++;
                while (i + 1 < c->n && !strcmp(c->u[i + 1].sku, x->sku))
                    i++;
                continue;
            }
            k = &t[(*n)++];
            snprintf(k->sku, sizeof k->sku, "%s", x->sku);
            k->unit_cost = -1;
        }
        *(x->back ? &k->back : &k->sold) += x->units * x->count;
        k->gone += x->gone * x->count;
        k->found += x->found * x->count;
        if (cost_at(c, x->sku, x->cost_date, &cost)) {
            k->missing += x->back ? 0 : x->units * x->count;
            continue;
        }
        if (k->unit_cost >= 0 && k->unit_cost != cost)
            k->mixed = 1;
        k->unit_cost = cost;
        /* entry by entry, so an overflow is caught where it happened before */
        for (int64_t r = 0; r < x->count; r++)
            if (__builtin_mul_overflow(cost, x->units, &v) ||
                __builtin_add_overflow(k->amount, x->back ? -v : v, &k->amount)) {
                free(t);
                return err_set(e, ERR_INPUT, "cost of goods of SKU %s in %s overflows 64-bit "
                               "minor units: check its unit cost", x->sku, c->month);
            }
    }
    *out = t;
    return 0;
}

/* The MISSING_COST rows of t (sold units, or with writeoff the units written off): appended
 * to *m (capacity enough for every SKU of both passes). */
static void missing_of(const struct cogs_ctx *c, const struct sku_total *t, size_t n,
                       int writeoff, struct miss *m, size_t *nm)
{
    for (size_t i = 0; i < n; i++) {
        struct miss *x = &m[*nm];
        if (!t[i].missing)
            continue;
        snprintf(x->sku, sizeof x->sku, "%s", t[i].sku);
        if (writeoff)
            snprintf(x->expl, sizeof x->expl, "%s: SKU %s wrote off %lld unit(s) (lost, damaged "
                     "or disposed, less found, in the FBA Inventory Ledger) with no unit cost "
                     "in force; the cost-of-goods journal of %s is held back", c->month,
                     t[i].sku, (long long)t[i].missing, c->month);
        else
            snprintf(x->expl, sizeof x->expl, "%s: SKU %s sold %lld unit(s) with no unit cost "
                     "in force; the cost-of-goods journal of %s is held back", c->month,
                     t[i].sku, (long long)t[i].missing, c->month);
        (*nm)++;
    }
}

static const char MISSING_ACTION[] =
    "Add the SKU's cost to your unit-cost CSV (sku,unit_cost,currency,effective_from, dated on "
    "or before its first sale) and ingest it, then run post again.";
static const char MOVED_ACTION[] =
    "Nothing to do: like the sales moved out of a locked month, these units are booked in "
    "the next month's cost-of-goods journal. Post that month.";

/* The month's rows of kind (MISSING_COST, PERIOD_LOCKED), brought to the fresh set m: only
 * what changed is written. */
static int rows_sync(struct cogs_ctx *c, const char *kind, const char *severity,
                     const char *action, const struct miss *m, size_t nm, struct err *e)
{
    sqlite3_stmt *st;
    char like[16];
    int rc = 0, s;
    snprintf(like, sizeof like, "%s:%%", c->month);
    /* stale rows: a SKU that now has its cost, or other units */
    if (ledger_prepare(c->lg, &st, "SELECT explanation FROM exception WHERE scope = 'cogs' AND "
                       "kind = ?2 AND explanation LIKE ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, like, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    while (rc == 0 && (s = ledger_step_row(c->lg, st, "read cost-of-goods exceptions", e)) != 0) {
        const char *old;
        if (s < 0) {
            rc = -1;
            break;
        }
        old = ledger_text(st, 0);
        int keep = 0;
        for (size_t i = 0; i < nm && !keep; i++)
            keep = !strcmp(m[i].expl, old);
        if (!keep) {
            char *copy = strdup(old);
            if (!copy)
                rc = err_set(e, ERR_NOMEM, "out of memory");
            else
                rc = exception_clear(c->lg, "cogs", kind, NULL, copy, e);
            free(copy);
        }
    }
    sqlite3_finalize(st);
    if (rc < 0 || ledger_prepare(c->lg, &st, "SELECT 1 FROM exception WHERE scope = 'cogs' AND "
                                 "kind = ?2 AND explanation = ?1", e) < 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < nm; i++) {
        struct exception_row x = { .kind = kind, .severity = severity,
                                   .sku = m[i].sku[0] ? m[i].sku : NULL,
                                   .currency = c->cfg->base_currency,
                                   .month = c->month,
                                   .explanation = m[i].expl,
                                   .action = action };
        sqlite3_bind_text(st, 1, m[i].expl, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        int exists = ledger_step_row(c->lg, st, "read cost-of-goods exceptions", e);
        sqlite3_reset(st);
        if (exists < 0)
            rc = -1;
        else if (!exists)
            rc = exception_add(c->lg, "cogs", &x, e);
    }
    sqlite3_finalize(st);
    return rc;
}

static void line_desc(const struct sku_total *k, int writeoff, int exp, char *out, size_t cap)
{
    char at[MONEY_FMT_MAX + 8] = "the costs in force";
    if (!k->mixed) {
        char amt[MONEY_FMT_MAX];
        snprintf(at, sizeof at, "%s", money_format(amt, k->unit_cost, exp));
    }
    if (writeoff)
        snprintf(out, cap, "%s: %lld lost, damaged or disposed, %lld found, written off at %s",
                 k->sku, (long long)k->gone, (long long)k->found, at);
    else
        snprintf(out, cap, "%s: %lld sold, %lld returned to stock, at %s", k->sku,
                 (long long)k->sold, (long long)k->back, at);
}

/* Appends the line pairs of t to l[*nl..]: per SKU a debit to cogs (with writeoff, to
 * inventory_writeoff) and a credit to inventory, or, grouped, one pair in total. l holds
 * 2 * n + 2 more lines. *sum gets the debits. */
static int make_lines(const struct cogs_ctx *c, const struct sku_total *t, size_t n,
                      int writeoff, struct cogs_view_line *l, size_t *nl, int64_t *sum,
                      struct err *e)
{
    const struct config *cfg = c->cfg;
    int exp = money_exponent(cfg->base_currency);
    int debit = writeoff ? ACCT_INVENTORY_WRITEOFF : ACCT_COGS;
    int64_t units = 0;
    *sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sku_total *k = &t[i];
        if (k->missing || k->amount == 0)
            continue;
        if (__builtin_add_overflow(*sum, k->amount, sum) ||
            __builtin_add_overflow(units, k->sold - k->back, &units))
            return err_set(e, ERR_INPUT, "cost of goods of %s overflows", c->month);
        if (!cfg->cogs.group_by_sku)
            continue;
        for (int side = 0; side < 2; side++) {
            struct cogs_view_line *x = &l[(*nl)++];
            snprintf(x->sku, sizeof x->sku, "%s", k->sku);
            snprintf(x->code, sizeof x->code, "%s", cfg->accounts[side ? ACCT_INVENTORY
                                                                       : debit]);
            x->units = k->sold - k->back;
            x->unit_cost = k->mixed ? 0 : k->unit_cost;
            x->amount = side ? k->amount : -k->amount;
            x->writeoff = writeoff;
            line_desc(k, writeoff, exp, x->description, sizeof x->description);
        }
    }
    if (!cfg->cogs.group_by_sku && *sum != 0)
        for (int side = 0; side < 2; side++) {
            struct cogs_view_line *x = &l[(*nl)++];
            snprintf(x->code, sizeof x->code, "%s", cfg->accounts[side ? ACCT_INVENTORY
                                                                       : debit]);
            x->units = units;
            x->amount = side ? *sum : -*sum;
            x->writeoff = writeoff;
            snprintf(x->description, sizeof x->description, writeoff ?
                     "Amazon units lost, damaged or disposed less found, %s, written off at "
                     "unit cost" : "Amazon units sold less returned to stock, %s, at unit cost",
                     c->month);
        }
    return 0;
}

/* Last day of month "YYYY-MM" into out[11]. */
static void last_day(const char *month, char out[11])
{
    int y = atoi(month), m = atoi(month + 5), yy, mm, dd;
    dates_civil(dates_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1, &yy, &mm, &dd);
    snprintf(out, 11, "%04d-%02d-%02d", yy, mm, dd);
}

/* Hands what w holds so far to h and empties it: the text is hashed as it is written, never
 * held whole (one entry per order item: tens of MB on a 4M-line month). */
static void hash_flush(struct jw *w, struct hash_ctx *h)
{
    if (w->len)
        hash_update(h, w->buf, w->len);
    w->len = 0;
}

/* The SHA-256 of the JSON array [currency, blocked, the lines' fields..., the entries'
 * fields...], each group of entries written count times: the bytes one entry per item gave. */
static int input_hash(const struct cogs_ctx *c, const struct cogs_view_line *l, size_t n,
                      const char *blocked, char out[HASH_HEX_LEN], struct err *e)
{
    struct jw w;
    struct hash_ctx *h;
    if (hash_new(&h, e) < 0)
        return -1;
    jw_init(&w, 0);
    jw_arr(&w);
    jw_str(&w, c->cfg->base_currency);
    jw_str(&w, blocked);
    for (size_t i = 0; i < n; i++) {
        jw_str(&w, l[i].sku);
        jw_str(&w, l[i].code);
        jw_str(&w, l[i].description);
        jw_int(&w, l[i].units);
        jw_int(&w, l[i].unit_cost);
        jw_int(&w, l[i].amount);
        if (l[i].writeoff)
            jw_str(&w, "writeoff");
    }
    /* and the units it covers (sorted by totals()): the same lines from other months'
     * units must rewrite cogs_cover */
    for (size_t i = 0; i < c->n; i++) {
        const struct unit_entry *x = &c->u[i];
        if (!x->units)
            continue;
        for (int64_t r = 0; r < x->count; r++) {
            jw_str(&w, x->sku);
            jw_str(&w, kind_name[x->kind]);
            jw_str(&w, x->origin);
            jw_str(&w, x->home);
            jw_str(&w, x->source);
            jw_str(&w, x->cost_date);
            jw_int(&w, x->units);
            if (w.len >= 65536)
                hash_flush(&w, h);
        }
    }
    jw_end_arr(&w);
    if (w.oom) {
        jw_free(&w);
        hash_free(h);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    hash_flush(&w, h);
    hash_final(h, out);
    jw_free(&w);
    return 0;
}

/* What month's journal is now: 0 absent, 1 same input, 2 may be rebuilt, 3 frozen. */
static int existing(struct cogs_ctx *c, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    char sid[16];
    int state, locked;
    snprintf(sid, sizeof sid, COGS_SID_PREFIX "%s", c->month);
    if (ledger_prepare(c->lg, &st, "SELECT input_sha256 = ?2, (SELECT COUNT(*) FROM "
                       "outbox_posted o WHERE o.settlement_id = ?3) FROM cogs_journal WHERE "
                       "month = ?1", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
    state = sqlite3_step(st) != SQLITE_ROW ? 0 : sqlite3_column_int(st, 0) ? 1
            : sqlite3_column_int(st, 1) ? 3 : 2;
    sqlite3_finalize(st);
    if (state == 1)
        return 1;
    locked = period_is_locked(c->lg, c->month, e);
    if (locked < 0)
        return -1;
    return locked ? 3 : state;
}

static int store(struct cogs_ctx *c, const struct cogs_view_line *l, size_t n, int64_t total,
                 const char *blocked, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    char date[11];
    int ok;
    last_day(c->month, date);
    if (ledger_prepare(c->lg, &st, "DELETE FROM cogs_journal WHERE month = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(c->lg, e, "replace cogs journal");
    if (n == 0 && !blocked[0])
        return 0;   /* nothing sold at a cost: no journal */
    if (ledger_prepare(c->lg, &st, "INSERT INTO cogs_journal(month, date, currency, total_minor,"
                       " line_count, input_sha256, blocked) VALUES (?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->cfg->base_currency, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, total);
    sqlite3_bind_int64(st, 5, (int64_t)n);
    sqlite3_bind_text(st, 6, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, blocked, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok || ledger_prepare(c->lg, &st, "INSERT INTO cogs_line(month, line_no, sku, "
                              "account_code, description, units, unit_cost_minor, amount_minor,"
                              " kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e) < 0)
        return ok ? -1 : ledger_fail(c->lg, e, "insert cogs journal");
    for (size_t i = 0; ok && i < n; i++) {
        sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t)i + 1);
        sqlite3_bind_text(st, 3, l[i].sku, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l[i].code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l[i].description, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, l[i].units);
        sqlite3_bind_int64(st, 7, l[i].unit_cost);
        sqlite3_bind_int64(st, 8, l[i].amount);
        sqlite3_bind_text(st, 9, l[i].writeoff ? "writeoff" : "sold", -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (!ok)
        return ledger_fail(c->lg, e, "insert cogs line");
    if (n == 0)
        return 0;   /* blocked with nothing booked yet: stays open */
    if (ledger_prepare(c->lg, &st, "UPDATE cogs_journal SET state = 'final' WHERE month = ?",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(c->lg, e, "finalise cogs journal (does it balance?)");
}

/* Every settlement's sales journal part months, once per run. */
static int load_parts(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    if (ledger_prepare(c->lg, &st, "SELECT DISTINCT settlement_ref, month FROM journal ORDER BY "
                       "1, 2", e) < 0)
        return -1;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (c->n_parts == cap) {
            struct part_ref *p = realloc(c->parts, (cap = cap ? cap * 2 : 256) * sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            c->parts = p;
        }
        c->parts[c->n_parts].ref = sqlite3_column_int64(st, 0);
        snprintf(c->parts[c->n_parts++].month, 8, "%s", ledger_text(st, 1));
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(c->lg, e, "read journal months");
}

/* Whether month's COGS journal is frozen: 1 locked, 2 already sent, 0 open, -1 error. */
static int month_frozen(struct cogs_ctx *c, const char *month, struct err *e)
{
    sqlite3_stmt *st;
    char sid[16];
    int locked = period_is_locked(c->lg, month, e), sent;
    if (locked)
        return locked;
    snprintf(sid, sizeof sid, COGS_SID_PREFIX "%s", month);
    if (ledger_prepare(c->lg, &st, "SELECT 1 FROM outbox_posted WHERE settlement_id = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
    sent = ledger_step_row(c->lg, st, "read whether the cost-of-goods journal was sent", e);
    sqlite3_finalize(st);
    return sent < 0 ? -1 : sent ? 2 : 0;
}

static void month_step(const char *month, int delta, char out[8])
{
    int y = atoi(month), m = atoi(month + 5) + delta;
    while (m < 1)
        m += 12, y--;
    while (m > 12)
        m -= 12, y++;
    snprintf(out, 8, "%04d-%02d", y % 10000, m);
}

/* c->first: the earliest of the frozen months right before c->month (their units not in
 * their own journals land here), c->month when the month before is open. */
static int chain_start(struct cogs_ctx *c, struct err *e)
{
    char m[8];
    snprintf(c->first, sizeof c->first, "%s", c->month);
    for (int guard = 0; guard < 1200; guard++) {
        int f;
        month_step(c->first, -1, m);
        if ((f = month_frozen(c, m, e)) < 0)
            return -1;
        if (!f)
            return 0;
        snprintf(c->first, sizeof c->first, "%s", m);
    }
    return 0;
}

int journal_cogs_first(struct ledger *lg, const char *month, char first[8], struct err *e)
{
    struct cogs_ctx c = { .lg = lg };
    snprintf(c.month, sizeof c.month, "%s", month);
    if (chain_start(&c, e) < 0)
        return -1;
    memcpy(first, c.first, sizeof c.first);
    return 0;
}

/* The first month after month whose COGS journal is open, into out. */
static int next_open(struct cogs_ctx *c, const char *month, char out[8], struct err *e)
{
    snprintf(out, 8, "%s", month);
    for (int guard = 0; guard < 1200; guard++) {
        int f;
        month_step(out, 1, out);
        if ((f = month_frozen(c, out, e)) <= 0)
            return f;
    }
    return err_set(e, ERR_INPUT, "no month after %s has an open cost-of-goods journal", month);
}

/* The units other journals (every month's but exclude's; only only's when given) already
 * hold of the origins first..month: cogs_cover rows of journals not held back, and the
 * months of journals stored before sql/015 (they hold every unit of their month). */
static int load_covers(struct cogs_ctx *c, const char *exclude, const char *only,
                       struct err *e)
{
    static const char COVERS[] =
        "SELECT c.origin, c.home, c.source, c.sku, c.kind, c.cost_date, sum(c.units) FROM "
        "cogs_cover c JOIN cogs_journal j ON j.month = c.month AND j.blocked = '' WHERE "
        "c.origin BETWEEN ?1 AND ?2 AND c.month != ?3 AND (?4 = '' OR c.month = ?4) "
        "GROUP BY 1, 2, 3, 4, 5, 6";
    static const char LEGACY[] =
        "SELECT j.month FROM cogs_journal j WHERE j.blocked = '' AND j.month BETWEEN ?1 AND ?2 "
        "AND j.month != ?3 AND (?4 = '' OR j.month = ?4) AND NOT EXISTS (SELECT 1 FROM "
        "cogs_cover c WHERE c.month = j.month) ORDER BY 1";
    sqlite3_stmt *st;
    size_t cap = 0;
    int s = SQLITE_DONE;
    c->n_covers = c->n_legacy = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (ledger_prepare(c->lg, &st, pass ? LEGACY : COVERS, e) < 0)
            return -1;
        sqlite3_bind_text(st, 1, c->first, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->month, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, exclude, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, only, -1, SQLITE_STATIC);
        if (pass)
            cap = 0;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            size_t *n = pass ? &c->n_legacy : &c->n_covers;
            if (*n == cap) {
                void *p = pass ? realloc(c->legacy, (cap = cap ? cap * 2 : 16) * 8)
                               : realloc(c->covers, (cap = cap ? cap * 2 : 64) *
                                                    sizeof *c->covers);
                if (!p) {
                    sqlite3_finalize(st);
                    return err_set(e, ERR_NOMEM, "out of memory");
                }
                *(pass ? (void **)&c->legacy : (void **)&c->covers) = p;
            }
            if (pass) {
                snprintf(c->legacy[(*n)++], 8, "%s", ledger_text(st, 0));
                continue;
            }
            struct cover *k = &c->covers[(*n)++];
            const char *kind = ledger_text(st, 4);
            snprintf(k->origin, sizeof k->origin, "%s", ledger_text(st, 0));
            snprintf(k->home, sizeof k->home, "%s", ledger_text(st, 1));
            snprintf(k->source, sizeof k->source, "%s", ledger_text(st, 2));
            snprintf(k->sku, sizeof k->sku, "%s", ledger_text(st, 3));
            k->kind = !strcmp(kind, "back") ? K_BACK : !strcmp(kind, "writeoff") ? K_WRITEOFF
                                                                                  : K_SOLD;
            snprintf(k->cost_date, sizeof k->cost_date, "%s", ledger_text(st, 5));
            k->left = sqlite3_column_int64(st, 6);
        }
        sqlite3_finalize(st);
        if (s != SQLITE_DONE)
            return ledger_fail(c->lg, e, "read cost-of-goods cover");
    }
    if (c->n_covers)
        qsort(c->covers, c->n_covers, sizeof *c->covers, cmp_cover);
    return 0;
}

/* Appends a group (count of x's entries, now with units) to out, which has room; a written-off
 * entry a cover touched has its gone and found from its units. */
static void emit(struct unit_entry *out, size_t *n, const struct unit_entry *x, int64_t count,
                 int64_t units, int touched)
{
    struct unit_entry *y;
    if (count <= 0)
        return;
    y = &out[(*n)++];
    *y = *x;
    y->count = count;
    y->units = units;
    if (touched && x->kind == K_WRITEOFF) {
        y->gone = units > 0 ? units : 0;
        y->found = units < 0 ? -units : 0;
    }
}

/* Takes the units other journals hold off the entries (sorted by key, like the covers), entry
 * by entry in that order: a group splits into the entries emptied, the one the cover left a
 * part of, and the ones it did not reach. */
static int apply_covers(struct cogs_ctx *c, struct err *e)
{
    size_t k = 0, n = 0;
    struct unit_entry *v;
    if (c->n)
        qsort(c->u, c->n, sizeof *c->u, cmp_entry);
    if (!c->n_covers && !c->n_legacy)
        return 0;
    /* each cover splits at most one group in three */
    if (!(v = malloc((c->n + 2 * c->n_covers + 1) * sizeof *v)))
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n; i++) {
        struct unit_entry *x = &c->u[i];
        int d = 1;
        for (size_t g = 0; g < c->n_legacy; g++)
            if (!strcmp(c->legacy[g], x->origin))
                x->units = x->gone = x->found = 0;
        while (k < c->n_covers && (d = cmp_key(c->covers[k].sku, c->covers[k].kind,
                                               c->covers[k].origin, c->covers[k].home,
                                               c->covers[k].source, c->covers[k].cost_date,
                                               x->sku, x->kind, x->origin, x->home, x->source,
                                               x->cost_date)) < 0)
            k++;
        if (d != 0 || !x->units) {
            v[n++] = *x;
            continue;
        }
        struct cover *cv = &c->covers[k];
        /* sold and put back: units never below 0, the entries emptied while the cover has as
         * many left; written off: the signed difference, all on the first entry */
        int64_t full = 0;
        if (x->kind != K_WRITEOFF && cv->left >= x->units) {
            full = cv->left / x->units;
            if (full > x->count)
                full = x->count;
            cv->left -= full * x->units;
        }
        emit(v, &n, x, full, 0, 1);
        if (full < x->count) {
            emit(v, &n, x, 1, x->units - cv->left, 1);
            cv->left = 0;
            emit(v, &n, x, x->count - full - 1, x->units, 0);
        }
    }
    free(c->u);
    c->u = v;
    c->cap = c->n + 2 * c->n_covers + 1;
    c->n = n;
    return 0;
}

/* Loads the units of origins c->first..c->month less what other journals hold. */
static int load_all(struct cogs_ctx *c, const char *exclude, const char *only, struct err *e)
{
    c->n = 0;
    keytab_free(&c->groups);
    if (load_sold(c, e) < 0 ||
        (c->cfg->cogs.refund_restock &&
         load_units(c, c->q_aside ? PUT_BACK_ASIDE : PUT_BACK, 1, e) < 0) ||
        load_writeoff(c, e) < 0 || load_covers(c, exclude, only, e) < 0)
        return -1;
    return apply_covers(c, e);
}

static int store_covers(struct cogs_ctx *c, struct err *e)
{
    sqlite3_stmt *st;
    int ok = 1;
    if (ledger_prepare(c->lg, &st, "INSERT INTO cogs_cover(month, origin, home, source, sku, "
                       "kind, cost_date, units) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO "
                       "UPDATE SET units = units + excluded.units", e) < 0)
        return -1;
    /* one row per key: the entries' units summed (the sort keeps a key's groups together) */
    for (size_t i = 0; ok && i < c->n;) {
        const struct unit_entry *x = &c->u[i];
        int64_t units = 0;
        size_t j = i;
        for (; j < c->n && !cmp_key(x->sku, x->kind, x->origin, x->home, x->source,
                                     x->cost_date, c->u[j].sku, c->u[j].kind, c->u[j].origin,
                                     c->u[j].home, c->u[j].source, c->u[j].cost_date); j++)
            units += c->u[j].units * c->u[j].count;
        i = j;
        if (!units || is_tracked(c, x->sku))   /* left to Xero: never booked here */
            continue;
        sqlite3_bind_text(st, 1, c->month, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, x->origin, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, x->home, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, x->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, x->sku, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, kind_name[x->kind], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, x->cost_date, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, units);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(c->lg, e, "record cost-of-goods cover");
}

/* A frozen month (1 locked, 2 sent): its journal stays as it is; the units of the month it
 * does not hold (sold, or written off by an inventory ledger that came later) go to the next
 * open month, and one PERIOD_LOCKED warning says how many and where. */
static int frozen_month(struct cogs_ctx *c, int why, struct cogs_summary *out, struct err *e)
{
    int64_t sold = 0, off = 0, value = 0, cost, v;
    struct miss m;
    char to[8], amt[MONEY_FMT_MAX];
    size_t nm = 0;
    snprintf(c->first, sizeof c->first, "%s", c->month);
    if (load_all(c, "", c->month, e) < 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        const struct unit_entry *x = &c->u[i];
        int64_t u = x->kind == K_BACK ? -x->units : x->units;
        if (!x->units || is_tracked(c, x->sku))
            continue;
        *(x->kind == K_WRITEOFF ? &off : &sold) += u * x->count;
        if (!cost_at(c, x->sku, x->cost_date, &cost) && !__builtin_mul_overflow(cost, u, &v))
            for (int64_t r = 0; r < x->count; r++)
                value += v;
    }
    memset(&m, 0, sizeof m);
    if (sold || off) {
        if (next_open(c, c->month, to, e) < 0)
            return -1;
        snprintf(m.expl, sizeof m.expl, "%s: the cost-of-goods journal COGS-%s is %s; %lld "
                 "unit(s) sold (less put back) and %lld written off in the month are not in "
                 "it (%s %s at cost): they are booked in the first month after it whose "
                 "journal is open, now %s, at the unit cost of their own dates", c->month,
                 c->month, why == 1 ? "locked" : "already sent", (long long)sold,
                 (long long)off, money_format(amt, value,
                                              money_exponent(c->cfg->base_currency)),
                 c->cfg->base_currency, to);
        nm = 1;
        out->frozen++;
    } else {
        out->unchanged++;
    }
    return rows_sync(c, "PERIOD_LOCKED", "warning", MOVED_ACTION, &m, nm, e);
}

static void blocked_text(const struct cogs_ctx *c, const struct miss *m, size_t nm,
                         char *out, size_t cap)
{
    int sold = 0, off = 0;
    for (size_t i = 0; i < nm; i++)
        *(strstr(m[i].expl, " wrote off ") ? &off : &sold) = 1;
    snprintf(out, cap, "MISSING_COST: %zu SKU(s) %s in %s have no unit cost", nm,
             sold && off ? "sold or written off" : off ? "written off" : "sold", c->month);
}

static int one_month(struct cogs_ctx *c, struct cogs_summary *out, struct err *e)
{
    struct sku_total *t = NULL, *w = NULL;
    struct cogs_view_line *l = NULL;
    struct miss *m = NULL;
    size_t nt = 0, nw = 0, nl = 0, nm = 0;
    int64_t tracked, total = 0, off = 0;
    char blocked[256] = "", sha[HASH_HEX_LEN];
    int rc = -1, state, why;

    if ((why = month_frozen(c, c->month, e)) < 0)
        return -1;
    if (why)
        return frozen_month(c, why, out, e);
    if (chain_start(c, e) < 0 || load_all(c, c->month, "", e) < 0 ||
        rows_sync(c, "PERIOD_LOCKED", "warning", MOVED_ACTION, NULL, 0, e) < 0 ||
        totals(c, 0, &t, &nt, &tracked, e) < 0 || totals(c, 1, &w, &nw, &tracked, e) < 0)
        goto done;
    if (!(m = calloc(nt + nw + 1, sizeof *m)) || !(l = calloc(2 * (nt + nw) + 4, sizeof *l))) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    missing_of(c, t, nt, 0, m, &nm);
    missing_of(c, w, nw, 1, m, &nm);
    if (rows_sync(c, "MISSING_COST", "error", MISSING_ACTION, m, nm, e) < 0 ||
        make_lines(c, t, nt, 0, l, &nl, &total, e) < 0 || make_lines(c, w, nw, 1, l, &nl, &off, e) < 0)
        goto done;
    out->missing += (int64_t)nm;
    if (nm)
        blocked_text(c, m, nm, blocked, sizeof blocked);
    if (input_hash(c, l, nl, blocked, sha, e) < 0)
        goto done;
    if ((state = existing(c, sha, e)) < 0)
        goto done;
    if (state == 1)
        out->unchanged++;
    else if (state == 3)
        out->frozen++;
    else if (store(c, l, nl, total, blocked, sha, e) < 0 ||
             ((nl || blocked[0]) && store_covers(c, e) < 0))
        goto done;
    else
        out->built++;
    rc = 0;
done:
    free(t);
    free(w);
    free(m);
    free(l);
    return rc;
}

/* ---- skipping an unchanged month ------------------------------------------------------
 * A month's cost of goods (its journal, lines, cover and exceptions, or a frozen month's
 * PERIOD_LOCKED) is a function of what it reads: the settlement lines and the unit-cost and
 * inventory files (source_file, in stage_digest: their rows are only ingest's, each from a
 * recorded file), the tracked items (xero_ref, idem), the config and the version, and the
 * rows below. The inputs are digested before a build, the cost-of-goods tables after it;
 * when both are what they were after the month's last build, counting the month's units
 * again (a scan of every order line in the window) would change nothing, and is skipped. */
static const char *const COGS_IN[] = {
    "SELECT id, settlement_id, start_utc, end_utc, source_file_id FROM settlement ORDER BY id",
    "SELECT settlement_ref, month FROM journal ORDER BY settlement_ref, month",
    "SELECT * FROM unit_cost ORDER BY sku, effective_from",
    "SELECT * FROM inventory_ledger ORDER BY id",
    "SELECT * FROM period ORDER BY month",
    ("SELECT id, settlement_id, state FROM outbox_posted WHERE settlement_id LIKE 'COGS-%' "
     "ORDER BY id"),
};
/* Every month's: another month's journal or cover is this month's input (its frozen units,
 * what it already holds), this month's is its output. */
static const char *const COGS_OUT[] = {
    "SELECT * FROM cogs_journal ORDER BY month",
    "SELECT * FROM cogs_line ORDER BY month, line_no",
    "SELECT * FROM cogs_cover",
    "SELECT * FROM exception WHERE scope = 'cogs' ORDER BY id",
};

/* The digest of the month's inputs (in) and of the cost-of-goods tables (out). */
static int month_digests(struct cogs_ctx *c, char in[HASH_HEX_LEN], char out[HASH_HEX_LEN],
                         struct err *e)
{
    char a[HASH_HEX_LEN], b[HASH_HEX_LEN], both[2 * HASH_HEX_LEN];
    if (in && (stage_digest(c->lg, c->cfg, "cogs", c->month, 0, a, e) < 0 ||
               stage_rows_digest(c->lg, COGS_IN, sizeof COGS_IN / sizeof COGS_IN[0], NULL, b,
                                 e) < 0))
        return -1;
    if (in) {
        snprintf(both, sizeof both, "%s%s", a, b);
        hash_hex(both, strlen(both), in);
    }
    return stage_rows_digest(c->lg, COGS_OUT, sizeof COGS_OUT / sizeof COGS_OUT[0], NULL, out,
                             e);
}

/* 1 when the month's inputs and outputs are what its last build left, 0 not, -1 error; in
 * receives the inputs' digest. */
static int month_unchanged(struct cogs_ctx *c, char in[HASH_HEX_LEN], struct err *e)
{
    char old_in[HASH_HEX_LEN], old_out[HASH_HEX_LEN], now[HASH_HEX_LEN];
    if (month_digests(c, in, now, e) < 0 ||
        stage_get(c->lg, "cogs", c->month, old_in, old_out, e) < 0)
        return -1;
    return strcmp(in, old_in) == 0 && strcmp(now, old_out) == 0;
}

/* Records what the month's build ran on and left. */
static int month_remember(struct cogs_ctx *c, const char *in, struct err *e)
{
    char now[HASH_HEX_LEN];
    if (month_digests(c, NULL, now, e) < 0)
        return -1;
    return stage_put(c->lg, "cogs", c->month, in, now, e);
}

/* The month's cost of goods built, or left as it is when nothing it reads changed. */
static int build_month(struct cogs_ctx *c, struct cogs_summary *out, struct err *e)
{
    char in[HASH_HEX_LEN];
    int same = month_unchanged(c, in, e);
    if (same < 0)
        return -1;
    if (same) {
        out->unchanged++;
        log_verbose("cost of goods %s: inputs unchanged since its last build: skipped",
                    c->month);
        return 0;
    }
    if (one_month(c, out, e) < 0)
        return -1;
    log_verbose("cost of goods %s: built from %zu entry group(s)", c->month, c->n);
    return month_remember(c, in, e);
}

int journal_cogs_run(struct ledger *lg, const struct config *cfg, const char *period,
                     struct cogs_summary *out, struct err *e)
{
    struct cogs_ctx c = { .lg = lg, .cfg = cfg };
    char (*months)[8] = NULL;
    size_t nm = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (tz_open(&c.zone, cfg->timezone, e) < 0)
        return -1;
    if (load_costs(&c, e) < 0 || load_tracked(&c, e) < 0 || load_parts(&c, e) < 0)
        goto done;
    /* cost of goods is opt-in: a seller who gave no unit costs books it elsewhere, and gets
     * neither journals nor MISSING_COST */
    if (c.n_costs == 0) {
        rc = 0;
        goto done;
    }
    if (period && period[0]) {
        if (!(months = malloc(sizeof *months)))
            goto nomem;
        snprintf(months[0], 8, "%s", period);
        nm = 1;
    } else if (journal_months(lg, &months, &nm, e) < 0) {
        goto done;
    }
    for (size_t i = 0; i < nm; i++) {
        snprintf(c.month, sizeof c.month, "%s", months[i]);
        out->months++;
        if (build_month(&c, out, e) < 0) {
            err_prefix(e, "cost of goods %s: ", c.month);
            goto done;
        }
    }
    rc = 0;
    goto done;
nomem:
    err_set(e, ERR_NOMEM, "out of memory");
done:
    if (c.q_aside) {
        struct err ignored = {0};
        ledger_exec(lg, "DROP TABLE IF EXISTS temp.cogs_q", &ignored);
    }
    free(months);
    free(c.costs);
    free(c.tracked);
    free(c.parts);
    free(c.covers);
    free(c.legacy);
    free(c.u);
    keytab_free(&c.groups);
    keytab_free(&c.texts);
    tz_free(c.zone);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------- */

int journal_cogs_load(struct ledger *lg, const struct config *cfg, const char *month,
                      struct cogs_view *out, struct err *e)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int s;
    memset(out, 0, sizeof *out);
    out->cfg = cfg;
    snprintf(out->month, sizeof out->month, "%s", month);
    snprintf(out->sid, sizeof out->sid, COGS_SID_PREFIX "%s", month);
    if (ledger_prepare(lg, &st, "SELECT date, currency, total_minor, blocked FROM cogs_journal "
                       "WHERE month = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    if ((s = sqlite3_step(st)) == SQLITE_ROW) {
        out->found = 1;
        snprintf(out->date, sizeof out->date, "%s", ledger_text(st, 0));
        snprintf(out->currency, sizeof out->currency, "%s", ledger_text(st, 1));
        out->total = sqlite3_column_int64(st, 2);
        snprintf(out->blocked, sizeof out->blocked, "%s", ledger_text(st, 3));
        out->exp = money_exponent(out->currency);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read cogs journal");
    if (!out->found)
        return 0;
    if (ledger_prepare(lg, &st, "SELECT sku, account_code, description, units, "
                       "unit_cost_minor, amount_minor, kind = 'writeoff' FROM cogs_line WHERE "
                       "month = ? ORDER BY line_no", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            struct cogs_view_line *p = realloc(out->lines, (cap = cap ? cap * 2 : 16) *
                                                               sizeof *p);
            if (!p) {
                sqlite3_finalize(st);
                return err_set(e, ERR_NOMEM, "out of memory");
            }
            out->lines = p;
        }
        struct cogs_view_line *l = &out->lines[out->n++];
        snprintf(l->sku, sizeof l->sku, "%s", ledger_text(st, 0));
        snprintf(l->code, sizeof l->code, "%s", ledger_text(st, 1));
        snprintf(l->description, sizeof l->description, "%s", ledger_text(st, 2));
        l->units = sqlite3_column_int64(st, 3);
        l->unit_cost = sqlite3_column_int64(st, 4);
        l->amount = sqlite3_column_int64(st, 5);
        l->writeoff = sqlite3_column_int(st, 6);
        /* net written off: what the pairs credit to inventory (found units debit it) */
        if (l->writeoff && !strcmp(l->code, cfg->accounts[ACCT_INVENTORY]))
            out->writeoff += l->amount;
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read cogs lines");
}

void journal_cogs_free(struct cogs_view *v)
{
    if (!v)
        return;
    free(v->lines);
    v->lines = NULL;
    v->n = 0;
}

int journal_cogs_months(struct ledger *lg, const char *period,
                        int (*fn)(void *arg, const char *month), void *arg, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT month FROM cogs_journal WHERE ?1 = '' OR month = ?1 "
                       "ORDER BY month", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, period ? period : "", -1, SQLITE_STATIC);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char m[8];
        snprintf(m, sizeof m, "%s", ledger_text(st, 0));
        rc = fn(arg, m);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        return ledger_fail(lg, e, "list cogs journals");
    return rc;
}
