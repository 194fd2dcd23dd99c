"""The sample feature pipeline (sample_data/pipelines/customer_features.sluice.json) in Polars.

    python bench/pipeline_polars.py DATA_DIR OUT_DIR

Reads the Parquet inputs of bench/data.sh and writes the pipeline's two outputs into OUT_DIR:
customer_features.parquet (same columns and types as `sluice run`) and
monthly_category_revenue.csv. One lazy query per output, collected together so that Polars can
compute the cleaned orders they share once. Each step follows the SQL sluice compiles the node of the
same name to (`sluice sql SPEC NODE`). The pipeline's checks are not reimplemented.

Money is carried as decimals, as in DuckDB. Polars divides by a constant by multiplying with its
reciprocal, which can be one unit in the last place off the quotient SQL computes: the few
divisions by constants go through divide() to round once, as SQL does.
"""
import os
import sys
from datetime import datetime

import polars as pl

AS_OF = datetime(2025, 7, 1)
MIN_AMOUNT = 0
# deduplicate's ORDER BY within an order id: the earliest time first, then every other column
# breaks ties (sluice also lists order_id and ordered_at again, which cannot break a tie).
DEDUP_ORDER = ["ordered_at", "customer_id", "product_id", "quantity", "unit_price", "discount", "amount",
               "currency", "status", "channel", "coupon_code"]


def scan(data_dir, name):
    return pl.scan_parquet(os.path.join(data_dir, f"{name}.parquet"))


def divide(expr, constant):
    """expr / constant rounded once (not expr * (1 / constant), as Polars computes it)."""
    return expr.map_batches(lambda s: pl.Series(s.name, s.to_numpy() / constant, nan_to_null=True),
                            return_dtype=pl.Float64)


def round_cents(euros, precision):
    """CAST(round(x, 2) AS DECIMAL(precision, 2)): round(x * 100) with halves away from zero, as
    C's round() (and DuckDB) does, then the whole cents as an exact decimal."""
    whole = (euros * 100).round(0, mode="half_away_from_zero").cast(pl.Int64).cast(pl.Decimal(38, 0))
    return (whole * pl.lit(0.01).cast(pl.Decimal(3, 2))).cast(pl.Decimal(precision, 2))


def parse_amount(col):
    """TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2)); unreadable -> null.

    The generator writes plain numbers with two decimals, which this reads exactly. Text it never
    writes could differ: DuckDB rounds a third decimal half away from zero (Polars half to even)
    and reads padding spaces and digit separators ('1_000'), which give null here.
    """
    return pl.col(col).str.replace(",", ".", literal=True).cast(pl.Decimal(12, 2), strict=False)


def parse_time(col):
    """COALESCE(try_strptime(t, '%Y-%m-%d %H:%M:%S'), try_strptime(t, '%Y/%m/%d %H:%M:%S'))."""
    text = pl.col(col).str
    return pl.coalesce(text.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False),
                       text.strptime(pl.Datetime("us"), "%Y/%m/%d %H:%M:%S", strict=False))


def parsed_orders(orders):
    return orders.with_columns(amount=parse_amount("amount"), ordered_at=parse_time("ordered_at"))


def unique_orders(orders):
    """One row per order_id: the first in DEDUP_ORDER (nulls last), as the QUALIFY row_number() = 1.

    Only ids that occur more than once need sorting: the others are their own first row.
    """
    orders = orders.with_columns(repeated=pl.col("order_id").is_duplicated())
    firsts = (orders.filter(pl.col("repeated"))
              .sort(DEDUP_ORDER, nulls_last=True, maintain_order=True)
              .unique("order_id", keep="first", maintain_order=True))
    return pl.concat([orders.filter(~pl.col("repeated")), firsts]).drop("repeated")


def clean_orders(orders):
    # A null status fails `status <> 'cancelled'` in SQL and is dropped by filter() in Polars too.
    return orders.filter(pl.col("amount").is_not_null() & pl.col("ordered_at").is_not_null()
                         & (pl.col("status") != "cancelled") & (pl.col("amount") >= MIN_AMOUNT))


def orders_with_category(orders, fx_rates, products):
    """known_channel, orders_eur, amount_in_eur and the product join."""
    orders = orders.with_columns(pl.col("channel").fill_null("unknown"))
    orders = orders.join(fx_rates.select("currency", "per_eur"), on="currency", how="left", maintain_order="left")
    # CAST(round(amount / per_eur, 2) AS DECIMAL(14, 2)); amount / per_eur is a DOUBLE in DuckDB
    euros = pl.col("amount").cast(pl.Float64) / pl.col("per_eur")
    orders = orders.with_columns(amount=round_cents(euros, 14), currency=pl.lit("EUR"))
    return orders.join(products.select("product_id", "category"), on="product_id", how="left", maintain_order="left")


def order_sequence(orders):
    """row_number() and lag(ordered_at) per customer, ordered by (ordered_at, order_id)."""
    orders = orders.sort(["customer_id", "ordered_at", "order_id"], nulls_last=True)
    return orders.with_columns(
        order_seq=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("customer_id"),
        prev_ordered_at=pl.col("ordered_at").shift(1).over("customer_id"),
    )


def per_customer(orders):
    amount = pl.col("amount")
    return orders.group_by("customer_id").agg(
        orders=pl.len().cast(pl.Int64),
        # sum() of only nulls is null in SQL, 0 in Polars
        revenue=pl.when(amount.count() > 0).then(amount.sum()),
        # avg(DECIMAL) in DuckDB: the exact sum as a double, over the count
        avg_order_value=amount.sum().cast(pl.Float64) / amount.count(),
        max_order_value=amount.max(),
        first_order_at=pl.col("ordered_at").min(),
        last_order_at=pl.col("ordered_at").max(),
        distinct_categories=pl.col("category").drop_nulls().n_unique().cast(pl.Int64),
        returns=(pl.col("status") == "returned").sum().cast(pl.Int64),
        web_share=(pl.col("channel") == "web").cast(pl.Float64).mean(),
        mean_gap_seconds=(pl.col("ordered_at") - pl.col("prev_ordered_at")).dt.total_seconds().mean(),
    ).with_columns(mean_days_between_orders=divide(pl.col("mean_gap_seconds"), 86400.0)).drop("mean_gap_seconds")


def features(customers, per_customer):
    as_of_day = pl.lit(AS_OF.date())
    df = customers.join(per_customer, on="customer_id", how="left", maintain_order="left")
    df = df.with_columns(
        email=pl.col("email").str.strip_chars().str.to_lowercase(),
        orders=pl.col("orders").fill_null(0),
        revenue=pl.col("revenue").fill_null(0),
        # date_diff('day', a, b) counts midnights crossed: the difference of the calendar days.
        tenure_days=(as_of_day - pl.col("signup_at").dt.date()).dt.total_days(),
        days_since_last_order=(as_of_day - pl.col("last_order_at").dt.date()).dt.total_days(),
        # uses the orders of the join (null without orders), before fill_null
        return_rate=pl.when(pl.col("orders") > 0).then(pl.col("returns") / pl.col("orders")),
    )
    return df.drop("name", "email", "city", "first_order_at", "last_order_at").sort("customer_id", nulls_last=True)


def monthly_category_revenue(orders):
    amount = pl.col("amount")
    return (orders.group_by(month=pl.col("ordered_at").dt.truncate("1mo").dt.date(), category=pl.col("category"))
            .agg(orders=pl.len().cast(pl.Int64), revenue=pl.when(amount.count() > 0).then(amount.sum()))
            .sort(["month", "category"], nulls_last=True))


def main(data_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    orders = unique_orders(parsed_orders(scan(data_dir, "orders")))
    orders = orders_with_category(clean_orders(orders), scan(data_dir, "fx_rates"), scan(data_dir, "products"))
    customer_rows = features(scan(data_dir, "customers"), per_customer(order_sequence(orders)))
    feature_rows, monthly = pl.collect_all([customer_rows, monthly_category_revenue(orders)])
    feature_rows.write_parquet(os.path.join(out_dir, "customer_features.parquet"), compression="zstd")
    monthly.write_csv(os.path.join(out_dir, "monthly_category_revenue.csv"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
