-- The table of bench/postgres.sh: :rows rows (psql -v rows=N), 10 columns of mixed types, every
-- value a function of the row number (the same rows every time), and every non-key column NULL
-- in exactly 1 row of 20 (a different row for each column). Some notes hold a comma, a double
-- quote or a non-ASCII letter, which CSV must quote or encode.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_rows;
CREATE TABLE bench_rows (
  id bigint PRIMARY KEY,
  quantity integer,
  amount numeric(12, 2),
  score double precision,
  note text,
  status varchar(16),
  active boolean,
  day date,
  created_at timestamp,
  updated_at timestamptz
);

INSERT INTO bench_rows
SELECT
  i,
  CASE WHEN i % 20 = 1 THEN NULL ELSE (i * 7919) % 100000 - 50000 END,
  CASE WHEN i % 20 = 2 THEN NULL ELSE ((i * 104729) % 100000000 - 50000000) / 100.0 END,
  CASE WHEN i % 20 = 3 THEN NULL ELSE ((i * 2654435761) % 1000003)::double precision / 7 - 60000 END,
  CASE WHEN i % 20 = 4 THEN NULL
       ELSE left(repeat(md5(i::text), 4), (5 + (i * 31) % 120)::int)
            || CASE i % 50 WHEN 0 THEN ', "quoted"' WHEN 25 THEN ' café' ELSE '' END END,
  CASE WHEN i % 20 = 5 THEN NULL
       ELSE (ARRAY['new', 'paid', 'shipped', 'delivered', 'returned'])[1 + (i * 13) % 5] END,
  CASE WHEN i % 20 = 6 THEN NULL ELSE (i * 17) % 3 = 0 END,
  CASE WHEN i % 20 = 7 THEN NULL ELSE date '2015-01-01' + ((i * 37) % 4000)::int END,
  CASE WHEN i % 20 = 8 THEN NULL
       ELSE timestamp '2015-01-01' + make_interval(secs => ((i * 7727) % 300000000)::double precision
                                                          + (i % 1000000) / 1000000.0) END,
  CASE WHEN i % 20 = 9 THEN NULL
       ELSE timestamptz '2015-01-01 00:00:00+00' + make_interval(secs => (i * 53) % 300000000) END
FROM generate_series(1::bigint, :rows) AS i;

VACUUM ANALYZE bench_rows;
