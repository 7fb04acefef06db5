#!/bin/sh
# Turns sql/NNN_name.sql files into a C array of migrations, in file order.
echo '/* generated from sql/NNN_name.sql by tests/embed_sql.sh; do not edit */'
echo '#include "migrations.h"'
n=0
for f in "$@"; do
  printf 'static const char m%d[] =\n' "$n"
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$f"
  echo ';'
  n=$((n + 1))
done
echo 'const struct migration migrations[] = {'
n=0
for f in "$@"; do
  printf '    { "%s", m%d },\n' "$(basename "$f")" "$n"
  n=$((n + 1))
done
echo '};'
printf 'const int migrations_count = %d;\n' "$n"
