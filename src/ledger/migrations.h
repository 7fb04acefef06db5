/* migrations — the sql/NNN_*.sql files compiled into the binary (see tests/embed_sql.sh). */
#ifndef SETTLEBOOK_MIGRATIONS_H
#define SETTLEBOOK_MIGRATIONS_H

struct migration {
    const char *name;
    const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

#endif
