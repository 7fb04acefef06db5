/* ingest_orderdb — writes order history (orders, order_item) for the flat-file and SP-API
 * readers: an order is upserted (later files win), an order's items are replaced by the
 * items of the latest file that lists them. Never stores buyer names, e-mails or addresses:
 * the structs it takes have no field for them. */
#include <stdlib.h>

#include "ingest_int.h"

struct orderdb {
    struct ingest_ctx *c;
    sqlite3_stmt *upsert, *del_all, *del_item, *ins;
};

static const char UPSERT[] =
    "INSERT INTO orders(amazon_order_id, merchant_order_id, purchase_utc, last_updated_utc, "
    "order_status, fulfillment_channel, sales_channel, currency, order_total_minor, "
    "ship_country, is_business_order, buyer_ref, source_file_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT(amazon_order_id) DO UPDATE SET "
    "merchant_order_id = coalesce(excluded.merchant_order_id, merchant_order_id), "
    "purchase_utc = coalesce(excluded.purchase_utc, purchase_utc), "
    "last_updated_utc = coalesce(excluded.last_updated_utc, last_updated_utc), "
    "order_status = coalesce(excluded.order_status, order_status), "
    "fulfillment_channel = coalesce(excluded.fulfillment_channel, fulfillment_channel), "
    "sales_channel = coalesce(excluded.sales_channel, sales_channel), "
    "currency = coalesce(excluded.currency, currency), "
    "order_total_minor = coalesce(excluded.order_total_minor, order_total_minor), "
    "ship_country = coalesce(excluded.ship_country, ship_country), "
    "is_business_order = coalesce(excluded.is_business_order, is_business_order), "
    "buyer_ref = coalesce(excluded.buyer_ref, buyer_ref), "
    "source_file_id = excluded.source_file_id";

static const char DEL_ALL[] =
    "DELETE FROM order_item WHERE amazon_order_id = ?1 AND source_file_id <> ?2";

static const char DEL_ITEM[] =
    "DELETE FROM order_item WHERE amazon_order_id = ?1 AND source_file_id <> ?2 "
    "AND (order_item_id IS NULL OR order_item_id = ?3)";

static const char INS[] =
    "INSERT INTO order_item(amazon_order_id, order_item_id, sku, asin, product_name, "
    "item_status, quantity, currency, item_price_minor, item_tax_minor, "
    "shipping_price_minor, shipping_tax_minor, gift_wrap_price_minor, gift_wrap_tax_minor, "
    "item_promotion_discount_minor, ship_promotion_discount_minor, source_file_id) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

int orderdb_open(struct ingest_ctx *c, struct orderdb **out, struct err *e)
{
    struct orderdb *d = calloc(1, sizeof *d);
    *out = d;
    if (!d)
        return err_set(e, ERR_NOMEM, "out of memory");
    d->c = c;
    if (ledger_prepare(c->lg, &d->upsert, UPSERT, e) < 0 ||
        ledger_prepare(c->lg, &d->del_all, DEL_ALL, e) < 0 ||
        ledger_prepare(c->lg, &d->del_item, DEL_ITEM, e) < 0 ||
        ledger_prepare(c->lg, &d->ins, INS, e) < 0)
        return -1;
    return 0;
}

void orderdb_free(struct orderdb *d)
{
    if (!d)
        return;
    sqlite3_finalize(d->upsert);
    sqlite3_finalize(d->del_all);
    sqlite3_finalize(d->del_item);
    sqlite3_finalize(d->ins);
    free(d);
}

/* Steps a bound statement once, then resets it and clears its bindings. */
static int run(struct orderdb *d, sqlite3_stmt *st, const char *what, struct err *e)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ledger_fail(d->c->lg, e, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

int orderdb_order(struct orderdb *d, const struct orderdb_order *o, struct err *e)
{
    sqlite3_stmt *st = d->upsert;
    sqlite3_bind_text(st, 1, o->order_id, -1, SQLITE_STATIC);
    ledger_bind_text(st, 2, o->merchant_order_id);
    ledger_bind_text(st, 3, o->purchase);
    ledger_bind_text(st, 4, o->last_updated);
    ledger_bind_text(st, 5, o->status);
    ledger_bind_text(st, 6, o->fulfillment_channel);
    ledger_bind_text(st, 7, o->sales_channel);
    ledger_bind_text(st, 8, o->currency);
    if (o->has_total)
        sqlite3_bind_int64(st, 9, o->total);
    ledger_bind_text(st, 10, o->ship_country);
    if (o->is_business >= 0)
        sqlite3_bind_int(st, 11, o->is_business);
    ledger_bind_text(st, 12, o->buyer_ref);
    sqlite3_bind_int64(st, 13, d->c->source_id);
    return run(d, st, "upsert order", e);
}

int orderdb_replace(struct orderdb *d, const char *order_id, const char *order_item_id,
                    struct err *e)
{
    sqlite3_stmt *st = order_item_id ? d->del_item : d->del_all;
    sqlite3_bind_text(st, 1, order_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, d->c->source_id);
    if (order_item_id)
        sqlite3_bind_text(st, 3, order_item_id, -1, SQLITE_STATIC);
    return run(d, st, "replace order items", e);
}

int orderdb_item(struct orderdb *d, const struct orderdb_item *it, struct err *e)
{
    sqlite3_stmt *st = d->ins;
    sqlite3_bind_text(st, 1, it->order_id, -1, SQLITE_STATIC);
    ledger_bind_text(st, 2, it->order_item_id);
    ledger_bind_text(st, 3, it->sku);
    ledger_bind_text(st, 4, it->asin);
    ledger_bind_text(st, 5, it->product_name);
    ledger_bind_text(st, 6, it->item_status);
    sqlite3_bind_int64(st, 7, it->quantity);
    ledger_bind_text(st, 8, it->currency);
    for (int i = 0; i < OM_COUNT; i++)
        sqlite3_bind_int64(st, 9 + i, it->amount[i]);
    sqlite3_bind_int64(st, 17, d->c->source_id);
    return run(d, st, "insert order item", e);
}
