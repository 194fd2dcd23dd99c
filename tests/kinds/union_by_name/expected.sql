WITH "read_a" AS (
  SELECT * FROM read_csv(['$CASE/a.csv'], header = true)
),
"read_b" AS (
  SELECT * FROM read_csv(['$CASE/b.csv'], header = true)
)
SELECT * FROM "read_a" UNION ALL BY NAME SELECT * FROM "read_b"
