"""`sluice profile` against pandas on the same data: the sample pipeline's feature table, as
its Parquet sink wrote it. pandas conventions: `std` with ddof=1, quantiles with linear
interpolation, nulls left out of every statistic but the null count."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import SLUICE

LEVELS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]


@pytest.fixture(scope="module")
def profiled(sample):
    spec = sample / "pipelines/customer_features.sluice.json"
    subprocess.run([str(SLUICE), "run", str(spec), "--no-history"], check=True, capture_output=True)
    out = subprocess.run([str(SLUICE), "profile", str(spec), "feature_columns", "--json"], check=True, capture_output=True, text=True)
    profile = json.loads(out.stdout)
    df = pd.read_parquet(sample / "pipelines/out/customer_features.parquet")
    return profile, df


def test_row_count_and_columns(profiled):
    profile, df = profiled
    assert profile["rows"] == len(df)
    assert profile["sampled_rows"] is None
    assert [c["name"] for c in profile["columns"]] == list(df.columns)


def test_numeric_columns_match_pandas(profiled):
    profile, df = profiled
    numeric = [c for c in profile["columns"] if c["shape"] == "numeric"]
    assert len(numeric) >= 8
    for c in numeric:
        s = pd.to_numeric(df[c["name"]].astype("float64"))
        values = s.dropna()
        assert c["count"] == values.size, c["name"]
        assert c["nulls"] == int(s.isna().sum()), c["name"]
        assert c["null_percent"] == pytest.approx(100 * s.isna().mean(), abs=1e-9)
        assert c["distinct"] == values.nunique() and not c["distinct_approx"], c["name"]
        assert c["mean"] == pytest.approx(values.mean(), rel=1e-9), c["name"]
        assert c["std"] == pytest.approx(values.std(ddof=1), rel=1e-9), c["name"]
        assert float(c["min"]) == pytest.approx(values.min(), rel=1e-12)
        assert float(c["max"]) == pytest.approx(values.max(), rel=1e-12)
        expected_q = values.quantile(LEVELS, interpolation="linear").to_numpy()
        got_q = np.array([v for _, v in c["quantiles"]])
        assert [l for l, _ in c["quantiles"]] == LEVELS
        np.testing.assert_allclose(got_q, expected_q, rtol=1e-9, atol=1e-9, err_msg=c["name"])
        assert c["zeros"] == int((values == 0).sum()), c["name"]
        assert c["negatives"] == int((values < 0).sum()), c["name"]
        assert sum(b["count"] for b in c["histogram"]["bins"]) == values.size, c["name"]


def test_categorical_columns_match_value_counts(profiled):
    profile, df = profiled
    for c in (c for c in profile["columns"] if c["shape"] == "categorical"):
        s = df[c["name"]]
        assert c["nulls"] == int(s.isna().sum()), c["name"]
        assert c["distinct"] == s.dropna().nunique(), c["name"]
        counts = s.dropna().astype(str).str.lower() if s.dtype == bool else s.dropna().astype(str)
        top = counts.value_counts()
        bins = [b for b in c["histogram"]["bins"] if b["label"] != "(other)"]
        for b in bins:
            assert b["count"] == top[b["label"]], (c["name"], b)
        # The bars are the most frequent values, most frequent first.
        assert [b["count"] for b in bins] == sorted(top.to_numpy(), reverse=True)[: len(bins)]
        other = [b for b in c["histogram"]["bins"] if b["label"] == "(other)"]
        assert sum(b["count"] for b in c["histogram"]["bins"]) == len(counts)
        assert bool(other) == (len(top) > len(bins))
