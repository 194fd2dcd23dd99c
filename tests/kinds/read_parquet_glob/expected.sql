SELECT * FROM read_parquet(['$CASE/part*.parquet'])
