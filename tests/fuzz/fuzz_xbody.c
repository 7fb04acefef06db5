/* fuzz_xbody — libFuzzer target for the request-body splitter of live posting: any text that
 * xbody_split accepts must split into documents whose subsets are again bodies that split
 * into exactly the kept documents, byte for byte, and whose identifiers can be read. The
 * splitter decides what is re-sent after a partial answer, so a wrong cut would resend or
 * lose a document. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "xero_send_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_xbody: " __VA_ARGS__); \
    fputc('\n', stderr); abort(); } } while (0)

static void check_subset(const char *body, const struct xbody *b, const unsigned char *keep)
{
    struct xbody *s = malloc(sizeof *s);
    struct err e = {0};
    size_t kept = 0, j = 0;
    char *sub = xbody_subset(body, b, keep);
    REQUIRE(s && sub, "out of memory");
    for (size_t i = 0; i < b->n; i++)
        kept += keep[i] != 0;
    if (kept == 0) {
        free(sub);
        free(s);
        return;
    }
    REQUIRE(xbody_split(sub, s, &e) == 0, "a subset does not split: %s", e.msg);
    REQUIRE(s->n == kept, "subset holds %zu documents, kept %zu", s->n, kept);
    REQUIRE(strcmp(s->collection, b->collection) == 0, "subset changed the collection");
    for (size_t i = 0; i < b->n; i++) {
        if (!keep[i])
            continue;
        REQUIRE(s->len[j] == b->len[i] && memcmp(sub + s->off[j], body + b->off[i],
                                                 b->len[i]) == 0,
                "document %zu changed in the subset", i);
        j++;
    }
    free(sub);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xbody *b = malloc(sizeof *b);
    struct err e = {0};
    char *body = malloc(size + 1);
    REQUIRE(b && body, "out of memory");
    memcpy(body, data, size);
    body[size] = '\0';
    if (xbody_split(body, b, &e) == 0) {
        unsigned char *keep = calloc(b->n + 1, 1);
        REQUIRE(keep, "out of memory");
        REQUIRE(b->n > 0 && b->n <= XBODY_DOCS_MAX, "%zu documents", b->n);
        for (size_t i = 0; i < b->n; i++) {
            struct xdoc d;
            REQUIRE(b->off[i] + b->len[i] <= size, "document %zu runs past the body", i);
            REQUIRE(i == 0 || b->off[i] >= b->off[i - 1] + b->len[i - 1],
                    "documents %zu and %zu overlap", i - 1, i);
            (void)xbody_doc(body, b, i, &d, &e);
            keep[i] = (unsigned char)(i % 2 == 0);
        }
        check_subset(body, b, keep);
        for (size_t i = 0; i < b->n; i++)
            keep[i] = 1;
        check_subset(body, b, keep);
        free(keep);
    }
    free(body);
    free(b);
    return 0;
}
