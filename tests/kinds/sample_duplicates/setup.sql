COPY (SELECT range % 500 AS id FROM range(1000)) TO '$CASE/input.csv' (FORMAT csv, HEADER);
