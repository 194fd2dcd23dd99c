//! `check_drift`: the distribution of columns of `input` against the same columns of a
//! `reference` table, as Evidently's data drift preset (0.7.23) decides it.
//!
//! Compiling only picks the columns and their types; the engine fetches each column's values
//! from both relations (numbers as `f64`, other values as category counts, nulls and ±inf/NaN
//! dropped as Evidently does) and calls [`test_column`], which chooses Evidently's default test
//! (see [`crate::stats`]) unless a method is given, and decides whether the column drifted.
//!
//! Column types follow Evidently's `_get_column_type` without a column mapping: an integer
//! column with at most 5 distinct reference values (current values when the reference has none)
//! is categorical, other integer, floating point and decimal columns numeric; strings and
//! booleans categorical. Date/time and nested columns are not tested (Evidently skips datetime
//! columns in its drift table).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{CheckSeverity, CheckSql, Rule};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Port, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};
use crate::stats;

pub struct CheckDrift;

/// A drift test, named as Evidently names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DriftMethod {
    /// Two-sample Kolmogorov–Smirnov p-value (numeric columns); drift when p <= threshold (0.05).
    Ks,
    /// Wasserstein distance over the reference's standard deviation (numeric columns); drift when >= threshold (0.1).
    Wasserstein,
    /// Pearson chi-square p-value over the categories; drift when p < threshold (0.05).
    Chisquare,
    /// Two-proportion Z-test p-value; drift when p < threshold (0.05).
    Z,
    /// Population Stability Index; drift when >= threshold (0.1).
    Psi,
    /// Jensen–Shannon distance (natural log); drift when >= threshold (0.1).
    Jensenshannon,
}

impl DriftMethod {
    pub fn name(self) -> &'static str {
        match self {
            DriftMethod::Ks => "ks",
            DriftMethod::Wasserstein => "wasserstein",
            DriftMethod::Chisquare => "chisquare",
            DriftMethod::Z => "z",
            DriftMethod::Psi => "psi",
            DriftMethod::Jensenshannon => "jensenshannon",
        }
    }
    /// Evidently's default threshold for the test.
    pub fn default_threshold(self) -> f64 {
        match self {
            DriftMethod::Ks | DriftMethod::Chisquare | DriftMethod::Z => 0.05,
            DriftMethod::Wasserstein | DriftMethod::Psi | DriftMethod::Jensenshannon => 0.1,
        }
    }
    /// Whether the score is a p-value (small means drift) rather than a distance.
    pub fn is_p_value(self) -> bool {
        matches!(self, DriftMethod::Ks | DriftMethod::Chisquare | DriftMethod::Z)
    }
    /// Evidently's comparison: K–S `p <= t`, chi-square and Z `p < t`, distances `v >= t`.
    /// A NaN score never drifts (Python's comparisons with NaN are false).
    pub fn drifted(self, score: f64, threshold: f64) -> bool {
        match self {
            DriftMethod::Ks => score <= threshold,
            DriftMethod::Chisquare | DriftMethod::Z => score < threshold,
            _ => score >= threshold,
        }
    }
    fn numeric_only(self) -> bool {
        matches!(self, DriftMethod::Ks | DriftMethod::Wasserstein)
    }
}

/// Parameters of `check_drift`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Columns compared; empty: every column of `input` that `reference` also has with a
    /// compatible type (numbers with numbers, text and booleans with text and booleans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// Test for every column; absent: Evidently's default per column type and size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<DriftMethod>,
    /// Threshold for every column; absent: the test's default (0.05 for p-values, 0.1 for distances).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Test per column, overriding `method`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_column_method: BTreeMap<String, DriftMethod>,
    /// Threshold per column, overriding `threshold`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_column_threshold: BTreeMap<String, f64>,
    /// The dataset drifts (the check fails) when at least this share of the columns drift.
    #[serde(default = "default_drift_share")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub drift_share: f64,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
}

fn default_drift_share() -> f64 {
    0.5
}

/// `input` comes first: it is the port that passes through.
const PORTS: &[Port] = &[
    Port { name: "input", doc: "the current rows; they pass through" },
    Port { name: "reference", doc: "the rows whose distribution is expected" },
];

/// How a column's values are fetched and first classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftType {
    /// Integers: numeric, or categorical with at most 5 distinct reference values.
    Integer,
    /// Floating point or decimal: numeric.
    Float,
    /// Strings, booleans: category counts.
    Categorical,
}

/// One column to test.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftColumn {
    pub name: String,
    /// The quoted identifier.
    pub ident: String,
    pub ty: DriftType,
    pub method: Option<DriftMethod>,
    pub threshold: Option<f64>,
}

/// What [`Rule::Drift`] needs: the columns and both relations.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftSpec {
    /// Relation of the current rows.
    pub input: String,
    /// Relation of the reference rows.
    pub reference: String,
    pub columns: Vec<DriftColumn>,
    pub drift_share: f64,
}

/// A category: a number (integer columns with few values) or a text.
#[derive(Debug, Clone, PartialEq)]
pub enum CatKey {
    Num(f64),
    Text(String),
}

impl Eq for CatKey {}
impl PartialOrd for CatKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for CatKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (CatKey::Num(a), CatKey::Num(b)) => a.total_cmp(b),
            (CatKey::Text(a), CatKey::Text(b)) => a.cmp(b),
            (CatKey::Num(_), CatKey::Text(_)) => std::cmp::Ordering::Less,
            (CatKey::Text(_), CatKey::Num(_)) => std::cmp::Ordering::Greater,
        }
    }
}

/// The non-missing values of a column on one side, as fetched by the engine.
#[derive(Debug, Clone)]
pub enum Sample {
    /// Finite numbers (integer and float columns).
    Numeric(Vec<f64>),
    /// Category counts (text and boolean columns).
    Counts(BTreeMap<CatKey, u64>),
}

impl Sample {
    fn len(&self) -> u64 {
        match self {
            Sample::Numeric(v) => v.len() as u64,
            Sample::Counts(c) => c.values().sum(),
        }
    }
}

/// The outcome of one column's test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    pub column: String,
    /// `num` or `cat`, as Evidently classifies the column.
    pub column_type: &'static str,
    pub method: &'static str,
    /// The p-value (`score_type` = `p_value`) or distance (`distance`); null when the column
    /// could not be tested or the test is undefined (NaN).
    pub score: Option<f64>,
    pub score_type: &'static str,
    pub threshold: f64,
    pub drifted: bool,
    pub reference_rows: u64,
    pub current_rows: u64,
    /// Why the column could not be tested (then it counts as drifted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn distinct_f64(values: &[f64]) -> usize {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    // -0.0 and 0.0 are one value, as in pandas.
    v.dedup_by(|a, b| a == b);
    v.len()
}

fn counts_of(values: &[f64]) -> BTreeMap<CatKey, u64> {
    let mut m = BTreeMap::new();
    for &v in values {
        // Normalise -0.0 so it and 0.0 are one category.
        *m.entry(CatKey::Num(if v == 0.0 { 0.0 } else { v })).or_insert(0) += 1;
    }
    m
}

/// Evidently's `_get_default_stattest` for a column type (`numeric`), the reference row count
/// and the distinct values of reference ∪ current.
pub fn default_method(numeric: bool, reference_rows: u64, n_unique: usize) -> DriftMethod {
    match (numeric, reference_rows <= 1000) {
        (true, true) if n_unique <= 5 => {
            if n_unique > 2 {
                DriftMethod::Chisquare
            } else {
                DriftMethod::Z
            }
        }
        (true, true) => DriftMethod::Ks,
        (true, false) if n_unique <= 5 => DriftMethod::Jensenshannon,
        (true, false) => DriftMethod::Wasserstein,
        (false, true) if n_unique > 2 => DriftMethod::Chisquare,
        (false, true) => DriftMethod::Z,
        (false, false) => DriftMethod::Jensenshannon,
    }
}

/// Test one column: classify it, pick the method (given or Evidently's default) and threshold,
/// compute the score and decide.
pub fn test_column(col: &DriftColumn, reference: Sample, current: Sample) -> ColumnDrift {
    let (reference_rows, current_rows) = (reference.len(), current.len());
    // Integer columns with at most 5 distinct values are categorical (Evidently's
    // NUMBER_UNIQUE_AS_CATEGORICAL), counted on the reference, or the current when it is empty.
    let numeric = match (&col.ty, &reference, &current) {
        (DriftType::Integer, Sample::Numeric(r), Sample::Numeric(c)) => {
            let n = if r.is_empty() { distinct_f64(c) } else { distinct_f64(r) };
            n > 5
        }
        (DriftType::Float, _, _) => true,
        _ => false,
    };
    let n_unique = match (&reference, &current) {
        (Sample::Numeric(r), Sample::Numeric(c)) => distinct_f64(&[r.as_slice(), c.as_slice()].concat()),
        (Sample::Counts(r), Sample::Counts(c)) => {
            r.iter().chain(c).filter(|(_, &n)| n > 0).map(|(k, _)| k).collect::<BTreeSet<_>>().len()
        }
        _ => 0,
    };
    let method = col.method.unwrap_or_else(|| default_method(numeric, reference_rows, n_unique));
    let threshold = col.threshold.unwrap_or_else(|| method.default_threshold());
    let mut out = ColumnDrift {
        column: col.name.clone(),
        column_type: if numeric { "num" } else { "cat" },
        method: method.name(),
        score: None,
        score_type: if method.is_p_value() { "p_value" } else { "distance" },
        threshold,
        drifted: true,
        reference_rows,
        current_rows,
        error: None,
    };
    // Evidently raises on an empty column; here the column counts as drifted.
    if reference_rows == 0 || current_rows == 0 {
        let side = if reference_rows == 0 { "reference" } else { "input" };
        out.error = Some(format!("no non-null value in {side}"));
        return out;
    }
    let score = match (&reference, &current) {
        (Sample::Numeric(r), Sample::Numeric(c)) if numeric || method.numeric_only() => match method {
            DriftMethod::Ks => stats::ks_2samp(r, c).map(|(_, p)| p),
            DriftMethod::Wasserstein => stats::wasserstein_normed(r, c),
            DriftMethod::Chisquare => stats::chisquare_test_numeric(r, c),
            DriftMethod::Z => stats::z_test_numeric(r, c),
            DriftMethod::Psi => stats::psi_numeric(r, c),
            DriftMethod::Jensenshannon => stats::jensenshannon_numeric(r, c),
        },
        (Sample::Numeric(r), Sample::Numeric(c)) => categorical_score(method, &counts_of(r), &counts_of(c)),
        (Sample::Counts(r), Sample::Counts(c)) => categorical_score(method, r, c),
        _ => Err(stats::StatsError::Empty),
    };
    match score {
        Ok(s) => {
            out.score = (!s.is_nan()).then_some(s);
            out.drifted = method.drifted(s, threshold);
        }
        Err(e) => out.error = Some(e.to_string()),
    }
    out
}

fn categorical_score(
    method: DriftMethod,
    r: &BTreeMap<CatKey, u64>,
    c: &BTreeMap<CatKey, u64>,
) -> Result<f64, stats::StatsError> {
    match method {
        DriftMethod::Chisquare => stats::chisquare_test_categorical(r, c),
        DriftMethod::Z => stats::z_test_categorical(r, c),
        DriftMethod::Psi => stats::psi_categorical(r, c),
        DriftMethod::Jensenshannon => stats::jensenshannon_categorical(r, c),
        // Rejected when checking params for text columns; integer categories are numbers.
        DriftMethod::Ks | DriftMethod::Wasserstein => Err(stats::StatsError::Empty),
    }
}

/// How a column of this type is tested, or None when it is not (dates, nested, blobs).
fn drift_type(c: &Column) -> Option<DriftType> {
    let t = c.ty.to_uppercase();
    if !c.is_known() {
        return None;
    }
    if c.is_numeric() {
        return Some(if c.is_float() || t.starts_with("DECIMAL") { DriftType::Float } else { DriftType::Integer });
    }
    let text = ["VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "BOOLEAN", "BOOL"].contains(&t.as_str())
        || t.starts_with("ENUM")
        || t.starts_with("VARCHAR(");
    text.then_some(DriftType::Categorical)
}

/// The type both sides share: integers with integers, numbers with numbers, text with text.
fn pair_type(input: &Column, reference: &Column) -> Option<DriftType> {
    match (drift_type(input)?, drift_type(reference)?) {
        (DriftType::Integer, DriftType::Integer) => Some(DriftType::Integer),
        (DriftType::Categorical, DriftType::Categorical) => Some(DriftType::Categorical),
        (DriftType::Categorical, _) | (_, DriftType::Categorical) => None,
        _ => Some(DriftType::Float),
    }
}

fn valid_threshold(t: f64) -> bool {
    t.is_finite() && t >= 0.0
}

impl Kind for CheckDrift {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_drift",
            title: "Check: drift",
            category: Category::Check,
            inputs: Ports::Fixed { ports: PORTS },
            output: true,
            docs: "Passes `input` through and compares the distribution of each of `columns` (default: \
                   every column both inputs have with compatible types; date/time columns are skipped) \
                   with the same column of `reference`, as Evidently's data drift preset does. Nulls, NaN \
                   and ±inf are dropped first. Integer columns with at most 5 distinct reference values, \
                   text and booleans are categorical; other numbers numeric. Evidently's default test per \
                   column: up to 1000 reference rows, K–S (numeric, p ≤ 0.05), chi-square (3–5 values, \
                   p < 0.05) or Z-test (2 values, p < 0.05); above, the Wasserstein distance over the \
                   reference's standard deviation (numeric, ≥ 0.1) or Jensen–Shannon (≤ 5 values or \
                   categorical, ≥ 0.1). `method`/`threshold` (all columns) and `per_column_method` / \
                   `per_column_threshold` override them (`ks`, `wasserstein`, `chisquare`, `z`, `psi`, \
                   `jensenshannon`). The check fails when at least `drift_share` (0.5) of the columns \
                   drift; `observed` is the share of drifted columns and the result's `details` list \
                   each column's method, score, threshold and verdict. A column without values on one \
                   side counts as drifted.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["unit_price", "status"], "per_column_method": {"unit_price": "psi"}})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if !(0.0..=1.0).contains(&p.drift_share) {
            cx.error("S040", "drift_share", format!("drift_share is a fraction between 0 and 1, not {}", p.drift_share));
            ok = false;
        }
        if let Some(t) = p.threshold {
            if !valid_threshold(t) {
                cx.error("S040", "threshold", format!("threshold must be a number of 0 or more, not {t}"));
                ok = false;
            }
        }
        for (c, t) in &p.per_column_threshold {
            if !valid_threshold(*t) {
                cx.error("S040", format!("per_column_threshold.{c}"), format!("threshold must be a number of 0 or more, not {t}"));
                ok = false;
            }
        }
        let (input, reference) = (cx.input("input"), cx.input("reference"));
        let columns = if p.columns.is_empty() {
            default_columns(&input, &reference)
        } else {
            for (i, c) in p.columns.iter().enumerate() {
                let path = format!("columns[{i}]");
                let a = cx.require_column("input", c, &path);
                let b = cx.require_column("reference", c, &path);
                if let (Some(a), Some(b)) = (a, b) {
                    if a.is_known() && b.is_known() && pair_type(&a, &b).is_none() {
                        cx.error(
                            "S029",
                            &path,
                            format!("column '{c}' cannot be tested for drift: it is {} in input and {} in reference", a.ty, b.ty),
                        );
                        ok = false;
                    }
                } else {
                    ok = false;
                }
            }
            p.columns.clone()
        };
        if ok && columns.is_empty() && input.is_fully_known() && reference.is_fully_known() {
            cx.error("S029", "columns", "input and reference share no column that can be tested for drift");
            ok = false;
        }
        let overrides = p.per_column_method.keys().chain(p.per_column_threshold.keys());
        for c in overrides.collect::<BTreeSet<_>>() {
            if !columns.contains(c) && input.is_fully_known() {
                cx.error("S020", "per_column_method", format!("column '{c}' is not one of the columns compared"));
                ok = false;
            }
        }
        for c in &columns {
            let method = p.per_column_method.get(c).copied().or(p.method);
            if let (Some(m), Some(col)) = (method, input.get(c)) {
                if m.numeric_only() && col.is_known() && !col.is_numeric() {
                    let path = if p.per_column_method.contains_key(c) { format!("per_column_method.{c}") } else { "method".into() };
                    cx.error("S029", path, format!("{} needs a numeric column; '{c}' is {}", m.name(), col.ty));
                    ok = false;
                }
            }
        }
        ok.then(|| input)
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let (input_schema, reference_schema) = (cx.schema("input"), cx.schema("reference"));
        let names = if p.columns.is_empty() { default_columns(&input_schema, &reference_schema) } else { p.columns.clone() };
        let columns = names
            .iter()
            .map(|c| {
                let ty = match (input_schema.get(c), reference_schema.get(c)) {
                    (Some(a), Some(b)) => pair_type(a, b),
                    _ => None,
                };
                DriftColumn {
                    name: c.clone(),
                    ident: cx.ident(c),
                    // Types unknown even after describing: compare the values as text.
                    ty: ty.unwrap_or(DriftType::Categorical),
                    method: p.per_column_method.get(c).copied().or(p.method),
                    threshold: p.per_column_threshold.get(c).copied().or(p.threshold),
                }
            })
            .collect::<Vec<_>>();
        let input = cx.input("input");
        let shown = names.join(", ");
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count(*) AS counted, 0 AS unexpected, \
                 CAST(NULL AS DOUBLE) AS observed FROM {input}"
            ),
            failing: None,
            rule: Rule::Drift(DriftSpec {
                input: input.to_string(),
                reference: cx.input("reference").to_string(),
                columns,
                drift_share: p.drift_share,
            }),
            severity: p.severity,
            description: format!("distribution of {shown} against reference"),
            samples: 0,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}

/// The columns of `input` that `reference` has with a compatible, testable type.
fn default_columns(input: &Schema, reference: &Schema) -> Vec<String> {
    input
        .columns
        .iter()
        .filter(|c| reference.get(&c.name).is_some_and(|r| pair_type(c, r).is_some()))
        .map(|c| c.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(ty: DriftType) -> DriftColumn {
        DriftColumn { name: "x".into(), ident: "\"x\"".into(), ty, method: None, threshold: None }
    }

    #[test]
    fn default_methods_follow_evidently() {
        assert_eq!(default_method(true, 1000, 6), DriftMethod::Ks);
        assert_eq!(default_method(true, 1000, 5), DriftMethod::Chisquare);
        assert_eq!(default_method(true, 1000, 2), DriftMethod::Z);
        assert_eq!(default_method(true, 1001, 5), DriftMethod::Jensenshannon);
        assert_eq!(default_method(true, 1001, 6), DriftMethod::Wasserstein);
        assert_eq!(default_method(false, 10, 3), DriftMethod::Chisquare);
        assert_eq!(default_method(false, 10, 2), DriftMethod::Z);
        assert_eq!(default_method(false, 1001, 2), DriftMethod::Jensenshannon);
    }

    #[test]
    fn few_integer_values_are_categories() {
        let r = Sample::Numeric(vec![1.0, 2.0, 3.0, 1.0, 2.0]);
        let c = Sample::Numeric(vec![1.0, 2.0, 3.0, 3.0, 3.0]);
        let d = test_column(&col(DriftType::Integer), r.clone(), c.clone());
        assert_eq!((d.column_type, d.method), ("cat", "chisquare"));
        let d = test_column(&col(DriftType::Float), r, c);
        assert_eq!((d.column_type, d.method), ("num", "chisquare"));
    }

    #[test]
    fn empty_side_counts_as_drifted() {
        let d = test_column(&col(DriftType::Float), Sample::Numeric(vec![]), Sample::Numeric(vec![1.0]));
        assert!(d.drifted && d.score.is_none() && d.error.is_some());
    }

    #[test]
    fn comparisons_match_evidently() {
        assert!(DriftMethod::Ks.drifted(0.05, 0.05));
        assert!(!DriftMethod::Chisquare.drifted(0.05, 0.05));
        assert!(DriftMethod::Psi.drifted(0.1, 0.1));
        assert!(!DriftMethod::Z.drifted(f64::NAN, 0.05));
    }
}
