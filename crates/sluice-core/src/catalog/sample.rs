//! `sample`: a seeded, reproducible random sample of rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Sample;

/// Parameters of `sample`. Give exactly one of `fraction` and `n`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Keep each row with this probability (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    /// Keep exactly this many rows (or all, when there are fewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// Seed: the same seed and input give the same sample.
    #[serde(default)]
    pub seed: u64,
}

impl Kind for Sample {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "sample",
            title: "Sample",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "A seeded random sample: each row is kept with probability `fraction`, or exactly `n` \
                   rows are kept. Rows are chosen by a hash of their values and the seed, so the sample \
                   does not change with thread count or file order; identical rows are kept or dropped together.",
        }
    }

    fn example(&self) -> Value {
        json!({"fraction": 0.1, "seed": 42})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        match (p.fraction, p.n) {
            (Some(f), None) if (0.0..=1.0).contains(&f) => Some(cx.input("input")),
            (Some(_), None) => {
                cx.error("S028", "fraction", "fraction must be between 0 and 1");
                None
            }
            (None, Some(_)) => Some(cx.input("input")),
            _ => {
                cx.error("S028", "fraction", "give exactly one of 'fraction' and 'n'");
                None
            }
        }
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let u = cx.dialect.row_hash_unit("t", p.seed)?;
        let input = cx.input("input");
        Ok(Compiled::Query(match (p.fraction, p.n) {
            (Some(f), _) => format!("SELECT t.* FROM {input} AS t WHERE {u} < {f}"),
            (None, Some(n)) => format!("SELECT t.* FROM {input} AS t ORDER BY {u}, t LIMIT {n}"),
            _ => format!("SELECT t.* FROM {input} AS t"),
        }))
    }
}
