/* spapi_orders — orders from the Orders API v0: getOrders from the stored high-water mark
 * (LastUpdatedAfter, NextToken paging) and getOrderItems for each order. Each page is cleaned
 * of buyer PII, written to <data_dir>/orders/ with its orders' items, and ingested with them
 * in one transaction. The high-water mark moves only after every page is in: to the
 * LastUpdatedBefore Amazon answered, else the latest LastUpdateDate seen. */
#include "spapi_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

#define PAGE_ORDERS_MAX 1000   /* orders in one getOrders page (Amazon sends up to 100) */
#define ORDER_ITEMS_MAX 10000  /* items of one order */

struct page {
    char path[4200];
    char items[PAGE_ORDERS_MAX][4200];   /* one getOrderItems file per order */
    size_t n;
};

static int bad_answer(struct err *e, const char *op, const char *what)
{
    return err_set(e, ERR_NET, "Amazon SP-API: %s answered %s: nothing was ingested from it; "
                   "run `settlebook fetch` again later, or report it if it persists", op, what);
}

/* Later of *best and the timestamp s (ignored when it does not parse). */
static void later(char best[DATES_ISO_MAX], const char *s)
{
    char iso[DATES_ISO_MAX];
    struct err de = {0};
    int64_t t;
    int has_time;
    if (!s || dates_parse(s, &t, &has_time, &de) < 0)
        return;
    dates_iso(iso, t, 1);
    if (!best[0] || strcmp(iso, best) > 0)
        snprintf(best, DATES_ISO_MAX, "%s", iso);
}

/* All items of one order (getOrderItems with NextToken paging), PII removed, in one file. */
static int fetch_items(struct spapi *sp, const char *id, const char *dir, char *path,
                       size_t cap, struct err *e)
{
    char q[SPAPI_NEXT_MAX * 3 + 256], esc[SPAPI_NEXT_MAX * 3], next[SPAPI_NEXT_MAX] = "";
    json_t *all = json_array(), *out;
    int rc = -1, page;

    if (!all)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (page = 0; page < SPAPI_ITEM_PAGES_MAX; page++) {
        json_t *root, *p, *list, *it;
        const char *nt, *oid;
        size_t i;
        int bad = 0;
        if (next[0]) {
            http_escape(next, esc, sizeof esc);
            snprintf(q, sizeof q, "/orders/v0/orders/%s/orderItems?NextToken=%s", id, esc);
        } else {
            snprintf(q, sizeof q, "/orders/v0/orders/%s/orderItems", id);
        }
        if (spapi_get(sp, SPAPI_OP_ORDER_ITEMS, q, &root, e) < 0)
            goto done;
        p = json_object_get(root, "payload");
        list = json_object_get(p, "OrderItems");
        oid = json_string_value(json_object_get(p, "AmazonOrderId"));
        nt = json_string_value(json_object_get(p, "NextToken"));
        if (!json_is_array(list))
            bad = bad_answer(e, "getOrderItems", "without payload.OrderItems");
        else if (oid && strcmp(oid, id) != 0)
            bad = bad_answer(e, "getOrderItems", "items of another order");
        else if (json_array_size(all) + json_array_size(list) > ORDER_ITEMS_MAX)
            bad = bad_answer(e, "getOrderItems", "more than 10000 items for one order");
        else if (nt && strlen(nt) >= sizeof next)
            bad = bad_answer(e, "getOrderItems", "a NextToken longer than 4 KiB");
        json_array_foreach(list, i, it) {
            if (bad)
                break;
            spapi_pii_item(it);
            json_array_append(all, it);
        }
        snprintf(next, sizeof next, "%s", !bad && nt ? nt : "");
        json_decref(root);
        if (bad)
            goto done;
        if (!next[0])
            break;
    }
    if (page == SPAPI_ITEM_PAGES_MAX) {
        bad_answer(e, "getOrderItems", "more than 100 pages for one order");
        goto done;
    }
    sp->sum->order_items += (int64_t)json_array_size(all);
    out = json_pack("{s:{s:s, s:O}}", "payload", "AmazonOrderId", id, "OrderItems", all);
    if (!out) {
        err_set(e, ERR_NOMEM, "out of memory");
        goto done;
    }
    {
        char prefix[SPAPI_ID_MAX + 8];
        snprintf(prefix, sizeof prefix, "%s-", id);
        rc = spapi_write_json(dir, prefix, out, path, cap, e);
    }
    json_decref(out);
done:
    json_decref(all);
    return rc;
}

/* Ingests a page file and its items files in one transaction. */
static int ingest_page(struct spapi *sp, const struct page *pg, struct err *e)
{
    struct ingest_result res;
    if (ledger_begin(sp->lg, e) < 0)
        return -1;
    if (spapi_ingest(sp, pg->path, &res, e) < 0)
        goto fail;
    spapi_note_file(sp, "orders", "", pg->path, &res);
    for (size_t i = 0; i < pg->n; i++) {
        if (spapi_ingest(sp, pg->items[i], &res, e) < 0)
            goto fail;
        spapi_note_file(sp, "order_items", "", pg->items[i], &res);
    }
    if (ledger_commit(sp->lg, e) < 0)
        goto fail;
    return 0;
fail:
    ledger_rollback(sp->lg);
    if (e->code == ERR_INPUT)
        err_prefix(e, "an orders page from Amazon was refused (the high-water mark stays): ");
    return -1;
}

/* Cleans a page's orders, keeps them and their items on disk, ingests them together. */
static int keep_page(struct spapi *sp, json_t *orders, const char *dir, char hwm[DATES_ISO_MAX],
                     struct page *pg, struct err *e)
{
    char items_dir[4200];
    json_t *o, *root;
    size_t i;
    int rc;

    snprintf(items_dir, sizeof items_dir, "%s/items", dir);
    if (json_array_size(orders) > PAGE_ORDERS_MAX)
        return bad_answer(e, "getOrders", "more than 1000 orders in one page");
    json_array_foreach(orders, i, o) {
        const char *id = json_string_value(json_object_get(o, "AmazonOrderId"));
        if (!json_is_object(o) || !spapi_id_ok(id))
            return bad_answer(e, "getOrders", "an order without a usable AmazonOrderId");
        later(hwm, json_string_value(json_object_get(o, "LastUpdateDate")));
        spapi_pii_order(o);
    }
    root = json_pack("{s:{s:O}}", "payload", "Orders", orders);
    if (!root)
        return err_set(e, ERR_NOMEM, "out of memory");
    rc = spapi_mkdirs(items_dir, e) < 0 ? -1
       : spapi_write_json(dir, "orders-", root, pg->path, sizeof pg->path, e);
    json_decref(root);
    pg->n = 0;
    json_array_foreach(orders, i, o) {
        if (rc < 0)
            break;
        rc = fetch_items(sp, json_string_value(json_object_get(o, "AmazonOrderId")), items_dir,
                         pg->items[pg->n], sizeof pg->items[pg->n], e);
        if (rc == 0)
            pg->n++;
    }
    if (rc == 0)
        rc = ingest_page(sp, pg, e);
    if (rc == 0) {
        sp->sum->order_pages++;
        sp->sum->orders += (int64_t)json_array_size(orders);
        log_info("orders: %s: %zu order(s), %zu items file(s)", pg->path,
                 json_array_size(orders), pg->n);
    }
    return rc;
}

/* Every getOrders page from since; *cutoff gets LastUpdatedBefore (or CreatedBefore). */
static int pages(struct spapi *sp, const char *since, const char *dir, char hwm[DATES_ISO_MAX],
                 char cutoff[DATES_ISO_MAX], struct err *e)
{
    char q[SPAPI_NEXT_MAX * 3 + 2048], esc[SPAPI_NEXT_MAX * 3], next[SPAPI_NEXT_MAX] = "";
    struct page *pg = malloc(sizeof *pg);
    int rc = -1;
    if (!pg)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (int page = 0;; page++) {
        json_t *root, *p, *orders;
        const char *nt;
        if (page >= SPAPI_PAGES_MAX) {
            bad_answer(e, "getOrders", "more than 10000 pages");
            break;
        }
        if (next[0]) {
            http_escape(next, esc, sizeof esc);
            snprintf(q, sizeof q, "/orders/v0/orders?MarketplaceIds=%s&NextToken=%s",
                     sp->markets, esc);
        } else {
            http_escape(since, esc, sizeof esc);
            snprintf(q, sizeof q, "/orders/v0/orders?MarketplaceIds=%s&LastUpdatedAfter=%s",
                     sp->markets, esc);
        }
        if (spapi_get(sp, SPAPI_OP_ORDERS, q, &root, e) < 0)
            break;
        p = json_object_get(root, "payload");
        orders = json_object_get(p, "Orders");
        nt = json_string_value(json_object_get(p, "NextToken"));
        if (page == 0) {
            later(cutoff, json_string_value(json_object_get(p, "LastUpdatedBefore")));
            if (!cutoff[0])
                later(cutoff, json_string_value(json_object_get(p, "CreatedBefore")));
        }
        if (!json_is_array(orders))
            rc = bad_answer(e, "getOrders", "without payload.Orders");
        else if (nt && strlen(nt) >= sizeof next)
            rc = bad_answer(e, "getOrders", "a NextToken longer than 4 KiB");
        else
            rc = json_array_size(orders) ? keep_page(sp, orders, dir, hwm, pg, e) : 0;
        snprintf(next, sizeof next, "%s", rc == 0 && nt ? nt : "");
        json_decref(root);
        if (rc < 0 || !next[0])
            break;
        rc = -1;
    }
    free(pg);
    return rc;
}

int spapi_orders(struct spapi *sp, struct err *e)
{
    char since[DATES_ISO_MAX], dir[4096], hwm[DATES_ISO_MAX] = "", cutoff[DATES_ISO_MAX] = "";
    const char *to;
    int changed = 0;

    if (spapi_start(sp, "orders.last_updated", since, e) < 0)
        return -1;
    snprintf(sp->sum->orders_since, sizeof sp->sum->orders_since, "%s", since);
    snprintf(dir, sizeof dir, "%s/orders", sp->cfg->spapi.data_dir);
    log_verbose("orders last updated after %s", since);
    if (pages(sp, since, dir, hwm, cutoff, e) < 0)
        return -1;
    /* Amazon's own cutoff when it gives one, else the latest update seen */
    to = cutoff[0] ? cutoff : hwm[0] ? hwm : NULL;
    if (to) {
        char detail[96];
        snprintf(detail, sizeof detail, "cursor orders.last_updated=%s", to);
        if (ledger_begin(sp->lg, e) < 0)
            return -1;
        if (spapi_cursor_set(sp->lg, "orders.last_updated", to, &changed, e) < 0 ||
            (changed && ledger_audit(sp->lg, "fetch", detail, e) < 0) ||
            ledger_commit(sp->lg, e) < 0) {
            ledger_rollback(sp->lg);
            return -1;
        }
    }
    return spapi_cursor_get(sp->lg, "orders.last_updated", sp->sum->orders_hwm, e);
}
