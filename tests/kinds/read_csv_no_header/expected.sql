SELECT * FROM read_csv(['$CASE/input.csv'], header = false)
