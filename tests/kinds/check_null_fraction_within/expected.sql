WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) AS counted, count(*) FILTER (WHERE "v" IS NULL) AS unexpected, CAST(count(*) FILTER (WHERE "v" IS NULL) AS DOUBLE) / NULLIF(count(*), 0) AS observed FROM "src"
-- failing rows:
-- SELECT * FROM "src" WHERE "v" IS NULL
