//! `check_sql`: an SQL assertion, a query over the input that returns the failing rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_samples, CheckSeverity, CheckSql, Rule};
use super::common::{check_query, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckSqlAssertion;

/// Parameters of `check_sql`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// A SELECT over the table `input` that returns the rows breaking the rule; none means pass.
    #[schemars(extend("x-sluice-widget" = "sql"))]
    pub query: String,
    /// What the assertion means, shown with its result.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Failing rows kept as samples.
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Kind for CheckSqlAssertion {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_sql",
            title: "Check: SQL assertion",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and runs `query`, a SELECT over the table `input` that returns the \
                   rows breaking a rule (a dbt singular test). It passes when the query returns no row; the \
                   number of rows returned is the unexpected count, over all input rows.",
        }
    }

    fn example(&self) -> Value {
        json!({"query": "SELECT * FROM input WHERE shipped_at < ordered_at", "description": "shipped after ordered"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = check_query(cx, &p.query, "query");
        ok &= check_common(cx, None, p.samples);
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let q = p.query.trim().trim_end_matches(';').trim();
        // The query names its input `input`, whatever the upstream node is called.
        let failing = if input == cx.ident("input") {
            format!("SELECT * FROM ({q})")
        } else {
            format!("WITH {} AS (SELECT * FROM {input}) SELECT * FROM ({q})", cx.ident("input"))
        };
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT (SELECT count(*) FROM {input}) AS element_count, (SELECT count(*) FROM {input}) AS counted, \
                 (SELECT count(*) FROM ({failing})) AS unexpected, CAST(NULL AS DOUBLE) AS observed"
            ),
            failing: Some(failing),
            rule: Rule::Mostly(1.0),
            severity: p.severity,
            description: if p.description.is_empty() { "SQL assertion".into() } else { p.description.clone() },
            samples: p.samples,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}
