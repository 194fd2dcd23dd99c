SELECT * FROM read_csv(['$CASE/input.csv'], delim = ';', header = true, types = {'code': 'VARCHAR'}, nullstr = ['', 'NA', 'N/A'])
