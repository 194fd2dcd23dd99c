WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT * FROM "src" QUALIFY row_number() OVER (PARTITION BY "id" ORDER BY "ts" DESC NULLS FIRST, "id" DESC NULLS FIRST, "ts" DESC NULLS FIRST, "val" DESC NULLS FIRST) = 1
