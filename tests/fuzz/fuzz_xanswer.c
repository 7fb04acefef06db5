/* fuzz_xanswer — libFuzzer target for the parser of Xero's answers to a PUT of n documents:
 * any JSON (and any status, collection and document count taken from the first bytes) must
 * be read without a crash, and a document is never both unanswered and confirmed: an answer
 * that does not say what happened to a document leaves it unknown, to be looked up. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "xero_send_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_xanswer: " __VA_ARGS__); \
    fputc('\n', stderr); abort(); } } while (0)

static const char *const collections[] = { "Invoices", "CreditNotes", "Payments",
                                           "ManualJournals", "BankTransfers", "Contacts" };
static const long statuses[] = { 200, 400, 200, 401, 403, 404, 429, 500 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *root;
    struct xresult r[8];
    struct err e = {0};
    size_t n;
    if (size < 2)
        return 0;
    n = (size_t)(data[0] % 8) + 1;
    root = json_loadb((const char *)data + 2, size - 2, JSON_DECODE_ANY, &je);
    if (!root)
        return 0;
    memset(r, 0, sizeof r);
    if (xparse_answer(root, statuses[data[1] % 8], collections[(data[1] >> 3) % 6], n, r,
                      &e) == 0)
        for (size_t i = 0; i < n; i++) {
            REQUIRE(r[i].done || !r[i].ok, "document %zu is confirmed without an answer", i);
            REQUIRE(memchr(r[i].id, '\0', sizeof r[i].id) != NULL &&
                    memchr(r[i].msg, '\0', sizeof r[i].msg) != NULL, "unterminated text");
        }
    json_decref(root);
    return 0;
}
