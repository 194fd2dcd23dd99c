WITH "spine" AS (
  SELECT * FROM read_csv(['$CASE/spine.csv'], header = true)
),
"features" AS (
  SELECT * FROM read_csv(['$CASE/features.csv'], header = true)
)
SELECT s.*, CASE WHEN s."label_time" >= f."ts" AND epoch_us(s."label_time") - epoch_us(f."ts") <= 30 * 86400000000 THEN f."fid" END AS "fid", CASE WHEN s."label_time" >= f."ts" AND epoch_us(s."label_time") - epoch_us(f."ts") <= 30 * 86400000000 THEN f."ts" END AS "ts", CASE WHEN s."label_time" >= f."ts" AND epoch_us(s."label_time") - epoch_us(f."ts") <= 30 * 86400000000 THEN f."score" END AS "score" FROM "spine" AS s ASOF LEFT JOIN (SELECT * FROM "features" WHERE "ts" IS NOT NULL QUALIFY row_number() OVER (PARTITION BY "cust", "ts" ORDER BY "fid" DESC NULLS LAST) = 1) AS f ON s."cust" = f."cust" AND s."label_time" >= f."ts"
