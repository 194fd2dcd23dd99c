WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT *, CASE WHEN CAST("b" AS DOUBLE) = 0 THEN NULL ELSE CAST("a" AS DOUBLE) / CAST("b" AS DOUBLE) END AS "a_per_b", CASE WHEN CAST("a" AS DOUBLE) IS NULL THEN NULL WHEN CAST("b" AS DOUBLE) = 0 THEN CAST('-1.0' AS DOUBLE) ELSE CAST("a" AS DOUBLE) / CAST("b" AS DOUBLE) END AS "a_per_b_filled", CAST("a" AS DOUBLE) * CAST("b" AS DOUBLE) AS "a_times_b", CAST("a" AS DOUBLE) - CAST("b" AS DOUBLE) AS "a_minus_b", CAST("a" AS DOUBLE) + CAST("b" AS DOUBLE) AS "total" FROM "src"
