//! `check_unique`: no two rows share a value (or a combination of values) in the key columns.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{all_not_null, check_common, default_samples, CheckSeverity, CheckSql, Rule};
use super::common::{ident_list, require_columns, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, StandardTest, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckUnique;

/// Parameters of `check_unique`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Key columns: their values together must be unique.
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub columns: Vec<String>,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Failing rows kept as samples.
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Kind for CheckUnique {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_unique",
            title: "Check: unique",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that the key `columns` are unique. Every row whose key \
                   occurs more than once is unexpected (all copies, not only the extra ones), as in Great \
                   Expectations' `expect_column_values_to_be_unique` and \
                   `expect_compound_columns_to_be_unique`. Rows with a null in a key column are not counted.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["order_id"]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.columns, "columns");
        if p.columns.is_empty() {
            cx.error("S042", "columns", "name at least one column");
            ok = false;
        }
        ok &= check_common(cx, None, p.samples);
        ok.then(|| cx.input("input"))
    }

    fn standard_test(&self, p: &Params) -> Option<StandardTest> {
        // A compound key has no standard single-column test; it exports as its own SQL.
        match p.columns.as_slice() {
            [column] => Some(StandardTest::Unique { column: column.clone() }),
            _ => None,
        }
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let keys = ident_list(cx, &p.columns);
        let counted = all_not_null(cx, &p.columns);
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT (SELECT count(*) FROM {input}) AS element_count, count(*) AS counted, \
                 count(*) FILTER (WHERE __copies > 1) AS unexpected, CAST(NULL AS DOUBLE) AS observed \
                 FROM (SELECT count(*) OVER (PARTITION BY {keys}) AS __copies FROM {input} WHERE {counted})"
            ),
            failing: Some(format!(
                "SELECT * FROM {input} WHERE {counted} QUALIFY count(*) OVER (PARTITION BY {keys}) > 1 ORDER BY {keys}"
            )),
            rule: Rule::Mostly(1.0),
            severity: p.severity,
            description: format!("{} unique", p.columns.join(", ")),
            samples: p.samples,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}
