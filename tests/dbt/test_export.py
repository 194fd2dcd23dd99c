"""`sluice export dbt` against `sluice run`: the exported project, built by dbt, writes the same rows
as sluice, and its tests fail exactly where sluice's checks fail, on DuckDB, on Spark and on Snowflake
(emulated: see conftest)."""

import json
import shutil
from pathlib import Path

import pytest

from conftest import assert_same_rows, dbt_build, read_output, run_events, sluice

DIALECTS = ["duckdb", "spark", "snowflake"]

FEATURES_SINKS = {"write_features": "out/customer_features.parquet", "write_monthly": "out/monthly_category_revenue.csv"}
CHURN_SINKS = {"write_train": "out/churn_train.parquet", "write_test": "out/churn_test.parquet"}


def export(spec: Path, out: Path, dialect: str, *args: str):
    return sluice("export", "dbt", str(spec), "--out", str(out), "--dialect", dialect, *args)


def check_statuses(events: list[dict]) -> dict[str, str]:
    return {e["node"]: e["status"] for e in events if e["event"] == "check_finished"}


def skipped(events: list[dict]) -> set[str]:
    return {e["node"] for e in events if e["event"] == "node_skipped"}


def left_out(stderr: str) -> set[str]:
    """Checks the export named as left out (warnings X020/X021)."""
    return {line.split("node '")[1].split("'")[0] for line in stderr.splitlines() if "[X02" in line}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_features_pipeline_same_rows_and_checks(sample: Path, tmp_path: Path, dialect: str):
    spec = sample / "pipelines/customer_features.sluice.json"
    history = ["--history-dir", str(tmp_path / "history")]

    # A good run records the row count baseline the volume check compares with; a second one
    # compares with it, as the exported tests do.
    assert run_events(spec, *history)[-1]["status"] == "success"
    project = tmp_path / f"dbt-{dialect}"
    p = export(spec, project, dialect, *history)
    events = run_events(spec, *history)
    assert events[-1]["status"] == "success", events[-1]
    assert left_out(p.stderr) == set(), p.stderr
    build = dbt_build(project, dialect)
    assert build.proc.returncode == 0, build.proc.stdout[-3000:]
    for sink, path in FEATURES_SINKS.items():
        assert_same_rows(read_output(spec.parent / path), build.table(sink), f"{dialect} {sink}")
    ours = check_statuses(events)
    assert {c: build.check_status(c) for c in ours} == ours

    # The same spec on the data with injected problems: the same checks fail, the same nodes are
    # skipped below them.
    bad = ["--param", "data=../problems"]
    events = run_events(spec, *history, *bad)
    ours = check_statuses(events)
    assert sorted(c for c, s in ours.items() if s == "fail") == [
        "amount_in_range", "amount_present", "order_ids_consistent", "orders_volume", "recent_drift", "valid_status"]
    if dialect == "duckdb":
        # The same project, its sources pointed at the problem files through their dbt vars.
        problems = spec.parent.parent / "problems"
        files = {"orders_path": "orders.csv.gz", "customers_path": "customers.csv", "products_path": "products.csv"}
        build = dbt_build(project, dialect, "--vars", json.dumps({k: str(problems / f) for k, f in files.items()}))
    else:
        project = tmp_path / f"dbt-{dialect}-problems"
        export(spec, project, dialect, *history, *bad)
        build = dbt_build(project, dialect)
    assert build.proc.returncode != 0
    theirs = {c: build.check_status(c) for c in ours}
    assert theirs == ours
    assert {m for m, s in build.models.items() if s == "skipped"} == skipped(events)
    if dialect == "duckdb":
        # The drift test's scores are sluice's, column by column.
        drift = next(e for e in events if e["event"] == "check_finished" and e["node"] == "recent_drift")
        row = build.test_row("recent_drift")
        assert row["share"] == pytest.approx(drift["observed"], rel=1e-12)
        for column in drift["details"]:
            assert row[column["column"]] == pytest.approx(column["score"], rel=1e-9), column


@pytest.mark.parametrize("dialect", DIALECTS)
def test_churn_pipeline_applies_the_training_state(sample: Path, tmp_path: Path, dialect: str):
    spec = sample / "pipelines/customer_churn.sluice.json"
    events = run_events(spec, "--no-history")
    assert events[-1]["status"] == "success", events[-1]
    state = spec.parent / "out/customer_churn.state.json"
    exports = [["--state", str(state)]]
    if dialect == "duckdb":
        # Without a state file the steps fit inline over the training rows, as sluice does.
        exports.append([])
    else:
        # Spark and Snowflake cannot spell the ordered list the top-k one-hot encoder fits:
        # refused by name.
        p = sluice("export", "dbt", str(spec), "--out", str(tmp_path / "refused"), "--dialect", dialect, check=False)
        assert p.returncode == 1 and "node 'country_onehot'" in p.stderr, p.stderr
        assert not (tmp_path / "refused").exists()
    for args in exports:
        project = tmp_path / f"dbt-{dialect}-{len(args)}"
        export(spec, project, dialect, *args)
        if args:
            assert "applies the state fitted at" in (project / "models/scaled.sql").read_text()
        build = dbt_build(project, dialect)
        assert build.proc.returncode == 0, build.proc.stdout[-3000:]
        for sink, path in CHURN_SINKS.items():
            assert_same_rows(read_output(spec.parent / path), build.table(sink), f"{dialect} {sink} {args}")


def test_export_refuses_a_folder_it_did_not_write(sample: Path, tmp_path: Path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    p = sluice("export", "dbt", str(sample / "pipelines/customer_features.sluice.json"), "--out", str(folder), check=False)
    assert p.returncode == 1
    assert "X003" in p.stderr
    assert (folder / "notes.txt").read_text() == "keep me"


GENERIC_CASES = ["check_accepted_values_nulls_ignored", "check_not_null_any_column_warn", "check_not_null_mostly",
                 "check_relationships_missing_keys", "check_relationships_same_name_mostly", "check_unique_compound"]


@pytest.mark.parametrize("dialect", ["duckdb", "snowflake"])
@pytest.mark.parametrize("name", GENERIC_CASES)
def test_checks_as_generic_tests_fail_where_sluice_fails(tmp_path: Path, name: str, dialect: str):
    """The catalog cases whose checks may export as dbt's own generic tests (which the per-kind
    harnesses cannot run without dbt), built by dbt: the check has sluice's status."""
    from kinds_common import ROOT, case_args

    work = tmp_path / name
    shutil.copytree(ROOT / "tests/kinds" / name, work)
    args, _ = case_args(work)
    spec = work / "pipeline.sluice.json"
    events = [json.loads(l) for l in sluice("run", str(spec), "--json", "--no-cache", "--no-history", *args, check=False).stdout.splitlines()]
    ours = check_statuses(events)
    assert "under_test" in ours, events
    project = tmp_path / f"dbt-{dialect}"
    export(spec, project, dialect, *args)
    build = dbt_build(project, dialect)
    assert {c: build.check_status(c) for c in ours} == ours, build.proc.stdout[-3000:]
