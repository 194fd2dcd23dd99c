"""`scale` and `split` on the sample orders, against scikit-learn and pandas on the same rows.

- `split` (random, seeded by order_id): about the asked share of test rows, the same split on a
  re-run; (group, by customer_id): no customer in two splits; (time): the cut-off exactly.
- `scale`, fitted on the rows `split` marked `train` and applied to every row:
  StandardScaler (population standard deviation), MinMaxScaler, RobustScaler (quantiles by
  linear interpolation), each fitted with scikit-learn on the training rows only; nulls are left
  out of the fit and stay null, as scikit-learn treats NaN. Floats to rel 1e-9.
- The state file holds the fitted numbers, and they are the training rows' only.
"""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from conftest import SLUICE

COLUMNS = ["unit_price", "quantity", "amount"]
SOURCE = {
    "path": None,
    "types": {"amount": "VARCHAR", "ordered_at": "VARCHAR", "coupon_code": "VARCHAR"},
    "nulls": ["", "N/A"],
}


def spec(orders, split_params, out):
    source = dict(SOURCE, path=str(orders))
    return {
        "version": 1,
        "name": "scale_reference",
        "state": "scale.state.json",
        "nodes": [
            {"id": "orders", "kind": "read_csv", "params": source},
            {"id": "unique", "kind": "deduplicate", "inputs": {"input": "orders"}, "params": {"keys": ["order_id"], "order_by": [{"column": "order_id"}], "keep": "first"}},
            {"id": "parsed", "kind": "derive", "inputs": {"input": "unique"}, "params": {"columns": {
                "amount": "TRY_CAST(replace(amount, ',', '.') AS DOUBLE)",
                "ordered_at": "COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'), try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S'))"}}},
            {"id": "split", "kind": "split", "inputs": {"input": "parsed"}, "params": split_params},
            {"id": "standard", "kind": "scale", "inputs": {"input": "split"}, "params": {"columns": COLUMNS, "method": "standard", "suffix": "_std"}},
            {"id": "minmax", "kind": "scale", "inputs": {"input": "standard"}, "params": {"columns": COLUMNS, "method": "minmax", "suffix": "_mm"}},
            {"id": "robust", "kind": "scale", "inputs": {"input": "minmax"}, "params": {"columns": COLUMNS, "method": "robust", "suffix": "_rb"}},
            {"id": "write", "kind": "write_parquet", "inputs": {"input": "robust"}, "params": {"path": out, "order_by": [{"column": "order_id"}]}},
        ],
    }


def run(tmp, sample, split_params, name):
    path = tmp / f"{name}.sluice.json"
    path.write_text(json.dumps(spec(sample / "orders.csv.gz", split_params, f"{name}.parquet"), indent=2))
    subprocess.run([str(SLUICE), "run", str(path), "--no-history"], check=True, capture_output=True)
    state = json.loads((tmp / "scale.state.json").read_text())
    return pd.read_parquet(tmp / f"{name}.parquet"), state


@pytest.fixture(scope="module")
def random_run(sample, tmp_path_factory):
    return run(tmp_path_factory.mktemp("random"), sample, {"method": "random", "test": 0.25, "seed": 5, "key": ["order_id"]}, "random")


def test_random_split_share_and_stability(random_run, sample, tmp_path_factory):
    df, _ = random_run
    assert set(df["split"]) == {"train", "test"}
    assert (df["split"] == "test").mean() == pytest.approx(0.25, abs=0.01)
    again, _ = run(tmp_path_factory.mktemp("again"), sample, {"method": "random", "test": 0.25, "seed": 5, "key": ["order_id"]}, "again")
    assert (again["split"].to_numpy() == df["split"].to_numpy()).all(), "a re-run gives the same splits"


@pytest.mark.parametrize("suffix,scaler", [("_std", StandardScaler), ("_mm", MinMaxScaler), ("_rb", RobustScaler)])
def test_scalers_match_scikit_learn_fitted_on_train_rows(random_run, suffix, scaler):
    df, _ = random_run
    raw = df[COLUMNS].astype("float64")
    train = raw[df["split"] == "train"]
    want = scaler().fit(train.to_numpy()).transform(raw.to_numpy())
    for i, c in enumerate(COLUMNS):
        got = df[c + suffix].astype("float64").to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want[:, i])), c
        ok = ~np.isnan(got)
        np.testing.assert_allclose(got[ok], want[ok, i], rtol=1e-9, atol=1e-12, err_msg=c)
    # Fitting on every row would have given other features: the comparison can tell. (Not for
    # min-max: the extremes of 100,000 orders are most likely training rows.)
    if scaler is not MinMaxScaler:
        everything = scaler().fit(raw.to_numpy()).transform(raw.to_numpy())
        assert not np.allclose(np.nan_to_num(everything), np.nan_to_num(want), rtol=1e-9, atol=0)


def test_state_file_holds_the_training_numbers(random_run):
    df, state = random_run
    assert state["sluice_state"] == 1
    assert set(state["nodes"]) == {"standard", "minmax", "robust"}
    train = df[df["split"] == "train"]
    for c in COLUMNS:
        x = train[c].astype("float64").dropna()
        s = state["nodes"]["standard"]["state"]
        assert s[f"{c}.mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert s[f"{c}.std"] == pytest.approx(x.std(ddof=0), rel=1e-9)
        m = state["nodes"]["minmax"]["state"]
        assert m[f"{c}.min"] == x.min()
        # DuckDB may subtract before converting decimals to doubles: the nearest double to the
        # exact range, which can differ from NumPy's float subtraction in the last bit.
        assert m[f"{c}.range"] == pytest.approx(x.max() - x.min(), rel=1e-12)
        r = state["nodes"]["robust"]["state"]
        assert r[f"{c}.median"] == pytest.approx(np.quantile(x, 0.5), rel=1e-12)
        assert r[f"{c}.iqr"] == pytest.approx(np.quantile(x, 0.75) - np.quantile(x, 0.25), rel=1e-9)


def test_group_split_keeps_each_customer_in_one_split(sample, tmp_path_factory):
    df, _ = run(tmp_path_factory.mktemp("group"), sample, {"method": "group", "group_by": ["customer_id"], "test": 0.2, "validation": 0.1, "seed": 9}, "group")
    per_customer = df.groupby("customer_id")["split"].nunique()
    assert (per_customer == 1).all()
    shares = df.groupby("customer_id")["split"].first().value_counts(normalize=True)
    assert shares["test"] == pytest.approx(0.2, abs=0.03) and shares["validation"] == pytest.approx(0.1, abs=0.03)


def test_time_split_cut_off(sample, tmp_path_factory):
    df, _ = run(tmp_path_factory.mktemp("time"), sample, {"method": "time", "time_column": "ordered_at", "test_from": "2025-04-01"}, "time")
    cut = pd.Timestamp("2025-04-01")
    t = df["ordered_at"]
    assert (df.loc[t >= cut, "split"] == "test").all()
    assert (df.loc[t < cut, "split"] == "train").all()
    assert df.loc[t.isna(), "split"].isna().all()
