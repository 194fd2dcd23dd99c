WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __in.* REPLACE (CASE WHEN __in."level" IS NULL THEN NULL ELSE COALESCE(__m0.__v0, CAST(99 AS BIGINT)) END AS "level") FROM "src" AS __in LEFT JOIN (SELECT unnest(CAST(__st."level.categories" AS VARCHAR[])) AS __k, unnest(CAST(range(len(CAST(__st."level.categories" AS VARCHAR[]))) AS BIGINT[])) AS __v0 FROM (SELECT CAST(['low', 'medium', 'high'] AS VARCHAR[]) AS "level.categories") AS __st) AS __m0 ON CAST(__in."level" AS VARCHAR) = __m0.__k
