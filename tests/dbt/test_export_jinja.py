"""A spec whose text is Jinja, exported and built by dbt: nothing of it runs, and the rows are
sluice's.

The spec puts Jinja everywhere a spec says something that reaches the project: a sql node (with
a `{% endraw %}` escape), a filter predicate, derive expressions and names, column names (from
the data's header), check values and descriptions, node descriptions, the pipeline's name and
description, and the source file's path (a dbt var). Had any of it run, `log()` would print a
word the files never spell (it is built with `~`), `env_var()` would put a secret into the
compiled SQL or the logs, and `run_query()` would write a canary file.
"""

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import DBT, assert_same_rows, dbt_build, read_output, sluice

# Printed only if a log() call ran: the files spell it as "JINJA" ~ "_RAN". The Jinja in SQL
# strings quotes with ", which SQL leaves as it is, so that it would run as written.
RAN = "JINJA_RAN"
# Ends a `{% raw %}` block around the SQL, if the export wrote one.
ENDRAW_ESCAPE = '{% endraw %}{{ log(env_var("HOME") ~ " JINJA" ~ "_RAN_endraw", info=True) }}{% raw %}'


def escape(jinja: str) -> str:
    """`jinja` out of a `{% raw %}` block around it, if the export wrote one."""
    return "{% endraw %}" + jinja + "{% raw %}"


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ran(tag: str) -> str:
    return f'{{{{ log("JINJA" ~ "_RAN_{tag}", info=True) }}}}'


# Printed only if the Jinja in the Snowflake column name ran (fakesnow, the emulator, cannot take
# a quote in a column name): 73939 * 133.
PRODUCT = "9833887"


def ran_in_name(tag: str, dialect: str) -> str:
    """For a column name, which SQL quotes with "."""
    if dialect == "snowflake":
        return "{{ log(73939 * 133, info=True) }}"
    return f"{{{{ log('JINJA' ~ '_RAN_{tag}', info=True) }}}}"


def hostile_spec(folder: Path, canary: Path, dialect: str) -> Path:
    # A path with Jinja in it for DuckDB; Spark reads braces in paths as globs, and the Snowflake
    # stage takes file names of letters, digits, '.', '_' and '-'.
    name = "in {{ x }} {# y #}.csv" if dialect == "duckdb" else "input.csv"
    col = ran_in_name("column", dialect)
    kinds = ["{{ x }}", "{% endraw %}", "{# y #}"]
    rows = [f'1,a,10,"{kinds[0]}"', f'2,b,20,"{kinds[1]}"', f'3,c,-5,"{kinds[2]}"', f'4,d,30,"{kinds[0]}"']
    (folder / name).write_text(f'id,"{col}",amount,kind\n' + "\n".join(rows) + "\n")
    # \x27 is a ' to Jinja, and no quote to SQL.
    run_query = f'{{{{ run_query("COPY (SELECT 42 AS x) TO \\x27{canary}\\x27 (FORMAT csv)") }}}}'
    spec = {
        "version": 1,
        "name": f"hostile {ran('name')}",
        "description": f"{{% endraw %}}{ran('spec_description')} {{{{ env_var('SLUICE_SECRET') }}}}",
        "nodes": [
            {"id": "src", "kind": "read_csv", "params": {"path": name},
             "description": f"{ran('description')} {{# comment #}} {{% endraw %}}"},
            {"id": "big", "kind": "filter", "inputs": {"input": "src"},
             "params": {"predicate": f"amount > 0 AND \"{col}\" <> {sql_str(escape(ran('predicate')))}"}},
            {"id": "d", "kind": "derive", "inputs": {"input": "big"},
             "params": {"columns": {
                 "{# derived #}": f"{sql_str(escape(run_query))} || CAST(amount AS VARCHAR)",
                 "secret": sql_str(escape('{{ env_var("SLUICE_SECRET") }}')),
             }}},
            {"id": "q", "kind": "sql", "inputs": {"input": "d"},
             "params": {"query": f"SELECT *, {sql_str(ENDRAW_ESCAPE)} AS s, '{{{{ env_var(\"SLUICE_SECRET\") }}}}' AS t FROM input"},
             "description": ran("sql_description")},
            {"id": "present", "kind": "check_not_null", "inputs": {"input": "q"}, "params": {"columns": [col, "{# derived #}"]}},
            {"id": "kinds", "kind": "check_accepted_values", "inputs": {"input": "present"},
             "params": {"column": "kind", "values": kinds}},
            {"id": "positive", "kind": "check_sql", "inputs": {"input": "kinds"},
             "params": {"query": f"SELECT * FROM input WHERE amount <= 0 OR s <> {sql_str(ENDRAW_ESCAPE)}",
                        "description": ran("check_description")}},
            {"id": "out", "kind": "write_csv", "inputs": {"input": "positive"}, "params": {"path": "out/rows.csv"}},
        ],
    }
    path = folder / "hostile.sluice.json"
    path.write_text(json.dumps(spec, indent=2))
    return path


def dbt_compile(project: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1")
    return subprocess.run(
        [str(DBT), "compile", "--profiles-dir", ".", "--project-dir", ".", "--no-use-colors"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900,
    )


def everything_dbt_wrote(project: Path) -> str:
    """The text of the compiled and run SQL, the manifest and dbt's log."""
    parts = []
    for folder in ("target", "logs"):
        for f in (project / folder).rglob("*"):
            if f.is_file() and f.suffix in (".sql", ".json", ".log"):
                parts.append(f.read_text(errors="replace"))
    return "\n".join(parts)


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "snowflake"])
def test_spec_text_runs_no_jinja_in_dbt(tmp_path: Path, monkeypatch, dialect: str):
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("SLUICE_SECRET", secret)
    canary = tmp_path / "canary.csv"
    work = tmp_path / "spec"
    work.mkdir()
    spec = hostile_spec(work, canary, dialect)

    events = [json.loads(l) for l in sluice("run", str(spec), "--json", "--no-cache", "--no-history").stdout.splitlines()]
    assert events[-1]["status"] == "success", events[-1]
    assert {e["node"]: e["status"] for e in events if e["event"] == "check_finished"} == {
        "present": "pass", "kinds": "pass", "positive": "pass"}

    project = tmp_path / f"dbt-{dialect}"
    sluice("export", "dbt", str(spec), "--out", str(project), "--dialect", dialect)
    outputs = []
    if dialect == "duckdb":
        compiled = dbt_compile(project)
        assert compiled.returncode == 0, compiled.stdout[-3000:]
        outputs.append(compiled.stdout + compiled.stderr)
        # The escape is text in the compiled SQL, as the spec wrote it.
        q = next((project / "target/compiled").glob("*/models/q.sql")).read_text()
        assert sql_str(ENDRAW_ESCAPE) in q, q
    build = dbt_build(project, dialect)
    assert build.proc.returncode == 0, build.proc.stdout[-3000:]
    outputs.append(build.proc.stdout + build.proc.stderr)

    written = everything_dbt_wrote(project)
    for text in outputs + [written]:
        for mark in (RAN, PRODUCT):
            assert mark not in text, text[max(0, text.find(mark) - 500):text.find(mark) + 200]
        assert secret not in text
    assert not canary.exists(), "run_query ran"
    assert {c: build.check_status(c) for c in ("present", "kinds", "positive")} == {
        "present": "pass", "kinds": "pass", "positive": "pass"}
    # The rows (the Jinja in them as text) are sluice's.
    assert_same_rows(read_output(work / "out/rows.csv"), build.table("out"), f"{dialect} out")
