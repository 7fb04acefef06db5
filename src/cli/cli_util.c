/* cli_util — what every command shares: --help handling and error reporting. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_wants_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
    return 0;
}

/* Parses --period/--dry-run/--live/--notify URL; *live is set for --live. */
int cli_period_args(struct cli *g, const char **period, int *live, const char **notify,
                    const char *use)
{
    *period = "";
    *live = 0;
    *notify = NULL;
    for (int i = 1; i < g->argc; i++) {
        if (strcmp(g->argv[i], "--period") == 0 && i + 1 < g->argc)
            *period = g->argv[++i];
        else if (strcmp(g->argv[i], "--notify") == 0 && i + 1 < g->argc)
            *notify = g->argv[++i];
        else if (strcmp(g->argv[i], "--dry-run") == 0)
            *live = 0;
        else if (strcmp(g->argv[i], "--live") == 0)
            *live = 1;
        else {
            fprintf(stderr, "settlebook %s: unexpected argument '%s'\n%s", g->argv[0],
                    g->argv[i], use);
            return -1;
        }
    }
    return 0;
}
