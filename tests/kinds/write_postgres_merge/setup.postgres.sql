CREATE TABLE $UNIQUE.target (id bigint, name text, amount numeric(8,2));
INSERT INTO $UNIQUE.target VALUES (1, 'old one', 1.00), (2, 'old two', 2.00), (3, 'kept', 3.00), (5, '', 5.00);
