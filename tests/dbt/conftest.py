"""Export a pipeline as a dbt project, build it with dbt, and read what sluice and dbt produced.

`dbt build` runs in its own process with the project's own example profile, as a user would run
it; for Spark that is a local session (`local[2]`) writing Parquet tables to a warehouse folder.
No Snowflake account is reachable here: Snowflake projects are built by dbt-snowflake against
fakesnow, an emulator on DuckDB (`snowflake_emulated.py`), after the load steps of their README.
"""

import datetime
import decimal
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import re

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/sluice/target"))
SLUICE = Path(os.environ.get("SLUICE_BIN", TARGET / "debug/sluice"))
DBT = Path(sys.executable).parent / "dbt"
SNOWFLAKE_EMULATED = Path(__file__).parent / "snowflake_emulated.py"


@pytest.fixture()
def sample(tmp_path) -> Path:
    """A copy of sample_data, so runs never write into the repository."""
    dst = tmp_path / "sample_data"
    shutil.copytree(ROOT / "sample_data", dst, ignore=shutil.ignore_patterns("out", ".sluice"))
    return dst


def sluice(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([str(SLUICE), *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"sluice {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def run_events(spec: Path, *args: str) -> list[dict]:
    """`sluice run --json`; the events, whatever the exit code."""
    p = sluice("run", str(spec), "--json", "--no-cache", *args, check=False)
    assert p.returncode in (0, 1), p.stderr
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


class Build:
    """What one `dbt build` did: status per model and per check, from dbt's own artifacts."""

    def __init__(self, project: Path, dialect: str, proc: subprocess.CompletedProcess):
        self.project, self.dialect, self.proc = project, dialect, proc
        results = json.loads((project / "target/run_results.json").read_text())["results"]
        manifest = json.loads((project / "target/manifest.json").read_text())["nodes"]
        self.models: dict[str, str] = {}
        self.checks: dict[str, list[str]] = {}
        for r in results:
            node = manifest[r["unique_id"]]
            meta = node["config"].get("meta", {})
            if node["resource_type"] == "model":
                self.models[meta["sluice_node"]] = r["status"]
            elif node["resource_type"] == "test":
                self.checks.setdefault(meta["sluice_check"], []).append(r["status"])

    def check_status(self, check: str) -> str:
        """fail / warn / pass / skipped, as sluice says it, over the check's tests."""
        statuses = self.checks[check]
        for s in ("fail", "error", "warn", "skipped"):
            if s in statuses:
                return "fail" if s == "error" else s
        return "pass"

    def table(self, model: str) -> pd.DataFrame:
        if self.dialect == "duckdb":
            db = self.project / "target" / f"{self.project_name}.duckdb"
            with duckdb.connect(str(db), read_only=True) as con:
                return con.sql(f'SELECT * FROM main."{model}"').df()
        if self.dialect == "snowflake":
            # The emulator's database file; Snowflake folds the unquoted schema and table names
            # dbt writes to upper case.
            with duckdb.connect(str(self.project / "emulated" / "SLUICE.db"), read_only=True) as con:
                return con.sql(f'SELECT * FROM "{self.project_name.upper()}"."{model.upper()}"').df()
        folder = self.project / "spark-warehouse" / f"{self.project_name}.db" / model
        return duckdb.sql(f"SELECT * FROM read_parquet('{folder}/*.parquet')").df()

    def test_row(self, test: str) -> dict:
        """The measuring row of a singular test (its query without the failure condition), on
        the DuckDB database dbt built."""
        sql = next((self.project / "target/compiled").glob(f"*/tests/{test}.sql")).read_text()
        sql = sql[: sql.rindex("WHERE NOT")]
        db = self.project / "target" / f"{self.project_name}.duckdb"
        with duckdb.connect(str(db), read_only=True) as con:
            rel = con.sql(sql)
            return dict(zip(rel.columns, rel.fetchall()[0]))

    @property
    def project_name(self) -> str:
        return project_name(self.project)


def project_name(project: Path) -> str:
    """The `name:` of an exported project's dbt_project.yml."""
    for line in (project / "dbt_project.yml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("dbt_project.yml has no name")


def dbt_build(project: Path, dialect: str, *args: str) -> Build:
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    command = [str(DBT), "build", "--profiles-dir", ".", "--project-dir", ".", "--no-use-colors", *args]
    if dialect == "snowflake":
        db = project / "emulated"
        shutil.rmtree(db, ignore_errors=True)
        db.mkdir()
        command = [sys.executable, str(SNOWFLAKE_EMULATED), str(db), str(project), *args]
    p = subprocess.run(
        command,
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if not (project / "target/run_results.json").exists():
        raise AssertionError(f"dbt build did not run:\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}")
    return Build(project, dialect, p)


def read_output(path: Path) -> pd.DataFrame:
    fn = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    return duckdb.sql(f"SELECT * FROM {fn}('{path}')").df()


def assert_same_rows(ours: pd.DataFrame, theirs: pd.DataFrame, what: str, rel: float = 1e-9) -> None:
    """The same rows in any order: columns by name, floats to `rel` relative, the rest exactly."""
    assert list(ours.columns) == list(theirs.columns), f"{what}: columns {list(ours.columns)} != {list(theirs.columns)}"
    assert len(ours) == len(theirs), f"{what}: {len(ours)} rows != {len(theirs)}"
    floats = [c for c in ours.columns if pd.api.types.is_float_dtype(ours[c]) or pd.api.types.is_float_dtype(theirs[c])]
    keys = [c for c in ours.columns if c not in floats]

    def normal(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        for c in keys:
            df[c] = df[c].map(normal_value)
        for c in floats:
            df[c] = pd.to_numeric(df[c], errors="raise").astype(float)
        return df.sort_values(keys + floats, kind="stable", na_position="last").reset_index(drop=True)

    a, b = normal(ours), normal(theirs)
    for c in keys:
        bad = (a[c] != b[c]).sum()
        assert bad == 0, f"{what}: column {c} differs in {bad} rows, e.g. {a[c][a[c] != b[c]].head(3).tolist()} vs {b[c][a[c] != b[c]].head(3).tolist()}"
    for c in floats:
        x, y = a[c].to_numpy(), b[c].to_numpy()
        both_nan = pd.isna(x) & pd.isna(y)
        scale = abs(x).clip(min=1e-300)
        ok = both_nan | (abs(x - y) <= rel * scale) | (x == y)
        assert ok.all(), f"{what}: column {c} differs beyond {rel} relative in {(~ok).sum()} rows"


# A date or a naive timestamp as text (how `sluice preview --json` shows them).
TIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?)?$")


def normal_value(v) -> str:
    """A value as text that does not depend on how each side typed it (a DATE or a timestamp at
    midnight, a Decimal or an integer, a timestamp with or without a UTC zone)."""
    if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return "<null>"
    if isinstance(v, (datetime.date, datetime.datetime, pd.Timestamp)):
        t = pd.Timestamp(v)
        if t.tzinfo is not None:
            t = t.tz_convert("UTC").tz_localize(None)
        return t.isoformat()
    if isinstance(v, str) and TIME_TEXT.match(v):
        return pd.Timestamp(v).isoformat()
    if isinstance(v, decimal.Decimal):
        return format(v.normalize(), "f")
    if hasattr(v, "item"):
        v = v.item()
    return str(v)
