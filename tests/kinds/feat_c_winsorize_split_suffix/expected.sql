WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
),
"split" AS (
  SELECT *, CASE WHEN "day" IS NULL THEN NULL WHEN "day" >= CAST('2024-02-01' AS TIMESTAMP) THEN 'test' ELSE 'train' END AS "split" FROM "src"
)
SELECT __in.*, CASE WHEN CAST(__in."x" AS DOUBLE) < CAST(__state."x.lower" AS DOUBLE) THEN CAST(__state."x.lower" AS DOUBLE) WHEN CAST(__in."x" AS DOUBLE) > CAST(__state."x.upper" AS DOUBLE) THEN CAST(__state."x.upper" AS DOUBLE) ELSE CAST(__in."x" AS DOUBLE) END AS "x_w", CASE WHEN CAST(__in."y" AS DOUBLE) < CAST(__state."y.lower" AS DOUBLE) THEN CAST(__state."y.lower" AS DOUBLE) WHEN CAST(__in."y" AS DOUBLE) > CAST(__state."y.upper" AS DOUBLE) THEN CAST(__state."y.upper" AS DOUBLE) ELSE CAST(__in."y" AS DOUBLE) END AS "y_w" FROM "split" AS __in CROSS JOIN (SELECT count(*) AS "train_rows", quantile_cont(CAST("x" AS DOUBLE), 0.1) AS "x.lower", quantile_cont(CAST("x" AS DOUBLE), 0.9) AS "x.upper", quantile_cont(CAST("y" AS DOUBLE), 0.1) AS "y.lower", quantile_cont(CAST("y" AS DOUBLE), 0.9) AS "y.upper" FROM "split" WHERE "split" = 'train') AS __state
