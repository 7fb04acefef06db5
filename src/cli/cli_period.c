/* cli_period — `settlebook period lock|unlock|list [YYYY-MM]`. Locks are audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ingest.h"
#include "ledger.h"
#include "base.h"

static const char usage[] =
    "usage: settlebook period lock YYYY-MM [--force] | unlock YYYY-MM | list [--json]\n"
    "list     every month that has settlements or a lock, with its state (open, locked)\n"
    "lock     refuses while error-severity exceptions of the month are open (fix or accept\n"
    "         them first); --force locks all the same\n"
    "A locked month keeps its journals as they are; lines that arrive late for it are booked\n"
    "on the first open month after it and flagged PERIOD_LOCKED.\n";

static const struct cli_opt opts[] = { { "--force", NULL, NULL }, { NULL, NULL, NULL } };

/* The open error kinds of the month, "MISSING_COST 2, DEPOSIT_NOT_FOUND 1", into arg. */
struct kinds_text {
    char text[512];
    size_t used;
};

static int error_kind(void *arg, const char *severity, const char *kind, int64_t n)
{
    struct kinds_text *k = arg;
    if (strcmp(severity, "error") != 0 || k->used >= sizeof k->text)
        return 0;
    k->used += (size_t)snprintf(k->text + k->used, sizeof k->text - k->used, "%s%s %lld",
                                k->used ? ", " : "", kind, (long long)n);
    return 0;
}

/* A month is locked once its books are right: an open error (cost of goods held back, a
 * deposit not found...) would be frozen into it, its fix booked in a later month. */
static int lock_allowed(struct ledger *lg, const char *month, int force, struct err *e)
{
    int64_t errors, warnings, infos;
    struct kinds_text k = { .used = 0 };
    if (exception_counts(lg, month, &errors, &warnings, &infos, e) < 0)
        return -1;
    if (errors == 0)
        return 0;
    if (exception_kinds(lg, month, error_kind, &k, e) < 0)
        return -1;
    if (force) {
        log_info("warning: period %s locked with %lld open error(s): %s", month,
                 (long long)errors, k.text);
        return 0;
    }
    return err_set(e, ERR_INPUT, "period lock %s: %lld error-severity exception(s) are open "
                   "(%s): fix them and close the month again, or accept them (settlebook exceptions "
                   "accept ID --reason TEXT); or lock it as it is with --force", month, (long long)errors,
                   k.text);
}

/* Months with data (settlements span them) or a lock record, each with its state. */
struct month_row {
    char month[8];
    const char *state;
    int data;
};

struct months {
    struct month_row *v;
    size_t n, cap;
};

static struct month_row *row_of(struct months *m, const char *month)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].month, month) == 0)
            return &m->v[i];
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct month_row *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return NULL;
        m->v = v;
        m->cap = cap;
    }
    memset(&m->v[m->n], 0, sizeof m->v[0]);
    snprintf(m->v[m->n].month, 8, "%s", month);
    m->v[m->n].state = "open";
    return &m->v[m->n++];
}

static int lock_row(void *arg, const char *month, const char *state)
{
    struct month_row *r = row_of(arg, month);
    if (!r)
        return -1;
    r->state = strcmp(state, "locked") == 0 ? "locked" : "open";
    return 0;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const struct month_row *)a)->month, ((const struct month_row *)b)->month);
}

static void print_rows(const struct cli *g, const struct months *m)
{
    struct jw w;
    if (!g->json) {
        for (size_t i = 0; i < m->n; i++)
            printf("%s %-6s %s\n", m->v[i].month, m->v[i].state,
                   m->v[i].data ? "settlements" : "no settlements");
        if (m->n == 0)
            printf("(no months yet: settlebook ingest FILE...)\n");
        return;
    }
    jw_init(&w, 2);
    jw_arr(&w);
    for (size_t i = 0; i < m->n; i++) {
        jw_obj(&w);
        jw_kstr(&w, "month", m->v[i].month);
        jw_kstr(&w, "state", m->v[i].state);
        jw_key(&w, "settlements");
        jw_bool(&w, m->v[i].data);
        jw_end_obj(&w);
    }
    jw_end_arr(&w);
    cli_json_out(jw_text(&w));
    jw_free(&w);
}

static int list(const struct cli *g, struct ledger *lg, struct err *e)
{
    struct months m = {0};
    char (*data)[8] = NULL;
    size_t n = 0;
    int rc = -1;
    if (ingest_months(lg, &data, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct month_row *r = row_of(&m, data[i]);
        if (!r) {
            err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
        r->data = 1;
    }
    if (period_each(lg, lock_row, &m, e) < 0)
        goto done;
    if (m.n > 1)
        qsort(m.v, m.n, sizeof *m.v, cmp_row);
    print_rows(g, &m);
    rc = 0;
done:
    free(data);
    free(m.v);
    return rc;
}

static const char *const subs[] = { "list", "lock", "unlock", NULL };

int cli_period(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    struct cli_args a;
    const char *month;
    int lock, rc, sub;
    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status;
    if (a.npos == 0)
        return cli_usage_error(g->cmd, "which? period lock YYYY-MM | unlock YYYY-MM | list"), 2;
    if ((sub = cli_choose(g, a.pos[0], subs)) < 0)
        return 2;
    if (sub == 0) {
        if (cli_no_operands(g, &a, 1) < 0)
            return 2;
        if (cli_ledger_open(g, &lg, 0, &e) < 0 || list(g, lg, &e) < 0)
            goto fail;
        ledger_close(lg);
        return 0;
    }
    if (a.npos < 2)
        return cli_usage_error(g->cmd, "%s which month? period %s YYYY-MM", a.pos[0],
                               a.pos[0]), 2;
    if (a.npos > 2)
        return cli_usage_error(g->cmd, "one month at a time: period %s YYYY-MM", a.pos[0]), 2;
    lock = sub == 1;
    if (!lock && cli_arg(&a, "--force"))
        return cli_usage_error(g->cmd, "--force goes with period lock"), 2;
    month = a.pos[1];
    if (period_parse(month, &e) < 0 || cli_ledger_open(g, &lg, 0, &e) < 0)
        goto fail;
    ledger_set_command(lg, lock ? "period lock" : "period unlock");
    rc = ledger_begin(lg, &e);
    if (rc == 0 && ((lock && lock_allowed(lg, month, cli_arg(&a, "--force") != NULL, &e) < 0) ||
                    period_set(lg, month, lock, &e) < 0)) {
        ledger_rollback(lg);
        rc = -1;
    }
    if (rc < 0 || ledger_commit(lg, &e) < 0)
        goto fail;
    log_info("period %s %s", month, lock ? "locked" : "unlocked");
    ledger_close(lg);
    return 0;
fail:
    ledger_close(lg);
    return cli_fail(&e);
}
