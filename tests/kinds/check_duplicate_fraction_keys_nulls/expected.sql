WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __rows AS element_count, __counted AS counted, __counted - __keys AS unexpected, CAST(__counted - __keys AS DOUBLE) / NULLIF(__counted, 0) AS observed FROM (SELECT (SELECT count(*) FROM "src") AS __rows, (SELECT count(*) FROM "src" WHERE "k" IS NOT NULL) AS __counted, (SELECT count(*) FROM (SELECT DISTINCT "k" FROM "src" WHERE "k" IS NOT NULL)) AS __keys)
-- failing rows:
-- SELECT * FROM "src" WHERE "k" IS NOT NULL QUALIFY count(*) OVER (PARTITION BY "k") > 1 ORDER BY "k"
