# orders — the All Orders flat file: items in minor units, cancelled/pending orders, decimal
# commas, upsert by a later file, buyer PII never stored, bad values refused with nothing changed.
. "$(dirname "$0")/../lib.sh"
O="$FX/orders"
"$SB" init >/dev/null 2>&1

status "ingest January orders" 0 "$SB" ingest "$O/all-orders-jan.tsv"
contains "summary line" "$T/.err" "orders_flat: 7 records, 7 stored"
eq "orders and items" "$(q "select (select count(*) from orders)||' '||(select count(*) from order_item)")" "6 7"
eq "source file" "$(q "select kind||' '||rows from source_file")" "orders_flat 7"
eq "single item in minor units" "$(q "select item_price_minor||' '||item_tax_minor||' '||shipping_price_minor||' '||shipping_tax_minor||' '||item_promotion_discount_minor||' '||ship_promotion_discount_minor||' '||quantity||' '||currency from order_item where amazon_order_id='111-0000001-0000001'")" "2599 208 499 40 -500 -499 1 USD"
eq "multi-item order" "$(q "select count(*)||' '||sum(item_price_minor)||' '||sum(quantity)||' '||sum(gift_wrap_price_minor)||' '||sum(gift_wrap_tax_minor) from order_item where amazon_order_id='111-0000002-0000002'")" "2 5248 3 399 32"
eq "cancelled: no currency, zero prices" "$(q "select o.order_status||' '||ifnull(o.currency,'NULL')||' '||ifnull(i.currency,'NULL')||' '||i.item_price_minor||' '||i.quantity from orders o join order_item i using(amazon_order_id) where amazon_order_id='111-0000003-0000003'")" "Cancelled NULL NULL 0 0"
eq "pending: no currency" "$(q "select order_status||' '||ifnull(currency,'NULL') from orders where amazon_order_id='111-0000004-0000004'")" "Pending NULL"
eq "decimal comma per value (EUR)" "$(q "select currency||' '||item_price_minor||' '||item_tax_minor from order_item where amazon_order_id='302-0000005-0000005'")" "EUR 1999 319"
eq "JPY has no minor digits" "$(q "select item_price_minor||' '||item_tax_minor from order_item where sku='CUP-JP'")" "1980 180"
eq "dates to UTC ISO" "$(q "select purchase_utc from orders where amazon_order_id in ('302-0000005-0000005','503-0000006-0000006') order by 1")" "2024-01-20T09:00:00Z
2024-01-20T16:00:00Z"
eq "order fields" "$(q "select fulfillment_channel||' '||sales_channel||' '||ship_country||' '||is_business_order from orders where amazon_order_id='302-0000005-0000005'")" "Amazon Amazon.de DE 1"
eq "UTF-8 product name kept" "$(q "select product_name from order_item where sku='CUP-JP'")" "湯呑み"

before=$(dump)
status "same bytes again is a no-op" 0 "$SB" ingest "$O/all-orders-jan.tsv"
contains "notice" "$T/.err" "already ingested"
eq "ledger unchanged by the repeat" "$(dump)" "$before"

status "ingest February orders (overlaps January)" 0 "$SB" ingest "$O/all-orders-feb.tsv"
eq "one new order" "$(q "select count(*) from orders")" "7"
eq "later file replaces the order's items" "$(q "select count(*)||' '||sum(item_price_minor)||' '||min(sku) from order_item where amazon_order_id='111-0000002-0000002'")" "1 3598 MUG-RED"
eq "later file updates the order" "$(q "select last_updated_utc||' '||source_file_id from orders where amazon_order_id='111-0000002-0000002'")" "2024-02-02T08:00:00Z 2"
eq "pending order now priced" "$(q "select o.order_status||' '||o.currency||' '||i.item_price_minor||' '||i.shipping_price_minor from orders o join order_item i using(amazon_order_id) where amazon_order_id='111-0000004-0000004'")" "Shipped USD 4500 500"
eq "orders the later file lacks are untouched" "$(q "select source_file_id||' '||(select count(*) from order_item where amazon_order_id='111-0000001-0000001') from orders where amazon_order_id='111-0000001-0000001'")" "1 1"
eq "items total" "$(q "select count(*) from order_item")" "7"

status "older layout with buyer columns" 0 "$SB" ingest "$O/all-orders-legacy-pii.tsv"
want=$(printf '%s' 'jane.buyerton@example.org' | sha256sum | cut -c1-12)
eq "buyer masked from buyer-email" "$(q "select buyer_ref from orders where amazon_order_id='112-0000008-0000008'")" "buyer-$want"
eq "legacy items by header name" "$(q "select sku||' '||item_price_minor||' '||item_tax_minor from order_item where amazon_order_id='112-0000009-0000009'")" "TEAPOT-1 4500 360"
eq "no buyer name, e-mail, phone or address in the ledger" "$(dump | grep -ciE 'buyerton|jane|quux|springfield|555 01|98765|quimby|zircon|portland|97201|example\.(org|net)')" "0"

status "header-only report (repeated headers) is an empty report" 0 "$SB" ingest "$SAMPLES/orders-archived-header.tsv"
eq "no rows from it" "$(q "select rows from source_file where path like '%orders-archived-header.tsv'")" "0"

before=$(dump)
status "bad price refused" 2 "$SB" ingest "$O/bad-price.tsv"
contains "line and column of the bad price" "$T/.err" "bad-price.tsv:4:17: item-price: amount '12.5.0'"
status "missing sku column refused" 2 "$SB" ingest "$O/bad-no-sku.tsv"
contains "names the missing column" "$T/.err" "bad-no-sku.tsv:1: required column 'sku' is missing"
status "price without currency refused" 2 "$SB" ingest "$O/bad-no-currency.tsv"
contains "says the currency is empty" "$T/.err" "bad-no-currency.tsv:2:17: item-price '25.99' has no currency"
status "impossible date refused" 2 "$SB" ingest "$O/bad-date.tsv"
contains "date position" "$T/.err" "bad-date.tsv:3:3: purchase-date: date '2024-02-30T10:00:00+00:00'"
status "a good file with a bad one: nothing is ingested" 2 "$SB" ingest "$FX/spapi/order-items-jpy.json" "$O/bad-price.tsv"
eq "ledger unchanged by refused files" "$(dump)" "$before"
status "audit chain verifies" 0 "$SB" audit verify
finish
