WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS "rows", count(DISTINCT "grp") AS "groups", sum("val") AS "total", quantile_cont("val", 0.5) AS "median" FROM "src"
