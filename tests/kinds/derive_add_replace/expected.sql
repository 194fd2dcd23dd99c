WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * REPLACE ((coalesce(amount, 0) * 2) AS "amount"), (upper(name) || '-' || amount) AS "label", (amount + 1) AS "amount_plus" FROM "src"
