//! `hash_encode`: each category replaced by a bucket number from a seeded hash of its text, for
//! columns with too many categories to list. Nothing is fitted.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{assemble, check_outputs};
use super::ordinal_encode::{in_col, text};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct HashEncode;

/// Parameters of `hash_encode`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Categorical columns to encode (any type; the text of the value is hashed).
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// Number of buckets: codes are 0 … n_buckets − 1.
    #[schemars(range(min = 1))]
    pub n_buckets: u32,
    /// Seed of the hash: another seed spreads the categories over the buckets differently.
    #[serde(default)]
    pub seed: u64,
    /// Write the buckets to new columns named `<column><suffix>` and keep the originals;
    /// absent: replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

impl Kind for HashEncode {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "hash_encode",
            title: "Hash encode",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Replaces each value of `columns` by a bucket, a BIGINT in 0 … `n_buckets` − 1: \
                   `hash(CAST(value AS VARCHAR), seed) % n_buckets` with DuckDB's `hash()`. For columns with \
                   too many categories to list or fit (ids, postcodes): nothing is fitted and a category never \
                   seen before gets a bucket like any other; different categories may share a bucket. The \
                   text of the value is hashed, so an integer column keeps its buckets when it is widened or \
                   read as text. A null stays null. The buckets replace the columns, or go to new columns \
                   `<column><suffix>`. The same value gets the same bucket on every run and machine with the \
                   same engine build; DuckDB does not promise `hash()` across its versions, so train and \
                   serve with the same Sluice release.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["customer_id"], "n_buckets": 64, "seed": 7, "suffix": "_bucket"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), "BIGINT", false, "encode");
        if p.n_buckets == 0 {
            cx.error("S040", "n_buckets", "n_buckets must be at least 1");
            return None;
        }
        out
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let exprs: Vec<(String, String)> = p
            .columns
            .iter()
            .map(|col| {
                let c = in_col(cx, col);
                let e = format!(
                    "CASE WHEN {c} IS NULL THEN NULL ELSE CAST(hash({}, CAST({} AS UBIGINT)) % {} AS BIGINT) END",
                    text(&c),
                    p.seed,
                    p.n_buckets
                );
                (col.clone(), e)
            })
            .collect();
        Ok(Compiled::Query(assemble(cx, &exprs, p.suffix.as_deref(), "")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ordinal_encode::testing::*;
    use super::*;

    const COLS: &[(&str, &str)] = &[("customer_id", "BIGINT"), ("zip", "VARCHAR")];

    #[test]
    fn checks_and_schema() {
        let (s, d) = check(&HashEncode, json!({"columns": ["zip"], "n_buckets": 8}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(columns(&s.unwrap()), ["customer_id BIGINT", "zip BIGINT"]);
        let (s, d) = check(&HashEncode, json!({"columns": ["zip"], "n_buckets": 0}), COLS);
        assert!(s.is_none());
        assert_eq!(d, ["S040 params.n_buckets"]);
        let (_, d) = check(&HashEncode, json!({"columns": ["zip"]}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
        let (_, d) = check(&HashEncode, json!({"columns": ["zip"], "n_buckets": 2, "train_rows": "x"}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
    }

    #[test]
    fn sql_shape() {
        let (fit, q) = sql(&HashEncode, json!({"columns": ["customer_id"], "n_buckets": 64, "seed": 7, "suffix": "_b"}), COLS, None);
        assert_eq!(fit, "");
        assert_eq!(
            q,
            "SELECT __in.*, CASE WHEN __in.\"customer_id\" IS NULL THEN NULL ELSE CAST(hash(CAST(__in.\"customer_id\" AS VARCHAR), \
             CAST(7 AS UBIGINT)) % 64 AS BIGINT) END AS \"customer_id_b\" FROM \"t\" AS __in"
        );
    }
}
