COPY (SELECT range AS id, range % 7 AS grp FROM range(1000)) TO '$CASE/input.csv' (FORMAT csv, HEADER);
