//! `target_encode`: each category replaced by the mean of a target over the training rows of
//! that category, shrunk toward the overall mean by additive smoothing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{assemble, check_outputs, check_train_rows, literal};
use super::ordinal_encode::{lookup_join, lookup_relation, text, train_relation};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct TargetEncode;

/// Default smoothing: the weight of the prior, in rows.
const DEFAULT_SMOOTHING: f64 = 10.0;

/// Parameters of `target_encode`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Categorical columns to encode (any type; values are matched by their text).
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// The numeric or boolean column whose mean encodes each category (booleans count as 1/0).
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub target: String,
    /// `m`, the weight of the prior in rows: a category seen `n` times is encoded
    /// `(n·mean + m·prior) / (n + m)` (default 10; 0 gives the plain mean).
    #[serde(default = "default_smoothing")]
    #[schemars(range(min = 0.0))]
    pub smoothing: f64,
    /// Write the encodings to new columns named `<column><suffix>` and keep the originals;
    /// absent: replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

fn default_smoothing() -> f64 {
    DEFAULT_SMOOTHING
}

/// The state key of the prior.
const PRIOR: &str = "prior";

fn keys(col: &str) -> [String; 3] {
    [format!("{col}.categories"), format!("{col}.counts"), format!("{col}.means")]
}

/// One row: the prior, and for each column its categories (sorted by value, as text), the
/// number of training rows with a non-null target for each, and the target's mean over them.
fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let train = train_relation(cx, p.train_rows.as_deref());
    let t = cx.ident(&p.target);
    let y = format!("CAST({t} AS DOUBLE)");
    let mut parts = vec![format!(
        "(SELECT {} AS {} FROM {train} WHERE {t} IS NOT NULL) AS __prior",
        cx.dialect.float_mean(&y),
        cx.ident(PRIOR)
    )];
    for (i, col) in p.columns.iter().enumerate() {
        let c = cx.ident(col);
        let [cats, counts, means] = keys(col).map(|k| cx.ident(&k));
        parts.push(format!(
            "(SELECT COALESCE(list({} ORDER BY __v), CAST([] AS VARCHAR[])) AS {cats}, \
             COALESCE(list(__n ORDER BY __v), CAST([] AS BIGINT[])) AS {counts}, \
             COALESCE(list(__mean ORDER BY __v), CAST([] AS DOUBLE[])) AS {means} \
             FROM (SELECT {c} AS __v, count(*) AS __n, {} AS __mean FROM {train} WHERE {c} IS NOT NULL AND {t} IS NOT NULL GROUP BY {c})) AS __f{i}",
            text("__v"),
            cx.dialect.float_mean(&y)
        ));
    }
    format!("SELECT * FROM {}", parts.join(" CROSS JOIN "))
}

impl Kind for TargetEncode {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "target_encode",
            title: "Target encode",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Replaces each category of `columns` by a smoothed mean of the numeric or boolean `target` \
                   (true = 1, false = 0) over the training rows of that category: \
                   enc = (n·mean + m·prior) / (n + m), where n is the number of training rows of the category \
                   with a non-null target, mean their target mean, m = `smoothing` (default 10, in rows; 0 \
                   gives the plain mean) and prior the target mean over every training row with a non-null \
                   target. Values never seen in training, and nulls, get the prior. The result is DOUBLE, in \
                   place or in new columns `<column><suffix>`. Values are matched by their text \
                   (`CAST(value AS VARCHAR)`). This is the additive smoothing stated here, not scikit-learn's \
                   TargetEncoder, which cross-fits the training rows and shrinks by an empirical-Bayes \
                   weight: here the training rows are encoded with statistics that include their own \
                   target, so keep `smoothing` large enough for rare categories, and evaluate on test rows. \
                   State: `prior`, and per column `<column>.categories` (sorted by value), \
                   `<column>.counts` and `<column>.means` (same order). Fitted on the training rows: \
                   `train_rows` when given, else the rows a split step above marked `split = 'train'`, else \
                   every row; the fit goes to the spec's state file and `sluice run --state FILE` applies \
                   it instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["product_id"], "target": "amount", "smoothing": 20.0, "suffix": "_te"})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), "DOUBLE", false, "encode");
        let mut ok = true;
        match cx.require_column("input", &p.target, "target") {
            Some(c) if c.is_known() && !c.is_numeric() && !c.ty.eq_ignore_ascii_case("BOOLEAN") => {
                cx.error("S029", "target", format!("column '{}' is {}, not numeric or boolean", p.target, c.ty));
                ok = false;
            }
            Some(_) if p.columns.contains(&p.target) => {
                cx.error("S040", "target", format!("'{}' is the target and one of the columns to encode", p.target));
                ok = false;
            }
            Some(_) => {}
            None => ok = false,
        }
        if !(p.smoothing.is_finite() && p.smoothing >= 0.0) {
            cx.error("S040", "smoothing", format!("smoothing is a number of rows, 0 or more, not {}", p.smoothing));
            ok = false;
        }
        ok &= check_train_rows(cx, p.train_rows.as_deref());
        out.filter(|_| ok)
    }

    fn fit(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Option<String>, Unsupported> {
        Ok(Some(fit_sql(p, cx)))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let fit = fit_sql(p, cx);
        // The prior from the state row, joined once.
        let prior = format!("CAST(__s.{} AS DOUBLE)", cx.ident(PRIOR));
        let m = literal(cx.dialect, &json!(p.smoothing));
        let mut joins = format!(" CROSS JOIN {} AS __s", cx.state_relation(&fit));
        let mut exprs = Vec::new();
        for (i, col) in p.columns.iter().enumerate() {
            let [_, counts, means] = keys(col);
            let values =
                [(format!("__st.{}", cx.ident(&counts)), "BIGINT"), (format!("__st.{}", cx.ident(&means)), "DOUBLE")];
            joins.push_str(&lookup_join(cx, i, &lookup_relation(cx, &fit, col, &values), col));
            let n = format!("CAST(__m{i}.__v0 AS DOUBLE)");
            // Unmatched rows (nulls, unseen categories) have no n and get the prior.
            let e = format!("COALESCE(({n} * __m{i}.__v1 + {m} * {prior}) / ({n} + {m}), {prior})");
            exprs.push((col.clone(), e));
        }
        Ok(Compiled::Query(assemble(cx, &exprs, p.suffix.as_deref(), &joins)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ordinal_encode::testing::*;
    use super::*;

    const COLS: &[(&str, &str)] =
        &[("product", "INTEGER"), ("channel", "VARCHAR"), ("amount", "DECIMAL(12,2)"), ("returned", "BOOLEAN")];

    #[test]
    fn output_schema() {
        let (s, d) = check(&TargetEncode, json!({"columns": ["product", "channel"], "target": "returned"}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(columns(&s.unwrap())[..2], ["product DOUBLE", "channel DOUBLE"]);
    }

    #[test]
    fn bad_params_name_their_path() {
        let (_, d) = check(&TargetEncode, json!({"columns": ["product"], "target": "channel", "smoothing": -1}), COLS);
        assert_eq!(d, ["S029 params.target", "S040 params.smoothing"]);
        let (_, d) = check(&TargetEncode, json!({"columns": ["amount"], "target": "amount"}), COLS);
        assert_eq!(d, ["S040 params.target"]);
        let (_, d) = check(&TargetEncode, json!({"columns": ["product"], "target": "amont"}), COLS);
        assert_eq!(d, ["S020 params.target"]);
        let (_, d) = check(&TargetEncode, json!({"columns": ["product"]}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
    }

    #[test]
    fn sql_shape() {
        let (fit, _) = sql(&TargetEncode, json!({"columns": ["product"], "target": "amount"}), COLS, None);
        assert_eq!(
            fit,
            "SELECT * FROM (SELECT favg(CAST(\"amount\" AS DOUBLE)) AS \"prior\" FROM (SELECT * FROM \"t\") AS __train WHERE \"amount\" IS NOT NULL) AS __prior \
             CROSS JOIN (SELECT COALESCE(list(CAST(__v AS VARCHAR) ORDER BY __v), CAST([] AS VARCHAR[])) AS \"product.categories\", \
             COALESCE(list(__n ORDER BY __v), CAST([] AS BIGINT[])) AS \"product.counts\", \
             COALESCE(list(__mean ORDER BY __v), CAST([] AS DOUBLE[])) AS \"product.means\" \
             FROM (SELECT \"product\" AS __v, count(*) AS __n, favg(CAST(\"amount\" AS DOUBLE)) AS __mean FROM (SELECT * FROM \"t\") AS __train \
             WHERE \"product\" IS NOT NULL AND \"amount\" IS NOT NULL GROUP BY \"product\")) AS __f0"
        );
        let state = json!({"prior": 0.5, "product.categories": ["1"], "product.counts": [4], "product.means": [0.25]});
        let (_, q) = sql(&TargetEncode, json!({"columns": ["product"], "target": "amount", "smoothing": 2}), COLS, Some(state));
        assert_eq!(
            q,
            "SELECT __in.* REPLACE (COALESCE((CAST(__m0.__v0 AS DOUBLE) * __m0.__v1 + CAST('2.0' AS DOUBLE) * CAST(__s.\"prior\" AS DOUBLE)) \
             / (CAST(__m0.__v0 AS DOUBLE) + CAST('2.0' AS DOUBLE)), CAST(__s.\"prior\" AS DOUBLE)) AS \"product\") FROM \"t\" AS __in \
             CROSS JOIN (SELECT CAST('0.5' AS DOUBLE) AS \"prior\", ['1'] AS \"product.categories\", [CAST(4 AS BIGINT)] AS \"product.counts\", \
             [CAST('0.25' AS DOUBLE)] AS \"product.means\") AS __s \
             LEFT JOIN (SELECT unnest(CAST(__st.\"product.categories\" AS VARCHAR[])) AS __k, unnest(CAST(__st.\"product.counts\" AS BIGINT[])) AS __v0, \
             unnest(CAST(__st.\"product.means\" AS DOUBLE[])) AS __v1 FROM (SELECT CAST('0.5' AS DOUBLE) AS \"prior\", ['1'] AS \"product.categories\", \
             [CAST(4 AS BIGINT)] AS \"product.counts\", [CAST('0.25' AS DOUBLE)] AS \"product.means\") AS __st) AS __m0 ON CAST(__in.\"product\" AS VARCHAR) = __m0.__k"
        );
    }
}
