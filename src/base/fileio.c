/* fileio — atomic whole-file writes. */
#include "base.h"

#include <stdio.h>
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
