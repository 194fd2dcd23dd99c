"""Every catalog case (tests/kinds) whose kind says it is spelt for Snowflake, exported with
`--dialect snowflake` and run on fakesnow (Snowflake emulated on DuckDB; see conftest): the node
under test gives the rows `sluice preview` gives, and a check's exported test fails exactly when
`sluice run` fails the check.

Each case gets its own schema and stage; the source files are PUT into the stage as the project's
README says, the models become views in dependency order, their pre-hooks (the stage loads) run
first.
"""

import itertools
import warnings
from pathlib import Path

import pandas as pd
import pytest

from kinds_common import CASES, REF, SETUP, Engine, body, check_case, project_vars, render

SCHEMAS = itertools.count()

# Where fakesnow, not the exported SQL, falls short: it reads staged CSV files with DuckDB's type
# sniffing whatever the file format says, and the sniffer gives up on this header.
EMULATOR_GAPS = {"quoted_names": "fakesnow cannot load this CSV (its quoted, accented header) from a stage"}


class Snowflake(Engine):
    name = "snowflake"
    quote = '"'

    def __init__(self, cursor):
        self.cur = cursor

    def run_project(self, project: Path) -> None:
        schema = f"CASE_{next(SCHEMAS)}"
        self.cur.execute(f"CREATE SCHEMA {schema}")
        self.cur.execute(f"USE SCHEMA {schema}")
        self.cur.execute("CREATE STAGE sluice_files")
        variables = project_vars(project)
        for line in (project / "README.md").read_text().splitlines():
            if line.startswith("snowsql ") and "'file://" in line:
                local = line.split("'file://", 1)[1].split("'", 1)[0]
                self.cur.execute(f"PUT 'file://{local}' @sluice_files AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
        models = {p.stem: p.read_text() for p in (project / "models").glob("*.sql")}
        done: set[str] = set()

        def define(name: str):
            if name in done:
                return
            text = models[name]
            for dep in REF.findall(text):
                define(dep)
            for _, statement in SETUP.findall(text):
                self.cur.execute(render(statement, variables))
            self.cur.execute(f'CREATE OR REPLACE VIEW "{name}" AS {body(text, variables, self.quote)}')
            done.add(name)

        for name in models:
            define(name)

    def table(self, model: str) -> pd.DataFrame:
        self.cur.execute(f'SELECT * FROM "{model}"')
        return self.cur.fetch_pandas_all()

    def fails(self, test_sql: str) -> bool:
        return len(self.cur.execute(test_sql).fetchall()) > 0


@pytest.fixture(scope="module")
def snowflake():
    warnings.filterwarnings("ignore")
    import fakesnow
    import snowflake.connector

    with fakesnow.patch():
        con = snowflake.connector.connect(database="SLUICE")
        cur = con.cursor()
        cur.execute("CREATE DATABASE IF NOT EXISTS SLUICE")
        yield Snowflake(cur)
        con.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kind_case_on_snowflake(snowflake, case: Path, tmp_path: Path):
    if case.name in EMULATOR_GAPS:
        pytest.skip(EMULATOR_GAPS[case.name])
    check_case(snowflake, case, tmp_path, "Snowflake")
