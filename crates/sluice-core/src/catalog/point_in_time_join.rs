//! `point_in_time_join`: for each row of a spine (entity, time), the latest row of a feature
//! table for the same entity at or before that time, as `pandas.merge_asof(spine, features,
//! direction="backward", by=entity, tolerance=max_age, allow_exact_matches=…)`. A spine row never
//! sees a feature row from after its time, so training rows see what was known then.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::rolling::{epoch_us, require_time_column, Span};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Port, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct PointInTimeJoin;

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn default_suffix() -> String {
    "_features".into()
}

/// Parameters of `point_in_time_join`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Entity columns, of the same name in both inputs: a spine row matches feature rows with
    /// equal values (a null never matches). None: every feature row is a candidate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "spine"))]
    pub by: Vec<String>,
    /// The spine's date or timestamp column: the time each row asks about.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "spine"))]
    pub spine_time: String,
    /// The feature table's date or timestamp column: when each feature row became known.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "features"))]
    pub features_time: String,
    /// Feature columns to bring (default: every column of `features` except the `by` columns,
    /// `features_time` included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "features"))]
    pub columns: Option<Vec<String>>,
    /// Only match feature rows at most this old at the spine time, e.g. `30 days` (inclusive, as
    /// pandas' `tolerance`); an older latest row gives nulls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    /// Whether a feature row at exactly the spine time matches (default true, as pandas). False:
    /// only rows strictly before.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub allow_exact_matches: bool,
    /// Feature rows sharing an entity and time: the one with the largest values of these columns
    /// (compared in order, nulls smallest) is taken. Without them, one of them is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "features"))]
    pub tie_breaker: Vec<String>,
    /// Put before every feature column's name, e.g. `last_order_`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    /// Appended to a (prefixed) feature column name that clashes with a spine column.
    #[serde(default = "default_suffix")]
    pub suffix: String,
}

const PORTS: &[Port] = &[
    Port { name: "spine", doc: "the rows to add features to: entity and time; passed through", optional: false },
    Port { name: "features", doc: "feature rows: entity, the time each became known, and feature columns", optional: false },
];

/// Feature columns brought: (feature table column, output name).
fn plan(p: &Params, spine: &Schema, features: &Schema) -> Result<Vec<(String, String)>, String> {
    let cols: Vec<String> = match &p.columns {
        Some(c) => c.clone(),
        None => features.names().filter(|n| !p.by.iter().any(|b| b == n)).map(String::from).collect(),
    };
    let mut taken: Vec<String> = spine.names().map(String::from).collect();
    let mut out = Vec::new();
    for c in cols {
        let mut name = format!("{}{c}", p.prefix);
        if taken.contains(&name) {
            name = format!("{name}{}", p.suffix);
            if taken.contains(&name) {
                return Err(format!("column '{c}' clashes even with suffix '{}'", p.suffix));
            }
        }
        taken.push(name.clone());
        out.push((c, name));
    }
    Ok(out)
}

impl Kind for PointInTimeJoin {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "point_in_time_join",
            title: "Point-in-time join",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: PORTS },
            output: true,
            docs: "For each `spine` row, adds the feature `columns` of the latest `features` row with the \
                   same `by` values and `features_time` ≤ `spine_time` (< with `allow_exact_matches` false), \
                   as `pandas.merge_asof(spine, features, left_on=spine_time, right_on=features_time, \
                   by=by, direction='backward', tolerance=max_age, allow_exact_matches=…)`. A feature row \
                   later than the spine row is never used. With `max_age`, a latest row older than that \
                   at the spine time (spine_time − features_time > max_age) gives nulls; it is not replaced \
                   by an older one. Every spine row is kept once, with its columns first; a row without a \
                   match (no earlier feature row, a null time or a null `by` value) gets nulls. Feature \
                   rows with a null time are never used.\n\n\
                   Feature columns default to every column of `features` but the `by` columns, \
                   `features_time` included, so the age of a match is visible. Each is named \
                   `<prefix><column>`, and gets `suffix` (default `_features`) when that clashes with a \
                   spine column. Feature rows sharing an entity and time: the one with the largest \
                   `tie_breaker` values is taken (pandas takes the last in row order); without a tie \
                   breaker, any one of them.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "by": ["customer_id"],
            "spine_time": "label_time",
            "features_time": "ordered_at",
            "columns": ["ordered_at", "sum_amount_30d"],
            "max_age": "90 days",
            "prefix": "last_"
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_time_column(cx, "spine", &p.spine_time, "spine_time").is_some();
        ok &= require_time_column(cx, "features", &p.features_time, "features_time").is_some();
        for (i, k) in p.by.iter().enumerate() {
            let path = format!("by[{i}]");
            let s = cx.require_column("spine", k, &path);
            let f = cx.require_column("features", k, &path);
            match (s, f) {
                (Some(s), Some(f)) if s.is_known() && f.is_known() && s.is_numeric() != f.is_numeric() => {
                    cx.error("S029", &path, format!("'{k}' is {} in the spine and {} in the features", s.ty, f.ty));
                    ok = false;
                }
                (Some(_), Some(_)) => {}
                _ => ok = false,
            }
        }
        if let Some(cols) = &p.columns {
            if cols.is_empty() {
                cx.error("S027", "columns", "no feature column to bring; leave columns out to bring them all");
                ok = false;
            }
            ok &= super::common::require_columns(cx, "features", cols, "columns");
            for (i, c) in cols.iter().enumerate() {
                if p.by.contains(c) {
                    cx.error("S028", format!("columns[{i}]"), format!("'{c}' is a `by` column: the spine has it already"));
                    ok = false;
                }
            }
        }
        for (i, c) in p.tie_breaker.iter().enumerate() {
            ok &= cx.require_column("features", c, format!("tie_breaker[{i}]")).is_some();
        }
        if let Some(m) = &p.max_age {
            if let Err(e) = Span::parse(m) {
                cx.error("S040", "max_age", e);
                ok = false;
            }
        }
        if p.suffix.is_empty() {
            cx.error("S040", "suffix", "suffix is empty");
            ok = false;
        }
        if !ok {
            return None;
        }
        let (spine, features) = (cx.input("spine"), cx.input("features"));
        match plan(p, &spine, &features) {
            Ok(cols) => {
                let mut out = spine;
                out.columns.extend(
                    cols.into_iter().map(|(c, name)| Column::new(name, features.get(&c).map(|c| c.ty.clone()).unwrap_or_default())),
                );
                Some(out)
            }
            Err(m) => {
                cx.error("S026", "suffix", m);
                None
            }
        }
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let cols = plan(p, &cx.schema("spine"), &cx.schema("features"))
            .map_err(|m| Unsupported { dialect: cx.dialect.name(), what: m })?;
        let (st, ft) = (format!("s.{}", cx.ident(&p.spine_time)), format!("f.{}", cx.ident(&p.features_time)));
        let op = if p.allow_exact_matches { ">=" } else { ">" };
        // The match is checked again on every output: an ASOF join may pair a spine row whose
        // time is null with a feature row, and the age limit is not part of the join.
        let mut matched = format!("{st} {op} {ft}");
        if let Some(m) = &p.max_age {
            let span = Span::parse(m).map_err(|e| Unsupported { dialect: cx.dialect.name(), what: e })?;
            matched = format!("{matched} AND {} - {} <= {}", epoch_us(&st), epoch_us(&ft), span.sql());
        }
        let items: Vec<String> = std::iter::once("s.*".to_string())
            .chain(cols.iter().map(|(c, name)| format!("CASE WHEN {matched} THEN f.{} END AS {}", cx.ident(c), cx.ident(name))))
            .collect();
        // Feature rows without a time never match; of rows sharing an entity and time, keep one.
        let fti = cx.ident(&p.features_time);
        let mut features = format!("SELECT * FROM {} WHERE {fti} IS NOT NULL", cx.input("features"));
        if !p.tie_breaker.is_empty() {
            let mut part: Vec<String> = p.by.iter().map(|c| cx.ident(c)).collect();
            part.push(fti.clone());
            let order: Vec<String> = p.tie_breaker.iter().map(|c| format!("{} DESC NULLS LAST", cx.ident(c))).collect();
            let over = format!("PARTITION BY {} ORDER BY {}", part.join(", "), order.join(", "));
            features = if cx.dialect.supports_qualify() {
                format!("{features} QUALIFY row_number() OVER ({over}) = 1")
            } else {
                let all = super::common::ident_list(cx, &cx.input_columns("features"));
                format!("SELECT {all} FROM (SELECT *, row_number() OVER ({over}) AS \"__row\" FROM ({features}) AS __t) AS __ranked WHERE \"__row\" = 1")
            };
        }
        let mut on: Vec<String> = p.by.iter().map(|k| format!("s.{0} = f.{0}", cx.ident(k))).collect();
        on.push(format!("{st} {op} {ft}"));
        if !cx.dialect.supports_asof_join() {
            return Ok(Compiled::Query(without_asof(p, cx, &cols, &features, &on, &st)?));
        }
        Ok(Compiled::Query(format!(
            "SELECT {} FROM {} AS s ASOF LEFT JOIN ({features}) AS f ON {}",
            items.join(", "),
            cx.input("spine"),
            on.join(" AND ")
        )))
    }
}

/// The same join for engines without ASOF joins: every earlier feature row of the entity, the
/// latest kept per spine row (spine rows are told apart by all their columns; identical spine
/// rows get identical matches, as with ASOF), then joined back to the spine.
fn without_asof(
    p: &Params,
    cx: &CompileCx<'_>,
    cols: &[(String, String)],
    features: &str,
    on: &[String],
    st: &str,
) -> Result<String, Unsupported> {
    let spine_cols = cx.input_columns("spine");
    if spine_cols.is_empty() {
        return Err(Unsupported { dialect: cx.dialect.name(), what: "a point-in-time join whose spine columns are not known".into() });
    }
    let key = |i: usize| cx.ident(&format!("__s{i}"));
    let val = |i: usize| cx.ident(&format!("__v{i}"));
    let ft_name = cx.ident("__ft");
    let mut inner: Vec<String> = spine_cols.iter().enumerate().map(|(i, c)| format!("s.{} AS {}", cx.ident(c), key(i))).collect();
    inner.extend(cols.iter().enumerate().map(|(i, (c, _))| format!("f.{} AS {}", cx.ident(c), val(i))));
    inner.push(format!("f.{} AS {ft_name}", cx.ident(&p.features_time)));
    let part: Vec<String> = spine_cols.iter().map(|c| format!("s.{}", cx.ident(c))).collect();
    inner.push(format!(
        "row_number() OVER (PARTITION BY {} ORDER BY f.{} DESC NULLS LAST) AS \"__rn\"",
        part.join(", "),
        cx.ident(&p.features_time)
    ));
    let matches = format!(
        "SELECT {} FROM {} AS s JOIN ({features}) AS f ON {}",
        inner.join(", "),
        cx.input("spine"),
        on.join(" AND ")
    );
    let op = if p.allow_exact_matches { ">=" } else { ">" };
    let jt = format!("j.{ft_name}");
    let mut matched = format!("{st} {op} {jt}");
    if let Some(m) = &p.max_age {
        let span = Span::parse(m).map_err(|e| Unsupported { dialect: cx.dialect.name(), what: e })?;
        matched = format!("{matched} AND {} - {} <= {}", epoch_us(st), epoch_us(&jt), span.sql());
    }
    let items: Vec<String> = std::iter::once("s.*".to_string())
        .chain(cols.iter().enumerate().map(|(i, (_, name))| format!("CASE WHEN {matched} THEN j.{} END AS {}", val(i), cx.ident(name))))
        .collect();
    let mut join_on = vec!["j.\"__rn\" = 1".to_string()];
    join_on.extend(spine_cols.iter().enumerate().map(|(i, c)| format!("s.{} IS NOT DISTINCT FROM j.{}", cx.ident(c), key(i))));
    Ok(format!(
        "SELECT {} FROM {} AS s LEFT JOIN ({matches}) AS j ON {}",
        items.join(", "),
        cx.input("spine"),
        join_on.join(" AND ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::rolling::tests::{check_kind, compile_kind, names};

    const SPINE: &[(&str, &str)] = &[("customer_id", "BIGINT"), ("label_time", "TIMESTAMP"), ("country", "VARCHAR")];
    const FEATURES: &[(&str, &str)] =
        &[("customer_id", "BIGINT"), ("ordered_at", "TIMESTAMP"), ("country", "VARCHAR"), ("amount", "DOUBLE"), ("order_id", "BIGINT")];

    #[test]
    fn output_columns() {
        let p = json!({"by": ["customer_id"], "spine_time": "label_time", "features_time": "ordered_at"});
        let (out, errs) = check_kind(&PointInTimeJoin, p, &[("spine", SPINE), ("features", FEATURES)]);
        assert!(errs.is_empty(), "{errs:?}");
        let out = out.unwrap();
        assert_eq!(names(&out), ["customer_id", "label_time", "country", "ordered_at", "country_features", "amount", "order_id"]);
        assert_eq!(out.get("amount").unwrap().ty, "DOUBLE");
        let p = json!({"by": ["customer_id"], "spine_time": "label_time", "features_time": "ordered_at", "columns": ["amount", "country"], "prefix": "last_"});
        let (out, _) = check_kind(&PointInTimeJoin, p, &[("spine", SPINE), ("features", FEATURES)]);
        assert_eq!(&names(&out.unwrap())[3..], ["last_amount", "last_country"]);
    }

    #[test]
    fn errors_name_the_parameter() {
        let p = json!({"by": ["customer", "country"], "spine_time": "country", "features_time": "order_id",
                       "columns": ["country", "x"], "max_age": "1 month", "tie_breaker": ["y"], "suffix": ""});
        let spine: &[(&str, &str)] = &[("customer_id", "BIGINT"), ("country", "BIGINT")];
        let (_, errs) = check_kind(&PointInTimeJoin, p, &[("spine", spine), ("features", FEATURES)]);
        for (code, path) in [
            ("S029", "params.spine_time"),
            ("S029", "params.features_time"),
            ("S020", "params.by[0]"),
            ("S029", "params.by[1]"),
            ("S028", "params.columns[0]"),
            ("S020", "params.columns[1]"),
            ("S020", "params.tie_breaker[0]"),
            ("S040", "params.max_age"),
            ("S040", "params.suffix"),
        ] {
            assert!(errs.iter().any(|(c, p)| c == code && p == path), "missing {code} at {path}: {errs:?}");
        }
        let p = json!({"spine_time": "label_time", "features_time": "ordered_at", "columns": ["country"], "suffix": "_x"});
        let spine: &[(&str, &str)] = &[("label_time", "DATE"), ("country", "VARCHAR"), ("country_x", "VARCHAR")];
        let (_, errs) = check_kind(&PointInTimeJoin, p, &[("spine", spine), ("features", FEATURES)]);
        assert_eq!(errs, vec![("S026".to_string(), "params.suffix".to_string())]);
    }

    #[test]
    fn sql_never_matches_a_later_row() {
        let p = json!({"by": ["customer_id"], "spine_time": "label_time", "features_time": "ordered_at", "columns": ["amount"],
                       "max_age": "30 days", "allow_exact_matches": false, "tie_breaker": ["order_id"]});
        let sql = compile_kind(&PointInTimeJoin, p, &[("spine", SPINE), ("features", FEATURES)]);
        assert_eq!(
            sql,
            "SELECT s.*, CASE WHEN s.\"label_time\" > f.\"ordered_at\" AND epoch_us(s.\"label_time\") - epoch_us(f.\"ordered_at\") <= 30 * 86400000000 \
             THEN f.\"amount\" END AS \"amount\" FROM \"spine\" AS s ASOF LEFT JOIN (SELECT * FROM \"features\" WHERE \"ordered_at\" IS NOT NULL \
             QUALIFY row_number() OVER (PARTITION BY \"customer_id\", \"ordered_at\" ORDER BY \"order_id\" DESC NULLS LAST) = 1) AS f \
             ON s.\"customer_id\" = f.\"customer_id\" AND s.\"label_time\" > f.\"ordered_at\""
        );
    }
}
