//! `bin`: numeric columns to bin numbers, with edges fitted on the training rows as
//! scikit-learn's KBinsDiscretizer(encode='ordinal') does: at quantiles (computed as NumPy's
//! `percentile`) or at equal widths between the minimum and the maximum.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{assemble, check_outputs, check_train_rows, literal};
use super::ordinal_encode::{in_col, train_relation};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Bin;

/// Where the edges go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// At the quantiles 0, 1/n_bins, …, 1 of the training values: bins of about equal counts.
    #[default]
    Quantile,
    /// At equal steps from the training minimum to the maximum: bins of equal widths.
    Uniform,
}

/// How quantiles between two values are computed (NumPy's `method` of `percentile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuantileMethod {
    /// Linear interpolation between the two nearest values (NumPy's default; DuckDB's
    /// `quantile_cont`).
    #[default]
    Linear,
    /// The inverse of the empirical distribution, averaged where it is flat
    /// (scikit-learn 1.9's default for KBinsDiscretizer).
    AveragedInvertedCdf,
}

/// Parameters of `bin`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Numeric columns to bin.
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// Number of bins (default 5); quantile bins narrower than 1e-8 are merged away.
    #[serde(default = "default_bins")]
    #[schemars(range(min = 2))]
    pub n_bins: u32,
    #[serde(default)]
    pub strategy: Strategy,
    /// Quantile strategy: how quantiles between two values are computed (default `linear`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile_method: Option<QuantileMethod>,
    /// Write the bin numbers to new columns named `<column><suffix>` (e.g. `_bin`) and keep the
    /// originals; absent: replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

fn default_bins() -> u32 {
    5
}

fn key(col: &str) -> String {
    format!("{col}.edges")
}

/// The quantile levels as NumPy gets them in KBinsDiscretizer:
/// `np.linspace(0, 100, n_bins + 1) / 100`, to the bit.
pub fn levels(n_bins: u32) -> Vec<f64> {
    let step = 100.0 / f64::from(n_bins);
    (0..=n_bins).map(|k| if k == n_bins { 1.0 } else { (f64::from(k) * step + 0.0) / 100.0 }).collect()
}

/// The edges of one column, over its sorted training values `__l` (1-based, `len(__l)` = n).
fn edges_sql(p: &Params, cx: &CompileCx<'_>, col: &str) -> String {
    let train = train_relation(cx, p.train_rows.as_deref());
    let c = cx.ident(col);
    let x = format!("CAST({c} AS DOUBLE)");
    let nb = p.n_bins;
    match p.strategy {
        Strategy::Uniform => format!(
            // np.linspace(min, max, n_bins + 1): k·((max − min) / n_bins) + min, the last edge max.
            "(SELECT CASE WHEN __min IS NULL THEN NULL WHEN __min = __max THEN [__min, __max] \
             ELSE list_transform(range({}), lambda __k: CASE WHEN __k = {nb} THEN __max ELSE CAST(__k AS DOUBLE) * ((__max - __min) / {nb}) + __min END) END \
             FROM (SELECT min({x}) AS __min, max({x}) AS __max FROM {train}))",
            nb + 1
        ),
        Strategy::Quantile => {
            let lv: Vec<String> = levels(nb).iter().map(|q| literal(cx.dialect, &json!(q))).collect();
            let lo = "__l[CAST(floor(__vi) AS BIGINT) + 1]";
            let hi = "__l[CAST(floor(__vi) AS BIGINT) + 2]";
            let last = "__l[len(__l)]";
            // NumPy's _quantile: virtual index, the two neighbours, and _lerp, which computes
            // b − (b − a)(1 − t) rather than a + (b − a)t when t ≥ 0.5.
            let (vi, pick) = match p.quantile_method.unwrap_or_default() {
                QuantileMethod::Linear => (
                    "CAST(len(__l) - 1 AS DOUBLE) * __q".to_string(),
                    format!(
                        "CASE WHEN __vi >= len(__l) - 1 THEN {last} \
                         WHEN __vi - floor(__vi) >= 0.5 THEN {hi} - ({hi} - {lo}) * (1 - (__vi - floor(__vi))) \
                         ELSE {lo} + ({hi} - {lo}) * (__vi - floor(__vi)) END"
                    ),
                ),
                QuantileMethod::AveragedInvertedCdf => (
                    "CAST(len(__l) AS DOUBLE) * __q - 1".to_string(),
                    format!(
                        "CASE WHEN __vi >= len(__l) - 1 THEN {last} WHEN __vi < 0 THEN __l[1] \
                         WHEN __vi = floor(__vi) THEN {hi} - ({hi} - {lo}) * 0.5 ELSE {hi} END"
                    ),
                ),
            };
            // A constant column is one bin; edges closer than 1e-8 to the one before go, as
            // KBinsDiscretizer removes them (np.ediff1d(edges, to_begin=inf) > 1e-8).
            format!(
                "(SELECT CASE WHEN __l IS NULL THEN NULL WHEN __l[1] = {last} THEN [__l[1], {last}] \
                 ELSE list_filter(__e, lambda __x, __i: __i = 1 OR __x - __e[__i - 1] > 1e-8) END \
                 FROM (SELECT __l, list_transform(list_transform([{}], lambda __q: {vi}), lambda __vi: {pick}) AS __e \
                 FROM (SELECT list(__x ORDER BY __x) AS __l FROM (SELECT {x} AS __x FROM {train} WHERE {c} IS NOT NULL))))",
                lv.join(", ")
            )
        }
    }
}

/// One row: the edges of each column, as KBinsDiscretizer's `bin_edges_`.
fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let parts: Vec<String> =
        p.columns.iter().map(|col| format!("{} AS {}", edges_sql(p, cx, col), cx.ident(&key(col)))).collect();
    format!("SELECT {}", parts.join(", "))
}

impl Kind for Bin {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "bin",
            title: "Bin numbers",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Replaces each value of the numeric `columns` by the number of its bin, an INTEGER from 0 to \
                   `n_bins` − 1 (default 5 bins), as scikit-learn's KBinsDiscretizer(encode='ordinal'). The \
                   edges are fitted on the training values: `quantile` (the default) puts them at the \
                   quantiles 0, 1/n_bins, …, 1, computed as NumPy's `percentile` with `quantile_method` \
                   `linear` (the default; DuckDB's `quantile_cont`) or `averaged_inverted_cdf` \
                   (scikit-learn 1.9's default), and then drops each edge within 1e-8 of the one before it, \
                   so there may be fewer bins; `uniform` puts them at equal steps from the minimum to the \
                   maximum. A value's bin is the number of inner edges (all but the first and the last) at or \
                   below it: a value on an edge goes to the bin above, values below the training minimum to \
                   bin 0, above the maximum to the last bin. A column that is constant in training has one \
                   bin (everything is 0). Nulls are left out of the fit and stay null; with no training value \
                   every bin is null. The bins replace the columns, or go to new columns `<column><suffix>`. \
                   State: `<column>.edges`, the edges as KBinsDiscretizer's `bin_edges_` (for a constant \
                   column [c, c] where scikit-learn has [−inf, inf]). Equal to scikit-learn with \
                   `subsample=None`: its default subsamples 200,000 rows when there are more. Fitted on the \
                   training rows: `train_rows` when given, else the rows a split step above marked \
                   `split = 'train'`, else every row; the fit goes to the spec's state file and \
                   `sluice run --state FILE` applies it instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["amount"], "n_bins": 4, "strategy": "quantile", "suffix": "_bin"})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), "INTEGER", true, "bin");
        let mut ok = true;
        if p.n_bins < 2 {
            cx.error("S040", "n_bins", format!("n_bins must be at least 2, not {}", p.n_bins));
            ok = false;
        }
        if p.strategy == Strategy::Uniform && p.quantile_method.is_some() {
            cx.error("S028", "quantile_method", "quantile_method is for strategy 'quantile'");
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
        let exprs: Vec<(String, String)> = p
            .columns
            .iter()
            .map(|col| {
                let edges = format!("CAST(__s.{} AS DOUBLE[])", cx.ident(&key(col)));
                let c = in_col(cx, col);
                // np.searchsorted(edges[1:-1], x, side='right').
                let e = format!(
                    "CASE WHEN {c} IS NULL THEN NULL ELSE CAST(len(list_filter(list_slice({edges}, 2, len({edges}) - 1), lambda __e: __e <= CAST({c} AS DOUBLE))) AS INTEGER) END"
                );
                (col.clone(), e)
            })
            .collect();
        // The state row, joined once.
        let state = format!(" CROSS JOIN {} AS __s", cx.state_relation(&fit_sql(p, cx)));
        Ok(Compiled::Query(assemble(cx, &exprs, p.suffix.as_deref(), &state)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ordinal_encode::testing::*;
    use super::*;

    const COLS: &[(&str, &str)] = &[("amount", "DECIMAL(12,2)"), ("channel", "VARCHAR"), ("qty", "INTEGER")];

    #[test]
    fn levels_are_numpys() {
        assert_eq!(levels(4), [0.0, 0.25, 0.5, 0.75, 1.0]);
        // np.linspace(0, 100, 4) / 100
        assert_eq!(levels(3), [0.0, 0.33333333333333337, 0.6666666666666667, 1.0]);
    }

    #[test]
    fn checks_and_schema() {
        let (s, d) = check(&Bin, json!({"columns": ["amount", "qty"], "suffix": "_bin"}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(columns(&s.unwrap())[3..], ["amount_bin INTEGER", "qty_bin INTEGER"]);
        let (_, d) = check(&Bin, json!({"columns": ["channel"], "n_bins": 1, "strategy": "uniform", "quantile_method": "linear"}), COLS);
        assert_eq!(d, ["S029 params.columns[0]", "S040 params.n_bins", "S028 params.quantile_method"]);
        let (_, d) = check(&Bin, json!({"columns": ["qty"], "strategy": "kmeans"}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
    }

    #[test]
    fn sql_shape() {
        let (fit, q) = sql(&Bin, json!({"columns": ["qty"], "n_bins": 2, "strategy": "uniform"}), COLS, None);
        assert_eq!(
            fit,
            "SELECT (SELECT CASE WHEN __min IS NULL THEN NULL WHEN __min = __max THEN [__min, __max] \
             ELSE list_transform(range(3), lambda __k: CASE WHEN __k = 2 THEN __max ELSE CAST(__k AS DOUBLE) * ((__max - __min) / 2) + __min END) END \
             FROM (SELECT min(CAST(\"qty\" AS DOUBLE)) AS __min, max(CAST(\"qty\" AS DOUBLE)) AS __max FROM (SELECT * FROM \"t\") AS __train)) AS \"qty.edges\""
        );
        assert!(q.ends_with(&format!("FROM \"t\" AS __in CROSS JOIN ({fit}) AS __s")), "{q}");
        let (fit, q) = sql(&Bin, json!({"columns": ["amount"], "n_bins": 2}), COLS, Some(json!({"amount.edges": [1.0, 2.5, 4.0]})));
        assert!(fit.contains("list_transform([CAST('0.0' AS DOUBLE), CAST('0.5' AS DOUBLE), CAST('1.0' AS DOUBLE)], lambda __q: CAST(len(__l) - 1 AS DOUBLE) * __q)"), "{fit}");
        assert_eq!(
            q,
            "SELECT __in.* REPLACE (CASE WHEN __in.\"amount\" IS NULL THEN NULL ELSE CAST(len(list_filter(list_slice(\
             CAST(__s.\"amount.edges\" AS DOUBLE[]), 2, len(CAST(__s.\"amount.edges\" AS DOUBLE[])) - 1), \
             lambda __e: __e <= CAST(__in.\"amount\" AS DOUBLE))) AS INTEGER) END AS \"amount\") FROM \"t\" AS __in \
             CROSS JOIN (SELECT [CAST('1.0' AS DOUBLE), CAST('2.5' AS DOUBLE), CAST('4.0' AS DOUBLE)] AS \"amount.edges\") AS __s"
        );
        let (fit, _) = sql(&Bin, json!({"columns": ["amount"], "quantile_method": "averaged_inverted_cdf"}), COLS, None);
        assert!(fit.contains("lambda __q: CAST(len(__l) AS DOUBLE) * __q - 1"), "{fit}");
    }
}
