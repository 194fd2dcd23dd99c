WITH "current" AS (
  SELECT * FROM read_csv(['$CASE/current.csv'], header = true)
),
"reference" AS (
  SELECT * FROM read_csv(['$CASE/reference.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) AS counted, 0 AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "current"
