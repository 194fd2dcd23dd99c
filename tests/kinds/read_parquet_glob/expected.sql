SELECT * FROM read_parquet(['$CASE/part1.parquet', '$CASE/part2.parquet'])
