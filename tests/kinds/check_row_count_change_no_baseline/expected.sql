WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) AS counted, 0 AS unexpected, CAST(count(*) AS DOUBLE) AS observed FROM "src"
