/* hash — thin wrapper over OpenSSL's EVP SHA-256. */
#include "base.h"

#include <openssl/evp.h>
#include <stdio.h>

struct hash_ctx {
    EVP_MD_CTX *md;
};

int hash_new(struct hash_ctx **out, struct err *e)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return err_set(e, ERR_NOMEM, "cannot start SHA-256");
    }
    *out = (struct hash_ctx *)md;
    return 0;
}

void hash_update(struct hash_ctx *h, const void *p, size_t n)
{
    EVP_DigestUpdate((EVP_MD_CTX *)h, p, n);
}

static void to_hex(const unsigned char *d, unsigned n, char *hex)
{
    static const char x[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = x[d[i] >> 4];
        hex[2 * i + 1] = x[d[i] & 15];
    }
    hex[2 * n] = '\0';
}

void hash_final(struct hash_ctx *h, char hex[HASH_HEX_LEN])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex((EVP_MD_CTX *)h, d, &n);
    to_hex(d, n, hex);
    EVP_MD_CTX_free((EVP_MD_CTX *)h);
}

void hash_free(struct hash_ctx *h)
{
    EVP_MD_CTX_free((EVP_MD_CTX *)h);
}

void hash_hex(const void *p, size_t n, char hex[HASH_HEX_LEN])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(p, n, d, &len, EVP_sha256(), NULL);
    to_hex(d, len, hex);
}

int hash_file(const char *path, char hex[HASH_HEX_LEN], struct err *e)
{
    unsigned char buf[65536];
    struct hash_ctx *h;
    size_t n;
    int bad;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", path);
    if (hash_new(&h, e) < 0) {
        fclose(f);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        hash_update(h, buf, n);
    bad = ferror(f);
    fclose(f);
    if (bad) {
        hash_free(h);
        return err_set(e, ERR_INPUT, "%s: cannot read (a folder?): pass a file", path);
    }
    hash_final(h, hex);
    return 0;
}
