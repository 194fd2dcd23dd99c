//! `interact`: new numeric columns from pairs of columns: ratio, product, difference, sum.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_output_name, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Interact;

/// How two columns combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// `left / right`; null (or `fill`) where `right` is 0.
    Ratio,
    /// `left * right`.
    Product,
    /// `left - right`.
    Difference,
    /// `left + right`.
    Sum,
}

impl Op {
    /// The word joining the column names in the default output name.
    fn word(self) -> &'static str {
        match self {
            Op::Ratio => "per",
            Op::Product => "times",
            Op::Difference => "minus",
            Op::Sum => "plus",
        }
    }
}

/// One new column.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    pub op: Op,
    /// The first operand (the numerator of a ratio).
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub left: String,
    /// The second operand (the denominator of a ratio).
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub right: String,
    /// The new column's name (default `<left>_per_<right>`, `<left>_times_<right>`,
    /// `<left>_minus_<right>` or `<left>_plus_<right>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Ratio: the value where `right` is 0 (default: null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<f64>,
}

impl Feature {
    pub fn output(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("{}_{}_{}", self.left, self.op.word(), self.right))
    }
}

/// Parameters of `interact`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The columns to add, in this order after the input's columns.
    pub features: Vec<Feature>,
}

impl Kind for Interact {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "interact",
            title: "Interactions",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds a DOUBLE column per entry of `features`, computed from two numeric columns read as \
                   DOUBLE: `ratio` left / right, `product` left × right, `difference` left − right, `sum` \
                   left + right. A null operand gives null. A ratio is a safe division: where `right` is 0 \
                   (or −0) and `left` is not null the result is `fill`, or null without it, never ±infinity or NaN as in pandas; \
                   an overflowing ratio or product is ±infinity. The column is named `name`, by default \
                   `<left>_per_<right>`, `<left>_times_<right>`, `<left>_minus_<right>` or \
                   `<left>_plus_<right>`; it must not exist already. Nothing is fitted.",
        }
    }

    fn example(&self) -> Value {
        json!({"features": [
            {"op": "ratio", "left": "amount", "right": "quantity", "name": "amount_per_item", "fill": 0},
            {"op": "product", "left": "quantity", "right": "discount"}
        ]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if p.features.is_empty() {
            cx.error("S027", "features", "no feature given");
            ok = false;
        }
        let input = cx.input("input");
        let mut out = input.clone();
        for (i, f) in p.features.iter().enumerate() {
            let path = format!("features[{i}]");
            for (side, col) in [("left", &f.left), ("right", &f.right)] {
                match cx.require_column("input", col, format!("{path}.{side}")) {
                    Some(c) if c.is_known() && !c.is_numeric() => {
                        cx.error("S029", format!("{path}.{side}"), format!("column '{col}' is {}, not numeric", c.ty));
                        ok = false;
                    }
                    Some(_) => {}
                    None => ok = false,
                }
            }
            if let Some(v) = f.fill {
                if f.op != Op::Ratio {
                    cx.error("S028", format!("{path}.fill"), "fill is for op 'ratio'");
                    ok = false;
                } else if !v.is_finite() {
                    cx.error("S040", format!("{path}.fill"), "fill must be a finite number");
                    ok = false;
                }
            }
            let name = f.output();
            if f.name.is_some() && !check_output_name(cx, &name, &format!("{path}.name")) {
                ok = false;
                continue;
            }
            if out.contains(&name) {
                let what = if input.contains(&name) { "exists already" } else { "is written by an earlier feature" };
                cx.error("S026", format!("{path}.name"), format!("column '{name}' {what}; give another name"));
                ok = false;
                continue;
            }
            out.columns.push(Column::new(name, "DOUBLE"));
        }
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let mut items = vec!["*".to_string()];
        for f in &p.features {
            let a = format!("CAST({} AS DOUBLE)", cx.ident(&f.left));
            let b = format!("CAST({} AS DOUBLE)", cx.ident(&f.right));
            let expr = match f.op {
                Op::Ratio => match f.fill {
                    // A null numerator stays null, whatever the denominator.
                    Some(v) => format!("CASE WHEN {a} IS NULL THEN NULL WHEN {b} = 0 THEN CAST('{v:?}' AS DOUBLE) ELSE {a} / {b} END"),
                    None => format!("CASE WHEN {b} = 0 THEN NULL ELSE {a} / {b} END"),
                },
                Op::Product => format!("{a} * {b}"),
                Op::Difference => format!("{a} - {b}"),
                Op::Sum => format!("{a} + {b}"),
            };
            items.push(format!("{expr} AS {}", cx.ident(&f.output())));
        }
        Ok(Compiled::Query(format!("SELECT {} FROM {}", items.join(", "), cx.input("input"))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::impute::testing::*;
    use super::*;

    fn input() -> Schema {
        schema(&[("amount", "DECIMAL(12,2)"), ("quantity", "INTEGER"), ("channel", "VARCHAR")])
    }

    #[test]
    fn names_types_and_errors() {
        let (out, d) = check(
            &Interact,
            json!({"features": [
                {"op": "ratio", "left": "amount", "right": "quantity"},
                {"op": "difference", "left": "amount", "right": "quantity", "name": "gap"}
            ]}),
            &input(),
        );
        assert!(d.is_empty(), "{d:?}");
        let got = cols(&out.unwrap());
        assert_eq!(&got[3..], &[("amount_per_quantity".into(), "DOUBLE".into()), ("gap".into(), "DOUBLE".into())]);
        let (out, d) = check(
            &Interact,
            json!({"features": [
                {"op": "sum", "left": "channel", "right": "nope"},
                {"op": "product", "left": "amount", "right": "quantity", "fill": 1},
                {"op": "product", "left": "amount", "right": "quantity", "name": "amount"},
                {"op": "sum", "left": "amount", "right": "quantity", "name": "s"},
                {"op": "sum", "left": "amount", "right": "quantity", "name": "s"},
                {"op": "ratio", "left": "amount", "right": "quantity", "name": ""}
            ]}),
            &input(),
        );
        assert!(out.is_none());
        assert_eq!(
            codes(&d),
            vec![
                ("S029", "params.features[0].left".to_string()),
                ("S020", "params.features[0].right".to_string()),
                ("S028", "params.features[1].fill".to_string()),
                ("S026", "params.features[2].name".to_string()),
                ("S026", "params.features[4].name".to_string()),
                ("S023", "params.features[5].name".to_string()),
            ]
        );
        let (_, d) = check(&Interact, json!({"features": []}), &input());
        assert_eq!(codes(&d), vec![("S027", "params.features".to_string())]);
    }

    #[test]
    fn sql_shape() {
        let sql = compile(
            &Interact,
            json!({"features": [
                {"op": "ratio", "left": "amount", "right": "quantity", "fill": 0},
                {"op": "ratio", "left": "quantity", "right": "amount", "name": "r"},
                {"op": "product", "left": "amount", "right": "quantity", "name": "p"}
            ]}),
            &input(),
            None,
        );
        let (a, q) = ("CAST(\"amount\" AS DOUBLE)", "CAST(\"quantity\" AS DOUBLE)");
        assert_eq!(
            sql,
            format!(
                "SELECT *, CASE WHEN {a} IS NULL THEN NULL WHEN {q} = 0 THEN CAST('0.0' AS DOUBLE) ELSE {a} / {q} END \
                 AS \"amount_per_quantity\", \
                 CASE WHEN {a} = 0 THEN NULL ELSE {q} / {a} END AS \"r\", {a} * {q} AS \"p\" FROM \"src\""
            )
        );
    }
}
