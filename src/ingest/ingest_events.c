/* ingest_events — Amazon's Finances API pages (listFinancialEvents v0: {"payload":
 * {"FinancialEvents": {...}}}; listTransactions 2024-06-19: {"payload": {"transactions":
 * [...]}}) as unsettled lines named like settlement lines, so the same mapping rules apply.
 * Amounts are JSON numbers in these APIs: they are read from their digits (the page is
 * lexed once and every number turned into a string), never through a double. Never writes
 * source_file (the pages live in event_file) and never talks to the network. */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "ingest.h"
#include "ingest_int.h"

#define EV_TEXT_MAX 512      /* longest identifier or type stored */

struct ev_line {
    const char *list, *tt, *at, *desc;          /* borrowed: the JSON tree or literals */
    const char *order_id, *merchant_order_id, *marketplace, *item, *adj_item, *sku, *promo;
    char currency[4], posted[DATES_ISO_MAX];
    money_t amount;
    int64_t quantity;                           /* -1 when absent */
    int deferred;
    char base[HASH_HEX_LEN], key[HASH_HEX_LEN];
};

struct ev {
    const char *path;
    struct ev_line *v;
    size_t n, cap;
    struct ev_line ctx;                         /* what the event's amounts share */
    char jp[256];                               /* JSON path of the event, for messages */
    char last_posted[DATES_ISO_MAX];            /* latest dated event of the page */
};

static int ev_err(struct ev *s, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ev_err(struct ev *s, struct err *e, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(e, ERR_INPUT, "%s: %s: %s", s->path, s->jp, msg);
}

/* Copies the JSON text with every number wrapped in quotes, so amounts reach money_parse as
 * the digits Amazon wrote. Caller frees *out. */
static int quote_numbers(const char *in, size_t n, char **out, size_t *out_n, struct err *e)
{
    char *o = malloc(2 * n + 16);
    size_t k = 0;
    int in_str = 0, esc = 0;
    if (!o)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (in_str) {
            o[k++] = c;
            if (esc)
                esc = 0;
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            o[k++] = c;
        } else if (c == '-' || isdigit((unsigned char)c)) {
            o[k++] = '"';
            while (i < n && strchr("+-.eE0123456789", in[i]) && in[i])
                o[k++] = in[i++];
            o[k++] = '"';
            i--;
        } else {
            o[k++] = c;
        }
    }
    o[k] = '\0';
    *out = o;
    *out_n = k;
    return 0;
}

/* A string member, "" when absent or null; NULL (with e set) when it is not text. */
static const char *ev_str(struct ev *s, json_t *o, const char *key, struct err *e)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return "";
    if (!json_is_string(v) || json_string_length(v) > EV_TEXT_MAX ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        ev_err(s, e, "%s must be text of at most %d bytes", key, EV_TEXT_MAX);
        return NULL;
    }
    return json_string_value(v);
}

/* A posted date member into buf ("" when absent). */
static int ev_date(struct ev *s, json_t *o, const char *key, char buf[DATES_ISO_MAX],
                   struct err *e)
{
    const char *v = ev_str(s, o, key, e);
    int64_t t;
    int has_time;
    if (!v)
        return -1;
    buf[0] = '\0';
    if (!*v)
        return 0;
    if (dates_parse(v, &t, &has_time, e) < 0)
        return ev_err(s, e, "%s '%.40s' is not a date", key, v);
    dates_iso(buf, t, 1);
    if (strcmp(buf, s->last_posted) > 0)
        snprintf(s->last_posted, sizeof s->last_posted, "%s", buf);
    return 0;
}

/* "25.370" in a 2-decimal currency is 25.37: zeros beyond the exponent go. */
static void trim_zeros(char *a, int exp)
{
    char *dot = strchr(a, '.');
    size_t n = strlen(a);
    while (dot && (size_t)(a + n - dot - 1) > (size_t)exp && a[n - 1] == '0')
        a[--n] = '\0';
    if (dot && a + n - 1 == dot)
        a[--n] = '\0';
}

/* A Currency object {"CurrencyCode", "CurrencyAmount"} (either capitalisation). *present
 * is 0 when absent or null. */
static int ev_money(struct ev *s, json_t *m, const char *what, char cur_out[4], money_t *out,
                    int *present, struct err *e)
{
    json_t *c, *a;
    char buf[64];
    struct err pe = {0};
    int exp;
    *present = 0;
    if (!m || json_is_null(m))
        return 0;
    if (!json_is_object(m))
        return ev_err(s, e, "%s must be a Currency object", what);
    c = json_object_get(m, "CurrencyCode");
    a = json_object_get(m, "CurrencyAmount");
    if (!c && !a) {
        c = json_object_get(m, "currencyCode");
        a = json_object_get(m, "currencyAmount");
    }
    if (!json_is_string(c) || (exp = money_exponent(json_string_value(c))) < 0)
        return ev_err(s, e, "%s: CurrencyCode is missing or not an ISO 4217 code settlebook "
                      "knows", what);
    if (!json_is_string(a) || json_string_length(a) >= sizeof buf)
        return ev_err(s, e, "%s: CurrencyAmount is missing or not a number", what);
    memcpy(buf, json_string_value(a), json_string_length(a) + 1);
    trim_zeros(buf, exp);
    if (money_parse(buf, exp, out, &pe) < 0)
        return ev_err(s, e, "%s: '%s' is not an amount in %s (%s): fetch the page again", what,
                      json_string_value(a), json_string_value(c), pe.msg);
    snprintf(cur_out, 4, "%s", json_string_value(c));
    *present = 1;
    return 0;
}

/* Appends one amount: the event's shared fields, then at, desc and the money. */
static int emit(struct ev *s, const char *at, const char *desc, json_t *money, const char *what,
                struct err *e)
{
    struct ev_line l = s->ctx;
    int present;
    if (ev_money(s, money, what, l.currency, &l.amount, &present, e) < 0)
        return -1;
    if (!present)
        return 0;
    l.at = at;
    l.desc = desc && *desc ? desc : at;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct ev_line *p = realloc(s->v, cap * sizeof *p);
        if (!p)
            return err_set(e, ERR_NOMEM, "out of memory");
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = l;
    return 0;
}

/* Each element of arr[key] is {type_key: text, amount_key: Currency}. */
static int components(struct ev *s, json_t *o, const char *key, const char *at,
                      const char *type_key, const char *amount_key, struct err *e)
{
    json_t *arr = json_object_get(o, key), *c;
    size_t i;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return ev_err(s, e, "%s must be a list", key);
    json_array_foreach(arr, i, c) {
        const char *t = json_is_object(c) ? ev_str(s, c, type_key, e) : NULL;
        if (!t)
            return t == NULL && json_is_object(c) ? -1 : ev_err(s, e, "%s[%zu] must be an "
                                                                "object", key, i);
        if (emit(s, at, t, json_object_get(c, amount_key), key, e) < 0)
            return -1;
    }
    return 0;
}

/* ItemTaxWithheldList / RetrochargeTaxWithheldList: [{TaxesWithheld: [ChargeComponent]}]. */
static int withheld(struct ev *s, json_t *o, const char *key, struct err *e)
{
    json_t *arr = json_object_get(o, key), *w;
    size_t i;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return ev_err(s, e, "%s must be a list", key);
    json_array_foreach(arr, i, w)
        if (!json_is_object(w) || components(s, w, "TaxesWithheld", "ItemWithheldTax",
                                             "ChargeType", "ChargeAmount", e) < 0)
            return e->msg[0] ? -1 : ev_err(s, e, "%s[%zu] must be an object", key, i);
    return 0;
}

/* The shared text fields of an event or item; NULL text means an error is in e. */
#define EV_TEXT(dst, s, o, key, e)                 \
    do {                                           \
        if (!((dst) = ev_str((s), (o), (key), (e)))) \
            return -1;                             \
    } while (0)

static int ev_quantity(struct ev *s, json_t *o, const char *key, int64_t *out, struct err *e)
{
    json_t *v = json_object_get(o, key);
    char *end;
    long long q;
    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return ev_err(s, e, "%s must be a whole number", key);
    q = strtoll(json_string_value(v), &end, 10);
    if (*end || q < 0 || q > 1000000000LL)
        return ev_err(s, e, "%s '%.20s' is not a quantity", key, json_string_value(v));
    *out = q;
    return 0;
}

/* One ShipmentItem (or item adjustment) of a shipment-shaped event. */
static int shipment_item(struct ev *s, json_t *it, struct err *e)
{
    struct ev_line keep = s->ctx;
    static const char *const promos[] = { "PromotionList", "PromotionAdjustmentList" };
    json_t *arr;
    size_t i;
    int rc = -1;
    if (!json_is_object(it))
        return ev_err(s, e, "a shipment item must be an object");
    EV_TEXT(s->ctx.sku, s, it, "SellerSKU", e);
    EV_TEXT(s->ctx.item, s, it, "OrderItemId", e);
    EV_TEXT(s->ctx.adj_item, s, it, "OrderAdjustmentItemId", e);
    if (ev_quantity(s, it, "QuantityShipped", &s->ctx.quantity, e) < 0 ||
        components(s, it, "ItemChargeList", "ItemPrice", "ChargeType", "ChargeAmount", e) < 0 ||
        components(s, it, "ItemChargeAdjustmentList", "ItemPrice", "ChargeType",
                   "ChargeAmount", e) < 0 ||
        components(s, it, "ItemFeeList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        components(s, it, "ItemFeeAdjustmentList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        withheld(s, it, "ItemTaxWithheldList", e) < 0 ||
        emit(s, "CostOfPointsGranted", NULL, json_object_get(it, "CostOfPointsGranted"),
             "CostOfPointsGranted", e) < 0 ||
        emit(s, "CostOfPointsReturned", NULL, json_object_get(it, "CostOfPointsReturned"),
             "CostOfPointsReturned", e) < 0)
        goto done;
    for (size_t k = 0; k < 2; k++) {
        arr = json_object_get(it, promos[k]);
        if (arr && !json_is_array(arr) && !json_is_null(arr)) {
            ev_err(s, e, "%s must be a list", promos[k]);
            goto done;
        }
        for (i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
            json_t *p = json_array_get(arr, i);
            const char *type;
            if (!json_is_object(p)) {
                ev_err(s, e, "%s[%zu] must be an object", promos[k], i);
                goto done;
            }
            if (!(type = ev_str(s, p, "PromotionType", e)) ||
                !(s->ctx.promo = ev_str(s, p, "PromotionId", e)) ||
                emit(s, "Promotion", type, json_object_get(p, "PromotionAmount"), promos[k],
                     e) < 0)
                goto done;
        }
        s->ctx.promo = keep.promo;
    }
    rc = 0;
done:
    s->ctx = keep;
    return rc;
}

/* ShipmentEvent and the lists that share its shape (refunds, claims, chargebacks). */
static int shipment_event(struct ev *s, json_t *ev, struct err *e)
{
    static const char *const items[] = { "ShipmentItemList", "ShipmentItemAdjustmentList" };
    EV_TEXT(s->ctx.order_id, s, ev, "AmazonOrderId", e);
    EV_TEXT(s->ctx.merchant_order_id, s, ev, "SellerOrderId", e);
    EV_TEXT(s->ctx.marketplace, s, ev, "MarketplaceName", e);
    if (ev_date(s, ev, "PostedDate", s->ctx.posted, e) < 0 ||
        components(s, ev, "OrderChargeList", "ItemPrice", "ChargeType", "ChargeAmount", e) < 0 ||
        components(s, ev, "OrderChargeAdjustmentList", "ItemPrice", "ChargeType",
                   "ChargeAmount", e) < 0 ||
        components(s, ev, "ShipmentFeeList", "ShipmentFees", "FeeType", "FeeAmount", e) < 0 ||
        components(s, ev, "ShipmentFeeAdjustmentList", "ShipmentFees", "FeeType", "FeeAmount",
                   e) < 0 ||
        components(s, ev, "OrderFeeList", "OrderFees", "FeeType", "FeeAmount", e) < 0 ||
        components(s, ev, "OrderFeeAdjustmentList", "OrderFees", "FeeType", "FeeAmount", e) < 0 ||
        components(s, ev, "DirectPaymentList", "DirectPayment", "DirectPaymentType",
                   "DirectPaymentAmount", e) < 0)
        return -1;
    for (size_t k = 0; k < 2; k++) {
        json_t *arr = json_object_get(ev, items[k]), *it;
        size_t i;
        if (arr && !json_is_null(arr) && !json_is_array(arr))
            return ev_err(s, e, "%s must be a list", items[k]);
        json_array_foreach(arr, i, it)
            if (shipment_item(s, it, e) < 0)
                return -1;
    }
    return 0;
}

static int service_fee_event(struct ev *s, json_t *ev, struct err *e)
{
    EV_TEXT(s->ctx.order_id, s, ev, "AmazonOrderId", e);
    EV_TEXT(s->ctx.sku, s, ev, "SellerSKU", e);
    /* ServiceFeeEvent carries no PostedDate: the page's latest one stands in (set later) */
    return components(s, ev, "FeeList", "other-transaction", "FeeType", "FeeAmount", e);
}

/* AdjustmentEvent: per item TotalAmount when the items add up to AdjustmentAmount (a SKU per
 * line), else AdjustmentAmount once. ReserveEvent is Amazon holding money back: named as
 * the settlement names it ("Current Reserve Amount"). */
static int adjustment_event(struct ev *s, json_t *ev, struct err *e)
{
    const char *type;
    json_t *items = json_object_get(ev, "AdjustmentItemList"), *it;
    money_t total = 0, sum = 0, v;
    char cur[4];
    int present, ok = json_is_array(items) && json_array_size(items) > 0;
    size_t i;

    EV_TEXT(type, s, ev, "AdjustmentType", e);
    if (ev_date(s, ev, "PostedDate", s->ctx.posted, e) < 0 ||
        ev_money(s, json_object_get(ev, "AdjustmentAmount"), "AdjustmentAmount", cur, &total,
                 &present, e) < 0)
        return -1;
    if (!strcmp(type, "ReserveEvent")) {
        s->ctx.tt = "other-transaction";
        return emit(s, "other-transaction", "Current Reserve Amount",
                    json_object_get(ev, "AdjustmentAmount"), "AdjustmentAmount", e);
    }
    /* the settlement report's name for it */
    if (!strcmp(type, "FBAInventoryReimbursement"))
        type = "FBA Inventory Reimbursement";
    json_array_foreach(items, i, it) {
        if (!json_is_object(it) || ev_money(s, json_object_get(it, "TotalAmount"),
                                            "TotalAmount", cur, &v, &present, e) < 0)
            return e->msg[0] ? -1 : ev_err(s, e, "AdjustmentItemList[%zu] must be an object", i);
        if (!present || __builtin_add_overflow(sum, v, &sum))
            ok = 0;
    }
    if (!ok || sum != total)
        return emit(s, type, type, json_object_get(ev, "AdjustmentAmount"), "AdjustmentAmount",
                    e);
    json_array_foreach(items, i, it) {
        const char *keep = s->ctx.sku;
        EV_TEXT(s->ctx.sku, s, it, "SellerSKU", e);
        if (emit(s, type, type, json_object_get(it, "TotalAmount"), "TotalAmount", e) < 0)
            return -1;
        s->ctx.sku = keep;
    }
    return 0;
}

/* ProductAdsPaymentEvent: transactionValue is baseValue + taxValue; settlements call it
 * Cost of Advertising. */
static int product_ads_event(struct ev *s, json_t *ev, struct err *e)
{
    if (ev_date(s, ev, "postedDate", s->ctx.posted, e) < 0)
        return -1;
    return emit(s, "Cost of Advertising", "TransactionTotalAmount",
                json_object_get(ev, "transactionValue"), "transactionValue", e);
}

/* Lists of other shapes: the event's total (the first of these members it has), else its
 * charge and fee components; never a total and its parts together. */
static int other_event(struct ev *s, json_t *ev, struct err *e)
{
    static const char *const totals[] = {
        "transactionValue", "TotalAmount", "totalAmount", "TransactionAmount", "TotalExpense",
        "ReimbursedAmount", "RecoveryAmount", "LoanAmount", "WithheldAmount", "TransferAmount",
        "Amount",
    };
    static const char *const dates[] = { "PostedDate", "postedDate", "TransactionPostedDate",
                                         "TransactionCreationDate" };
    static const char *const types[] = {
        "feeType", "transactionType", "TransactionType", "AdjustmentType", "RentalEventType",
        "DebtRecoveryType", "ProviderTransactionType", "RetrochargeEventType", "ReasonCode",
        "PaymentAmountType",
    };
    const char *type = "";
    size_t before = s->n;
    for (size_t i = 0; i < sizeof dates / sizeof *dates && !s->ctx.posted[0]; i++)
        if (ev_date(s, ev, dates[i], s->ctx.posted, e) < 0)
            return -1;
    EV_TEXT(s->ctx.order_id, s, ev, "AmazonOrderId", e);
    EV_TEXT(s->ctx.marketplace, s, ev, "MarketplaceName", e);
    for (size_t i = 0; i < sizeof types / sizeof *types && !*type; i++)
        EV_TEXT(type, s, ev, types[i], e);
    for (size_t i = 0; i < sizeof totals / sizeof *totals; i++)
        if (json_object_get(ev, totals[i]))
            return emit(s, "other-transaction", *type ? type : totals[i],
                        json_object_get(ev, totals[i]), totals[i], e);
    if (json_is_object(json_object_get(ev, "Charge")) &&
        emit(s, "ItemPrice", ev_str(s, json_object_get(ev, "Charge"), "ChargeType", e),
             json_object_get(json_object_get(ev, "Charge"), "ChargeAmount"), "Charge", e) < 0)
        return -1;
    if (components(s, ev, "FeeList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        components(s, ev, "RentalChargeList", "ItemPrice", "ChargeType", "ChargeAmount", e) < 0 ||
        components(s, ev, "RentalFeeList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        withheld(s, ev, "RentalTaxWithheldList", e) < 0 ||
        withheld(s, ev, "RetrochargeTaxWithheldList", e) < 0 ||
        emit(s, "ItemPrice", "Tax", json_object_get(ev, "BaseTax"), "BaseTax", e) < 0 ||
        emit(s, "ItemPrice", "ShippingTax", json_object_get(ev, "ShippingTax"), "ShippingTax",
             e) < 0 ||
        emit(s, "other-transaction", "LiquidationsProceeds",
             json_object_get(ev, "LiquidationProceedsAmount"), "LiquidationProceedsAmount",
             e) < 0 ||
        emit(s, "other-transaction", "LiquidationsBrokerageFee",
             json_object_get(ev, "LiquidationFeeAmount"), "LiquidationFeeAmount", e) < 0 ||
        emit(s, "other-transaction", "TaxExclusiveAmount",
             json_object_get(ev, "TaxExclusiveAmount"), "TaxExclusiveAmount", e) < 0 ||
        emit(s, "other-transaction", "TaxAmount", json_object_get(ev, "TaxAmount"),
             "TaxAmount", e) < 0)
        return -1;
    if (s->n == before)
        return ev_err(s, e, "no amount settlebook knows how to read in this event: report it "
                      "with the page (amounts are never guessed)");
    return 0;
}

/* The transaction type each v0 list takes, as settlement reports name it. */
static const struct {
    const char *list, *tt;
    int (*read)(struct ev *s, json_t *ev, struct err *e);
} lists[] = {
    { "ShipmentEventList", "Order", shipment_event },
    { "ShipmentSettleEventList", "Order", shipment_event },
    { "RefundEventList", "Refund", shipment_event },
    { "GuaranteeClaimEventList", "A-to-z Guarantee Claim", shipment_event },
    { "ChargebackEventList", "Chargeback Refund", shipment_event },
    { "ServiceFeeEventList", "ServiceFee", service_fee_event },
    { "AdjustmentEventList", "Adjustment", adjustment_event },
    { "ProductAdsPaymentEventList", "ServiceFee", product_ads_event },
    { "FBALiquidationEventList", "Liquidations", NULL },
    { "SAFETReimbursementEventList", "SAFE-T Reimbursement", NULL },
    { "RetrochargeEventList", "Retrocharge", NULL },
};

static int financial_events(struct ev *s, json_t *fe, struct err *e)
{
    const char *name;
    json_t *arr;
    json_object_foreach(fe, name, arr) {
        const char *tt = NULL;
        int (*read)(struct ev *, json_t *, struct err *) = other_event;
        json_t *ev;
        size_t i;
        snprintf(s->jp, sizeof s->jp, "payload.FinancialEvents.%s", name);
        if (json_is_null(arr))
            continue;
        if (!json_is_array(arr))
            return ev_err(s, e, "must be a list of events");
        for (size_t k = 0; k < sizeof lists / sizeof *lists; k++)
            if (!strcmp(lists[k].list, name)) {
                tt = lists[k].tt;
                read = lists[k].read ? lists[k].read : other_event;
            }
        json_array_foreach(arr, i, ev) {
            snprintf(s->jp, sizeof s->jp, "payload.FinancialEvents.%s[%zu]", name, i);
            if (!json_is_object(ev))
                return ev_err(s, e, "an event must be an object");
            memset(&s->ctx, 0, sizeof s->ctx);
            s->ctx.list = name;
            s->ctx.quantity = -1;
            /* unknown lists keep their own name, minus "EventList", as transaction type */
            s->ctx.tt = tt ? tt : name;
            if (read(s, ev, e) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- listTransactions (2024-06-19) ---------------------------------------------------- */

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
        } else if (emit(s, at ? at : tx_amount_type(type), type,
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
        rc = emit(s, "other-transaction", ev_str(s, it, "description", e),
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
    return emit(s, "other-transaction", *type ? type : "Transaction",
                json_object_get(t, "totalAmount"), "totalAmount", e);
}

static int transactions(struct ev *s, json_t *arr, struct err *e)
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

/* ---- keys and storage ----------------------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* The amount's identity: its fields, then its occurrence among identical ones of the page. */
static void line_key(const struct ev_line *l, int64_t occurrence, char out[HASH_HEX_LEN])
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s|%s|%s|%s|%s|%lld|%s|%s|%s|%s|%s|%s|%s|%s|%lld",
                     l->list, l->currency, l->tt, l->at, l->desc, (long long)l->amount,
                     l->posted, nz(l->order_id), nz(l->merchant_order_id), nz(l->marketplace),
                     nz(l->item), nz(l->adj_item), nz(l->sku), nz(l->promo),
                     (long long)occurrence);
    hash_hex(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1, out);
}

static int base_cmp(const void *a, const void *b)
{
    const struct ev_line *x = *(struct ev_line *const *)a, *y = *(struct ev_line *const *)b;
    int c = strcmp(x->base, y->base);
    return c ? c : (x < y ? -1 : x > y);
}

/* Numbers identical amounts 0, 1, ... in page order, so a page that lists the same fee
 * twice keeps both, and the same page fetched again adds nothing. */
static int assign_keys(struct ev *s, struct err *e)
{
    struct ev_line **p = calloc(s->n ? s->n : 1, sizeof *p);
    int64_t occurrence = 0;
    if (!p)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++) {
        if (!s->v[i].posted[0])
            snprintf(s->v[i].posted, sizeof s->v[i].posted, "%s", s->last_posted);
        line_key(&s->v[i], 0, s->v[i].base);
        p[i] = &s->v[i];
    }
    if (s->n > 1)
        qsort(p, s->n, sizeof *p, base_cmp);
    for (size_t i = 0; i < s->n; i++) {
        occurrence = i > 0 && !strcmp(p[i]->base, p[i - 1]->base) ? occurrence + 1 : 0;
        line_key(p[i], occurrence, p[i]->key);
    }
    free(p);
    return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int store(struct ledger *lg, struct ev *s, const char *kind, const char *sha,
                 int64_t bytes, struct ingest_result *res, struct err *e)
{
    sqlite3_stmt *st;
    int64_t run, file;
    int rc = 0;
    if (ledger_run_id(lg, &run, e) < 0 ||
        ledger_prepare(lg, &st, "INSERT INTO event_file(sha256, kind, path, bytes, rows, "
                       "run_id) VALUES (?, ?, ?, ?, ?, ?)", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, bytes);
    sqlite3_bind_int64(st, 5, (int64_t)s->n);
    sqlite3_bind_int64(st, 6, run);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ledger_fail(lg, e, "insert event_file");
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    file = sqlite3_last_insert_rowid(ledger_db(lg));
    if (ledger_prepare(lg, &st, "INSERT OR IGNORE INTO unsettled_line(event_file_id, "
                       "event_key, source_list, currency, transaction_type, amount_type, "
                       "amount_description, amount_minor, posted, order_id, merchant_order_id, "
                       "marketplace, order_item_code, adjustment_item_id, sku, quantity, "
                       "promotion_id, deferred) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       e) < 0)
        return -1;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        const struct ev_line *l = &s->v[i];
        sqlite3_bind_int64(st, 1, file);
        sqlite3_bind_text(st, 2, l->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, l->list, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, l->currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, l->tt, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, l->at, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, l->desc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, l->amount);
        bind_opt(st, 9, l->posted);
        bind_opt(st, 10, l->order_id);
        bind_opt(st, 11, l->merchant_order_id);
        bind_opt(st, 12, l->marketplace);
        bind_opt(st, 13, l->item);
        bind_opt(st, 14, l->adj_item);
        bind_opt(st, 15, l->sku);
        if (l->quantity >= 0)
            sqlite3_bind_int64(st, 16, l->quantity);
        else
            sqlite3_bind_null(st, 16);
        bind_opt(st, 17, l->promo);
        sqlite3_bind_int(st, 18, l->deferred);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ledger_fail(lg, e, "insert unsettled_line");
        res->lines += sqlite3_changes(ledger_db(lg));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    res->records = (int64_t)s->n;
    if (s->n)
        snprintf(res->currency, sizeof res->currency, "%s", s->v[0].currency);
    return rc;
}

/* The two APIs list the same money: a page whose dates and currency the other API's pages
 * already cover is refused rather than counted twice. */
static int other_api(struct ledger *lg, struct ev *s, const char *kind, struct err *e)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (ledger_prepare(lg, &st, "SELECT f.path FROM unsettled_line u JOIN event_file f ON "
                       "f.id = u.event_file_id WHERE u.posted >= substr(?3, 1, 10) AND u.posted < "
                       "date(substr(?3, 1, 10), '+1 day') AND f.kind != ?1 AND u.currency = ?2 "
                       "LIMIT 1", e) < 0)
        return -1;
    for (size_t i = 0; i < s->n && rc == 0; i++) {
        int step;
        /* the amounts of a page come day by day: ask once per currency and day */
        if (i > 0 && !strcmp(s->v[i].currency, s->v[i - 1].currency) &&
            !strncmp(s->v[i].posted, s->v[i - 1].posted, 10))
            continue;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, s->v[i].currency, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, s->v[i].posted, -1, SQLITE_STATIC);
        step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = err_set(e, ERR_INPUT, "%s: %s amounts posted on %.10s are already in the "
                         "ledger from the other Finances API (%s): listFinancialEvents and "
                         "listTransactions list the same money; load one of them per period",
                         s->path, s->v[i].currency, s->v[i].posted, ledger_text(st, 0));
        else if (step != SQLITE_DONE)
            rc = ledger_fail(lg, e, "look for the other Finances API");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int known(struct ledger *lg, const char *sha, struct err *e)
{
    sqlite3_stmt *st;
    int rc;
    if (ledger_prepare(lg, &st, "SELECT 1 FROM event_file WHERE sha256 = ?", e) < 0)
        return -1;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ledger_fail(lg, e, "look up event_file");
    return rc == SQLITE_ROW;
}

static int read_all(const char *path, char **out, size_t *n, struct err *e)
{
    FILE *f = fopen(path, "rb");
    long len;
    *out = NULL;
    if (!f)
        return err_set(e, ERR_INPUT, "%s: cannot open: check the path", path);
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || len > INGEST_JSON_MAX ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return err_set(e, ERR_INPUT, "%s: unreadable, or larger than %d MiB: not a Finances "
                       "API page", path, INGEST_JSON_MAX >> 20);
    }
    *out = malloc((size_t)len + 1);
    if (!*out || fread(*out, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(*out);
        *out = NULL;
        return err_set(e, ERR_INPUT, "%s: cannot read", path);
    }
    fclose(f);
    *n = (size_t)len;
    return 0;
}

/* Reads the page into a tree whose numbers are strings; NULL root with e set on error. */
static int parse(const char *path, json_t **root, struct err *e)
{
    char *raw = NULL, *q = NULL;
    size_t n = 0, qn = 0;
    json_error_t je;
    const char *p;
    *root = NULL;
    if (read_all(path, &raw, &n, e) < 0)
        return -1;
    p = raw;
    if (n >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3)) {
        p += 3;
        n -= 3;
    }
    if (quote_numbers(p, n, &q, &qn, e) < 0) {
        free(raw);
        return -1;
    }
    free(raw);
    *root = json_loadb(q, qn, JSON_REJECT_DUPLICATES, &je);
    free(q);
    if (!*root)
        return err_set(e, ERR_INPUT, "%s:%d:%d: %s: not valid JSON; fetch it again", path,
                       je.line, je.column, je.text);
    return 0;
}

int ingest_events_file(struct ledger *lg, const char *path, const char *sha256, int64_t bytes,
                       struct ingest_result *res, struct err *e)
{
    struct ev s = { .path = path };
    json_t *root, *p, *fe, *tx;
    const char *kind;
    int rc;

    if (parse(path, &root, e) < 0)
        return -1;
    p = json_is_object(json_object_get(root, "payload")) ? json_object_get(root, "payload")
                                                         : root;
    fe = json_object_get(p, "FinancialEvents");
    tx = json_object_get(p, "transactions");
    if (!json_is_object(fe) && !tx) {
        json_decref(root);
        return 1;
    }
    kind = json_is_object(fe) ? "finances_events" : "finances_transactions";
    snprintf(res->kind, sizeof res->kind, "%s", kind);
    if ((rc = known(lg, sha256, e)) != 0) {
        json_decref(root);
        res->skipped = rc > 0;
        return rc < 0 ? -1 : 0;
    }
    rc = json_is_object(fe) ? financial_events(&s, fe, e) : transactions(&s, tx, e);
    if (rc == 0)
        rc = assign_keys(&s, e);
    if (rc == 0)
        rc = other_api(lg, &s, kind, e);
    if (rc == 0 && (rc = ledger_savepoint(lg, e)) == 0) {
        char detail[1024];
        snprintf(detail, sizeof detail, "%s sha256=%s records=%zu path=%s", kind, sha256, s.n,
                 path);
        rc = store(lg, &s, kind, sha256, bytes, res, e);
        if (rc == 0)
            rc = ledger_audit(lg, "ingest", detail, e);
        if (rc < 0)
            ledger_rollback_to(lg);
        else
            rc = ledger_release(lg, e);
    }
    free(s.v);
    json_decref(root);
    return rc;
}
