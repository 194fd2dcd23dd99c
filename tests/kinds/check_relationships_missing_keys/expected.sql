WITH "orders" AS (
  SELECT * FROM read_csv(['$CASE/orders.csv'], header = true)
),
"customers" AS (
  SELECT * FROM read_csv(['$CASE/customers.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) FILTER (WHERE "customer_id" IS NOT NULL) AS counted, count(*) FILTER (WHERE ("customer_id" IS NOT NULL) AND (("customer_id" NOT IN (SELECT "id" FROM "customers" WHERE "id" IS NOT NULL)) IS TRUE)) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "orders"
-- failing rows:
-- SELECT * FROM "orders" WHERE ("customer_id" IS NOT NULL) AND (("customer_id" NOT IN (SELECT "id" FROM "customers" WHERE "id" IS NOT NULL)) IS TRUE)
