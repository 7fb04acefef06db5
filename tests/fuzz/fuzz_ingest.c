/* fuzz_ingest — libFuzzer target for the whole ingest path: the input becomes a file, which
 * ingest_file loads into an in-memory ledger inside a transaction that is then rolled back.
 * Besides crashes and sanitizer reports it aborts when an invariant breaks: a refused file
 * must leave no row behind and say "FILE:LINE..." with ERR_INPUT; an accepted settlement's
 * stored lines must add up to what ingest reported; the same content again must be refused
 * without --replace and supersede cleanly with it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "ledger.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ledger *lg;
static char path[2][64];
static struct config_bank bank;

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_ingest: " __VA_ARGS__); \
    fputc('\n', stderr); abort(); } } while (0)

static void cleanup(void)
{
    unlink(path[0]);
    unlink(path[1]);
    ledger_close(lg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct err e = {0};
    (void)argc;
    (void)argv;
    if (ledger_open(&lg, ":memory:", 1, &e) < 0) {
        fprintf(stderr, "fuzz_ingest: %s\n", e.msg);
        exit(1);
    }
    ledger_set_command(lg, "fuzz");
    config_bank_defaults(&bank);
    snprintf(path[0], sizeof path[0], "/tmp/fuzz-ingest-%ld-a.tsv", (long)getpid());
    snprintf(path[1], sizeof path[1], "/tmp/fuzz-ingest-%ld-b.tsv", (long)getpid());
    atexit(cleanup);
    return 0;
}

static void write_file(const char *p, const uint8_t *data, size_t size, const char *tail)
{
    FILE *f = fopen(p, "wb");
    REQUIRE(f, "cannot write %s", p);
    REQUIRE(fwrite(data, 1, size, f) == size && fputs(tail, f) >= 0 && fclose(f) == 0,
            "cannot write %s", p);
}

static int64_t count(const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    REQUIRE(sqlite3_prepare_v2(ledger_db(lg), sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
            sqlite3_errmsg(ledger_db(lg)));
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int64_t rows(void)
{
    return count("SELECT (SELECT count(*) FROM source_file) + (SELECT count(*) FROM settlement)"
                 " + (SELECT count(*) FROM settlement_line) + (SELECT count(*) FROM exception)"
                 " + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_item)"
                 " + (SELECT count(*) FROM bank_line) + (SELECT count(*) FROM run)");
}

/* A refused file: ERR_INPUT (or out of memory), the message starts with its path, and the
 * savepoint took every row away. */
static void check_refused(const char *p, const struct err *e, int64_t before)
{
    size_t n = strlen(p);
    REQUIRE(e->code == ERR_INPUT || e->code == ERR_NOMEM, "error code %d for bad input: %s",
            e->code, e->msg);
    REQUIRE(strncmp(e->msg, p, n) == 0 && e->msg[n] == ':', "message lacks 'FILE:': %s",
            e->msg);
    REQUIRE(rows() == before, "a refused file left rows behind: %s", e->msg);
}

/* An accepted settlement: the ledger agrees with what ingest reported. */
static void check_settlement(const struct ingest_result *r)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT total_minor = %lld AND lines_sum_minor = %lld AND "
             "line_count = %lld AND currency = '%s' FROM settlement WHERE settlement_id = "
             "'%s'", (long long)r->total_minor, (long long)r->lines_sum_minor,
             (long long)r->lines, r->currency, r->settlement_id);
    if (strchr(r->settlement_id, '\''))
        return; /* not worth quoting: the id is bound, not spliced, everywhere else */
    REQUIRE(count(sql) == 1, "settlement row differs from the result (%s)", r->settlement_id);
    snprintf(sql, sizeof sql, "SELECT coalesce(sum(l.amount_minor), 0) = %lld AND count(*) = "
             "%lld FROM settlement_line l JOIN settlement s ON s.id = l.settlement_ref WHERE "
             "s.settlement_id = '%s'", (long long)r->lines_sum_minor, (long long)r->lines,
             r->settlement_id);
    REQUIRE(count(sql) == 1, "stored lines do not add up to lines_sum_minor");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM exception WHERE settlement_id = '%s' AND "
             "kind = 'SETTLEMENT_TOTAL_MISMATCH'", r->settlement_id);
    REQUIRE(count(sql) == (r->mismatch ? 1 : 0), "mismatch flag and exception disagree");
    REQUIRE(r->mismatch == (r->total_minor != r->lines_sum_minor), "mismatch flag is wrong");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ingest_opts o = { .replace = 0, .bank = &bank };
    struct ingest_result r, r2;
    struct err e = {0};
    int64_t before;

    write_file(path[0], data, size, "");
    REQUIRE(ledger_begin(lg, &e) == 0, "begin: %s", e.msg);
    before = rows();
    if (ingest_file(lg, path[0], &o, &r, &e) < 0) {
        check_refused(path[0], &e, before);
    } else if (r.settlement_id[0]) {
        check_settlement(&r);
        /* the same records in other bytes: refused without --replace, replaced with it */
        write_file(path[1], data, size, "\n");
        before = rows();
        memset(&e, 0, sizeof e);
        REQUIRE(ingest_file(lg, path[1], &o, &r2, &e) < 0, "a second version went in without "
                "--replace");
        check_refused(path[1], &e, before);
        o.replace = 1;
        memset(&e, 0, sizeof e);
        REQUIRE(ingest_file(lg, path[1], &o, &r2, &e) == 0, "--replace failed: %s", e.msg);
        REQUIRE(r2.replaced && r2.total_minor == r.total_minor &&
                r2.lines_sum_minor == r.lines_sum_minor && r2.lines == r.lines,
                "--replace with the same records gave other numbers");
        check_settlement(&r2);
        REQUIRE(count("SELECT count(*) FROM settlement_line WHERE settlement_ref NOT IN "
                      "(SELECT id FROM settlement)") == 0, "--replace left orphan lines");
    }
    ledger_rollback(lg);
    return 0;
}
