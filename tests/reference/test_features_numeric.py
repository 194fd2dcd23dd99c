"""The numeric and text feature kinds (`impute`, `winsorize`, `transform`, `interact`,
`text_features`) on the sample data, against pandas / NumPy / scikit-learn / plain Python computed
here from the very rows the kinds read.

A spec reads sample_data/orders.csv.gz (amounts parsed as in the sample pipeline, exact
duplicates removed, a few extra nulls derived into `unit_price_n` and `quantity_n`), splits it
with a seeded random `split` node (a quarter test rows) and writes that input to Parquet; the
feature nodes below it write their outputs to Parquet (ordered by `order_id`). Text features run
on products.csv and customers.csv names. Definitions compared (floats to rel 1e-9):

- impute: scikit-learn `SimpleImputer(strategy=mean | median | most_frequent | constant)` fitted on
  the `split == 'train'` rows and applied to every row; the indicator is `isna()` of the input
  (BOOLEAN, like `MissingIndicator`). Documented differences: Sluice adds the indicator whether or
  not the training rows had nulls, and a column with no training value keeps its nulls (not
  exercised here). `most_frequent` ties go to the smallest value in both.
- winsorize: `np.clip(x, np.quantile(train, lower), np.quantile(train, upper))` with NumPy's
  default linear quantiles over the non-null training values; nulls stay null.
- transform: `np.log1p(x)` where x > −1, null where x ≤ −1 (NumPy: −inf / NaN, documented);
  `np.clip(x, min, max)`.
- interact: pandas on float64; a ratio is null where the denominator is 0 (pandas: ±inf / NaN,
  documented), or `fill` there when the numerator is not null.
- text_features: `len(s)`, `len(s.split())`, `re.search(p, s) is not None`, and token counts of
  `re.findall(r'[^\\W_]+', s.lower())` per bucket `int(md5(f'{seed}:{token}').hexdigest()[:16], 16) % n`.
  Patterns avoid `\\b` and `\\w`, which RE2 (Sluice) reads as ASCII-only and Python as Unicode.

That only the training rows are fitted on is shown three ways: the state file holds the training
row count and the training statistics (which differ from the all-rows ones), the test rows get
the training statistics, and a serving run on sample_data/problems/orders.csv.gz (amounts up to
50,000,000, unit prices × 1.4 from April 2025) with `--state` applies the saved numbers unchanged.
"""

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from conftest import run_json

REL = 1e-9
SEED = 11
BUCKETS, TEXT_SEED = 16, 5
PATTERNS = {"has_digit": "[0-9]", "has_amp": "&", "quoted": '"', "ends_black": "Black$", "caps": "[A-Z]{3,}", "apostrophe": "'"}


def spec(sample, out: str) -> dict:
    def write(node, name, key):
        return {"id": f"write_{node}", "kind": "write_parquet", "inputs": {"input": node},
                "params": {"path": f"${{out}}/{name}.parquet", "order_by": [{"column": key}]}}

    return {
        "version": 1,
        "name": "numeric_features",
        "params": {
            "orders": {"type": "string", "default": str(sample / "orders.csv.gz")},
            "out": {"type": "string", "default": out},
        },
        "state": "${out}/features.state.json",
        "nodes": [
            {"id": "orders", "kind": "read_csv", "params": {
                "path": "${orders}", "types": {"amount": "VARCHAR", "ordered_at": "VARCHAR", "coupon_code": "VARCHAR"},
                "nulls": ["", "N/A"]}},
            {"id": "parsed", "kind": "derive", "inputs": {"input": "orders"}, "params": {"columns": {
                "amount": "TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2))",
                "unit_price_n": "CASE WHEN order_id % 5 = 0 THEN NULL ELSE unit_price END",
                "quantity_n": "CASE WHEN order_id % 7 = 0 THEN NULL ELSE quantity END",
                "amount_copy": "TRY_CAST(replace(amount, ',', '.') AS DOUBLE)",
                "shift": "discount * 10 - 2"}}},
            {"id": "unique", "kind": "deduplicate", "inputs": {"input": "parsed"}, "params": {}},
            {"id": "split", "kind": "split", "inputs": {"input": "unique"},
             "params": {"method": "random", "test": 0.25, "seed": SEED, "key": ["order_id"]}},
            write("split", "input", "order_id"),
            {"id": "imputed", "kind": "impute", "inputs": {"input": "split"}, "params": {"columns": {
                "amount": {"strategy": "mean", "indicator": True},
                "unit_price_n": {"strategy": "median"},
                "quantity_n": {"strategy": "mode", "indicator": True},
                "channel": {"strategy": "mode", "indicator": True},
                "coupon_code": {"strategy": "constant", "value": "none"}}}},
            write("imputed", "imputed", "order_id"),
            {"id": "winsorized", "kind": "winsorize", "inputs": {"input": "split"},
             "params": {"columns": ["amount", "unit_price"], "lower": 0.01, "upper": 0.99, "suffix": "_w"}},
            write("winsorized", "winsorized", "order_id"),
            {"id": "transformed", "kind": "transform", "inputs": {"input": "split"}, "params": {"steps": [
                {"column": "amount", "function": "log1p", "output": "log_amount"},
                {"column": "shift", "function": "log1p", "output": "log_shift"},
                {"column": "discount", "function": "clip", "min": 0.05, "max": 0.3, "output": "discount_c"},
                {"column": "quantity", "function": "clip", "max": 5}]}},
            write("transformed", "transformed", "order_id"),
            {"id": "interacted", "kind": "interact", "inputs": {"input": "split"}, "params": {"features": [
                {"op": "ratio", "left": "amount", "right": "quantity"},
                {"op": "ratio", "left": "amount", "right": "discount", "name": "amount_per_discount", "fill": 0},
                {"op": "ratio", "left": "unit_price", "right": "shift", "name": "price_per_shift"},
                {"op": "product", "left": "quantity", "right": "unit_price"},
                {"op": "difference", "left": "amount", "right": "unit_price"},
                {"op": "sum", "left": "amount", "right": "discount"}]}},
            write("interacted", "interacted", "order_id"),
            {"id": "products", "kind": "read_csv", "params": {"path": str(sample / "products.csv")}},
            {"id": "product_text", "kind": "text_features", "inputs": {"input": "products"}, "params": {
                "column": "name", "length": True, "words": True, "patterns": PATTERNS,
                "hash_buckets": BUCKETS, "seed": TEXT_SEED}},
            write("product_text", "product_text", "product_id"),
            {"id": "customers", "kind": "read_csv", "params": {"path": str(sample / "customers.csv")}},
            {"id": "customer_text", "kind": "text_features", "inputs": {"input": "customers"}, "params": {
                "column": "name", "length": True, "words": True, "patterns": PATTERNS,
                "hash_buckets": BUCKETS, "seed": TEXT_SEED, "prefix": "n_"}},
            write("customer_text", "customer_text", "customer_id"),
        ],
    }


@pytest.fixture(scope="module")
def run(sample, tmp_path_factory):
    d = tmp_path_factory.mktemp("features_numeric")
    path = d / "features.sluice.json"
    path.write_text(json.dumps(spec(sample, str(d / "train"))))
    code, events = run_json(path, "--no-history")
    assert code == 0, events
    out = d / "train"
    state = json.loads((out / "features.state.json").read_text())
    frames = {n: pd.read_parquet(out / f"{n}.parquet") for n in
              ["input", "imputed", "winsorized", "transformed", "interacted", "product_text", "customer_text"]}
    return {"dir": d, "spec": path, "state": state, **frames}


def train_of(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["split"] == "train"]


def close(got, want):
    """Float arrays equal to rel 1e-9, with nulls in the same places."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    assert (np.isnan(got) == np.isnan(want)).all(), "nulls differ"
    m = ~np.isnan(want)
    np.testing.assert_allclose(got[m], want[m], rtol=REL, atol=0)


def as_object(s: pd.Series) -> pd.DataFrame:
    """A column as scikit-learn sees missing values: object dtype with NaN."""
    return s.astype(object).where(s.notna(), np.nan).to_frame()


def test_split_is_random_and_kept(run):
    inp = run["input"]
    assert inp["order_id"].is_unique and len(inp) == 100_000
    share = (inp["split"] == "test").mean()
    assert 0.24 < share < 0.26


def test_impute_matches_simple_imputer(run):
    inp, out = run["input"], run["imputed"]
    train = train_of(inp)
    aligned(inp, out)
    for col, strategy in [("amount", "mean"), ("unit_price_n", "median")]:
        x = inp[[col]].astype(float)
        want = SimpleImputer(strategy=strategy).fit(train[[col]].astype(float)).transform(x)[:, 0]
        assert out[col].dtype == np.float64
        close(out[col], want)
    want = SimpleImputer(strategy="most_frequent").fit(train[["quantity_n"]].astype(float)).transform(inp[["quantity_n"]].astype(float))[:, 0]
    assert out["quantity_n"].dtype == np.int64, "mode keeps the integer type"
    assert (out["quantity_n"].to_numpy() == want).all()
    imp = SimpleImputer(strategy="most_frequent").fit(as_object(train["channel"]))
    assert (out["channel"].to_numpy(dtype=object) == imp.transform(as_object(inp["channel"]))[:, 0]).all()
    imp = SimpleImputer(strategy="constant", fill_value="none").fit(as_object(train["coupon_code"]))
    assert (out["coupon_code"].to_numpy(dtype=object) == imp.transform(as_object(inp["coupon_code"]))[:, 0]).all()
    for col in ["amount", "quantity_n", "channel"]:
        assert out[f"{col}_missing"].dtype == bool
        assert (out[f"{col}_missing"].to_numpy() == inp[col].isna().to_numpy()).all()
    assert inp["amount"].isna().sum() > 1000 and inp["channel"].isna().sum() > 900


def test_impute_state_holds_training_statistics(run):
    inp, state = run["input"], run["state"]["nodes"]["imputed"]
    train = train_of(inp)
    s = state["state"]
    assert state["kind"] == "impute"
    assert s["train_rows"] == len(train)
    train_mean = train["amount"].astype(float).mean()
    assert s["amount.mean"] == pytest.approx(train_mean, rel=REL)
    assert s["unit_price_n.median"] == pytest.approx(train["unit_price_n"].median(), rel=REL)
    assert s["channel.mode"] == train["channel"].mode()[0]
    # The statistics over all rows differ: filling with them would fail the comparisons above.
    assert abs(inp["amount"].astype(float).mean() - train_mean) > 1e-6 * train_mean
    # Test rows get the training statistics.
    test_nulls = (inp["split"] == "test") & inp["amount"].isna()
    assert test_nulls.sum() > 100
    assert (run["imputed"].loc[test_nulls, "amount"] == s["amount.mean"]).all()


def aligned(inp: pd.DataFrame, out: pd.DataFrame):
    assert (out["order_id"].to_numpy() == inp["order_id"].to_numpy()).all()


def test_winsorize_matches_numpy(run):
    inp, out = run["input"], run["winsorized"]
    aligned(inp, out)
    train = train_of(inp)
    s = run["state"]["nodes"]["winsorized"]["state"]
    assert s["train_rows"] == len(train)
    differs = 0
    for col in ["amount", "unit_price"]:
        t = train[col].dropna().astype(float).to_numpy()
        lo, hi = np.quantile(t, 0.01), np.quantile(t, 0.99)
        assert s[f"{col}.lower"] == pytest.approx(lo, rel=REL)
        assert s[f"{col}.upper"] == pytest.approx(hi, rel=REL)
        close(out[f"{col}_w"], np.clip(inp[col].astype(float).to_numpy(), lo, hi))
        close(out[col], inp[col].astype(float))  # the originals are kept
        everything = inp[col].dropna().astype(float).to_numpy()
        differs += not np.isclose(np.quantile(everything, 0.99), hi, rtol=REL, atol=0)
        test = inp["split"] == "test"
        assert (out.loc[test, f"{col}_w"].dropna() <= hi * (1 + REL)).all()
    assert differs, "the all-rows edges equal the training ones: the data cannot tell them apart"


def test_transform_matches_numpy(run):
    inp, out = run["input"], run["transformed"]
    aligned(inp, out)
    for col, name in [("amount", "log_amount"), ("shift", "log_shift")]:
        x = inp[col].astype(float).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            want = np.where(x > -1, np.log1p(x), np.nan)
        close(out[name], want)
    assert (inp["shift"] <= -1).sum() > 50_000, "most discounts are 0 or 0.1: shift ≤ −1 gives null"
    close(out["discount_c"], np.clip(inp["discount"].to_numpy(dtype=float), 0.05, 0.3))
    close(out["quantity"], np.clip(inp["quantity"].to_numpy(dtype=float), None, 5))
    assert out["quantity"].dtype == np.float64


def test_interact_matches_pandas(run):
    inp, out = run["input"], run["interacted"]
    aligned(inp, out)
    amount, q, d = inp["amount"].astype(float), inp["quantity"].astype(float), inp["discount"].astype(float)
    price, shift = inp["unit_price"].astype(float), inp["shift"].astype(float)
    close(out["amount_per_quantity"], (amount / q).where(q != 0))
    ratio = (amount / d).where(d != 0)
    close(out["amount_per_discount"], ratio.where(~((d == 0) & amount.notna()), 0.0))
    assert ((d == 0) & amount.notna()).sum() > 50_000
    close(out["price_per_shift"], (price / shift).where(shift != 0))
    assert (shift == 0).sum() > 0, "discount 0.2 gives a zero denominator"
    close(out["quantity_times_unit_price"], q * price)
    close(out["amount_minus_unit_price"], amount - price)
    close(out["amount_plus_discount"], amount + d)


def text_reference(names: pd.Series) -> pd.DataFrame:
    rows = []
    for s in names:
        counts = [0] * BUCKETS
        for tok in re.findall(r"[^\W_]+", s.lower()):
            counts[int(hashlib.md5(f"{TEXT_SEED}:{tok}".encode()).hexdigest()[:16], 16) % BUCKETS] += 1
        rows.append([len(s), len(s.split()), *[re.search(p, s) is not None for p in PATTERNS.values()], *counts])
    cols = ["length", "words", *PATTERNS, *[f"tok_{k}" for k in range(BUCKETS)]]
    return pd.DataFrame(rows, columns=cols)


@pytest.mark.parametrize("frame,prefix", [("product_text", "name_"), ("customer_text", "n_")])
def test_text_features_match_python(run, frame, prefix):
    out = run[frame]
    assert out["name"].notna().all()
    want = text_reference(out["name"])
    for col in want.columns:
        got = out[prefix + col]
        assert (got.to_numpy() == want[col].to_numpy()).all(), col
    assert want["length"].sum() > want[[f"tok_{k}" for k in range(BUCKETS)]].to_numpy().sum()
    assert any(not s.isascii() for s in out["name"]), "non-ASCII names are exercised"
    assert (want[[f"tok_{k}" for k in range(BUCKETS)]] > 0).any().all(), "every bucket is hit"


def test_serving_applies_the_saved_state(run, sample):
    """A run with --state on other data (problems/orders.csv.gz) fits nothing: nulls are filled
    with the training mean and values clipped to the training edges, though this data's own
    statistics are far off."""
    d = run["dir"]
    saved = d / "saved.state.json"
    saved.write_text(json.dumps(run["state"]))
    code, events = run_json(run["spec"], "--no-history", "--state", str(saved),
                            "--param", f"orders={sample / 'problems/orders.csv.gz'}", "--param", f"out={d / 'serve'}")
    assert code == 0, events
    assert not (d / "serve/features.state.json").exists(), "serving writes no state"
    inp = pd.read_parquet(d / "serve/input.parquet")
    imputed = pd.read_parquet(d / "serve/imputed.parquet")
    win = pd.read_parquet(d / "serve/winsorized.parquet")
    s_imp = run["state"]["nodes"]["imputed"]["state"]
    s_win = run["state"]["nodes"]["winsorized"]["state"]
    # This data reuses order ids, so rows are compared within one output, not across files.
    filled = imputed["amount_missing"]
    assert filled.sum() == inp["amount"].isna().sum() > 5000
    assert (imputed.loc[filled, "amount"] == s_imp["amount.mean"]).all()
    assert inp["amount"].astype(float).mean() > 10 * s_imp["amount.mean"], "this data's own mean is far off"
    hi = s_win["amount.upper"]
    assert win["amount"].astype(float).max() > 1000 * hi
    close(win["amount_w"], np.clip(win["amount"].astype(float).to_numpy(), s_win["amount.lower"], hi))
    close(win["unit_price_w"], np.clip(win["unit_price"].astype(float).to_numpy(), s_win["unit_price.lower"], s_win["unit_price.upper"]))
