ATTACH '$CASE/warehouse.duckdb' AS db;
CREATE TABLE db.results (name VARCHAR, id INTEGER);
INSERT INTO db.results VALUES ('zed', 0);
DETACH db;
