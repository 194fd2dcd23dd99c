//! Small per-column distributions for previews: equal-width bins for numbers, calendar periods
//! for times, top values plus "other" for everything else. One query per column over the
//! materialised node.

use duckdb::Connection;
use serde::Serialize;
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Column;

use crate::run::clean_message;
use crate::EngineError;

/// One bar.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bin {
    /// `[lo, hi)` for numeric bins (the last bin includes hi), the value for categories.
    pub label: String,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub count: u64,
}

/// A column's distribution.
#[derive(Debug, Clone, Serialize)]
pub struct Histogram {
    pub column: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// `numeric`, `temporal` or `categorical`.
    pub shape: &'static str,
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

pub fn histograms(conn: &Connection, node: &str, rel: &str, columns: &[Column]) -> Result<Vec<Histogram>, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    let d = DuckDb;
    let mut out = Vec::new();
    for c in columns {
        let col = d.ident(&c.name);
        let nulls: i64 = conn
            .query_row(&format!("SELECT count(*) - count({col}) FROM {rel}"), [], |r| r.get(0))
            .map_err(fail)?;
        let (shape, value) = if c.is_numeric() {
            ("numeric", format!("CAST({col} AS DOUBLE)"))
        } else if is_temporal(&c.ty) {
            ("temporal", format!("CAST(epoch({col}) AS DOUBLE)"))
        } else {
            ("categorical", String::new())
        };
        let bins = if shape == "temporal" {
            temporal_bins(conn, &col, rel).map_err(fail)?
        } else if shape == "categorical" {
            let sql = format!(
                "WITH c AS (SELECT CAST({col} AS VARCHAR) AS v, count(*) AS n FROM {rel} WHERE {col} IS NOT NULL GROUP BY 1), \
                 r AS (SELECT v, n, row_number() OVER (ORDER BY n DESC, v) AS k FROM c) \
                 SELECT v, n, 0 AS o FROM r WHERE k <= {TOP} UNION ALL \
                 SELECT '(other)', sum(n), 1 FROM r WHERE k > {TOP} HAVING count(*) > 0 ORDER BY o, n DESC, v"
            );
            let mut stmt = conn.prepare(&sql).map_err(fail)?;
            let rows = stmt
                .query_map([], |r| Ok(Bin { label: r.get(0)?, lo: None, hi: None, count: r.get::<_, i64>(1)? as u64 }))
                .map_err(fail)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(fail)?;
            rows
        } else {
            let sql = format!(
                "WITH v AS (SELECT {value} AS x FROM {rel} WHERE {col} IS NOT NULL AND isfinite({value})), \
                 b AS (SELECT min(x) AS lo, max(x) AS hi FROM v) \
                 SELECT least(CAST(floor((x - lo) / nullif(hi - lo, 0) * {BINS}) AS INTEGER), {BINS} - 1) AS k, count(*), any_value(lo), any_value(hi) \
                 FROM v, b GROUP BY 1 ORDER BY 1"
            );
            let mut stmt = conn.prepare(&sql).map_err(fail)?;
            let raw: Vec<(Option<i32>, i64, f64, f64)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(fail)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(fail)?;
            let Some(&(_, _, lo, hi)) = raw.first() else {
                out.push(Histogram { column: c.name.clone(), ty: c.ty.clone(), shape, bins: vec![], nulls: nulls as u64 });
                continue;
            };
            if hi <= lo {
                // A single distinct value: one bar.
                vec![Bin { label: fmt(lo, shape), lo: Some(lo), hi: Some(hi), count: raw.iter().map(|r| r.1 as u64).sum() }]
            } else {
                let w = (hi - lo) / BINS as f64;
                (0..BINS as i32)
                    .map(|k| {
                        let count = raw.iter().filter(|r| r.0 == Some(k)).map(|r| r.1 as u64).sum();
                        let (a, b) = (lo + w * k as f64, lo + w * (k + 1) as f64);
                        Bin { label: format!("{} – {}", fmt(a, shape), fmt(b, shape)), lo: Some(a), hi: Some(b), count }
                    })
                    .collect()
            }
        };
        out.push(Histogram { column: c.name.clone(), ty: c.ty.clone(), shape, bins, nulls: nulls as u64 });
    }
    Ok(out)
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
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
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
