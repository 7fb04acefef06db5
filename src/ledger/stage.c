/* stage — the one writer of stage_input: what each stage last ran on, so an unchanged rerun
 * skips its work; and the input digests those rows hold. Never decides whether a stage's
 * output is right: a stage asks, and reruns whenever anything it reads may have changed. */
#include "ledger.h"

#include <stdio.h>
#include <string.h>

/* The raw tables only ingest fills, each row from a file that source_file records (sha256,
 * superseded_by): their contents are covered by source_file's rows, so they are not read
 * (settlement_line_rare lists some of settlement_line's rows: covered with them). The
 * journal's lines are covered by journal.content_sha256. stage_input is this module's own;
 * file_seen only saves ingest re-reading unchanged files and is no stage's input. */
static const char *const COVERED[] = {
    "settlement_line", "settlement_line_rare", "orders", "order_item", "bank_line",
    "journal_line", "stage_input", "file_seen",
};

static void put_str(struct hash_ctx *h, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    unsigned char tag = s ? 's' : 'n';
    hash_update(h, &tag, 1);
    hash_update(h, &n, sizeof n);
    if (n)
        hash_update(h, s, n);
}

/* Every column of every row of sql (?1 bound to p1 when it has parameters), with its type,
 * into h. */
static int hash_rows_p(struct ledger *lg, struct hash_ctx *h, const char *sql, const char *p1,
                       struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(lg, &st, sql, e) < 0)
        return -1;
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        for (int i = 0; i < n; i++) {
            unsigned char t = (unsigned char)sqlite3_column_type(st, i);
            int64_t v = sqlite3_column_int64(st, i);
            const void *b = sqlite3_column_blob(st, i);
            size_t len = (size_t)sqlite3_column_bytes(st, i);
            hash_update(h, &t, 1);
            if (t == SQLITE_INTEGER) {
                hash_update(h, &v, sizeof v);
            } else if (t != SQLITE_NULL) {
                hash_update(h, &len, sizeof len);
                if (len)
                    hash_update(h, b, len);
            }
        }
        hash_update(h, "\n", 1);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "stage digest");
}

static int hash_rows(struct ledger *lg, struct hash_ctx *h, const char *sql, struct err *e)
{
    return hash_rows_p(lg, h, sql, NULL, e);
}

int stage_rows_digest(struct ledger *lg, const char *const *sqls, size_t n, const char *p1,
                      char hex[HASH_HEX_LEN], struct err *e)
{
    struct hash_ctx *h;
    if (hash_new(&h, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        put_str(h, sqls[i]);
        if (hash_rows_p(lg, h, sqls[i], p1, e) < 0) {
            hash_free(h);
            return -1;
        }
    }
    hash_final(h, hex);
    return 0;
}

static int covered(const char *table)
{
    for (size_t i = 0; i < sizeof COVERED / sizeof COVERED[0]; i++)
        if (strcmp(table, COVERED[i]) == 0)
            return 1;
    return 0;
}

/* Every table but the covered ones, in name order, whole (a table added by a later
 * migration is included without anyone having to remember it). */
static int hash_tables(struct ledger *lg, struct hash_ctx *h, struct err *e)
{
    sqlite3_stmt *st;
    int s, rc = 0;
    if (ledger_prepare(lg, &st, "SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                       "name NOT LIKE 'sqlite_%' ORDER BY name", e) < 0)
        return -1;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char sql[256];
        if (covered(t))
            continue;
        put_str(h, t);
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", t); /* btree order: deterministic */
        rc = hash_rows(lg, h, sql, e);
    }
    sqlite3_finalize(st);
    if (rc == 0 && s != SQLITE_DONE)
        rc = ledger_fail(lg, e, "stage digest tables");
    return rc;
}

int stage_digest(struct ledger *lg, const struct config *cfg, const char *stage,
                 const char *scope, int whole, char hex[HASH_HEX_LEN], struct err *e)
{
    struct hash_ctx *h;
    char v[32];
    if (hash_new(&h, e) < 0)
        return -1;
    snprintf(v, sizeof v, "%d", ledger_schema_version());
    put_str(h, "settlebook " SETTLEBOOK_VERSION " stage_input 1");
    put_str(h, v);
    put_str(h, stage);
    put_str(h, scope);
    put_str(h, cfg->hash);
    /* besides the raw rows, what Xero told the preflight (tracked items and their quantity
     * on hand, for INVENTORY_MISMATCH) is an input of reconcile */
    if (hash_rows(lg, h, "SELECT id, sha256, kind, rows, superseded_by FROM source_file "
                  "ORDER BY id", e) < 0 ||
        (!whole && hash_rows(lg, h, "SELECT kind, key, status, detail FROM xero_ref ORDER BY "
                             "kind, key", e) < 0) ||
        (whole && hash_tables(lg, h, e) < 0)) {
        hash_free(h);
        return -1;
    }
    hash_final(h, hex);
    return 0;
}

int stage_exceptions_digest(struct ledger *lg, const char *scope, const char *period,
                            char hex[HASH_HEX_LEN], struct err *e)
{
    struct hash_ctx *h;
    sqlite3_stmt *st;
    int s;
    if (hash_new(&h, e) < 0)
        return -1;
    if (ledger_prepare(lg, &st, "SELECT x.* FROM exception x WHERE x.scope = ?2 AND "
                       EXCEPTION_SCOPE_SQL " ORDER BY x.id", e) < 0) {
        hash_free(h);
        return -1;
    }
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            put_str(h, t);
        }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        hash_free(h);
        return ledger_fail(lg, e, "stage exceptions digest");
    }
    hash_final(h, hex);
    return 0;
}

int stage_get(struct ledger *lg, const char *stage, const char *scope,
              char in[HASH_HEX_LEN], char out[HASH_HEX_LEN], struct err *e)
{
    sqlite3_stmt *st;
    int s;
    in[0] = out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT input_sha256, output_sha256 FROM stage_input WHERE "
                       "stage = ?1 AND scope = ?2", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        snprintf(in, HASH_HEX_LEN, "%s", ledger_text(st, 0));
        snprintf(out, HASH_HEX_LEN, "%s", ledger_text(st, 1));
    }
    sqlite3_finalize(st);
    return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : ledger_fail(lg, e, "read stage_input");
}

int stage_put(struct ledger *lg, const char *stage, const char *scope, const char *in,
              const char *out, struct err *e)
{
    sqlite3_stmt *st;
    int ok;
    /* the row is only rewritten when it differs, so an unchanged rerun writes nothing */
    if (ledger_prepare(lg, &st, "INSERT INTO stage_input(stage, scope, input_sha256, "
                       "output_sha256) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (stage, scope) DO "
                       "UPDATE SET input_sha256 = excluded.input_sha256, output_sha256 = "
                       "excluded.output_sha256 WHERE input_sha256 != excluded.input_sha256 OR "
                       "output_sha256 != excluded.output_sha256", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, in, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, out ? out : "", -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : ledger_fail(lg, e, "write stage_input");
}
