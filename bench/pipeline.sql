-- The sample feature pipeline (sample_data/pipelines/customer_features.sluice.json) written by
-- hand as one DuckDB script: the floor that `sluice run` is compared with. Same inputs (the
-- Parquet files of bench/data.sh), same outputs, same semantics as the SQL sluice compiles each
-- node to (`sluice sql SPEC NODE`). Run it with Python duckdb:
--
--   python bench/run_sql.py DATA_DIR OUT_DIR      (replaces ${data} and ${out} below)
--
-- The checks that measure data in a run without history are here too, computed the same way
-- and stopping the script (error()) where a check of severity error would stop the run:
-- order_ids_consistent, orders_complete, amount_present, valid_status, amount_in_range, and the
-- warn-only email_format. Not here: recent_orders / recent_drift and orders_volume, which with
-- no run history only count rows and collect distributions for later runs.

-- parsed_orders: decimal commas and the second date format; anything else becomes null.
CREATE TEMP TABLE parsed_orders AS
SELECT * REPLACE (
    TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2)) AS amount,
    COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'),
             try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S')) AS ordered_at)
FROM read_parquet('${data}/orders.parquet');

-- The row checks on the parsed orders, in one scan.
SELECT
    CASE WHEN count(*) FILTER (WHERE order_id IS NULL OR customer_id IS NULL OR ordered_at IS NULL) > 0
         THEN error('orders_complete failed: order_id, customer_id, ordered_at not null') END AS orders_complete,
    CASE WHEN count(*) FILTER (WHERE amount IS NULL) > 0.03 * count(*)
         THEN error('amount_present failed: null fraction of amount > 0.03') END AS amount_present,
    CASE WHEN count(*) FILTER (WHERE status NOT IN ('completed', 'shipped', 'returned', 'cancelled', 'pending')) > 0
         THEN error('valid_status failed: status not in the accepted values') END AS valid_status,
    CASE WHEN count(*) FILTER (WHERE amount < 0 OR amount > 5000000) > 0
         THEN error('amount_in_range failed: amount outside [0, 5000000]') END AS amount_in_range
FROM parsed_orders;

-- order_ids_consistent: an order id names one order.
SELECT CASE WHEN count(*) > 0 THEN error('order_ids_consistent failed: an order id names more than one order') END
FROM (
    SELECT order_id FROM parsed_orders
    GROUP BY order_id
    HAVING count(DISTINCT (customer_id, product_id, ordered_at)) > 1
);

-- email_format (severity warn): measured, never stops the script.
SELECT count(*) FILTER (WHERE NOT regexp_matches(email, '^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$')) AS odd_emails
FROM read_parquet('${data}/customers.parquet')
WHERE email IS NOT NULL;

-- The cleaned orders with euros and categories, which both outputs are computed from.
CREATE TEMP TABLE orders_with_category AS
WITH unique_orders AS (
    -- keep the first row of each order id: earliest time, then every column as tie-break
    SELECT * FROM parsed_orders
    QUALIFY row_number() OVER (
        PARTITION BY order_id
        ORDER BY ordered_at, order_id, customer_id, product_id, ordered_at, quantity, unit_price,
                 discount, amount, currency, status, channel, coupon_code) = 1
),
clean_orders AS (
    SELECT * REPLACE (COALESCE(channel, 'unknown') AS channel)
    FROM unique_orders
    WHERE amount IS NOT NULL AND ordered_at IS NOT NULL AND status <> 'cancelled' AND amount >= 0
)
SELECT o.* REPLACE (CAST(round(o.amount / fx.per_eur, 2) AS DECIMAL(14, 2)) AS amount, 'EUR' AS currency),
       fx.per_eur,
       p.category
FROM clean_orders AS o
LEFT JOIN read_parquet('${data}/fx_rates.parquet') AS fx ON o.currency = fx.currency
LEFT JOIN (SELECT product_id, category FROM read_parquet('${data}/products.parquet')) AS p
       ON o.product_id = p.product_id;

DROP TABLE parsed_orders;

COPY (
    WITH order_sequence AS (
        SELECT *,
               row_number() OVER w AS order_seq,
               lag(ordered_at) OVER w AS prev_ordered_at
        FROM orders_with_category
        WINDOW w AS (PARTITION BY customer_id ORDER BY ordered_at, order_id)
    ),
    per_customer AS (
        SELECT customer_id,
               count(*) AS orders,
               sum(amount) AS revenue,
               avg(amount) AS avg_order_value,
               max(amount) AS max_order_value,
               max(ordered_at) AS last_order_at,
               count(DISTINCT category) AS distinct_categories,
               count(*) FILTER (WHERE status = 'returned') AS returns,
               avg(CASE WHEN channel = 'web' THEN 1.0 ELSE 0.0 END) AS web_share,
               avg(date_diff('second', prev_ordered_at, ordered_at)) / 86400.0 AS mean_days_between_orders
        FROM order_sequence
        GROUP BY customer_id
    )
    SELECT c.customer_id, c.country, c.signup_at, c.birth_year, c.segment, c.marketing_opt_in,
           COALESCE(a.orders, 0) AS orders,
           COALESCE(a.revenue, 0) AS revenue,
           a.avg_order_value, a.max_order_value, a.distinct_categories, a.returns, a.web_share,
           a.mean_days_between_orders,
           date_diff('day', c.signup_at, TIMESTAMP '2025-07-01 00:00:00') AS tenure_days,
           date_diff('day', a.last_order_at, TIMESTAMP '2025-07-01 00:00:00') AS days_since_last_order,
           CASE WHEN a.orders > 0 THEN a.returns / a.orders END AS return_rate
    FROM read_parquet('${data}/customers.parquet') AS c
    LEFT JOIN per_customer AS a ON c.customer_id = a.customer_id
    ORDER BY c.customer_id
) TO '${out}/customer_features.parquet' (FORMAT parquet, COMPRESSION zstd);

COPY (
    SELECT date_trunc('month', ordered_at)::DATE AS month, category, count(*) AS orders, sum(amount) AS revenue
    FROM orders_with_category
    GROUP BY ALL
    ORDER BY month, category
) TO '${out}/monthly_category_revenue.csv' (FORMAT csv, HEADER true);
