/* cli_args — the one option parser every command uses: options and operands mix in any order,
 * `--` ends the options, `--name=value` and `--name value` both work, a missing value or an
 * unknown name is one line naming what is wrong (with the nearest known name), and the global
 * options are taken out wherever they appear. Parses only: it never opens a file. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The global options, accepted on every command line (main.c takes them out first). */
static const struct cli_opt globals[] = {
    { "--ledger", NULL, "PATH" }, { "--config", NULL, "PATH" }, { "--reports", NULL, "DIR" },
    { "--json", NULL, NULL }, { "--quiet", "-q", NULL }, { "--verbose", "-v", NULL },
    { "--help", "-h", NULL }, { "--version", NULL, NULL }, { NULL, NULL, NULL },
};

/* Levenshtein distance of a and b (both short: names of options and commands). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;
    if (la > 63 || lb > 63)
        return 64;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            tmp = row[j];
            row[j] = best;
            prev = tmp;
        }
    }
    return row[lb];
}

/* Keeps name in *best when it is nearer to word than the best so far. */
static void consider(const char *word, const char *name, const char **best, size_t *dist)
{
    size_t d;
    if (!name)
        return;
    d = distance(word, name);
    if (d < *dist) {
        *dist = d;
        *best = name;
    }
}

/* Close enough to be a typo: a third of the word, at least 2 edits. */
static const char *near(const char *word, const char *best, size_t dist)
{
    size_t max = strlen(word) / 3 > 2 ? strlen(word) / 3 : 2;
    return best && dist <= max ? best : NULL;
}

const char *cli_nearest(const char *word, const char *const *names)
{
    const char *best = NULL;
    size_t dist = 64;
    for (size_t i = 0; names[i]; i++)
        consider(word, names[i], &best, &dist);
    return near(word, best, dist);
}

static const char *nearest_opt(const char *word, const struct cli_opt *opts)
{
    const char *best = NULL;
    size_t dist = 64;
    for (size_t i = 0; opts && opts[i].name; i++) {
        consider(word, opts[i].name, &best, &dist);
        consider(word, opts[i].alias, &best, &dist);
    }
    for (size_t i = 0; globals[i].name; i++)
        consider(word, globals[i].name, &best, &dist);
    return near(word, best, dist);
}

/* Index of the option spelt name (or its alias) in opts, or -1. */
static int find(const struct cli_opt *opts, const char *name, size_t len)
{
    for (int i = 0; opts && opts[i].name; i++)
        if ((strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) ||
            (opts[i].alias && strlen(opts[i].alias) == len &&
             strncmp(opts[i].alias, name, len) == 0))
            return i;
    return -1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "settlebook%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (settlebook %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    return -1;
}

static int unknown(const char *cmd, const char *arg, const struct cli_opt *opts)
{
    char name[64];
    const char *eq = strchr(arg, '=');
    const char *best;
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    best = nearest_opt(name, opts);
    if (best && strcmp(best, name) == 0) /* --version: a global that stands alone */
        return cli_usage_error(cmd, "%s goes before the command: settlebook %s", name, name);
    if (best)
        return cli_usage_error(cmd, "unknown option %s; did you mean %s?", name, best);
    return cli_usage_error(cmd, "unknown option %s", name);
}

/* An option word: "-x" or "--xyz"; "-" alone (stdin/stdout) is an operand. */
static int is_option(const char *a)
{
    return a[0] == '-' && a[1] != '\0';
}

int cli_args_parse(struct cli *g, const struct cli_opt *opts, struct cli_args *out,
                   const char *usage)
{
    const char *cmd = g->cmd;
    int only_operands = 0;
    memset(out, 0, sizeof *out);
    out->opts = opts;
    out->pos = g->argv + 1; /* operands are packed in place over argv[1..] */
    for (int i = 1; i < g->argc; i++) {
        const char *a = g->argv[i], *eq;
        int k;
        if (only_operands || !is_option(a)) {
            out->pos[out->npos++] = g->argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_operands = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            out->status = 0;
            return 1;
        }
        eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        k = find(opts, a, eq ? (size_t)(eq - a) : strlen(a));
        if (k < 0 || k >= CLI_OPTS_MAX) {
            out->status = 2;
            return unknown(cmd, a, opts);
        }
        if (!opts[k].arg) {
            if (eq) {
                out->status = 2;
                return cli_usage_error(cmd, "%s takes no value", opts[k].name);
            }
            out->value[k] = "";
            continue;
        }
        if (eq) {
            out->value[k] = eq + 1;
        } else if (i + 1 < g->argc && !(g->argv[i + 1][0] == '-' && g->argv[i + 1][1] == '-')) {
            out->value[k] = g->argv[++i];
        } else {
            out->status = 2;
            return cli_usage_error(cmd, "%s needs a value: %s", opts[k].name, opts[k].arg);
        }
        if (!out->value[k][0]) {
            out->status = 2;
            return cli_usage_error(cmd, "%s needs a value: %s", opts[k].name, opts[k].arg);
        }
    }
    return 0;
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
    int k = find(a->opts, name, strlen(name));
    return k >= 0 && k < CLI_OPTS_MAX ? a->value[k] : NULL;
}

/* A month-looking word given where --period was meant: "close 2025-09". */
static int looks_like_month(const char *s)
{
    return strlen(s) == 7 && s[4] == '-' && s[0] >= '0' && s[0] <= '9';
}

int cli_no_operands(const struct cli *g, const struct cli_args *a, int from)
{
    if (a->npos <= from)
        return 0;
    if (looks_like_month(a->pos[from]))
        return cli_usage_error(g->cmd, "unexpected argument '%s'; did you mean --period %s?",
                               a->pos[from], a->pos[from]);
    return cli_usage_error(g->cmd, "unexpected argument '%s'", a->pos[from]);
}

int cli_choose(const struct cli *g, const char *word, const char *const *names)
{
    const char *best;
    for (int i = 0; names[i]; i++)
        if (strcmp(word, names[i]) == 0)
            return i;
    best = cli_nearest(word, names);
    if (best)
        cli_usage_error(g->cmd, "unknown subcommand '%s'; did you mean %s?", word, best);
    else
        cli_usage_error(g->cmd, "unknown subcommand '%s'", word);
    return -1;
}

/* Which global option a is, with its slot for a value. */
static int global_value(struct cli *g, const char *a, size_t len, const char ***slot)
{
    *slot = NULL;
    if (len == 8 && strncmp(a, "--ledger", 8) == 0)
        *slot = &g->ledger;
    else if (len == 8 && strncmp(a, "--config", 8) == 0)
        *slot = &g->config;
    else if (len == 9 && strncmp(a, "--reports", 9) == 0)
        *slot = &g->reports;
    return *slot != NULL;
}

int cli_globals(struct cli *g, int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        const char **slot;
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (global_value(g, a, eq ? (size_t)(eq - a) : strlen(a), &slot)) {
            const char *v = eq ? eq + 1 : i + 1 < *argc ? argv[i + 1] : NULL;
            if (!v || !v[0] || (!eq && v[0] == '-' && v[1] == '-')) {
                fprintf(stderr, "settlebook: %.*s needs a value: %s\n",
                        eq ? (int)(eq - a) : (int)strlen(a), a,
                        slot == &g->reports ? "DIR" : "PATH");
                return -1;
            }
            if (!eq)
                i++;
            *slot = v;
            if (slot == &g->config)
                g->config_given = 1;
        } else if (strcmp(a, "--json") == 0) {
            g->json = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            log_set_level(LOG_QUIET);
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            log_set_level(LOG_VERBOSE);
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    return 0;
}

const char *cli_nearest_global(const char *word)
{
    return nearest_opt(word, NULL);
}
