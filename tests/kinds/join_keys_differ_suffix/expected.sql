WITH "orders" AS (
  SELECT * FROM read_csv(['$CASE/orders.csv'], header = true)
),
"customers" AS (
  SELECT * FROM read_csv(['$CASE/customers.csv'], header = true)
)
SELECT l."order_id" AS "order_id", l."customer_id" AS "customer_id", l."amount" AS "amount", r."id" AS "id", r."name" AS "name", r."amount" AS "amount_cust" FROM "orders" AS l LEFT JOIN "customers" AS r ON l."customer_id" = r."id"
