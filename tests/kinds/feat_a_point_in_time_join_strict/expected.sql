WITH "spine" AS (
  SELECT * FROM read_csv(['$CASE/spine.csv'], header = true)
),
"features" AS (
  SELECT * FROM read_csv(['$CASE/features.csv'], header = true)
)
SELECT s.*, CASE WHEN s."label_time" > f."ts" THEN f."score" END AS "last_score", CASE WHEN s."label_time" > f."ts" THEN f."ts" END AS "last_ts" FROM "spine" AS s ASOF LEFT JOIN (SELECT * FROM "features" WHERE "ts" IS NOT NULL QUALIFY row_number() OVER (PARTITION BY "cust", "ts" ORDER BY "fid" DESC NULLS LAST) = 1) AS f ON s."cust" = f."cust" AND s."label_time" > f."ts"
