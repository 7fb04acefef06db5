/* keytab — a table of distinct byte-string keys, each given a dense index (0, 1, ... in the
 * order first seen), for grouping a million rows into a few thousand groups in one pass: the
 * caller keeps its sums in an array by index and sorts the groups at the end. Open
 * addressing on a 64-bit FNV-1a hash; keys are copied. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key_hash(const void *k, size_t n)
{
    const unsigned char *p = k;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static int grow(struct keytab *t, struct err *e)
{
    size_t n = t->nslot ? t->nslot * 2 : 1024;
    size_t *s = calloc(n, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->n; i++) {
        size_t j = (size_t)t->keys[i].hash & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = i + 1;
    }
    free(t->slot);
    t->slot = s;
    t->nslot = n;
    return 0;
}

int keytab_index(struct keytab *t, const void *key, size_t len, size_t *index, int *created,
                 struct err *e)
{
    uint64_t h = key_hash(key, len);
    size_t j;
    *created = 0;
    if ((t->n + 1) * 2 > t->nslot && grow(t, e) < 0)
        return -1;
    for (j = (size_t)h & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1)) {
        const struct keytab_key *k = &t->keys[t->slot[j] - 1];
        if (k->hash == h && k->len == len && memcmp(k->bytes, key, len) == 0) {
            *index = t->slot[j] - 1;
            return 0;
        }
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct keytab_key *k = realloc(t->keys, cap * sizeof *k);
        if (!k)
            return err_set(e, ERR_NOMEM, "out of memory");
        t->keys = k;
        t->cap = cap;
    }
    struct keytab_key *k = &t->keys[t->n];
    if (!(k->bytes = malloc(len ? len : 1)))
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(k->bytes, key, len);
    k->len = len;
    k->hash = h;
    t->slot[j] = ++t->n;
    *index = t->n - 1;
    *created = 1;
    return 0;
}

void keytab_free(struct keytab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->keys[i].bytes);
    free(t->keys);
    free(t->slot);
    memset(t, 0, sizeof *t);
}
