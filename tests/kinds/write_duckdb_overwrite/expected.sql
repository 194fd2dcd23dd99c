WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * FROM "src" ORDER BY ALL
