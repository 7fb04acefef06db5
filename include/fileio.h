/* fileio — output files are written to a temporary name, flushed to disk and renamed, so a
 * crash never leaves half a file and readers see the old or the new one. */
#ifndef SETTLEBOOK_FILEIO_H
#define SETTLEBOOK_FILEIO_H

#include <stddef.h>

#include "err.h"

/* Writes len bytes of data to path atomically (path.tmp, fsync, rename). */
int fileio_write_atomic(const char *path, const void *data, size_t len, struct err *e);

#endif
