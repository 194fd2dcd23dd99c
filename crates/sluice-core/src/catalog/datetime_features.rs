//! `datetime_features`: calendar parts of a date or timestamp column (hour, day of week, month,
//! …), their sine/cosine encodings, and the time elapsed since another time, as pandas' `.dt`
//! accessors with `np.sin` / `np.cos` compute them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::lag::TimeUnit;
use super::rolling::{claim_name, require_time_column};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct DatetimeFeatures;

/// A calendar part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 0–23.
    Hour,
    /// 0–59.
    Minute,
    /// Monday = 0 … Sunday = 6, as pandas' `day_of_week`.
    DayOfWeek,
    /// 1–31.
    DayOfMonth,
    /// 1–366.
    DayOfYear,
    /// ISO 8601 week, 1–53, as pandas' `isocalendar().week`.
    WeekOfYear,
    /// 1–12.
    Month,
    /// 1–4.
    Quarter,
    Year,
    /// Saturday or Sunday (BOOLEAN).
    IsWeekend,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Hour => "hour",
            Part::Minute => "minute",
            Part::DayOfWeek => "day_of_week",
            Part::DayOfMonth => "day_of_month",
            Part::DayOfYear => "day_of_year",
            Part::WeekOfYear => "week_of_year",
            Part::Month => "month",
            Part::Quarter => "quarter",
            Part::Year => "year",
            Part::IsWeekend => "is_weekend",
        }
    }
    fn sql(self, c: &str) -> String {
        match self {
            Part::Hour => format!("hour({c})"),
            Part::Minute => format!("minute({c})"),
            Part::DayOfWeek => format!("(isodow({c}) - 1)"),
            Part::DayOfMonth => format!("day({c})"),
            Part::DayOfYear => format!("dayofyear({c})"),
            Part::WeekOfYear => format!("weekofyear({c})"),
            Part::Month => format!("month({c})"),
            Part::Quarter => format!("quarter({c})"),
            Part::Year => format!("year({c})"),
            Part::IsWeekend => format!("(isodow({c}) >= 6)"),
        }
    }
    fn ty(self) -> &'static str {
        if self == Part::IsWeekend {
            "BOOLEAN"
        } else {
            "BIGINT"
        }
    }
}

/// A part encoded on a circle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cyclical {
    /// hour / 24.
    Hour,
    /// day_of_week / 7 (Monday = 0).
    DayOfWeek,
    /// (month − 1) / 12.
    Month,
    /// (day_of_month − 1) / the number of days in that month.
    DayOfMonth,
}

impl Cyclical {
    fn name(self) -> &'static str {
        match self {
            Cyclical::Hour => "hour",
            Cyclical::DayOfWeek => "day_of_week",
            Cyclical::Month => "month",
            Cyclical::DayOfMonth => "day_of_month",
        }
    }
    /// The angle in radians: 2π × value / period, multiplied in that order (as NumPy does for
    /// `2 * np.pi * value / period`).
    fn angle(self, c: &str) -> String {
        let (v, period) = match self {
            Cyclical::Hour => (format!("hour({c})"), "24".to_string()),
            Cyclical::DayOfWeek => (format!("(isodow({c}) - 1)"), "7".to_string()),
            Cyclical::Month => (format!("(month({c}) - 1)"), "12".to_string()),
            Cyclical::DayOfMonth => (format!("(day({c}) - 1)"), format!("day(last_day({c}))")),
        };
        format!("2 * pi() * {v} / {period}")
    }
}

/// Time elapsed between the column and a reference time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Since {
    /// The reference: another date or timestamp column of the same row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub column: Option<String>,
    /// The reference: a fixed time, `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]`, e.g. `${as_of}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(default = "default_unit")]
    pub unit: TimeUnit,
    /// Reference minus column (time left until the reference, e.g. a row's age at `as_of`)
    /// instead of column minus reference (time elapsed since the reference).
    #[serde(default, skip_serializing_if = "super::common::is_false")]
    pub until: bool,
    /// Output name (default `<prefix><unit>_since_<column>`, `<prefix><unit>_since_time` for a
    /// fixed time; `until` instead of `since` with `until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn default_unit() -> TimeUnit {
    TimeUnit::Days
}

/// Parameters of `datetime_features`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The date or timestamp column.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub column: String,
    /// Calendar parts, each a column `<prefix><part>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// Parts encoded on a circle: `<prefix><part>_sin` and `<prefix><part>_cos`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cyclical: Vec<Cyclical>,
    /// Elapsed times from reference times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub since: Vec<Since>,
    /// Put before every output name; default `<column>_`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// A fixed time as the spec may write it.
fn valid_time(t: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$").unwrap()
    })
    .is_match(t.trim())
}

/// Output columns: (name, SQL expression, type, parameter path). `c` is the quoted column,
/// `ident` quotes names, `tz` whether the column has a time zone.
fn outputs(p: &Params, ident: &dyn Fn(&str) -> String, string: &dyn Fn(&str) -> String, tz: bool) -> Vec<(String, String, &'static str, String)> {
    let prefix = p.prefix.clone().unwrap_or_else(|| format!("{}_", p.column));
    let c = ident(&p.column);
    let mut out = Vec::new();
    for (i, part) in p.parts.iter().enumerate() {
        out.push((format!("{prefix}{}", part.name()), part.sql(&c), part.ty(), format!("parts[{i}]")));
    }
    for (i, cy) in p.cyclical.iter().enumerate() {
        for f in ["sin", "cos"] {
            out.push((format!("{prefix}{}_{f}", cy.name()), format!("{f}({})", cy.angle(&c)), "DOUBLE", format!("cyclical[{i}]")));
        }
    }
    for (i, s) in p.since.iter().enumerate() {
        let (reference, what) = match (&s.column, &s.time) {
            (Some(col), _) => (ident(col), col.clone()),
            (None, Some(t)) => (format!("CAST({} AS {})", string(t.trim()), if tz { "TIMESTAMPTZ" } else { "TIMESTAMP" }), "time".into()),
            (None, None) => (String::from("NULL"), "time".into()),
        };
        let dir = if s.until { "until" } else { "since" };
        let name = s.name.clone().unwrap_or_else(|| format!("{prefix}{}_{dir}_{what}", s.unit.name()));
        let expr = if s.until { s.unit.elapsed(&reference, &c) } else { s.unit.elapsed(&c, &reference) };
        out.push((name, expr, "DOUBLE", format!("since[{i}]")));
    }
    out
}

fn has_tz(ty: &str) -> bool {
    let t = ty.to_ascii_uppercase();
    t.contains("TIME ZONE") || t == "TIMESTAMPTZ"
}

impl Kind for DatetimeFeatures {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "datetime_features",
            title: "Date and time features",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds features of a date or timestamp `column`, named `<prefix><part>` (prefix default \
                   `<column>_`, e.g. `ordered_at_hour`), as pandas' `.dt` accessors give them: `hour`, \
                   `minute`, `day_of_week` (Monday = 0 … Sunday = 6), `day_of_month` (`day`), \
                   `day_of_year`, `week_of_year` (ISO 8601, `isocalendar().week`), `month`, `quarter`, `year` \
                   (BIGINT) and `is_weekend` (BOOLEAN, Saturday or Sunday). A DATE has hour 0.\n\n\
                   `cyclical` adds `<prefix><part>_sin` and `_cos` = sin and cos of 2π·v/period (DOUBLE): \
                   `hour` v = hour, period 24; `day_of_week` v = day_of_week, period 7; `month` v = month − 1, \
                   period 12; `day_of_month` v = day − 1, period the number of days in that month (28–31), so \
                   the last day of every month sits just before the first.\n\n\
                   `since` adds elapsed times (DOUBLE): each entry names a reference, another date or \
                   timestamp `column` of the row or a fixed `time` such as `${as_of}` (`YYYY-MM-DD[ \
                   HH:MM[:SS]]`), and gives column − reference in `unit` (seconds, minutes, hours or days, \
                   default days; a day is 86,400 s; whole microseconds, as pandas' \
                   `(a − b).dt.total_seconds() / 86400`), negative when the column is earlier; with `until`, \
                   reference − column (e.g. a row's age at `as_of`). Default names \
                   `<prefix><unit>_since_<reference column>` or `<prefix><unit>_since_time` (`until` for \
                   `since` with `until`); `name` sets one.\n\n\
                   A null time gives null features. A TIMESTAMP WITH TIME ZONE is read in the engine's time \
                   zone.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "column": "ordered_at",
            "parts": ["hour", "day_of_week", "month", "is_weekend"],
            "cyclical": ["hour", "day_of_week"],
            "since": [{"time": "2025-07-01 00:00:00", "unit": "days", "until": true, "name": "order_age_days"}]
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let col = require_time_column(cx, "input", &p.column, "column");
        let mut ok = col.is_some();
        if p.parts.is_empty() && p.cyclical.is_empty() && p.since.is_empty() {
            cx.error("S027", "parts", "nothing to compute: give parts, cyclical or since");
            ok = false;
        }
        for (i, s) in p.since.iter().enumerate() {
            let path = format!("since[{i}]");
            match (&s.column, &s.time) {
                (Some(_), Some(_)) | (None, None) => {
                    cx.error("S028", &path, "give either a reference column or a fixed time");
                    ok = false;
                }
                (Some(c), None) => ok &= require_time_column(cx, "input", c, &format!("{path}.column")).is_some(),
                (None, Some(t)) if !valid_time(t) => {
                    cx.error("S040", format!("{path}.time"), format!("'{t}' is not a time: write YYYY-MM-DD or YYYY-MM-DD HH:MM:SS"));
                    ok = false;
                }
                (None, Some(_)) => {}
            }
        }
        if !ok {
            return None;
        }
        let tz = col.map(|c| has_tz(&c.ty)).unwrap_or(false);
        let mut out = cx.input("input");
        for (name, _, ty, path) in outputs(p, &|s| s.to_string(), &|s| s.to_string(), tz) {
            ok &= claim_name(cx, &mut out, &name, ty, &path);
        }
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let tz = cx.schema("input").get(&p.column).map(|c| has_tz(&c.ty)).unwrap_or(false);
        let items: Vec<String> = outputs(p, &|s| cx.ident(s), &|s| cx.string(s), tz)
            .into_iter()
            .map(|(name, expr, _, _)| format!("{expr} AS {}", cx.ident(&name)))
            .collect();
        Ok(Compiled::Query(format!("SELECT *, {} FROM {}", items.join(", "), cx.input("input"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::rolling::tests::{check_kind, compile_kind, names};

    const INPUT: &[(&str, &str)] = &[("id", "BIGINT"), ("ordered_at", "TIMESTAMP"), ("signup_at", "DATE"), ("note", "VARCHAR")];

    #[test]
    fn names_and_types() {
        let (out, errs) = check_kind(
            &DatetimeFeatures,
            json!({"column": "ordered_at", "parts": ["hour", "day_of_week", "is_weekend"], "cyclical": ["month"],
                   "since": [{"column": "signup_at"}, {"time": "2025-07-01", "unit": "seconds", "until": true}, {"time": "2024-01-01 00:00:00", "name": "t"}]}),
            &[("input", INPUT)],
        );
        assert!(errs.is_empty(), "{errs:?}");
        let out = out.unwrap();
        assert_eq!(
            &names(&out)[4..],
            [
                "ordered_at_hour", "ordered_at_day_of_week", "ordered_at_is_weekend", "ordered_at_month_sin", "ordered_at_month_cos",
                "ordered_at_days_since_signup_at", "ordered_at_seconds_until_time", "t"
            ]
        );
        let ty = |n: &str| out.get(n).unwrap().ty.clone();
        assert_eq!((ty("ordered_at_hour"), ty("ordered_at_is_weekend"), ty("t")), ("BIGINT".into(), "BOOLEAN".into(), "DOUBLE".into()));
        let (out, _) = check_kind(&DatetimeFeatures, json!({"column": "signup_at", "parts": ["year"], "prefix": ""}), &[("input", INPUT)]);
        assert_eq!(names(&out.unwrap())[4], "year");
    }

    #[test]
    fn errors_name_the_parameter() {
        let (_, errs) = check_kind(
            &DatetimeFeatures,
            json!({"column": "note", "since": [{"column": "signup_at", "time": "2024-01-01"}, {}, {"time": "yesterday"}, {"column": "id"}]}),
            &[("input", INPUT)],
        );
        for (code, path) in [
            ("S029", "params.column"),
            ("S028", "params.since[0]"),
            ("S028", "params.since[1]"),
            ("S040", "params.since[2].time"),
            ("S029", "params.since[3].column"),
        ] {
            assert!(errs.iter().any(|(c, p)| c == code && p == path), "missing {code} at {path}: {errs:?}");
        }
        let (_, errs) = check_kind(&DatetimeFeatures, json!({"column": "ordered_at"}), &[("input", INPUT)]);
        assert_eq!(errs, vec![("S027".to_string(), "params.parts".to_string())]);
        let (_, errs) = check_kind(&DatetimeFeatures, json!({"column": "ordered_at", "parts": ["hour"], "prefix": "", "cyclical": ["hour"], "since": [{"time": "2024-01-01", "name": "id"}]}), &[("input", INPUT)]);
        assert_eq!(errs, vec![("S026".to_string(), "params.since[0]".to_string())]);
        assert!(serde_json::from_value::<Params>(json!({"column": "t", "parts": ["weekday"]})).is_err());
    }

    #[test]
    fn times() {
        for t in ["2025-07-01", "2025-07-01 00:00:00", "2025-07-01T12:30", "2025-07-01 00:00:00.5", "2025-07-01 00:00:00+02:00"] {
            assert!(valid_time(t), "{t}");
        }
        for t in ["", "today", "2025/07/01", "2025-07-01 00:00:00; DROP TABLE x", "${as_of}"] {
            assert!(!valid_time(t), "{t}");
        }
    }

    #[test]
    fn sql_shape() {
        let sql = compile_kind(
            &DatetimeFeatures,
            json!({"column": "ordered_at", "parts": ["day_of_week", "is_weekend"], "cyclical": ["day_of_month"],
                   "since": [{"time": "2025-07-01", "until": true, "name": "age"}, {"column": "signup_at", "unit": "hours"}]}),
            &[("input", INPUT)],
        );
        for part in [
            r#"(isodow("ordered_at") - 1) AS "ordered_at_day_of_week""#,
            r#"(isodow("ordered_at") >= 6) AS "ordered_at_is_weekend""#,
            r#"sin(2 * pi() * (day("ordered_at") - 1) / day(last_day("ordered_at"))) AS "ordered_at_day_of_month_sin""#,
            r#"(epoch_us(CAST('2025-07-01' AS TIMESTAMP)) - epoch_us("ordered_at")) / 86400000000 AS "age""#,
            r#"(epoch_us("ordered_at") - epoch_us("signup_at")) / 3600000000 AS "ordered_at_hours_since_signup_at""#,
        ] {
            assert!(sql.contains(part), "{part} not in {sql}");
        }
        let sql = compile_kind(
            &DatetimeFeatures,
            json!({"column": "t", "since": [{"time": "2025-07-01"}]}),
            &[("input", &[("t", "TIMESTAMP WITH TIME ZONE")])],
        );
        assert!(sql.contains("CAST('2025-07-01' AS TIMESTAMPTZ)"), "{sql}");
    }
}
