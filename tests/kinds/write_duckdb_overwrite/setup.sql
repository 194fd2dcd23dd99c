ATTACH '$CASE/warehouse.duckdb' AS db;
CREATE TABLE db."daily results" AS SELECT 99 AS id, 'old' AS name, true AS extra;
DETACH db;
