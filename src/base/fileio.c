/* fileio — atomic whole-file writes, and the check of an output path before any work is done
 * (so a bad --ledger, -o or --reports is exit 2 with advice, never a late internal error). */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A device or FIFO (say /dev/stdout) is written in place: renaming over it would replace the
 * device node with a plain file. */
static int write_in_place(const char *path, const void *data, size_t len, struct err *e)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return err_set(e, ERR_IO, "%s: cannot open", path);
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0)
        return err_set(e, ERR_IO, "%s: cannot write", path);
    return 0;
}

int fileio_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
    char tmp[4200];
    struct stat sb;
    FILE *f;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return write_in_place(path, data, len, e);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (!f)
        return err_set(e, ERR_IO, "%s: cannot create", tmp);
    if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        remove(tmp);
        return err_set(e, ERR_IO, "%s: cannot write (disk full?)", tmp);
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return err_set(e, ERR_IO, "%s: cannot rename into place", path);
    }
    return 0;
}

/* The folder part of path ("." for a bare name) into out. */
static void parent_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

static int check_folder(const char *path, const char *dir, const char *flag, struct err *e)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return err_set(e, ERR_INPUT, "%s: folder %s does not exist: create it (mkdir -p %s) or "
                       "pass another %s", path, dir, dir, flag);
    if (!S_ISDIR(sb.st_mode))
        return err_set(e, ERR_INPUT, "%s: %s is a file, not a folder: pass another %s", path,
                       dir, flag);
    if (access(dir, W_OK | X_OK) != 0)
        return err_set(e, ERR_INPUT, "%s: cannot write in folder %s (permission denied): fix "
                       "its permissions or pass another %s", path, dir, flag);
    return 0;
}

/* Creating a file is the only sure test (root passes access(), a read-only or virtual file
 * system refuses at open): an empty probe is created and removed at once. */
static int probe_file(const char *path, const char *shown, const char *flag, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0;
    if (fd < 0)
        return err_set(e, ERR_INPUT, "%s: cannot create a file there (%s): pass another %s",
                       shown, strerror(errno), flag);
    close(fd);
    unlink(path);
    return 0;
}

int fileio_check_dest(const char *path, int kind, const char *flag, struct err *e)
{
    struct stat sb;
    char dir[4096];
    if (!path[0])
        return err_set(e, ERR_INPUT, "%s needs a path, not an empty string", flag);
    if (strlen(path) >= sizeof dir - 64)
        return err_set(e, ERR_INPUT, "%.80s...: path too long for %s", path, flag);
    if (stat(path, &sb) == 0) {
        if (kind == FILEIO_FILE && S_ISDIR(sb.st_mode))
            return err_set(e, ERR_INPUT, "%s: is a folder, %s wants a file: pass a file name "
                           "such as %s%s%s", path, flag, path,
                           path[strlen(path) - 1] == '/' ? "" : "/",
                           strcmp(flag, "--ledger") == 0 ? "settlebook.db"
                           : strcmp(flag, "--config") == 0 ? "settlebook.json"
                                                           : "reconciliation.xlsx");
        if (kind == FILEIO_DIR && !S_ISDIR(sb.st_mode))
            return err_set(e, ERR_INPUT, "%s: is a file, %s wants a folder: pass a folder",
                           path, flag);
        if (kind == FILEIO_DIR) {
            char probe[4200];
            if (check_folder(path, path, flag, e) < 0)
                return -1;
            snprintf(probe, sizeof probe, "%s/.settlebook-probe-%ld", path, (long)getpid());
            return probe_file(probe, path, flag, e);
        }
        if (S_ISREG(sb.st_mode) && access(path, W_OK) != 0)
            return err_set(e, ERR_INPUT, "%s: not writable (permission denied): fix its "
                           "permissions or pass another %s", path, flag);
        if (!S_ISREG(sb.st_mode))
            return 0; /* a device or FIFO (/dev/null) is written in place */
    }
    parent_of(path, dir, sizeof dir);
    if (check_folder(path, dir, flag, e) < 0)
        return -1;
    if (kind == FILEIO_FILE) {
        struct stat now;
        if (stat(path, &now) == 0)
            return 0; /* it exists: writable was checked above */
        return probe_file(path, path, flag, e);
    }
    {
        char probe[4200];
        snprintf(probe, sizeof probe, "%s/.settlebook-probe-%ld", dir, (long)getpid());
        return probe_file(probe, path, flag, e);
    }
}
