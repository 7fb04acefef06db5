/* spapi_pii — takes buyer PII out of Orders API JSON before anything is written to disk:
 * what remains is what ingest keeps (the ship-to country, a masked buyer reference, the gift
 * wrap amounts). Works by allow-list, so a field Amazon adds later is dropped, not leaked. */
#include "spapi_int.h"

#include <string.h>

/* Removes every member of obj whose key is not in keep[]. */
static void keep_only(json_t *obj, const char *const *keep, size_t n)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, k, v) {
        size_t i = 0;
        while (i < n && strcmp(keep[i], k) != 0)
            i++;
        if (i == n)
            json_object_del(obj, k);
    }
    (void)v;
}

/* Order-level keys that name or describe the buyer, in any Orders API version. */
static int buyer_key(const char *k)
{
    return strncmp(k, "Buyer", 5) == 0 && strcmp(k, "BuyerInfo") != 0;
}

void spapi_pii_order(json_t *order)
{
    static const char *const addr_keep[] = { "CountryCode" };
    json_t *addr = json_object_get(order, "ShippingAddress");
    json_t *info = json_object_get(order, "BuyerInfo");
    const char *k;
    json_t *v;
    void *tmp;

    if (!json_is_object(order))
        return;
    json_object_foreach_safe(order, tmp, k, v)
        if (buyer_key(k))
            json_object_del(order, k);
    (void)v;
    if (json_is_object(addr))
        keep_only(addr, addr_keep, 1);
    else if (addr)
        json_object_del(order, "ShippingAddress");
    if (json_is_object(info)) {
        const char *email = json_string_value(json_object_get(info, "BuyerEmail"));
        json_t *masked = NULL;
        if (email && *email) {
            char ref[20];
            ingest_mask_buyer(email, ref);
            masked = json_string(ref);
        }
        json_object_clear(info);
        if (masked)
            json_object_set_new(info, "BuyerEmail", masked);
        else
            json_object_del(order, "BuyerInfo");
    } else if (info) {
        json_object_del(order, "BuyerInfo");
    }
}

void spapi_pii_item(json_t *item)
{
    static const char *const info_keep[] = { "GiftWrapPrice", "GiftWrapTax", "GiftWrapLevel" };
    json_t *info = json_object_get(item, "BuyerInfo");
    json_t *cancel = json_object_get(item, "BuyerRequestedCancel");
    if (!json_is_object(item))
        return;
    if (json_is_object(info)) {
        keep_only(info, info_keep, 3);
        if (json_object_size(info) == 0)
            json_object_del(item, "BuyerInfo");
    } else if (info) {
        json_object_del(item, "BuyerInfo");
    }
    /* the flag is useful, the buyer's free-text reason is not ours to keep */
    if (json_is_object(cancel))
        json_object_del(cancel, "BuyerCancelReason");
    json_object_del(item, "GiftMessageText");
}
