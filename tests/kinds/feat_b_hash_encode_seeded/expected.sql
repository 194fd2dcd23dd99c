WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __in.* REPLACE (CASE WHEN __in."customer" IS NULL THEN NULL ELSE CAST(hash(CAST(__in."customer" AS VARCHAR), CAST(7 AS UBIGINT)) % 8 AS BIGINT) END AS "customer", CASE WHEN __in."zip" IS NULL THEN NULL ELSE CAST(hash(CAST(__in."zip" AS VARCHAR), CAST(7 AS UBIGINT)) % 8 AS BIGINT) END AS "zip") FROM "src" AS __in
