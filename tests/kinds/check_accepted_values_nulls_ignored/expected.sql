WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) FILTER (WHERE "status" IS NOT NULL) AS counted, count(*) FILTER (WHERE ("status" IS NOT NULL) AND (("status" NOT IN ('a', 'b')) IS TRUE)) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "src"
-- failing rows:
-- SELECT * FROM "src" WHERE ("status" IS NOT NULL) AND (("status" NOT IN ('a', 'b')) IS TRUE)
