WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
),
"split" AS (
  SELECT *, CASE WHEN "day" IS NULL THEN NULL WHEN "day" >= CAST('2024-03-01' AS TIMESTAMP) THEN 'test' ELSE 'train' END AS "split" FROM "src"
)
SELECT __in.* REPLACE (COALESCE(CAST(__in."amount" AS DOUBLE), CAST(__state."amount.mean" AS DOUBLE)) AS "amount", COALESCE(CAST(__in."qty" AS DOUBLE), CAST(__state."qty.median" AS DOUBLE)) AS "qty", COALESCE(__in."channel", CAST(__state."channel.mode" AS VARCHAR)) AS "channel", COALESCE(__in."coupon", CAST('none' AS VARCHAR)) AS "coupon"), (__in."amount" IS NULL) AS "amount_missing", (__in."channel" IS NULL) AS "channel_missing" FROM "split" AS __in CROSS JOIN (SELECT count(*) AS "train_rows", favg(CAST("amount" AS DOUBLE)) AS "amount.mean", quantile_cont(CAST("qty" AS DOUBLE), 0.5) AS "qty.median", (SELECT __v FROM (SELECT "channel" AS __v FROM "split" WHERE "split" = 'train') WHERE __v IS NOT NULL GROUP BY __v ORDER BY count(*) DESC, __v ASC LIMIT 1) AS "channel.mode" FROM "split" WHERE "split" = 'train') AS __state
