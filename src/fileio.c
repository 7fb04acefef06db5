/* fileio — atomic whole-file writes. */
#include "fileio.h"

#include <stdio.h>
#include <unistd.h>

int fileio_write_atomic(const char *path, const void *data, size_t len, struct err *e)
{
    char tmp[4200];
    FILE *f;
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
