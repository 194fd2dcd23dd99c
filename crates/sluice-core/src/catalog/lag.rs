//! `lag`: per-entity values of earlier (lag) or later (lead) rows in time order, and the time
//! since the entity's previous row, as pandas' `df.sort_values(time).groupby(entity)[col].shift(k)`
//! and `groupby(entity)[time].diff()` compute them.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{require_columns, ONE_INPUT};
use super::rolling::{claim_name, epoch_us, require_time_column};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Schema, UNKNOWN};

pub struct Lag;

/// A unit that elapsed time is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    pub(super) fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }
    /// Microseconds in one unit.
    fn micros(self) -> i64 {
        1_000_000
            * match self {
                TimeUnit::Seconds => 1,
                TimeUnit::Minutes => 60,
                TimeUnit::Hours => 3_600,
                TimeUnit::Days => 86_400,
            }
    }
    /// `later − earlier` in this unit, as DOUBLE: whole microseconds divided once, so the result
    /// is the correctly rounded quotient.
    pub(super) fn elapsed(self, later: &str, earlier: &str) -> String {
        format!("({} - {}) / {}", epoch_us(later), epoch_us(earlier), self.micros())
    }
}

/// Parameters of `lag`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The columns naming an entity: lags and leads come from rows of the same entity. None: the
    /// whole input is one entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub partition_by: Vec<String>,
    /// The date or timestamp column giving the order of an entity's rows.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub time_column: String,
    /// Columns ordering rows with the same time (ascending, nulls last), e.g. an id. Without
    /// them, rows sharing a time are in no set order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub tie_breaker: Vec<String>,
    /// Column to offsets: `<prefix><column>_lag_<k>` is the value `k` rows earlier.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub lags: IndexMap<String, Vec<u32>>,
    /// Column to offsets: `<prefix><column>_lead_<k>` is the value `k` rows later. A lead looks
    /// into the future: use it for targets, never for features.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub leads: IndexMap<String, Vec<u32>>,
    /// Add `<prefix><unit>_since_previous`: the time since the entity's previous row in this unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_since_previous: Option<TimeUnit>,
    /// Put before every output name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}

/// Output columns: (name, SQL expression over the window `__w`, type, parameter path).
fn outputs(p: &Params, cx_ident: &dyn Fn(&str) -> String, types: &dyn Fn(&str) -> String) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for (dir, map) in [("lag", &p.lags), ("lead", &p.leads)] {
        for (col, offsets) in map {
            for (i, k) in offsets.iter().enumerate() {
                let name = format!("{}{col}_{dir}_{k}", p.prefix);
                let expr = format!("{dir}({}, {k}) OVER \"__w\"", cx_ident(col));
                out.push((name, expr, types(col), format!("{dir}s.{col}[{i}]")));
            }
        }
    }
    if let Some(u) = p.time_since_previous {
        let t = cx_ident(&p.time_column);
        let name = format!("{}{}_since_previous", p.prefix, u.name());
        out.push((name, u.elapsed(&t, &format!("lag({t}, 1) OVER \"__w\"")), "DOUBLE".into(), "time_since_previous".into()));
    }
    out
}

impl Kind for Lag {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "lag",
            title: "Lags and time since previous",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Orders each entity's rows (`partition_by`) by `time_column`, then the `tie_breaker` \
                   columns (ascending, nulls last), and adds, for each column of `lags` and each offset k, \
                   `<prefix><column>_lag_<k>`: the value k rows earlier (null when there is no such row), \
                   as pandas' `groupby(entity)[column].shift(k)` on rows sorted the same way; `leads` likewise \
                   `<column>_lead_<k>`, k rows later (`shift(-k)`). Leads read the future: they make \
                   targets, and leak into features. `time_since_previous` adds \
                   `<prefix><unit>_since_previous` (DOUBLE): the row's time minus the previous row's, in \
                   seconds, minutes, hours or days (a day is 86,400 s; whole microseconds), as pandas' \
                   `groupby(entity)[time].diff()`; null on an entity's first row, and 0 after a row with the \
                   same time. Lags keep the column's type. Rows are counted whatever their values, so a \
                   lag can be a null value of an existing row. Rows with a null time or a null entity \
                   column get null outputs and are no other row's lag or lead. Without a `tie_breaker`, \
                   rows sharing a time are in no set order, so their lags may differ from run to run.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "partition_by": ["customer_id"],
            "time_column": "ordered_at",
            "tie_breaker": ["order_id"],
            "lags": {"amount": [1, 2]},
            "time_since_previous": "days"
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.partition_by, "partition_by");
        ok &= require_columns(cx, "input", &p.tie_breaker, "tie_breaker");
        ok &= require_time_column(cx, "input", &p.time_column, "time_column").is_some();
        if p.lags.is_empty() && p.leads.is_empty() && p.time_since_previous.is_none() {
            cx.error("S027", "lags", "nothing to compute: give lags, leads or time_since_previous");
            ok = false;
        }
        for (param, map) in [("lags", &p.lags), ("leads", &p.leads)] {
            for (col, offsets) in map {
                let path = format!("{param}.{col}");
                ok &= cx.require_column("input", col, &path).is_some();
                if offsets.is_empty() {
                    cx.error("S027", &path, format!("no offset for column '{col}', e.g. [1]"));
                    ok = false;
                }
                for (i, k) in offsets.iter().enumerate() {
                    if *k == 0 {
                        cx.error("S040", format!("{path}[{i}]"), "an offset is at least 1 row");
                        ok = false;
                    }
                }
            }
        }
        if !ok {
            return None;
        }
        let input = cx.input("input");
        let ty = |c: &str| input.get(c).map(|c| c.ty.clone()).unwrap_or_else(|| UNKNOWN.into());
        let mut out = input.clone();
        for (name, _, ty, path) in outputs(p, &|s| s.to_string(), &ty) {
            ok &= claim_name(cx, &mut out, &name, &ty, &path);
        }
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let t = cx.ident(&p.time_column);
        // Rows without a time or an entity sit in partitions of their own (the last key), so they
        // are never another row's neighbour, and their outputs are null.
        let mut part: Vec<String> = p.partition_by.iter().map(|c| cx.ident(c)).collect();
        let mut nulls = vec![format!("{t} IS NULL")];
        nulls.extend(p.partition_by.iter().map(|c| format!("{} IS NULL", cx.ident(c))));
        let guard = nulls.join(" OR ");
        part.push(format!("({guard})"));
        let mut order = vec![format!("{t} ASC")];
        order.extend(p.tie_breaker.iter().map(|c| format!("{} ASC NULLS LAST", cx.ident(c))));
        let items: Vec<String> = outputs(p, &|s| cx.ident(s), &|_| String::new())
            .into_iter()
            .map(|(name, expr, _, _)| format!("CASE WHEN {guard} THEN NULL ELSE {expr} END AS {}", cx.ident(&name)))
            .collect();
        Ok(Compiled::Query(format!(
            "SELECT *, {} FROM {} WINDOW \"__w\" AS (PARTITION BY {} ORDER BY {})",
            items.join(", "),
            cx.input("input"),
            part.join(", "),
            order.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::rolling::tests::{check_kind, compile_kind, names};

    const ORDERS: &[(&str, &str)] =
        &[("order_id", "BIGINT"), ("customer_id", "BIGINT"), ("ordered_at", "TIMESTAMP"), ("amount", "DECIMAL(12,2)")];

    #[test]
    fn names_and_types() {
        let (out, errs) = check_kind(
            &Lag,
            json!({"partition_by": ["customer_id"], "time_column": "ordered_at", "lags": {"amount": [1, 3]},
                   "leads": {"order_id": [1]}, "time_since_previous": "hours", "prefix": "p_"}),
            &[("input", ORDERS)],
        );
        assert!(errs.is_empty(), "{errs:?}");
        let out = out.unwrap();
        assert_eq!(&names(&out)[4..], ["p_amount_lag_1", "p_amount_lag_3", "p_order_id_lead_1", "p_hours_since_previous"]);
        let ty = |n: &str| out.get(n).unwrap().ty.clone();
        assert_eq!((ty("p_amount_lag_3"), ty("p_order_id_lead_1"), ty("p_hours_since_previous")), ("DECIMAL(12,2)".into(), "BIGINT".into(), "DOUBLE".into()));
    }

    #[test]
    fn errors_name_the_parameter() {
        let (_, errs) = check_kind(
            &Lag,
            json!({"partition_by": ["customer"], "time_column": "amount", "tie_breaker": ["id"], "lags": {"amount": [0], "x": [1]}, "leads": {"amount": []}}),
            &[("input", ORDERS)],
        );
        for (code, path) in [
            ("S020", "params.partition_by[0]"),
            ("S020", "params.tie_breaker[0]"),
            ("S029", "params.time_column"),
            ("S040", "params.lags.amount[0]"),
            ("S020", "params.lags.x"),
            ("S027", "params.leads.amount"),
        ] {
            assert!(errs.iter().any(|(c, p)| c == code && p == path), "missing {code} at {path}: {errs:?}");
        }
        let (_, errs) = check_kind(&Lag, json!({"time_column": "ordered_at"}), &[("input", ORDERS)]);
        assert_eq!(errs, vec![("S027".to_string(), "params.lags".to_string())]);
        let (_, errs) = check_kind(
            &Lag,
            json!({"time_column": "ordered_at", "lags": {"amount": [1, 1]}}),
            &[("input", ORDERS)],
        );
        assert_eq!(errs, vec![("S026".to_string(), "params.lags.amount[1]".to_string())]);
    }

    #[test]
    fn sql_shape() {
        let sql = compile_kind(
            &Lag,
            json!({"partition_by": ["customer_id"], "time_column": "ordered_at", "tie_breaker": ["order_id", "amount"],
                   "lags": {"amount": [2]}, "time_since_previous": "days"}),
            &[("input", ORDERS)],
        );
        let guard = r#""ordered_at" IS NULL OR "customer_id" IS NULL"#;
        assert!(sql.contains(&format!(r#"CASE WHEN {guard} THEN NULL ELSE lag("amount", 2) OVER "__w" END AS "amount_lag_2""#)), "{sql}");
        assert!(
            sql.contains(r#"(epoch_us("ordered_at") - epoch_us(lag("ordered_at", 1) OVER "__w")) / 86400000000"#),
            "{sql}"
        );
        assert!(
            sql.ends_with(&format!(
                r#"WINDOW "__w" AS (PARTITION BY "customer_id", ({guard}) ORDER BY "ordered_at" ASC, "order_id" ASC NULLS LAST, "amount" ASC NULLS LAST)"#
            )),
            "{sql}"
        );
    }
}
