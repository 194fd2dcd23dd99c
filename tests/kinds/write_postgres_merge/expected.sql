WITH "rows" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true, types = {'amount': 'DECIMAL(8,2)'})
)
SELECT * FROM "rows"
