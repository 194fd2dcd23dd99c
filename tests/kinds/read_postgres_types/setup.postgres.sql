CREATE TABLE $UNIQUE.things (
  id bigint, small smallint, n integer, amount numeric(10,2), ratio double precision, r real, loose numeric,
  name text, code varchar(8), flag boolean, day date, at timestamp, at_tz timestamptz, t time, doc jsonb, u uuid, raw bytea
);
INSERT INTO $UNIQUE.things VALUES
  (1, -3, 7, 1234.50, 0.125, 1.5, 3.14159, 'Zoë "Z"', 'a,b', true, '2025-02-28', '2025-03-01 10:30:00', '2025-03-01 12:00:00+02', '08:15:00', '{"k": [1, 2]}', '6f1c2f3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f', '\x00ff'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 32767, -2147483648, -0.01, -1e300, 0, 0, '', 'x', false, '1970-01-01', '1969-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', '23:59:59', '[]', '00000000-0000-0000-0000-000000000000', '\x');
