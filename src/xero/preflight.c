/* preflight — the references of every request to be sent, checked against the organisation
 * before the first request leaves (see preflight.h). The references go into a temporary
 * table so SQL joins them to the cache; nothing here writes to Xero. */
#include "preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "xero.h"

#define PREFLIGHT_PAGES_MAX 500     /* 100 contacts a page: 50,000 contacts */
#define PREFLIGHT_SKEW_S 300        /* If-Modified-Since is taken this far before Xero's now */

/* What is read from Xero, and into which kind of the cache. */
struct endpoint {
    const char *path, *collection, *query, *kind;
    int modified_since;   /* If-Modified-Since supported: update the cache incrementally */
    int paged;
};

static const struct endpoint endpoints[] = {
    { "/Accounts", "Accounts", "", "account", 1, 0 },
    { "/TaxRates", "TaxRates", "", "tax_rate", 0, 0 },
    { "/Contacts", "Contacts", "includeArchived=true", "contact", 1, 1 },
    { "/Items", "Items", "", "item", 1, 0 },
    { "/TrackingCategories", "TrackingCategories", "includeArchived=true", "tracking", 0, 0 },
    { "/Organisation", "Organisations", "", "lock_date", 0, 0 },
};
#define N_ENDPOINTS (sizeof endpoints / sizeof endpoints[0])

struct pf {
    struct ledger *lg;
    struct xclient *c;
    sqlite3_stmt *need;          /* INSERT INTO temp.preflight_need */
    const char *sid, *label;
    json_t *fetched[N_ENDPOINTS];   /* records read, per endpoint (NULL: not read) */
    char synced[N_ENDPOINTS][32];   /* Xero's clock at the read, for the next time */
    struct preflight_summary *out;
};

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int need(struct pf *p, const char *kind, const char *key, const char *what,
                struct err *e)
{
    sqlite3_stmt *st = p->need;
    int ok;
    if (!key || !key[0])
        return 0;
    sqlite3_bind_text(st, 1, p->sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, what, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, p->label, -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok ? 0 : ledger_fail(p->lg, e, "preflight");
}

/* Collects the references of one document, walking its objects (line items, journal lines,
 * allocations). */
static int walk(struct pf *p, json_t *v, int depth, struct err *e)
{
    const char *k;
    json_t *x;
    size_t i;
    if (depth > 16)
        return 0;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
            if (walk(p, x, depth + 1, e) < 0)
                return -1;
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    json_object_foreach(v, k, x) {
        int rc = 0;
        if (!strcmp(k, "AccountCode"))
            rc = need(p, "account", json_string_value(x), "line", e);
        else if (!strcmp(k, "TaxType"))
            rc = need(p, "tax_rate", json_string_value(x), "", e);
        else if (!strcmp(k, "ItemCode"))
            rc = need(p, "item", json_string_value(x), "", e);
        else if (!strcmp(k, "Date"))
            rc = need(p, "date", json_string_value(x), "", e);
        else if (!strcmp(k, "Contact"))
            rc = need(p, "contact", str(x, "Name"), "", e);
        else if (!strcmp(k, "Account"))
            rc = need(p, "account", str(x, "Code"), "payments", e);
        else if (!strcmp(k, "FromBankAccount") || !strcmp(k, "ToBankAccount") ||
                 !strcmp(k, "BankAccount"))
            rc = need(p, "account", str(x, "Code"), "bank", e);
        else if (!strcmp(k, "Tracking") && json_is_array(x)) {
            json_t *t;
            json_array_foreach(x, i, t) {
                char key[200];
                snprintf(key, sizeof key, "%s/%s", str(t, "Name"), str(t, "Option"));
                if ((rc = need(p, "tracking", key, "", e)) < 0)
                    break;
            }
        } else if (json_is_array(x) || json_is_object(x))
            rc = walk(p, x, depth + 1, e);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int collect_body(struct pf *p, const char *body, struct err *e)
{
    struct xbody *b = malloc(sizeof *b);
    json_error_t je;
    json_t *root = NULL, *arr;
    int rc = -1;
    if (!b)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (xbody_split(body, b, e) < 0)
        goto done;
    root = json_loads(body, 0, &je);
    arr = json_object_get(root, b->collection);
    if (!json_is_array(arr) || json_array_size(arr) != b->n) {
        err_set(e, ERR_INTERNAL, "outbox body does not parse: %s", je.text);
        goto done;
    }
    for (size_t i = 0; i < b->n; i++) {
        struct xdoc d;
        if (xbody_doc(body, b, i, &d, e) < 0)
            goto done;
        p->label = d.label;
        /* a contact this run creates (before the documents that use it) */
        if (!strcmp(b->collection, "Contacts") ? need(p, "contact_new", d.reference, "", e) < 0
                                               : walk(p, json_array_get(arr, i), 0, e) < 0)
            goto done;
        /* an item this run creates (PUT /Items) is no missing reference for the documents
         * sent after it */
        if (!strcmp(b->collection, "Items") && need(p, "item_created", d.reference, "", e) < 0)
            goto done;
    }
    rc = 0;
done:
    p->label = NULL;
    json_decref(root);
    free(b);
    return rc;
}

static int collect(struct pf *p, const char *period, char (*sids)[64], size_t n,
                   struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (ledger_exec(p->lg, "DROP TABLE IF EXISTS temp.preflight_need; CREATE TEMP TABLE "
                    "preflight_need(settlement_id TEXT, kind TEXT, key TEXT, what TEXT, "
                    "label TEXT)", e) < 0 ||
        ledger_prepare(p->lg, &p->need, "INSERT INTO temp.preflight_need VALUES (?, ?, ?, ?, "
                       "?)", e) < 0)
        return -1;
    if (ledger_prepare(p->lg, &st, "SELECT body FROM outbox WHERE settlement_id = ?1 AND state "
                       "IN ('pending', 'sending') AND (?2 = '' OR month = ?2) ORDER BY seq",
                       e) < 0)
        return -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int s;
        p->sid = sids[i];
        sqlite3_bind_text(st, 1, sids[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
        while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW)
            rc = collect_body(p, (const char *)sqlite3_column_text(st, 0), e);
        if (rc == 0 && s != SQLITE_DONE)
            rc = ledger_fail(p->lg, e, "read the requests to check");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int needs_kind(struct pf *p, const char *kind, struct err *e)
{
    sqlite3_stmt *st;
    int has;
    if (!strcmp(kind, "lock_date"))
        kind = "date";
    if (ledger_prepare(p->lg, &st, "SELECT 1 FROM temp.preflight_need WHERE kind = ? LIMIT 1",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    has = sqlite3_step(st);
    if (has != SQLITE_ROW && has != SQLITE_DONE)
        ledger_fail(p->lg, e, "preflight");
    sqlite3_finalize(st);
    return has == SQLITE_ROW ? 1 : has == SQLITE_DONE ? 0 : -1;
}

/* "/Date(1553880796732+0000)/" -> seconds; -1 when it is not such a date. */
static int64_t ms_date(const char *s)
{
    const char *p = strstr(s, "/Date(");
    char *end;
    long long ms;
    if (!p)
        return -1;
    ms = strtoll(p + 6, &end, 10);
    if (end == p + 6)
        return -1;
    return (int64_t)(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
}

/* The cache's last read of an endpoint, for If-Modified-Since ("" when none or another
 * organisation's). */
static int last_sync(struct pf *p, const char *endpoint, char *out, size_t cap, struct err *e)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (ledger_prepare(p->lg, &st, "SELECT synced_utc FROM xero_ref_sync WHERE endpoint = ? "
                       "AND tenant_id = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, endpoint, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->c->sess.tenant_id, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (s != SQLITE_DONE)
        ledger_fail(p->lg, e, "read the cache's last sync");
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : -1;
}

static int fetch(struct pf *p, size_t k, struct err *e)
{
    const struct endpoint *ep = &endpoints[k];
    char since[32] = "", q[256];
    json_t *all = json_array();
    if (!all)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (ep->modified_since && last_sync(p, ep->path + 1, since, sizeof since, e) < 0)
        goto fail;
    for (int page = 1; page <= PREFLIGHT_PAGES_MAX; page++) {
        struct xcall call = { .method = "GET", .path = ep->path, .query = q,
                              .if_modified_since = since[0] ? since : NULL };
        long status;
        json_t *root, *arr;
        int unknown;
        size_t got;
        if (ep->paged)
            snprintf(q, sizeof q, "%s%spage=%d", ep->query, ep->query[0] ? "&" : "", page);
        else
            snprintf(q, sizeof q, "%s", ep->query);
        p->out->calls++;
        if (xclient_call(p->c, &call, &status, &root, &unknown, e) < 0)
            goto fail;
        if (status == 304)
            break;
        arr = json_object_get(root, ep->collection);
        if (status != 200 || !json_is_array(arr)) {
            const char *m = str(root, "Message");
            json_decref(root);
            err_set(e, ERR_NET, "Xero GET %s: HTTP %ld%s%s (the connection needs the "
                    "accounting.settings.read and accounting.contacts.read scopes)", ep->path,
                    status, m[0] ? ": " : "", m);
            goto fail;
        }
        if (page == 1) {
            int64_t t = ms_date(str(root, "DateTimeUTC"));
            if (t > 0) {
                char iso[DATES_ISO_MAX];
                dates_iso(iso, t - PREFLIGHT_SKEW_S, 1);
                snprintf(p->synced[k], sizeof p->synced[k], "%.19s", iso);
            }
        }
        got = json_array_size(arr);
        json_array_extend(all, arr);
        json_decref(root);
        if (!ep->paged || got < 100)
            break;
    }
    p->fetched[k] = all;
    return 0;
fail:
    json_decref(all);
    return -1;
}

static int put_ref(struct pf *p, sqlite3_stmt *st, const char *kind, const char *key,
                   const char *status, const char *detail, struct err *e)
{
    int ok;
    if (!key[0])
        return 0;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, status[0] ? status : "ACTIVE", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok ? 0 : ledger_fail(p->lg, e, "cache Xero reference");
}

/* "/Date(...)/" lock date -> YYYY-MM-DD into out ("" when absent). */
static void lock_day(const char *s, char out[DATES_ISO_MAX])
{
    int64_t t = ms_date(s);
    out[0] = '\0';
    if (t >= 0)
        dates_iso(out, t, 0);
    else if (strlen(s) >= 10 && s[4] == '-')
        snprintf(out, DATES_ISO_MAX, "%.10s", s);
}

/* A tax rate's CanApplyTo flags as "applies to ASSET, EQUITY, ..." (the classes whose flag
 * is true); "" when the answer carries none of them (nothing is judged then). */
static void tax_applies(json_t *r, char *out, size_t cap)
{
    static const char *const flags[][2] = {
        { "CanApplyToAssets", "ASSET" }, { "CanApplyToEquity", "EQUITY" },
        { "CanApplyToExpenses", "EXPENSE" }, { "CanApplyToLiabilities", "LIABILITY" },
        { "CanApplyToRevenue", "REVENUE" },
    };
    size_t len = 0;
    int any = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        json_t *v = json_object_get(r, flags[i][0]);
        any |= json_is_boolean(v);
        if (json_is_true(v) && len < cap)
            len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? ", " : "applies to ",
                                    flags[i][1]);
    }
    if (any && !out[0])
        snprintf(out, cap, "applies to");
}

static int store_one(struct pf *p, sqlite3_stmt *st, const char *kind, json_t *r,
                     struct err *e)
{
    char detail[96], day[DATES_ISO_MAX];
    size_t i;
    json_t *o;
    if (!strcmp(kind, "account")) {
        snprintf(detail, sizeof detail, "%s%s", str(r, "Type"),
                 json_is_true(json_object_get(r, "EnablePaymentsToAccount")) ? " payments" : "");
        /* its Class decides which tax rates Xero allows on its lines (xero_taxclass.c) */
        if (put_ref(p, st, "account_class", str(r, "Code"), str(r, "Status"), str(r, "Class"),
                    e) < 0)
            return -1;
        return put_ref(p, st, kind, str(r, "Code"), str(r, "Status"), detail, e);
    }
    if (!strcmp(kind, "tax_rate")) {
        tax_applies(r, detail, sizeof detail);
        return put_ref(p, st, kind, str(r, "TaxType"), str(r, "Status"), detail, e);
    }
    if (!strcmp(kind, "contact"))
        return put_ref(p, st, kind, str(r, "Name"), str(r, "ContactStatus"), "", e);
    if (!strcmp(kind, "item")) {
        /* a tracked item's cost is booked by Xero itself (cost of goods left to it), and
         * its QuantityOnHand is what reconcile compares with Amazon's ending balance */
        json_t *qty = json_object_get(r, "QuantityOnHand");
        detail[0] = '\0';
        if (json_is_true(json_object_get(r, "IsTrackedAsInventory")))
            snprintf(detail, sizeof detail, "tracked qty=%lld", json_is_integer(qty)
                     ? (long long)json_integer_value(qty)
                     : (long long)json_number_value(qty)); /* units, never money */
        return put_ref(p, st, kind, str(r, "Code"), "ACTIVE", detail, e);
    }
    if (!strcmp(kind, "tracking")) {
        json_array_foreach(json_object_get(r, "Options"), i, o) {
            char key[200];
            int active = !strcmp(str(r, "Status"), "ACTIVE") &&
                         (!str(o, "Status")[0] || !strcmp(str(o, "Status"), "ACTIVE"));
            snprintf(key, sizeof key, "%s/%s", str(r, "Name"), str(o, "Name"));
            if (put_ref(p, st, kind, key, active ? "ACTIVE" : "ARCHIVED", "", e) < 0)
                return -1;
        }
        return 0;
    }
    /* organisation: its lock dates */
    lock_day(str(r, "PeriodLockDate"), day);
    if (day[0] && put_ref(p, st, kind, "period", "ACTIVE", day, e) < 0)
        return -1;
    lock_day(str(r, "EndOfYearLockDate"), day);
    return day[0] ? put_ref(p, st, kind, "end_of_year", "ACTIVE", day, e) : 0;
}

/* Writes what was read into the cache (inside the caller's transaction). */
static int store(struct pf *p, struct err *e)
{
    sqlite3_stmt *ins, *del, *sync;
    int rc = 0;
    if (ledger_prepare(p->lg, &ins, "INSERT OR REPLACE INTO xero_ref(kind, key, status, detail)"
                       " VALUES (?, ?, ?, ?)", e) < 0)
        return -1;
    if (ledger_prepare(p->lg, &del, "DELETE FROM xero_ref WHERE kind = ?", e) < 0) {
        sqlite3_finalize(ins);
        return -1;
    }
    if (ledger_prepare(p->lg, &sync, "INSERT OR REPLACE INTO xero_ref_sync(endpoint, "
                       "tenant_id, synced_utc) VALUES (?, ?, ?)", e) < 0) {
        sqlite3_finalize(ins);
        sqlite3_finalize(del);
        return -1;
    }
    for (size_t k = 0; rc == 0 && k < N_ENDPOINTS; k++) {
        const struct endpoint *ep = &endpoints[k];
        size_t i;
        json_t *r;
        if (!p->fetched[k])
            continue;
        if (!ep->modified_since) {
            sqlite3_bind_text(del, 1, ep->kind, -1, SQLITE_STATIC);
            rc = sqlite3_step(del) == SQLITE_DONE ? 0 : ledger_fail(p->lg, e, "clear cache");
            sqlite3_reset(del);
        }
        json_array_foreach(p->fetched[k], i, r)
            if (rc == 0)
                rc = store_one(p, ins, ep->kind, r, e);
        if (rc == 0 && ep->modified_since && p->synced[k][0]) {
            sqlite3_bind_text(sync, 1, ep->path + 1, -1, SQLITE_STATIC);
            sqlite3_bind_text(sync, 2, p->c->sess.tenant_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(sync, 3, p->synced[k], -1, SQLITE_STATIC);
            rc = sqlite3_step(sync) == SQLITE_DONE ? 0 : ledger_fail(p->lg, e, "cache sync");
            sqlite3_reset(sync);
        }
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(del);
    sqlite3_finalize(sync);
    return rc;
}

/* Another organisation than the cache's: the cache is emptied. */
static int same_tenant(struct pf *p, struct err *e)
{
    sqlite3_stmt *st;
    int other;
    if (ledger_prepare(p->lg, &st, "SELECT 1 FROM xero_ref_sync WHERE tenant_id != ? LIMIT 1",
                       e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, p->c->sess.tenant_id, -1, SQLITE_STATIC);
    other = sqlite3_step(st);
    if (other != SQLITE_ROW && other != SQLITE_DONE)
        ledger_fail(p->lg, e, "read the cache's organisation");
    sqlite3_finalize(st);
    if (other != SQLITE_ROW)
        return other == SQLITE_DONE ? 0 : -1;
    log_info("xero: another organisation than last time: reference cache emptied");
    return ledger_exec(p->lg, "DELETE FROM xero_ref; DELETE FROM xero_ref_sync;", e);
}

/* month: the outbox month of sid's documents (the cost-of-goods journal, items and accruals
 * belong to no settlement, only to it) */
static int exception(struct pf *p, const char *sid, const char *month, const char *kind,
                     const char *sku, const char *expl, const char *action, struct err *e)
{
    struct exception_row x = { .kind = kind, .severity = "error", .settlement_id = sid,
                               .sku = sku, .month = month, .explanation = expl,
                               .action = action };
    if (exception_add(p->lg, "xero", &x, e) < 0)
        return -1;
    p->out->problems++;
    log_error("settlement %s: %s", sid, expl);
    return 0;
}

/* The latest outbox month of the requirement's settlement (see exception()). */
#define SID_MONTH \
    "(SELECT max(o.month) FROM outbox o WHERE o.settlement_id = n.settlement_id)"

static const char MISSING[] =
    "SELECT n.settlement_id, n.kind, n.key, n.what, min(n.label), count(DISTINCT n.label), "
    "r.status, r.detail, " SID_MONTH " FROM temp.preflight_need n LEFT JOIN xero_ref r ON "
    "r.kind = n.kind AND r.key = n.key WHERE n.kind NOT IN ('date', 'contact_new', 'item_created') "
    /* a missing contact is no problem when this run creates it, or settlebook did; an item
     * likewise when this run creates it */
    "AND NOT (n.kind = 'contact' AND r.key IS NULL AND (EXISTS (SELECT 1 FROM "
    "temp.preflight_need c WHERE c.kind = 'contact_new' AND c.key = n.key) OR EXISTS (SELECT 1 "
    "FROM outbox o WHERE o.path = '/Contacts' AND o.state = 'confirmed' AND o.doc_number = "
    "n.key))) AND NOT (n.kind = 'item' AND EXISTS (SELECT 1 FROM temp.preflight_need c WHERE "
    "c.kind = 'item_created' AND c.key = n.key)) AND (r.key IS NULL OR r.status != 'ACTIVE' OR "
    "(n.what = 'bank' AND r.detail NOT LIKE 'BANK%') OR (n.what = 'payments' AND r.detail NOT "
    "LIKE 'BANK%' AND r.detail NOT LIKE '% payments') OR (n.what = 'line' AND r.detail LIKE "
    "'BANK%')) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4";

static const char LOCKED[] =
    "SELECT n.settlement_id, n.key, min(n.label), count(DISTINCT n.label), l.lock, " SID_MONTH
    " FROM "
    "temp.preflight_need n, (SELECT max(detail) AS lock FROM xero_ref WHERE kind = "
    "'lock_date') l WHERE n.kind = 'date' AND l.lock IS NOT NULL AND n.key <= l.lock "
    "GROUP BY 1, 2 ORDER BY 1, 2";

static void describe(const char *kind, const char *key, const char *what, const char *status,
                     const char *detail, const char *label, int uses, char *expl, size_t cap,
                     char *action, size_t acap)
{
    static const char *const names[][3] = {
        { "account", "Account code", "Add the account to the chart of accounts in Xero, or map "
          "the line to an existing code in settlebook.json" },
        { "tax_rate", "Tax type", "Add or reactivate the tax rate in Xero, or set the "
          "marketplace's tax types in settlebook.json" },
        { "contact", "Contact", "Create the contact in Xero (exactly this name), or set the "
          "marketplace's contact in settlebook.json" },
        { "item", "Item code", "Create the item in Xero with this code" },
        { "tracking", "Tracking option", "Add the tracking category and option in Xero, or "
          "change the marketplace's tracking in settlebook.json" },
    };
    const char *name = kind, *act = "Fix it in Xero";
    char more[48] = "", why[160];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(kind, names[i][0])) {
            name = names[i][1];
            act = names[i][2];
        }
    if (uses > 1)
        snprintf(more, sizeof more, " and %d more document(s)", uses - 1);
    if (status && !strcmp(kind, "contact") && !strcmp(status, "ARCHIVED"))
        act = "Restore the contact in Xero (Contacts, filter Archived, Restore), or set the "
              "marketplace's contact in settlebook.json to an active one";
    else if (!status && !strcmp(kind, "contact"))
        act = "settlebook creates the contacts it needs with the month that first uses them: "
              "post that month first, or create the contact in Xero (exactly this name)";
    if (!status)
        snprintf(why, sizeof why, "does not exist in the Xero organisation");
    else if (strcmp(status, "ACTIVE") != 0)
        snprintf(why, sizeof why, "is %s in the Xero organisation", status);
    else if (!strcmp(what, "line")) {
        snprintf(why, sizeof why, "is a bank account, and Xero refuses bank accounts on "
                 "invoice, credit note, bank transaction and manual journal lines");
        act = "Map the role to a non-bank account in settlebook.json (accounts.clearing: a "
              "current asset with payments enabled; money reaches the bank only by payments "
              "and receive-money transactions)";
    } else
        snprintf(why, sizeof why, "is a %s account, but %s", detail[0] ? detail : "non-bank",
                 !strcmp(what, "bank") ? "bank accounts are needed there"
                 : "payments need a bank account or one with payments enabled");
    snprintf(expl, cap, "%s '%s' (used by %s%s) %s; nothing of this run was sent", name, key,
             label, more, why);
    snprintf(action, acap, "%s, then run `settlebook post --live` again.", act);
}

static int judge(struct pf *p, const char *period, char (*sids)[64], size_t n,
                 struct err *e)
{
    sqlite3_stmt *st;
    char expl[768], action[256];
    int rc = 0, s = SQLITE_DONE;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (exception_clear(p->lg, "xero", "XERO_REFERENCE_MISSING", sids[i], NULL, e) < 0 ||
            exception_clear(p->lg, "xero", "XERO_PERIOD_LOCKED", sids[i], NULL, e) < 0)
            rc = -1;
    if (rc < 0 || ledger_prepare(p->lg, &st, MISSING, e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        const char *key = (const char *)sqlite3_column_text(st, 2);
        describe(kind, key, (const char *)sqlite3_column_text(st, 3),
                 (const char *)sqlite3_column_text(st, 6),
                 (const char *)sqlite3_column_text(st, 7) ? (const char *)sqlite3_column_text(st, 7)
                                                          : "",
                 (const char *)sqlite3_column_text(st, 4), sqlite3_column_int(st, 5), expl,
                 sizeof expl, action, sizeof action);
        rc = exception(p, (const char *)sqlite3_column_text(st, 0),
                       (const char *)sqlite3_column_text(st, 8), "XERO_REFERENCE_MISSING",
                       !strcmp(kind, "item") ? key : NULL, expl, action, e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(p->lg, e, "preflight");
    sqlite3_finalize(st);
    if (rc < 0 || ledger_prepare(p->lg, &st, LOCKED, e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int uses = sqlite3_column_int(st, 3);
        char more[48] = "";
        if (uses > 1)
            snprintf(more, sizeof more, " and %d more document(s)", uses - 1);
        snprintf(expl, sizeof expl, "%s%s is dated %s, on or before the organisation's lock "
                 "date %s; nothing of this run was sent", (const char *)sqlite3_column_text(st, 2),
                 more, (const char *)sqlite3_column_text(st, 1),
                 (const char *)sqlite3_column_text(st, 4));
        snprintf(action, sizeof action, "Move the lock date in Xero (Settings > Advanced > "
                 "Lock dates), or lock the month in settlebook so late lines move to an open "
                 "month, then run `settlebook post --live` again.");
        rc = exception(p, (const char *)sqlite3_column_text(st, 0),
                       (const char *)sqlite3_column_text(st, 5), "XERO_PERIOD_LOCKED", NULL,
                       expl, action, e);
    }
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(p->lg, e, "preflight");
    sqlite3_finalize(st);
    /* tax types on account classes they cannot apply to, with the fresh cache */
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = xero_tax_class_check(p->lg, p->c->cfg, sids[i], period, &p->out->problems, e);
    return rc;
}

int preflight_contacts(struct ledger *lg, struct xclient *c, struct err *e)
{
    struct preflight_summary sum;
    struct pf p;
    size_t k = 0;
    int rc = -1;
    memset(&p, 0, sizeof p);
    memset(&sum, 0, sizeof sum);
    p.lg = lg;
    p.c = c;
    p.out = &sum;
    while (strcmp(endpoints[k].kind, "contact") != 0)
        k++;
    if (fetch(&p, k, e) < 0)
        goto done;
    if (ledger_begin(lg, e) < 0)
        goto done;
    if (same_tenant(&p, e) < 0 || store(&p, e) < 0) {
        ledger_rollback(lg);
        goto done;
    }
    rc = ledger_commit(lg, e);
done:
    json_decref(p.fetched[k]);
    return rc;
}

int preflight_run(struct ledger *lg, struct xclient *c, const char *period,
                  char (*sids)[64], size_t n,
                  struct preflight_summary *out, struct err *e)
{
    struct pf p;
    sqlite3_stmt *st;
    int rc = -1;
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    p.lg = lg;
    p.c = c;
    p.out = out;
    if (collect(&p, period, sids, n, e) < 0)
        goto done;
    for (size_t k = 0; k < N_ENDPOINTS; k++) {
        int has = needs_kind(&p, endpoints[k].kind, e);
        /* orders mode names an item on an invoice line only when Xero has it (or the outbox
         * creates it), so the items are read even when no line names one yet: how an item
         * made by hand in Xero gets into the cache and onto the next month's invoices */
        if (has == 0 && !strcmp(endpoints[k].kind, "item") && c->cfg &&
            c->cfg->mode == POST_ORDERS)
            has = 1;
        if (has < 0 || (has && fetch(&p, k, e) < 0))
            goto done;
    }
    crash_point("after_ref_fetch");
    if (ledger_begin(lg, e) < 0)
        goto done;
    if (same_tenant(&p, e) < 0 || store(&p, e) < 0 || judge(&p, period, sids, n, e) < 0) {
        ledger_rollback(lg);
        goto done;
    }
    if (ledger_commit(lg, e) < 0)
        goto done;
    if (ledger_prepare(lg, &st, "SELECT count(*) FROM (SELECT DISTINCT kind, key FROM "
                       "temp.preflight_need)", e) < 0)
        goto done;
    if (sqlite3_step(st) != SQLITE_ROW) {
        ledger_fail(lg, e, "preflight");
        sqlite3_finalize(st);
        goto done;
    }
    out->references = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    rc = 0;
done:
    sqlite3_finalize(p.need);
    for (size_t k = 0; k < N_ENDPOINTS; k++)
        json_decref(p.fetched[k]);
    ledger_exec(lg, "DROP TABLE IF EXISTS temp.preflight_need", NULL);
    return rc;
}
