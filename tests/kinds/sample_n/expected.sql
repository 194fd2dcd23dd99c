WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT t.* FROM "src" AS t ORDER BY (hash("t", 3::UBIGINT) % 1000000007) / 1000000007.0, t LIMIT 4
