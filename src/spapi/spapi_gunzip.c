/* spapi_gunzip — a GZIP report document to plain text with zlib. zlib checks each member's
 * trailer (CRC-32 and length), so a cut or corrupted download is refused, and the output goes
 * to "<out>.part" and is renamed only when the whole stream decoded. */
#include "spapi_int.h"

#include <stdio.h>
#include <zlib.h>

#define CHUNK 65536

static int inflate_all(FILE *in, FILE *out, const char *path, struct err *e)
{
    unsigned char ib[CHUNK], ob[CHUNK];
    z_stream z = {0};
    int zr = Z_OK, ended = 0;
    int64_t total = 0;
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return err_set(e, ERR_NOMEM, "cannot start zlib");
    for (;;) {
        if (z.avail_in == 0) {
            z.avail_in = (uInt)fread(ib, 1, sizeof ib, in);
            z.next_in = ib;
            if (z.avail_in == 0)
                break;
        }
        if (ended) {
            /* another gzip member follows (concatenated gzip is valid) */
            if (inflateReset(&z) != Z_OK)
                break;
            ended = 0;
        }
        z.next_out = ob;
        z.avail_out = sizeof ob;
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            inflateEnd(&z);
            return err_set(e, ERR_NET, "%s: the gzip document is corrupt (%s)", path,
                           z.msg ? z.msg : "bad data");
        }
        size_t n = sizeof ob - z.avail_out;
        total += (int64_t)n;
        if (total > INGEST_FILE_MAX || (n && fwrite(ob, 1, n, out) != n)) {
            inflateEnd(&z);
            return err_set(e, ERR_IO, "%s: cannot write the unpacked report (disk full, or "
                           "larger than 8 GiB)", path);
        }
        if (zr == Z_STREAM_END)
            ended = 1;
        else if (zr == Z_BUF_ERROR && z.avail_in == 0 && feof(in))
            break;
    }
    inflateEnd(&z);
    if (ferror(in))
        return err_set(e, ERR_IO, "%s: read error", path);
    if (!ended)
        return err_set(e, ERR_NET, "%s: the gzip document ends early (truncated download)",
                       path);
    return 0;
}

int spapi_gunzip(const char *in, const char *out, struct err *e)
{
    char part[4200];
    FILE *fi, *fo;
    int rc;
    snprintf(part, sizeof part, "%s.part", out);
    if (!(fi = fopen(in, "rb")))
        return err_set(e, ERR_IO, "%s: cannot open", in);
    if (!(fo = fopen(part, "wb"))) {
        fclose(fi);
        return err_set(e, ERR_IO, "%s: cannot create", part);
    }
    rc = inflate_all(fi, fo, in, e);
    fclose(fi);
    if (fclose(fo) != 0 && rc == 0)
        rc = err_set(e, ERR_IO, "%s: cannot write (disk full?)", part);
    if (rc == 0 && rename(part, out) != 0)
        rc = err_set(e, ERR_IO, "%s: cannot rename into place", out);
    if (rc < 0)
        remove(part);
    return rc;
}
