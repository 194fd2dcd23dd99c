//! Column profiles of a node's output: row count and, per column, type, nulls, distinct values,
//! min, max, mean, standard deviation, quantiles, zeros and negatives, and a histogram.
//!
//! Definitions, as pandas gives them: `std` is the sample standard deviation (ddof = 1, as
//! `Series.std`/`describe`); quantiles interpolate linearly between the closest ranks (pandas'
//! default `interpolation="linear"`, DuckDB's `quantile_cont`); nulls are left out of every
//! statistic but `nulls`. Distinct counts are exact up to [`EXACT_DISTINCT_ROWS`] rows and
//! HyperLogLog estimates above (`distinct_approx` says which); above as many rows the quantiles
//! are those of a seeded sample of [`QUANTILE_SAMPLE_ROWS`] rows (`quantiles_approx`): exact
//! quantiles sort every value of every column, which dominates the time on large nodes. The
//! other statistics come from one scan of the node's output, the histograms from two more.

use duckdb::Connection;
use serde::Serialize;
use serde_json::Value;
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Column;

use crate::histogram::{histograms, Histogram};
use crate::run::clean_message;
use crate::EngineError;

/// Quantile levels every numeric column reports.
pub const QUANTILES: [f64; 7] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
/// Above this many rows, distinct counts are estimated and quantiles come from a sample.
pub const EXACT_DISTINCT_ROWS: u64 = 1_000_000;
/// Rows of the seeded sample quantiles are computed on above [`EXACT_DISTINCT_ROWS`] rows.
pub const QUANTILE_SAMPLE_ROWS: u64 = 100_000;

/// A node's profile.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub node: String,
    pub rows: u64,
    /// Rows the profile was computed on, when it is a sample of the output.
    pub sampled_rows: Option<u64>,
    pub columns: Vec<ColumnProfile>,
}

/// One column's statistics.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnProfile {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// `numeric`, `temporal` or `categorical`.
    pub shape: &'static str,
    pub count: u64,
    pub nulls: u64,
    pub null_percent: f64,
    pub distinct: u64,
    pub distinct_approx: bool,
    /// Smallest and largest value, rendered as JSON (numbers, or strings for times and text).
    pub min: Value,
    pub max: Value,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    /// `[level, value]` pairs at [`QUANTILES`].
    pub quantiles: Vec<(f64, f64)>,
    /// The quantiles are those of a seeded sample of [`QUANTILE_SAMPLE_ROWS`] rows.
    pub quantiles_approx: bool,
    pub zeros: Option<u64>,
    pub negatives: Option<u64>,
    pub histogram: Histogram,
}

fn shape(c: &Column) -> &'static str {
    let t = c.ty.to_uppercase();
    if c.is_numeric() {
        "numeric"
    } else if t.starts_with("TIMESTAMP") || t == "DATE" {
        "temporal"
    } else {
        "categorical"
    }
}

/// Profile relation `rel` (a node's output); with `sample`, a seeded sample of that many rows.
/// The profile of relation `rel` (node `node`), of every row or of a seeded sample; `all_rows`
/// gives the distributions of every row (which the cache may hold already).
pub fn profile(
    conn: &Connection,
    node: &str,
    rel: &str,
    sample: Option<u64>,
    all_rows: impl FnOnce(&[Column]) -> Result<Vec<crate::histogram::Histogram>, EngineError>,
) -> Result<Profile, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    let d = DuckDb;
    let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM {rel}"), [], |r| r.get(0)).map_err(fail)?;
    let rows = rows as u64;
    // A sample only when it is smaller than the data; reservoir sampling with a fixed seed keeps
    // re-runs identical.
    let (source, sampled_rows) = match sample {
        Some(n) if n < rows => {
            let view = d.ident(&format!("__sluice_profile_{node}"));
            conn.execute_batch(&format!(
                "CREATE OR REPLACE TEMP TABLE {view} AS SELECT * FROM {rel} USING SAMPLE reservoir({n} ROWS) REPEATABLE (42)"
            ))
            .map_err(fail)?;
            (view, Some(n))
        }
        _ => (rel.to_string(), None),
    };
    let scanned = sampled_rows.unwrap_or(rows);
    let approx = scanned > EXACT_DISTINCT_ROWS;

    let mut stmt = conn.prepare(&format!("DESCRIBE SELECT * FROM {source}")).map_err(fail)?;
    let columns: Vec<Column> = stmt
        .query_map([], |r| Ok(Column::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(fail)?
        .collect::<Result<_, _>>()
        .map_err(fail)?;

    // One scan: a struct of aggregates per column, rendered as JSON.
    let levels = QUANTILES.iter().map(|q| q.to_string()).collect::<Vec<_>>().join(", ");
    let parts: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let col = d.ident(&c.name);
            let distinct = if approx { format!("approx_count_distinct({col})") } else { format!("count(DISTINCT {col})") };
            let mut fields = vec![
                format!("'count': count({col})"),
                format!("'distinct': {distinct}"),
                format!("'min': min({col})"),
                format!("'max': max({col})"),
            ];
            if shape(c) == "numeric" {
                let x = format!("CAST({col} AS DOUBLE)");
                fields.push(format!("'mean': avg({x})"));
                fields.push(format!("'std': stddev_samp({x})"));
                if !approx {
                    fields.push(format!("'q': quantile_cont({x}, [{levels}])"));
                }
                fields.push(format!("'zeros': count_if({x} = 0)"));
                fields.push(format!("'negatives': count_if({x} < 0)"));
            }
            format!("'c{i}': {{{}}}", fields.join(", "))
        })
        .collect();
    let stats: Value = if parts.is_empty() {
        Value::Null
    } else {
        let sql = format!("SELECT CAST(to_json({{{}}}) AS VARCHAR) FROM {source}", parts.join(", "));
        let text: String = conn.query_row(&sql, [], |r| r.get(0)).map_err(fail)?;
        serde_json::from_str(&text).map_err(|e| EngineError::Node { node: node.to_string(), message: format!("profile: {e}") })?
    };
    // Large nodes: quantiles of a seeded sample, in one more (sampling) scan.
    let sampled_quantiles: Value = if approx && columns.iter().any(|c| shape(c) == "numeric") {
        let parts: Vec<String> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| shape(c) == "numeric")
            .map(|(i, c)| format!("'c{i}': quantile_cont(CAST({} AS DOUBLE), [{levels}])", d.ident(&c.name)))
            .collect();
        let sql = format!(
            "SELECT CAST(to_json({{{}}}) AS VARCHAR) FROM (SELECT * FROM {source} USING SAMPLE reservoir({QUANTILE_SAMPLE_ROWS} ROWS) REPEATABLE (42))",
            parts.join(", ")
        );
        let text: String = conn.query_row(&sql, [], |r| r.get(0)).map_err(fail)?;
        serde_json::from_str(&text).map_err(|e| EngineError::Node { node: node.to_string(), message: format!("profile: {e}") })?
    } else {
        Value::Null
    };
    let hists = if sampled_rows.is_some() { histograms(conn, node, &source, &columns)? } else { all_rows(&columns)? };
    if sampled_rows.is_some() {
        let _ = conn.execute_batch(&format!("DROP TABLE IF EXISTS {source}"));
    }

    let out = columns
        .iter()
        .zip(hists)
        .enumerate()
        .map(|(i, (c, histogram))| {
            let s = &stats[format!("c{i}")];
            let count = s["count"].as_u64().unwrap_or(0);
            let nulls = scanned - count;
            let q = if approx { &sampled_quantiles[format!("c{i}")] } else { &s["q"] };
            let quantiles = q
                .as_array()
                .map(|q| QUANTILES.iter().zip(q).filter_map(|(l, v)| v.as_f64().map(|v| (*l, v))).collect())
                .unwrap_or_default();
            ColumnProfile {
                name: c.name.clone(),
                ty: c.ty.clone(),
                shape: shape(c),
                count,
                nulls,
                null_percent: if scanned == 0 { 0.0 } else { 100.0 * nulls as f64 / scanned as f64 },
                distinct: s["distinct"].as_u64().unwrap_or(0),
                distinct_approx: approx,
                min: s["min"].clone(),
                max: s["max"].clone(),
                mean: s["mean"].as_f64(),
                std: s["std"].as_f64(),
                quantiles,
                quantiles_approx: approx && shape(c) == "numeric",
                zeros: s["zeros"].as_u64(),
                negatives: s["negatives"].as_u64(),
                histogram,
            }
        })
        .collect();
    Ok(Profile { node: node.to_string(), rows, sampled_rows, columns: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Above a million rows: distinct counts estimated, quantiles from a seeded sample (close to
    /// the exact ones, and the same on every run), histograms still over every row; a text
    /// column with many values shows exactly counted top values and the rest as "(other)".
    #[test]
    fn large_nodes_estimate_distinct_counts_and_quantiles_and_count_bins_exactly() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t AS SELECT i::DOUBLE AS x, CASE WHEN i % 3 = 0 THEN 'common' ELSE 'v' || (i % 20000) END AS label \
             FROM range(1500000) r(i)",
        )
        .unwrap();
        let all = |c: &[Column]| histograms(&conn, "t", "t", c);
        let p = profile(&conn, "t", "t", None, all).unwrap();
        let again = profile(&conn, "t", "t", None, all).unwrap();
        let x = &p.columns[0];
        assert!(x.quantiles_approx && x.distinct_approx);
        assert_eq!(x.quantiles, again.columns[0].quantiles, "a seeded sample gives the same quantiles");
        for (level, value) in &x.quantiles {
            let exact = level * 1_499_999.0;
            assert!((value - exact).abs() < 15_000.0, "quantile {level}: {value} against {exact}");
        }
        assert_eq!(x.histogram.bins.iter().map(|b| b.count).sum::<u64>(), 1_500_000);
        let label = &p.columns[1];
        assert!(!label.quantiles_approx);
        let bins = &label.histogram.bins;
        assert_eq!((bins[0].label.as_str(), bins[0].count), ("common", 500_000));
        assert_eq!(bins.last().unwrap().label, "(other)");
        assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 1_500_000);
        for b in &bins[1..bins.len() - 1] {
            let n: i64 = conn.query_row("SELECT count(*) FROM t WHERE label = ?", [&b.label], |r| r.get(0)).unwrap();
            assert_eq!(b.count, n as u64, "{} is counted exactly", b.label);
        }
    }
}
