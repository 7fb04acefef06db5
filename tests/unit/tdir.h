/* tdir.h — a scratch folder per unit test (mkdtemp under $TMPDIR or /tmp), files written
 * into it by the test itself, and its removal at the end. Flat: no subfolders. */
#ifndef SETTLEBOOK_TDIR_H
#define SETTLEBOOK_TDIR_H
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tdir[256];

/* Creates the folder; 0 or -1. */
static inline int tdir_make(const char *name)
{
    const char *t = getenv("TMPDIR");
    snprintf(tdir, sizeof tdir, "%s/sb-%s.XXXXXX", t && t[0] ? t : "/tmp", name);
    return mkdtemp(tdir) ? 0 : -1;
}

/* The path of name inside the folder, into out[cap]. */
static inline const char *tdir_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tdir, name);
    return out;
}

/* Writes len bytes (strlen when len is (size_t)-1) to name; the path goes to out[cap]. */
static inline int tdir_write(const char *name, const char *text, size_t len, char *out,
                             size_t cap)
{
    FILE *f = fopen(tdir_path(out, cap, name), "wb");
    size_t n = len == (size_t)-1 ? strlen(text) : len;
    int ok = f && fwrite(text, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* Removes every file in the folder, then the folder. */
static inline void tdir_remove(void)
{
    DIR *d = opendir(tdir);
    struct dirent *de;
    char p[512];
    if (!d)
        return;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            unlink(tdir_path(p, sizeof p, de->d_name));
    closedir(d);
    rmdir(tdir);
}
#endif
