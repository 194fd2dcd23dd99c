//! `check_duplicate_fraction`: at most a given fraction of the rows are duplicates of an earlier
//! row (by key columns, or by whole rows).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{all_not_null, check_common, default_samples, CheckSeverity, CheckSql, Rule};
use super::common::{ident_list, require_columns, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckDuplicateFraction;

/// Parameters of `check_duplicate_fraction`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Key columns: rows with the same values in all of them are copies of each other. Empty (the
    /// default): whole rows are compared, every column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub columns: Vec<String>,
    /// Largest accepted share of duplicate rows, between 0 and 1 (0: no duplicate at all).
    #[schemars(range(min = 0.0, max = 1.0))]
    pub max: f64,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Rows of duplicated keys kept as samples.
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Kind for CheckDuplicateFraction {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_duplicate_fraction",
            title: "Check: duplicate fraction",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that the share of duplicate rows is at most `max` \
                   (Soda's `duplicate_percent`, as a fraction). A duplicate is every row after the first of \
                   its key group, so three identical keys are two duplicates: observed = (counted rows - \
                   distinct keys) / counted rows. With key `columns`, rows with a null in a key column are \
                   not counted (as in Soda); with no `columns`, whole rows are compared, every row counts and \
                   nulls equal nulls (as `SELECT DISTINCT` does). Samples show every row of a duplicated key, \
                   the first occurrence with its copies, ordered by key. An input with no counted row has no \
                   share and fails.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["order_id"], "max": 0.01})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.columns, "columns");
        if !(0.0..=1.0).contains(&p.max) {
            cx.error("S040", "max", format!("max is a fraction between 0 and 1, not {}", p.max));
            ok = false;
        }
        ok &= check_common(cx, None, p.samples);
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        // Whole rows: every column is part of the key.
        let key_cols: Vec<String> = if p.columns.is_empty() {
            cx.schema("input").names().map(str::to_string).collect()
        } else {
            p.columns.clone()
        };
        if key_cols.is_empty() {
            return Err(Unsupported { dialect: cx.dialect.name(), what: "a duplicate check on an input of unknown columns".into() });
        }
        let keys = ident_list(cx, &key_cols);
        let filter = if p.columns.is_empty() { String::new() } else { format!(" WHERE {}", all_not_null(cx, &p.columns)) };
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT __rows AS element_count, __counted AS counted, __counted - __keys AS unexpected, \
                 CAST(__counted - __keys AS DOUBLE) / NULLIF(__counted, 0) AS observed \
                 FROM (SELECT (SELECT count(*) FROM {input}) AS __rows, (SELECT count(*) FROM {input}{filter}) AS __counted, \
                 (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {input}{filter})) AS __keys)"
            ),
            failing: Some(format!(
                "SELECT * FROM {input}{filter} QUALIFY count(*) OVER (PARTITION BY {keys}) > 1 ORDER BY {keys}"
            )),
            rule: Rule::Range { min: None, max: Some(p.max), strict_min: false, strict_max: false },
            severity: p.severity,
            description: if p.columns.is_empty() {
                format!("duplicate fraction of whole rows ≤ {}", p.max)
            } else {
                format!("duplicate fraction of {} ≤ {}", p.columns.join(", "), p.max)
            },
            samples: p.samples,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}
