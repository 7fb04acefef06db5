#!/bin/sh
# layering — the include rules of tests/layering/deps.txt hold for the tree, and the check
# really fails when a forbidden include, a cross-folder internal header or a cycle is added.
. "$(dirname "$0")/../lib.sh"
CHECK="$ROOT/tests/layering/check.py"

status "the tree follows tests/layering/deps.txt" 0 python3 "$CHECK" "$ROOT"

# A scratch copy of the tree to break on purpose.
fresh() { rm -rf "$T/tree"; mkdir -p "$T/tree"; cp -R "$ROOT/src" "$ROOT/include" "$T/tree/"; }

fresh
sed -i 's|#include "money.h"|&|; 1a #include "cli.h"' "$T/tree/src/base/money.c"
status "base including cli is refused" 1 python3 "$CHECK" "$T/tree"
contains "names the rule it breaks" "$T/.out" "base/ may not depend on cli/"
contains "names file and line" "$T/.out" "src/base/money.c:2:"

fresh
printf '#include "../xero/xero_int.h"\n' >> "$T/tree/src/post/post.c"
status "another folder's internal header is refused" 1 python3 "$CHECK" "$T/tree"
contains "says it is internal" "$T/.out" "an internal header of xero/"

fresh
printf '#include "nowhere.h"\n' >> "$T/tree/src/ledger/period.c"
status "an include that resolves nowhere is refused" 1 python3 "$CHECK" "$T/tree"

# A cycle the table allows (ledger <-> journal) is still refused.
fresh
sed 's/^ledger: config base$/ledger: journal config base/' "$ROOT/tests/layering/deps.txt" > "$T/deps.txt"
printf '#include "journal.h"\n' >> "$T/tree/src/ledger/period.c"
status "a folder cycle is refused" 1 python3 "$CHECK" "$T/tree" "$T/deps.txt"
contains "names the cycle" "$T/.out" "include cycle between folders"

# Two headers of one folder that include each other.
fresh
printf '#include "ingest_int.h"\n' > "$T/tree/src/ingest/ingest_more.h"
printf '#include "ingest_more.h"\n' >> "$T/tree/src/ingest/ingest_int.h"
status "a file cycle is refused" 1 python3 "$CHECK" "$T/tree"
contains "names the file cycle" "$T/.out" "include cycle between files"

# Commands hold no SQL; renderers touch no database.
n=$(grep -l 'sqlite3_\|ledger_prepare\|ledger_exec' "$ROOT"/src/cli/*.c | wc -l)
eq "no command file runs SQL" "$n" 0
n=$(grep -l 'sqlite3\|ledger_' "$ROOT"/src/xero/xero.c "$ROOT"/src/xero/xero_summary.c \
      "$ROOT"/src/xero/xero_journal.c "$ROOT"/src/xero/xero_orders.c \
      "$ROOT"/src/xero/xero_orders_docs.c | wc -l)
eq "the renderers touch no database" "$n" 0
# One writer per table: exception and outbox are written only by their ledger modules.
n=$(grep -rliE 'insert into exception|delete from exception|update exception' "$ROOT/src" |
    grep -v 'src/ledger/exception.c' | wc -l)
eq "only ledger/exception.c writes exception" "$n" 0
n=$(grep -rliE '(insert into|delete from|update) outbox' "$ROOT/src" |
    grep -v 'src/ledger/outbox.c' | wc -l)
eq "only ledger/outbox.c writes outbox" "$n" 0
finish
