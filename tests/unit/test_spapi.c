/* test_spapi — tables for the fetch stage's pure parts: the rate-limit header parser, the
 * backoff bounds, id checks, buyer PII removal (allow-list) with masking that is idempotent,
 * and gunzip refusing a cut or corrupted document. */
#include "spapi_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "t.h"

static const struct { const char *in; int64_t want; } rates[] = {
    { "0.0167", 16700 }, { "0.0222", 22200 }, { "20", 20000000 }, { "2.0", 2000000 },
    { "0.5", 500000 }, { " 5", 5000000 }, { "0.00001", 10 }, { "0.0000001", -1 },
    { "0", -1 }, { "", -1 }, { "abc", -1 }, { "1e3", -1 }, { "-1", -1 }, { "1.2.3", -1 },
};

static const struct { const char *id; int ok; } ids[] = {
    { "ID222", 1 }, { "50016018732", 1 }, { "902-1845936-5435065", 1 },
    { "DOC-b8b0-4226-b4b9-0ee058ea5760", 1 }, { "amzn1.tortuga.3.x_y", 1 },
    { "", 0 }, { ".hidden", 0 }, { "../etc", 0 }, { "a/b", 0 }, { "a b", 0 }, { "a%2F", 0 },
};

/* input order JSON -> what may be written to disk (keys sorted, compact) */
static const struct { const char *in, *want; } orders[] = {
    { "{\"AmazonOrderId\":\"1\",\"ShippingAddress\":{\"Name\":\"John Doe\",\"AddressLine1\":"
      "\"1 Cross St.\",\"City\":\"Canton\",\"PostalCode\":\"48817\",\"CountryCode\":\"US\","
      "\"Phone\":\"555\"},\"BuyerInfo\":{\"BuyerEmail\":\"User@Example.com\",\"BuyerName\":"
      "\"John Doe\",\"BuyerTaxInfo\":{\"CompanyLegalName\":\"A Co\"},\"PurchaseOrderNumber\":"
      "\"123\"}}",
      "{\"AmazonOrderId\":\"1\",\"BuyerInfo\":{\"BuyerEmail\":\"buyer-b4c9a289323b\"},"
      "\"ShippingAddress\":{\"CountryCode\":\"US\"}}" },
    { "{\"AmazonOrderId\":\"2\",\"BuyerInfo\":{\"BuyerName\":\"X\"},\"BuyerEmail\":\"x@y\","
      "\"BuyerName\":\"X\",\"BuyerCounty\":\"Y\",\"ShippingAddress\":\"oops\"}",
      "{\"AmazonOrderId\":\"2\"}" },
    { "{\"AmazonOrderId\":\"3\",\"BuyerInfo\":{\"BuyerEmail\":\"buyer-b4c9a289323b\"}}",
      "{\"AmazonOrderId\":\"3\",\"BuyerInfo\":{\"BuyerEmail\":\"buyer-b4c9a289323b\"}}" },
    { "{\"AmazonOrderId\":\"4\",\"OrderTotal\":{\"CurrencyCode\":\"USD\",\"Amount\":\"1.00\"}}",
      "{\"AmazonOrderId\":\"4\",\"OrderTotal\":{\"Amount\":\"1.00\",\"CurrencyCode\":\"USD\"}}" },
};

static const struct { const char *in, *want; } items[] = {
    { "{\"OrderItemId\":\"1\",\"BuyerInfo\":{\"GiftMessageText\":\"For you, Jane\","
      "\"BuyerCustomizedInfo\":{\"CustomizedURL\":\"https://x\"},\"GiftWrapPrice\":"
      "{\"CurrencyCode\":\"JPY\",\"Amount\":\"1\"},\"GiftWrapLevel\":\"Classic\"},"
      "\"BuyerRequestedCancel\":{\"IsBuyerRequestedCancel\":\"true\",\"BuyerCancelReason\":"
      "\"call me\"}}",
      "{\"BuyerInfo\":{\"GiftWrapLevel\":\"Classic\",\"GiftWrapPrice\":{\"Amount\":\"1\","
      "\"CurrencyCode\":\"JPY\"}},\"BuyerRequestedCancel\":{\"IsBuyerRequestedCancel\":"
      "\"true\"},\"OrderItemId\":\"1\"}" },
    { "{\"OrderItemId\":\"2\",\"BuyerInfo\":{\"GiftMessageText\":\"hi\"}}",
      "{\"OrderItemId\":\"2\"}" },
};

static void check_json(const char *in, const char *want, void (*strip)(json_t *))
{
    json_error_t je;
    json_t *j = json_loads(in, 0, &je);
    char *got;
    strip(j);
    got = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK(got && strcmp(got, want) == 0, "strip(%s)\n  got  %s\n  want %s", in, got, want);
    free(got);
    json_decref(j);
}

/* Writes text gzipped to path, cut to keep bytes (0: whole), one byte flipped at flip (-1). */
static void gz_file(const char *path, const char *text, long keep, long flip)
{
    char tmp[256];
    gzFile g;
    FILE *f;
    unsigned char buf[4096];
    size_t n;
    snprintf(tmp, sizeof tmp, "%s.whole", path);
    g = gzopen(tmp, "wb");
    gzwrite(g, text, (unsigned)strlen(text));
    gzclose(g);
    f = fopen(tmp, "rb");
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    remove(tmp);
    if (keep > 0 && (size_t)keep < n)
        n = (size_t)keep;
    if (flip >= 0)
        buf[n - (size_t)flip - 1] ^= 0x55;
    f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
}

static void check_gunzip(void)
{
    const char *text = "settlement-id\tsettlement-start-date\n1\t2024-01-01\n";
    char in[128], out[128], got[256] = "";
    struct err e = {0};
    FILE *f;
    snprintf(in, sizeof in, "/tmp/test_spapi_%d.gz", (int)getpid());
    snprintf(out, sizeof out, "/tmp/test_spapi_%d.tsv", (int)getpid());

    gz_file(in, text, 0, -1);
    CHECK(spapi_gunzip(in, out, &e) == 0, "whole gzip: %s", e.msg);
    f = fopen(out, "rb");
    if (f) {
        got[fread(got, 1, sizeof got - 1, f)] = '\0';
        fclose(f);
    }
    CHECK(strcmp(got, text) == 0, "gunzip gave [%s]", got);
    remove(out);

    gz_file(in, text, 30, -1);
    CHECK(spapi_gunzip(in, out, &e) < 0 && e.code == ERR_NET && access(out, F_OK) != 0,
          "cut gzip accepted or left a file (%s)", e.msg);
    gz_file(in, text, 0, 2);   /* inside the CRC-32 of the trailer */
    CHECK(spapi_gunzip(in, out, &e) < 0 && access(out, F_OK) != 0,
          "bad CRC accepted (%s)", e.msg);
    f = fopen(in, "wb");
    fputs("not gzip at all", f);
    fclose(f);
    CHECK(spapi_gunzip(in, out, &e) < 0, "plain text taken for gzip");
    remove(in);
}

int main(void)
{
    struct spapi sp;
    char a[20], b[20];

    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        CHECK(spapi_rate_parse(rates[i].in) == rates[i].want, "rate_parse(\"%s\") = %lld",
              rates[i].in, (long long)spapi_rate_parse(rates[i].in));
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        CHECK(spapi_id_ok(ids[i].id) == ids[i].ok, "id_ok(\"%s\")", ids[i].id);
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
        check_json(orders[i].in, orders[i].want, spapi_pii_order);
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        check_json(items[i].in, items[i].want, spapi_pii_item);

    ingest_mask_buyer("User@Example.com", a);
    ingest_mask_buyer(a, b);
    CHECK(strcmp(a, "buyer-b4c9a289323b") == 0 && strcmp(a, b) == 0, "mask %s, twice %s", a, b);

    memset(&sp, 0, sizeof sp);
    spapi_rate_init(&sp);
    for (int attempt = 0; attempt < 12; attempt++) {
        int64_t d = spapi_backoff_ms(&sp, attempt), full = SPAPI_BACKOFF_BASE_MS;
        for (int i = 0; i < attempt && full < SPAPI_BACKOFF_CAP_MS; i++)
            full *= 2;
        if (full > SPAPI_BACKOFF_CAP_MS)
            full = SPAPI_BACKOFF_CAP_MS;
        CHECK(d >= full / 2 && d <= full, "backoff(%d) = %lld, want %lld..%lld", attempt,
              (long long)d, (long long)(full / 2), (long long)full);
    }
    spapi_rate_update(&sp, SPAPI_OP_ORDERS, "0.0167");
    CHECK(spapi_rate_interval_ms(&sp, SPAPI_OP_ORDERS) == 59881, "interval at 0.0167/s = %lld",
          (long long)spapi_rate_interval_ms(&sp, SPAPI_OP_ORDERS));
    spapi_rate_update(&sp, SPAPI_OP_ORDERS, "0.001");
    CHECK(spapi_rate_interval_ms(&sp, SPAPI_OP_ORDERS) == SPAPI_WAIT_MAX_MS, "wait is capped");

    check_gunzip();
    return T_DONE();
}
