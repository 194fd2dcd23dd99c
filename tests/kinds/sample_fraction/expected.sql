WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT t.* FROM "src" AS t WHERE (hash("t", 42::UBIGINT) % 1000000007) / 1000000007.0 < 0.3
