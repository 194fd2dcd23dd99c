WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) FILTER (WHERE "email" IS NOT NULL) AS counted, count(*) FILTER (WHERE ("email" IS NOT NULL) AND ((NOT regexp_matches(CAST("email" AS VARCHAR), '^[a-z]+@[a-z]+\.[a-z]+$')) IS TRUE)) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "src"
-- failing rows:
-- SELECT * FROM "src" WHERE ("email" IS NOT NULL) AND ((NOT regexp_matches(CAST("email" AS VARCHAR), '^[a-z]+@[a-z]+\.[a-z]+$')) IS TRUE)
