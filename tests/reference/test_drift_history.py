"""`check_drift` without a reference input: the sample pipeline's `recent_drift` compares the
last quarter's orders (ordered_at from as_of − 91 days, 2025-04-01) with the same node's input in
the last successful run, read from the run history.

A run stores, per column, all finite values when there are at most 10,000 of them, else 10,000
evenly spaced quantiles (the value at position ⌊(2i+1)·n / 20000⌋ of the sorted values), and the
category counts of text columns. Recomputed here from the CSV files with pandas and NumPy:

- the stored baseline (read back from the history file with DuckDB's Python client);
- each column's score against the current rows, by Evidently 0.7.23's definitions (SciPy's
  `wasserstein_distance` over NumPy's `std`, `jensenshannon` over the category shares), with
  Evidently's default test chosen from the baseline's true row count;
- "no baseline" (a warning) on the first run and once the history is deleted.
"""

import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import run_json
from test_drift import score

COLUMNS = ["unit_price", "channel", "status"]
WINDOW_START = pd.Timestamp("2025-04-01 00:00:00")  # as_of 2025-07-01 minus 91 days
BASELINE_VALUES = 10_000


def recent(path) -> pd.DataFrame:
    """The rows `recent_orders` keeps: ordered_at parsed in either of the export's formats."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "N/A"])
    ts = pd.to_datetime(df["ordered_at"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    ts = ts.fillna(pd.to_datetime(df["ordered_at"], format="%Y/%m/%d %H:%M:%S", errors="coerce"))
    df = df[ts >= WINDOW_START].copy()
    df["unit_price"] = pd.to_numeric(df["unit_price"])
    return df


def quantile_baseline(values: pd.Series) -> np.ndarray:
    v = np.sort(values.dropna().to_numpy(dtype=float))
    n = len(v)
    if n <= BASELINE_VALUES:
        return v
    i = np.arange(BASELINE_VALUES)
    return v[(2 * i + 1) * n // (2 * BASELINE_VALUES)]


@pytest.fixture(scope="module")
def runs(sample, tmp_path_factory):
    spec = sample / "pipelines/customer_features.sluice.json"
    history = tmp_path_factory.mktemp("history")
    args = ("--history-dir", str(history))

    def drift(*extra):
        code, events = run_json(spec, *args, *extra)
        checks = [e for e in events if e["event"] == "check_finished" and e["node"] == "recent_drift"]
        assert len(checks) == 1, events
        return code, checks[0]

    first = drift()
    good = drift()
    bad = drift("--param", "data=../problems")
    stored = duckdb.connect(str(history / "history.duckdb"), read_only=True).execute(
        "SELECT b.column_name, b.baseline::VARCHAR FROM column_baselines b JOIN runs r USING (run_id) "
        "WHERE b.node = 'recent_drift' ORDER BY r.started_at, b.column_name"
    ).fetchall()
    shutil.rmtree(history)
    deleted = drift("--param", "data=../problems")
    return {"first": first, "good": good, "bad": bad, "deleted": deleted, "stored": stored}


@pytest.fixture(scope="module")
def data(sample):
    return recent(sample / "orders.csv.gz"), recent(sample / "problems/orders.csv.gz")


def test_first_run_has_no_baseline(runs):
    code, c = runs["first"]
    assert code == 0
    assert c["status"] == "warn" and c["severity"] == "error"
    assert "no baseline" in c["message"] and c["observed"] is None


def test_every_run_stores_its_baseline(runs, data):
    good, bad = data
    stored = runs["stored"]
    # Three runs (first, good, problems), three columns each.
    assert [c for c, _ in stored] == sorted(COLUMNS) * 3
    first = {c: json.loads(b) for c, b in stored[:3]}
    price = first["unit_price"]
    assert price["type"] == "numeric"
    assert price["rows"] == good["unit_price"].notna().sum() > BASELINE_VALUES
    np.testing.assert_array_equal(np.array(price["values"]), quantile_baseline(good["unit_price"]))
    channel = first["channel"]
    assert channel["type"] == "categories" and channel["other"] == 0
    assert dict(map(tuple, channel["counts"])) == good["channel"].value_counts().to_dict()
    last = {c: json.loads(b) for c, b in stored[6:]}
    assert dict(map(tuple, last["status"]["counts"])) == bad["status"].value_counts().to_dict()


def test_same_data_does_not_drift(runs):
    code, c = runs["good"]
    assert code == 0
    assert c["status"] == "pass" and c["observed"] == 0.0
    for d in c["details"]:
        assert not d["drifted"], d


def test_problem_copy_drifts_against_the_last_good_run(runs, data):
    good, bad = data
    code, c = runs["bad"]
    assert code == 1
    ds = {d["column"]: d for d in c["details"]}
    assert list(ds) == COLUMNS
    # More than 1000 baseline rows: Evidently's defaults are Wasserstein (numeric) and
    # Jensen–Shannon (categorical), whatever the size of the stored quantiles.
    assert {k: d["method"] for k, d in ds.items()} == {"unit_price": "wasserstein", "channel": "jensenshannon", "status": "jensenshannon"}
    ref_price = pd.Series(quantile_baseline(good["unit_price"]))
    want = {
        "unit_price": score("wasserstein", ref_price, bad["unit_price"].dropna(), True),
        "channel": score("jensenshannon", good["channel"].dropna(), bad["channel"].dropna(), False),
        "status": score("jensenshannon", good["status"].dropna(), bad["status"].dropna(), False),
    }
    for col, d in ds.items():
        assert d["score"] == pytest.approx(want[col], abs=1e-6, rel=1e-6), col
        assert d["drifted"] == (want[col] >= 0.1), col
        assert d["reference_rows"] == good[col].notna().sum()
        assert d["current_rows"] == bad[col].notna().sum()
    # Prices × 1.4 from 2025-04-01 and no orders through the app: 2 of 3 columns drift.
    assert [k for k, d in ds.items() if d["drifted"]] == ["unit_price", "channel"]
    assert c["observed"] == pytest.approx(2 / 3) and c["status"] == "fail"
    # The overlay shares: channel 'app' is gone from the current side.
    dist = ds["channel"]["distribution"]
    shares = dict(zip(dist["labels"], dist["current"]))
    assert shares.get("app", 0.0) == 0.0
    assert sum(dist["reference"]) == pytest.approx(1.0) and sum(dist["current"]) == pytest.approx(1.0)


def test_deleted_history_means_no_baseline(runs):
    code, c = runs["deleted"]
    assert code == 1, "the problem copy still fails its other checks"
    assert c["status"] == "warn" and "no baseline" in c["message"]
