/* ingest_seen — the one writer of file_seen: the SHA-256 of an input file without reading it
 * again when its identity on disk (device, inode, size, mtime, ctime) is the one recorded the
 * last time it was hashed. Why this is safe enough: every write to a file moves its ctime
 * (nanoseconds here), and nothing short of changing the system clock sets it back, so the
 * only way to get stale bytes is a write that changes neither size nor ctime. The cost saved
 * is one full read of each file per rerun (0.2-0.4 s for a 1M-line settlement). An identity
 * is recorded when the file's bytes are loaded (and by --verify, which hashes every file
 * anyway); a copy or a touched file whose bytes are already in is hashed on every run, and
 * the ledger stays as it was. */
#include "ingest_int.h"

#include <string.h>
#include <sys/stat.h>

/* The identity of the file stat described, into s. */
static void key_of(const struct stat *sb, struct ingest_seen *s)
{
    s->dev = (int64_t)sb->st_dev;
    s->ino = (int64_t)sb->st_ino;
    s->bytes = (int64_t)sb->st_size;
    s->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    s->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
}

/* ?1..?5: device, inode, size, mtime, ctime. */
static void bind_key(sqlite3_stmt *st, const struct ingest_seen *k)
{
    sqlite3_bind_int64(st, 1, k->dev);
    sqlite3_bind_int64(st, 2, k->ino);
    sqlite3_bind_int64(st, 3, k->bytes);
    sqlite3_bind_int64(st, 4, k->mtime_ns);
    sqlite3_bind_int64(st, 5, k->ctime_ns);
}

/* 1 and hex filled when the recorded identity matches, 0 when not, -1 on error. */
static int lookup(struct ledger *lg, const struct ingest_seen *k, char hex[HASH_HEX_LEN],
                  struct err *e)
{
    sqlite3_stmt *st;
    int s, found = 0;
    if (ledger_prepare(lg, &st, "SELECT sha256 FROM file_seen WHERE dev = ?1 AND ino = ?2 AND "
                       "bytes = ?3 AND mtime_ns = ?4 AND ctime_ns = ?5", e) < 0)
        return -1;
    bind_key(st, k);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) == HASH_HEX_LEN - 1) {
        memcpy(hex, sqlite3_column_text(st, 0), HASH_HEX_LEN);
        found = 1;
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return ledger_fail(lg, e, "read file_seen");
    return found;
}

int ingest_seen_lookup(struct ledger *lg, const char *path, int verify,
                       char hex[HASH_HEX_LEN], struct ingest_seen *out, struct err *e)
{
    struct stat sb;
    int rc;
    memset(out, 0, sizeof *out);
    /* the identity is taken before the bytes are read: a write while hashing moves the
     * ctime past the one recorded, so the next run hashes again */
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        key_of(&sb, out);
        out->usable = 1;
        if (!verify) {
            if ((rc = lookup(lg, out, hex, e)) < 0)
                return -1;
            if (rc) {
                out->known = 1;
                return 1;
            }
        }
    }
    return 0;
}

int ingest_seen_record(struct ledger *lg, const struct ingest_seen *s, const char *hex,
                       struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (!s->usable || s->known)
        return 0;
    /* written only when something differs: recording what is already recorded is no write */
    if (ledger_prepare(lg, &st, "INSERT INTO file_seen(dev, ino, bytes, mtime_ns, ctime_ns, "
                       "sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (dev, ino) DO UPDATE "
                       "SET bytes = ?3, mtime_ns = ?4, ctime_ns = ?5, sha256 = ?6 WHERE bytes != ?3 "
                       "OR mtime_ns != ?4 OR ctime_ns != ?5 OR sha256 != ?6", e) < 0)
        return -1;
    bind_key(st, s);
    sqlite3_bind_text(st, 6, hex, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(lg, e, "write file_seen");
    sqlite3_finalize(st);
    return rc;
}
