"""Every catalog case (tests/kinds) whose kind says it is spelt for Spark, exported with
`--dialect spark` and run in one local Spark session: the node under test gives the rows
`sluice preview` gives on DuckDB (any order, floats to 1e-9 relative), and a check's exported test
fails exactly when `sluice run` fails the check.

The models run as temporary views in dependency order, with dbt's Jinja (config, ref, raw
blocks, pre-hooks) resolved by kinds_common, so 90 cases take one Spark session instead of 90 dbt
builds; the dbt builds of the sample pipelines cover dbt itself.
"""

from pathlib import Path

import pandas as pd
import pytest

from kinds_common import CASES, Engine, check_case


class Spark(Engine):
    name = "spark"
    quote = "`"

    def __init__(self, session):
        self.session = session

    def execute(self, sql: str) -> None:
        self.session.sql(sql)

    def create_view(self, name: str, sql: str) -> None:
        self.session.sql(f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS {sql}")

    def table(self, model: str) -> pd.DataFrame:
        return self.session.sql(f"SELECT * FROM `{model}`").toPandas()

    def fails(self, test_sql: str) -> bool:
        return self.session.sql(test_sql).count() > 0


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
    yield Spark(s)
    s.stop()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_kind_case_on_spark(spark, case: Path, tmp_path: Path):
    check_case(spark, case, tmp_path, "Spark")
