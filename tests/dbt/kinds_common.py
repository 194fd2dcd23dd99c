"""What the per-kind export harnesses share: the catalog cases, their options, and dbt's Jinja as
the exported files use it (refs, vars, raw blocks, pre-hooks), resolved without dbt so that one
engine session runs every case."""

import json
import re
import shutil
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd
import pytest

from conftest import ROOT, assert_same_rows, sluice

CASES = sorted(p.parent for p in (ROOT / "tests/kinds").glob("*/pipeline.sluice.json"))
CATALOG = json.loads(sluice("catalog", "--json").stdout)["kinds"]


def kinds_for(dialect: str) -> set[str]:
    return {k["id"] for k in CATALOG if dialect in k["dialects"]}


def category_of(kind: str) -> str:
    return next(k["category"] for k in CATALOG if k["id"] == kind)


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


# A brace of the spec's text where it could open a Jinja tag, or a var.
BRACE_OR_VAR = re.compile(r"\{\{ '\{' \}\}|" + VAR.pattern)


def render(text: str, variables: dict[str, str]) -> str:
    """dbt's Jinja as the exported files use it: vars (whose values dbt renders too), raw blocks,
    and `{{ '{' }}`, which is how the files write a brace of the spec's text."""
    text = text.replace("{% raw %}", "").replace("{% endraw %}", "")
    return BRACE_OR_VAR.sub(lambda m: render(variables[m.group(1)], {}) if m.group(1) else "{", text)


def body(text: str, variables: dict[str, str] | None = None, quote: str = "`") -> str:
    """A model or test file as plain SQL (refs as view names, quoted with `quote`)."""
    text = SETUP.sub("", text)
    lines = [l for l in text.splitlines() if not l.startswith("--") and not l.startswith("{{ config(")]
    sql = render("\n".join(lines), variables or {})
    return REF.sub(lambda m: f"{quote}{m.group(1)}{quote}", sql).strip()




class Engine:
    """How one engine runs an exported project's models and reads them back."""

    name = ""
    #: How the plain SQL of the files names a model (`ref()` resolved).
    quote = '"'

    def execute(self, sql: str) -> None:
        raise NotImplementedError

    def create_view(self, name: str, sql: str) -> None:
        raise NotImplementedError

    def run_project(self, project: Path) -> None:
        """Every model as a view, upstream first, after its pre-hooks (the file reads)."""
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
                self.execute(render(statement, variables))
            self.create_view(name, body(text, variables, self.quote))
            done.add(name)

        for name in models:
            define(name)

    def table(self, model: str) -> pd.DataFrame:
        raise NotImplementedError

    def fails(self, test_sql: str) -> bool:
        """Whether a singular test's query returns rows."""
        raise NotImplementedError


def check_case(engine: Engine, case: Path, tmp_path: Path, title: str) -> None:
    """Export `case` for the engine's dialect, run it, and compare with sluice on DuckDB."""
    kind = kind_under_test(case)
    if kind not in kinds_for(engine.name):
        pytest.skip(f"{kind} is not spelt for {title}")
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
    p = sluice("export", "dbt", str(spec), "--out", str(project), "--dialect", engine.name, *args, check=False)
    if p.returncode != 0:
        # Refusing is right only for another node's kind, or for a construct this case uses that
        # the dialect cannot say (the export names it); the test records which.
        assert "X011" in p.stderr or "X001" in p.stderr, p.stderr
        refused = re.findall(r"node '([^']+)'", p.stderr)
        if "under_test" not in refused:
            pytest.skip(f"another node is not spelt for {title}: {p.stderr.strip().splitlines()[0]}")
        # The kind is spelt for the dialect but this case uses what it cannot say (a function, a
        # type, DuckDB's row hash): the export refuses it by name and writes nothing.
        assert "cannot express" in p.stderr and not project.exists(), p.stderr
        return
    engine.run_project(project)

    category = category_of(kind)
    if category == "check":
        events = [json.loads(l) for l in sluice("run", str(spec), "--json", "--no-cache", "--no-history", *args, check=False).stdout.splitlines()]
        status = next(e["status"] for e in events if e["event"] == "check_finished" and e["node"] == "under_test")
        test = project / "tests/under_test.sql"
        if not test.exists():
            pytest.skip("exported as dbt's generic tests")
        failing = engine.fails(body(test.read_text(), quote=engine.quote))
        node = next(n for n in json.loads(spec.read_text())["nodes"] if n["id"] == "under_test")
        severity = node.get("params", {}).get("severity", "error")
        if status == "warn" and severity != "warn":
            pytest.skip("a warning without a failure (no baseline, or a finding that only warns)")
        assert failing == (status != "pass"), f"sluice says {status}, the exported test {'fails' if failing else 'passes'}"
        return

    target = "under_test"
    theirs = engine.table(target)
    if category == "sink":
        # A sink's model holds the rows it writes: its input's.
        up = json.loads(spec.read_text())
        target = next(n for n in up["nodes"] if n["id"] == "under_test")["inputs"]["input"]
    preview = json.loads(sluice("preview", str(spec), target, "--limit", "1000000", "--json", "--no-cache", *args).stdout)
    ours = pd.DataFrame(preview["rows"], columns=[c["name"] for c in preview["columns"]])
    if options.get("expected_count") is not None:
        assert len(theirs) == len(ours)
        return
    assert_same_rows(ours, theirs, f"{case.name} ({kind}, {title})")
