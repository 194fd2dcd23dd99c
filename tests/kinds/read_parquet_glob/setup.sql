-- Two files matched by the glob (the second with its columns in another order) and one that is not.
COPY (SELECT * FROM (VALUES (1, 'a', 1.5::DOUBLE), (2, 'b', NULL)) AS t(id, name, score)) TO '$CASE/part1.parquet' (FORMAT parquet);
COPY (SELECT 'c' AS name, 3 AS id, 3.25::DOUBLE AS score) TO '$CASE/part2.parquet' (FORMAT parquet);
COPY (SELECT 9 AS id, 'z' AS name, 9.5::DOUBLE AS score) TO '$CASE/other.parquet' (FORMAT parquet);
