WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT (SELECT count(*) FROM "src") AS element_count, count(*) AS counted, count(*) FILTER (WHERE policy = 'fail') AS unexpected, CAST(count(*) FILTER (WHERE policy = 'fail') AS DOUBLE) AS observed FROM (VALUES ('order_id', 'BIGINT', 'BIGINT', NULL, NULL), ('amount', 'INTEGER', 'DOUBLE', 'type', 'ignore'), ('note', NULL, 'VARCHAR', 'extra', 'warn')) AS __schema(column_name, expected_type, actual_type, difference, policy)
-- failing rows:
-- SELECT column_name, expected_type, actual_type, difference FROM (VALUES ('order_id', 'BIGINT', 'BIGINT', NULL, NULL), ('amount', 'INTEGER', 'DOUBLE', 'type', 'ignore'), ('note', NULL, 'VARCHAR', 'extra', 'warn')) AS __schema(column_name, expected_type, actual_type, difference, policy) WHERE policy = 'fail'
