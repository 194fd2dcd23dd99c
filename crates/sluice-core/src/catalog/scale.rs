//! `scale`: standardise, min-max scale or robust-scale numeric columns with parameters fitted on
//! the training rows, as scikit-learn's StandardScaler, MinMaxScaler and RobustScaler do.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{assemble, check_outputs, check_train_rows, train_filter, INPUT_ALIAS};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Scale;

/// How columns are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// `(x - mean) / std`, std the population standard deviation (ddof 0), as StandardScaler.
    Standard,
    /// `(x - min) / (max - min)`, into [0, 1] on the training rows, as MinMaxScaler.
    Minmax,
    /// `(x - median) / (q75 - q25)`, quantiles by linear interpolation, as RobustScaler.
    Robust,
}

/// Parameters of `scale`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Numeric columns to scale.
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    pub method: Method,
    /// Write the scaled values to new columns named `<column><suffix>` and keep the originals;
    /// absent: replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

/// The fitted parameters of a column, by method: (offset, scale) names in the state.
fn names(col: &str, m: Method) -> (String, String) {
    match m {
        Method::Standard => (format!("{col}.mean"), format!("{col}.std")),
        Method::Minmax => (format!("{col}.min"), format!("{col}.range")),
        Method::Robust => (format!("{col}.median"), format!("{col}.iqr")),
    }
}

fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let mut parts = Vec::new();
    // The standard deviation in two passes over compensated sums: (x − mean)² summed after the
    // mean is known. Unlike a one-pass parallel variance, whose partial results combine in
    // whatever order the threads finish, it gives the same bits however the rows are stored, so
    // a result read back from the cache and one computed afresh agree.
    let mut means = Vec::new();
    for (i, col) in p.columns.iter().enumerate() {
        let x = format!("CAST({} AS DOUBLE)", cx.ident(col));
        let (off, scale) = names(col, p.method);
        let (o, s) = match p.method {
            Method::Standard => {
                let m = format!("__m{i}");
                means.push(format!("{} AS {m}", cx.dialect.float_mean(&x)));
                let sq = cx.dialect.float_sum(&format!("({x} - __means.{m}) * ({x} - __means.{m})"));
                (cx.dialect.float_mean(&x), format!("sqrt({sq} / count({x}))"))
            }
            Method::Minmax => (format!("min({x})"), format!("max({x}) - min({x})")),
            Method::Robust => (
                format!("quantile_cont({x}, 0.5)"),
                format!("quantile_cont({x}, 0.75) - quantile_cont({x}, 0.25)"),
            ),
        };
        parts.push(format!("{o} AS {}", cx.ident(&off)));
        parts.push(format!("{s} AS {}", cx.ident(&scale)));
    }
    let input = cx.input("input");
    let train = train_filter(cx, p.train_rows.as_deref());
    let from = if means.is_empty() {
        input.to_string()
    } else {
        format!("{input} CROSS JOIN (SELECT {} FROM {input}{train}) AS __means", means.join(", "))
    };
    format!("SELECT {} FROM {from}{train}", parts.join(", "))
}

impl Kind for Scale {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "scale",
            title: "Scale numbers",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Scales numeric `columns` as scikit-learn does: `standard` gives (x − mean) / std with the \
                   population standard deviation (StandardScaler), `minmax` (x − min) / (max − min) \
                   (MinMaxScaler), `robust` (x − median) / (q75 − q25) with linearly interpolated quantiles \
                   (RobustScaler). A zero spread scales by 1, as scikit-learn does. Nulls are left out of the \
                   fit and stay null. The result is DOUBLE, in place or in new columns `<column><suffix>`. \
                   Values outside the training range are scaled the same way (min-max may leave [0, 1]). \
                   Fitted on the training rows: `train_rows` when given, else the rows a split step above \
                   marked `split = 'train'`, else every row; the fit goes to the spec's state file and \
                   `sluice run --state FILE` applies it instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["amount", "quantity"], "method": "standard"})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), "DOUBLE", true, "scale");
        let train_ok = check_train_rows(cx, p.train_rows.as_deref());
        out.filter(|_| train_ok)
    }

    fn fit(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Option<String>, Unsupported> {
        Ok(Some(fit_sql(p, cx)))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        // One state row joined to every input row: the fit appears once in the SQL even when
        // nothing was fitted yet (inline).
        let state = |name: &str| format!("__state.{}", cx.ident(name));
        let exprs: Vec<(String, String)> = p
            .columns
            .iter()
            .map(|col| {
                let (off, scale) = names(col, p.method);
                let (o, s) = (state(&off), state(&scale));
                // scikit-learn's _handle_zeros_in_scale: a zero (or undefined) spread scales by 1.
                let expr = format!(
                    "(CAST({INPUT_ALIAS}.{} AS DOUBLE) - {o}) / (CASE WHEN {s} IS NULL OR {s} = 0 THEN 1 ELSE {s} END)",
                    cx.ident(col)
                );
                (col.clone(), expr)
            })
            .collect();
        let joins = format!(" CROSS JOIN {} AS __state", cx.state_relation(&fit_sql(p, cx)));
        Ok(Compiled::Query(assemble(cx, &exprs, p.suffix.as_deref(), &joins)))
    }
}
