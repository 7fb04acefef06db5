/* ingest_events_tx — listTransactions (Finances API 2024-06-19) pages: each transaction's
 * items' breakdown leaves (else its own breakdowns, else its total) in the settlement
 * report's vocabulary. Pure reading: the caller stores. */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "ingest_events_int.h"

static const char *tx_type(const char *t)
{
    static const char *const map[][2] = {
        { "Shipment", "Order" }, { "Refund", "Refund" }, { "ServiceFee", "ServiceFee" },
        { "Adjustment", "Adjustment" }, { "GuaranteeClaim", "A-to-z Guarantee Claim" },
        { "Chargeback", "Chargeback Refund" }, { "Retrocharge", "Retrocharge" },
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], t))
            return map[i][1];
    return t;
}

/* The settlement amount type of a breakdown path's top: Amazon's "Sales"/"Product Charges"
 * are ItemPrice, "Expenses"/"Amazon Fees"/"... fees" ItemFees, promotions Promotion. */
static const char *tx_amount_type(const char *top)
{
    if (!strcmp(top, "Sales") || !strcmp(top, "Product Charges") || !strcmp(top, "Refunds") ||
        !strcmp(top, "ProductCharges"))
        return "ItemPrice";
    if (!strcmp(top, "Expenses") || strstr(top, "Fees") || strstr(top, "fees"))
        return "ItemFees";
    if (!strncmp(top, "Promotion", 9))
        return "Promotion";
    if (strstr(top, "Withheld"))
        return "ItemWithheldTax";
    return top;
}

/* Emits the leaves of a breakdown tree; at is fixed by the first level below the top. */
static int breakdowns(struct ev *s, json_t *arr, const char *at, int depth, struct err *e)
{
    json_t *b;
    size_t i;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr) || depth > 8)
        return ev_err(s, e, "breakdowns must be a list (at most 8 deep)");
    json_array_foreach(arr, i, b) {
        const char *type;
        json_t *sub;
        if (!json_is_object(b))
            return ev_err(s, e, "a breakdown must be an object");
        EV_TEXT(type, s, b, "breakdownType", e);
        sub = json_object_get(b, "breakdowns");
        if (json_is_array(sub) && json_array_size(sub) > 0) {
            if (breakdowns(s, sub, at ? at : tx_amount_type(type), depth + 1, e) < 0)
                return -1;
        } else if (ev_emit(s, at ? at : tx_amount_type(type), type,
                        json_object_get(b, "breakdownAmount"), "breakdownAmount", e) < 0) {
            return -1;
        }
    }
    return 0;
}

/* relatedIdentifiers [{relatedIdentifierName, relatedIdentifierValue}] (or the item form). */
static const char *tx_ident(json_t *o, const char *key, const char *name_key,
                            const char *value_key, const char *want)
{
    json_t *arr = json_object_get(o, key), *r;
    size_t i;
    json_array_foreach(arr, i, r) {
        json_t *n = json_object_get(r, name_key), *v = json_object_get(r, value_key);
        if (json_is_string(n) && json_is_string(v) && !strcmp(json_string_value(n), want) &&
            json_string_length(v) <= EV_TEXT_MAX)
            return json_string_value(v);
    }
    return "";
}

static int tx_item(struct ev *s, json_t *it, struct err *e)
{
    struct ev_line keep = s->ctx;
    json_t *ctxs = json_object_get(it, "contexts"), *c;
    size_t i;
    int rc;
    if (!json_is_object(it))
        return ev_err(s, e, "an item must be an object");
    s->ctx.adj_item = tx_ident(it, "relatedIdentifiers", "itemRelatedIdentifierName",
                               "itemRelatedIdentifierValue", "ORDER_ADJUSTMENT_ITEM_ID");
    json_array_foreach(ctxs, i, c) {
        json_t *t = json_object_get(c, "contextType");
        if (json_is_string(t) && !strcmp(json_string_value(t), "ProductContext")) {
            EV_TEXT(s->ctx.sku, s, c, "sku", e);
            if (ev_quantity(s, c, "quantityShipped", &s->ctx.quantity, e) < 0)
                return -1;
        }
    }
    if (json_is_array(json_object_get(it, "breakdowns")) &&
        json_array_size(json_object_get(it, "breakdowns")) > 0)
        rc = breakdowns(s, json_object_get(it, "breakdowns"), NULL, 0, e);
    else
        rc = ev_emit(s, "other-transaction", ev_str(s, it, "description", e),
                  json_object_get(it, "totalAmount"), "totalAmount", e);
    s->ctx = keep;
    return rc;
}

/* One transaction: its items' breakdowns when it has items, else its own breakdowns, else
 * its total as one amount. */
static int transaction(struct ev *s, json_t *t, struct err *e)
{
    const char *type, *status;
    json_t *items = json_object_get(t, "items"), *it, *md;
    size_t i;
    EV_TEXT(type, s, t, "transactionType", e);
    EV_TEXT(status, s, t, "transactionStatus", e);
    s->ctx.tt = tx_type(type);
    s->ctx.deferred = !strcmp(status, "DEFERRED");
    s->ctx.order_id = tx_ident(t, "relatedIdentifiers", "relatedIdentifierName",
                               "relatedIdentifierValue", "ORDER_ID");
    md = json_object_get(t, "marketplaceDetails");
    if (json_is_object(md))
        EV_TEXT(s->ctx.marketplace, s, md, "marketplaceName", e);
    if (ev_date(s, t, "postedDate", s->ctx.posted, e) < 0)
        return -1;
    if (!s->ctx.posted[0])
        return ev_err(s, e, "postedDate is missing");
    if (json_is_array(items) && json_array_size(items) > 0) {
        json_array_foreach(items, i, it)
            if (tx_item(s, it, e) < 0)
                return -1;
        return 0;
    }
    if (json_is_array(json_object_get(t, "breakdowns")) &&
        json_array_size(json_object_get(t, "breakdowns")) > 0)
        return breakdowns(s, json_object_get(t, "breakdowns"), NULL, 0, e);
    return ev_emit(s, "other-transaction", *type ? type : "Transaction",
                json_object_get(t, "totalAmount"), "totalAmount", e);
}

int ev_transactions(struct ev *s, json_t *arr, struct err *e)
{
    json_t *t;
    size_t i;
    if (!json_is_array(arr))
        return ev_err(s, e, "payload.transactions must be a list");
    json_array_foreach(arr, i, t) {
        snprintf(s->jp, sizeof s->jp, "payload.transactions[%zu]", i);
        if (!json_is_object(t))
            return ev_err(s, e, "a transaction must be an object");
        memset(&s->ctx, 0, sizeof s->ctx);
        s->ctx.list = "transactions";
        s->ctx.quantity = -1;
        if (transaction(s, t, e) < 0)
            return -1;
    }
    return 0;
}
