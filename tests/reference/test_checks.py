"""Check results of the sample pipeline on the inputs with injected problems, against counts
computed here with pandas from the same files, following Great Expectations' definitions:

- value rules (accepted values, between, regex) ignore nulls: unexpected_percent is
  unexpected / non-null values;
- not null counts every row: unexpected_percent is nulls / all rows;
- a null fraction is nulls / all rows;
- `mostly` compares the share of expected values with the threshold.
"""

import re

import numpy as np
import pandas as pd
import pytest

from conftest import run_json

STATUSES = {"completed", "shipped", "returned", "cancelled", "pending"}


@pytest.fixture(scope="module")
def problems_run(sample):
    code, events = run_json(sample / "pipelines/customer_features.sluice.json", "--param", "data=../problems")
    checks = {e["node"]: e for e in events if e["event"] == "check_finished"}
    return code, events, checks


@pytest.fixture(scope="module")
def orders(sample) -> pd.DataFrame:
    """orders.csv.gz as the pipeline reads it: 'N/A' and empty are null; then parsed_orders."""
    df = pd.read_csv(sample / "problems/orders.csv.gz", dtype=str, keep_default_na=False, na_values=["", "N/A"])
    df["amount"] = pd.to_numeric(df["amount"].str.replace(",", ".", regex=False), errors="coerce").round(2)
    a = pd.to_datetime(df["ordered_at"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    b = pd.to_datetime(df["ordered_at"], format="%Y/%m/%d %H:%M:%S", errors="coerce")
    df["ordered_at"] = a.fillna(b)
    return df


def test_failed_checks_stop_the_run(problems_run):
    code, events, checks = problems_run
    assert code == 1
    failed = sorted(n for n, c in checks.items() if c["status"] == "fail")
    assert failed == ["amount_in_range", "amount_present", "order_ids_consistent", "valid_status"]
    assert checks["orders_complete"]["status"] == "pass"
    # A fresh copy has no run history: the row-count change has no baseline and only warns.
    assert checks["orders_volume"]["status"] == "warn" and "no baseline" in checks["orders_volume"]["message"]
    skipped = {e["node"] for e in events if e["event"] == "node_skipped"}
    assert {"write_features", "write_monthly", "unique_orders"} <= skipped
    assert not any(e["event"] == "output_written" for e in events)
    assert events[-1] == {**events[-1], "event": "run_finished", "status": "failed"}


def test_accepted_values(problems_run, orders):
    c = problems_run[2]["valid_status"]
    values = orders["status"].dropna()
    unexpected = int((~values.isin(STATUSES)).sum())
    assert unexpected == 272  # as the generator's summary in sample_data/README.md counts them
    assert c["unexpected_count"] == unexpected
    assert c["element_count"] == len(orders)
    assert c["unexpected_percent"] == pytest.approx(100 * unexpected / len(values), abs=1e-9)
    assert c["observed"] == pytest.approx(1 - unexpected / len(values), abs=1e-12)


def test_between_ignores_nulls(problems_run, orders):
    c = problems_run[2]["amount_in_range"]
    values = orders["amount"].dropna()
    unexpected = int(((values < 0) | (values > 5_000_000)).sum())
    assert c["unexpected_count"] == unexpected
    assert c["unexpected_percent"] == pytest.approx(100 * unexpected / len(values), abs=1e-9)
    assert c["samples"]["rows"], "failing rows are sampled"
    amount_at = [col["name"] for col in c["samples"]["columns"]].index("amount")
    for row in c["samples"]["rows"]:
        assert row[amount_at] < 0 or row[amount_at] > 5_000_000


def test_null_fraction(problems_run, orders):
    c = problems_run[2]["amount_present"]
    nulls = int(orders["amount"].isna().sum())
    assert c["observed"] == pytest.approx(nulls / len(orders), abs=1e-12)
    assert c["unexpected_count"] == nulls
    assert c["unexpected_percent"] == pytest.approx(100 * nulls / len(orders), abs=1e-9)


def test_not_null_counts_every_row(problems_run, orders):
    c = problems_run[2]["orders_complete"]
    bad = int(orders[["order_id", "customer_id", "ordered_at"]].isna().any(axis=1).sum())
    assert c["unexpected_count"] == bad
    assert c["unexpected_percent"] == pytest.approx(100 * bad / len(orders), abs=1e-9)


def test_sql_assertion_counts_returned_rows(problems_run, orders):
    c = problems_run[2]["order_ids_consistent"]
    key = orders["customer_id"] + "|" + orders["product_id"] + "|" + orders["ordered_at"].astype(str)
    reused = int((key.groupby(orders["order_id"]).nunique() > 1).sum())
    assert c["unexpected_count"] == reused


def test_regex_search_semantics_and_mostly(problems_run, sample):
    c = problems_run[2]["email_format"]
    emails = pd.read_csv(sample / "problems/customers.csv", dtype=str, keep_default_na=False, na_values=[""])["email"]
    values = emails.dropna()
    pattern = re.compile(r"^\s*[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\s*$")
    unexpected = int(sum(pattern.search(v) is None for v in values))
    assert c["unexpected_count"] == unexpected
    assert c["unexpected_percent"] == pytest.approx(100 * unexpected / len(values), abs=1e-9)
    assert c["severity"] == "warn"
    assert c["status"] == ("pass" if (len(values) - unexpected) >= 0.95 * len(values) else "warn")
    assert np.isclose(c["observed"], 1 - unexpected / len(values))
