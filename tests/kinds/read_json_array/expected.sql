SELECT * FROM read_json(['$CASE/data.json'])
