WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * REPLACE (COALESCE("amt", (SELECT avg("amt") FROM "src")) AS "amt", COALESCE("qty", (SELECT quantile_cont("qty", 0.5) FROM "src")) AS "qty", COALESCE("city", 'unknown') AS "city", COALESCE("score", (SELECT "score" FROM "src" WHERE "score" IS NOT NULL GROUP BY "score" ORDER BY count(*) DESC, "score" ASC LIMIT 1)) AS "score", COALESCE("bonus", 0) AS "bonus") FROM "src"
