WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count("updated_at") AS counted, 0 AS unexpected, CAST(epoch_us(TIMESTAMP '2024-01-03 12:00:00') - epoch_us(CAST(max("updated_at") AS TIMESTAMP)) AS DOUBLE) / 3600000000 AS observed FROM "src"
