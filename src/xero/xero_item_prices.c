/* xero_item_prices — the purchase prices of the organisation's Items, for sellers who keep
 * their unit costs in Xero (`ingest --costs-from-xero`). One read-only GET /Items (Xero's
 * Items endpoint is not paged), with the answer's numbers kept as the decimals Xero wrote:
 * a price never passes through a double. Writes nothing. */
#include <stdlib.h>
#include <string.h>

#include "xero.h"
#include "xero_send_int.h"

static int cmp_code(const void *a, const void *b)
{
    return strcmp(((const struct item_price *)a)->code, ((const struct item_price *)b)->code);
}

/* The item's PurchaseDetails.UnitPrice as 0.0001 units: 1 read, 0 none, -1 not a price. */
static int unit_price(json_t *item, int64_t *out)
{
    json_t *p = json_object_get(json_object_get(item, "PurchaseDetails"), "UnitPrice");
    if (!p || json_is_null(p))
        return 0;
    /* exact_numbers: the number arrives as its decimal text */
    if (!json_is_string(p) || jnum_scaled(json_string_value(p), out) < 0)
        return -1;
    return 1;
}

static int collect(json_t *items, struct item_price **out, size_t *n, struct err *e)
{
    size_t i;
    json_t *it;
    *out = calloc(json_array_size(items) + 1, sizeof **out);
    if (!*out)
        return err_set(e, ERR_NOMEM, "out of memory");
    json_array_foreach(items, i, it) {
        const char *code = json_string_value(json_object_get(it, "Code"));
        int64_t v;
        int r = unit_price(it, &v);
        if (!code || !code[0] || r == 0)
            continue;
        if (strlen(code) >= TEXT_ITEM_CODE_MAX)
            return err_set(e, ERR_NET, "Xero Item '%.40s': a code longer than Xero's 30 "
                           "characters", code);
        if (r < 0 || v < 0)
            return err_set(e, ERR_NET, "Xero Item %s: PurchaseDetails.UnitPrice is not a "
                           "price settlebook can read exactly (a decimal of at most 4 places, "
                           "not negative)", code);
        struct item_price *x = &(*out)[(*n)++];
        memcpy(x->code, code, strlen(code) + 1);
        x->price4 = v;
    }
    if (*n)
        qsort(*out, *n, sizeof **out, cmp_code);
    return 0;
}

int xero_item_prices(const struct config *cfg, struct item_price **out, size_t *n,
                     int64_t *calls, struct err *e)
{
    struct xclient cl;
    struct xcall call = { .method = "GET", .path = "/Items", .query = "" };
    json_t *root = NULL;
    long status = 0;
    int unknown = 0, rc = -1;
    *out = NULL;
    *n = 0;
    *calls = 0;
    if (xclient_open(&cl, cfg, e) < 0)
        return -1;
    cl.exact_numbers = 1;
    if (xclient_call(&cl, &call, &status, &root, &unknown, e) < 0)
        goto done;
    if (status != 200 || !json_is_array(json_object_get(root, "Items"))) {
        const char *m = json_string_value(json_object_get(root, "Message"));
        err_set(e, ERR_NET, "Xero GET /Items: HTTP %ld%s%s (the connection needs the "
                "accounting.settings.read scope)", status, m ? ": " : "", m ? m : "");
        goto done;
    }
    rc = collect(json_object_get(root, "Items"), out, n, e);
done:
    *calls = cl.calls;
    xclient_close(&cl);
    json_decref(root);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
