DROP TABLE IF EXISTS $UNIQUE_things;
CREATE TABLE $UNIQUE_things (
  id BIGINT, small SMALLINT, flag TINYINT(1), amount DECIMAL(10,2), ratio DOUBLE, name VARCHAR(40), status ENUM('new','done'),
  day DATE, at DATETIME(6), doc JSON
);
INSERT INTO $UNIQUE_things VALUES
  (1, -3, 1, 1234.50, 0.125, 'Zoë "Z"', 'done', '2025-02-28', '2025-03-01 10:30:00.250000', '{"k": [1, 2]}'),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 32767, 0, -0.01, -1e300, '', 'new', '1970-01-01', '1969-12-31 23:59:59', '[]');
