//! Running a check node: measure its input, decide pass or fail, keep samples of failing rows.

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use sluice_core::catalog::check::{CheckSeverity, CheckSql, FindingLevel, Rule};
use sluice_core::catalog::check_drift::{
    test_column, test_column_of, CatKey, ColumnBaseline, ColumnDrift, DriftColumn, DriftReference, DriftSpec, DriftType, Sample,
};

use crate::preview::{rows, Rows};
use crate::run::clean_message;
use crate::EngineError;

/// The outcome of a check, as it appears in events, summaries, JSON output and JUnit reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub node: String,
    pub kind: String,
    /// What is checked, e.g. `amount in [0, 10000]`.
    pub check: String,
    pub severity: CheckSeverity,
    pub status: CheckStatus,
    /// The measured value: the share of expected rows for row checks, the metric otherwise.
    pub observed: Option<f64>,
    pub threshold: String,
    /// Rows in the check's input.
    pub element_count: u64,
    /// Rows that break the rule (for row checks and checks with samples).
    pub unexpected_count: Option<u64>,
    /// `unexpected_count` over the rows the rule applies to (`counted`: non-null values for value
    /// rules), in percent.
    pub unexpected_percent: Option<f64>,
    /// One line for people.
    pub message: String,
    /// Some failing rows.
    pub samples: Option<Rows>,
    /// Kind-specific measurements (`check_drift`: one object per column); absent for most checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    /// What this run leaves in the history for later runs to compare with (`check_drift`
    /// without a reference input: each column's distribution).
    #[serde(skip)]
    pub baseline: Option<BTreeMap<String, ColumnBaseline>>,
}

/// Pass, or how a failure counts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    /// Failed with severity `warn`, or passed with a finding that only warns (schema check):
    /// recorded, the run goes on.
    Warn,
    /// Failed with severity `error`: nothing downstream runs.
    Fail,
}

impl CheckResult {
    /// A result with the fields every check fills the same way. `passed` is `None` when the
    /// check could not judge (no baseline): that is a warning whatever the severity. A passing
    /// check with a warning finding is a warning too.
    fn new(node: &str, kind: &str, check: &CheckSql, passed: Option<bool>, observed: Option<f64>, element_count: u64, message: String) -> Self {
        let warned = check.findings.iter().any(|f| f.level == FindingLevel::Warn);
        let status = match (passed, check.severity) {
            (None, _) => CheckStatus::Warn,
            (Some(true), _) if warned => CheckStatus::Warn,
            (Some(true), _) => CheckStatus::Pass,
            (Some(false), CheckSeverity::Warn) => CheckStatus::Warn,
            (Some(false), CheckSeverity::Error) => CheckStatus::Fail,
        };
        CheckResult {
            node: node.to_string(),
            kind: kind.to_string(),
            check: check.description.clone(),
            severity: check.severity,
            status,
            observed,
            threshold: check.threshold.clone().unwrap_or_else(|| check.rule.threshold()),
            element_count,
            unexpected_count: None,
            unexpected_percent: None,
            message,
            samples: None,
            details: None,
            baseline: None,
        }
    }

    /// Did the check stop its downstream nodes?
    pub fn blocks(&self) -> bool {
        self.status == CheckStatus::Fail
    }
}

/// Measure `check` and build its result.
/// What an earlier run says about a check that compares with it.
#[derive(Debug, Clone)]
pub(crate) enum Baseline {
    /// The node's rows in run `run_id`.
    Rows { run_id: String, rows: u64 },
    /// The distributions of the node's input columns in run `run_id`.
    Columns { run_id: String, columns: BTreeMap<String, ColumnBaseline> },
    /// Why there is none.
    Missing(String),
    /// The run keeps no history: nothing to compare with, and nowhere to store what it saw.
    Unrecorded(String),
}

pub(crate) fn evaluate(
    conn: &Connection,
    node: &str,
    kind: &str,
    check: &CheckSql,
    baseline: Option<Baseline>,
) -> Result<CheckResult, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    let (element_count, counted, unexpected, metric): (i64, i64, i64, Option<f64>) = conn
        .query_row(&check.metrics, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .map_err(fail)?;
    let (element_count, counted, unexpected) = (element_count as u64, counted as u64, unexpected as u64);
    if let Rule::ChangeFromPrevious { .. } = check.rule {
        let baseline = baseline.unwrap_or(Baseline::Missing("no run history".into()));
        return Ok(change_result(node, kind, check, element_count, baseline));
    }
    if let Rule::Drift(spec) = &check.rule {
        return drift_result(conn, node, kind, check, spec, element_count, baseline);
    }
    let row_rule = matches!(check.rule, Rule::Mostly(_));
    let observed = if row_rule {
        (counted > 0).then(|| (counted - unexpected) as f64 / counted as f64)
    } else {
        metric
    };
    let passed = check.rule.passes(counted, unexpected, observed);
    let has_rows = check.failing.is_some();
    let unexpected_count = has_rows.then_some(unexpected);
    let unexpected_percent = (has_rows && counted > 0).then(|| 100.0 * unexpected as f64 / counted as f64);
    let samples = match &check.failing {
        Some(q) if unexpected > 0 && check.samples > 0 => Some(rows(conn, node, q, check.samples as usize)?),
        _ => None,
    };
    let message = message(check, passed, element_count, counted, unexpected, observed);
    Ok(CheckResult {
        unexpected_count,
        unexpected_percent,
        samples,
        ..CheckResult::new(node, kind, check, Some(passed), observed, element_count, message)
    })
}

/// The non-missing values of one column of `relation`: finite numbers, or category counts.
fn drift_sample(conn: &Connection, relation: &str, col: &DriftColumn) -> duckdb::Result<Sample> {
    let c = &col.ident;
    match col.ty {
        DriftType::Integer | DriftType::Float | DriftType::Temporal => {
            // Evidently drops NaN and ±inf along with nulls. Times count as seconds since the epoch.
            let value = if col.ty == DriftType::Temporal { format!("CAST(epoch({c}) AS DOUBLE)") } else { format!("CAST({c} AS DOUBLE)") };
            let sql = format!("SELECT v FROM (SELECT {value} AS v FROM {relation}) WHERE v IS NOT NULL AND isfinite(v)");
            let mut stmt = conn.prepare(&sql)?;
            let values = stmt.query_map([], |r| r.get::<_, f64>(0))?.collect::<duckdb::Result<Vec<f64>>>()?;
            Ok(Sample::Numeric(values))
        }
        DriftType::Categorical => {
            let sql = format!(
                "SELECT CAST({c} AS VARCHAR) AS v, count(*) FROM {relation} WHERE {c} IS NOT NULL GROUP BY 1"
            );
            let mut stmt = conn.prepare(&sql)?;
            let counts = stmt
                .query_map([], |r| Ok((CatKey::Text(r.get::<_, String>(0)?), r.get::<_, i64>(1)? as u64)))?
                .collect::<duckdb::Result<BTreeMap<CatKey, u64>>>()?;
            Ok(Sample::Counts(counts))
        }
    }
}

/// Test every column for drift and decide on the share of drifted ones.
fn drift_result(
    conn: &Connection,
    node: &str,
    kind: &str,
    check: &CheckSql,
    spec: &DriftSpec,
    element_count: u64,
    baseline: Option<Baseline>,
) -> Result<CheckResult, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    if let (DriftReference::History { .. }, Some(Baseline::Unrecorded(why))) = (&spec.reference, &baseline) {
        // Nothing to compare with and nowhere to keep the distributions: no need to draw them.
        let message = format!("{}: no baseline ({why}); nothing to compare {element_count} rows with", check.description);
        return Ok(CheckResult::new(node, kind, check, None, None, element_count, message));
    }
    let mut columns = Vec::with_capacity(spec.columns.len());
    let mut stored = BTreeMap::new();
    let mut baseline_run = None;
    for col in &spec.columns {
        let current = drift_sample(conn, &spec.input, col).map_err(fail)?;
        match (&spec.reference, &baseline) {
            (DriftReference::Relation(rel), _) => {
                let reference = drift_sample(conn, rel, col).map_err(fail)?;
                columns.push(test_column(col, reference, current));
            }
            (DriftReference::History { .. }, Some(Baseline::Columns { run_id, columns: earlier })) => {
                baseline_run = Some(run_id.clone());
                stored.insert(col.name.clone(), current.baseline());
                match earlier.get(&col.name).map(|b| (b, b.against(current.clone()))) {
                    Some((_, Some((reference, current, rows)))) => columns.push(test_column_of(col, reference, current, Some(rows))),
                    found => {
                        let mut d = test_column(col, Sample::Numeric(vec![]), current);
                        d.error = Some(match found {
                            Some((b, _)) => format!("{} in run {run_id}, of another type now", b.shape()),
                            None => format!("not in the input of run {run_id}"),
                        });
                        columns.push(d);
                    }
                }
            }
            (DriftReference::History { .. }, _) => {
                stored.insert(col.name.clone(), current.baseline());
            }
        }
    }
    let stored = matches!(spec.reference, DriftReference::History { .. }).then_some(stored);
    if matches!(spec.reference, DriftReference::History { .. }) && !matches!(baseline, Some(Baseline::Columns { .. })) {
        let why = match &baseline {
            Some(Baseline::Missing(w) | Baseline::Unrecorded(w)) => w.as_str(),
            _ => "no run history",
        };
        let message = format!("{}: no baseline ({why}); nothing to compare {element_count} rows with", check.description);
        return Ok(CheckResult { baseline: stored, ..CheckResult::new(node, kind, check, None, None, element_count, message) });
    }
    let drifted: Vec<&ColumnDrift> = columns.iter().filter(|c| c.drifted).collect();
    let observed = (!columns.is_empty()).then(|| drifted.len() as f64 / columns.len() as f64);
    let passed = check.rule.passes(0, 0, observed);
    let verdict = if passed { "passed" } else { "failed" };
    let shown = |c: &ColumnDrift| match (&c.error, c.score) {
        (Some(e), _) => format!("{} ({}: {e})", c.column, c.method),
        (None, Some(s)) => {
            let op = match c.method {
                "ks" => "≤",
                "chisquare" | "z" => "<",
                _ => "≥",
            };
            let what = if c.score_type == "p_value" { format!("{} p", c.method) } else { c.method.to_string() };
            format!("{} ({what} = {} {op} {})", c.column, trim_float_sig(s), trim_float(c.threshold))
        }
        (None, None) => format!("{} ({}: undefined)", c.column, c.method),
    };
    let description = match &baseline_run {
        // "against the last successful run" says which one.
        Some(run) if !check.description.ends_with(&format!("run {run}")) => format!("{} ({run})", check.description),
        _ => check.description.clone(),
    };
    let message = if drifted.is_empty() {
        format!("{description}: {verdict}, 0 of {} columns drifted", columns.len())
    } else {
        format!(
            "{description}: {verdict}, {} of {} columns drifted: {}",
            drifted.len(),
            columns.len(),
            drifted.iter().map(|c| shown(c)).collect::<Vec<_>>().join(", ")
        )
    };
    Ok(CheckResult {
        details: Some(serde_json::to_value(&columns).unwrap_or_default()),
        baseline: stored,
        ..CheckResult::new(node, kind, check, Some(passed), observed, element_count, message)
    })
}

/// A score for people: 4 significant digits (`0.0001234`, `0.3456`, `12.35`).
fn trim_float_sig(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let s = format!("{v:.3e}");
    match s.parse::<f64>() {
        Ok(r) if r.abs() >= 1e-4 => {
            let digits = (3 - r.abs().log10().floor() as i32).max(0) as usize;
            let t = format!("{r:.digits$}");
            if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t }
        }
        _ => s,
    }
}

/// A row-count change against the last successful run. With no baseline the check cannot judge:
/// it warns, whatever its severity, and the run goes on.
fn change_result(node: &str, kind: &str, check: &CheckSql, rows: u64, baseline: Baseline) -> CheckResult {
    let (observed, passed, message) = match &baseline {
        Baseline::Missing(why) | Baseline::Unrecorded(why) => {
            (None, None, format!("{}: no baseline ({why}); nothing to compare {rows} rows with", check.description))
        }
        Baseline::Columns { run_id, .. } => {
            (None, None, format!("{}: no baseline (run {run_id} stored distributions, not a row count)", check.description))
        }
        Baseline::Rows { run_id, rows: prev } => {
            let change = if *prev == 0 {
                if rows == 0 { Some(0.0) } else { None }
            } else {
                Some((rows as f64 - *prev as f64) / *prev as f64)
            };
            let passed = check.rule.passes(rows, 0, change);
            let shown = change.map(|c| format!("{:+.2}%", c * 100.0)).unwrap_or_else(|| "from none".into());
            let verdict = if passed { "passed" } else { "failed" };
            (change, Some(passed), format!("{}: {verdict}, {rows} rows against {prev} in run {run_id} ({shown})", check.description))
        }
    };
    CheckResult::new(node, kind, check, passed, observed, rows, message)
}

fn message(check: &CheckSql, passed: bool, rows: u64, counted: u64, unexpected: u64, observed: Option<f64>) -> String {
    let verdict = if passed { "passed" } else { "failed" };
    if !check.findings.is_empty() {
        let texts = |level| check.findings.iter().filter(|f| f.level == level).map(|f| f.text.as_str()).collect::<Vec<_>>();
        let (fails, warns) = (texts(FindingLevel::Fail), texts(FindingLevel::Warn));
        let verdict = if passed && !warns.is_empty() { "passed with warnings" } else { verdict };
        let mut found = fails.join("; ");
        if !warns.is_empty() {
            found = if found.is_empty() { warns.join("; ") } else { format!("{found}; warnings: {}", warns.join("; ")) };
        }
        return format!("{}: {verdict}: {found}", check.description);
    }
    match check.rule {
        Rule::Mostly(_) if unexpected == 0 => format!("{}: {verdict}, {counted} of {rows} rows checked", check.description),
        Rule::Mostly(_) => format!(
            "{}: {verdict}, {unexpected} of {counted} rows unexpected ({:.2}%)",
            check.description,
            100.0 * unexpected as f64 / counted.max(1) as f64
        ),
        Rule::Range { .. } | Rule::ChangeFromPrevious { .. } | Rule::Drift(_) => match observed {
            Some(v) => format!("{}: {verdict}, observed {}", check.description, trim_float(v)),
            None if rows == 0 => format!("{}: {verdict}, nothing to measure: the input has no rows", check.description),
            None if counted == 0 => {
                format!("{}: {verdict}, nothing to measure: no non-null value in {rows} rows", check.description)
            }
            None => format!("{}: {verdict}, nothing to measure ({rows} rows)", check.description),
        },
    }
}

/// `12` rather than `12.0`, `0.1234` rather than `0.12340000000000001`.
fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
