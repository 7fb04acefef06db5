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
