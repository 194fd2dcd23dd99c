CREATE TABLE $UNIQUE.orders (id int, customer text, amount numeric(8,2));
INSERT INTO $UNIQUE.orders VALUES (1, 'ana', 10.00), (2, 'ana', 2.50), (3, 'bo', 7.25), (4, NULL, 1.00);
