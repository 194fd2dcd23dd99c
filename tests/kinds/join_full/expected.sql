WITH "l" AS (
  SELECT * FROM read_csv(['$CASE/left.csv'], header = true)
),
"r" AS (
  SELECT * FROM read_csv(['$CASE/right.csv'], header = true)
)
SELECT COALESCE(l."id", r."id") AS "id", l."name" AS "name", l."city" AS "city", r."city" AS "city_right", r."amount" AS "amount" FROM "l" AS l FULL OUTER JOIN "r" AS r ON l."id" = r."id"
