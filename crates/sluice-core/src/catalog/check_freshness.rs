//! `check_freshness`: the newest value of a date or timestamp column is recent enough.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{CheckSeverity, CheckSql, Rule};
use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::diagnostic::Diagnostic;
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct CheckFreshness;

/// Parameters of `check_freshness`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// A DATE or TIMESTAMP column, e.g. when each row was last updated.
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: String,
    /// Oldest accepted age of the newest value: a whole number and a unit, `s`, `m` (minutes), `h`,
    /// `d` or `w`, e.g. `36h`, `2d`, `90m`, `1w`; parts add up (`1d12h`).
    pub max_age: String,
    /// The moment ages are measured from, e.g. `2024-06-01T06:00:00Z` or `2024-06-01` (midnight); a
    /// time without an offset is UTC. Absent: the time of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
}

impl Kind for CheckFreshness {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_freshness",
            title: "Check: freshness",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that the newest value of `column` is at most `max_age` \
                   old: it passes when max(column) ≥ as_of - max_age (dbt's source freshness, Soda's \
                   `freshness`). The observed value is the age of the newest value in hours, measured from \
                   `as_of` (default: the time of the run; set it to make a run reproducible). Timestamps \
                   without a time zone are read as UTC; a date counts from its midnight. Nulls are ignored; \
                   an input with no non-null value has no newest value and fails.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "updated_at", "max_age": "36h"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if let Some(c) = cx.require_column("input", &p.column, "column") {
            if c.is_known() && !is_temporal(&c) {
                cx.push(
                    Diagnostic::error("S029", format!("column '{}' is {}, not a date or timestamp", c.name, c.ty))
                        .path("params.column")
                        .help("convert it first with a `cast` node, e.g. to TIMESTAMP"),
                );
                ok = false;
            }
        } else {
            ok = false;
        }
        if let Err(m) = parse_duration(&p.max_age) {
            cx.error("S046", "max_age", m);
            ok = false;
        }
        if let Some(t) = &p.as_of {
            if let Err(m) = parse_instant(t) {
                cx.error("S047", "as_of", m);
                ok = false;
            }
        }
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let invalid = |what: String| Unsupported { dialect: cx.dialect.name(), what };
        let seconds = parse_duration(&p.max_age).map_err(invalid)?;
        let input = cx.input("input");
        let col = cx.ident(&p.column);
        // Microseconds since the epoch: exact integers, and free of the session time zone (a
        // TIMESTAMP WITH TIME ZONE is an instant; other values are cast to TIMESTAMP, read as UTC).
        let tz = cx
            .schema("input")
            .get(&p.column)
            .is_some_and(|c| matches!(canonical_upper(&c.ty).as_str(), "TIMESTAMP WITH TIME ZONE" | "TIMESTAMPTZ"));
        let newest = if tz { format!("epoch_us(max({col}))") } else { format!("epoch_us(CAST(max({col}) AS TIMESTAMP))") };
        let as_of = match &p.as_of {
            None => "epoch_us(now())".to_string(),
            Some(t) => {
                let i = parse_instant(t).map_err(invalid)?;
                let ts = format!("TIMESTAMP {}", cx.string(&i.local));
                match i.offset_minutes {
                    0 => format!("epoch_us({ts})"),
                    m if m > 0 => format!("epoch_us({ts} - INTERVAL {m} MINUTE)"),
                    m => format!("epoch_us({ts} + INTERVAL {} MINUTE)", -m),
                }
            }
        };
        let hours = seconds as f64 / 3600.0;
        let written = p.max_age.split_whitespace().collect::<String>().to_lowercase();
        let in_hours = format!("{}h", short_number(hours));
        let threshold =
            if written == in_hours { format!("≤ {in_hours}") } else { format!("≤ {in_hours} ({written})") };
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count({col}) AS counted, 0 AS unexpected, \
                 CAST({as_of} - {newest} AS DOUBLE) / 3600000000 AS observed FROM {input}"
            ),
            failing: None,
            rule: Rule::Range { min: None, max: Some(hours), strict_min: false, strict_max: false },
            severity: p.severity,
            description: format!(
                "age in hours of the newest {} as of {}",
                p.column,
                p.as_of.as_deref().map(str::trim).unwrap_or("now")
            ),
            samples: 0,
            threshold: Some(threshold),
            findings: Vec::new(),
        }))
    }
}

fn canonical_upper(ty: &str) -> String {
    ty.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase()
}

/// A date or timestamp type (any precision, with or without a time zone).
fn is_temporal(c: &Column) -> bool {
    let t = canonical_upper(&c.ty);
    t == "DATE" || t == "DATETIME" || t == "TIMESTAMPTZ" || t.starts_with("TIMESTAMP")
}

/// `1.5` rather than `1.5000`, `24` rather than `24.0`.
fn short_number(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Seconds in a duration such as `36h`, `2d`, `90m`, `1w` or `1d12h`.
fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || {
        format!("'{text}' is not a duration: write whole numbers with units s, m (minutes), h, d or w, e.g. 36h, 2d, 90m, 1w")
    };
    let compact: String = text.split_whitespace().collect();
    if compact.is_empty() {
        return Err("max_age is empty: write e.g. 36h, 2d, 90m or 1w".into());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for ch in compact.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        let unit: u64 = match ch.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(|| format!("'{text}' is too long a duration"))?;
    }
    if !digits.is_empty() {
        return Err(format!("'{text}' is missing a unit after {digits}: s, m (minutes), h, d or w"));
    }
    if total == 0 {
        return Err("max_age must be longer than zero".into());
    }
    Ok(total)
}

/// An `as_of` moment: its local date and time, and the UTC offset it was written with.
#[derive(Debug, PartialEq)]
struct AsOf {
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]`
    local: String,
    /// Minutes east of UTC (`+02:00` is 120).
    offset_minutes: i32,
}

/// Read `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.ffffff]]`, optionally
/// followed by `Z` or an offset `±HH[:MM]`.
fn parse_instant(text: &str) -> Result<AsOf, String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$",
        )
        .unwrap()
    });
    let bad = |why: &str| format!("'{text}' is not a timestamp ({why}): write e.g. 2024-06-01T06:00:00Z or 2024-06-01");
    let caps = re.captures(text.trim()).ok_or_else(|| bad("expected YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]"))?;
    let num = |i: usize| caps.get(i).map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(0));
    let (y, mo, d, h, mi, s) = (num(1), num(2), num(3), num(4), num(5), num(6));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad("no such month")),
    };
    if d == 0 || d > days {
        return Err(bad("no such day"));
    }
    if h > 23 || mi > 59 || s > 59 {
        return Err(bad("no such time of day"));
    }
    let frac = caps.get(7).map(|m| format!(".{}", m.as_str())).unwrap_or_default();
    let offset_minutes = match caps.get(8).map(|m| m.as_str()) {
        None | Some("Z") => 0,
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits: String = o[1..].chars().filter(char::is_ascii_digit).collect();
            let (oh, om): (i32, i32) = (digits[..2].parse().unwrap_or(0), digits.get(2..).map_or(0, |m| m.parse().unwrap_or(0)));
            if oh > 18 || om > 59 {
                return Err(bad("no such UTC offset"));
            }
            sign * (oh * 60 + om)
        }
    };
    Ok(AsOf { local: format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{frac}"), offset_minutes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("36h"), Ok(36 * 3600));
        assert_eq!(parse_duration("2d"), Ok(2 * 86_400));
        assert_eq!(parse_duration("90m"), Ok(5400));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert_eq!(parse_duration(" 1d 12H "), Ok(36 * 3600));
        assert!(parse_duration("36").unwrap_err().contains("missing a unit"));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("1.5h").is_err());
        assert!(parse_duration("3 months").is_err());
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
    }

    #[test]
    fn instants() {
        let i = parse_instant("2024-01-03T12:00:00Z").unwrap();
        assert_eq!(i, AsOf { local: "2024-01-03 12:00:00".into(), offset_minutes: 0 });
        let i = parse_instant("2024-01-03 14:30+02:00").unwrap();
        assert_eq!(i, AsOf { local: "2024-01-03 14:30:00".into(), offset_minutes: 120 });
        assert_eq!(parse_instant("2024-02-29").unwrap().local, "2024-02-29 00:00:00");
        assert_eq!(parse_instant("2024-01-03T01:02:03.25-0530").unwrap().offset_minutes, -330);
        assert!(parse_instant("2023-02-29").is_err());
        assert!(parse_instant("2024-13-01").is_err());
        assert!(parse_instant("2024-01-01T24:00").is_err());
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_instant("2024-01-01T10:00:00; DROP TABLE x").is_err());
    }

    #[test]
    fn temporal_types() {
        for t in ["DATE", "TIMESTAMP", "timestamp with time zone", "TIMESTAMP_NS", "TIMESTAMPTZ"] {
            assert!(is_temporal(&Column::new("c", t)), "{t}");
        }
        for t in ["VARCHAR", "BIGINT", "TIME"] {
            assert!(!is_temporal(&Column::new("c", t)), "{t}");
        }
    }
}
