WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count("day") AS counted, 0 AS unexpected, CAST(epoch_us(TIMESTAMP '2024-01-03 14:00:00' - INTERVAL 120 MINUTE) - epoch_us(CAST(max("day") AS TIMESTAMP)) AS DOUBLE) / 3600000000 AS observed FROM "src"
