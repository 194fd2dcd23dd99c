WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
),
"keep" AS (
  SELECT "order ""total"" €", "id", "prix unitaire", "catégorie" FROM "src"
),
"casted" AS (
  SELECT * REPLACE (TRY_CAST("order ""total"" €" AS DOUBLE) AS "order ""total"" €") FROM "keep"
),
"filled" AS (
  SELECT * REPLACE (COALESCE("order ""total"" €", (SELECT avg("order ""total"" €") FROM "casted")) AS "order ""total"" €") FROM "casted"
),
"kept" AS (
  SELECT * FROM "filled" WHERE ("order ""total"" €" >= 7)
),
"derived" AS (
  SELECT *, ("order ""total"" €" * "prix unitaire") AS "montant total" FROM "kept"
),
"dedup" AS (
  SELECT * FROM "derived" QUALIFY row_number() OVER (PARTITION BY "order ""total"" €" ORDER BY "prix unitaire" DESC NULLS LAST, "order ""total"" €" ASC NULLS LAST, "id" ASC NULLS LAST, "prix unitaire" ASC NULLS LAST, "catégorie" ASC NULLS LAST, "montant total" ASC NULLS LAST) = 1
),
"sorted" AS (
  SELECT * FROM "dedup" ORDER BY "order ""total"" €" DESC NULLS LAST
),
"rates" AS (
  SELECT * FROM read_csv(['$CASE/rates.csv'], header = true)
),
"joined" AS (
  SELECT l."order ""total"" €" AS "order ""total"" €", l."id" AS "id", l."prix unitaire" AS "prix unitaire", l."catégorie" AS "catégorie", l."montant total" AS "montant total", r."label" AS "label" FROM "sorted" AS l INNER JOIN "rates" AS r ON l."order ""total"" €" = r."order ""total"" €"
),
"win" AS (
  SELECT *, row_number() OVER (PARTITION BY "catégorie" ORDER BY "order ""total"" €" ASC NULLS LAST) AS "rang", lag("order ""total"" €", 1) OVER (PARTITION BY "catégorie" ORDER BY "order ""total"" €" ASC NULLS LAST) AS "précédent ""total""" FROM "joined"
)
SELECT "order ""total"" €", count(*) AS "n", fsum("montant total") AS "montant", max("rang") AS "rang max" FROM "win" GROUP BY "order ""total"" €"
