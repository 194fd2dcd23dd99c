WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT *, CASE WHEN "ts" IS NULL OR "cust" IS NULL THEN NULL ELSE lag("amount", 1) OVER "__w" END AS "amount_lag_1", CASE WHEN "ts" IS NULL OR "cust" IS NULL THEN NULL ELSE lag("amount", 2) OVER "__w" END AS "amount_lag_2", CASE WHEN "ts" IS NULL OR "cust" IS NULL THEN NULL ELSE lag("id", 1) OVER "__w" END AS "id_lag_1", CASE WHEN "ts" IS NULL OR "cust" IS NULL THEN NULL ELSE lead("amount", 1) OVER "__w" END AS "amount_lead_1", CASE WHEN "ts" IS NULL OR "cust" IS NULL THEN NULL ELSE (epoch_us("ts") - epoch_us(lag("ts", 1) OVER "__w")) / 3600000000 END AS "hours_since_previous" FROM "src" WINDOW "__w" AS (PARTITION BY "cust", ("ts" IS NULL OR "cust" IS NULL) ORDER BY "ts" ASC, "id" ASC NULLS LAST)
