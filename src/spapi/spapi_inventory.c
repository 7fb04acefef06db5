/* spapi_inventory — the FBA Inventory Ledger summary view (GET_LEDGER_SUMMARY_VIEW_DATA,
 * Reports API 2021-06-30) for each complete month the ledger lacks: createReport with the
 * month's dataStartTime/dataEndTime, getReport until DONE (or FATAL/CANCELLED: skipped, a
 * later fetch asks again), download (gunzipped) to <data_dir>/inventory/<YYYY-MM>.tsv and
 * ingest, each month in its own transaction. Only for sellers who use inventory: the ledger
 * holds unit costs or an inventory ledger already. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"
#include "spapi_int.h"

#define INV_REPORT "GET_LEDGER_SUMMARY_VIEW_DATA"
#define INV_MONTHS_MAX 24     /* months asked for in one run */
#define INV_POLLS_MAX 40      /* getReport calls per report (backoff grows to 32 s) */

static int scalar(struct spapi *sp, const char *sql, const char *arg, int64_t *out,
                  struct err *e)
{
    sqlite3_stmt *st;
    int s;
    if (ledger_prepare(sp->lg, &st, sql, e) < 0)
        return -1;
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    *out = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return s == SQLITE_ROW ? 0 : ledger_fail(sp->lg, e, "inventory fetch");
}

/* createReport, then getReport until it is done; *doc = "" when Amazon gave up on it. */
static int request(struct spapi *sp, const char *month, char *id, char *doc, struct err *e)
{
    char body[1024], q[256], from[DATES_ISO_MAX], to[DATES_ISO_MAX];
    int y = atoi(month), m = atoi(month + 5);
    int64_t start = dates_days(y, m, 1) * 86400;
    int64_t end = dates_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 86400 - 1;
    json_t *r;
    dates_iso(from, start, 1);
    dates_iso(to, end, 1);
    snprintf(body, sizeof body, "{\"reportType\":\"" INV_REPORT "\",\"dataStartTime\":\"%s\","
             "\"dataEndTime\":\"%s\",\"marketplaceIds\":[\"%.*s\"],\"reportOptions\":"
             "{\"aggregateByLocation\":\"COUNTRY\",\"aggregatedByTimePeriod\":\"MONTHLY\"}}",
             from, to, (int)strcspn(sp->cfg->spapi.marketplace_ids, ","),
             sp->cfg->spapi.marketplace_ids);
    if (spapi_post(sp, SPAPI_OP_CREATE_REPORT, "/reports/2021-06-30/reports", body, &r, e) < 0)
        return -1;
    const char *rid = json_string_value(json_object_get(r, "reportId"));
    if (!spapi_id_ok(rid)) {
        json_decref(r);
        return err_set(e, ERR_NET, "Amazon SP-API: createReport gave no usable reportId");
    }
    snprintf(id, SPAPI_ID_MAX + 1, "%s", rid);
    json_decref(r);
    doc[0] = '\0';
    for (int poll = 0; poll < INV_POLLS_MAX; poll++) {
        const char *status, *d;
        clock_sleep_ms(spapi_backoff_ms(sp, poll < 6 ? poll : 6));
        snprintf(q, sizeof q, "/reports/2021-06-30/reports/%s", id);
        if (spapi_get(sp, SPAPI_OP_GET_REPORT, q, &r, e) < 0)
            return -1;
        status = json_string_value(json_object_get(r, "processingStatus"));
        d = json_string_value(json_object_get(r, "reportDocumentId"));
        if (status && !strcmp(status, "DONE") && spapi_id_ok(d)) {
            snprintf(doc, SPAPI_ID_MAX + 1, "%s", d);
            json_decref(r);
            return 0;
        }
        if (!status || !strcmp(status, "FATAL") || !strcmp(status, "CANCELLED")) {
            log_error("inventory ledger %s: Amazon ended report %s as %s; a later fetch asks "
                      "again", month, id, status ? status : "(no status)");
            json_decref(r);
            return 0;
        }
        json_decref(r);
    }
    log_info("inventory ledger %s: report %s still being prepared; a later fetch asks again",
             month, id);
    return 0;
}

/* Downloads, keeps and ingests one month's report in its own transaction. */
static int one(struct spapi *sp, const char *month, const char *dir, struct err *e)
{
    char id[SPAPI_ID_MAX + 1], doc[SPAPI_ID_MAX + 1], final[4200], detail[1024];
    struct ingest_result res;
    struct stat st;
    int gzip = 0;
    if (request(sp, month, id, doc, e) < 0)
        return -1;
    if (!doc[0])
        return 0;
    snprintf(final, sizeof final, "%s/%s.tsv", dir, month);
    if (spapi_mkdirs(dir, e) < 0 ||
        spapi_report_download(sp, id, doc, dir, final, &gzip, e) < 0 ||
        ledger_begin(sp->lg, e) < 0)
        return -1;
    if (spapi_ingest(sp, final, &res, e) < 0) {
        ledger_rollback(sp->lg);
        return err_prefix(e, "inventory ledger %s (kept as %s): ", month, final);
    }
    struct spapi_report_row row = {
        .report_id = id, .report_type = INV_REPORT, .document_id = doc, .created = "",
        .compression = gzip ? "gzip" : "none", .sha256 = res.sha256, .path = final,
        .state = res.skipped ? "known" : "ingested",
        .bytes = stat(final, &st) == 0 ? (int64_t)st.st_size : 0,
    };
    snprintf(detail, sizeof detail, "inventory ledger %s report %s document %s sha256=%s "
             "path=%s", month, id, doc, res.sha256, final);
    if (spapi_report_add(sp->lg, &row, e) < 0 || ledger_audit(sp->lg, "fetch", detail, e) < 0 ||
        ledger_commit(sp->lg, e) < 0) {
        ledger_rollback(sp->lg);
        return -1;
    }
    sp->sum->inventory_fetched++;
    spapi_note_file(sp, "inventory_ledger", id, final, &res);
    log_info("inventory ledger %s: report %s, %s, %lld row(s)", month, id, final,
             (long long)res.lines);
    return 0;
}

int spapi_inventory(struct spapi *sp, struct err *e)
{
    char since[DATES_ISO_MAX], month[8], dir[4096], path[4200];
    int64_t uses, have, now = clock_now_s();
    int y, m, d, ny, nm, nd;
    if (scalar(sp, "SELECT EXISTS (SELECT 1 FROM unit_cost) OR EXISTS (SELECT 1 FROM "
               "inventory_ledger)", NULL, &uses, e) < 0)
        return -1;
    if (!uses)
        return 0;   /* not a seller who tracks inventory here */
    if (spapi_start(sp, "reports.created", since, e) < 0)
        return -1;
    snprintf(dir, sizeof dir, "%s/inventory", sp->cfg->spapi.data_dir);
    dates_civil(now / 86400, &ny, &nm, &nd);
    y = atoi(since);
    m = atoi(since + 5);
    (void)d;
    for (int k = 0; k < INV_MONTHS_MAX && (y < ny || (y == ny && m < nm)); k++) {
        snprintf(month, sizeof month, "%04d-%02d", y, m);
        snprintf(path, sizeof path, "%s/%s.tsv", dir, month);
        if (scalar(sp, "SELECT EXISTS (SELECT 1 FROM inventory_ledger WHERE month = ?1)",
                   month, &have, e) < 0)
            return -1;
        if (!have && scalar(sp, "SELECT EXISTS (SELECT 1 FROM fetched_report WHERE "
                            "report_type = '" INV_REPORT "' AND path = ?1)", path, &have,
                            e) < 0)
            return -1;
        if (!have && one(sp, month, dir, e) < 0)
            return -1;
        if (++m == 13) {
            m = 1;
            y++;
        }
    }
    return 0;
}
