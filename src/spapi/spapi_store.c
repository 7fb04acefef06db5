/* spapi_store — the ledger and disk side of fetching: which reports are already fetched, the
 * cursors the next fetch starts from, files kept under the data folder (temp file + rename),
 * and ingesting a kept file with its audit entry. Never stores a token. */
#include "spapi_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"

int spapi_id_ok(const char *id)
{
    size_t n = 0;
    if (!id || !*id || *id == '.')
        return 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (n >= SPAPI_ID_MAX || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                   (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int spapi_mkdirs(const char *path, struct err *e)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
        return err_set(e, ERR_INPUT, "%.200s...: folder name too long", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return err_set(e, ERR_IO, "%s: cannot create folder (%s)", p, strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return err_set(e, ERR_IO, "%s: cannot create folder (%s)", p, strerror(errno));
    return 0;
}

int spapi_write_json(const char *dir, const char *prefix, json_t *root, char *path,
                     size_t cap, struct err *e)
{
    char hex[HASH_HEX_LEN];
    struct stat st;
    char *text = json_dumps(root, JSON_INDENT(2));
    int rc = 0;
    if (!text)
        return err_set(e, ERR_NOMEM, "out of memory writing %s", prefix);
    size_t n = strlen(text);
    char *nl = realloc(text, n + 2);
    if (!nl) {
        free(text);
        return err_set(e, ERR_NOMEM, "out of memory writing %s", prefix);
    }
    text = nl;
    text[n++] = '\n';
    text[n] = '\0';
    hash_hex(text, n, hex);
    if (snprintf(path, cap, "%s/%s%.12s.json", dir, prefix, hex) >= (int)cap)
        rc = err_set(e, ERR_INPUT, "%s: path too long", dir);
    else if (stat(path, &st) != 0 || (size_t)st.st_size != n)
        rc = fileio_write_atomic(path, text, n, e);
    free(text);
    return rc;
}

int spapi_report_known(struct ledger *lg, const char *report_id, int *known, struct err *e)
{
    sqlite3_stmt *st;
    if (ledger_prepare(lg, &st, "SELECT 1 FROM fetched_report WHERE report_id = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    *known = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return 0;
}

int spapi_report_add(struct ledger *lg, const struct spapi_report_row *r, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run;
    int rc;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO fetched_report(report_id, report_type, "
                       "document_id, created_utc, compression, sha256, bytes, path, state, "
                       "source_file_id, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                       "(SELECT id FROM source_file WHERE sha256 = ?6), ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, r->report_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->report_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->document_id, -1, SQLITE_STATIC);
    if (r->created && *r->created)
        sqlite3_bind_text(st, 4, r->created, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->compression, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, r->bytes);
    sqlite3_bind_text(st, 8, r->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, run);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(lg, e, "insert fetched_report");
    sqlite3_finalize(st);
    return rc;
}

int spapi_cursor_get(struct ledger *lg, const char *name, char *out, struct err *e)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (ledger_prepare(lg, &st, "SELECT value FROM fetch_cursor WHERE name = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, DATES_ISO_MAX, "%s", ledger_text(st, 0));
    sqlite3_finalize(st);
    return 0;
}

int spapi_cursor_set(struct ledger *lg, const char *name, const char *value, int *changed,
                     struct err *e)
{
    char old[DATES_ISO_MAX];
    sqlite3_stmt *st;
    int64_t run;
    int rc;
    *changed = 0;
    if (spapi_cursor_get(lg, name, old, e) < 0)
        return -1;
    /* canonical "YYYY-MM-DDTHH:MM:SSZ" sorts as text */
    if (old[0] && strcmp(value, old) <= 0)
        return 0;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO fetch_cursor(name, value, run_id) VALUES (?, ?, ?) "
                       "ON CONFLICT(name) DO UPDATE SET value = excluded.value, "
                       "run_id = excluded.run_id", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, run);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(lg, e, "store fetch cursor");
    sqlite3_finalize(st);
    if (rc == 0)
        *changed = 1;
    return rc;
}

int spapi_ingest(struct spapi *sp, const char *path, struct ingest_result *res, struct err *e)
{
    struct ingest_opts o = { .bank = &sp->cfg->bank,
                              .base_currency = sp->cfg->base_currency };
    return ingest_file(sp->lg, path, &o, res, e);
}

void spapi_note_file(struct spapi *sp, const char *kind, const char *id, const char *path,
                     const struct ingest_result *res)
{
    json_t *o;
    if (!sp->o || !sp->o->files)
        return;
    o = json_pack("{s:s, s:s, s:s, s:s, s:b}", "kind", kind, "id", id, "path", path, "sha256",
                  res->sha256, "skipped", res->skipped);
    if (o && res->settlement_id[0])
        json_object_set_new(o, "settlement_id", json_string(res->settlement_id));
    json_array_append_new(sp->o->files, o);
}
