"""Every catalog case (tests/kinds) whose kind says it is spelt for Spark, exported with
`--dialect spark` and run in one local Spark session: the node under test gives the rows
`sluice preview` gives on DuckDB (any order, floats to 1e-9 relative), and a check's exported test
fails exactly when `sluice run` fails the check.

The models run as temporary views in dependency order, with dbt's Jinja (config, ref, raw
blocks, pre-hooks) resolved by this file, so 90 cases take one Spark session instead of 90 dbt
builds; the dbt builds of the sample pipelines cover dbt itself.
"""

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import ROOT, assert_same_rows, sluice

CASES = sorted(p.parent for p in (ROOT / "tests/kinds").glob("*/pipeline.sluice.json"))
SPARK_KINDS = {k["id"] for k in json.loads(sluice("catalog", "--json").stdout)["kinds"] if "spark" in k["dialects"]}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    s = (
        SparkSession.builder.master("local[2]")
        .appName("sluice-kinds")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield s
    s.stop()


def kind_under_test(case: Path) -> str:
    spec = json.loads((case / "pipeline.sluice.json").read_text())
    return next(n["kind"] for n in spec["nodes"] if n["id"] == "under_test")


def case_args(case: Path) -> tuple[list[str], dict]:
    options = json.loads((case / "case.json").read_text()) if (case / "case.json").exists() else {}
    args = []
    for k, v in options.get("params", {}).items():
        args += ["--param", f"{k}={v}"]
    return args, options


REF = re.compile(r"\{\{ ref\('([^']+)'\) \}\}")
SETUP = re.compile(r"\{% set (setup_\d+) %\}\{% raw %\}(.*?)\{% endraw %\}\{% endset %\}", re.S)


VAR = re.compile(r"\{\{ var\('([^']+)'\) \}\}")


def project_vars(project: Path) -> dict[str, str]:
    """The `vars:` of dbt_project.yml (each `  name: "json string"`)."""
    out, inside = {}, False
    for line in (project / "dbt_project.yml").read_text().splitlines():
        if line == "vars:":
            inside = True
        elif inside and line.startswith("  "):
            name, value = line.strip().split(": ", 1)
            out[name] = json.loads(value)
        else:
            inside = False
    return out


def render(text: str, variables: dict[str, str]) -> str:
    """dbt's Jinja as the exported files use it: vars, raw blocks."""
    text = VAR.sub(lambda m: variables[m.group(1)], text)
    return text.replace("{% raw %}", "").replace("{% endraw %}", "")


def body(text: str, variables: dict[str, str] | None = None) -> str:
    """A model or test file as plain SQL (refs as view names)."""
    text = SETUP.sub("", text)
    lines = [l for l in text.splitlines() if not l.startswith("--") and not l.startswith("{{ config(")]
    sql = render("\n".join(lines), variables or {})
    return REF.sub(lambda m: f"`{m.group(1)}`", sql).strip()


def run_project(spark, project: Path) -> None:
    """Every model as a temporary view, upstream first."""
    models = {p.stem: p.read_text() for p in (project / "models").glob("*.sql")}
    variables = project_vars(project)
    done: set[str] = set()

    def define(name: str):
        if name in done:
            return
        text = models[name]
        for dep in REF.findall(text):
            define(dep)
        for _, statement in SETUP.findall(text):
            spark.sql(render(statement, variables))
        spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS {body(text, variables)}")
        done.add(name)

    for name in models:
        define(name)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kind_case_on_spark(spark, case: Path, tmp_path: Path):
    kind = kind_under_test(case)
    if kind not in SPARK_KINDS:
        pytest.skip(f"{kind} is not spelt for Spark")
    args, options = case_args(case)
    if "expect_error" in options:
        pytest.skip("the case expects an error")
    work = tmp_path / case.name
    shutil.copytree(case, work)
    if (work / "setup.sql").exists():
        con = duckdb.connect()
        con.execute((work / "setup.sql").read_text().replace("$CASE", str(work)))
        con.close()
    spec = work / "pipeline.sluice.json"
    project = tmp_path / "project"
    p = sluice("export", "dbt", str(spec), "--out", str(project), "--dialect", "spark", *args, check=False)
    if p.returncode != 0:
        # Refusing is right only for another node's kind, or for a construct this case uses that
        # Spark cannot say (the export names it); the test records which.
        assert "X011" in p.stderr or "X001" in p.stderr, p.stderr
        refused = re.findall(r"node '([^']+)'", p.stderr)
        if "under_test" not in refused:
            pytest.skip(f"another node is not spelt for Spark: {p.stderr.strip().splitlines()[0]}")
        # The kind is spelt for Spark but this case uses what Spark cannot say (a function, a
        # type, DuckDB's row hash): the export refuses it by name and writes nothing.
        assert "cannot express" in p.stderr and not project.exists(), p.stderr
        return
    run_project(spark, project)

    category = next(k["category"] for k in json.loads(sluice("catalog", "--json").stdout)["kinds"] if k["id"] == kind)
    if category == "check":
        events = [json.loads(l) for l in sluice("run", str(spec), "--json", "--no-cache", "--no-history", *args, check=False).stdout.splitlines()]
        status = next(e["status"] for e in events if e["event"] == "check_finished" and e["node"] == "under_test")
        test = project / "tests/under_test.sql"
        if not test.exists():
            pytest.skip("exported as dbt's generic tests")
        failing = spark.sql(body(test.read_text())).count() > 0
        node = next(n for n in json.loads(spec.read_text())["nodes"] if n["id"] == "under_test")
        severity = node.get("params", {}).get("severity", "error")
        if status == "warn" and severity != "warn":
            pytest.skip("a warning without a failure (no baseline, or a finding that only warns)")
        assert failing == (status != "pass"), f"sluice says {status}, the exported test {'fails' if failing else 'passes'}"
        return

    target = "under_test"
    if category == "sink":
        theirs = spark.sql(f"SELECT * FROM `{target}`").toPandas()
        up = json.loads(spec.read_text())
        target_input = next(n for n in up["nodes"] if n["id"] == "under_test")["inputs"]["input"]
        preview = json.loads(sluice("preview", str(spec), target_input, "--limit", "1000000", "--json", "--no-cache", *args).stdout)
    else:
        theirs = spark.sql(f"SELECT * FROM `{target}`").toPandas()
        preview = json.loads(sluice("preview", str(spec), target, "--limit", "1000000", "--json", "--no-cache", *args).stdout)
    ours = pd.DataFrame(preview["rows"], columns=[c["name"] for c in preview["columns"]])
    if options.get("expected_count") is not None:
        assert len(theirs) == len(ours)
        return
    assert_same_rows(ours, theirs, f"{case.name} ({kind})")
