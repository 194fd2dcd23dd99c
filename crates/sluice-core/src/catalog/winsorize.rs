//! `winsorize`: clip numeric columns at quantiles fitted on the training rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{check_outputs, check_train_rows, train_filter};
use super::impute::{INPUT, STATE, TRAIN_ROWS};
use super::transform::clip_sql;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Winsorize;

fn default_lower() -> f64 {
    0.01
}
fn default_upper() -> f64 {
    0.99
}

/// Parameters of `winsorize`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Numeric columns to clip.
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// Quantile of the training values below which values are raised to it.
    #[serde(default = "default_lower")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub lower: f64,
    /// Quantile of the training values above which values are lowered to it.
    #[serde(default = "default_upper")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub upper: f64,
    /// Write the clipped values to new columns named `<column><suffix>` and keep the originals;
    /// absent: replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

/// The state fields of a column: its lower and upper edge.
fn names(col: &str) -> (String, String) {
    (format!("{col}.lower"), format!("{col}.upper"))
}

fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let mut parts = vec![format!("count(*) AS {}", cx.ident(TRAIN_ROWS))];
    for col in &p.columns {
        let x = format!("CAST({} AS DOUBLE)", cx.ident(col));
        let (lo, hi) = names(col);
        parts.push(format!("quantile_cont({x}, {:?}) AS {}", p.lower, cx.ident(&lo)));
        parts.push(format!("quantile_cont({x}, {:?}) AS {}", p.upper, cx.ident(&hi)));
    }
    format!("SELECT {} FROM {}{}", parts.join(", "), cx.input("input"), train_filter(cx, p.train_rows.as_deref()))
}

impl Kind for Winsorize {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "winsorize",
            title: "Winsorize",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Clips each numeric column in `columns` to [q(`lower`), q(`upper`)], the quantiles of its \
                   non-null training values, interpolated linearly between the closest ranks as numpy's \
                   `quantile` does by default (defaults 0.01 and 0.99). Every row, training or not, is clipped \
                   to the same fitted edges: `np.clip(x, np.quantile(train, lower), np.quantile(train, \
                   upper))`. `lower: 0` clips at the training minimum (so later rows below it are raised), \
                   `upper: 1` at the training maximum. Nulls stay null; a column without non-null training \
                   values has no edges and passes through unchanged. The result is DOUBLE, in place or in \
                   new columns `<column><suffix>`. Fitted on the training rows: `train_rows` when given, else \
                   the rows a split step above marked `split = 'train'`, else every row. The state holds \
                   `train_rows` and `<column>.lower`, `<column>.upper`; `sluice run --state FILE` applies a \
                   saved state instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["amount", "unit_price"], "lower": 0.01, "upper": 0.99})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        for (name, q) in [("lower", p.lower), ("upper", p.upper)] {
            if !(0.0..=1.0).contains(&q) {
                cx.error("S040", name, format!("{name} is a quantile between 0 and 1, not {q}"));
                ok = false;
            }
        }
        if p.lower > p.upper {
            cx.error("S044", "upper", format!("upper {} is below lower {}", p.upper, p.lower));
            ok = false;
        }
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), "DOUBLE", true, "winsorize");
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
        // As `impute`: the input joined with the one row of fitted edges.
        let exprs: Vec<(String, String)> = p
            .columns
            .iter()
            .map(|col| {
                let (lo, hi) = names(col);
                let edge = |name: &str| format!("CAST({STATE}.{} AS DOUBLE)", cx.ident(name));
                let x = format!("CAST({INPUT}.{} AS DOUBLE)", cx.ident(col));
                (col.clone(), clip_sql(&x, Some(&edge(&lo)), Some(&edge(&hi))))
            })
            .collect();
        let select = match &p.suffix {
            None => cx.dialect.select_replace(Some(INPUT), &cx.input_columns("input"), &exprs),
            Some(sfx) => {
                let added: Vec<String> =
                    exprs.iter().map(|(c, e)| format!("{e} AS {}", cx.ident(&format!("{c}{sfx}")))).collect();
                format!("{INPUT}.*, {}", added.join(", "))
            }
        };
        Ok(Compiled::Query(format!(
            "SELECT {select} FROM {} AS {INPUT} CROSS JOIN {} AS {STATE}",
            cx.input("input"),
            cx.state_relation(&fit_sql(p, cx))
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::impute::testing::*;
    use super::*;

    fn input() -> Schema {
        schema(&[("amount", "DECIMAL(12,2)"), ("quantity", "INTEGER"), ("channel", "VARCHAR"), ("split", "VARCHAR")])
    }

    #[test]
    fn schema_and_param_errors() {
        let (out, d) = check(&Winsorize, json!({"columns": ["amount"], "suffix": "_w"}), &input());
        assert!(d.is_empty(), "{d:?}");
        let got = cols(&out.unwrap());
        assert_eq!(got.last().unwrap(), &("amount_w".to_string(), "DOUBLE".to_string()));
        let (out, d) = check(
            &Winsorize,
            json!({"columns": ["channel", "nope", "amount", "amount"], "lower": 0.9, "upper": 1.5}),
            &input(),
        );
        assert!(out.is_none());
        assert_eq!(
            codes(&d),
            vec![
                ("S040", "params.upper".to_string()),
                ("S029", "params.columns[0]".to_string()),
                ("S020", "params.columns[1]".to_string()),
                ("S026", "params.columns[3]".to_string()),
            ]
        );
        let (_, d) = check(&Winsorize, json!({"columns": ["amount"], "lower": 0.6, "upper": 0.4}), &input());
        assert_eq!(codes(&d), vec![("S044", "params.upper".to_string())]);
        let (_, d) = check(&Winsorize, json!({"columns": ["amount"], "suffix": ""}), &input());
        assert_eq!(codes(&d), vec![("S040", "params.suffix".to_string())]);
    }

    #[test]
    fn fit_and_apply() {
        let p = json!({"columns": ["amount"], "lower": 0.05, "upper": 0.95});
        let fit = fit(&Winsorize, p.clone(), &input()).unwrap();
        assert_eq!(
            fit,
            "SELECT count(*) AS \"train_rows\", quantile_cont(CAST(\"amount\" AS DOUBLE), 0.05) AS \"amount.lower\", \
             quantile_cont(CAST(\"amount\" AS DOUBLE), 0.95) AS \"amount.upper\" FROM \"src\" WHERE \"split\" = 'train'"
        );
        let sql = compile(&Winsorize, p.clone(), &input(), Some(json!({"train_rows": 9, "amount.lower": 1.5, "amount.upper": 7})));
        let x = "CAST(__in.\"amount\" AS DOUBLE)";
        let (lo, hi) = ("CAST(__state.\"amount.lower\" AS DOUBLE)", "CAST(__state.\"amount.upper\" AS DOUBLE)");
        assert_eq!(
            sql,
            format!(
                "SELECT __in.* REPLACE (CASE WHEN {x} < {lo} THEN {lo} WHEN {x} > {hi} THEN {hi} ELSE {x} END AS \"amount\") \
                 FROM \"src\" AS __in CROSS JOIN (SELECT CAST(9 AS BIGINT) AS \"train_rows\", \
                 CAST('1.5' AS DOUBLE) AS \"amount.lower\", CAST(7 AS BIGINT) AS \"amount.upper\") AS __state"
            )
        );
        let inline = compile(&Winsorize, p, &input(), None);
        assert!(inline.ends_with(&format!("CROSS JOIN ({fit}) AS __state")), "{inline}");
    }
}
