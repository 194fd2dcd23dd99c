WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __in.*, (CAST(__in."x" AS DOUBLE) - __state."x.median") / (CASE WHEN __state."x.iqr" IS NULL OR __state."x.iqr" = 0 THEN 1 ELSE __state."x.iqr" END) AS "x_scaled" FROM "src" AS __in CROSS JOIN (SELECT quantile_cont(CAST("x" AS DOUBLE), 0.5) AS "x.median", quantile_cont(CAST("x" AS DOUBLE), 0.75) - quantile_cont(CAST("x" AS DOUBLE), 0.25) AS "x.iqr" FROM "src" WHERE (keep)) AS __state
