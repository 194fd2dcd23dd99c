"""Build an exported Snowflake project against fakesnow, an emulator of Snowflake on DuckDB.

Usage: python snowflake_emulated.py DB_DIR PROJECT_DIR [dbt build args...]

No Snowflake account is reachable from the test machines, so the Snowflake SQL is run by fakesnow:
it parses each statement with sqlglot's Snowflake dialect (so Snowflake syntax is checked), applies
Snowflake's rules it knows (upper-casing unquoted names, NULL ordering, stage files, COPY INTO) and
executes on DuckDB. This runs dbt-snowflake itself, in this process, with its connector patched.

First the load steps the project's README gives (`snowsql -q "..."` lines: create the schema and
the stage, PUT the files) run as written; then `dbt build`. The database lands in DB_DIR as
`<DATABASE>.db`, a DuckDB file the tests read.
"""

import os
import re
import shlex
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

import fakesnow  # noqa: E402
import snowflake.connector  # noqa: E402
from dbt.cli.main import dbtRunner  # noqa: E402


def readme_statements(project: Path) -> list[str]:
    """The SQL of the README's `snowsql -q "..."` lines, in order; a relative `file://` path is
    taken relative to the project."""
    out = []
    for line in (project / "README.md").read_text().splitlines():
        if line.startswith("snowsql "):
            args = shlex.split(line)
            sql = args[args.index("-q") + 1]
            sql = re.sub(r"'file://(?!/)", f"'file://{project.resolve()}/", sql)
            out.extend(s.strip() for s in sql.split(";") if s.strip())
    return out


def main() -> int:
    db_dir, project, *dbt_args = sys.argv[1:]
    project = Path(project).resolve()
    database = os.environ.setdefault("SNOWFLAKE_DATABASE", "SLUICE")
    for var in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD"):
        os.environ.setdefault(var, "emulated")
    with fakesnow.patch(db_path=db_dir):
        con = snowflake.connector.connect(database=database)
        cur = con.cursor()
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        for sql in readme_statements(project):
            cur.execute(sql)
        con.close()
        os.chdir(project)
        result = dbtRunner().invoke(["build", "--profiles-dir", ".", "--project-dir", ".", "--no-use-colors", *dbt_args])
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
