/* grow — room for one more element of a growing array, the one idiom every pass that
 * collects rows needs. It grows by half (n additions still cost O(n) copies): the passes
 * over a million lines hold arrays of megabytes, and doubling would leave up to twice what
 * they need where half as much again is the most. */
#include "base.h"

#include <stdlib.h>

int grow_array(void *pp, size_t *cap, size_t n, size_t size, size_t first, struct err *e)
{
    void **p = pp;
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap + *cap / 2 : first;
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
