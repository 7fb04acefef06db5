/* cli_auth — internals shared by the `settlebook auth` command's files (cli_auth.c,
 * cli_auth_xero.c). Nothing here prints a token or a secret. */
#ifndef SETTLEBOOK_CLI_AUTH_H
#define SETTLEBOOK_CLI_AUTH_H

#include <stddef.h>

#include "cli.h"
#include "config.h"
#include "xero.h"

/* `settlebook auth xero ...`: g->argv[0] is "xero"; parses its options and loads the config
 * itself. Returns the exit status. */
int cli_auth_xero(struct cli *g);

/* Prints the connected organisations (tenantId, tenantName, type), marking chosen, on stdout;
 * as a JSON object {"token_file", "tenant_id", "tenants": [...]} when json is set. */
void cli_auth_print_tenants(const struct xero_tenant *v, size_t n, const char *chosen,
                            const char *token_file, int json);

#endif
