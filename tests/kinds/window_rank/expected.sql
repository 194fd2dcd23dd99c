WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT *, rank() OVER (PARTITION BY "grp" ORDER BY "score" DESC NULLS LAST) AS "rk", dense_rank() OVER (PARTITION BY "grp" ORDER BY "score" DESC NULLS LAST) AS "drk" FROM "src"
