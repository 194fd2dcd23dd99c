WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
),
"countries" AS (
  SELECT * FROM read_csv(['$CASE/countries.csv'], header = true)
)
SELECT count(*) AS element_count, count(*) FILTER (WHERE "code" IS NOT NULL) AS counted, count(*) FILTER (WHERE ("code" IS NOT NULL) AND (("code" NOT IN (SELECT "code" FROM "countries" WHERE "code" IS NOT NULL)) IS TRUE)) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM "src"
-- failing rows:
-- SELECT * FROM "src" WHERE ("code" IS NOT NULL) AND (("code" NOT IN (SELECT "code" FROM "countries" WHERE "code" IS NOT NULL)) IS TRUE)
