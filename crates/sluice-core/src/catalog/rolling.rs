//! `rolling`: per-entity aggregates over time windows ending at each row (count, sum, mean, min,
//! max, standard deviation, distinct count), as pandas'
//! `df.groupby(entity).rolling("7D", on=time, closed="right")` computes them.
//!
//! Also home of what the time feature kinds share: lengths of time written `7 days`, and the
//! check that a column holds dates or timestamps.
//!
//! Windows are compiled to SQL window frames over the time as microseconds since the epoch
//! (`epoch_us`), so that a length is an exact count of microseconds whatever the column's type
//! (DATE, TIMESTAMP, TIMESTAMP_NS, TIMESTAMP WITH TIME ZONE): `RANGE BETWEEN L - 1 PRECEDING AND
//! CURRENT ROW` holds the rows with time in (t − L, t], pandas' right-closed window, whose left
//! end is open (a RANGE frame's bounds are both inclusive, hence the − 1 microsecond).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{ident_list, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema, UNKNOWN};

pub struct Rolling;

// ---------------------------------------------------------------------------------------------
// Shared by the time feature kinds (datetime_features, rolling, lag, point_in_time_join).

/// Microseconds in one second.
const SECOND_US: i64 = 1_000_000;

/// The unit of a [`Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SpanUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
}

impl SpanUnit {
    fn micros(self) -> i64 {
        SECOND_US
            * match self {
                SpanUnit::Second => 1,
                SpanUnit::Minute => 60,
                SpanUnit::Hour => 3_600,
                SpanUnit::Day => 86_400,
                SpanUnit::Week => 604_800,
            }
    }
    /// The short name used in output column names: `s`, `min`, `h`, `d`, `w`.
    fn short(self) -> &'static str {
        match self {
            SpanUnit::Second => "s",
            SpanUnit::Minute => "min",
            SpanUnit::Hour => "h",
            SpanUnit::Day => "d",
            SpanUnit::Week => "w",
        }
    }
}

/// A fixed length of time, e.g. `7 days`, `12 hours`, `90 min`, `2w` or pandas' `7D`. Months and
/// years are not fixed lengths and are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub n: u64,
    pub unit: SpanUnit,
}

/// What [`Span::parse`] accepts, for error messages.
pub(super) const SPAN_HELP: &str =
    "write a whole number and a unit: seconds, minutes, hours, days or weeks, e.g. '7 days', '12 hours', '30d'";

impl Span {
    pub fn parse(text: &str) -> Result<Span, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = (&t[..split], t[split..].trim());
        let n: u64 = num.parse().map_err(|_| format!("'{text}' is not a length of time: {SPAN_HELP}"))?;
        let unit = match unit.to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => SpanUnit::Second,
            "min" | "mins" | "minute" | "minutes" => SpanUnit::Minute,
            "h" | "hr" | "hrs" | "hour" | "hours" => SpanUnit::Hour,
            "d" | "day" | "days" => SpanUnit::Day,
            "w" | "week" | "weeks" => SpanUnit::Week,
            "m" | "mo" | "month" | "months" | "y" | "year" | "years" => {
                return Err(format!("'{text}': months and years have no fixed length; use days"))
            }
            _ => return Err(format!("'{text}' is not a length of time: {SPAN_HELP}")),
        };
        if n == 0 {
            return Err(format!("'{text}': the length must be more than zero"));
        }
        let span = Span { n, unit };
        // Keep lengths within what microseconds in a BIGINT hold (about 292,000 years).
        if i64::try_from(n).ok().and_then(|n| n.checked_mul(unit.micros())).is_none() {
            return Err(format!("'{text}' is too long"));
        }
        Ok(span)
    }

    /// The length as it appears in output column names: `7d`, `12h`, `90min`, `30s`, `2w`.
    pub fn suffix(&self) -> String {
        format!("{}{}", self.n, self.unit.short())
    }

    /// The length in microseconds as a readable SQL expression: `7 * 86400000000`.
    pub fn sql(&self) -> String {
        format!("{} * {}", self.n, self.unit.micros())
    }
}

/// Whether a DuckDB type holds dates or points in time.
pub(super) fn is_time_type(ty: &str) -> bool {
    let t = ty.trim().to_ascii_uppercase();
    t == "DATE" || t == "DATETIME" || t.starts_with("TIMESTAMP")
}

/// Check that `column` exists in `port` and is a DATE or TIMESTAMP (or of a type not known yet).
pub(super) fn require_time_column(cx: &mut CheckCx<'_>, port: &str, column: &str, path: &str) -> Option<Column> {
    match cx.require_column(port, column, path) {
        Some(c) if c.is_known() && !is_time_type(&c.ty) => {
            cx.error("S029", path, format!("column '{column}' is {}, not a date or timestamp", c.ty));
            None
        }
        other => other,
    }
}

/// Record an error unless `name` is new: not an input column and not made twice by this node.
pub(super) fn claim_name(cx: &mut CheckCx<'_>, out: &mut Schema, name: &str, ty: &str, path: &str) -> bool {
    if name.is_empty() {
        cx.error("S023", path, "column name must not be empty");
        return false;
    }
    if out.contains(name) {
        cx.error("S026", path, format!("column '{name}' exists already (in the input or made twice here); set a prefix or another name"));
        return false;
    }
    out.columns.push(Column::new(name, ty));
    true
}

/// `epoch_us(<expr>)`: the time as microseconds since 1970-01-01 (a DATE is its midnight).
pub(super) fn epoch_us(expr: &str) -> String {
    format!("epoch_us({expr})")
}

// ---------------------------------------------------------------------------------------------

/// An aggregate over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    /// Non-null values (BIGINT; 0 for an empty window).
    Count,
    /// Sum of the non-null values (DOUBLE; null when there are none).
    Sum,
    /// Mean of the non-null values (DOUBLE; null when there are none).
    Mean,
    /// Smallest value (the column's type).
    Min,
    /// Largest value (the column's type).
    Max,
    /// Sample standard deviation, ddof 1 as pandas (DOUBLE; null with fewer than 2 values).
    Stddev,
    /// Distinct non-null values (BIGINT).
    CountDistinct,
}

impl Agg {
    fn name(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::Sum => "sum",
            Agg::Mean => "mean",
            Agg::Min => "min",
            Agg::Max => "max",
            Agg::Stddev => "stddev",
            Agg::CountDistinct => "count_distinct",
        }
    }
    fn numeric_only(self) -> bool {
        matches!(self, Agg::Sum | Agg::Mean | Agg::Stddev)
    }
    /// The output type, given the column's.
    fn out_type(self, col: &str) -> String {
        match self {
            Agg::Count | Agg::CountDistinct => "BIGINT".into(),
            Agg::Sum | Agg::Mean | Agg::Stddev => "DOUBLE".into(),
            Agg::Min | Agg::Max => col.to_string(),
        }
    }
}

/// Parameters of `rolling`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The columns naming an entity (e.g. a customer): each row's windows hold rows of its own
    /// entity only. None: the whole input is one entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub partition_by: Vec<String>,
    /// The date or timestamp column the windows run over.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub time_column: String,
    /// Window lengths: a whole number and a unit (seconds, minutes, hours, days, weeks), e.g.
    /// `7 days`, `30 days`, `12 hours` or `7d`. Names carry the short form: `7d`, `12h`, `90min`,
    /// `30s`, `2w`.
    pub windows: Vec<String>,
    /// Column to the aggregates computed over it in every window; each gives a column named
    /// `<prefix><agg>_<column>_<window>`, e.g. `sum_amount_7d`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column-map", "x-sluice-port" = "input"))]
    pub aggregates: IndexMap<String, Vec<Agg>>,
    /// Also count the rows in each window: `<prefix>count_<window>` (BIGINT).
    #[serde(default, skip_serializing_if = "super::common::is_false")]
    pub row_count: bool,
    /// Windows end just before the row's time, [t − length, t) as pandas' `closed="left"`: rows
    /// at the row's own time (the row itself and any other row of the entity at that time) are
    /// left out, and a row exactly one length earlier is in.
    #[serde(default, skip_serializing_if = "super::common::is_false")]
    pub exclude_current: bool,
    /// Put before every output name, e.g. `cust_`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}

/// One output column: its name, the index of its window and its SQL aggregate.
struct Feature {
    name: String,
    window: usize,
    agg: String,
}

fn features(p: &Params, spans: &[Span], cx: &CompileCx<'_>) -> Vec<Feature> {
    let mut out = Vec::new();
    for (w, span) in spans.iter().enumerate() {
        let sfx = span.suffix();
        if p.row_count {
            out.push(Feature { name: format!("{}count_{sfx}", p.prefix), window: w, agg: "count(*)".into() });
        }
        for (col, aggs) in &p.aggregates {
            let c = cx.ident(col);
            let x = format!("CAST({c} AS DOUBLE)");
            for a in aggs {
                let agg = match a {
                    Agg::Count => format!("count({c})"),
                    Agg::Sum => cx.dialect.float_sum(&x),
                    Agg::Mean => cx.dialect.float_mean(&x),
                    Agg::Min => format!("min({c})"),
                    Agg::Max => format!("max({c})"),
                    Agg::Stddev => format!("stddev_samp({x})"),
                    Agg::CountDistinct => format!("count(DISTINCT {c})"),
                };
                out.push(Feature { name: format!("{}{}_{col}_{sfx}", p.prefix, a.name()), window: w, agg });
            }
        }
    }
    out
}

/// The SQL window frame of a window of `span` (over the time in microseconds).
fn frame(span: &Span, exclude_current: bool) -> String {
    if exclude_current {
        // [t − L, t): pandas' closed="left".
        format!("RANGE BETWEEN {} PRECEDING AND 1 PRECEDING", span.sql())
    } else {
        // (t − L, t]: pandas' closed="right"; in whole microseconds, [t − L + 1µs, t].
        format!("RANGE BETWEEN {} - 1 PRECEDING AND CURRENT ROW", span.sql())
    }
}

impl Kind for Rolling {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "rolling",
            title: "Rolling time windows",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "For each row, aggregates over the rows of the same entity (`partition_by`) whose \
                   `time_column` lies in a window of each length in `windows` ending at the row's time, as \
                   pandas' `df.groupby(entity).rolling('7D', on=time, closed='right')`: the window of length L \
                   at time t holds the rows with time in (t − L, t], so a row exactly L earlier is out and the \
                   row itself, and every other row of the entity at the same time, is in. With \
                   `exclude_current` the window is [t − L, t) as pandas' `closed='left'`: no row at time t or \
                   later (not even one sharing the row's time), and a row exactly L earlier is in. Rows after \
                   the row's time are never used. Lengths are exact (a day is 86,400 s; months are refused) \
                   and times are compared in whole microseconds.\n\n\
                   Output columns, appended per window in order: `<prefix>count_<window>` when `row_count` \
                   (rows in the window), then for each column of `aggregates` and each of its aggregates \
                   `<prefix><agg>_<column>_<window>`, e.g. `sum_amount_7d`, `count_distinct_product_id_30d`; \
                   `<window>` is the length's short form (`7d`, `12h`, `90min`, `30s`, `2w`). `count` counts \
                   non-null values and `count_distinct` distinct ones (BIGINT, 0 for an empty window, where \
                   pandas gives NaN); `sum`, `mean` (compensated sums, so reruns give the same bits) and \
                   `stddev` (sample, ddof 1) are DOUBLE, also for integer columns, and null when the window \
                   has no value (`stddev`: fewer than two); `min` and `max` keep the column's type. Nulls are \
                   left out of every aggregate.\n\n\
                   Rows with a null time or a null entity column get null features (a null count too), and \
                   are never in another row's window. Ties differ from pandas in one way: pandas' \
                   right-closed window at a time shared by several rows of an entity holds only the rows \
                   before it in row order, so its value depends on the order; here every row at that time \
                   gets the value pandas gives the last of them.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "partition_by": ["customer_id"],
            "time_column": "ordered_at",
            "windows": ["7 days", "30 days"],
            "aggregates": {"amount": ["sum", "mean", "max"], "product_id": ["count_distinct"]},
            "row_count": true
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = super::common::require_columns(cx, "input", &p.partition_by, "partition_by");
        ok &= require_time_column(cx, "input", &p.time_column, "time_column").is_some();
        let mut spans = Vec::new();
        if p.windows.is_empty() {
            cx.error("S027", "windows", "no window length, e.g. \"7 days\"");
            ok = false;
        }
        for (i, w) in p.windows.iter().enumerate() {
            match Span::parse(w) {
                Ok(s) => spans.push(s),
                Err(m) => {
                    cx.error("S040", format!("windows[{i}]"), m);
                    ok = false;
                }
            }
        }
        if p.aggregates.is_empty() && !p.row_count {
            cx.error("S027", "aggregates", "nothing to compute: give aggregates or set row_count");
            ok = false;
        }
        let mut col_types = IndexMap::new();
        for (col, aggs) in &p.aggregates {
            let path = format!("aggregates.{col}");
            let Some(c) = cx.require_column("input", col, &path) else {
                ok = false;
                continue;
            };
            if aggs.is_empty() {
                cx.error("S027", &path, format!("no aggregate for column '{col}'"));
                ok = false;
            }
            for (i, a) in aggs.iter().enumerate() {
                if a.numeric_only() && c.is_known() && !c.is_numeric() {
                    cx.error("S029", format!("{path}[{i}]"), format!("{} needs a numeric column; '{col}' is {}", a.name(), c.ty));
                    ok = false;
                }
            }
            col_types.insert(col.clone(), c.ty.clone());
        }
        if !ok {
            return None;
        }
        let mut out = cx.input("input");
        for (w, span) in spans.iter().enumerate() {
            let path = format!("windows[{w}]");
            if p.row_count {
                ok &= claim_name(cx, &mut out, &format!("{}count_{}", p.prefix, span.suffix()), "BIGINT", &path);
            }
            for (col, aggs) in &p.aggregates {
                let ty = col_types.get(col).cloned().unwrap_or_else(|| UNKNOWN.into());
                for a in aggs {
                    let name = format!("{}{}_{col}_{}", p.prefix, a.name(), span.suffix());
                    ok &= claim_name(cx, &mut out, &name, &a.out_type(&ty), &path);
                }
            }
        }
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let spans: Vec<Span> = p
            .windows
            .iter()
            .map(|w| Span::parse(w).map_err(|m| Unsupported { dialect: cx.dialect.name(), what: m }))
            .collect::<Result<_, _>>()?;
        let t = cx.ident(&p.time_column);
        let part = if p.partition_by.is_empty() { String::new() } else { format!("PARTITION BY {} ", ident_list(cx, &p.partition_by)) };
        // Rows without a time or an entity get nulls: SQL would window them among themselves.
        let mut nulls = vec![format!("{t} IS NULL")];
        nulls.extend(p.partition_by.iter().map(|c| format!("{} IS NULL", cx.ident(c))));
        let guard = nulls.join(" OR ");
        let windows: Vec<String> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{} AS ({part}ORDER BY {} {})", cx.ident(&format!("__w{i}")), epoch_us(&t), frame(s, p.exclude_current)))
            .collect();
        let items: Vec<String> = features(p, &spans, cx)
            .into_iter()
            .map(|f| {
                format!("CASE WHEN {guard} THEN NULL ELSE {} OVER {} END AS {}", f.agg, cx.ident(&format!("__w{}", f.window)), cx.ident(&f.name))
            })
            .collect();
        Ok(Compiled::Query(format!(
            "SELECT *, {} FROM {} WINDOW {}",
            items.join(", "),
            cx.input("input"),
            windows.join(", ")
        )))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::dialect::DuckDb;
    use std::path::Path;

    /// Check `params` against one input per `(port, schema)`; the output schema and the errors as
    /// `(code, path)`.
    pub fn check_kind<K: Kind>(kind: &K, params: Value, inputs: &[(&str, &[(&str, &str)])]) -> (Option<Schema>, Vec<(String, String)>) {
        let p: K::Params = serde_json::from_value(params).expect("params parse");
        let inputs = inputs
            .iter()
            .map(|(port, cols)| (port.to_string(), Schema::new(cols.iter().map(|(n, t)| Column::new(*n, *t)).collect())))
            .collect();
        let mut cx = CheckCx { node: "n", inputs, base_dir: Path::new("."), diags: vec![] };
        let out = kind.check(&p, &mut cx);
        let errs = cx.diags.iter().map(|d| (d.code.to_string(), d.path.clone().unwrap_or_default())).collect();
        (out, errs)
    }

    /// Compile `params` with each input a table named after its port.
    pub fn compile_kind<K: Kind>(kind: &K, params: Value, inputs: &[(&str, &[(&str, &str)])]) -> String {
        let p: K::Params = serde_json::from_value(params).expect("params parse");
        let rels = inputs.iter().map(|(port, _)| (port.to_string(), format!("\"{port}\""))).collect();
        let schemas = inputs
            .iter()
            .map(|(port, cols)| (port.to_string(), Schema::new(cols.iter().map(|(n, t)| Column::new(*n, *t)).collect())))
            .collect();
        let cx = CompileCx { node: "n", inputs: rels, schemas, dialect: &DuckDb, base_dir: Path::new("."), state: None, output: None };
        match kind.compile(&p, &cx).expect("compiles") {
            Compiled::Query(q) => q,
            other => panic!("not a query: {other:?}"),
        }
    }

    pub fn names(s: &Schema) -> Vec<&str> {
        s.names().collect()
    }

    const ORDERS: &[(&str, &str)] =
        &[("customer_id", "BIGINT"), ("ordered_at", "TIMESTAMP"), ("amount", "DOUBLE"), ("product_id", "BIGINT"), ("channel", "VARCHAR")];

    #[test]
    fn spans_parse_and_name() {
        let s = Span::parse("7 days").unwrap();
        assert_eq!((s.suffix(), s.sql()), ("7d".to_string(), "7 * 86400000000".to_string()));
        assert_eq!(Span::parse("7D").unwrap(), s);
        assert_eq!(Span::parse(" 12 hours ").unwrap().suffix(), "12h");
        assert_eq!(Span::parse("90min").unwrap().sql(), "90 * 60000000");
        assert_eq!(Span::parse("1 second").unwrap().suffix(), "1s");
        assert_eq!(Span::parse("2 weeks").unwrap().suffix(), "2w");
        assert!(Span::parse("1 month").unwrap_err().contains("no fixed length"));
        assert!(Span::parse("0 days").unwrap_err().contains("more than zero"));
        assert!(Span::parse("seven days").is_err());
        assert!(Span::parse("1.5 days").is_err());
        assert!(Span::parse("-1 days").is_err());
        assert!(Span::parse("99999999999999 weeks").unwrap_err().contains("too long"));
    }

    #[test]
    fn time_types() {
        for t in ["DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE", "timestamp"] {
            assert!(is_time_type(t), "{t}");
        }
        for t in ["VARCHAR", "BIGINT", "TIME", "INTERVAL"] {
            assert!(!is_time_type(t), "{t}");
        }
    }

    #[test]
    fn output_names_and_types() {
        let (out, errs) = check_kind(
            &Rolling,
            json!({"partition_by": ["customer_id"], "time_column": "ordered_at", "windows": ["7 days", "12h"],
                   "aggregates": {"amount": ["sum", "max", "stddev"], "product_id": ["count_distinct"]}, "row_count": true}),
            &[("input", ORDERS)],
        );
        assert!(errs.is_empty(), "{errs:?}");
        let out = out.unwrap();
        assert_eq!(
            &names(&out)[5..],
            [
                "count_7d", "sum_amount_7d", "max_amount_7d", "stddev_amount_7d", "count_distinct_product_id_7d",
                "count_12h", "sum_amount_12h", "max_amount_12h", "stddev_amount_12h", "count_distinct_product_id_12h"
            ]
        );
        let ty = |n: &str| out.get(n).unwrap().ty.clone();
        assert_eq!((ty("count_7d"), ty("sum_amount_7d"), ty("max_amount_7d")), ("BIGINT".into(), "DOUBLE".into(), "DOUBLE".into()));
        assert_eq!(ty("count_distinct_product_id_12h"), "BIGINT");
    }

    #[test]
    fn errors_name_the_parameter() {
        let (_, errs) = check_kind(
            &Rolling,
            json!({"partition_by": ["customer"], "time_column": "channel", "windows": ["1 month", "x"],
                   "aggregates": {"channel": ["mean"], "amount": []}}),
            &[("input", ORDERS)],
        );
        let want = [
            ("S020", "params.partition_by[0]"),
            ("S029", "params.time_column"),
            ("S040", "params.windows[0]"),
            ("S040", "params.windows[1]"),
            ("S029", "params.aggregates.channel[0]"),
            ("S027", "params.aggregates.amount"),
        ];
        for (code, path) in want {
            assert!(errs.iter().any(|(c, p)| c == code && p == path), "missing {code} at {path}: {errs:?}");
        }
        let (_, errs) = check_kind(&Rolling, json!({"time_column": "ordered_at", "windows": []}), &[("input", ORDERS)]);
        assert!(errs.contains(&("S027".into(), "params.windows".into())) && errs.contains(&("S027".into(), "params.aggregates".into())));
        // Two spellings of the same length clash on the output name.
        let (_, errs) = check_kind(
            &Rolling,
            json!({"time_column": "ordered_at", "windows": ["7 days", "7d"], "row_count": true}),
            &[("input", ORDERS)],
        );
        assert_eq!(errs, vec![("S026".to_string(), "params.windows[1]".to_string())]);
        // So does an input column.
        let (_, errs) = check_kind(
            &Rolling,
            json!({"time_column": "ordered_at", "windows": ["7 days"], "aggregates": {"amount": ["sum"]}}),
            &[("input", &[("ordered_at", "DATE"), ("amount", "BIGINT"), ("sum_amount_7d", "DOUBLE")])],
        );
        assert_eq!(errs, vec![("S026".to_string(), "params.windows[0]".to_string())]);
    }

    #[test]
    fn unknown_params_are_refused() {
        assert!(serde_json::from_value::<Params>(json!({"time_column": "t", "windows": ["1d"], "closed": "left"})).is_err());
    }

    #[test]
    fn sql_frames_are_open_on_the_left_or_exclude_the_current_time() {
        let p = json!({"partition_by": ["customer_id"], "time_column": "ordered_at", "windows": ["7 days"],
                       "aggregates": {"amount": ["sum", "mean", "stddev"]}, "prefix": "c_"});
        let sql = compile_kind(&Rolling, p.clone(), &[("input", ORDERS)]);
        assert!(sql.contains(r#""__w0" AS (PARTITION BY "customer_id" ORDER BY epoch_us("ordered_at") RANGE BETWEEN 7 * 86400000000 - 1 PRECEDING AND CURRENT ROW)"#), "{sql}");
        assert!(sql.contains(r#"CASE WHEN "ordered_at" IS NULL OR "customer_id" IS NULL THEN NULL ELSE fsum(CAST("amount" AS DOUBLE)) OVER "__w0" END AS "c_sum_amount_7d""#), "{sql}");
        assert!(sql.contains(r#"favg(CAST("amount" AS DOUBLE)) OVER "__w0""#) && sql.contains("stddev_samp("), "{sql}");
        let mut p = p;
        p["exclude_current"] = json!(true);
        let sql = compile_kind(&Rolling, p, &[("input", ORDERS)]);
        assert!(sql.contains("RANGE BETWEEN 7 * 86400000000 PRECEDING AND 1 PRECEDING"), "{sql}");
    }
}
