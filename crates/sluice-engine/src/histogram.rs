//! Small per-column distributions for previews: equal-width bins for numbers, calendar periods
//! for times, top values plus "other" for everything else. Two scans of the node's rows for all
//! columns together, plus one per date or time column.

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Column;

use crate::run::clean_message;
use crate::EngineError;

/// One bar.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Bin {
    /// `[lo, hi)` for numeric bins (the last bin includes hi), the value for categories.
    pub label: String,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub count: u64,
}

/// A column's distribution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Histogram {
    pub column: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// `numeric`, `temporal` or `categorical`.
    pub shape: String,
    pub bins: Vec<Bin>,
    pub nulls: u64,
}

fn is_temporal(ty: &str) -> bool {
    let t = ty.to_uppercase();
    t.starts_with("TIMESTAMP") || t == "DATE"
}

const BINS: u32 = 12;
const TOP: u32 = 6;

/// Distributions of every column of relation `rel`.
pub fn of_relation(conn: &Connection, node: &str, rel: &str) -> Result<Vec<Histogram>, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    let mut stmt = conn.prepare(&format!("DESCRIBE SELECT * FROM {rel}")).map_err(fail)?;
    let columns: Vec<Column> = stmt
        .query_map([], |r| Ok(Column::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(fail)?
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    histograms(conn, node, rel, &columns)
}

/// The distribution of every column of relation `rel`, in two scans of it (plus one per
/// temporal column): first nulls, ranges and, for text, approximate distinct counts and top
/// values; then every numeric column's bins and every text column's counts together.
/// Text columns with up to [`EXACT_TOP_DISTINCT`] distinct values get their exact top values;
/// above that, the top values are chosen by DuckDB's `approx_top_k` and counted exactly.
pub fn histograms(conn: &Connection, node: &str, rel: &str, columns: &[Column]) -> Result<Vec<Histogram>, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    let d = DuckDb;
    if columns.is_empty() {
        return Ok(vec![]);
    }
    let shape_of = |c: &Column| {
        if c.is_numeric() {
            "numeric"
        } else if is_temporal(&c.ty) {
            "temporal"
        } else {
            "categorical"
        }
    };
    let text = |c: &Column| format!("CAST({} AS VARCHAR)", d.ident(&c.name));
    let number = |c: &Column| format!("CAST({} AS DOUBLE)", d.ident(&c.name));

    // First scan: what the bins depend on.
    let mut fields = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let col = d.ident(&c.name);
        fields.push(format!("'n{i}': count({col})"));
        match shape_of(c) {
            "numeric" => {
                let x = number(c);
                fields.push(format!("'lo{i}': min({x}) FILTER (WHERE isfinite({x}))"));
                fields.push(format!("'hi{i}': max({x}) FILTER (WHERE isfinite({x}))"));
            }
            "categorical" => {
                fields.push(format!("'d{i}': approx_count_distinct({col})"));
                fields.push(format!("'top{i}': approx_top_k({}, {TOP})", text(c)));
            }
            _ => {}
        }
    }
    let first = json_row(conn, &format!("SELECT CAST(to_json({{{}}}) AS VARCHAR) FROM {rel}", fields.join(", "))).map_err(fail)?;
    let total: i64 = conn.query_row(&format!("SELECT count(*) FROM {rel}"), [], |r| r.get(0)).map_err(fail)?;

    // Second scan: the bins.
    let mut fields = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        match shape_of(c) {
            "numeric" => {
                let (Some(lo), Some(hi)) = (first[format!("lo{i}")].as_f64(), first[format!("hi{i}")].as_f64()) else { continue };
                let x = number(c);
                let k = if hi > lo {
                    format!("least(CAST(floor(({x} - {lo:?}) / {:?} * {BINS}) AS INTEGER), {BINS} - 1)", hi - lo)
                } else {
                    "0".to_string()
                };
                fields.push(format!("'b{i}': histogram(CASE WHEN isfinite({x}) THEN CAST({k} AS VARCHAR) END)"));
            }
            "categorical" => {
                let exact = first[format!("d{i}")].as_u64().unwrap_or(u64::MAX) <= EXACT_TOP_DISTINCT;
                if exact {
                    fields.push(format!("'b{i}': histogram({})", text(c)));
                } else {
                    let top: Vec<String> =
                        first[format!("top{i}")].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
                    let counts: Vec<String> =
                        top.iter().enumerate().map(|(j, v)| format!("'{j}': count_if({} = {})", text(c), d.string(v))).collect();
                    if !counts.is_empty() {
                        fields.push(format!("'b{i}': {{{}}}", counts.join(", ")));
                    }
                }
            }
            _ => {}
        }
    }
    let second = if fields.is_empty() {
        serde_json::Value::Null
    } else {
        json_row(conn, &format!("SELECT CAST(to_json({{{}}}) AS VARCHAR) FROM {rel}", fields.join(", "))).map_err(fail)?
    };

    let mut out = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let shape = shape_of(c);
        let count = first[format!("n{i}")].as_u64().unwrap_or(0);
        let nulls = (total as u64).saturating_sub(count);
        let bins = match shape {
            "temporal" => temporal_bins(conn, &d.ident(&c.name), rel).map_err(fail)?,
            "numeric" => {
                let (lo, hi) = (first[format!("lo{i}")].as_f64(), first[format!("hi{i}")].as_f64());
                let per_bin = |k: i64| second[format!("b{i}")][k.to_string()].as_u64().unwrap_or(0);
                match (lo, hi) {
                    (Some(lo), Some(hi)) if hi > lo => {
                        let w = (hi - lo) / BINS as f64;
                        (0..BINS as i64)
                            .map(|k| {
                                let (a, b) = (lo + w * k as f64, lo + w * (k + 1) as f64);
                                Bin { label: format!("{} – {}", fmt(a, shape), fmt(b, shape)), lo: Some(a), hi: Some(b), count: per_bin(k) }
                            })
                            .collect()
                    }
                    (Some(lo), Some(hi)) => vec![Bin { label: fmt(lo, shape), lo: Some(lo), hi: Some(hi), count: per_bin(0) }],
                    _ => vec![],
                }
            }
            _ => {
                let exact = first[format!("d{i}")].as_u64().unwrap_or(u64::MAX) <= EXACT_TOP_DISTINCT;
                let mut values: Vec<(String, u64)> = if exact {
                    second[format!("b{i}")].as_object().into_iter().flatten().map(|(v, n)| (v.clone(), n.as_u64().unwrap_or(0))).collect()
                } else {
                    let top = first[format!("top{i}")].as_array().cloned().unwrap_or_default();
                    top.iter()
                        .enumerate()
                        .filter_map(|(j, v)| Some((v.as_str()?.to_string(), second[format!("b{i}")][j.to_string()].as_u64().unwrap_or(0))))
                        .collect()
                };
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let shown: u64 = values.iter().take(TOP as usize).map(|v| v.1).sum();
                let mut bins: Vec<Bin> =
                    values.into_iter().take(TOP as usize).map(|(label, count)| Bin { label, lo: None, hi: None, count }).collect();
                if count > shown {
                    bins.push(Bin { label: "(other)".into(), lo: None, hi: None, count: count - shown });
                }
                bins
            }
        };
        out.push(Histogram { column: c.name.clone(), ty: c.ty.clone(), shape: shape.to_string(), bins, nulls });
    }
    Ok(out)
}

/// Text columns with at most this many distinct values (estimated) get their exact top values.
pub const EXACT_TOP_DISTINCT: u64 = 5_000;

/// One row of one VARCHAR column holding JSON.
fn json_row(conn: &Connection, sql: &str) -> Result<serde_json::Value, duckdb::Error> {
    let text: String = conn.query_row(sql, [], |r| r.get(0))?;
    serde_json::from_str(&text).map_err(|e| duckdb::Error::FromSqlConversionFailure(0, duckdb::types::Type::Text, Box::new(e)))
}

/// Calendar periods for time columns, the coarsest that still gives a handful of bars: hours
/// within a day and a half, days within six weeks, weeks within half a year, months within three
/// years, years beyond. Every period in the range gets a bar, empty ones included.
fn temporal_bins(conn: &Connection, col: &str, rel: &str) -> Result<Vec<Bin>, duckdb::Error> {
    let ts = format!("CAST({col} AS TIMESTAMP)");
    let (lo, hi): (Option<f64>, Option<f64>) = conn.query_row(
        &format!("SELECT CAST(epoch(min({ts})) AS DOUBLE), CAST(epoch(max({ts})) AS DOUBLE) FROM {rel} WHERE {col} IS NOT NULL"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(lo), Some(hi)) = (lo, hi) else { return Ok(vec![]) };
    let span_days = (hi - lo) / 86_400.0;
    let (period, label) = match span_days {
        d if d <= 1.5 => ("hour", "%Y-%m-%d %H:00"),
        d if d <= 45.0 => ("day", "%Y-%m-%d"),
        d if d <= 183.0 => ("week", "%Y-%m-%d"),
        d if d <= 3.0 * 365.25 => ("month", "%Y-%m"),
        _ => ("year", "%Y"),
    };
    let sql = format!(
        "WITH b AS (SELECT date_trunc('{period}', {ts}) AS p, count(*) AS n FROM {rel} WHERE {col} IS NOT NULL GROUP BY 1), \
         r AS (SELECT min(p) AS a, max(p) AS z FROM b), \
         s AS (SELECT unnest(generate_series(a, z, INTERVAL 1 {period})) AS p FROM r) \
         SELECT strftime(s.p, '{label}'), CAST(epoch(s.p) AS DOUBLE), CAST(epoch(s.p + INTERVAL 1 {period}) AS DOUBLE), \
                COALESCE(b.n, 0) FROM s LEFT JOIN b USING (p) ORDER BY s.p"
    );
    let mut stmt = conn.prepare(&sql)?;
    let bins = stmt
        .query_map([], |r| Ok(Bin { label: r.get(0)?, lo: r.get(1)?, hi: r.get(2)?, count: r.get::<_, i64>(3)? as u64 }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(bins)
}

fn fmt(v: f64, shape: &str) -> String {
    if shape == "temporal" {
        let days = (v / 86400.0).floor() as i64;
        let (y, m, d) = sluice_core::civil::civil_date(days);
        format!("{y:04}-{m:02}-{d:02}")
    } else if v.abs() >= 1000.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(fmt(0.0, "temporal"), "1970-01-01");
        assert_eq!(fmt(1_719_792_000.0, "temporal"), "2024-07-01");
        assert_eq!(fmt(2.5, "numeric"), "2.50");
    }

    #[test]
    fn times_fall_into_calendar_days_with_empty_days_kept() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t AS SELECT * FROM (VALUES (TIMESTAMP '2024-03-01 10:00'), (TIMESTAMP '2024-03-01 23:59'), \
             (TIMESTAMP '2024-03-03 00:00'), (NULL)) v(seen)",
        )
        .unwrap();
        let h = histograms(&conn, "n", "t", &[Column::new("seen", "TIMESTAMP")]).unwrap();
        let bins: Vec<(&str, u64)> = h[0].bins.iter().map(|b| (b.label.as_str(), b.count)).collect();
        assert_eq!(bins, [("2024-03-01", 2), ("2024-03-02", 0), ("2024-03-03", 1)]);
        assert_eq!(h[0].nulls, 1);
        assert_eq!(h[0].bins[1].hi.unwrap() - h[0].bins[1].lo.unwrap(), 86_400.0);
    }
}
