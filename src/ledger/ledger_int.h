/* ledger_int.h — what the ledger module's files share and nothing above it sees. */
#ifndef SETTLEBOOK_LEDGER_INT_H
#define SETTLEBOOK_LEDGER_INT_H

#include "base.h"

struct ledger;

/* Where the ledger keeps line_groups.c's groups between stages. */
struct line_groups_keep;
struct line_groups_keep **ledger_groups_slot(struct ledger *lg);

#endif
