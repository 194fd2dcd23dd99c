"""The category encoders and the binning kind (`one_hot`, `ordinal_encode`, `frequency_encode`,
`target_encode`, `hash_encode`, `bin`) on the sample orders, against scikit-learn / pandas
computed here from the very rows the kinds read.

A spec reads sample_data/orders.csv.gz (amounts and times parsed as in the sample pipeline, a
boolean `returned` derived from `status`), splits it with a `split` node (by time from 2025-04-01,
or at random with a seed: both are run), chains every feature node below it and writes the
result to Parquet ordered by `order_id`. The training rows are the output's `split == 'train'`
rows (for the time split also checked against `ordered_at`). Every reference is fitted on those
rows only and applied to all rows. Definitions compared (floats to rel 1e-9, integers exactly):

- one_hot: `OneHotEncoder(categories=[fitted list], handle_unknown='ignore')`, where the fitted
  list is the `top_k` most frequent training values (pandas `value_counts`, ties by value), or
  the listed categories; `<prefix>_other` is `notna() & ~isin(list)`, `<prefix>_null` is
  `isna()`. Column `<prefix>_<i>` is the i-th category of the fitted list (the state's
  `categories`).
- ordinal_encode: `OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1)` fitted
  on the non-null training values of each column (sorted as NumPy does); nulls stay null
  (scikit-learn would encode NaN as a category of its own).
- frequency_encode: `value_counts()` / `value_counts(normalize=True)` of the training values;
  unseen values 0, nulls null.
- target_encode: enc = (n·mean_c + m·prior) / (n + m) in pandas, n and mean_c over the training
  rows of category c with a non-null target, prior the target mean over all training rows with a
  non-null target, m = `smoothing`; unseen values and nulls get the prior. This additive smoothing
  is what Sluice documents; it is NOT scikit-learn's TargetEncoder, which cross-fits the training
  rows and shrinks with an empirical-Bayes weight, so that class is not used here.
- hash_encode: `hash(CAST(value AS VARCHAR), seed) % n_buckets` evaluated by the duckdb Python
  package; this is the definition, stable only within one DuckDB release (1.2 and 2.0 hash
  differently), so the buckets are compared only when the package's release is the engine's
  (asked of the engine by a one-node spec), and otherwise only their range and consistency.
- bin: `KBinsDiscretizer(n_bins, encode='ordinal', strategy=…, quantile_method=…,
  subsample=None)` fitted on the non-null training values; the state's edges must equal
  `bin_edges_` exactly (bit for bit), except for a column constant in training, where Sluice
  stores [c, c] and scikit-learn [-inf, inf] (not exercised here). `subsample=None` because
  scikit-learn's default subsamples 200,000 rows, which Sluice never does. Nulls stay null.

That only the training rows are fitted on is shown three ways: the references are fitted on the
training rows alone and match on every row (test rows included), fits on all rows would give
different features (asserted, so the comparison can tell), and a serving run with `--state` on
rows with unseen categories, nulls and out-of-range numbers applies the saved numbers unchanged.
"""

import json
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, OrdinalEncoder

from conftest import run_json

REL = 1e-9
TOP_K = 2
STATUS_CATEGORIES = ["completed", "returned", "cancelled"]
ORDINAL = ["status", "currency", "product_id"]
COUNTS = ["product_id", "customer_id"]
SHARES = ["channel", "coupon_code"]
TARGET_AMOUNT = ["product_id", "channel"]
TARGET_RETURNED = ["customer_id", "coupon_code"]
RETURNED_SMOOTHING = 5.0
HASHED, BUCKETS, HASH_SEED = ["customer_id", "coupon_code"], 16, 3
BINS = {  # node: (columns, n_bins, strategy, quantile_method, suffix)
    "bin_linear": (["unit_price", "amount", "quantity"], 5, "quantile", "linear", "_qb"),
    "bin_aicdf": (["unit_price", "discount", "amount"], 10, "quantile", "averaged_inverted_cdf", "_ab"),
    "bin_uniform": (["unit_price", "quantity"], 6, "uniform", None, "_ub"),
}
SPLITS = {
    "time": {"method": "time", "time_column": "ordered_at", "test_from": "2025-04-01"},
    "random": {"method": "random", "test": 0.3, "seed": 11, "key": ["order_id"]},
}
MISSING = "\x00missing"


def spec(sample, split: dict) -> dict:
    def node(id_, kind, params):
        return {"id": id_, "kind": kind, "params": params}

    chain = [
        node("split", "split", split),
        node("oh_channel", "one_hot", {"column": "channel", "top_k": TOP_K, "null_indicator": True}),
        node("oh_status", "one_hot", {"column": "status", "categories": STATUS_CATEGORIES, "prefix": "st"}),
        node("ordinal", "ordinal_encode", {"columns": ORDINAL, "suffix": "_ord"}),
        node("counts", "frequency_encode", {"columns": COUNTS, "suffix": "_n"}),
        node("shares", "frequency_encode", {"columns": SHARES, "normalize": True, "suffix": "_share"}),
        node("te_amount", "target_encode", {"columns": TARGET_AMOUNT, "target": "amount", "suffix": "_te"}),
        node("te_returned", "target_encode", {"columns": TARGET_RETURNED, "target": "returned",
                                              "smoothing": RETURNED_SMOOTHING, "suffix": "_tr"}),
        node("hashed", "hash_encode", {"columns": HASHED, "n_buckets": BUCKETS, "seed": HASH_SEED, "suffix": "_h"}),
    ]
    for id_, (cols, n, strategy, method, suffix) in BINS.items():
        p = {"columns": cols, "n_bins": n, "strategy": strategy, "suffix": suffix}
        if method:
            p["quantile_method"] = method
        chain.append(node(id_, "bin", p))
    upstream = "parsed"
    for n in chain:
        n["inputs"] = {"input": upstream}
        upstream = n["id"]
    return {
        "version": 1,
        "name": "encoding_features",
        "params": {
            "orders": {"type": "string", "default": str(sample / "orders.csv.gz")},
            "out": {"type": "string", "default": "out"},
        },
        "state": "${out}/features.state.json",
        "nodes": [
            node("orders", "read_csv", {
                "path": "${orders}", "types": {"amount": "VARCHAR", "ordered_at": "VARCHAR", "coupon_code": "VARCHAR"},
                "nulls": ["", "N/A"]}),
            {**node("parsed", "derive", {"columns": {
                "amount": "TRY_CAST(replace(amount, ',', '.') AS DOUBLE)",
                "ordered_at": "COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'), try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S'))",
                "returned": "status = 'returned'"}}), "inputs": {"input": "orders"}},
            *chain,
            {**node("write", "write_parquet", {"path": "${out}/features.parquet", "order_by": [{"column": "order_id"}]}),
             "inputs": {"input": upstream}},
        ],
    }


def read_out(path) -> pd.DataFrame:
    return pd.read_parquet(path, dtype_backend="numpy_nullable")


@pytest.fixture(scope="module")
def engine_duckdb(tmp_path_factory) -> str:
    """The DuckDB release the engine runs, e.g. `v2.0.0`."""
    d = tmp_path_factory.mktemp("engine_version")
    (d / "one.csv").write_text("x\n1\n")
    spec = {"version": 1, "name": "engine_version", "nodes": [
        {"id": "one", "kind": "read_csv", "params": {"path": str(d / "one.csv")}},
        {"id": "v", "kind": "sql", "inputs": {"one": "one"},
         "params": {"query": "SELECT library_version AS v FROM pragma_version(), one"}},
        {"id": "w", "kind": "write_csv", "inputs": {"input": "v"}, "params": {"path": str(d / "v.csv")}}]}
    (d / "v.sluice.json").write_text(json.dumps(spec))
    code, events = run_json(d / "v.sluice.json", "--no-history")
    assert code == 0, events
    return pd.read_csv(d / "v.csv")["v"][0]


@pytest.fixture(scope="module", params=list(SPLITS))
def trained(request, sample, tmp_path_factory):
    d = tmp_path_factory.mktemp(f"encoding_{request.param}")
    path = d / "features.sluice.json"
    path.write_text(json.dumps(spec(sample, SPLITS[request.param]), indent=2))
    code, events = run_json(path, "--no-history", "--param", f"out={d / 'train'}")
    assert code == 0, [e for e in events if e.get("event") in ("node_failed", "run_finished", "diagnostic")]
    out = read_out(d / "train/features.parquet")
    state = json.loads((d / "train/features.state.json").read_text())
    train = out[out["split"] == "train"]
    return {"name": request.param, "dir": d, "spec": path, "out": out, "state": state, "train": train,
            "ref": Reference(train)}


# ---------------------------------------------------------------------------------------------
# The references, fitted on training rows only


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


def text(v) -> str:
    """A value as DuckDB casts it to VARCHAR (integers without a decimal point)."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def ints(values) -> pd.Series:
    return pd.Series(values, dtype="Int64")


class Reference:
    def __init__(self, train: pd.DataFrame):
        self.train = train
        counts = train["channel"].dropna().value_counts()
        self.ranked = sorted(counts.index, key=lambda c: (-counts[c], c))[:TOP_K]
        self.oh_channel = quiet(OneHotEncoder(categories=[self.ranked], handle_unknown="ignore", sparse_output=False).fit,
                                train[["channel"]].fillna(MISSING))
        self.oh_status = quiet(OneHotEncoder(categories=[STATUS_CATEGORIES], handle_unknown="ignore", sparse_output=False).fit,
                               train[["status"]].fillna(MISSING))
        self.ordinal = {
            c: OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(self.values(c).to_frame())
            for c in ORDINAL
        }
        self.counts = {c: self.values(c).value_counts() for c in COUNTS}
        self.shares = {c: self.values(c).value_counts(normalize=True) for c in SHARES}
        self.target = {}
        for target, cols, m in [("amount", TARGET_AMOUNT, 10.0), ("returned", TARGET_RETURNED, RETURNED_SMOOTHING)]:
            y = train[target].astype("float64")
            prior = y.mean()
            for c in cols:
                frame = pd.DataFrame({"c": train[c].astype(object), "y": y}).dropna()
                g = frame.groupby("c")["y"].agg(["count", "mean"])
                enc = (g["count"] * g["mean"] + m * prior) / (g["count"] + m)
                self.target[c + ("_te" if target == "amount" else "_tr")] = (c, enc, prior, g)
        self.bins = {}
        for node, (cols, n, strategy, method, suffix) in BINS.items():
            for c in cols:
                kw = {"quantile_method": method} if method else {}
                k = quiet(KBinsDiscretizer(n_bins=n, encode="ordinal", strategy=strategy, subsample=None, **kw).fit,
                          self.values(c).astype("float64").to_frame())
                self.bins[c + suffix] = (node, c, k)

    def values(self, c) -> pd.Series:
        """The non-null training values of column c, as NumPy types."""
        s = self.train[c].dropna()
        return s.astype("int64") if pd.api.types.is_integer_dtype(s) else s.astype(object if s.dtype == "string" else s.dtype)

    def expected(self, df: pd.DataFrame) -> dict:
        """Every feature column of df, by output name: ('int', Series) or ('float', array)."""
        e = {}
        m = quiet(self.oh_channel.transform, df[["channel"]].fillna(MISSING).astype(object))
        for i in range(TOP_K):
            e[f"channel_{i + 1}"] = ("int", ints(m[:, i].astype(int)))
        e["channel_other"] = ("int", ints((df["channel"].notna() & ~df["channel"].isin(self.ranked)).astype(int)))
        e["channel_null"] = ("int", ints(df["channel"].isna().astype(int)))
        m = quiet(self.oh_status.transform, df[["status"]].fillna(MISSING).astype(object))
        for i, cat in enumerate(STATUS_CATEGORIES):
            e[f"st_{cat}"] = ("int", ints(m[:, i].astype(int)))
        e["st_other"] = ("int", ints((df["status"].notna() & ~df["status"].isin(STATUS_CATEGORIES)).astype(int)))
        for c, enc in self.ordinal.items():
            e[f"{c}_ord"] = ("int", self.ordinal_codes(df[c], enc))
        for c, vc in self.counts.items():
            e[f"{c}_n"] = ("int", ints([pd.NA if pd.isna(v) else int(vc.get(v, 0)) for v in df[c]]))
        for c, vc in self.shares.items():
            e[f"{c}_share"] = ("float", np.array([np.nan if pd.isna(v) else float(vc.get(v, 0.0)) for v in df[c]]))
        for name, (c, enc, prior, _) in self.target.items():
            e[name] = ("float", np.array([prior if pd.isna(v) else float(enc.get(v, prior)) for v in df[c]]))
        con = duckdb.connect()
        for c in HASHED:
            uniq = sorted({text(v) for v in df[c].dropna()})
            rows = con.execute(
                "SELECT v, CAST(hash(v, CAST(? AS UBIGINT)) % ? AS BIGINT) FROM unnest(CAST(? AS VARCHAR[])) AS t(v)",
                [HASH_SEED, BUCKETS, uniq]).fetchall()
            buckets = dict(rows)
            e[f"{c}_h"] = ("int", ints([pd.NA if pd.isna(v) else buckets[text(v)] for v in df[c]]))
        for name, (_, c, k) in self.bins.items():
            col = df[c]
            mask = col.notna().to_numpy()
            out = np.full(len(df), -1, dtype=np.int64)
            out[mask] = k.transform(col[mask].astype("float64").to_frame())[:, 0].astype(np.int64)
            e[name] = ("int", ints([v if ok else pd.NA for v, ok in zip(out, mask)]))
        return e

    @staticmethod
    def ordinal_codes(col: pd.Series, enc) -> pd.Series:
        """OrdinalEncoder on the non-null values; nulls stay null."""
        mask = col.notna().to_numpy()
        out = np.full(len(col), -1, dtype=np.int64)
        vals = col[mask]
        vals = vals.astype("int64") if pd.api.types.is_integer_dtype(vals) else vals.astype(object)
        out[mask] = quiet(enc.transform, vals.to_frame())[:, 0].astype(np.int64)
        return ints([v if ok else pd.NA for v, ok in zip(out, mask)])


def compare(out: pd.DataFrame, expected: dict):
    missing = [c for c in expected if c not in out.columns]
    assert not missing, f"columns not in the output: {missing}"
    for name, (kind, want) in expected.items():
        got = out[name]
        if kind == "int":
            g = got.astype("Int64").reset_index(drop=True)
            w = want.reset_index(drop=True)
            assert (g.isna() == w.isna()).all(), f"{name}: nulls differ"
            diff = (g.fillna(-10**9) != w.fillna(-10**9))
            assert not diff.any(), f"{name}: {int(diff.sum())} rows differ, e.g. {list(zip(g[diff][:5], w[diff][:5]))}"
        else:
            np.testing.assert_allclose(got.astype("float64").to_numpy(), want, rtol=REL, atol=0, err_msg=name)


# ---------------------------------------------------------------------------------------------
# Tests


def test_split_marks_the_training_rows(trained):
    out = trained["out"]
    assert len(out) == 100_311
    assert set(out["split"].unique()) == {"train", "test"}
    if trained["name"] == "time":
        want = np.where(out["ordered_at"] >= pd.Timestamp("2025-04-01"), "test", "train")
        assert (out["split"].to_numpy() == want).all()
    share = (out["split"] == "train").mean()
    assert 0.6 < share < 0.9


def test_output_columns_and_types(trained):
    out = trained["out"]
    e = trained["ref"].expected(out)
    assert [c for c in out.columns if c in e] == list(e), "feature columns in node order"
    for name in ["channel_1", "channel_other", "channel_null", "st_completed", "st_other"]:
        assert str(out[name].dtype) == "Int32", name
    for name in ["status_ord", "product_id_n", "customer_id_h"]:
        assert str(out[name].dtype) == "Int64", name
    assert str(out["unit_price_qb"].dtype) == "Int32"
    assert str(out["channel_share"].dtype) == "Float64" and str(out["product_id_te"].dtype) == "Float64"


@pytest.mark.parametrize("group", ["one_hot", "ordinal", "frequency", "target", "hash", "bin"])
def test_features_match_the_references(trained, group, engine_duckdb):
    if group == "hash" and engine_duckdb.lstrip("v") != duckdb.__version__:
        buckets = trained["out"][[f"{c}_h" for c in HASHED] + HASHED]
        for c in HASHED:
            b, v = buckets[f"{c}_h"], buckets[c]
            assert ((b >= 0) & (b < BUCKETS)).all() and (b.isna() == v.isna()).all()
            assert (pd.DataFrame({"v": v, "b": b}).dropna().groupby("v")["b"].nunique() == 1).all()
        pytest.skip(f"duckdb package {duckdb.__version__} is not the engine's DuckDB {engine_duckdb}: range and consistency only")
    out = trained["out"]
    prefixes = {
        "one_hot": ("channel_1", "channel_2", "channel_other", "channel_null", "st_"),
        "ordinal": tuple(f"{c}_ord" for c in ORDINAL),
        "frequency": tuple(f"{c}_n" for c in COUNTS) + tuple(f"{c}_share" for c in SHARES),
        "target": ("product_id_te", "channel_te", "customer_id_tr", "coupon_code_tr"),
        "hash": tuple(f"{c}_h" for c in HASHED),
        "bin": ("_qb", "_ab", "_ub"),
    }[group]
    e = {k: v for k, v in trained["ref"].expected(out).items() if k.startswith(prefixes) or k.endswith(prefixes)}
    assert e
    compare(out, e)


def test_state_holds_the_training_fit(trained):
    nodes, ref = trained["state"]["nodes"], trained["ref"]
    assert nodes["oh_channel"]["state"] == {"categories": ref.ranked}
    assert nodes["oh_status"]["state"] == {"categories": STATUS_CATEGORIES}
    for c, enc in ref.ordinal.items():
        assert nodes["ordinal"]["state"][f"{c}.categories"] == [text(v) for v in enc.categories_[0]], c
    for c, vc in ref.counts.items():
        s = nodes["counts"]["state"]
        order = sorted(vc.index)
        assert s[f"{c}.categories"] == [text(v) for v in order]
        assert s[f"{c}.counts"] == [int(vc[v]) for v in order]
        assert s[f"{c}.total"] == int(vc.sum())
    for name, (c, _, prior, g) in ref.target.items():
        s = nodes["te_amount" if name.endswith("_te") else "te_returned"]["state"]
        assert s["prior"] == pytest.approx(prior, rel=1e-12)
        order = sorted(g.index)
        assert s[f"{c}.categories"] == [text(v) for v in order]
        assert s[f"{c}.counts"] == [int(g.loc[v, "count"]) for v in order]
        np.testing.assert_allclose(s[f"{c}.means"], [g.loc[v, "mean"] for v in order], rtol=1e-12)
    for name, (node, c, k) in ref.bins.items():
        edges = nodes[node]["state"][f"{c}.edges"]
        assert edges == [float(x) for x in k.bin_edges_[0]], f"{name}: {edges} vs {list(k.bin_edges_[0])}"
    # Some quantile edges were merged away, as KBinsDiscretizer does.
    assert len(nodes["bin_aicdf"]["state"]["discount.edges"]) < 11
    assert "hashed" not in nodes, "hash_encode fits nothing"


def test_fits_on_all_rows_would_differ(trained):
    """The comparisons above can tell training-row fits from all-row fits."""
    out, ref = trained["out"], trained["ref"]
    everything = Reference(out)
    e_train, e_all = ref.expected(out), everything.expected(out)
    for name in ["product_id_n", "customer_id_n", "channel_share", "product_id_te", "customer_id_tr", "unit_price_qb", "amount_qb", "amount_ab"]:
        a, b = e_train[name][1], e_all[name][1]
        if isinstance(a, pd.Series):
            assert not a.fillna(-1).equals(b.fillna(-1)), name
        else:
            assert not np.allclose(a, b, rtol=REL, equal_nan=True), name


def serving_rows(sample) -> pd.DataFrame:
    """Test-period orders as raw text, with unseen categories, nulls and out-of-range numbers."""
    raw = pd.read_csv(sample / "orders.csv.gz", dtype=str, keep_default_na=False)
    rows = raw[raw["order_id"].astype(int) % 97 == 0].tail(300).reset_index(drop=True).copy()
    edits = [
        (range(0, 10), "channel", "kiosk"),
        (range(10, 20), "status", "lost"),
        (range(20, 30), "product_id", "9999"),
        (range(30, 40), "customer_id", "99999"),
        (range(40, 50), "coupon_code", "NEW50"),
        (range(50, 55), "unit_price", "1000000.0"),
        (range(55, 60), "unit_price", "0.001"),
        (range(60, 65), "quantity", "500"),
        (range(60, 65), "discount", "0.99"),
        (range(65, 70), "amount", "-3.5"),
        (range(70, 75), "channel", ""),
        (range(75, 80), "status", ""),
        (range(80, 85), "product_id", ""),
        (range(85, 90), "unit_price", ""),
    ]
    for idx, col, value in edits:
        rows.loc[list(idx), col] = value
    return rows


def test_serving_applies_the_saved_state(trained, sample):
    d = trained["dir"]
    rows = serving_rows(sample)
    csv = d / f"serving_{trained['name']}.csv"
    rows.to_csv(csv, index=False)
    code, events = run_json(trained["spec"], "--no-history", "--param", f"orders={csv}", "--param", f"out={d / 'serve'}",
                            "--state", str(d / "train/features.state.json"))
    assert code == 0, [e for e in events if e.get("event") in ("node_failed", "run_finished", "diagnostic")]
    assert not (d / "serve/features.state.json").exists(), "a run with --state fits nothing"
    out = read_out(d / "serve/features.parquet")
    assert len(out) == len(rows)
    compare(out, trained["ref"].expected(out))
    # Unseen categories: other / -1 / 0 / the prior; out-of-range numbers: the first or last bin.
    ref = trained["ref"]
    kiosk = out[out["channel"] == "kiosk"]
    assert (kiosk["channel_other"] == 1).all() and (kiosk["channel_1"] == 0).all() and (kiosk["channel_share"] == 0).all()
    assert (out.loc[out["status"] == "lost", "status_ord"] == -1).all()
    assert (out.loc[out["status"] == "lost", "st_other"] == 1).all()
    assert (out.loc[out["product_id"] == 9999, "product_id_n"] == 0).all()
    prior = ref.target["product_id_te"][2]
    np.testing.assert_allclose(out.loc[out["product_id"] == 9999, "product_id_te"].astype(float), prior, rtol=REL)
    assert (out.loc[out["unit_price"] == 1_000_000.0, "unit_price_qb"] == 4).all()
    assert (out.loc[out["unit_price"] == 0.001, "unit_price_ub"] == 0).all()
    assert out.loc[out["unit_price"].isna(), "unit_price_qb"].isna().all()
    assert (out.loc[out["channel"].isna(), "channel_null"] == 1).all()
