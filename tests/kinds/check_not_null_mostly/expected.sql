WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) FILTER (WHERE true) AS counted, count(*) FILTER (WHERE (true) AND (("amount" IS NULL) IS TRUE)) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "src"
-- failing rows:
-- SELECT * FROM "src" WHERE (true) AND (("amount" IS NULL) IS TRUE)
