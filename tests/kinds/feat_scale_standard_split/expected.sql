WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __in.* REPLACE ((CAST(__in."x" AS DOUBLE) - __state."x.mean") / (CASE WHEN __state."x.std" IS NULL OR __state."x.std" = 0 THEN 1 ELSE __state."x.std" END) AS "x", (CAST(__in."y" AS DOUBLE) - __state."y.mean") / (CASE WHEN __state."y.std" IS NULL OR __state."y.std" = 0 THEN 1 ELSE __state."y.std" END) AS "y") FROM "src" AS __in CROSS JOIN (SELECT favg(CAST("x" AS DOUBLE)) AS "x.mean", stddev_pop(CAST("x" AS DOUBLE)) AS "x.std", favg(CAST("y" AS DOUBLE)) AS "y.mean", stddev_pop(CAST("y" AS DOUBLE)) AS "y.std" FROM "src" WHERE "split" = 'train') AS __state
