/* spapi_reports — settlement reports from the Reports API 2021-06-30: lists them
 * (getReports, nextToken paging), skips those fetched before, gets each new one's document
 * (getReportDocument), downloads it without the access token, gunzips it when it is GZIP,
 * keeps it as <data_dir>/settlements/<reportId>.tsv and ingests it in its own transaction.
 * A download that is cut short (Content-Length, gzip CRC/length, empty) is retried, never
 * ingested. */
#include "spapi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"

enum rep_state { REP_DONE, REP_PENDING, REP_DEAD };

struct rep {
    char id[SPAPI_ID_MAX + 1], doc[SPAPI_ID_MAX + 1], created[DATES_ISO_MAX];
    int state;
};

struct replist {
    struct rep *v;
    size_t n, cap;
};

static int bad_answer(struct err *e, const char *what)
{
    return err_set(e, ERR_NET, "Amazon SP-API: getReports answered %s: nothing was ingested "
                   "from it; run `settlebook fetch` again later, or report it if it persists",
                   what);
}

/* One entry of "reports": appended to l unless it is not a settlement report or a repeat. */
static int take(struct replist *l, json_t *r, struct err *e)
{
    const char *type = json_string_value(json_object_get(r, "reportType"));
    const char *id = json_string_value(json_object_get(r, "reportId"));
    const char *doc = json_string_value(json_object_get(r, "reportDocumentId"));
    const char *status = json_string_value(json_object_get(r, "processingStatus"));
    const char *created = json_string_value(json_object_get(r, "createdTime"));
    struct rep *p;
    int64_t t;
    int has_time;
    struct err de = {0};

    if (!type || strcmp(type, SPAPI_SETTLEMENT_REPORT) != 0)
        return 0;
    if (!spapi_id_ok(id))
        return bad_answer(e, "a report without a usable reportId");
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0)
            return 0;
    if (l->n >= SPAPI_REPORTS_MAX)
        return err_set(e, ERR_NET, "Amazon SP-API: more than %d settlement reports listed: "
                       "fetch with a later --since", SPAPI_REPORTS_MAX);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct rep *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    p = &l->v[l->n];
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    p->state = status && strcmp(status, "DONE") == 0 ? REP_DONE
             : status && (strcmp(status, "IN_QUEUE") == 0 ||
                          strcmp(status, "IN_PROGRESS") == 0) ? REP_PENDING : REP_DEAD;
    if (created && dates_parse(created, &t, &has_time, &de) == 0)
        dates_iso(p->created, t, 1);
    if (p->state == REP_DONE) {
        if (!spapi_id_ok(doc))
            return bad_answer(e, "a DONE report without a usable reportDocumentId");
        snprintf(p->doc, sizeof p->doc, "%s", doc);
    }
    l->n++;
    return 0;
}

static int list(struct spapi *sp, const char *since, struct replist *l, struct err *e)
{
    char q[SPAPI_NEXT_MAX * 3 + 256], esc[SPAPI_NEXT_MAX * 3], next[SPAPI_NEXT_MAX] = "";
    for (int page = 0; page < SPAPI_PAGES_MAX; page++) {
        json_t *root, *reports, *r;
        const char *nt;
        size_t i;
        int rc = 0;
        if (!next[0]) {
            http_escape(since, esc, sizeof esc);
            snprintf(q, sizeof q, "/reports/2021-06-30/reports?reportTypes=%s&createdSince=%s"
                     "&pageSize=100", SPAPI_SETTLEMENT_REPORT, esc);
        } else {
            /* with nextToken, no other parameter may be sent */
            http_escape(next, esc, sizeof esc);
            snprintf(q, sizeof q, "/reports/2021-06-30/reports?nextToken=%s", esc);
        }
        if (spapi_get(sp, SPAPI_OP_REPORTS, q, &root, e) < 0)
            return -1;
        reports = json_object_get(root, "reports");
        if (!json_is_array(reports))
            rc = bad_answer(e, "without a \"reports\" array");
        json_array_foreach(reports, i, r)
            if (rc == 0 && json_is_object(r))
                rc = take(l, r, e);
        nt = json_string_value(json_object_get(root, "nextToken"));
        if (rc == 0 && nt && strlen(nt) >= sizeof next)
            rc = bad_answer(e, "a nextToken longer than 4 KiB");
        snprintf(next, sizeof next, "%s", rc == 0 && nt ? nt : "");
        json_decref(root);
        if (rc < 0)
            return -1;
        if (!next[0])
            return 0;
    }
    return err_set(e, ERR_NET, "Amazon SP-API: getReports gave more than %d pages",
                   SPAPI_PAGES_MAX);
}

static int by_created(const void *a, const void *b)
{
    const struct rep *x = a, *y = b;
    int c = strcmp(x->created, y->created);
    return c ? c : strcmp(x->id, y->id);
}

/* A GZIP document whose bytes are not gzip (a storage host that set Content-Encoding, which
 * libcurl already decoded) is plain text: *gzip is cleared. A cut gzip still starts with the
 * magic bytes, so it is still refused by spapi_gunzip. */
static int plain_text(const char *path, int *gzip)
{
    unsigned char magic[2] = { 0, 0 };
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(magic, 1, 2, f) : 0;
    if (f)
        fclose(f);
    if (n < 2 || (magic[0] == 0x1f && magic[1] == 0x8b))
        return 0;   /* gzip (or too short to tell): spapi_gunzip decides */
    log_verbose("%s: not gzip data although GZIP was announced; taken as plain text", path);
    *gzip = 0;
    return 1;
}

/* One download attempt of doc into final; *why says what went wrong (retry). */
static int download_once(struct spapi *sp, const struct rep *r, const char *dir,
                         const char *final, int *gzip, char *why, size_t why_cap,
                         struct err *e)
{
    char q[256], part[4200], plain[4200];
    json_t *doc;
    const char *url, *comp;
    struct http_req rq = { .method = "GET", .download_path = part,
                           .timeout_ms = sp->cfg->spapi.timeout_ms * 5L };
    struct http_resp resp;
    struct err he = {0};
    struct stat st;
    int rc = 0;

    snprintf(q, sizeof q, "/reports/2021-06-30/documents/%s", r->doc);
    if (spapi_get(sp, SPAPI_OP_DOCUMENT, q, &doc, e) < 0)
        return -1;
    url = json_string_value(json_object_get(doc, "url"));
    comp = json_string_value(json_object_get(doc, "compressionAlgorithm"));
    if (!url || spapi_url_ok(url, "the report document's url", &he) < 0) {
        json_decref(doc);
        return err_set(e, ERR_NET, "Amazon SP-API: report %s: getReportDocument gave no "
                       "usable https url", r->id);
    }
    if (comp && strcmp(comp, "GZIP") != 0) {
        json_decref(doc);
        return err_set(e, ERR_NET, "Amazon SP-API: report %s: compressionAlgorithm '%.20s' is "
                       "not one settlebook knows (GZIP)", r->id, comp);
    }
    *gzip = comp != NULL;
    snprintf(part, sizeof part, "%s/.%s.download", dir, r->id);
    snprintf(plain, sizeof plain, "%s/.%s.tsv", dir, r->id);
    rq.url = url;   /* presigned: no access token goes to the storage host */
    if (http_do(&rq, &resp, &he) < 0)
        snprintf(why, why_cap, "%s", he.msg);
    else if (resp.status != 200)
        snprintf(why, why_cap, "the download answered HTTP %ld", resp.status);
    else if (*gzip && !plain_text(part, gzip) && spapi_gunzip(part, plain, &he) < 0)
        snprintf(why, why_cap, "%s", he.msg);
    else if (!*gzip && rename(part, plain) != 0)
        rc = err_set(e, ERR_IO, "%s: cannot rename into place", plain);
    else if (stat(plain, &st) != 0 || st.st_size == 0)
        snprintf(why, why_cap, "the document is empty");
    else if (rename(plain, final) != 0)
        rc = err_set(e, ERR_IO, "%s: cannot rename into place", final);
    else
        why[0] = '\0';
    http_resp_free(&resp);
    json_decref(doc);
    remove(part);
    remove(plain);
    return rc;
}

/* Downloads r's document completely into final, retrying a cut or failed download (with a
 * fresh document url each time: Amazon's expire after five minutes). */
static int download(struct spapi *sp, const struct rep *r, const char *dir, const char *final,
                    int *gzip, struct err *e)
{
    char why[600];
    int max = sp->cfg->spapi.max_retries;
    for (int attempt = 0;; attempt++) {
        if (download_once(sp, r, dir, final, gzip, why, sizeof why, e) < 0)
            return -1;
        if (!why[0])
            return 0;
        if (attempt >= max)
            return err_set(e, ERR_NET, "Amazon SP-API: report %s: the download failed %d "
                           "time(s) (last: %s); nothing of it was ingested: run `settlebook "
                           "fetch` again later", r->id, attempt + 1, why);
        int64_t wait = spapi_backoff_ms(sp, attempt);
        log_verbose("report %s: %s; retry %d of %d in %lld ms", r->id, why, attempt + 1, max,
                    (long long)wait);
        clock_sleep_ms(wait);
    }
}

/* Downloads, keeps and ingests one DONE report; *refused is set when ingest refused it. */
static int fetch_one(struct spapi *sp, const struct rep *r, const char *dir, int *refused,
                     struct err *e)
{
    char final[4200], detail[1024];
    struct ingest_result res;
    struct err ie = {0};
    struct stat st;
    int gzip = 0;

    *refused = 0;
    snprintf(final, sizeof final, "%s/%s.tsv", dir, r->id);
    if (download(sp, r, dir, final, &gzip, e) < 0)
        return -1;
    if (ledger_begin(sp->lg, e) < 0)
        return -1;
    if (spapi_ingest(sp, final, &res, &ie) < 0) {
        ledger_rollback(sp->lg);
        if (ie.code != ERR_INPUT) {
            *e = ie;
            return -1;
        }
        log_error("%s", ie.msg);
        log_error("report %s was downloaded to %s but not ingested; it is fetched again next "
                  "time (if the settlement is already in the ledger from another file, "
                  "`settlebook ingest --replace %s` takes this one)", r->id, final, final);
        *refused = 1;
        return 0;
    }
    struct spapi_report_row row = {
        .report_id = r->id, .report_type = SPAPI_SETTLEMENT_REPORT, .document_id = r->doc,
        .created = r->created, .compression = gzip ? "gzip" : "none", .sha256 = res.sha256,
        .path = final, .state = res.skipped ? "known" : "ingested",
        .bytes = stat(final, &st) == 0 ? (int64_t)st.st_size : 0,
    };
    snprintf(detail, sizeof detail, "report %s document %s sha256=%s path=%s%s", r->id, r->doc,
             res.sha256, final, res.skipped ? " (same bytes already ingested)" : "");
    if (spapi_report_add(sp->lg, &row, e) < 0 || ledger_audit(sp->lg, "fetch", detail, e) < 0 ||
        ledger_commit(sp->lg, e) < 0) {
        ledger_rollback(sp->lg);
        return -1;
    }
    sp->sum->reports_fetched++;
    spapi_note_file(sp, "settlement_report", r->id, final, &res);
    if (res.skipped)
        log_info("report %s: %s already ingested (same bytes); recorded as fetched", r->id,
                 final);
    else
        log_info("report %s: %s, settlement %s %s, %lld lines%s", r->id, final,
                 res.settlement_id, res.currency, (long long)res.lines,
                 res.mismatch ? " — MISMATCH (flagged SETTLEMENT_TOTAL_MISMATCH)" : "");
    return 0;
}

/* Where the next listing starts: the oldest report still in progress, else the newest seen. */
static int advance(struct spapi *sp, const struct replist *l, struct err *e)
{
    const char *to = NULL;
    char detail[96];
    int changed = 0;
    for (size_t i = 0; i < l->n && !to; i++)
        if (l->v[i].state == REP_PENDING && l->v[i].created[0])
            to = l->v[i].created;
    for (size_t i = l->n; i > 0 && !to; i--)
        if (l->v[i - 1].created[0])
            to = l->v[i - 1].created;
    if (!to)
        return 0;
    snprintf(detail, sizeof detail, "cursor reports.created=%s", to);
    if (ledger_begin(sp->lg, e) < 0)
        return -1;
    if (spapi_cursor_set(sp->lg, "reports.created", to, &changed, e) < 0 ||
        (changed && ledger_audit(sp->lg, "fetch", detail, e) < 0) ||
        ledger_commit(sp->lg, e) < 0) {
        ledger_rollback(sp->lg);
        return -1;
    }
    return 0;
}

static int process(struct spapi *sp, struct replist *l, const char *dir, struct err *e)
{
    int64_t refused = 0;
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, by_created);
    sp->sum->reports_listed = (int64_t)l->n;
    for (size_t i = 0; i < l->n; i++) {
        const struct rep *r = &l->v[i];
        int known = 0, bad = 0;
        /* again each report: ingesting one shows its own lines in between */
        progress_begin_at("fetch settlement reports", (int64_t)i, (int64_t)l->n, "reports");
        if (r->state == REP_PENDING) {
            sp->sum->reports_pending++;
            log_info("report %s: still being prepared by Amazon; a later fetch takes it", r->id);
            continue;
        }
        if (r->state == REP_DEAD)
            continue;
        if (spapi_report_known(sp->lg, r->id, &known, e) < 0) {
            progress_cancel();
            return -1;
        }
        if (known) {
            sp->sum->reports_known++;
            log_verbose("report %s: fetched before; skipped", r->id);
            continue;
        }
        if (spapi_mkdirs(dir, e) < 0 || fetch_one(sp, r, dir, &bad, e) < 0) {
            progress_cancel();
            return -1;
        }
        refused += bad;
    }
    if (l->n) {
        progress_begin_at("fetch settlement reports", (int64_t)l->n, (int64_t)l->n, "reports");
        progress_end();
    }
    sp->sum->reports_refused = refused;
    return refused ? 0 : advance(sp, l, e);
}

int spapi_report_download(struct spapi *sp, const char *report_id, const char *doc_id,
                          const char *dir, const char *final, int *gzip, struct err *e)
{
    struct rep r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", report_id);
    snprintf(r.doc, sizeof r.doc, "%s", doc_id);
    return download(sp, &r, dir, final, gzip, e);
}

int spapi_reports(struct spapi *sp, struct err *e)
{
    char since[DATES_ISO_MAX], dir[4096];
    struct replist l = {0};
    int rc;
    if (spapi_start(sp, "reports.created", since, e) < 0)
        return -1;
    snprintf(dir, sizeof dir, "%s/settlements", sp->cfg->spapi.data_dir);
    log_verbose("settlement reports created since %s", since);
    rc = list(sp, since, &l, e);
    if (rc == 0)
        rc = process(sp, &l, dir, e);
    free(l.v);
    return rc;
}
