WITH "l" AS (
  SELECT * FROM read_csv(['$CASE/left.csv'], header = true)
),
"r" AS (
  SELECT * FROM read_csv(['$CASE/right.csv'], header = true)
)
SELECT l.* FROM "l" AS l WHERE NOT EXISTS (SELECT 1 FROM "r" AS r WHERE l."id" = r."id")
