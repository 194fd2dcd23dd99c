WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT (SELECT count(*) FROM "src") AS element_count, count(*) AS counted, count(*) FILTER (WHERE __copies > 1) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM (SELECT count(*) OVER (PARTITION BY "a", "b") AS __copies FROM "src" WHERE "a" IS NOT NULL AND "b" IS NOT NULL)
-- failing rows:
-- SELECT * FROM "src" WHERE "a" IS NOT NULL AND "b" IS NOT NULL QUALIFY count(*) OVER (PARTITION BY "a", "b") > 1 ORDER BY "a", "b"
