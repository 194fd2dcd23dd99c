//! `check_relationships`: every value of a column exists in a column of another table (a foreign key).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_mostly, default_samples, CheckSeverity, RowCheck, Rule};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, StandardTest, Port, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckRelationships;

/// Parameters of `check_relationships`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column of `input` holding the keys, e.g. `customer_id`.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub column: String,
    /// Column of `reference` the keys must exist in; absent: the column of the same name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "reference"))]
    pub reference_column: Option<String>,
    /// Fraction of non-null keys that must exist in `reference` (1 = all).
    #[serde(default = "default_mostly")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub mostly: f64,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Rows with a key missing from `reference` kept as samples.
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Params {
    fn reference_column(&self) -> &str {
        self.reference_column.as_deref().unwrap_or(&self.column)
    }
}

/// `input` comes first: it is the port that passes through.
const PORTS: &[Port] = &[
    Port { name: "input", doc: "the rows checked; they pass through", optional: false },
    Port { name: "reference", doc: "the table the keys must exist in", optional: false },
];

impl Kind for CheckRelationships {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_relationships",
            title: "Check: relationships",
            category: Category::Check,
            inputs: Ports::Fixed { ports: PORTS },
            output: true,
            docs: "Passes `input` through and checks that every value of `column` exists in \
                   `reference_column` of `reference` (dbt's `relationships` test, a foreign key). Nulls in \
                   `column` are not counted, so `unexpected_percent` is missing keys / non-null keys; nulls \
                   in `reference` match nothing. With `mostly` below 1 the check passes while at least that \
                   fraction of the non-null keys exist. Samples are input rows whose key is missing.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "customer_id", "reference_column": "id"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let key = cx.require_column("input", &p.column, "column");
        let path = if p.reference_column.is_some() { "reference_column" } else { "column" };
        let target = cx.require_column("reference", p.reference_column(), path);
        let mut ok = key.is_some() && target.is_some();
        if let (Some(k), Some(t)) = (key, target) {
            if k.is_known() && t.is_known() && k.is_numeric() != t.is_numeric() {
                cx.error("S029", path, format!("key types differ: {} is {}, {} is {}", k.name, k.ty, t.name, t.ty));
                ok = false;
            }
        }
        ok &= check_common(cx, Some(p.mostly), p.samples);
        ok.then(|| cx.input("input"))
    }

    fn standard_test(&self, p: &Params) -> Option<StandardTest> {
        (p.mostly >= 1.0).then(|| StandardTest::Relationships {
            column: p.column.clone(),
            reference_column: p.reference_column().to_string(),
        })
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let col = cx.ident(&p.column);
        let target = cx.ident(p.reference_column());
        // NOT IN over the non-null reference keys: a null there would make every test unknown.
        let missing = format!("{col} NOT IN (SELECT {target} FROM {} WHERE {target} IS NOT NULL)", cx.input("reference"));
        Ok(Compiled::Check(
            RowCheck {
                counted: format!("{col} IS NOT NULL"),
                unexpected: missing,
                rule: Rule::Mostly(p.mostly),
                severity: p.severity,
                description: format!("{} exists in reference.{}", p.column, p.reference_column()),
                samples: p.samples,
                cx,
            }
            .build(),
        ))
    }
}
