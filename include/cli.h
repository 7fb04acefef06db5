/* cli — the commands. main.c turns argv into a struct cli and calls one cli_* function,
 * which returns the process exit status (0 ok, 1 exceptions remain, 2 bad input, 3 external
 * failure, 4 internal error). */
#ifndef SETTLEBOOK_CLI_H
#define SETTLEBOOK_CLI_H

#include "base.h"

struct cli {
    const char *ledger;   /* --ledger, default ./settlebook.db */
    const char *config;   /* --config, default ./settlebook.json */
    const char *reports;  /* --reports, default ./reports */
    int json;             /* --json: machine-readable summary on stdout */
    int argc;             /* the command's own arguments, argv[0] = command name */
    char **argv;
};

int cli_init(struct cli *g);
int cli_ingest(struct cli *g);
int cli_settlements(struct cli *g);
int cli_synth(struct cli *g);
int cli_audit(struct cli *g);
int cli_reconcile(struct cli *g);
int cli_exceptions(struct cli *g);
int cli_post(struct cli *g);
int cli_outbox(struct cli *g);
int cli_report(struct cli *g);
int cli_period(struct cli *g);
int cli_close(struct cli *g);
int cli_auth(struct cli *g);
int cli_fetch(struct cli *g);
int cli_balance(struct cli *g);

/* Parses [--period P] [--dry-run|--live] for post and close. */
int cli_period_args(struct cli *g, const char **period, int *live, const char *usage);


/* True when argv holds -h or --help; then prints usage and the caller returns 0. */
int cli_wants_help(int argc, char **argv, const char *usage);

#endif
