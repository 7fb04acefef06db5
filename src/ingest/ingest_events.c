/* ingest_events — Amazon's Finances API pages (listFinancialEvents v0: {"payload":
 * {"FinancialEvents": {...}}}; listTransactions 2024-06-19: {"payload": {"transactions":
 * [...]}}) as unsettled lines named like settlement lines, so the same mapping rules apply.
 * Amounts are JSON numbers in these APIs: they are read from their digits (the page is
 * lexed once and every number turned into a string), never through a double. Never writes
 * source_file (the pages live in event_file) and never talks to the network. */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest.h"
#include "ingest_int.h"
#include "ingest_events_int.h"

int ev_err(struct ev *s, struct err *e, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, "%s: %s: %s", s->path, s->jp, msg);
}

/* Copies the JSON text with every number wrapped in quotes, so amounts reach money_parse as
 * the digits Amazon wrote. Caller frees *out. */
static int quote_numbers(const char *in, size_t n, char **out, size_t *out_n, struct err *e)
{
    char *o = malloc(2 * n + 16);
    size_t k = 0;
    int in_str = 0, esc = 0;
    if (!o)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (in_str) {
            o[k++] = c;
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            o[k++] = c;
        } else if (c == '-' || isdigit((unsigned char)c)) {
            o[k++] = '"';
            while (i < n && strchr("+-.eE0123456789", in[i]) && in[i])
                o[k++] = in[i++];
            o[k++] = '"';
            i--;
        } else {
            o[k++] = c;
        }
    }
    o[k] = '\0';
    *out = o;
    *out_n = k;
    return 0;
}

/* A string member, "" when absent or null; NULL (with e set) when it is not text. */
const char *ev_str(struct ev *s, json_t *o, const char *key, struct err *e)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return "";
    if (!json_is_string(v) || json_string_length(v) > EV_TEXT_MAX ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        ev_err(s, e, "%s must be text of at most %d bytes", key, EV_TEXT_MAX);
        return NULL;
    }
    return json_string_value(v);
}

/* A posted date member into buf ("" when absent). */
int ev_date(struct ev *s, json_t *o, const char *key, char buf[DATES_ISO_MAX],
                   struct err *e)
{
    const char *v = ev_str(s, o, key, e);
    int64_t t;
    int has_time;
    if (!v)
        return -1;
    buf[0] = '\0';
    if (!*v)
        return 0;
    if (dates_parse(v, &t, &has_time, e) < 0)
        return ev_err(s, e, "%s '%.40s' is not a date", key, v);
    dates_iso(buf, t, 1);
    if (strcmp(buf, s->last_posted) > 0)
        snprintf(s->last_posted, sizeof s->last_posted, "%s", buf);
    return 0;
}

/* "25.370" in a 2-decimal currency is 25.37: zeros beyond the exponent go. */
static void trim_zeros(char *a, int exp)
{
    char *dot = strchr(a, '.');
    size_t n = strlen(a);
    while (dot && (size_t)(a + n - dot - 1) > (size_t)exp && a[n - 1] == '0')
        a[--n] = '\0';
    if (dot && a + n - 1 == dot)
        a[--n] = '\0';
}

/* A Currency object {"CurrencyCode", "CurrencyAmount"} (either capitalisation). *present
 * is 0 when absent or null. */
int ev_money(struct ev *s, json_t *m, const char *what, char cur_out[4], money_t *out,
                    int *present, struct err *e)
{
    json_t *c, *a;
    char buf[64];
    struct err pe = {0};
    int exp;
    *present = 0;
    if (!m || json_is_null(m))
        return 0;
    if (!json_is_object(m))
        return ev_err(s, e, "%s must be a Currency object", what);
    c = json_object_get(m, "CurrencyCode");
    a = json_object_get(m, "CurrencyAmount");
    if (!c && !a) {
        c = json_object_get(m, "currencyCode");
        a = json_object_get(m, "currencyAmount");
    }
    if (!json_is_string(c) || (exp = money_exponent(json_string_value(c))) < 0)
        return ev_err(s, e, "%s: CurrencyCode is missing or not an ISO 4217 code settlebook "
                      "knows", what);
    if (!json_is_string(a) || json_string_length(a) >= sizeof buf)
        return ev_err(s, e, "%s: CurrencyAmount is missing or not a number", what);
    memcpy(buf, json_string_value(a), json_string_length(a) + 1);
    trim_zeros(buf, exp);
    if (money_parse(buf, exp, out, &pe) < 0)
        return ev_err(s, e, "%s: '%s' is not an amount in %s (%s): fetch the page again", what,
                      json_string_value(a), json_string_value(c), pe.msg);
    snprintf(cur_out, 4, "%s", json_string_value(c));
    *present = 1;
    return 0;
}

/* Appends one amount: the event's shared fields, then at, desc and the money. */
int ev_emit(struct ev *s, const char *at, const char *desc, json_t *money, const char *what,
                struct err *e)
{
    struct ev_line l = s->ctx;
    int present;
    if (ev_money(s, money, what, l.currency, &l.amount, &present, e) < 0)
        return -1;
    if (!present)
        return 0;
    l.at = at;
    l.desc = desc && *desc ? desc : at;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct ev_line *p = realloc(s->v, cap * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = l;
    return 0;
}

/* Each element of arr[key] is {type_key: text, amount_key: Currency}. */
int ev_components(struct ev *s, json_t *o, const char *key, const char *at,
                      const char *type_key, const char *amount_key, struct err *e)
{
    json_t *arr = json_object_get(o, key), *c;
    size_t i;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return ev_err(s, e, "%s must be a list", key);
    json_array_foreach(arr, i, c) {
        const char *t = json_is_object(c) ? ev_str(s, c, type_key, e) : NULL;
        if (!t)
            return t == NULL && json_is_object(c) ? -1 : ev_err(s, e, "%s[%zu] must be an "
                                                                "object", key, i);
        if (ev_emit(s, at, t, json_object_get(c, amount_key), key, e) < 0)
            return -1;
    }
    return 0;
}

/* ItemTaxWithheldList / RetrochargeTaxWithheldList: [{TaxesWithheld: [ChargeComponent]}]. */
int ev_withheld(struct ev *s, json_t *o, const char *key, struct err *e)
{
    json_t *arr = json_object_get(o, key), *w;
    size_t i;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return ev_err(s, e, "%s must be a list", key);
    json_array_foreach(arr, i, w)
        if (!json_is_object(w) || ev_components(s, w, "TaxesWithheld", "ItemWithheldTax",
                                             "ChargeType", "ChargeAmount", e) < 0)
            return e->msg[0] ? -1 : ev_err(s, e, "%s[%zu] must be an object", key, i);
    return 0;
}


int ev_quantity(struct ev *s, json_t *o, const char *key, int64_t *out, struct err *e)
{
    json_t *v = json_object_get(o, key);
    char *end;
    long long q;
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return ev_err(s, e, "%s must be a whole number", key);
    q = strtoll(json_string_value(v), &end, 10);
    if (*end || q < 0 || q > 1000000000LL)
        return ev_err(s, e, "%s '%.20s' is not a quantity", key, json_string_value(v));
    *out = q;
    return 0;
}

/* ---- keys and storage ----------------------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* The amount's identity: its fields, then its occurrence among identical ones of the page. */
static void line_key(const struct ev_line *l, int64_t occurrence, char out[HASH_HEX_LEN])
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s|%s|%s|%s|%s|%lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld",
                     l->list, l->currency, l->tt, l->at, l->desc, (long long)l->amount,
                     l->posted, nz(l->order_id), nz(l->merchant_order_id), nz(l->marketplace),
                     nz(l->item), nz(l->adj_item), nz(l->sku), nz(l->promo),
                     (long long)occurrence);
    hash_hex(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1, out);
}

static int base_cmp(const void *a, const void *b)
{
    const struct ev_line *x = *(struct ev_line *const *)a, *y = *(struct ev_line *const *)b;
    int c = strcmp(x->base, y->base);
    return c ? c : (x < y ? -1 : x > y);
}

/* Numbers identical amounts 0, 1, ... in page order, so a page that lists the same fee
 * twice keeps both, and the same page fetched again adds nothing. */
static int assign_keys(struct ev *s, struct err *e)
{
    struct ev_line **p = calloc(s->n ? s->n : 1, sizeof *p);
    int64_t occurrence = 0;
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++) {
        if (!s->v[i].posted[0])
            snprintf(s->v[i].posted, sizeof s->v[i].posted, "%s", s->last_posted);
        line_key(&s->v[i], 0, s->v[i].base);
        p[i] = &s->v[i];
    }
    if (s->n > 1)
        qsort(p, s->n, sizeof *p, base_cmp);
    for (size_t i = 0; i < s->n; i++) {
        occurrence = i > 0 && !strcmp(p[i]->base, p[i - 1]->base) ? occurrence + 1 : 0;
        line_key(p[i], occurrence, p[i]->key);
    }
    free(p);
    return 0;
}

static int store(struct ledger *lg, struct ev *s, const char *kind, const char *sha,
                 int64_t bytes, struct ingest_result *res, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run, file;
    int rc = 0;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO event_file(sha256, kind, path, bytes, rows, "
                       "run_id) VALUES (?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, bytes);
    sqlite3_bind_int64(st, 5, (int64_t)s->n);
    sqlite3_bind_int64(st, 6, run);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ledger_fail(lg, e, "insert event_file");
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    file = sqlite3_last_insert_rowid(ledger_db(lg));
    if (ledger_prepare(lg, &st, "INSERT OR IGNORE INTO unsettled_line(event_file_id, "
                       "event_key, source_list, currency, transaction_type, amount_type, "
                       "amount_description, amount_minor, posted, order_id, merchant_order_id, "
                       "marketplace, order_item_code, adjustment_item_id, sku, quantity, "
                       "promotion_id, deferred) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       e) < 0)
        return -1;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        const struct ev_line *l = &s->v[i];
        sqlite3_bind_int64(st, 1, file);
        sqlite3_bind_text(st, 2, l->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, l->list, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l->currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l->tt, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, l->at, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, l->desc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, l->amount);
        ledger_bind_text(st, 9, l->posted);
        ledger_bind_text(st, 10, l->order_id);
        ledger_bind_text(st, 11, l->merchant_order_id);
        ledger_bind_text(st, 12, l->marketplace);
        ledger_bind_text(st, 13, l->item);
        ledger_bind_text(st, 14, l->adj_item);
        ledger_bind_text(st, 15, l->sku);
        if (l->quantity >= 0)
            sqlite3_bind_int64(st, 16, l->quantity);
        else
            sqlite3_bind_null(st, 16);
        ledger_bind_text(st, 17, l->promo);
        sqlite3_bind_int(st, 18, l->deferred);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ledger_fail(lg, e, "insert unsettled_line");
        res->lines += sqlite3_changes(ledger_db(lg));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    res->records = (int64_t)s->n;
    if (s->n)
        snprintf(res->currency, sizeof res->currency, "%s", s->v[0].currency);
    return rc;
}

/* The two APIs list the same money: a page whose dates and currency the other API's pages
 * already cover is refused rather than counted twice. */
static int other_api(struct ledger *lg, struct ev *s, const char *kind, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (ledger_prepare(lg, &st, "SELECT f.path FROM unsettled_line u JOIN event_file f ON "
                       "f.id = u.event_file_id WHERE u.posted >= substr(?3, 1, 10) AND u.posted < "
                       "date(substr(?3, 1, 10), '+1 day') AND f.kind != ?1 AND u.currency = ?2 "
                       "LIMIT 1", e) < 0)
        return -1;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        int step;
        /* the amounts of a page come day by day: ask once per currency and day */
        if (i > 0 && !strcmp(s->v[i].currency, s->v[i - 1].currency) &&
            !strncmp(s->v[i].posted, s->v[i - 1].posted, 10))
            continue;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, s->v[i].currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, s->v[i].posted, -1, SQLITE_STATIC);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = err_set(e, ERR_INPUT, "%s: %s amounts posted on %.10s are already in the "
                         "ledger from the other Finances API (%s): listFinancialEvents and "
                         "listTransactions list the same money; load one of them per period",
                         s->path, s->v[i].currency, s->v[i].posted, ledger_text(st, 0));
        else if (step != SQLITE_DONE)
            rc = ledger_fail(lg, e, "look for the other Finances API");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int known(struct ledger *lg, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (ledger_prepare(lg, &st, "SELECT 1 FROM event_file WHERE sha256 = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ledger_fail(lg, e, "look up event_file");
    return rc == SQLITE_ROW;
}

static int read_all(const char *path, char **out, size_t *n, struct err *e)
{
    FILE *f = fopen(path, "rb");
    long len;
    *out = NULL;
    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", path);
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || len > INGEST_JSON_MAX ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return err_set(e, ERR_INPUT, "%s: unreadable, or larger than %d MiB: not a Finances "
                       "API page", path, INGEST_JSON_MAX >> 20);
    }
    *out = malloc((size_t)len + 1);
    if (!*out || fread(*out, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(*out);
        *out = NULL;
        return err_set(e, ERR_INPUT, "%s: cannot read", path);
    }
    fclose(f);
    *n = (size_t)len;
    return 0;
}

/* Reads the page into a tree whose numbers are strings; NULL root with e set on error. */
static int parse(const char *path, json_t **root, struct err *e)
{
    char *raw = NULL, *q = NULL;
    size_t n = 0, qn = 0;
    json_error_t je;
    const char *p;
    *root = NULL;
    if (read_all(path, &raw, &n, e) < 0)
        return -1;
    p = raw;
    if (n >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3)) {
        p += 3;
        n -= 3;
    }
    if (quote_numbers(p, n, &q, &qn, e) < 0) {
        free(raw);
        return -1;
    }
    free(raw);
    *root = json_loadb(q, qn, JSON_REJECT_DUPLICATES, &je);
    free(q);
    if (!*root)
        return err_set(e, ERR_INPUT, "%s:%d:%d: %s: not valid JSON; fetch it again", path,
                       je.line, je.column, je.text);
    return 0;
}

int ingest_events_file(struct ledger *lg, const char *path, const char *sha256, int64_t bytes,
                       struct ingest_result *res, struct err *e)
{
    struct ev s = { .path = path };
    json_t *root, *p, *fe, *tx;
    const char *kind;
    int rc;

    if (parse(path, &root, e) < 0)
        return -1;
    p = json_is_object(json_object_get(root, "payload")) ? json_object_get(root, "payload")
                                                         : root;
    fe = json_object_get(p, "FinancialEvents");
    tx = json_object_get(p, "transactions");
    if (!json_is_object(fe) && !tx) {
        json_decref(root);
        return 1;
    }
    kind = json_is_object(fe) ? "finances_events" : "finances_transactions";
    snprintf(res->kind, sizeof res->kind, "%s", kind);
    if ((rc = known(lg, sha256, e)) != 0) {
        json_decref(root);
        res->skipped = rc > 0;
        return rc < 0 ? -1 : 0;
    }
    rc = json_is_object(fe) ? ev_financial_events(&s, fe, e) : ev_transactions(&s, tx, e);
    if (rc == 0)
        rc = assign_keys(&s, e);
    if (rc == 0)
        rc = other_api(lg, &s, kind, e);
    if (rc == 0 && (rc = ledger_savepoint(lg, e)) == 0) {
        char detail[1024];
        snprintf(detail, sizeof detail, "%s sha256=%s records=%zu path=%s", kind, sha256, s.n,
                 path);
        rc = store(lg, &s, kind, sha256, bytes, res, e);
        if (rc == 0)
            rc = ledger_audit(lg, "ingest", detail, e);
        if (rc < 0)
            ledger_rollback_to(lg);
        else
            rc = ledger_release(lg, e);
    }
    free(s.v);
    json_decref(root);
    return rc;
}
