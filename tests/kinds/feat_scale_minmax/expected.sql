WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __in.* REPLACE ((CAST(__in."x" AS DOUBLE) - __state."x.min") / (CASE WHEN __state."x.range" IS NULL OR __state."x.range" = 0 THEN 1 ELSE __state."x.range" END) AS "x") FROM "src" AS __in CROSS JOIN (SELECT min(CAST("x" AS DOUBLE)) AS "x.min", max(CAST("x" AS DOUBLE)) - min(CAST("x" AS DOUBLE)) AS "x.range" FROM "src" WHERE (keep)) AS __state
