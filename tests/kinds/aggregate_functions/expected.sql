WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT "grp", count(*) AS "n", count("val") AS "n_val", count(DISTINCT "val") AS "n_distinct", sum("val") AS "total", avg("val") AS "mean", quantile_cont("val", 0.5) AS "median", min("val") AS "lo", max("val") AS "hi", stddev_samp("val") AS "sd", var_samp("val") AS "var", (count(*) FILTER (WHERE status = 'bad')) AS "bad_rows", (sum(val) FILTER (WHERE status = 'ok')) AS "ok_sum" FROM "src" GROUP BY "grp"
