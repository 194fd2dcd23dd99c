//! `split`: mark each row `train`, `test` (or `validation`) in a `split` column: by a seeded
//! random fraction, by a time cut-off, or by group so that an entity never lands in two splits.
//!
//! Random and group splits hash the row (or its group) with the seed, so a row keeps its split
//! whatever the thread count or the physical order, and a re-run gives the same splits.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::SPLIT_COLUMN;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Split;

/// How rows are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Each row by a seeded hash of the row (or of `key` columns): about `test` of the rows are
    /// test rows.
    Random,
    /// Rows whose `time_column` is at or after `test_from` are test rows (after
    /// `validation_from`, validation rows): training never sees the future.
    Time,
    /// Each group of `group_by` values by a seeded hash of the group: a group's rows share one
    /// split.
    Group,
}

/// Parameters of `split`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub method: Method,
    /// Share of rows (random) or groups (group) that are test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub test: Option<f64>,
    /// Share of rows or groups that are validation rows (random, group); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub validation: Option<f64>,
    /// Seed of the random and group splits.
    #[serde(default)]
    pub seed: u64,
    /// Random: hash these columns instead of the whole row (identical keys share a split).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub key: Vec<String>,
    /// Group: the columns naming an entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub group_by: Vec<String>,
    /// Time: the timestamp or date column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub time_column: Option<String>,
    /// Time: rows at or after this time are test rows, e.g. `2025-04-01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_from: Option<String>,
    /// Time: rows at or after this time and before `test_from` are validation rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_from: Option<String>,
}

fn fraction_ok(cx: &mut CheckCx<'_>, v: Option<f64>, path: &str) -> bool {
    match v {
        Some(f) if !(0.0..=1.0).contains(&f) || !f.is_finite() => {
            cx.error("S040", path, format!("{path} is a share between 0 and 1, not {f}"));
            false
        }
        _ => true,
    }
}

impl Kind for Split {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "split",
            title: "Train/test split",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds a `split` column: `train`, `test` or `validation`. `random`: about `test` (and \
                   `validation`) of the rows, chosen by a seeded hash of the row or of its `key` columns, so \
                   the same row always gets the same split. `group`: the same by a hash of the `group_by` \
                   values, so an entity never lands in two splits. `time`: rows whose `time_column` is at or \
                   after `test_from` are test rows, those from `validation_from` to `test_from` validation \
                   rows, the earlier ones training rows; rows with a null time get a null split. Stateful steps below fit on the `train` rows only; \
                   filter on `split` for separate tables.",
        }
    }

    fn example(&self) -> Value {
        json!({"method": "group", "group_by": ["customer_id"], "test": 0.2, "seed": 7})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = fraction_ok(cx, p.test, "test") & fraction_ok(cx, p.validation, "validation");
        let share = p.test.unwrap_or(0.0) + p.validation.unwrap_or(0.0);
        if share > 1.0 {
            cx.error("S040", "validation", format!("test and validation shares add up to {share}, more than 1"));
            ok = false;
        }
        let cols = |cx: &mut CheckCx<'_>, list: &[String], name: &str| {
            let mut found = true;
            for (i, c) in list.iter().enumerate() {
                found &= cx.require_column("input", c, format!("{name}[{i}]")).is_some();
            }
            found
        };
        match p.method {
            Method::Random | Method::Group => {
                if p.test.is_none() {
                    cx.error("S040", "test", "the share of test rows is missing (e.g. 0.2)");
                    ok = false;
                }
                if p.method == Method::Group && p.group_by.is_empty() {
                    cx.error("S027", "group_by", "a group split needs the columns naming an entity");
                    ok = false;
                }
                ok &= cols(cx, &p.key, "key");
                ok &= cols(cx, &p.group_by, "group_by");
                for f in ["time_column", "test_from", "validation_from"] {
                    let set = match f {
                        "time_column" => p.time_column.is_some(),
                        "test_from" => p.test_from.is_some(),
                        _ => p.validation_from.is_some(),
                    };
                    if set {
                        cx.error("S040", f, format!("{f} is for method 'time'"));
                        ok = false;
                    }
                }
            }
            Method::Time => {
                match &p.time_column {
                    None => {
                        cx.error("S040", "time_column", "a time split needs the time column");
                        ok = false;
                    }
                    Some(c) => match cx.require_column("input", c, "time_column") {
                        Some(col) if col.is_known() && !(col.ty == "DATE" || col.ty.starts_with("TIMESTAMP")) => {
                            cx.error("S029", "time_column", format!("column '{c}' is {}, not a date or timestamp", col.ty));
                            ok = false;
                        }
                        Some(_) => {}
                        None => ok = false,
                    },
                }
                if p.test_from.is_none() {
                    cx.error("S040", "test_from", "a time split needs the time from which rows are test rows");
                    ok = false;
                }
                if p.test.is_some() || p.validation.is_some() || !p.key.is_empty() || !p.group_by.is_empty() {
                    cx.error("S040", "method", "test, validation, key and group_by are for the random and group splits");
                    ok = false;
                }
            }
        }
        if cx.input("input").contains(SPLIT_COLUMN) {
            cx.error("S040", "method", "the input has a 'split' column already");
            ok = false;
        }
        let mut out = cx.input("input");
        out.columns.push(Column::new(SPLIT_COLUMN, "VARCHAR"));
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let (train, test, validation) = (cx.string("train"), cx.string("test"), cx.string("validation"));
        let expr = match p.method {
            Method::Random | Method::Group => {
                let cols = if p.method == Method::Group { &p.group_by } else { &p.key };
                // A unit number per row (or group): hash of the columns and the seed.
                let u = if cols.is_empty() {
                    cx.dialect.row_hash_unit("__row", p.seed)?
                } else {
                    let idents: Vec<String> = cols.iter().map(|c| cx.ident(c)).collect();
                    format!("(hash({}, {}::UBIGINT) % 1000000007) / 1000000007.0", idents.join(", "), p.seed)
                };
                let (t, v) = (p.test.unwrap_or(0.0), p.validation.unwrap_or(0.0));
                format!("CASE WHEN {u} < {t} THEN {test} WHEN {u} < {} THEN {validation} ELSE {train} END", t + v)
            }
            Method::Time => {
                let c = cx.ident(p.time_column.as_deref().unwrap_or_default());
                let test_from = cx.string(p.test_from.as_deref().unwrap_or_default());
                let val = match &p.validation_from {
                    Some(v) => format!(" WHEN {c} >= CAST({} AS TIMESTAMP) THEN {validation}", cx.string(v)),
                    None => String::new(),
                };
                format!(
                    "CASE WHEN {c} IS NULL THEN NULL WHEN {c} >= CAST({test_from} AS TIMESTAMP) THEN {test}{val} ELSE {train} END"
                )
            }
        };
        let from = if p.method == Method::Random && p.key.is_empty() { format!("{input} AS __row") } else { input.to_string() };
        Ok(Compiled::Query(format!("SELECT *, {expr} AS {} FROM {from}", cx.ident(SPLIT_COLUMN))))
    }
}
