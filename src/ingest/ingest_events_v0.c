/* ingest_events_v0 — listFinancialEvents (Finances API v0) pages: each list of
 * payload.FinancialEvents in the settlement report's vocabulary. Shipment-shaped lists
 * (shipments, refunds, guarantee claims, chargebacks) item by item; service fees, adjustments
 * and product ads by their own rules; any other list by its event's total, never a total and
 * its parts together. Pure reading: the caller stores. */
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "ingest_events_int.h"

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
        ev_components(s, it, "ItemChargeList", "ItemPrice", "ChargeType", "ChargeAmount", e) < 0 ||
        ev_components(s, it, "ItemChargeAdjustmentList", "ItemPrice", "ChargeType",
                   "ChargeAmount", e) < 0 ||
        ev_components(s, it, "ItemFeeList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_components(s, it, "ItemFeeAdjustmentList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_withheld(s, it, "ItemTaxWithheldList", e) < 0 ||
        ev_emit(s, "CostOfPointsGranted", NULL, json_object_get(it, "CostOfPointsGranted"),
             "CostOfPointsGranted", e) < 0 ||
        ev_emit(s, "CostOfPointsReturned", NULL, json_object_get(it, "CostOfPointsReturned"),
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
                ev_emit(s, "Promotion", type, json_object_get(p, "PromotionAmount"), promos[k],
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
        ev_components(s, ev, "OrderChargeList", "ItemPrice", "ChargeType", "ChargeAmount", e) < 0 ||
        ev_components(s, ev, "OrderChargeAdjustmentList", "ItemPrice", "ChargeType",
                   "ChargeAmount", e) < 0 ||
        ev_components(s, ev, "ShipmentFeeList", "ShipmentFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_components(s, ev, "ShipmentFeeAdjustmentList", "ShipmentFees", "FeeType", "FeeAmount",
                   e) < 0 ||
        ev_components(s, ev, "OrderFeeList", "OrderFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_components(s, ev, "OrderFeeAdjustmentList", "OrderFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_components(s, ev, "DirectPaymentList", "DirectPayment", "DirectPaymentType",
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
    return ev_components(s, ev, "FeeList", "other-transaction", "FeeType", "FeeAmount", e);
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
        return ev_emit(s, "other-transaction", "Current Reserve Amount",
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
        return ev_emit(s, type, type, json_object_get(ev, "AdjustmentAmount"), "AdjustmentAmount",
                    e);
    json_array_foreach(items, i, it) {
        const char *keep = s->ctx.sku;
        EV_TEXT(s->ctx.sku, s, it, "SellerSKU", e);
        if (ev_emit(s, type, type, json_object_get(it, "TotalAmount"), "TotalAmount", e) < 0)
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
    return ev_emit(s, "Cost of Advertising", "TransactionTotalAmount",
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
            return ev_emit(s, "other-transaction", *type ? type : totals[i],
                        json_object_get(ev, totals[i]), totals[i], e);
    if (json_is_object(json_object_get(ev, "Charge")) &&
        ev_emit(s, "ItemPrice", ev_str(s, json_object_get(ev, "Charge"), "ChargeType", e),
             json_object_get(json_object_get(ev, "Charge"), "ChargeAmount"), "Charge", e) < 0)
        return -1;
    if (ev_components(s, ev, "FeeList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_components(s, ev, "RentalChargeList", "ItemPrice", "ChargeType", "ChargeAmount", e) < 0 ||
        ev_components(s, ev, "RentalFeeList", "ItemFees", "FeeType", "FeeAmount", e) < 0 ||
        ev_withheld(s, ev, "RentalTaxWithheldList", e) < 0 ||
        ev_withheld(s, ev, "RetrochargeTaxWithheldList", e) < 0 ||
        ev_emit(s, "ItemPrice", "Tax", json_object_get(ev, "BaseTax"), "BaseTax", e) < 0 ||
        ev_emit(s, "ItemPrice", "ShippingTax", json_object_get(ev, "ShippingTax"), "ShippingTax",
             e) < 0 ||
        ev_emit(s, "other-transaction", "LiquidationsProceeds",
             json_object_get(ev, "LiquidationProceedsAmount"), "LiquidationProceedsAmount",
             e) < 0 ||
        ev_emit(s, "other-transaction", "LiquidationsBrokerageFee",
             json_object_get(ev, "LiquidationFeeAmount"), "LiquidationFeeAmount", e) < 0 ||
        ev_emit(s, "other-transaction", "TaxExclusiveAmount",
             json_object_get(ev, "TaxExclusiveAmount"), "TaxExclusiveAmount", e) < 0 ||
        ev_emit(s, "other-transaction", "TaxAmount", json_object_get(ev, "TaxAmount"),
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

int ev_financial_events(struct ev *s, json_t *fe, struct err *e)
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
