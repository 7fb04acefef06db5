/* cli — the commands. main.c turns argv into a struct cli and calls one cli_* function,
 * which returns the process exit status (0 ok, 1 exceptions remain, 2 bad input, 3 external
 * failure, 4 internal error). */
#ifndef SETTLEBOOK_CLI_H
#define SETTLEBOOK_CLI_H

#include "base.h"

#include "config.h"
#include "ledger.h"

struct cli {
    const char *ledger;   /* --ledger, default ./settlebook.db */
    const char *config;   /* --config, default ./settlebook.json */
    const char *reports;  /* --reports, default ./reports */
    int config_given;     /* --config was given: then the file must exist */
    int json;             /* --json: one JSON document on stdout, messages on stderr */
    const char *cmd;      /* "close", "outbox list": for messages */
    int argc;             /* the command's own arguments, argv[0] = command name */
    char **argv;
};

/* ---- cli_args: the one option parser of every command --------------------------------- */

#define CLI_OPTS_MAX 16 /* options of one command */

/* An option a command accepts: its name ("--period", "-o"), another spelling or NULL, and
 * what its value looks like ("YYYY-MM"), NULL for a flag. Tables end with { NULL }. */
struct cli_opt {
    const char *name, *alias, *arg;
};

struct cli_args {
    const struct cli_opt *opts;
    const char *value[CLI_OPTS_MAX]; /* per option: its value, "" for a flag, NULL if absent */
    char **pos;                      /* the operands in order (files, subcommands) */
    int npos;
    int status;                      /* exit status when parsing stopped: 0 help, 2 usage */
};

/* Takes the global options (--ledger, --config, --reports, --json, --quiet, --verbose) out of
 * argv wherever they appear before `--`; -1 after a one-line message when one lacks its value. */
int cli_globals(struct cli *g, int *argc, char **argv);

/* Parses g->argv[1..] against opts: options and operands in any order, `--` ends options,
 * --name=value or --name value. Returns 0; 1 when --help was asked (usage printed on stdout,
 * out->status 0); -1 after a one-line message on stderr (out->status 2): "--period needs a
 * value: YYYY-MM", "unknown option --jsn; did you mean --json?". Operands are packed in place
 * into g->argv. */
int cli_args_parse(struct cli *g, const struct cli_opt *opts, struct cli_args *out,
                   const char *usage);

/* The value of option name (as spelt in the table), "" for a flag given, NULL when absent. */
const char *cli_arg(const struct cli_args *a, const char *name);

/* -1 (after a message) when operands from index `from` on are left over. */
int cli_no_operands(const struct cli *g, const struct cli_args *a, int from);

/* Index of word in the NULL-terminated names; -1 after "unknown subcommand 'x'; did you
 * mean y?". */
int cli_choose(const struct cli *g, const char *word, const char *const *names);

/* The name in names nearest to word when close enough to be a typo, else NULL. */
const char *cli_nearest(const char *word, const char *const *names);
const char *cli_nearest_global(const char *word);

/* Prints "settlebook CMD: <message> (settlebook CMD --help)" on stderr; returns -1. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- cli_util: what the commands share ------------------------------------------------ */

/* Loads the config: --config given must exist; the default may be absent (built-in defaults,
 * said under --verbose). A folder is refused. */
int cli_config_load(const struct cli *g, struct config *cfg, struct err *e);

/* Opens (create: creates) the ledger after checking its path: exit-2 errors for a folder,
 * a missing or unwritable folder. */
int cli_ledger_open(const struct cli *g, struct ledger **out, int create, struct err *e);

/* Prints e as an error and returns its exit status. */
int cli_fail(const struct err *e);

/* Prints the JSON text (owned by the caller) as the one document on stdout. */
void cli_json_out(const char *text);

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
int cli_mappings(struct cli *g);
int cli_post_diff(struct cli *g);   /* post --diff (cli_post_diff.c) */
int cli_balance(struct cli *g);


#endif
