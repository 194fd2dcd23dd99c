WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT *, CASE WHEN "t" IS NULL THEN NULL WHEN "t" >= CAST('2025-06-01' AS TIMESTAMP) THEN 'test' WHEN "t" >= CAST('2025-04-01' AS TIMESTAMP) THEN 'validation' ELSE 'train' END AS "split" FROM "src"
