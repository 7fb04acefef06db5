/* grow — room for one more element of a growing array, the one idiom every pass that
 * collects rows needs (doubling, so n additions cost O(n) copies). */
#include "base.h"

#include <stdlib.h>

int grow_array(void *pp, size_t *cap, size_t n, size_t size, size_t first, struct err *e)
{
    void **p = pp;
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : first;
    if (c <= n)
        c = n + 1;
    if (c > SIZE_MAX / size)
        return err_set(e, ERR_NOMEM, "out of memory");
    void *v = realloc(*p, c * size);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    *p = v;
    *cap = c;
    return 0;
}
