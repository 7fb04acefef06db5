/* test_diff — the exact reading of Xero's numbers (jnum_quote, jnum_scaled) and the field by
 * field comparison of post --diff (xdiff_compare) on documents as sent and as Xero answers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "t.h"
#include "xero_diff_int.h"

static const struct { const char *in, *want; } quotes[] = {
    { "{\"a\":12.30,\"b\":-1,\"c\":\"7.5\"}", "{\"a\":\"12.30\",\"b\":\"-1\",\"c\":\"7.5\"}" },
    { "[1e3, true, null, \"x\\\"1\"]", "[\"1e3\", true, null, \"x\\\"1\"]" },
    { "{\"d\":\"/Date(1727654400000+0000)/\"}", "{\"d\":\"/Date(1727654400000+0000)/\"}" },
};

static const struct { const char *in; int rc; int64_t want; } scaled[] = {
    { "24.99", 0, 249900 }, { "24.9900", 0, 249900 }, { "-11.1", 0, -111000 },
    { "1", 0, 10000 }, { "0.00001", -1, 0 }, { "12.340000", 0, 123400 }, { "1e3", -1, 0 },
    { "", -1, 0 }, { "-", -1, 0 }, { "922337203685477.5807", 0, INT64_MAX },
    { "922337203685477.5808", -1, 0 },
};

static json_t *load(const char *text)
{
    size_t n;
    char *q = jnum_quote(text, strlen(text), &n);
    json_t *j = json_loadb(q, n, 0, NULL);
    free(q);
    return j;
}

/* ours, theirs (Xero's form), and the differences expected, "|"-joined. */
static const struct { const char *coll, *ours, *theirs, *want; } cmps[] = {
    { "Invoices",
      "{\"Type\":\"ACCREC\",\"Date\":\"2025-09-30\",\"Status\":\"AUTHORISED\","
      "\"LineItems\":[{\"AccountCode\":\"200\",\"LineAmount\":24.99,\"Quantity\":1}]}",
      "{\"Type\":\"ACCREC\",\"Date\":\"/Date(1759190400000+0000)/\",\"Status\":\"PAID\","
      "\"LineItems\":[{\"AccountCode\":\"200\",\"LineAmount\":24.9900,\"Quantity\":1.0000,"
      "\"TaxAmount\":0}]}", "" },
    { "Invoices",
      "{\"Type\":\"ACCREC\",\"Date\":\"2025-09-30\",\"LineItems\":[{\"AccountCode\":\"200\"},"
      "{\"AccountCode\":\"429\",\"TaxType\":\"NONE\"}]}",
      "{\"Type\":\"ACCPAY\",\"DateString\":\"2025-10-01T00:00:00\",\"LineItems\":[{"
      "\"AccountCode\":\"200\",\"Tracking\":[{\"Name\":\"Region\",\"Option\":\"US\"}]}]}",
      "Type: ours ACCREC, Xero ACCPAY|Date: ours 2025-09-30, Xero 2025-10-01|lines: ours 2, "
      "Xero 1|line 1 Tracking: ours -, Xero Region=US" },
    { "ManualJournals", "{\"Narration\":\"AMZ-1-1: x\",\"Status\":\"POSTED\","
      "\"JournalLines\":[{\"LineAmount\":-5.00}]}",
      "{\"Narration\":\"AMZ-1-1: x\",\"Status\":\"POSTED\",\"JournalLines\":[{"
      "\"LineAmount\":-5.01}]}", "line 1 LineAmount: ours -5.00, Xero -5.01" },
    { "Payments", "{\"Invoice\":{\"InvoiceNumber\":\"AMZ-1-1\"},\"Account\":{\"Code\":\"090\"},"
      "\"Amount\":74.50}", "{\"Invoice\":{\"InvoiceNumber\":\"AMZ-1-1\"},\"Account\":{"
      "\"Code\":\"091\"},\"Amount\":74.5}", "Account.Code: ours 090, Xero 091" },
    { "BankTransfers", "{\"Amount\":10,\"Reference\":\"r\"}", "{\"Amount\":10.00}",
      "Reference: ours r, Xero (none)" },
};

int main(void)
{
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
        size_t n;
        char *got = jnum_quote(quotes[i].in, strlen(quotes[i].in), &n);
        CHECK(got && strcmp(got, quotes[i].want) == 0 && n == strlen(got),
              "jnum_quote(%s) = %s", quotes[i].in, got ? got : "(null)");
        free(got);
    }
    for (size_t i = 0; i < sizeof scaled / sizeof scaled[0]; i++) {
        int64_t v = 0;
        int rc = jnum_scaled(scaled[i].in, &v);
        CHECK(rc == scaled[i].rc && (rc < 0 || v == scaled[i].want),
              "jnum_scaled(%s): rc %d, %lld", scaled[i].in, rc, (long long)v);
    }
    for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++) {
        struct xdiff_doc d;
        char got[2000] = "";
        json_t *a = load(cmps[i].ours), *b = load(cmps[i].theirs);
        memset(&d, 0, sizeof d);
        CHECK(a && b && xdiff_compare(cmps[i].coll, a, b, &d) == 0, "compare %zu runs", i);
        for (size_t k = 0; k < d.n_diffs; k++) {
            strcat(got, k ? "|" : "");
            strncat(got, d.diffs[k], sizeof got - strlen(got) - 1);
            free(d.diffs[k]);
        }
        free(d.diffs);
        CHECK(strcmp(got, cmps[i].want) == 0, "compare %zu: got [%s] want [%s]", i, got,
              cmps[i].want);
        json_decref(a);
        json_decref(b);
    }
    return T_DONE();
}
