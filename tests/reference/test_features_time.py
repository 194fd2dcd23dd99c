"""Time features on the sample orders and customers, recomputed with pandas from the same files.

The orders are read as the sample pipeline reads them (amount, ordered_at and coupon_code as
text, "" and "N/A" null) and ordered_at is parsed from either of its two formats. The spec computes,
and the tests compare (floats to rel 1e-9):

- `datetime_features` of ordered_at with pandas' `.dt` accessors (`hour`, `minute`, `day_of_week`
  with Monday = 0, `day`, `day_of_year`, `isocalendar().week`, `month`, `quarter`, `year`,
  weekend = day_of_week >= 5), sin/cos of 2π·v/period with NumPy (hour/24, day_of_week/7,
  (month − 1)/12, (day − 1)/days_in_month), and the age at `as_of` in days,
  `(as_of − ordered_at).dt.total_seconds() / 86400`.
- `rolling` per customer over 7 and 30 days of unit_price (count, sum, mean, min, max, stddev),
  quantity (sum) and product_id (count_distinct) with
  `groupby("customer_id").rolling("7D", on="ordered_at", closed="right")` on the orders sorted by
  customer and time, and with `closed="left"` for `exclude_current`. pandas has no rolling distinct
  count: it is counted here over the same windows with `searchsorted`.
  Documented differences: orders of a customer sharing a time (the 311 exact duplicate rows among
  them) all get the value pandas gives the last of them, since pandas' right-closed window at a
  shared time holds only the rows before in row order; an empty window (closed="left") counts 0
  rows where pandas gives NaN.
- `lag` (previous unit_price, and days since the previous order) with `groupby(...).shift(1)` and
  `groupby(...)["ordered_at"].diff()` on the orders sorted by customer, time and order_id.
- `point_in_time_join` with `pandas.merge_asof(direction="backward", by="customer_id")`: customers
  as the spine, each at a label time spread over the order period, against the orders with
  `tolerance=30 days`; and every order against the orders with `allow_exact_matches=False` (the
  customer's previous order, never itself). Feature rows sharing a customer and time go to the
  largest order_id, as merge_asof takes the last row of features sorted by time and order_id.

The leakage tests plant orders with a unit price of 10¹² at the time of an existing order of 200
customers and check that no window ending before that time, no window with `exclude_current` at
that time, and no point-in-time match of an earlier spine row or (strictly) of that time sees them.
"""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import run_json

NULLS = ["", "N/A"]
AS_OF = "2025-07-01 00:00:00"
WINDOWS = {"7d": "7 days", "30d": "30 days"}
REL = 1e-9
PLANTED_PRICE = 1e12


def read_orders(path) -> pd.DataFrame:
    """The orders as the spec reads and parses them."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=NULLS)
    for c in ("order_id", "customer_id", "product_id", "quantity"):
        df[c] = pd.to_numeric(df[c]).astype("Int64")
    df["unit_price"] = pd.to_numeric(df["unit_price"])
    t = df["ordered_at"]
    df["ordered_at"] = pd.to_datetime(t, format="%Y-%m-%d %H:%M:%S", errors="coerce").fillna(
        pd.to_datetime(t, format="%Y/%m/%d %H:%M:%S", errors="coerce")
    ).astype("datetime64[us]")
    return df


def orders_source(path) -> dict:
    return {
        "kind": "read_csv",
        "params": {"path": str(path), "types": {"amount": "VARCHAR", "ordered_at": "VARCHAR", "coupon_code": "VARCHAR"}, "nulls": NULLS},
    }


PARSE = {
    "kind": "derive",
    "params": {
        "columns": {
            "ordered_at": "COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'), try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S'))"
        }
    },
}

ROLLING = {
    "partition_by": ["customer_id"],
    "time_column": "ordered_at",
    "windows": list(WINDOWS.values()),
    "aggregates": {
        "unit_price": ["count", "sum", "mean", "min", "max", "stddev"],
        "quantity": ["sum"],
        "product_id": ["count_distinct"],
    },
    "row_count": True,
}


def sink(node: str, out, order_by: list[str]) -> dict:
    return {
        "id": f"write_{node}",
        "kind": "write_parquet",
        "inputs": {"input": node},
        "params": {"path": str(out / f"{node}.parquet"), "order_by": [{"column": c} for c in order_by]},
    }


def run_spec(d, name: str, nodes: list[dict]) -> None:
    spec = {"version": 1, "name": name, "params": {"as_of": {"type": "string", "default": AS_OF}}, "nodes": nodes}
    path = d / f"{name}.sluice.json"
    path.write_text(json.dumps(spec, indent=2))
    code, events = run_json(path)
    assert code == 0, json.dumps(events)[-3000:]


def label_times(customers: pd.DataFrame) -> pd.Series:
    return pd.Timestamp("2024-02-01") + pd.to_timedelta((customers["customer_id"] * 7919) % 43_200_000, unit="s")


@pytest.fixture(scope="module")
def run(sample, tmp_path_factory):
    d = tmp_path_factory.mktemp("features_time")
    out = d / "out"
    nodes = [
        {"id": "orders", **orders_source(sample / "orders.csv.gz")},
        {"id": "parsed", "inputs": {"input": "orders"}, **PARSE},
        {"id": "customers", "kind": "read_csv", "params": {"path": str(sample / "customers.csv")}},
        {
            "id": "spine",
            "kind": "derive",
            "inputs": {"input": "customers"},
            "params": {"columns": {"label_time": "TIMESTAMP '2024-02-01 00:00:00' + to_seconds(CAST((customer_id * 7919) % 43200000 AS BIGINT))"}},
        },
        {
            "id": "dt",
            "kind": "datetime_features",
            "inputs": {"input": "parsed"},
            "params": {
                "column": "ordered_at",
                "parts": ["hour", "minute", "day_of_week", "day_of_month", "day_of_year", "week_of_year", "month", "quarter", "year", "is_weekend"],
                "cyclical": ["hour", "day_of_week", "month", "day_of_month"],
                "since": [{"time": "${as_of}", "until": True, "name": "age_days"}],
                "prefix": "",
            },
        },
        {"id": "roll", "kind": "rolling", "inputs": {"input": "parsed"}, "params": ROLLING},
        {"id": "roll_excl", "kind": "rolling", "inputs": {"input": "parsed"}, "params": {**ROLLING, "exclude_current": True}},
        {
            "id": "lags",
            "kind": "lag",
            "inputs": {"input": "parsed"},
            "params": {
                "partition_by": ["customer_id"],
                "time_column": "ordered_at",
                "tie_breaker": ["order_id"],
                "lags": {"unit_price": [1]},
                "time_since_previous": "days",
            },
        },
        {
            "id": "pit",
            "kind": "point_in_time_join",
            "inputs": {"spine": "spine", "features": "parsed"},
            "params": {
                "by": ["customer_id"],
                "spine_time": "label_time",
                "features_time": "ordered_at",
                "columns": ["order_id", "ordered_at", "unit_price", "quantity"],
                "max_age": "30 days",
                "tie_breaker": ["order_id"],
                "prefix": "last_",
            },
        },
        {
            "id": "pit_prev",
            "kind": "point_in_time_join",
            "inputs": {"spine": "parsed", "features": "parsed"},
            "params": {
                "by": ["customer_id"],
                "spine_time": "ordered_at",
                "features_time": "ordered_at",
                "columns": ["order_id", "ordered_at", "unit_price"],
                "allow_exact_matches": False,
                "tie_breaker": ["order_id"],
                "prefix": "prev_",
            },
        },
    ]
    for n in ("dt", "roll", "roll_excl", "lags", "pit_prev"):
        nodes.append(sink(n, out, ["order_id"]))
    nodes.append(sink("pit", out, ["customer_id"]))
    run_spec(d, "features_time", nodes)
    return {n: pd.read_parquet(out / f"{n}.parquet") for n in ("dt", "roll", "roll_excl", "lags", "pit", "pit_prev")}


@pytest.fixture(scope="module")
def orders(sample) -> pd.DataFrame:
    df = read_orders(sample / "orders.csv.gz")
    assert df["ordered_at"].notna().all() and df["customer_id"].notna().all()
    return df


def close(got, want, what, rel=REL, abs_=0.0):
    """Element-wise comparison of two float columns, nulls in the same places."""
    got = np.asarray(pd.to_numeric(pd.Series(got), errors="raise").astype("float64"))
    want = np.asarray(pd.to_numeric(pd.Series(want), errors="raise").astype("float64"))
    assert got.shape == want.shape, what
    assert (np.isnan(got) == np.isnan(want)).all(), f"{what}: nulls differ at {np.flatnonzero(np.isnan(got) != np.isnan(want))[:10]}"
    m = ~np.isnan(want)
    bad = ~np.isclose(got[m], want[m], rtol=rel, atol=abs_)
    assert not bad.any(), f"{what}: {bad.sum()} values differ, e.g. got {got[m][bad][:5]} want {want[m][bad][:5]}"


# ---------------------------------------------------------------------------------------------
# datetime_features


def test_datetime_parts_cyclical_and_age(run, orders):
    got = run["dt"].sort_values("order_id", kind="stable").reset_index(drop=True)
    want = orders.sort_values("order_id", kind="stable").reset_index(drop=True)
    assert len(got) == len(want) == 100_311
    assert (got["order_id"].to_numpy() == want["order_id"].to_numpy()).all()
    t = want["ordered_at"].dt
    parts = {
        "hour": t.hour,
        "minute": t.minute,
        "day_of_week": t.day_of_week,
        "day_of_month": t.day,
        "day_of_year": t.day_of_year,
        "week_of_year": t.isocalendar().week,
        "month": t.month,
        "quarter": t.quarter,
        "year": t.year,
    }
    for name, v in parts.items():
        assert (got[name].to_numpy() == v.to_numpy().astype("int64")).all(), name
    assert (got["is_weekend"].to_numpy() == (t.day_of_week >= 5).to_numpy()).all()
    cyc = {
        "hour": 2 * np.pi * t.hour / 24,
        "day_of_week": 2 * np.pi * t.day_of_week / 7,
        "month": 2 * np.pi * (t.month - 1) / 12,
        "day_of_month": 2 * np.pi * (t.day - 1) / t.days_in_month,
    }
    for name, angle in cyc.items():
        # sin(π) and the like are ~1e-16, not 0: an absolute tolerance for values near zero.
        close(got[f"{name}_sin"], np.sin(angle), f"{name}_sin", abs_=1e-12)
        close(got[f"{name}_cos"], np.cos(angle), f"{name}_cos", abs_=1e-12)
    close(got["age_days"], (pd.Timestamp(AS_OF) - want["ordered_at"]).dt.total_seconds() / 86400, "age_days")


# ---------------------------------------------------------------------------------------------
# rolling


def pandas_rolling(orders: pd.DataFrame, closed: str, std: bool = True) -> pd.DataFrame:
    """The reference features of every order, by order_id (duplicate rows share their features)."""
    o = orders.sort_values(["customer_id", "ordered_at", "order_id"], kind="stable").reset_index(drop=True)
    res = pd.DataFrame({"order_id": o["order_id"], "customer_id": o["customer_id"], "ordered_at": o["ordered_at"]})
    g = o.groupby("customer_id", sort=False)
    for sfx, length in WINDOWS.items():
        offset = length.split()[0] + "D"
        roll = g[["ordered_at", "order_id", "unit_price", "quantity"]].rolling(offset, on="ordered_at", closed=closed)
        count, total, mean = roll.count(), roll.sum(), roll.mean()
        lo_, hi_, sd = roll.min(), roll.max(), roll.std()
        # groupby-rolling returns the groups in order of appearance (o is sorted by customer), each
        # in its rows' order, indexed by customer and row.
        for r in (count, total, mean, lo_, hi_, sd):
            assert (r.index.get_level_values(0) == o["customer_id"]).all() and (r["ordered_at"].to_numpy() == o["ordered_at"].to_numpy()).all()
        feats = {
            f"count_{sfx}": count["order_id"],
            f"count_unit_price_{sfx}": count["unit_price"],
            f"sum_unit_price_{sfx}": total["unit_price"],
            f"mean_unit_price_{sfx}": mean["unit_price"],
            f"min_unit_price_{sfx}": lo_["unit_price"],
            f"max_unit_price_{sfx}": hi_["unit_price"],
            f"stddev_unit_price_{sfx}": sd["unit_price"],
            f"sum_quantity_{sfx}": total["quantity"],
        }
        for name, v in feats.items():
            res[name] = v.to_numpy(dtype="float64", na_value=np.nan)
        for name in (f"count_{sfx}", f"count_unit_price_{sfx}"):
            res[name] = res[name].fillna(0)  # pandas: NaN for an empty window
        # Distinct products, and a two-pass standard deviation, per window: each window's rows
        # found by binary search over the customer's sorted times.
        span = np.timedelta64(pd.Timedelta(length).value // 1000, "us")
        distinct = np.zeros(len(o), dtype="int64")
        sd2 = np.full(len(o), np.nan)
        all_ts, all_prods, all_prices = (o[c].to_numpy() for c in ("ordered_at", "product_id", "unit_price"))
        for idx in g.indices.values():
            ts, prods, prices = all_ts[idx], all_prods[idx], all_prices[idx]
            if closed == "right":
                lo, hi = np.searchsorted(ts, ts - span, side="right"), np.searchsorted(ts, ts, side="right")
            else:
                lo, hi = np.searchsorted(ts, ts - span, side="left"), np.searchsorted(ts, ts, side="left")
            distinct[idx] = [len(set(prods[a:b])) for a, b in zip(lo, hi)]
            for i, a, b in zip(idx, lo, hi):
                if std and b - a >= 2:
                    x = prices[a:b][~np.isnan(prices[a:b])]
                    if len(x) >= 2:
                        sd2[i] = np.std(x, ddof=1)
        res[f"count_distinct_product_id_{sfx}"] = distinct
        res[f"stddev2_unit_price_{sfx}"] = sd2
    # Rows of a customer sharing a time: every one gets the value of the last of them.
    last = res.groupby(["customer_id", "ordered_at"], sort=False).tail(1).set_index(["customer_id", "ordered_at"])
    cols = [c for c in res.columns if c not in ("order_id", "customer_id", "ordered_at")]
    res[cols] = last.loc[pd.MultiIndex.from_frame(res[["customer_id", "ordered_at"]]), cols].to_numpy()
    return res.drop_duplicates("order_id").set_index("order_id").sort_index()


def by_order(df: pd.DataFrame) -> pd.DataFrame:
    """One row per order_id; duplicate rows of an order must have equal features."""
    first = df.drop_duplicates("order_id").set_index("order_id").sort_index()
    assert len(df.drop_duplicates()) == len(first), "duplicate rows of an order got different features"
    return first


def compare_rolling(got: pd.DataFrame, want: pd.DataFrame, node: str, sums: bool = True) -> None:
    got = by_order(got)
    assert (got.index == want.index).all()
    for sfx in WINDOWS:
        for c in ("count", "count_unit_price", "count_distinct_product_id"):
            name = f"{c}_{sfx}"
            assert got[name].dtype == "int64", name
            bad = got[name].to_numpy() != want[name].to_numpy().astype("int64")
            assert not bad.any(), f"{node}.{name}: {bad.sum()} differ, e.g. orders {list(got.index[bad][:5])}"
        for c in ("min_unit_price", "max_unit_price"):
            close(got[f"{c}_{sfx}"], want[f"{c}_{sfx}"], f"{node}.{c}_{sfx}", rel=0)
        if not sums:
            continue
        for c in ("sum_unit_price", "mean_unit_price", "sum_quantity"):
            close(got[f"{c}_{sfx}"], want[f"{c}_{sfx}"], f"{node}.{c}_{sfx}")
        # pandas' running variance leaves up to ~1e-4 where every price in the window is equal
        # (0 here): compared to pandas to 1e-4, and to NumPy's two-pass std to 1e-9.
        close(got[f"stddev_unit_price_{sfx}"], want[f"stddev_unit_price_{sfx}"], f"{node}.stddev_{sfx}", abs_=1e-4)
        close(got[f"stddev_unit_price_{sfx}"], want[f"stddev2_unit_price_{sfx}"], f"{node}.stddev_{sfx}", abs_=1e-12)


@pytest.mark.parametrize("node,closed", [("roll", "right"), ("roll_excl", "left")])
def test_rolling_matches_pandas(run, orders, node, closed):
    got = run[node]
    assert len(got) == len(orders)
    assert list(got.columns[: len(orders.columns)]) == list(orders.columns)
    compare_rolling(got, pandas_rolling(orders, closed), node)


# ---------------------------------------------------------------------------------------------
# lag


def test_lag_and_days_since_previous(run, orders):
    o = orders.sort_values(["customer_id", "ordered_at", "order_id"], kind="stable").reset_index(drop=True)
    g = o.groupby("customer_id", sort=False)
    want = pd.DataFrame(
        {
            "order_id": o["order_id"].astype("int64"),
            "unit_price_lag_1": g["unit_price"].shift(1),
            "days_since_previous": g["ordered_at"].diff().dt.total_seconds() / 86400,
        }
    )
    got = run["lags"][["order_id", "unit_price_lag_1", "days_since_previous"]]
    # Duplicate rows of an order differ only in which of them comes first: sort both alike.
    key = ["order_id", "days_since_previous", "unit_price_lag_1"]
    want = want.sort_values(key, na_position="first", kind="stable").reset_index(drop=True)
    got = got.sort_values(key, na_position="first", kind="stable").reset_index(drop=True)
    assert (got["order_id"].to_numpy() == want["order_id"].to_numpy()).all()
    close(got["unit_price_lag_1"], want["unit_price_lag_1"], "unit_price_lag_1")
    close(got["days_since_previous"], want["days_since_previous"], "days_since_previous")


# ---------------------------------------------------------------------------------------------
# point_in_time_join


def test_point_in_time_join_customers_spine(run, orders, sample):
    customers = pd.read_csv(sample / "customers.csv", dtype=str, keep_default_na=False)
    spine = pd.DataFrame({"customer_id": customers["customer_id"].astype("int64")})
    spine["label_time"] = label_times(spine).astype("datetime64[us]")
    feats = orders[["customer_id", "ordered_at", "order_id", "unit_price", "quantity"]].copy()
    feats["customer_id"] = feats["customer_id"].astype("int64")
    feats = feats.sort_values(["ordered_at", "order_id"], kind="stable")
    feats["last_ordered_at"] = feats["ordered_at"]
    want = pd.merge_asof(
        spine.sort_values("label_time"),
        feats.rename(columns={"order_id": "last_order_id", "unit_price": "last_unit_price", "quantity": "last_quantity"}),
        left_on="label_time",
        right_on="ordered_at",
        by="customer_id",
        direction="backward",
        tolerance=pd.Timedelta("30D"),
    ).set_index("customer_id").sort_index()
    got = run["pit"]
    assert len(got) == len(customers)
    assert list(got.columns) == list(customers.columns) + ["label_time", "last_order_id", "last_ordered_at", "last_unit_price", "last_quantity"]
    got = got.set_index("customer_id").sort_index()
    assert (got.index == want.index).all()
    assert (got["label_time"].to_numpy() == want["label_time"].to_numpy()).all()
    matched = want["last_order_id"].notna().to_numpy()
    assert 500 < matched.sum() < len(want), "the spine should have matches and misses"
    assert (got["last_order_id"].notna().to_numpy() == matched).all()
    assert (got["last_order_id"].to_numpy()[matched].astype("int64") == want["last_order_id"].to_numpy()[matched].astype("int64")).all()
    assert (got["last_ordered_at"].to_numpy()[matched] == want["last_ordered_at"].to_numpy()[matched]).all()
    close(got["last_unit_price"], want["last_unit_price"], "last_unit_price")
    close(got["last_quantity"], want["last_quantity"], "last_quantity")
    # Never a later order, never one older than 30 days.
    age = got["label_time"] - got["last_ordered_at"]
    assert ((age >= pd.Timedelta(0)) & (age <= pd.Timedelta("30D"))).to_numpy()[matched].all()


def test_point_in_time_join_previous_order_strictly_before(run, orders):
    o = orders.copy()
    o["customer_id"] = o["customer_id"].astype("int64")
    feats = o[["customer_id", "ordered_at", "order_id", "unit_price"]].sort_values(["ordered_at", "order_id"], kind="stable")
    feats = feats.rename(columns={"order_id": "prev_order_id", "unit_price": "prev_unit_price"})
    feats["prev_ordered_at"] = feats["ordered_at"]
    want = pd.merge_asof(
        o[["order_id", "customer_id", "ordered_at"]].sort_values("ordered_at", kind="stable"),
        feats,
        on="ordered_at",
        by="customer_id",
        direction="backward",
        allow_exact_matches=False,
    )
    got = run["pit_prev"]
    assert len(got) == len(o)
    assert (got["prev_ordered_at"].isna() | (got["prev_ordered_at"] < got["ordered_at"])).all()
    got, want = by_order(got), by_order(want)
    assert (got.index == want.index).all()
    m = want["prev_order_id"].notna().to_numpy()
    assert m.sum() > 50_000, "most orders have an earlier one"
    assert (got["prev_order_id"].notna().to_numpy() == m).all()
    assert (got["prev_order_id"].to_numpy()[m].astype("int64") == want["prev_order_id"].to_numpy()[m].astype("int64")).all()
    close(got["prev_unit_price"], want["prev_unit_price"], "prev_unit_price")


# ---------------------------------------------------------------------------------------------
# Leakage: planted future rows


@pytest.fixture(scope="module")
def planted(sample, orders, tmp_path_factory):
    """The orders plus, for 200 customers with at least 5 orders, one order with a unit price of
    10^12 at the time of the customer's third order (so an existing order shares its time), and
    orders exactly 7 and 30 days before that time (on a window's open left end)."""
    d = tmp_path_factory.mktemp("leakage")
    o = orders.drop_duplicates("order_id")
    counts = o.groupby("customer_id").size()
    chosen = counts[counts >= 5].index[:200]
    third = o[o["customer_id"].isin(chosen)].sort_values(["customer_id", "ordered_at", "order_id"]).groupby("customer_id").nth(2)
    plants = third[["customer_id", "ordered_at"]].copy()
    plants["order_id"] = 10_000_000 + np.arange(len(plants))
    plants["unit_price"] = PLANTED_PRICE
    plants["product_id"] = 0
    plants["quantity"] = 1
    edges = []
    for i, length in enumerate(WINDOWS.values()):
        e = third[["customer_id", "ordered_at"]].copy()
        e["ordered_at"] = e["ordered_at"] - pd.Timedelta(length)
        e["order_id"] = 20_000_000 + 1_000 * i + np.arange(len(e))
        e["unit_price"] = 1.25 + i
        e["product_id"] = 1
        e["quantity"] = 2
        edges.append(e)
    cols = ["order_id", "customer_id", "product_id", "ordered_at", "quantity", "unit_price"]
    data = pd.concat([o[cols], plants[cols], *(e[cols] for e in edges)], ignore_index=True)
    text = data.assign(ordered_at=data["ordered_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    text.to_csv(d / "planted.csv", index=False)
    out = d / "out"
    nodes = [
        {"id": "orders", "kind": "read_csv", "params": {"path": str(d / "planted.csv"), "types": {"ordered_at": "TIMESTAMP"}}},
        {"id": "roll", "kind": "rolling", "inputs": {"input": "orders"}, "params": ROLLING},
        {"id": "roll_excl", "kind": "rolling", "inputs": {"input": "orders"}, "params": {**ROLLING, "exclude_current": True}},
        {
            "id": "pit",
            "kind": "point_in_time_join",
            "inputs": {"spine": "orders", "features": "orders"},
            "params": {
                "by": ["customer_id"],
                "spine_time": "ordered_at",
                "features_time": "ordered_at",
                "columns": ["unit_price"],
                "prefix": "f_",
                "tie_breaker": ["order_id"],
            },
        },
        {
            "id": "pit_strict",
            "kind": "point_in_time_join",
            "inputs": {"spine": "orders", "features": "orders"},
            "params": {
                "by": ["customer_id"],
                "spine_time": "ordered_at",
                "features_time": "ordered_at",
                "columns": ["unit_price"],
                "prefix": "f_",
                "tie_breaker": ["order_id"],
                "allow_exact_matches": False,
            },
        },
    ]
    for n in ("roll", "roll_excl", "pit", "pit_strict"):
        nodes.append(sink(n, out, ["order_id"]))
    run_spec(d, "leakage", nodes)
    got = {n: pd.read_parquet(out / f"{n}.parquet") for n in ("roll", "roll_excl", "pit", "pit_strict")}
    return plants.set_index("customer_id")["ordered_at"], got, data


def when(df: pd.DataFrame, plant_time: pd.Series) -> pd.Series:
    """For rows of planted customers: the row's time relative to the plant (-1 before, 0 at, 1 after); NaN elsewhere."""
    t0 = df["customer_id"].map(plant_time)
    return np.sign((df["ordered_at"] - t0).dt.total_seconds())


def test_rolling_never_sees_a_later_row(planted):
    plant_time, got, _ = planted
    for node in ("roll", "roll_excl"):
        df = got[node]
        rel = when(df, plant_time)
        for sfx in WINDOWS:
            saw = df[f"max_unit_price_{sfx}"] >= PLANTED_PRICE
            assert not saw[rel == -1].any(), f"{node}: a row before the planted one saw it ({sfx})"
            assert (df[f"sum_unit_price_{sfx}"][rel == -1].fillna(0) < PLANTED_PRICE).all()
            if node == "roll":
                # The window ends at the row's time inclusive: the plant and the order sharing its
                # time both see it.
                assert saw[rel == 0].all() and (rel == 0).sum() >= 2 * len(plant_time)
            else:
                # exclude_current: not the plant itself, nor the order at the same time.
                assert not saw[rel == 0].any(), f"{node}: a row at the planted time saw it ({sfx})"
            # The planted value is seen afterwards (the test would pass vacuously otherwise).
            assert saw[rel == 1].any()
    # Rows of other customers never see it.
    for node in ("roll", "roll_excl"):
        df = got[node]
        other = ~df["customer_id"].isin(plant_time.index)
        assert (df.loc[other, "max_unit_price_30d"].fillna(0) < PLANTED_PRICE).all()


@pytest.mark.parametrize("node,closed", [("roll", "right"), ("roll_excl", "left")])
def test_rolling_matches_pandas_on_window_edges(planted, node, closed):
    """The planted orders exactly 7 and 30 days before an order sharing the time of another: out
    of the right-closed windows, in the left-closed ones. Counts, distinct counts, min and max
    only: pandas' running sums lose the small prices' digits to the 10^12 ones."""
    _, got, data = planted
    compare_rolling(got[node], pandas_rolling(data, closed, std=False), node, sums=False)


def test_point_in_time_join_never_matches_a_later_row(planted):
    """The orders as their own spine and features. The plant's order_id is larger than any other,
    so it wins the tie with the order sharing its time."""
    plant_time, got, _ = planted
    for node in ("pit", "pit_strict"):
        df = got[node]
        rel = when(df, plant_time)
        saw = df["f_unit_price"] >= PLANTED_PRICE
        assert not saw[rel == -1].any(), f"{node}: a spine row before the planted time matched it"
        other = ~df["customer_id"].isin(plant_time.index)
        assert not saw[other].any()
    exact, strict = got["pit"], got["pit_strict"]
    rel = when(exact, plant_time)
    # With exact matches, both rows at the planted time get the plant; later rows get themselves.
    assert (exact["f_unit_price"] >= PLANTED_PRICE)[rel == 0].all() and (rel == 0).sum() >= 2 * len(plant_time)
    assert (exact["f_unit_price"] == exact["unit_price"])[rel == 1].all()
    # Strictly before: never at the planted time, and the next order of each customer gets it.
    rel = when(strict, plant_time)
    saw = strict["f_unit_price"] >= PLANTED_PRICE
    assert not saw[rel == 0].any()
    nxt = strict[rel == 1].sort_values("ordered_at").groupby("customer_id").head(1)
    assert (nxt["f_unit_price"] >= PLANTED_PRICE).all() and len(nxt) == len(plant_time)
