//! `check_drift`: the distribution of columns of `input` against the same columns of a
//! `reference` table, or of this node's input in an earlier run, as Evidently's data drift
//! preset (0.7.23) decides it.
//!
//! Compiling only picks the columns and their types; the engine fetches each column's values
//! (numbers as `f64`, other values as category counts, nulls and ±inf/NaN dropped as Evidently
//! does) and calls [`test_column`], which chooses Evidently's default test (see [`crate::stats`])
//! unless a method is given, and decides whether the column drifted. Without a `reference`
//! input, the values come from the run history: each run stores a [`ColumnBaseline`] per column
//! (all values up to [`BASELINE_VALUES`], evenly spaced quantiles of them above; the category
//! counts), and later runs compare with the last successful run's, or a named run's.
//!
//! Column types follow Evidently's `_get_column_type` without a column mapping: an integer
//! column with at most 5 distinct reference values (current values when the reference has none)
//! is categorical, other integer, floating point and decimal columns numeric; strings and
//! booleans categorical. Date/time columns are skipped unless listed in `columns` (Evidently skips
//! datetime columns in its drift table); listed, they are compared as numbers (seconds since the
//! epoch). Nested columns are not tested.

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
    /// Without a `reference` input: the run whose stored input to compare with (an id from
    /// `sluice runs`); absent: the last successful run of this spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_run: Option<String>,
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
    Port { name: "input", doc: "the current rows; they pass through", optional: false },
    Port {
        name: "reference",
        doc: "the rows whose distribution is expected; without it, this node's input in an earlier run (the run history)",
        optional: true,
    },
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
    /// Dates and timestamps, listed explicitly: numeric, as seconds since the epoch.
    Temporal,
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

/// Where the expected distribution comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DriftReference {
    /// The rows of this relation.
    Relation(String),
    /// The baselines this node stored in an earlier run: `run`, or the last successful one.
    History { run: Option<String> },
}

/// What [`Rule::Drift`] needs: the columns and both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftSpec {
    /// Relation of the current rows.
    pub input: String,
    pub reference: DriftReference,
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

    /// What a run stores of this column for later runs to compare with.
    pub fn baseline(&self) -> ColumnBaseline {
        match self {
            Sample::Numeric(v) => {
                let mut sorted = v.clone();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len();
                let values = if n <= BASELINE_VALUES {
                    sorted
                } else {
                    // Evenly spaced quantiles (the midpoints of K equal slices of the sorted
                    // values): deterministic, and closer to the distribution than a random sample.
                    (0..BASELINE_VALUES).map(|i| sorted[((2 * i + 1) * n) / (2 * BASELINE_VALUES)]).collect()
                };
                ColumnBaseline::Numeric { rows: n as u64, values }
            }
            Sample::Counts(c) => {
                let mut all: Vec<(String, u64)> = c
                    .iter()
                    .map(|(k, n)| {
                        let key = match k {
                            CatKey::Text(t) => t.clone(),
                            CatKey::Num(x) => x.to_string(),
                        };
                        (key, *n)
                    })
                    .collect();
                let rows = all.iter().map(|(_, n)| n).sum();
                let mut other = 0;
                if all.len() > BASELINE_CATEGORIES {
                    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    other = all.split_off(BASELINE_CATEGORIES - 1).iter().map(|(_, n)| n).sum();
                    all.sort();
                }
                ColumnBaseline::Categories { rows, counts: all, other }
            }
        }
    }
}

/// Numeric values a baseline keeps per column.
pub const BASELINE_VALUES: usize = 10_000;
/// Categories a baseline keeps per column; the rarer ones are counted together.
pub const BASELINE_CATEGORIES: usize = 10_000;
/// The bucket of categories a baseline did not keep.
pub const OTHER_CATEGORY: &str = "(other)";

/// A column's distribution as a run stores it in the history (JSON), for later drift checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnBaseline {
    /// `rows` finite values; `values` sorted: all of them up to [`BASELINE_VALUES`], else that
    /// many evenly spaced quantiles.
    Numeric { rows: u64, values: Vec<f64> },
    /// Category counts; past [`BASELINE_CATEGORIES`] the most frequent ones, and `other` for
    /// the rest.
    Categories { rows: u64, counts: Vec<(String, u64)>, other: u64 },
}

impl ColumnBaseline {
    /// The reference sample and its true size, with `current` adjusted to it: when the
    /// baseline merged rare categories into one, the current values it does not know are
    /// merged the same way. None when the kinds differ (a column that changed type).
    pub fn against(&self, current: Sample) -> Option<(Sample, Sample, u64)> {
        match (self, current) {
            (ColumnBaseline::Numeric { rows, values }, current @ Sample::Numeric(_)) => {
                Some((Sample::Numeric(values.clone()), current, *rows))
            }
            (ColumnBaseline::Categories { rows, counts, other }, Sample::Counts(cur)) => {
                let mut reference: BTreeMap<CatKey, u64> =
                    counts.iter().map(|(k, n)| (CatKey::Text(k.clone()), *n)).collect();
                let current = if *other > 0 {
                    reference.insert(CatKey::Text(OTHER_CATEGORY.into()), *other);
                    let mut merged = BTreeMap::new();
                    for (k, n) in cur {
                        let known = reference.contains_key(&k);
                        let key = if known { k } else { CatKey::Text(OTHER_CATEGORY.into()) };
                        *merged.entry(key).or_insert(0) += n;
                    }
                    merged
                } else {
                    cur
                };
                Some((Sample::Counts(reference), Sample::Counts(current), *rows))
            }
            _ => None,
        }
    }

    /// `num` or `cat`, for messages.
    pub fn shape(&self) -> &'static str {
        match self {
            ColumnBaseline::Numeric { .. } => "numeric",
            ColumnBaseline::Categories { .. } => "categorical",
        }
    }
}

/// Both sides' distributions on shared bins, as proportions, for overlay charts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub labels: Vec<String>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// Bars of an overlay chart: the reference's deciles.
const OVERLAY_BINS: usize = 10;
const OVERLAY_CATEGORIES: usize = 10;

fn short_number(x: f64) -> String {
    if x == 0.0 || (x.abs() >= 0.01 && x.abs() < 1e6) {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{x:.2e}")
    }
}

/// Bins at the reference's deciles (fewer when values repeat): each holds about a tenth of the
/// reference, so a shift shows as current bars leaving 10%, however skewed the column is.
fn numeric_distribution(r: &[f64], c: &[f64]) -> Distribution {
    let sort = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        s
    };
    let (r, c) = (sort(r), sort(c));
    // Edges are reference values (nearest rank below), so repeated values give no empty bins.
    let rank = |q: f64| r[((q * (r.len() - 1) as f64).floor() as usize).min(r.len() - 1)];
    let mut edges: Vec<f64> = (1..OVERLAY_BINS).map(|i| rank(i as f64 / OVERLAY_BINS as f64)).filter(|e| *e > r[0]).collect();
    edges.dedup();
    let bins = edges.len() + 1;
    // Bin i holds values in [edges[i-1], edges[i]): the count of edges at or below the value.
    let share = |v: &[f64]| {
        let mut counts = vec![0u64; bins];
        for &x in v {
            counts[edges.partition_point(|e| *e <= x)] += 1;
        }
        counts.iter().map(|&n| n as f64 / v.len().max(1) as f64).collect::<Vec<_>>()
    };
    let labels = (0..bins)
        .map(|i| match (i, bins) {
            (_, 1) => "all".to_string(),
            (0, _) => format!("< {}", short_number(edges[0])),
            (i, n) if i == n - 1 => format!("≥ {}", short_number(edges[i - 1])),
            _ => format!("[{}, {})", short_number(edges[i - 1]), short_number(edges[i])),
        })
        .collect();
    Distribution { labels, reference: share(&r), current: share(&c) }
}

/// The categories most present on either side, the rest as one bar.
fn categorical_distribution(r: &BTreeMap<CatKey, u64>, c: &BTreeMap<CatKey, u64>) -> Distribution {
    let (rn, cn) = (r.values().sum::<u64>().max(1) as f64, c.values().sum::<u64>().max(1) as f64);
    let share = |m: &BTreeMap<CatKey, u64>, k: &CatKey, n: f64| m.get(k).copied().unwrap_or(0) as f64 / n;
    let mut keys: Vec<&CatKey> = r.keys().chain(c.keys()).collect::<BTreeSet<_>>().into_iter().collect();
    keys.sort_by(|a, b| {
        let (x, y) = (share(r, a, rn).max(share(c, a, cn)), share(r, b, rn).max(share(c, b, cn)));
        y.total_cmp(&x).then_with(|| a.cmp(b))
    });
    let label = |k: &CatKey| match k {
        CatKey::Text(t) => t.clone(),
        CatKey::Num(x) => short_number(*x),
    };
    let shown = keys.len().min(OVERLAY_CATEGORIES);
    let mut d = Distribution {
        labels: keys[..shown].iter().map(|k| label(k)).collect(),
        reference: keys[..shown].iter().map(|k| share(r, k, rn)).collect(),
        current: keys[..shown].iter().map(|k| share(c, k, cn)).collect(),
    };
    if keys.len() > shown {
        d.labels.push("(other)".into());
        d.reference.push(keys[shown..].iter().map(|k| share(r, k, rn)).sum());
        d.current.push(keys[shown..].iter().map(|k| share(c, k, cn)).sum());
    }
    d
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
    /// Both sides on shared bins, for charts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
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
    test_column_of(col, reference, current, None)
}

/// [`test_column`] with the reference's true size when `reference` is a stored baseline's
/// quantiles: Evidently's choice of test depends on it.
pub fn test_column_of(col: &DriftColumn, reference: Sample, current: Sample, reference_rows: Option<u64>) -> ColumnDrift {
    let (reference_rows, current_rows) = (reference_rows.unwrap_or(reference.len()), current.len());
    // Integer columns with at most 5 distinct values are categorical (Evidently's
    // NUMBER_UNIQUE_AS_CATEGORICAL), counted on the reference, or the current when it is empty.
    let numeric = match (&col.ty, &reference, &current) {
        (DriftType::Integer, Sample::Numeric(r), Sample::Numeric(c)) => {
            let n = if r.is_empty() { distinct_f64(c) } else { distinct_f64(r) };
            n > 5
        }
        (DriftType::Float | DriftType::Temporal, _, _) => true,
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
        distribution: None,
    };
    // Evidently raises on an empty column; here the column counts as drifted.
    if reference.len() == 0 || current_rows == 0 {
        let side = if reference.len() == 0 { "reference" } else { "input" };
        out.error = Some(format!("no non-null value in {side}"));
        return out;
    }
    out.distribution = Some(match (&reference, &current) {
        (Sample::Numeric(r), Sample::Numeric(c)) if numeric => numeric_distribution(r, c),
        (Sample::Numeric(r), Sample::Numeric(c)) => categorical_distribution(&counts_of(r), &counts_of(c)),
        (Sample::Counts(r), Sample::Counts(c)) => categorical_distribution(r, c),
        _ => Distribution { labels: vec![], reference: vec![], current: vec![] },
    });
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

/// How a column of this type is tested, or None when it is not (nested, blobs).
fn drift_type(c: &Column) -> Option<DriftType> {
    let t = c.ty.to_uppercase();
    if !c.is_known() {
        return None;
    }
    if t == "DATE" || t.starts_with("TIMESTAMP") {
        return Some(DriftType::Temporal);
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
        (DriftType::Temporal, DriftType::Temporal) => Some(DriftType::Temporal),
        (DriftType::Categorical | DriftType::Temporal, _) | (_, DriftType::Categorical | DriftType::Temporal) => None,
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
                   every column both inputs have with compatible types; date/time columns are skipped \
                   unless listed, then compared as seconds since the epoch) with the same column of \
                   `reference`, as Evidently's data drift preset does. Without a `reference` input the \
                   baseline is this node's input in an earlier run of the spec: each run stores it in the \
                   run history (all values up to 10,000 per numeric column, else 10,000 evenly spaced \
                   quantiles of them; category counts), and the check compares with the last successful \
                   run, or with `baseline_run`. With no such run (a first run, a deleted history) it \
                   reports \"no baseline\" as a warning and the run goes on. Nulls, NaN \
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
        let has_reference = cx.inputs.contains_key("reference");
        if has_reference && p.baseline_run.is_some() {
            cx.error(
                "S040",
                "baseline_run",
                "baseline_run names an earlier run to compare with; this node compares with its reference input instead (remove one of them)",
            );
            ok = false;
        }
        let (input, reference) = (cx.input("input"), cx.input("reference"));
        let columns = if p.columns.is_empty() {
            default_columns(&input, has_reference.then_some(&reference))
        } else {
            for (i, c) in p.columns.iter().enumerate() {
                let path = format!("columns[{i}]");
                let a = cx.require_column("input", c, &path);
                if !has_reference {
                    match a {
                        Some(a) if a.is_known() && drift_type(&a).is_none() => {
                            cx.error("S029", &path, format!("column '{c}' cannot be tested for drift: it is {}", a.ty));
                            ok = false;
                        }
                        Some(_) => {}
                        None => ok = false,
                    }
                    continue;
                }
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
        if ok && columns.is_empty() && input.is_fully_known() && (!has_reference || reference.is_fully_known()) {
            let what = if has_reference { "input and reference share no column" } else { "input has no column" };
            cx.error("S029", "columns", format!("{what} that can be tested for drift"));
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

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let (input_schema, reference_schema) = (cx.schema("input"), cx.schema("reference"));
        let has_reference = cx.inputs.contains_key("reference");
        let names = if p.columns.is_empty() {
            default_columns(&input_schema, has_reference.then_some(&reference_schema))
        } else {
            p.columns.clone()
        };
        let columns = names
            .iter()
            .map(|c| {
                let ty = match (input_schema.get(c), reference_schema.get(c)) {
                    (Some(a), _) if !has_reference => drift_type(a),
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
        let (reference, against) = if has_reference {
            (DriftReference::Relation(cx.input("reference").to_string()), "reference".to_string())
        } else {
            let against = match &p.baseline_run {
                Some(r) => format!("run {r}"),
                None => "the last successful run".into(),
            };
            (DriftReference::History { run: p.baseline_run.clone() }, against)
        };
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count(*) AS counted, 0 AS unexpected, \
                 CAST(NULL AS DOUBLE) AS observed FROM {input}"
            ),
            failing: None,
            rule: Rule::Drift(DriftSpec {
                input: input.to_string(),
                reference,
                columns,
                drift_share: p.drift_share,
            }),
            severity: p.severity,
            description: format!("distribution of {shown} against {against}"),
            samples: 0,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}

/// The columns of `input` that `reference` (when there is one) has with a compatible type,
/// dates and times left out as Evidently leaves them out.
fn default_columns(input: &Schema, reference: Option<&Schema>) -> Vec<String> {
    input
        .columns
        .iter()
        .filter(|c| match reference {
            Some(r) => r.get(&c.name).and_then(|r| pair_type(c, r)).is_some_and(|t| t != DriftType::Temporal),
            None => drift_type(c).is_some_and(|t| t != DriftType::Temporal),
        })
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

#[cfg(test)]
mod baseline_tests {
    use super::*;

    #[test]
    fn small_columns_keep_every_value() {
        let b = Sample::Numeric(vec![3.0, 1.0, 2.0]).baseline();
        assert_eq!(b, ColumnBaseline::Numeric { rows: 3, values: vec![1.0, 2.0, 3.0] });
    }

    #[test]
    fn large_columns_keep_evenly_spaced_quantiles() {
        let n = 3 * BASELINE_VALUES + 7;
        let v: Vec<f64> = (0..n).rev().map(|i| i as f64).collect();
        let ColumnBaseline::Numeric { rows, values } = Sample::Numeric(v).baseline() else { panic!() };
        assert_eq!((rows, values.len()), (n as u64, BASELINE_VALUES));
        // The midpoint of the i-th of K equal slices of the sorted values.
        assert_eq!(values[0], ((n / (2 * BASELINE_VALUES)) as f64));
        assert_eq!(values[BASELINE_VALUES - 1], (((2 * BASELINE_VALUES - 1) * n / (2 * BASELINE_VALUES)) as f64));
        assert!(values.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn rare_categories_are_merged_on_both_sides() {
        let mut counts = BTreeMap::new();
        for i in 0..BASELINE_CATEGORIES + 5 {
            counts.insert(CatKey::Text(format!("c{i:05}")), if i < 10 { 1000 } else { 1 });
        }
        let b = Sample::Counts(counts).baseline();
        let ColumnBaseline::Categories { rows, counts: kept, other } = &b else { panic!() };
        assert_eq!(*rows, 10 * 1000 + BASELINE_CATEGORIES as u64 - 5);
        assert_eq!(kept.len(), BASELINE_CATEGORIES - 1);
        assert_eq!(*other, 6);
        let current = Sample::Counts(BTreeMap::from([(CatKey::Text("c00000".into()), 5), (CatKey::Text("new".into()), 2)]));
        let (r, c, n) = b.against(current).unwrap();
        assert_eq!(n, *rows);
        let (Sample::Counts(r), Sample::Counts(c)) = (r, c) else { panic!() };
        assert_eq!(r[&CatKey::Text(OTHER_CATEGORY.into())], 6);
        assert_eq!(c[&CatKey::Text(OTHER_CATEGORY.into())], 2);
        assert_eq!(c[&CatKey::Text("c00000".into())], 5);
    }

    #[test]
    fn new_categories_stay_visible_when_nothing_was_merged() {
        let b = Sample::Counts(BTreeMap::from([(CatKey::Text("a".into()), 3)])).baseline();
        let current = Sample::Counts(BTreeMap::from([(CatKey::Text("lost".into()), 2)]));
        let (_, Sample::Counts(c), _) = b.against(current).unwrap() else { panic!() };
        assert_eq!(c.keys().collect::<Vec<_>>(), vec![&CatKey::Text("lost".into())]);
        assert!(b.against(Sample::Numeric(vec![1.0])).is_none());
    }

    #[test]
    fn the_true_reference_size_picks_the_test() {
        let col = DriftColumn { name: "x".into(), ident: "\"x\"".into(), ty: DriftType::Float, method: None, threshold: None };
        let r: Vec<f64> = (0..100).map(f64::from).collect();
        let d = test_column_of(&col, Sample::Numeric(r.clone()), Sample::Numeric(r.clone()), Some(50_000));
        assert_eq!((d.method, d.reference_rows), ("wasserstein", 50_000));
        let d = test_column(&col, Sample::Numeric(r.clone()), Sample::Numeric(r));
        assert_eq!(d.method, "ks");
    }

    #[test]
    fn overlays_share_bins_and_sum_to_one() {
        let r: Vec<f64> = (0..1000).map(|i| i as f64 / 10.0).collect();
        let c: Vec<f64> = r.iter().map(|x| x * 1.4).chain([1e9]).collect();
        let d = numeric_distribution(&r, &c);
        assert_eq!(d.labels.len(), OVERLAY_BINS);
        assert!(d.labels[0].starts_with("< ") && d.labels[OVERLAY_BINS - 1].starts_with("≥ "));
        for side in [&d.reference, &d.current] {
            assert!((side.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        // A tenth of the reference per bin; the scaled current piles up in the top bins.
        assert!(d.reference.iter().all(|s| (s - 0.1).abs() < 0.002), "{:?}", d.reference);
        assert!(d.current[OVERLAY_BINS - 1] > 0.3);
        let few = numeric_distribution(&[1.0, 1.0, 2.0, 2.0], &[1.0, 3.0]);
        assert_eq!(few.labels, ["< 2", "≥ 2"]);
        assert_eq!(few.current, [0.5, 0.5]);
        let cats = |v: &[(&str, u64)]| v.iter().map(|(k, n)| (CatKey::Text(k.to_string()), *n)).collect::<BTreeMap<_, _>>();
        let d = categorical_distribution(&cats(&[("web", 50), ("app", 30), ("store", 20)]), &cats(&[("web", 80), ("store", 20)]));
        assert_eq!(d.labels, ["web", "app", "store"]);
        assert_eq!(d.current, [0.8, 0.0, 0.2]);
    }
}
