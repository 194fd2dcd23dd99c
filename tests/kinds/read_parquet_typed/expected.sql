SELECT * FROM read_parquet(['$CASE/data.parquet'])
