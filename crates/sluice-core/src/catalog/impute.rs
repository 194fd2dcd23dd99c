//! `impute`: fill nulls per column with a statistic fitted on the training rows (mean, median,
//! most frequent value) or a constant, optionally adding a missing-value indicator, as
//! scikit-learn's SimpleImputer (with `add_indicator`) does.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{is_false, literal, ONE_INPUT};
use super::feature::{check_train_rows, train_filter};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Impute;

/// How the nulls of one column are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The mean of the column's non-null training values (numeric columns; the result is DOUBLE).
    Mean,
    /// The median of the column's non-null training values, interpolated linearly between the two
    /// middle values (numeric columns; the result is DOUBLE).
    Median,
    /// The most frequent non-null training value; ties go to the smallest value. The column
    /// keeps its type.
    Mode,
    /// The given `value`, cast to the column's type. Nothing is fitted.
    Constant,
}

impl Strategy {
    fn name(self) -> &'static str {
        match self {
            Strategy::Mean => "mean",
            Strategy::Median => "median",
            Strategy::Mode => "mode",
            Strategy::Constant => "constant",
        }
    }
}

/// The imputation rule of one column.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub strategy: Strategy,
    /// The fill value, for `strategy: constant`: a number for numeric columns, true/false for
    /// BOOLEAN columns, a string for the others (cast to the column's type, e.g. a date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Also add a BOOLEAN column `<column>_missing`: true where the value was null before filling.
    #[serde(default, skip_serializing_if = "is_false")]
    pub indicator: bool,
}

/// Parameters of `impute`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to imputation rule, e.g. `{"amount": {"strategy": "median", "indicator": true}}`.
    #[schemars(extend("x-sluice-widget" = "column-map", "x-sluice-port" = "input"))]
    pub columns: IndexMap<String, Rule>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

/// The state field holding the number of rows fitted on.
pub const TRAIN_ROWS: &str = "train_rows";

/// The state field of a fitted column: `<column>.<strategy>`; None for constants.
fn state_name(col: &str, s: Strategy) -> Option<String> {
    (s != Strategy::Constant).then(|| format!("{col}.{}", s.name()))
}

/// The name of the indicator column of `col`.
pub fn indicator_name(col: &str) -> String {
    format!("{col}_missing")
}

fn is_integer_type(ty: &str) -> bool {
    let t = ty.to_uppercase();
    ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"]
        .contains(&t.as_str())
}

/// Check a constant against the column type; an error message when it cannot be the column's value.
fn constant_problem(c: &Column, v: &Value) -> Option<String> {
    match v {
        Value::Null => return Some("the constant is null: give a value to fill with".into()),
        Value::Array(_) | Value::Object(_) => return Some("value must be a string, number or boolean".into()),
        _ => {}
    }
    if !c.is_known() {
        return None;
    }
    let ty = c.ty.to_uppercase();
    if c.is_numeric() {
        let Some(n) = v.as_number() else {
            return Some(format!("column '{}' is {}: the value must be a number, not {v}", c.name, c.ty));
        };
        if is_integer_type(&ty) && !(n.is_i64() || n.is_u64()) {
            return Some(format!("column '{}' is {}: the value must be a whole number, not {n}", c.name, c.ty));
        }
        return None;
    }
    if ty == "BOOLEAN" {
        return (!v.is_boolean()).then(|| format!("column '{}' is BOOLEAN: the value must be true or false, not {v}", c.name));
    }
    (!v.is_string()).then(|| format!("column '{}' is {}: give the value as a string, not {v}", c.name, c.ty))
}

/// `CAST(expr AS <type>)` when the column's type is known, else `expr`.
fn cast_to(expr: String, c: Option<&Column>) -> String {
    match c {
        Some(c) if c.is_known() => format!("CAST({expr} AS {})", c.ty),
        _ => expr,
    }
}

fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let input = cx.input("input");
    let filter = train_filter(cx, p.train_rows.as_deref());
    let mut parts = vec![format!("count(*) AS {}", cx.ident(TRAIN_ROWS))];
    for (col, rule) in &p.columns {
        let Some(name) = state_name(col, rule.strategy) else { continue };
        let c = cx.ident(col);
        let x = format!("CAST({c} AS DOUBLE)");
        let expr = match rule.strategy {
            Strategy::Mean => cx.dialect.float_mean(&x),
            Strategy::Median => format!("quantile_cont({x}, 0.5)"),
            // Most frequent first, then the smallest value: a total order, so ties never depend
            // on the physical row order.
            Strategy::Mode => format!(
                "(SELECT __v FROM (SELECT {c} AS __v FROM {input}{filter}) WHERE __v IS NOT NULL \
                 GROUP BY __v ORDER BY count(*) DESC, __v ASC LIMIT 1)"
            ),
            Strategy::Constant => unreachable!("constants are not fitted"),
        };
        parts.push(format!("{expr} AS {}", cx.ident(&name)));
    }
    format!("SELECT {} FROM {input}{filter}", parts.join(", "))
}

impl Kind for Impute {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "impute",
            title: "Impute missing values",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Fills the nulls of each column in `columns` as scikit-learn's SimpleImputer does, with a \
                   value fitted on the training rows and applied to every row: `mean` (the mean of the \
                   non-null training values) and `median` (linearly interpolated between the two middle \
                   values) turn the column into DOUBLE; `mode` (the most frequent non-null training value, \
                   ties going to the smallest value, as SimpleImputer's `most_frequent`) and `constant` \
                   (`value`, cast to the column's type) keep the column's type. Only SQL nulls are missing \
                   values (a floating-point NaN is a value). `indicator: true` adds a BOOLEAN column \
                   `<column>_missing` after the input's columns, true where the value was null before \
                   filling; it is added whether or not the training rows had nulls (SimpleImputer only adds \
                   indicators of columns with missing training values). A column without any non-null \
                   training value has no statistic: its nulls stay null (SimpleImputer would drop the \
                   column). Fitted on the training rows: `train_rows` when given, else the rows a split \
                   step above marked `split = 'train'`, else every row. The state holds `train_rows` (the \
                   number of rows fitted on) and `<column>.mean`, `<column>.median` or `<column>.mode`; \
                   `sluice run --state FILE` applies a saved state instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": {
            "amount": {"strategy": "median", "indicator": true},
            "channel": {"strategy": "mode"},
            "coupon_code": {"strategy": "constant", "value": "none"}
        }})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if p.columns.is_empty() {
            cx.error("S027", "columns", "no column to impute");
            ok = false;
        }
        let mut out = cx.input("input");
        let mut indicators = Vec::new();
        for (col, rule) in &p.columns {
            let path = format!("columns.{col}");
            let Some(c) = cx.require_column("input", col, &path) else {
                ok = false;
                continue;
            };
            match (rule.strategy, &rule.value) {
                (Strategy::Constant, None) => {
                    cx.error("S028", format!("{path}.value"), "strategy 'constant' needs a value");
                    ok = false;
                }
                (Strategy::Constant, Some(v)) => {
                    if let Some(m) = constant_problem(&c, v) {
                        cx.error("S028", format!("{path}.value"), m);
                        ok = false;
                    }
                }
                (s, Some(_)) => {
                    cx.error("S028", format!("{path}.value"), format!("value is only used with strategy 'constant', not '{}'", s.name()));
                    ok = false;
                }
                (Strategy::Mean | Strategy::Median, None) if c.is_known() && !c.is_numeric() => {
                    cx.error("S029", format!("{path}.strategy"), format!("column '{col}' is {}, not numeric", c.ty));
                    ok = false;
                }
                _ => {}
            }
            if matches!(rule.strategy, Strategy::Mean | Strategy::Median) {
                out.upsert(Column::new(col.clone(), "DOUBLE"));
            }
            if rule.indicator {
                indicators.push((col.clone(), indicator_name(col)));
            }
        }
        for (col, name) in indicators {
            if out.contains(&name) {
                cx.error("S026", format!("columns.{col}.indicator"), format!("column '{name}' exists already"));
                ok = false;
            } else {
                out.columns.push(Column::new(name, "BOOLEAN"));
            }
        }
        ok &= check_train_rows(cx, p.train_rows.as_deref());
        ok.then_some(out)
    }

    fn fit(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Option<String>, Unsupported> {
        Ok(Some(fit_sql(p, cx)))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        // The input's rows joined with the one row of fitted values (literals after a fit, else
        // the fit query itself); input columns are qualified, so a column named like a state
        // field is never ambiguous.
        let schema = cx.schema("input");
        let fitted = |name: String| format!("{STATE}.{}", cx.ident(&name));
        let mut replace = Vec::new();
        let mut added = Vec::new();
        for (col, rule) in &p.columns {
            let c = format!("{INPUT}.{}", cx.ident(col));
            let column = schema.get(col);
            let expr = match rule.strategy {
                Strategy::Mean | Strategy::Median => {
                    let v = fitted(state_name(col, rule.strategy).unwrap_or_default());
                    format!("COALESCE(CAST({c} AS DOUBLE), CAST({v} AS DOUBLE))")
                }
                Strategy::Mode => {
                    let v = fitted(state_name(col, rule.strategy).unwrap_or_default());
                    format!("COALESCE({c}, {})", cast_to(v, column))
                }
                Strategy::Constant => {
                    let v = literal(cx, rule.value.as_ref().unwrap_or(&Value::Null));
                    format!("COALESCE({c}, {})", cast_to(v, column))
                }
            };
            replace.push((col.clone(), expr));
            if rule.indicator {
                added.push(format!("({c} IS NULL) AS {}", cx.ident(&indicator_name(col))));
            }
        }
        let mut items = vec![cx.dialect.select_replace(Some(INPUT), &cx.input_columns("input"), &replace)];
        items.extend(added);
        Ok(Compiled::Query(format!(
            "SELECT {} FROM {} AS {INPUT} CROSS JOIN {} AS {STATE}",
            items.join(", "),
            cx.input("input"),
            cx.state_relation(&fit_sql(p, cx))
        )))
    }
}

/// Aliases of the input relation and of the one-row fitted state in a stateful step's query.
pub const INPUT: &str = "__in";
pub const STATE: &str = "__state";

/// Helpers for the unit tests of the feature kinds in this folder.
#[cfg(test)]
pub(super) mod testing {
    use std::path::Path;

    use indexmap::IndexMap;
    use serde_json::{Map, Value};

    use crate::catalog::{CheckCx, CompileCx, Compiled, DynKind};
    use crate::diagnostic::Diagnostic;
    use crate::dialect::DuckDb;
    use crate::schema::{Column, Schema};

    pub fn schema(cols: &[(&str, &str)]) -> Schema {
        Schema::new(cols.iter().map(|(n, t)| Column::new(*n, *t)).collect())
    }

    /// Check `params` against one input of schema `input`: the output schema and the diagnostics.
    pub fn check(kind: &dyn DynKind, params: Value, input: &Schema) -> (Option<Schema>, Vec<Diagnostic>) {
        let mut inputs = IndexMap::new();
        inputs.insert("input".to_string(), input.clone());
        let mut cx = CheckCx { node: "n", inputs, base_dir: Path::new("."), diags: Vec::new() };
        let out = kind.check(&params, &mut cx);
        (out, cx.diags)
    }

    /// The (code, path) of each diagnostic.
    pub fn codes(d: &[Diagnostic]) -> Vec<(&'static str, String)> {
        d.iter().map(|d| (d.code, d.path.clone().unwrap_or_default())).collect()
    }

    /// Column names and types of a schema.
    pub fn cols(s: &Schema) -> Vec<(String, String)> {
        s.columns.iter().map(|c| (c.name.clone(), c.ty.clone())).collect()
    }

    fn cx<'a>(input: &Schema, state: Option<&'a Map<String, Value>>) -> CompileCx<'a> {
        let mut inputs = IndexMap::new();
        inputs.insert("input".to_string(), "\"src\"".to_string());
        let mut schemas = IndexMap::new();
        schemas.insert("input".to_string(), input.clone());
        CompileCx { node: "n", inputs, schemas, dialect: &DuckDb, base_dir: Path::new("."), state, output: None }
    }

    /// The query `params` compile to over relation `"src"`, with a fitted `state` or without.
    pub fn compile(kind: &dyn DynKind, params: Value, input: &Schema, state: Option<Value>) -> String {
        let state = state.map(|s| s.as_object().cloned().expect("state is an object"));
        match kind.compile(&params, &cx(input, state.as_ref())).expect("compiles") {
            Compiled::Query(q) => q,
            other => panic!("not a query: {other:?}"),
        }
    }

    /// The fit query of `params` over relation `"src"`.
    pub fn fit(kind: &dyn DynKind, params: Value, input: &Schema) -> Option<String> {
        kind.fit(&params, &cx(input, None)).expect("fit compiles")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn input() -> Schema {
        schema(&[
            ("id", "BIGINT"),
            ("amount", "DECIMAL(12,2)"),
            ("quantity", "INTEGER"),
            ("channel", "VARCHAR"),
            ("split", "VARCHAR"),
        ])
    }

    #[test]
    fn output_types_follow_the_strategy() {
        let (out, d) = check(
            &Impute,
            json!({"columns": {
                "amount": {"strategy": "median", "indicator": true},
                "quantity": {"strategy": "mode"},
                "channel": {"strategy": "constant", "value": "unknown", "indicator": true}
            }}),
            &input(),
        );
        assert!(d.is_empty(), "{d:?}");
        let got = cols(&out.unwrap());
        let want: Vec<(String, String)> = [
            ("id", "BIGINT"),
            ("amount", "DOUBLE"),
            ("quantity", "INTEGER"),
            ("channel", "VARCHAR"),
            ("split", "VARCHAR"),
            ("amount_missing", "BOOLEAN"),
            ("channel_missing", "BOOLEAN"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn params_are_checked_with_their_paths() {
        let (out, d) = check(
            &Impute,
            json!({"columns": {
                "channel": {"strategy": "mean"},
                "quantity": {"strategy": "constant", "value": 1.5},
                "amount": {"strategy": "constant"},
                "id": {"strategy": "median", "value": 3},
                "nope": {"strategy": "mode"}
            }}),
            &input(),
        );
        assert!(out.is_none());
        assert_eq!(
            codes(&d),
            vec![
                ("S029", "params.columns.channel.strategy".to_string()),
                ("S028", "params.columns.quantity.value".to_string()),
                ("S028", "params.columns.amount.value".to_string()),
                ("S028", "params.columns.id.value".to_string()),
                ("S020", "params.columns.nope".to_string()),
            ]
        );
        let (_, d) = check(&Impute, json!({"columns": {}}), &input());
        assert_eq!(codes(&d), vec![("S027", "params.columns".to_string())]);
        let (_, d) = check(&Impute, json!({"columns": {"channel": {"strategy": "constant", "value": 3}}}), &input());
        assert_eq!(codes(&d), vec![("S028", "params.columns.channel.value".to_string())]);
        let s = schema(&[("a", "DOUBLE"), ("a_missing", "BOOLEAN")]);
        let (_, d) = check(&Impute, json!({"columns": {"a": {"strategy": "mean", "indicator": true}}}), &s);
        assert_eq!(codes(&d), vec![("S026", "params.columns.a.indicator".to_string())]);
        let (_, d) = check(&Impute, json!({"columns": {"a": {"strategy": "mean", "how": 1}}}), &s);
        assert_eq!(d[0].code, "S010");
    }

    #[test]
    fn fits_on_training_rows_and_applies_literals() {
        let p = json!({"columns": {
            "amount": {"strategy": "mean", "indicator": true},
            "channel": {"strategy": "mode"},
            "quantity": {"strategy": "constant", "value": 0}
        }});
        let fit = fit(&Impute, p.clone(), &input()).unwrap();
        assert_eq!(
            fit,
            "SELECT count(*) AS \"train_rows\", favg(CAST(\"amount\" AS DOUBLE)) AS \"amount.mean\", \
             (SELECT __v FROM (SELECT \"channel\" AS __v FROM \"src\" WHERE \"split\" = 'train') WHERE __v IS NOT NULL \
             GROUP BY __v ORDER BY count(*) DESC, __v ASC LIMIT 1) AS \"channel.mode\" \
             FROM \"src\" WHERE \"split\" = 'train'"
        );
        let sql = compile(&Impute, p.clone(), &input(), Some(json!({"train_rows": 4, "amount.mean": 2.5, "channel.mode": "web"})));
        assert_eq!(
            sql,
            "SELECT __in.* REPLACE (COALESCE(CAST(__in.\"amount\" AS DOUBLE), CAST(__state.\"amount.mean\" AS DOUBLE)) AS \"amount\", \
             COALESCE(__in.\"channel\", CAST(__state.\"channel.mode\" AS VARCHAR)) AS \"channel\", \
             COALESCE(__in.\"quantity\", CAST(0 AS INTEGER)) AS \"quantity\"), \
             (__in.\"amount\" IS NULL) AS \"amount_missing\" FROM \"src\" AS __in CROSS JOIN \
             (SELECT CAST(4 AS BIGINT) AS \"train_rows\", CAST('2.5' AS DOUBLE) AS \"amount.mean\", 'web' AS \"channel.mode\") AS __state"
        );
        // Without a state the statistics are computed inline by the same fit query.
        let inline = compile(&Impute, p, &input(), None);
        assert!(inline.ends_with(&format!("CROSS JOIN ({fit}) AS __state")), "{inline}");
    }

    #[test]
    fn train_rows_predicate_wins() {
        let p = json!({"columns": {"amount": {"strategy": "median"}}, "train_rows": "id < 10"});
        let fit = fit(&Impute, p, &input()).unwrap();
        assert!(fit.ends_with("FROM \"src\" WHERE (id < 10)"), "{fit}");
        assert!(fit.contains("quantile_cont(CAST(\"amount\" AS DOUBLE), 0.5) AS \"amount.median\""), "{fit}");
    }

    #[test]
    fn examples_of_the_feature_kinds_parse() {
        use crate::catalog::DynKind;
        let kinds: [&dyn DynKind; 5] = [
            &Impute,
            &super::super::transform::Transform,
            &super::super::winsorize::Winsorize,
            &super::super::interact::Interact,
            &super::super::text_features::TextFeatures,
        ];
        for k in kinds {
            assert!(k.parse_params("n", &k.example()).is_ok(), "{}", k.info().id);
        }
    }

    #[test]
    fn constants_only_still_fit_a_row() {
        let p = json!({"columns": {"channel": {"strategy": "constant", "value": "x"}}});
        let fit = fit(&Impute, p, &schema(&[("channel", "VARCHAR")])).unwrap();
        assert_eq!(fit, "SELECT count(*) AS \"train_rows\" FROM \"src\"");
    }
}
