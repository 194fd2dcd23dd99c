WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * REPLACE (TRY_CAST("amount" AS DOUBLE) AS "amount", TRY_CAST("day" AS DATE) AS "day", TRY_CAST("id" AS VARCHAR) AS "id") FROM "src"
