WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT *, CASE WHEN (hash("customer", 7::UBIGINT) % 1000000007) / 1000000007.0 < 0.3 THEN 'test' WHEN (hash("customer", 7::UBIGINT) % 1000000007) / 1000000007.0 < 0.3 THEN 'validation' ELSE 'train' END AS "split" FROM "src"
