/* test_synth — the generator's invariants: the plan's total is the sum of what is written,
 * the summary row's total reads back in every locale, output is deterministic, sizes are
 * exact, order ids never repeat and the catalogue is stable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "synth.h"
#include "synth_int.h"
#include "t.h"

/* Writes the settlement of o into a malloc'd buffer (caller frees). */
static char *render(const struct synth_opts *o, struct synth_plan *p, size_t *len)
{
    struct err e = {0};
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f || synth_plan(p, o, &e) < 0 || synth_write_settlement(p, f, &e) < 0) {
        printf("render: %s\n", e.msg);
        if (f)
            fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    return buf;
}

/* Field i (0-based) of line n (0-based) of a TSV text, into out. */
static void tsv_field(const char *text, int n, int i, char *out, size_t cap)
{
    const char *p = text;
    size_t k = 0;
    while (n > 0 && *p)
        if (*p++ == '\n')
            n--;
    while (i > 0 && *p && *p != '\n')
        if (*p++ == '\t')
            i--;
    while (*p && *p != '\t' && *p != '\n' && k + 1 < cap)
        out[k++] = *p++;
    out[k] = '\0';
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

struct sums {
    money_t sum;
    int64_t lines;
    char (*ids)[SYNTH_ID_MAX];
    size_t n_ids, cap;
};

static int add_event(void *ctx, const struct synth_event *ev, struct err *e)
{
    struct sums *s = ctx;
    for (int i = 0; i < ev->n; i++)
        if (money_add(&s->sum, ev->a[i].amount, e) < 0)
            return -1;
    s->lines += ev->n;
    if (ev->kind == SK_ORDER && s->n_ids < s->cap)
        memcpy(s->ids[s->n_ids++], ev->order_id, SYNTH_ID_MAX);
    return 0;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void t_totals(void)
{
    static const char *const loc[] = { "us", "eu", "uk" };
    for (int l = 0; l < 3; l++)
        for (int fmt = 0; fmt < 2; fmt++)
            for (uint64_t seed = 1; seed <= 6; seed++) {
                struct synth_opts o = { .rows = 50 + (int64_t)seed * 97, .seed = seed,
                                        .format = fmt, .locale = l };
                struct synth_plan p;
                struct sums s = {0};
                struct err e = {0};
                money_t back = 0;
                char total[64];
                size_t len;
                char *text = render(&o, &p, &len);
                CHECK(text != NULL, "render %s seed %llu", loc[l], (unsigned long long)seed);
                if (!text)
                    continue;
                CHECK(synth_walk(&p, add_event, &s, &e) == 0, "walk: %s", e.msg);
                CHECK(s.sum == p.total && s.lines == o.rows,
                      "%s/v%d seed %llu: lines %lld sum %lld, want %lld and total %lld",
                      loc[l], 2 - fmt, (unsigned long long)seed, (long long)s.lines,
                      (long long)s.sum, (long long)o.rows, (long long)p.total);
                CHECK(fmt == SYNTH_V1 || count_lines(text) == (size_t)o.rows + 2,
                      "%s: %zu lines for %lld rows", loc[l], count_lines(text),
                      (long long)o.rows);
                tsv_field(text, 1, 4, total, sizeof total);
                CHECK(money_parse_locale(total, l == SYNTH_EU ? ',' : '.', 2, &back, &e) == 0 &&
                      back == p.total, "%s total '%s' reads back as %lld, want %lld (%s)",
                      loc[l], total, (long long)back, (long long)p.total, e.msg);
                free(text);
            }
}

static void t_determinism(void)
{
    struct synth_opts o = { .rows = 2000, .seed = 99, .format = SYNTH_V2, .locale = SYNTH_EU };
    struct synth_plan p1, p2;
    size_t n1, n2;
    char *a = render(&o, &p1, &n1), *b = render(&o, &p2, &n2), *c;
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0, "same options, different bytes");
    o.seed = 100;
    c = render(&o, &p2, &n2);
    CHECK(c && (n1 != n2 || memcmp(a, c, n1) != 0), "another seed, same bytes");
    CHECK(strcmp(p1.settlement_id, p2.settlement_id) != 0 && strlen(p1.settlement_id) == 11,
          "settlement ids %s %s", p1.settlement_id, p2.settlement_id);
    free(a);
    free(b);
    free(c);
}

static void t_order_ids(void)
{
    struct synth_opts o = { .rows = 300000, .seed = 5 };
    struct synth_plan p;
    struct sums s = {0};
    struct err e = {0};
    size_t dup = 0;
    s.cap = 40000;
    s.ids = calloc(s.cap, sizeof *s.ids);
    CHECK(synth_plan(&p, &o, &e) == 0 && synth_walk(&p, add_event, &s, &e) == 0, "%s", e.msg);
    qsort(s.ids, s.n_ids, sizeof *s.ids, by_id);
    for (size_t i = 1; i < s.n_ids; i++)
        dup += strcmp(s.ids[i - 1], s.ids[i]) == 0;
    CHECK(s.n_ids > 20000 && dup == 0, "%zu order ids, %zu repeated", s.n_ids, dup);
    free(s.ids);
}

static void t_catalogue_and_limits(void)
{
    struct synth_sku a, b;
    struct synth_plan p;
    struct err e = {0};
    struct synth_opts o = { .rows = 2, .seed = 1 };
    synth_catalogue(0, &a);
    synth_catalogue(0, &b);
    CHECK(strcmp(a.sku, b.sku) == 0 && a.price == b.price && a.price > 0, "catalogue unstable");
    synth_catalogue(SYNTH_SKUS - 1, &b);
    CHECK(strcmp(a.sku, b.sku) != 0 && strlen(b.asin) == 10, "sku %s asin %s", b.sku, b.asin);
    CHECK(synth_plan(&p, &o, &e) < 0 && e.code == ERR_INPUT, "rows 2 accepted");
    o.rows = SYNTH_ROWS_MAX + 1;
    CHECK(synth_plan(&p, &o, &e) < 0 && e.code == ERR_INPUT, "rows above the limit accepted");
    CHECK(synth_format_of("v1") == SYNTH_V1 && synth_format_of("xml") < 0, "format names");
    CHECK(synth_locale_of("uk") == SYNTH_UK && synth_locale_of("fr") < 0, "locale names");
}

int main(void)
{
    t_totals();
    t_determinism();
    t_order_ids();
    t_catalogue_and_limits();
    return T_DONE();
}
