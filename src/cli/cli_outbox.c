/* cli_outbox — `settlebook outbox list [--state S] [--period P] [--json] | dead [--json] |
 * retry ID...`: the queue of Xero requests, the dead letters with Xero's messages, and the
 * manual retry of a dead request. Never talks to the network: `post --live` sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base.h"
#include "ledger.h"

static const char usage[] =
    "usage: settlebook outbox list [--state STATE] [--period YYYY-MM] [--json]\n"
    "       settlebook outbox dead [--json]\n"
    "       settlebook outbox retry ID...\n"
    "The outbox holds one row per Xero request (written with the journals; the dry-run\n"
    "preview is rendered from it). States: pending (not sent), sending (sent, answer not yet\n"
    "recorded: the next `post --live` looks it up in Xero before anything is resent),\n"
    "confirmed (Xero's ids stored), dead (Xero rejected a document: its message is kept and\n"
    "the settlement stops), superseded.\n"
    "  list     every row, or those in STATE / of the period's settlements\n"
    "  dead     the rejected rows with Xero's message for each rejected document\n"
    "  retry    makes dead rows pending again, under a new Idempotency-Key; documents of\n"
    "           them Xero already created are not sent again. Fix the cause first (in Xero,\n"
    "           or in the mapping, then `post`); `post --live` then sends them.\n";

struct lister {
    struct ledger *lg;
    struct err *e;
    struct jw w;
    int json, dead, n;
};

static int doc_json(void *arg, const struct outbox_doc_info *d)
{
    struct lister *l = arg;
    if (l->dead && strcmp(d->state, "rejected") != 0)
        return 0;
    jw_obj(&l->w);
    jw_kint(&l->w, "index", d->idx);
    jw_kstr(&l->w, "label", d->label);
    jw_kstr(&l->w, "state", d->state);
    jw_kstr(&l->w, "xero_id", d->xero_id);
    jw_kstr(&l->w, "xero_status", d->xero_status);
    jw_kstr(&l->w, "message", d->message);
    jw_end_obj(&l->w);
    return 0;
}

static int row_json(struct lister *l, const struct outbox_info *r)
{
    struct jw *w = &l->w;
    int rc;
    jw_obj(w);
    jw_kint(w, "id", r->id);
    jw_kstr(w, "settlement_id", r->settlement_id);
    jw_kstr(w, "period", r->month);
    jw_kint(w, "seq", r->seq);
    jw_kstr(w, "method", r->method);
    jw_kstr(w, "path", r->path);
    jw_kstr(w, "doc_number", r->doc_number);
    jw_kstr(w, "state", r->state);
    jw_kint(w, "attempts", r->attempts);
    jw_kint(w, "retries", r->retries);
    jw_kstr(w, "idempotency_key", r->key);
    jw_kstr(w, "xero_id", r->xero_id);
    jw_kstr(w, "last_error", r->last_error);
    jw_kint(w, "documents_confirmed", r->confirmed);
    jw_kint(w, "documents_rejected", r->rejected);
    jw_key(w, "documents");
    jw_arr(w);
    rc = outbox_docs_each(l->lg, r->id, doc_json, l, l->e);
    jw_end_arr(w);
    jw_end_obj(w);
    return rc;
}

static int doc_rejected_text(void *arg, const struct outbox_doc_info *d)
{
    (void)arg;
    if (strcmp(d->state, "rejected") == 0)
        printf("  rejected %s: %s\n", d->label, d->message);
    return 0;
}

static int dead_text(struct lister *l, const struct outbox_info *r)
{
    printf("outbox row %lld: settlement %s, %s %s, %s (%d attempt(s), %lld document(s) "
           "already in Xero)\n", (long long)r->id, r->settlement_id, r->method, r->path,
           r->doc_number, r->attempts, (long long)r->confirmed);
    if (outbox_docs_each(l->lg, r->id, doc_rejected_text, NULL, l->e) < 0)
        return -1;
    if (r->rejected == 0 && r->last_error[0])
        printf("  %s\n", r->last_error);
    printf("  then: fix the cause in Xero (or the mapping, then `settlebook post`), and "
           "`settlebook outbox retry %lld`\n", (long long)r->id);
    return 0;
}

static int one_row(void *arg, const struct outbox_info *r)
{
    struct lister *l = arg;
    l->n++;
    if (l->json)
        return row_json(l, r);
    if (l->dead)
        return dead_text(l, r);
    printf("%6lld  %-14s %-7s %3d  %-4s %-16s %-28.28s %-9s %3d  %s\n", (long long)r->id,
           r->settlement_id, r->month, r->seq, r->method, r->path, r->doc_number, r->state,
           r->attempts, r->xero_id);
    return 0;
}

static int list(struct cli *g, struct ledger *lg, const char *state, const char *period,
                int dead)
{
    struct err e = {0};
    struct lister l = { .lg = lg, .e = &e, .json = g->json, .dead = dead };
    int rc;
    jw_init(&l.w, 2);
    if (g->json)
        jw_arr(&l.w);
    else if (!dead)
        printf("%6s  %-14s %-7s %3s  %-4s %-16s %-28s %-9s %3s  %s\n", "id", "settlement",
               "period", "seq", "verb", "path", "document", "state", "try", "xero id");
    rc = outbox_each(lg, state, period, one_row, &l, &e);
    if (rc < 0) {
        jw_free(&l.w);
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    if (g->json) {
        jw_end_arr(&l.w);
        if (jw_text(&l.w))
            printf("%s\n", jw_text(&l.w));
    } else if (dead && l.n == 0) {
        printf("no dead requests\n");
    }
    jw_free(&l.w);
    return 0;
}

static int retry(struct ledger *lg, int argc, char **argv)
{
    int status = 0;
    for (int i = 0; i < argc; i++) {
        struct err e = {0};
        char *end;
        long long id = strtoll(argv[i], &end, 10);
        if (end == argv[i] || *end || id <= 0) {
            fprintf(stderr, "settlebook outbox retry: '%s' is not an outbox row id\n", argv[i]);
            return 2;
        }
        if (outbox_retry(lg, id, &e) < 0) {
            log_error("%s", e.msg);
            status = status ? status : err_exit_code(&e);
            continue;
        }
        log_info("outbox row %lld is pending again (new Idempotency-Key); `settlebook post "
                 "--live` sends it", id);
    }
    return status;
}

static const struct cli_opt opts[] = {
    { "--state", NULL, "pending|sending|confirmed|dead|superseded" },
    { "--period", NULL, "YYYY-MM" }, { NULL, NULL, NULL },
};
static const char *const subs[] = { "list", "dead", "retry", NULL };
static const char *const states[] = { "pending", "sending", "confirmed", "dead", "superseded",
                                      NULL };

static int known(const char *word, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(word, names[i]) == 0)
            return 1;
    return 0;
}

int cli_outbox(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg = NULL;
    struct cli_args a;
    const char *state, *period;
    int status, sub;

    if (cli_args_parse(g, opts, &a, usage) != 0)
        return a.status;
    if (a.npos == 0)
        return cli_usage_error(g->cmd, "which? outbox list|dead|retry ID..."), 2;
    if ((sub = cli_choose(g, a.pos[0], subs)) < 0)
        return 2;
    state = cli_arg(&a, "--state");
    period = cli_arg(&a, "--period");
    if (sub != 0 && (state || period))
        return cli_usage_error(g->cmd, "%s is only for outbox list", state ? "--state"
                                                                          : "--period"), 2;
    if (sub == 2 && a.npos < 2)
        return cli_usage_error(g->cmd, "retry which rows? outbox retry ID... (outbox dead "
                               "lists them)"), 2;
    if (sub != 2 && cli_no_operands(g, &a, 1) < 0)
        return 2;
    if (state && !known(state, states)) {
        const char *best = cli_nearest(state, states);
        return cli_usage_error(g->cmd, "--state %s: must be pending, sending, confirmed, dead "
                               "or superseded%s%s%s", state, best ? "; did you mean " : "",
                               best ? best : "", best ? "?" : ""), 2;
    }
    if (period && period_parse(period, &e) < 0)
        return cli_fail(&e);
    if (cli_ledger_open(g, &lg, 0, &e) < 0)
        return cli_fail(&e);
    ledger_set_command(lg, "outbox");
    if (sub == 2)
        status = retry(lg, a.npos - 1, a.pos + 1);
    else
        status = list(g, lg, sub == 1 ? "dead" : state ? state : "", period ? period : "",
                      sub == 1);
    ledger_close(lg);
    return status;
}
