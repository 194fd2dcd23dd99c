WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
),
"sorted" AS (
  SELECT * FROM "src" ORDER BY "id" DESC NULLS LAST
)
SELECT * FROM "sorted" LIMIT 3 OFFSET 1
