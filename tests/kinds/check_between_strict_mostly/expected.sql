WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) FILTER (WHERE "amount" IS NOT NULL) AS counted, count(*) FILTER (WHERE ("amount" IS NOT NULL) AND (("amount" < 0 OR "amount" >= 10) IS TRUE)) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "src"
-- failing rows:
-- SELECT * FROM "src" WHERE ("amount" IS NOT NULL) AND (("amount" < 0 OR "amount" >= 10) IS TRUE)
