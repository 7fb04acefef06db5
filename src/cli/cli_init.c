/* cli_init — `settlebook init`: creates the ledger (all migrations) and, unless one exists,
 * the commented default config. Running it again changes nothing. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "base.h"
#include "ledger.h"

static const char usage[] =
    "usage: settlebook init [--ledger PATH] [--config PATH]\n"
    "Creates the ledger (SQLite) and a commented default settlebook.json. Existing files are\n"
    "kept: the ledger is only migrated, the config is never overwritten.\n";

int cli_init(struct cli *g)
{
    struct err e = {0};
    struct ledger *lg;
    int existed = access(g->ledger, F_OK) == 0;

    struct cli_args a;

    if (cli_args_parse(g, NULL, &a, usage) != 0)
        return a.status;
    if (cli_no_operands(g, &a, 0) < 0)
        return 2;
    if (access(g->config, F_OK) != 0 &&
        fileio_check_dest(g->config, FILEIO_FILE, "--config", &e) < 0)
        return cli_fail(&e);
    if (cli_ledger_open(g, &lg, 1, &e) < 0)
        return cli_fail(&e);
    ledger_close(lg);
    log_info("ledger %s %s", g->ledger, existed ? "is up to date" : "created");
    if (access(g->config, F_OK) == 0) {
        struct config cfg;
        /* an existing config is checked, so a mistake in it shows now, not at close */
        if (cli_config_load(g, &cfg, &e) < 0)
            return cli_fail(&e);
        config_free(&cfg);
        log_info("config %s exists; left as it is", g->config);
        return 0;
    }
    if (fileio_write_atomic(g->config, config_default_text(), strlen(config_default_text()),
                            &e) < 0) {
        log_error("%s", e.msg);
        return err_exit_code(&e);
    }
    log_info("config %s written (edit the account codes to match your Xero chart)", g->config);
    return 0;
}
