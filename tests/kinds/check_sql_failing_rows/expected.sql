WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT (SELECT count(*) FROM "src") AS element_count, (SELECT count(*) FROM "src") AS counted, (SELECT count(*) FROM (WITH "input" AS (SELECT * FROM "src") SELECT * FROM (SELECT id, ordered, shipped FROM input WHERE shipped < ordered))) AS unexpected, CAST(NULL AS DOUBLE) AS observed
-- failing rows:
-- WITH "input" AS (SELECT * FROM "src") SELECT * FROM (SELECT id, ordered, shipped FROM input WHERE shipped < ordered)
