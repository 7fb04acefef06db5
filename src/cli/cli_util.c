/* cli_util — what every command shares: loading the config and opening the ledger after
 * checking their paths (so a wrong path is exit 2 with advice, never an internal error), and
 * error and JSON output. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_config_load(const struct cli *g, struct config *cfg, struct err *e)
{
    struct stat sb;
    memset(cfg, 0, sizeof *cfg);
    if (stat(g->config, &sb) == 0 && S_ISDIR(sb.st_mode))
        return err_set(e, ERR_INPUT, "%s: is a folder, --config wants the settlebook.json file",
                       g->config);
    if (!g->config_given && access(g->config, F_OK) != 0)
        log_verbose("no %s here: using the built-in defaults (settlebook init writes one)",
                    g->config);
    if (g->config_given && access(g->config, F_OK) != 0)
        return err_set(e, ERR_INPUT, "%s: no such config file: check the path, or run "
                       "`settlebook init --config %s` to write one", g->config, g->config);
    return config_load(cfg, g->config, 0, e);
}

int cli_ledger_open(const struct cli *g, struct ledger **out, int create, struct err *e)
{
    struct stat sb;
    *out = NULL;
    if (stat(g->ledger, &sb) == 0 && S_ISDIR(sb.st_mode))
        return fileio_check_dest(g->ledger, FILEIO_FILE, "--ledger", e);
    if (create && fileio_check_dest(g->ledger, FILEIO_FILE, "--ledger", e) < 0)
        return -1;
    if (!create && access(g->ledger, F_OK) == 0 && access(g->ledger, R_OK | W_OK) != 0)
        return err_set(e, ERR_INPUT, "%s: not readable and writable (permission denied): fix "
                       "its permissions or pass another --ledger", g->ledger);
    return ledger_open(out, g->ledger, create, e);
}

int cli_fail(const struct err *e)
{
    log_error("%s", e->msg);
    return err_exit_code(e);
}

void cli_json_out(const char *text)
{
    if (text)
        printf("%s\n", text);
}
