WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * FROM "src" WHERE (amount >= 10 AND status <> 'open')
