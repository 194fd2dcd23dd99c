"""The sample feature pipeline (sample_data/pipelines/customer_features.sluice.json) in pandas.

    python bench/pipeline_pandas.py DATA_DIR OUT_DIR

Reads the Parquet inputs of bench/data.sh and writes the pipeline's two outputs into OUT_DIR:
customer_features.parquet (same columns and types as `sluice run`) and
monthly_category_revenue.csv. Each step follows the SQL sluice compiles the node of the same
name to (`sluice sql SPEC NODE`). The pipeline's checks are not reimplemented.

Money is carried as whole cents in float64 (NaN = null): exact, like DuckDB's DECIMAL, for any
sum below 2^53 cents, and turned into Arrow decimals only when written.
"""
import os
import sys
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

AS_OF = pd.Timestamp("2025-07-01 00:00:00")
MIN_AMOUNT = 0
# deduplicate's ORDER BY within an order id: the earliest time first, then every other column
# breaks ties (sluice also lists order_id and ordered_at again, which cannot break a tie).
DEDUP_ORDER = ["ordered_at", "customer_id", "product_id", "quantity", "unit_price", "discount", "amount",
               "currency", "status", "channel", "coupon_code"]


def read(data_dir, name):
    return pd.read_parquet(os.path.join(data_dir, f"{name}.parquet"))


def round_half_away(x):
    """C's round() (DuckDB's round on doubles): halves go away from zero, not to even as np.round."""
    whole = np.trunc(x)
    return whole + np.where(np.abs(x - whole) >= 0.5, np.sign(x), 0.0)


def parse_amount_cents(text):
    """TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2)) as float cents; unreadable -> NaN.

    The generator writes plain numbers with two decimals, which this keeps exactly. Text it never
    writes could differ: DuckDB rounds a third decimal half away from zero (here the binary
    float is rounded: 12.345 gives 12.34) and reads digit separators ('1_000'), null here.
    """
    value = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    cents = round_half_away(value.to_numpy(dtype="float64") * 100)
    # DECIMAL(12, 2) holds less than 10^10: larger values (and infinities) do not cast.
    cents[~(np.abs(cents) < 1e12)] = np.nan
    return cents


def parse_time(text):
    """COALESCE(try_strptime(t, '%Y-%m-%d %H:%M:%S'), try_strptime(t, '%Y/%m/%d %H:%M:%S'))."""
    first = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    missing = first.isna() & text.notna()
    second = pd.to_datetime(text[missing], format="%Y/%m/%d %H:%M:%S", errors="coerce")
    return first.fillna(second).astype("datetime64[us]")


def parsed_orders(orders):
    return orders.assign(amount=parse_amount_cents(orders["amount"]), ordered_at=parse_time(orders["ordered_at"]))


def unique_orders(orders):
    """One row per order_id: the first in DEDUP_ORDER (nulls last), as the QUALIFY row_number() = 1.

    Only ids that occur more than once need sorting: the others are their own first row.
    """
    repeated = orders["order_id"].duplicated(keep=False)
    firsts = (orders[repeated]
              .sort_values(DEDUP_ORDER, na_position="last", kind="stable")
              .drop_duplicates("order_id", keep="first"))
    return pd.concat([orders[~repeated], firsts], ignore_index=True)


def clean_orders(orders):
    # In SQL `status <> 'cancelled'` is null, so false, for a null status: pandas needs it said.
    keep = (orders["amount"].notna() & orders["ordered_at"].notna() & orders["status"].notna()
            & (orders["status"] != "cancelled") & (orders["amount"] >= MIN_AMOUNT * 100))
    return orders[keep]


def orders_with_category(orders, fx_rates, products):
    """known_channel, orders_eur, amount_in_eur and the product join."""
    orders = orders.assign(channel=orders["channel"].fillna("unknown"))
    orders = orders.merge(fx_rates[["currency", "per_eur"]], how="left", on="currency")
    # CAST(round(amount / per_eur, 2) AS DECIMAL(14, 2)), in cents: round(x * 100) as DuckDB does.
    euros = (orders["amount"].to_numpy() / 100) / orders["per_eur"].to_numpy()
    orders = orders.assign(amount=round_half_away(euros * 100), currency="EUR")
    return orders.merge(products[["product_id", "category"]], how="left", on="product_id")


def order_sequence(orders):
    """row_number() and lag(ordered_at) per customer, ordered by (ordered_at, order_id)."""
    orders = orders.sort_values(["customer_id", "ordered_at", "order_id"], na_position="last", kind="stable")
    by_customer = orders.groupby("customer_id", sort=False, dropna=False)
    return orders.assign(order_seq=by_customer.cumcount() + 1, prev_ordered_at=by_customer["ordered_at"].shift())


def per_customer(orders):
    orders = orders.assign(
        is_return=(orders["status"] == "returned").astype("int64"),
        is_web=(orders["channel"] == "web").astype("float64"),
        gap_seconds=(orders["ordered_at"] - orders["prev_ordered_at"]).dt.total_seconds(),
    )
    g = orders.groupby("customer_id", dropna=False)
    out = g.agg(
        orders=("order_id", "size"),
        amount_count=("amount", "count"),
        max_order_value=("amount", "max"),
        first_order_at=("ordered_at", "min"),
        last_order_at=("ordered_at", "max"),
        distinct_categories=("category", "nunique"),
        returns=("is_return", "sum"),
        web_share=("is_web", "mean"),
        mean_gap_seconds=("gap_seconds", "mean"),
    )
    # sum() of only nulls is null in SQL; pandas gives 0 unless min_count says otherwise.
    out["revenue"] = g["amount"].sum(min_count=1)
    # avg(DECIMAL) in DuckDB: the exact sum as a double, over the count
    out["avg_order_value"] = (out["revenue"] / 100) / out.pop("amount_count")
    out["mean_days_between_orders"] = out.pop("mean_gap_seconds") / 86400.0
    return out.reset_index()


def features(customers, per_customer):
    df = customers.merge(per_customer, how="left", on="customer_id")
    as_of_day = AS_OF.normalize()
    # date_diff('day', a, b) counts midnights crossed: the difference of the calendar days.
    tenure = (as_of_day - df["signup_at"].dt.normalize()).dt.days
    since_last = (as_of_day - df["last_order_at"].dt.normalize()).dt.days
    return df.assign(
        email=df["email"].str.strip().str.lower(),
        tenure_days=tenure,
        days_since_last_order=since_last,
        # uses the orders of the join (null without orders), before COALESCE
        return_rate=np.where(df["orders"] > 0, df["returns"] / df["orders"], np.nan),
        orders=df["orders"].fillna(0).astype("int64"),
        revenue=df["revenue"].fillna(0),
    )


def cents_to_decimal(cents, precision):
    """Float cents (NaN = null) as an exact Arrow decimal128(precision, 2) column."""
    whole = pa.array(cents, mask=np.isnan(cents)).cast(pa.int64())  # refuses non-whole cents
    scaled = pc.multiply(whole.cast(pa.decimal128(19, 0)), pa.scalar(Decimal("0.01"), pa.decimal128(3, 2)))
    return scaled.cast(pa.decimal128(precision, 2))


def nullable_int64(series):
    """A float column of whole numbers (NaN = null) as Arrow int64 with nulls, as DuckDB's BIGINT."""
    return pa.array(series.to_numpy(dtype="float64"), mask=series.isna().to_numpy()).cast(pa.int64())


def write_features(df, path):
    df = df.sort_values("customer_id", na_position="last", kind="stable")
    columns = {
        "customer_id": pa.array(df["customer_id"].to_numpy(), pa.int64()),
        "country": pa.array(df["country"], pa.string()),
        "signup_at": pa.array(df["signup_at"].astype("datetime64[us]"), pa.timestamp("us")),
        "birth_year": nullable_int64(df["birth_year"]),
        "segment": pa.array(df["segment"], pa.string()),
        "marketing_opt_in": pa.array(df["marketing_opt_in"], pa.bool_()),
        "orders": pa.array(df["orders"].to_numpy(), pa.int64()),
        # sum() of DECIMAL(14, 2) is DECIMAL(38, 2) in DuckDB; max() keeps DECIMAL(14, 2)
        "revenue": cents_to_decimal(df["revenue"].to_numpy(dtype="float64"), 38),
        "avg_order_value": pa.array(df["avg_order_value"], pa.float64()),
        "max_order_value": cents_to_decimal(df["max_order_value"].to_numpy(dtype="float64"), 14),
        "distinct_categories": nullable_int64(df["distinct_categories"]),
        "returns": nullable_int64(df["returns"]),
        "web_share": pa.array(df["web_share"], pa.float64()),
        "mean_days_between_orders": pa.array(df["mean_days_between_orders"], pa.float64()),
        "tenure_days": nullable_int64(df["tenure_days"]),
        "days_since_last_order": nullable_int64(df["days_since_last_order"]),
        "return_rate": pa.array(df["return_rate"], pa.float64()),
    }
    pq.write_table(pa.table(columns), path, compression="zstd")


def cents_text(cents):
    """Exact two-decimal text of whole cents, as DuckDB writes a DECIMAL(38, 2); '' for null."""
    if np.isnan(cents):
        return ""
    c = int(cents)
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def monthly_category_revenue(orders, path):
    month = orders["ordered_at"].to_numpy().astype("datetime64[M]").astype("datetime64[D]")
    g = orders.assign(month=month).groupby(["month", "category"], dropna=False)
    out = g.size().rename("orders").to_frame()
    out["revenue"] = g["amount"].sum(min_count=1)
    out = out.reset_index().sort_values(["month", "category"], na_position="last")
    out["month"] = out["month"].dt.strftime("%Y-%m-%d")
    out["revenue"] = [cents_text(c) for c in out["revenue"].to_numpy(dtype="float64")]
    out.to_csv(path, index=False, lineterminator="\n")


def main(data_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    orders = unique_orders(parsed_orders(read(data_dir, "orders")))
    orders = orders_with_category(clean_orders(orders), read(data_dir, "fx_rates"), read(data_dir, "products"))
    customer = per_customer(order_sequence(orders))
    feature_rows = features(read(data_dir, "customers"), customer)
    write_features(feature_rows, os.path.join(out_dir, "customer_features.parquet"))
    monthly_category_revenue(orders, os.path.join(out_dir, "monthly_category_revenue.csv"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
