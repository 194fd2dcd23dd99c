-- One Parquet file with the types a source meets: integers, doubles, decimals, text with quotes
-- and backslashes, booleans, dates, naive timestamps, and NULLs in every column.
COPY (
  SELECT * FROM (VALUES
    (1, 1.5::DOUBLE, 12.34::DECIMAL(12,2), 'it''s', true, DATE '2024-02-29', TIMESTAMP '2024-02-29 23:59:59.123456'),
    (2, -0.25::DOUBLE, -1.00::DECIMAL(12,2), 'a\b "c"', false, DATE '1999-12-31', TIMESTAMP '1970-01-01 00:00:00'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL)
  ) AS t(id, score, amount, note, active, born, seen_at)
) TO '$CASE/data.parquet' (FORMAT parquet);
