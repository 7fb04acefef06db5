/* test_grow — grow_array: room for element n, doubling, contents kept; and line_groups: the
 * sums per key, NULL as '', the time cut by characters (UTF-8), SKU only when asked, sorted. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "base.h"
#include "ledger.h"

static void grow(void)
{
    struct err e = {0};
    int *v = NULL;
    size_t cap = 0, grew = 0, room = 0;
    for (size_t n = 0; n < 1000; n++) {
        size_t before = cap;
        room += grow_array(&v, &cap, n, sizeof *v, 4, &e) == 0 && cap > n;
        grew += cap != before;
        if (cap > n)
            v[n] = (int)n;
    }
    CHECK(room == 1000, "room for each of 1000 elements (%zu)", room);
    /* 4, 6, 9, 13, 19, 28, 42, 63, 94, 141, 211, 316, 474, 711, 1066 */
    CHECK(cap == 1066 && grew == 15, "by half from 4: cap %zu after %zu growths", cap, grew);
    int same = 1;
    for (size_t n = 0; n < 1000; n++)
        same &= v[n] == (int)n;
    CHECK(same, "contents kept across growths");
    CHECK(grow_array(&v, &cap, 3, sizeof *v, 4, &e) == 0 && cap == 1066, "room already there");
    free(v);
    v = NULL;
    cap = 0;
    CHECK(grow_array(&v, &cap, 0, SIZE_MAX / 2, 4, &e) < 0 && e.code == ERR_NOMEM && !v,
          "an array too large for memory is refused");
}

static void groups(void)
{
    struct err e = {0};
    struct line_groups g;
    const char *a[6] = { "Order", "ItemPrice", "Principal", NULL, "SKU-1", "2024-03-01T10:00:00Z" };
    const char *b[6] = { "Order", "ItemPrice", "Principal", "", "SKU-2", "2024-03-01T23:59:59Z" };
    const char *c[6] = { "Order", "ItemFees", "Commission", "Amazon.com", "SKU-1",
                         "2024-03-02T00:00:00Z" };
    line_groups_init(&g, 0, 10);
    CHECK(line_groups_add(&g, c, -150, &e) == 0 && line_groups_add(&g, a, 1000, &e) == 0 &&
          line_groups_add(&g, b, 2000, &e) == 0, "add");
    line_groups_finish(&g);
    CHECK(g.n == 2, "by day without SKU: NULL and '' marketplace are one group (%zu)", g.n);
    CHECK(g.n == 2 && strcmp(g.v[0].f[1], "ItemFees") == 0 && g.v[0].sum == -150 &&
          strcmp(g.v[1].f[1], "ItemPrice") == 0 && g.v[1].sum == 3000 && g.v[1].count == 2 &&
          strcmp(g.v[1].f[5], "2024-03-01") == 0 && strcmp(g.v[1].f[4], "") == 0,
          "sorted by the texts, summed and counted, the day kept");
    line_groups_free(&g);
    line_groups_init(&g, 1, 16);
    CHECK(line_groups_add(&g, a, 1, &e) == 0 && line_groups_add(&g, b, 2, &e) == 0, "add");
    line_groups_finish(&g);
    CHECK(g.n == 2 && strcmp(g.v[0].f[4], "SKU-1") == 0 &&
          strcmp(g.v[0].f[5], "2024-03-01T10:00") == 0, "by SKU and minute");
    line_groups_free(&g);
    const char *u[6] = { "Order", "ItemPrice", "Principal", "", "", "\xC3\xA9\xC3\xA9xyz" };
    line_groups_init(&g, 0, 2);
    CHECK(line_groups_add(&g, u, 1, &e) == 0, "add");
    line_groups_finish(&g);
    CHECK(g.n == 1 && strcmp(g.v[0].f[5], "\xC3\xA9\xC3\xA9") == 0,
          "the cut counts characters, as substr does");
    line_groups_free(&g);
    const char *big[6] = { "Order", "ItemPrice", "Principal", "", "", "" };
    line_groups_init(&g, 0, 10);
    CHECK(line_groups_add(&g, big, INT64_MAX, &e) == 0 &&
          line_groups_add(&g, big, 1, &e) < 0 && e.code == ERR_INPUT,
          "a sum beyond 64 bits is an error, as SQLite's sum()");
    line_groups_free(&g);
}

int main(void)
{
    grow();
    groups();
    return T_DONE();
}
