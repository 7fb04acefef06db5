/* TEMPORARY until synth lands. */
#include "cli.h"
#include <stdio.h>
int cli_synth(struct cli *g) { (void)g; fputs("synth: not yet\n", stderr); return 4; }
