/* ingest_spapi — SP-API Orders v0 JSON as fetched: getOrders ({"payload":{"Orders":[...]}}),
 * getOrder ({"payload":{order}}) and getOrderItems ({"payload":{"AmazonOrderId", "OrderItems"}}),
 * with or without the "payload" wrapper. Amounts are parsed from their strings, never through
 * a double. Only the ship-to country and a masked buyer_ref are kept of the buyer's data. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base.h"
#include "ingest_int.h"

#define SP_PATH_MAX 256   /* longest JSON path in a message */
#define SP_TEXT_MAX 4096  /* longest text value stored (titles) */

struct sp {
    struct ingest_ctx *c;
    struct orderdb *db;
};

/* "path: json.path: message"; always returns -1. */
static int sp_err(struct sp *s, struct err *e, const char *jp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int sp_err(struct sp *s, struct err *e, const char *jp, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, "%s: %s: %s", s->c->path, jp, msg);
}

/* Writes base.key (or key when base is empty) into out[SP_PATH_MAX]. */
static const char *sp_path(char *out, const char *base, const char *key)
{
    snprintf(out, SP_PATH_MAX, "%s%s%s", base, *base ? "." : "", key);
    return out;
}

/* A string member: absent or null gives NULL; any other type is an error. */
static int sp_str(struct sp *s, json_t *obj, const char *base, const char *key,
                  const char **out, struct err *e)
{
    json_t *v = json_object_get(obj, key);
    char jp[SP_PATH_MAX];
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return sp_err(s, e, sp_path(jp, base, key), "must be a string");
    if (json_string_length(v) != strlen(json_string_value(v)) ||
        json_string_length(v) > SP_TEXT_MAX)
        return sp_err(s, e, sp_path(jp, base, key), "holds a NUL character or is longer than "
                      "%d bytes", SP_TEXT_MAX);
    *out = json_string_value(v);
    return 0;
}

static int sp_str_required(struct sp *s, json_t *obj, const char *base, const char *key,
                           const char **out, struct err *e)
{
    char jp[SP_PATH_MAX];
    if (sp_str(s, obj, base, key, out, e) < 0)
        return -1;
    if (!*out || !**out)
        return sp_err(s, e, sp_path(jp, base, key), "is missing or empty");
    return 0;
}

/* An object member: absent or null gives NULL. */
static int sp_obj(struct sp *s, json_t *obj, const char *base, const char *key, json_t **out,
                  struct err *e)
{
    char jp[SP_PATH_MAX];
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return sp_err(s, e, sp_path(jp, base, key), "must be an object");
    *out = v;
    return 0;
}

static int sp_date(struct sp *s, json_t *obj, const char *base, const char *key, int required,
                   char buf[DATES_ISO_MAX], const char **out, struct err *e)
{
    char jp[SP_PATH_MAX], inner[sizeof e->msg];
    const char *v;
    int64_t t;
    int has_time;
    if ((required ? sp_str_required : sp_str)(s, obj, base, key, &v, e) < 0)
        return -1;
    *out = NULL;
    if (!v || !*v)
        return 0;
    if (dates_parse(v, &t, &has_time, e) < 0) {
        snprintf(inner, sizeof inner, "%s", e->msg);
        return sp_err(s, e, sp_path(jp, base, key), "%s", inner);
    }
    *out = dates_iso(buf, t, has_time);
    return 0;
}

/* "1980.00" for a currency without decimals is 1980: zeros beyond the exponent go, any other
 * extra digit stays and makes money_parse refuse the amount. */
static void sp_trim_zeros(char *a, int exp)
{
    char *dot = strchr(a, '.');
    size_t n = strlen(a);
    if (!dot || (size_t)(a + n - dot - 1) <= (size_t)exp)
        return;
    while ((size_t)(a + n - dot - 1) > (size_t)exp && a[n - 1] == '0')
        a[--n] = '\0';
    if (a + n - 1 == dot)
        a[--n] = '\0';
}

/* A Money object {"CurrencyCode", "Amount"}. Absent or null leaves *present 0. When
 * *currency is set, the money's currency must equal it; otherwise it sets it. */
static int sp_money(struct sp *s, json_t *obj, const char *base, const char *key,
                    char currency[4], money_t *out, int *present, struct err *e)
{
    char jp[SP_PATH_MAX], amount_jp[SP_PATH_MAX], buf[64];
    const char *cur;
    json_t *m, *a;
    int exp;

    *present = 0;
    *out = 0;
    if (sp_obj(s, obj, base, key, &m, e) < 0)
        return -1;
    if (!m)
        return 0;
    sp_path(jp, base, key);
    if (sp_str_required(s, m, jp, "CurrencyCode", &cur, e) < 0)
        return -1;
    exp = money_exponent(cur);
    if (exp < 0)
        return sp_err(s, e, sp_path(amount_jp, jp, "CurrencyCode"), "'%.8s' is not an ISO "
                      "4217 code settlebook knows", cur);
    if (currency[0] && strcmp(currency, cur) != 0)
        return sp_err(s, e, sp_path(amount_jp, jp, "CurrencyCode"), "'%s' differs from the "
                      "%s currency '%s' given before it: one order item, one currency", cur,
                      strstr(base, "OrderItems") ? "item's" : "order's", currency);
    sp_path(amount_jp, jp, "Amount");
    a = json_object_get(m, "Amount");
    if (json_is_integer(a)) {
        json_int_t v = json_integer_value(a);
        for (int i = 0; i < exp; i++)
            if (__builtin_mul_overflow(v, 10, &v))
                return sp_err(s, e, amount_jp, "%lld is too large", (long long)
                              json_integer_value(a));
        *out = (money_t)v;
    } else if (json_is_string(a)) {
        const char *v = json_string_value(a);
        struct err pe = {0};
        if (strlen(v) >= sizeof buf)
            return sp_err(s, e, amount_jp, "'%.40s...' is not an amount", v);
        memcpy(buf, v, strlen(v) + 1);
        sp_trim_zeros(buf, exp);
        if (money_parse(buf, exp, out, &pe) < 0)
            return sp_err(s, e, amount_jp, "'%s' is not an amount in %s (%s, written like "
                          "\"%s\"): fix the file or fetch it again", v, cur,
                          exp == 0 ? "no decimals" : exp == 3 ? "up to 3 decimals" :
                          "up to 2 decimals", exp == 0 ? "1234" : exp == 3 ? "12.345" : "12.34");
    } else if (json_is_real(a)) {
        return sp_err(s, e, amount_jp, "is a JSON number with a fraction or exponent: amounts "
                      "must be strings (\"12.34\") so no digit is lost; fetch it again");
    } else {
        return sp_err(s, e, amount_jp, "is missing or not a string");
    }
    snprintf(currency, 4, "%s", cur);
    *present = 1;
    return 0;
}

/* true/false (JSON booleans, or the strings SP-API sometimes sends); absent gives -1. */
static int sp_flag(struct sp *s, json_t *obj, const char *base, const char *key, int *out,
                   struct err *e)
{
    char jp[SP_PATH_MAX];
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_boolean(v))
        *out = json_is_true(v);
    else if (json_is_string(v) && !strcmp(json_string_value(v), "true"))
        *out = 1;
    else if (json_is_string(v) && !strcmp(json_string_value(v), "false"))
        *out = 0;
    else
        return sp_err(s, e, sp_path(jp, base, key), "must be true or false");
    return 0;
}

static int sp_order(struct sp *s, json_t *o, const char *base, struct err *e)
{
    struct orderdb_order ord = { .is_business = -1 };
    char purchase[DATES_ISO_MAX], updated[DATES_ISO_MAX], cur[4] = "", buyer[20];
    const char *email = NULL;
    json_t *addr, *info;

    if (!json_is_object(o))
        return sp_err(s, e, base, "must be an order object");
    if (sp_str_required(s, o, base, "AmazonOrderId", &ord.order_id, e) < 0 ||
        sp_date(s, o, base, "PurchaseDate", 1, purchase, &ord.purchase, e) < 0 ||
        sp_date(s, o, base, "LastUpdateDate", 0, updated, &ord.last_updated, e) < 0 ||
        sp_str(s, o, base, "SellerOrderId", &ord.merchant_order_id, e) < 0 ||
        sp_str(s, o, base, "OrderStatus", &ord.status, e) < 0 ||
        sp_str(s, o, base, "FulfillmentChannel", &ord.fulfillment_channel, e) < 0 ||
        sp_str(s, o, base, "SalesChannel", &ord.sales_channel, e) < 0 ||
        sp_money(s, o, base, "OrderTotal", cur, &ord.total, &ord.has_total, e) < 0 ||
        sp_flag(s, o, base, "IsBusinessOrder", &ord.is_business, e) < 0 ||
        sp_obj(s, o, base, "ShippingAddress", &addr, e) < 0 ||
        sp_obj(s, o, base, "BuyerInfo", &info, e) < 0)
        return -1;
    if (addr) {
        char jp[SP_PATH_MAX];
        if (sp_str(s, addr, sp_path(jp, base, "ShippingAddress"), "CountryCode",
                   &ord.ship_country, e) < 0)
            return -1;
    }
    if (info) {
        char jp[SP_PATH_MAX];
        if (sp_str(s, info, sp_path(jp, base, "BuyerInfo"), "BuyerEmail", &email, e) < 0)
            return -1;
    }
    if (email && *email) {
        ingest_mask_buyer(email, buyer);
        ord.buyer_ref = buyer;
    }
    ord.currency = ord.has_total ? cur : NULL;
    if (orderdb_order(s->db, &ord, e) < 0)
        return -1;
    s->c->res->lines++;
    return 0;
}

/* The item's quantity: a whole JSON number. */
static int sp_quantity(struct sp *s, json_t *it, const char *base, int64_t *out, struct err *e)
{
    char jp[SP_PATH_MAX];
    json_t *v = json_object_get(it, "QuantityOrdered");
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > 1000000000)
        return sp_err(s, e, sp_path(jp, base, "QuantityOrdered"), "must be a whole number "
                      "from 0 up");
    *out = json_integer_value(v);
    return 0;
}

static int sp_item(struct sp *s, const char *order_id, json_t *it, const char *base,
                   struct err *e)
{
    static const struct { const char *key; int gift; } amounts[OM_COUNT] = {
        [OM_ITEM_PRICE] = { "ItemPrice", 0 }, [OM_ITEM_TAX] = { "ItemTax", 0 },
        [OM_SHIPPING_PRICE] = { "ShippingPrice", 0 }, [OM_SHIPPING_TAX] = { "ShippingTax", 0 },
        [OM_GIFT_WRAP_PRICE] = { "GiftWrapPrice", 1 }, [OM_GIFT_WRAP_TAX] = { "GiftWrapTax", 1 },
        [OM_ITEM_PROMOTION_DISCOUNT] = { "PromotionDiscount", 0 },
        [OM_SHIP_PROMOTION_DISCOUNT] = { "ShippingDiscount", 0 },
    };
    struct orderdb_item item = { .order_id = order_id };
    char cur[4] = "", info_jp[SP_PATH_MAX];
    json_t *info;
    int present;

    if (!json_is_object(it))
        return sp_err(s, e, base, "must be an order item object");
    if (sp_str_required(s, it, base, "OrderItemId", &item.order_item_id, e) < 0 ||
        sp_str(s, it, base, "SellerSKU", &item.sku, e) < 0 ||
        sp_str(s, it, base, "ASIN", &item.asin, e) < 0 ||
        sp_str(s, it, base, "Title", &item.product_name, e) < 0 ||
        sp_quantity(s, it, base, &item.quantity, e) < 0 ||
        sp_obj(s, it, base, "BuyerInfo", &info, e) < 0)
        return -1;
    sp_path(info_jp, base, "BuyerInfo");
    for (int i = 0; i < OM_COUNT; i++) {
        /* Gift wrap is in the item's BuyerInfo in Orders v0; older pages put it on the item. */
        int in_info = amounts[i].gift && info && !json_object_get(it, amounts[i].key);
        if (sp_money(s, in_info ? info : it, in_info ? info_jp : base, amounts[i].key, cur,
                     &item.amount[i], &present, e) < 0)
            return -1;
    }
    item.currency = cur[0] ? cur : NULL;
    if (orderdb_replace(s->db, order_id, item.order_item_id, e) < 0 ||
        orderdb_item(s->db, &item, e) < 0)
        return -1;
    s->c->res->lines++;
    return 0;
}

static int sp_orders(struct sp *s, json_t *list, const char *base, struct err *e)
{
    char jp[SP_PATH_MAX];
    size_t i;
    json_t *o;
    snprintf(s->c->res->kind, sizeof s->c->res->kind, "orders_spapi");
    if (!json_is_array(list))
        return sp_err(s, e, sp_path(jp, base, "Orders"), "must be an array of orders");
    json_array_foreach(list, i, o) {
        snprintf(jp, sizeof jp, "%s%sOrders[%zu]", base, *base ? "." : "", i);
        s->c->res->records++;
        if (sp_order(s, o, jp, e) < 0)
            return -1;
    }
    return 0;
}

static int sp_items(struct sp *s, json_t *p, const char *base, struct err *e)
{
    char jp[SP_PATH_MAX];
    const char *order_id;
    json_t *list = json_object_get(p, "OrderItems"), *it;
    size_t i;
    snprintf(s->c->res->kind, sizeof s->c->res->kind, "order_items_spapi");
    if (sp_str_required(s, p, base, "AmazonOrderId", &order_id, e) < 0)
        return -1;
    if (!json_is_array(list))
        return sp_err(s, e, sp_path(jp, base, "OrderItems"), "must be an array of items");
    json_array_foreach(list, i, it) {
        snprintf(jp, sizeof jp, "%s%sOrderItems[%zu]", base, *base ? "." : "", i);
        s->c->res->records++;
        if (sp_item(s, order_id, it, jp, e) < 0)
            return -1;
    }
    return 0;
}

/* Decides the response's shape and loads it. */
static int sp_load(struct sp *s, json_t *root, struct err *e)
{
    json_t *p = root;
    const char *base = "";
    if (json_is_object(root) && json_object_get(root, "errors") &&
        !json_object_get(root, "payload"))
        return err_set(e, ERR_INPUT, "%s: this is an SP-API error response (\"errors\"), not "
                       "orders: fetch the orders again", s->c->path);
    if (json_is_object(json_object_get(root, "payload"))) {
        p = json_object_get(root, "payload");
        base = "payload";
    }
    if (json_is_object(p) && json_object_get(p, "Orders"))
        return sp_orders(s, json_object_get(p, "Orders"), base, e);
    if (json_is_object(p) && json_object_get(p, "OrderItems"))
        return sp_items(s, p, base, e);
    if (json_is_object(p) && json_object_get(p, "AmazonOrderId") &&
        json_object_get(p, "PurchaseDate")) {
        snprintf(s->c->res->kind, sizeof s->c->res->kind, "orders_spapi");
        s->c->res->records++;
        return sp_order(s, p, base, e);
    }
    return err_set(e, ERR_INPUT, "%s: this JSON is not an SP-API Orders response: expected "
                   "getOrders (\"Orders\"), getOrder (\"AmazonOrderId\" and \"PurchaseDate\") "
                   "or getOrderItems (\"OrderItems\"), with or without \"payload\"", s->c->path);
}

int ingest_spapi(struct ingest_ctx *c, struct err *e)
{
    struct sp s = { .c = c };
    struct stat st;
    json_error_t jerr;
    json_t *root;
    FILE *f;
    unsigned char bom[3];
    int rc;

    if (stat(c->path, &st) < 0)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", c->path);
    if (st.st_size > INGEST_JSON_MAX)
        return err_set(e, ERR_INPUT, "%s: larger than %d MiB: not an SP-API Orders page",
                       c->path, INGEST_JSON_MAX >> 20);
    if (!(f = fopen(c->path, "rb")))
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", c->path);
    if (fread(bom, 1, 3, f) != 3 || memcmp(bom, "\xEF\xBB\xBF", 3) != 0)
        rewind(f);
    root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (!root && jerr.column > 0)
        return err_set(e, ERR_INPUT, "%s:%d:%d: %s: not valid JSON; fetch it again",
                       c->path, jerr.line, jerr.column, jerr.text);
    if (!root)
        return err_set(e, ERR_INPUT, "%s:%d: %s: not valid JSON; fetch it again", c->path,
                       jerr.line, jerr.text);
    rc = orderdb_open(c, &s.db, e) < 0 ? -1 : sp_load(&s, root, e);
    orderdb_free(s.db);
    json_decref(root);
    return rc;
}
