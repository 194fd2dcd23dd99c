WITH "read_a" AS (
  SELECT * FROM read_csv(['$CASE/a.csv'], header = true)
),
"read_b" AS (
  SELECT * FROM read_csv(['$CASE/b.csv'], header = true)
),
"read_c" AS (
  SELECT * FROM read_csv(['$CASE/c.csv'], header = true)
)
SELECT * FROM "read_a" UNION BY NAME SELECT * FROM "read_b" UNION BY NAME SELECT * FROM "read_c"
