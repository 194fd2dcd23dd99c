SELECT * FROM read_json(['$CASE/events.ndjson'], format = 'newline_delimited')
