COPY (SELECT 'zed' AS name, 0 AS id) TO '$CASE/result.parquet' (FORMAT parquet);
