WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __rows AS element_count, __counted AS counted, __counted - __keys AS unexpected, CAST(__counted - __keys AS DOUBLE) / NULLIF(__counted, 0) AS observed FROM (SELECT (SELECT count(*) FROM "src") AS __rows, (SELECT count(*) FROM "src") AS __counted, (SELECT count(*) FROM (SELECT DISTINCT "a", "b" FROM "src")) AS __keys)
-- failing rows:
-- SELECT * FROM "src" QUALIFY count(*) OVER (PARTITION BY "a", "b") > 1 ORDER BY "a", "b"
