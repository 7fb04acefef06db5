/* token_store — the owner-only token file: safety checks, flock, atomic writes, and the JSON
 * form of a token set. Never logs; error messages name files, never their contents. */
#include "xero.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

#define PATH_CAP 1024

static const char default_rel[] = ".config/settlebook/xero-token.json";

static int home_dir(char *out, size_t cap, struct err *e)
{
    const char *h = getenv("HOME");
    if (!h || !*h) {
        struct passwd *pw = getpwuid(geteuid());
        h = pw ? pw->pw_dir : NULL;
    }
    if (!h || !*h)
        return err_set(e, ERR_INPUT, "no home folder (HOME is unset): set xero.token_file");
    if ((size_t)snprintf(out, cap, "%s", h) >= cap)
        return err_set(e, ERR_INPUT, "home folder path too long: set xero.token_file");
    return 0;
}

int token_store_path(const struct config *cfg, char *out, size_t cap, struct err *e)
{
    const char *f = cfg->xero.token_file;
    char home[PATH_CAP];
    size_t n;
    if (f[0] && !(f[0] == '~' && f[1] == '/'))
        n = (size_t)snprintf(out, cap, "%s", f);
    else if (home_dir(home, sizeof home, e) < 0)
        return -1;
    else
        n = (size_t)snprintf(out, cap, "%s/%s", home, f[0] ? f + 2 : default_rel);
    if (n >= cap)
        return err_set(e, ERR_INPUT, "xero.token_file: path longer than %zu bytes", cap - 1);
    return 0;
}

/* The rules every token file and lock file must pass; st describes path itself (lstat or
 * fstat of a descriptor opened with O_NOFOLLOW). */
static int refuse(const char *path, const struct stat *st, int secret, struct err *e)
{
    if (S_ISLNK(st->st_mode))
        return err_set(e, ERR_INPUT, "%s: is a symbolic link; refusing to follow it (replace "
                       "it with the file itself)", path);
    if (!S_ISREG(st->st_mode))
        return err_set(e, ERR_INPUT, "%s: not a regular file", path);
    if (st->st_uid != geteuid())
        return err_set(e, ERR_INPUT, "%s: owned by uid %ld, not by you (uid %ld); refusing "
                       "to use tokens another user can replace", path, (long)st->st_uid,
                       (long)geteuid());
    if (secret && (st->st_mode & 077))
        return err_set(e, ERR_INPUT, "%s: readable or writable by group or others (mode %04o); "
                       "run: chmod 600 '%s'", path, (unsigned)(st->st_mode & 07777), path);
    return 0;
}

int token_store_check(const char *path, int *exists, struct err *e)
{
    struct stat st;
    *exists = 0;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
    }
    *exists = 1;
    return refuse(path, &st, 1, e);
}

/* mkdir -p of path's parent; folders it creates are 0700. */
static int make_parents(const char *path, struct err *e)
{
    char dir[PATH_CAP];
    char *slash;
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return err_set(e, ERR_INPUT, "%s: path too long", path);
    slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return err_set(e, ERR_IO, "%s: cannot create folder: %s", dir, strerror(errno));
        *p = c;
        if (c == '\0')
            break;
    }
    return 0;
}

int token_store_lock(const char *path, long wait_ms, int *out_fd, struct err *e)
{
    char lock[PATH_CAP];
    struct stat st;
    int64_t until = clock_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
    int fd;
    *out_fd = -1;
    if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock)
        return err_set(e, ERR_INPUT, "%s: path too long", path);
    if (make_parents(lock, e) < 0)
        return -1;
    fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, errno == ELOOP ? ERR_INPUT : ERR_IO, "%s: cannot open lock: %s",
                       lock, errno == ELOOP ? "is a symbolic link" : strerror(errno));
    if (fstat(fd, &st) != 0) {
        close(fd);
        return err_set(e, ERR_IO, "%s: cannot stat lock: %s", lock, strerror(errno));
    }
    if (refuse(lock, &st, 0, e) < 0) {
        close(fd);
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            close(fd);
            return err_set(e, ERR_IO, "%s: cannot lock: %s", lock, strerror(errno));
        }
        if (clock_mono_ms() >= until) {
            close(fd);
            return err_set(e, ERR_IO, "%s: another settlebook has held the token lock for "
                           "%ld ms; try again when it has finished", lock, wait_ms);
        }
        clock_sleep_ms(20);
    }
    *out_fd = fd;
    return 0;
}

void token_store_unlock(int fd)
{
    if (fd < 0)
        return;
    flock(fd, LOCK_UN);
    close(fd);
}

int token_store_load_text(const char *path, char **out, size_t *len, struct err *e)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int exists, fd;
    *out = NULL;
    *len = 0;
    if (token_store_check(path, &exists, e) < 0 || !exists)
        return exists ? -1 : 0;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno == ELOOP ? ERR_INPUT : ERR_IO, "%s: cannot open: %s", path,
                       errno == ELOOP ? "is a symbolic link" : strerror(errno));
    if (fstat(fd, &st) != 0) {
        err_set(e, ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        goto fail;
    }
    if (refuse(path, &st, 1, e) < 0)
        goto fail;
    if (st.st_size > (off_t)TOKEN_STORE_FILE_MAX) {
        err_set(e, ERR_INPUT, "%s: larger than %u bytes; not a token file", path,
                TOKEN_STORE_FILE_MAX);
        goto fail;
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto fail;
    }
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            err_set(e, ERR_IO, "%s: read error", path);
            goto fail;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
    close(fd);
    *out = buf;
    *len = n;
    return 0;
fail:
    if (buf) {
        OPENSSL_cleanse(buf, n);
        free(buf);
    }
    close(fd);
    return -1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sync_parent(const char *path)
{
    char dir[PATH_CAP];
    char *slash;
    int fd;
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Creates path.tmp afresh (0600, no symlink followed) after the token file's own checks;
 * returns its descriptor, with the name in tmp. */
static int open_tmp(const char *path, char tmp[PATH_CAP], const char *why, struct err *e)
{
    int exists, fd;
    if (snprintf(tmp, PATH_CAP, "%s.tmp", path) >= PATH_CAP)
        return err_set(e, ERR_INPUT, "%s: path too long", path);
    if (token_store_check(path, &exists, e) < 0 || make_parents(path, e) < 0)
        return -1;
    if (unlink(tmp) != 0 && errno != ENOENT)
        return err_set(e, ERR_IO, "%s: cannot remove stale temp file: %s", tmp, strerror(errno));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_IO, "%s: cannot create: %s%s", tmp, strerror(errno), why);
    return fd;
}

int token_store_save_text(const char *path, const char *text, size_t len, struct err *e)
{
    char tmp[PATH_CAP];
    int fd = open_tmp(path, tmp, "", e);
    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return err_set(e, ERR_IO, "%s: cannot write (disk full?)", tmp);
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return err_set(e, ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
    }
    sync_parent(path);
    return 0;
}

int token_store_probe(const char *path, struct err *e)
{
    char tmp[PATH_CAP];
    int fd = open_tmp(path, tmp, "; the token file must be writable before its tokens are "
                      "renewed", e);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(tmp);
    return 0;
}

int token_store_remove(const char *path, struct err *e)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return err_set(e, ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return 0;
}

/* Copies the string member key of o into out; absent or null gives "". */
static int get_str(json_t *o, const char *key, char *out, size_t cap, const char *path,
                   struct err *e)
{
    json_t *v = json_object_get(o, key);
    out[0] = '\0';
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return err_set(e, ERR_INPUT, "%s: \"%s\" is not a string", path, key);
    if (json_string_length(v) >= cap)
        return err_set(e, ERR_INPUT, "%s: \"%s\" longer than %zu bytes", path, key, cap - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out, const char *path, struct err *e)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return err_set(e, ERR_INPUT, "%s: \"%s\" is not an integer", path, key);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int token_store_read(const char *path, struct token_set *out, int *found, struct err *e)
{
    json_error_t je;
    json_t *o = NULL;
    char *text = NULL;
    size_t len = 0;
    int64_t version = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    *found = 0;
    if (token_store_load_text(path, &text, &len, e) < 0)
        return -1;
    if (!text)
        return 0;
    *found = 1;
    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        /* je.text can quote the file: name only the position */
        err_set(e, ERR_INPUT, "%s:%d:%d: not a settlebook token file (bad JSON); remove it "
                "and run settlebook auth xero", path, o ? 1 : je.line, o ? 1 : je.column);
        goto done;
    }
    if (get_int(o, "version", &version, path, e) < 0)
        goto done;
    if (version != TOKEN_STORE_VERSION) {
        err_set(e, ERR_INPUT, "%s: token file version %lld, this settlebook reads %d", path,
                (long long)version, TOKEN_STORE_VERSION);
        goto done;
    }
    if (get_str(o, "grant", out->grant, sizeof out->grant, path, e) < 0 ||
        get_str(o, "client_id", out->client_id, sizeof out->client_id, path, e) < 0 ||
        get_str(o, "access_token", out->access_token, sizeof out->access_token, path, e) < 0 ||
        get_int(o, "expires_at", &out->expires_at, path, e) < 0 ||
        get_str(o, "refresh_token", out->refresh_token, sizeof out->refresh_token, path, e) < 0 ||
        get_str(o, "tenant_id", out->tenant_id, sizeof out->tenant_id, path, e) < 0 ||
        get_str(o, "tenant_name", out->tenant_name, sizeof out->tenant_name, path, e) < 0 ||
        get_int(o, "updated_at", &out->updated_at, path, e) < 0)
        goto done;
    rc = 0;
done:
    json_decref(o);
    OPENSSL_cleanse(text, len);
    free(text);
    if (rc < 0)
        token_set_clear(out);
    return rc;
}

int token_store_write(const char *path, const struct token_set *t, struct err *e)
{
    json_t *o = json_object();
    char *text = NULL;
    int rc = -1;
    if (!o)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (json_object_set_new(o, "version", json_integer(TOKEN_STORE_VERSION)) ||
        json_object_set_new(o, "grant", json_string(t->grant)) ||
        json_object_set_new(o, "client_id", json_string(t->client_id)) ||
        json_object_set_new(o, "access_token", json_string(t->access_token)) ||
        json_object_set_new(o, "expires_at", json_integer(t->expires_at)) ||
        json_object_set_new(o, "refresh_token", json_string(t->refresh_token)) ||
        json_object_set_new(o, "tenant_id", json_string(t->tenant_id)) ||
        json_object_set_new(o, "tenant_name", json_string(t->tenant_name)) ||
        json_object_set_new(o, "updated_at", json_integer(t->updated_at)) ||
        !(text = json_dumps(o, JSON_INDENT(2)))) {
        err_set(e, ERR_INPUT, "%s: a token is not valid UTF-8 text", path);
        goto done;
    }
    {
        size_t n = strlen(text);
        char *line = malloc(n + 2);   /* the same text with a final newline */
        if (!line) {
            err_set(e, ERR_NOMEM, "out of memory");
            goto done;
        }
        memcpy(line, text, n);
        line[n] = '\n';
        line[n + 1] = '\0';
        rc = token_store_save_text(path, line, n + 1, e);
        OPENSSL_cleanse(line, n + 1);
        free(line);
    }
done:
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(o);
    return rc;
}

void token_set_clear(struct token_set *t)
{
    OPENSSL_cleanse(t, sizeof *t);
}
