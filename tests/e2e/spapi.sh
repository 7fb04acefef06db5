# spapi — SP-API Orders JSON (getOrders, getOrder, getOrderItems; the official examples in
# fixtures/samples and fixtures/spapi): values in minor units, buyer PII never stored,
# amounts only from strings, malformed files refused by JSON path with nothing changed.
. "$(dirname "$0")/../lib.sh"
P="$FX/spapi"
S="$SAMPLES/spapi-orders"

for i in 1 2 3 4 5 6 7 8; do
  rm -f settlebook.db && "$SB" init >/dev/null 2>&1
  status "sample $i alone" 0 "$SB" ingest "$S-$i.json"
done
eq "sample 8 is getOrderItems" "$(q "select kind||' '||rows from source_file")" "order_items_spapi 1"

rm -f settlebook.db && "$SB" init >/dev/null 2>&1
status "samples 1-8 together" 0 "$SB" ingest "$S-1.json" "$S-2.json" "$S-3.json" "$S-4.json" \
  "$S-5.json" "$S-6.json" "$S-7.json" "$S-8.json"
eq "shared order ids upserted, not duplicated" "$(q "select count(*) from orders")" "4"
eq "kinds" "$(q "select group_concat(kind||':'||n, ' ') from (select kind, count(*) n from source_file group by kind order by kind)")" "order_items_spapi:1 orders_spapi:7"
eq "getOrders values" "$(q "select order_status||' '||fulfillment_channel||' '||sales_channel||' '||currency||' '||order_total_minor||' '||purchase_utc||' '||is_business_order from orders where amazon_order_id='902-8745147-1934268'")" "Unshipped MFN Amazon.com USD 1101 1970-01-19T03:58:30Z 0"
eq "getOrder values (fractional seconds dropped)" "$(q "select currency||' '||order_total_minor||' '||purchase_utc||' '||last_updated_utc||' '||is_business_order from orders where amazon_order_id='921-3175655-0452641'")" "EUR 10000 2019-05-07T15:42:57Z 2019-05-08T21:59:59Z 1"
want=$(printf '%s' 'user@example.com' | sha256sum | cut -c1-12)
eq "order without total; country and masked buyer" "$(q "select ifnull(currency,'NULL')||' '||ifnull(order_total_minor,'NULL')||' '||ship_country||' '||buyer_ref from orders where amazon_order_id='902-3159896-1390916'")" "NULL NULL US buyer-$want"
eq "getOrderItems values" "$(q "select order_item_id||' '||sku||' '||asin||' '||quantity||' '||currency||' '||item_price_minor||' '||item_tax_minor||' '||item_promotion_discount_minor from order_item where amazon_order_id='902-1845936-5435065'")" "05015851154158 NABetaASINB00551Q3CS B00551Q3CS 1 USD 1000 101 0"
eq "no buyer name, e-mail, address or PO number in the ledger" "$(dump | grep -ciE 'john doe|user@example|cross st|canton|michigan|a company name|1234567890123|westlake|480-386')" "0"

rm -f settlebook.db && "$SB" init >/dev/null 2>&1
status "a page with the buyer, then one without" 0 "$SB" ingest "$S-4.json" "$S-3.json"
eq "the page without BuyerInfo keeps the known buyer_ref" "$(q "select buyer_ref from orders")" "buyer-$want"

before=$(dump)
status "sample 9 refused: JPY 25.99 is not a yen amount" 2 "$SB" ingest "$S-9.json"
contains "JSON path of the bad amount" "$T/.err" "spapi-orders-9.json: payload.OrderItems[0].ItemPrice.Amount: '25.99' is not an amount in JPY"
status "Finances JSON is not an orders response" 2 "$SB" ingest "$SAMPLES/spapi-finances-1.json"
contains "says what was expected" "$T/.err" "spapi-finances-1.json: this JSON is not an SP-API Orders response"
status "bad amount string" 2 "$SB" ingest "$P/orders-bad-amount.json"
contains "names the JSON path" "$T/.err" "orders-bad-amount.json: payload.Orders[3].OrderTotal.Amount: '1e5' is not an amount"
status "JSON real amount" 2 "$SB" ingest "$P/orders-real-amount.json"
contains "reals refused" "$T/.err" "payload.Orders[0].OrderTotal.Amount: is a JSON number with a fraction or exponent"
status "duplicate key" 2 "$SB" ingest "$P/order-duplicate-key.json"
contains "line and column of the duplicate" "$T/.err" "order-duplicate-key.json:6:"
contains "says duplicate" "$T/.err" "duplicate object key"
status "mixed currencies in one item" 2 "$SB" ingest "$P/order-items-mixed-currency.json"
contains "names the currency" "$T/.err" "payload.OrderItems[0].ItemTax.CurrencyCode: 'EUR' differs from the item's currency 'USD'"
status "truncated JSON" 2 "$SB" ingest "$P/orders-truncated.json"
contains "line of the end" "$T/.err" "orders-truncated.json:5"
status "SP-API error response" 2 "$SB" ingest "$P/error-response.json"
contains "says it is an error response" "$T/.err" "SP-API error response"
status "good and bad together: nothing is ingested" 2 "$SB" ingest "$P/order-items-jpy.json" "$P/orders-bad-amount.json"
eq "ledger unchanged by refused files" "$(dump)" "$before"

status "yen items, whole amounts, gift wrap in BuyerInfo" 0 "$SB" ingest "$P/order-items-jpy.json"
eq "first yen item" "$(q "select currency||' '||item_price_minor||' '||item_tax_minor||' '||shipping_price_minor||' '||gift_wrap_price_minor||' '||item_promotion_discount_minor from order_item where order_item_id='68828574383266'")" "JPY 2599 259 126 199 100"
eq "second yen item" "$(q "select quantity||' '||item_price_minor||' '||ship_promotion_discount_minor from order_item where order_item_id='79039765272157'")" "2 3590 126"

rm -f settlebook.db && "$SB" init >/dev/null 2>&1
status "flat file, then SP-API order and items for one of its orders" 0 "$SB" ingest \
  "$FX/orders/all-orders-jan.tsv" "$P/order-bare.json" "$P/order-items-111-2.json"
eq "getOrder without payload wrapper upserts" "$(q "select merchant_order_id||' '||fulfillment_channel||' '||order_total_minor||' '||last_updated_utc||' '||purchase_utc from orders where amazon_order_id='111-0000002-0000002'")" "MY-REF-2 AFN 3886 2024-02-10T09:00:00Z 2024-01-07T18:00:00Z"
eq "SP-API items replace the flat file's items" "$(q "select count(*)||' '||max(order_item_id)||' '||sum(item_price_minor) from order_item where amazon_order_id='111-0000002-0000002'")" "1 40000000000001 3598"
eq "other orders keep their flat-file items" "$(q "select count(*) from order_item")" "6"
eq "no buyer PII from getOrder" "$(dump | grep -ciE 'ortolan|quill|yonkers|10701')" "0"
status "audit chain verifies" 0 "$SB" audit verify
finish
