WITH "read_orders" AS (
  SELECT * FROM read_csv(['$CASE/orders.csv'], header = true)
),
"customers" AS (
  SELECT * FROM read_csv(['$CASE/customers.csv'], header = true)
)
WITH "orders" AS (SELECT * FROM "read_orders") SELECT * FROM (SELECT c.name, count(*) AS n, sum(o.amount) AS total
FROM orders AS o JOIN customers AS c ON o.customer_id = c.id
GROUP BY c.name)
