WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * REPLACE (CAST("amount" AS DOUBLE) AS "amount") FROM "src"
