//! What every check kind shares: severity, the compiled form of a check, and builders for the
//! two shapes checks take.
//!
//! A check passes its input through unchanged and measures it with one query that returns a
//! single row `(element_count, counted, unexpected, observed)`:
//! - row checks (not null, accepted values, between, regex, unique, SQL assertion) count the rows
//!   that break the rule (`unexpected`) among the rows the rule applies to (`counted`). As in
//!   Great Expectations, a rule about values ignores nulls: `counted` is the non-null rows and
//!   `unexpected_percent = unexpected / counted`; only the not-null check counts every row;
//! - metric checks (row count, null fraction, duplicate fraction, freshness, schema) compare one
//!   `observed` number with a range; where rows can be unexpected (nulls, duplicates) `unexpected`
//!   and `counted` also give the unexpected percent.
//!
//! A check may also carry [`Finding`]s: facts decided when compiling (the schema check compares
//! the input's inferred columns with the expected ones), listed in the result's message. A finding
//! of level [`FindingLevel::Warn`] turns a passing check's status into `warn`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckCx, CompileCx};

/// What a failed check does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckSeverity {
    /// Stop everything downstream of the check: no sink below it is written.
    #[default]
    Error,
    /// Record the failure and go on.
    Warn,
}

/// When a check passes.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// At least `mostly` of the counted rows are as expected (1.0: none unexpected).
    Mostly(f64),
    /// `observed` lies in the range (an absent bound is open).
    Range { min: Option<f64>, max: Option<f64>, strict_min: bool, strict_max: bool },
    /// `observed` (the relative change from the baseline the engine reads from the run history)
    /// lies within ±`max_change`.
    ChangeFromPrevious { max_change: f64 },
    /// Distribution drift against a reference input (`check_drift`): the engine tests each
    /// column and `observed` is the share of drifted columns, which must stay below
    /// `drift_share` (Evidently: the dataset drifts when the share is `>= drift_share`).
    Drift(super::check_drift::DriftSpec),
}

impl Rule {
    /// Did a check with these measurements pass?
    pub fn passes(&self, counted: u64, unexpected: u64, observed: Option<f64>) -> bool {
        match *self {
            Rule::Mostly(m) if m >= 1.0 => unexpected == 0,
            // Compare counts, not fractions, so 0.99 of 100 rows allows exactly one bad row.
            Rule::Mostly(m) => counted == 0 || (counted - unexpected) as f64 >= m * counted as f64 - 1e-9,
            Rule::Range { min, max, strict_min, strict_max } => {
                let Some(v) = observed else { return false };
                let lo = min.is_none_or(|m| if strict_min { v > m } else { v >= m });
                let hi = max.is_none_or(|m| if strict_max { v < m } else { v <= m });
                lo && hi
            }
            Rule::ChangeFromPrevious { max_change } => observed.is_some_and(|v| v.abs() <= max_change + 1e-12),
            Rule::Drift(ref d) => observed.is_some_and(|v| v < d.drift_share),
        }
    }

    /// The threshold as people read it, e.g. `≥ 0.99 of rows` or `in [1000, ∞)`.
    pub fn threshold(&self) -> String {
        match *self {
            Rule::Mostly(m) if m >= 1.0 => "no unexpected rows".into(),
            Rule::Mostly(m) => format!("≥ {m} of rows as expected"),
            Rule::Range { min, max, strict_min, strict_max } => match (min, max) {
                (Some(a), Some(b)) => {
                    format!("{}{}, {}{}", if strict_min { "(" } else { "[" }, a, b, if strict_max { ")" } else { "]" })
                }
                (Some(a), None) => format!("{} {a}", if strict_min { ">" } else { "≥" }),
                (None, Some(b)) => format!("{} {b}", if strict_max { "<" } else { "≤" }),
                (None, None) => "any".into(),
            },
            Rule::ChangeFromPrevious { max_change } => format!("within ±{}%", max_change * 100.0),
            Rule::Drift(ref d) => format!("drifted share < {}", d.drift_share),
        }
    }
}

/// A compiled check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSql {
    /// The node's output: its input, unchanged.
    pub pass_through: String,
    /// One row: `element_count, counted, unexpected` (BIGINT) and `observed` (DOUBLE or NULL).
    pub metrics: String,
    /// The failing rows, for samples; `None` for checks about the whole table.
    pub failing: Option<String>,
    pub rule: Rule,
    pub severity: CheckSeverity,
    /// What is checked, e.g. `amount between 0 and 10000`.
    pub description: String,
    /// How many failing rows to keep as samples.
    pub samples: u32,
    /// The threshold as people read it when [`Rule::threshold`] would not say it well
    /// (e.g. `≤ 36h`); `None`: the rule's own text.
    pub threshold: Option<String>,
    /// Findings decided when compiling, listed in the message (empty for most checks). `metrics`
    /// must count the `Fail` ones as unexpected, so the rule decides pass or fail as usual.
    pub findings: Vec<Finding>,
}

/// One fact about the input found when compiling, e.g. `missing column 'x' (expected BIGINT)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub level: FindingLevel,
    pub text: String,
}

/// What a [`Finding`] does to the check's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingLevel {
    /// Counted as unexpected by `metrics`: fails the check (a `fail` or `warn` status by severity).
    Fail,
    /// Never fails the check, but its status is `warn` instead of `pass`, whatever its severity.
    Warn,
}

pub fn default_samples() -> u32 {
    5
}

pub fn default_mostly() -> f64 {
    1.0
}

/// Check `mostly` and `samples`, shared by the row checks.
pub fn check_common(cx: &mut CheckCx<'_>, mostly: Option<f64>, samples: u32) -> bool {
    let mut ok = true;
    if let Some(m) = mostly {
        if !(0.0..=1.0).contains(&m) {
            cx.error("S040", "mostly", format!("mostly is a fraction between 0 and 1, not {m}"));
            ok = false;
        }
    }
    if samples > 1000 {
        cx.error("S041", "samples", "at most 1000 sample rows are kept");
        ok = false;
    }
    ok
}

/// The parts of a row check before compiling.
pub struct RowCheck<'a> {
    /// Boolean SQL: rows the rule applies to.
    pub counted: String,
    /// Boolean SQL: rows that break the rule (evaluated only on counted rows).
    pub unexpected: String,
    pub rule: Rule,
    pub severity: CheckSeverity,
    pub description: String,
    pub samples: u32,
    pub cx: &'a CompileCx<'a>,
}

impl RowCheck<'_> {
    pub fn build(self) -> CheckSql {
        let input = self.cx.input("input");
        let bad = format!("({}) AND (({}) IS TRUE)", self.counted, self.unexpected);
        CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count(*) FILTER (WHERE {}) AS counted, \
                 count(*) FILTER (WHERE {bad}) AS unexpected, CAST(NULL AS DOUBLE) AS observed FROM {input}",
                self.counted
            ),
            failing: Some(format!("SELECT * FROM {input} WHERE {bad}")),
            rule: self.rule,
            severity: self.severity,
            description: self.description,
            samples: self.samples,
            threshold: None,
            findings: Vec::new(),
        }
    }
}

/// `"a" IS NOT NULL AND "b" IS NOT NULL`, or `true` for no columns.
pub fn all_not_null(cx: &CompileCx<'_>, cols: &[String]) -> String {
    if cols.is_empty() {
        return "true".into();
    }
    cols.iter().map(|c| format!("{} IS NOT NULL", cx.ident(c))).collect::<Vec<_>>().join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mostly_compares_counts() {
        assert!(Rule::Mostly(1.0).passes(10, 0, None));
        assert!(!Rule::Mostly(1.0).passes(10, 1, None));
        assert!(Rule::Mostly(0.99).passes(100, 1, None));
        assert!(!Rule::Mostly(0.99).passes(100, 2, None));
        assert!(Rule::Mostly(0.5).passes(0, 0, None), "nothing to check passes");
    }

    #[test]
    fn ranges_honour_strictness_and_open_ends() {
        let r = Rule::Range { min: Some(1.0), max: Some(3.0), strict_min: true, strict_max: false };
        assert!(!r.passes(0, 0, Some(1.0)));
        assert!(r.passes(0, 0, Some(3.0)));
        assert!(!r.passes(0, 0, None), "no observation fails");
        assert_eq!(r.threshold(), "(1, 3]");
        let open = Rule::Range { min: None, max: Some(0.2), strict_min: false, strict_max: false };
        assert!(open.passes(0, 0, Some(-5.0)));
        assert_eq!(open.threshold(), "≤ 0.2");
    }
}
