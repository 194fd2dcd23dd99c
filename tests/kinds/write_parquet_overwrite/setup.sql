COPY (SELECT 99 AS id, 'old' AS name) TO '$CASE/result.parquet' (FORMAT parquet);
