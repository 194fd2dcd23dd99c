//! A drift check against the run history as a singular dbt test.
//!
//! The baseline the history holds (numeric values, or category counts) goes into the project:
//! numeric values as a seed, counts as a VALUES list. The test computes, in SQL, the distance
//! Evidently's defaults use on large references: the Wasserstein distance over the reference's
//! standard deviation for numeric columns, the Jensen–Shannon distance (natural log) for
//! categories and for numeric columns with at most five distinct values, chosen in the query as
//! `sluice run` chooses it. The check fails when the share of drifted columns reaches the
//! check's `drift_share`, as in `sluice run`. P-value tests (small references, or asked for)
//! are not expressed in SQL: such checks are left out, and named.

use std::collections::BTreeMap;

use sluice_core::catalog::check_drift::{ColumnBaseline, DriftMethod, DriftReference, DriftSpec, DriftType, OTHER_CATEGORY};
use sluice_core::dialect::Dialect;

use super::text::ref_placeholder;

/// A seed file: its name (also the model name) and CSV text.
pub struct Seed {
    pub name: String,
    pub csv: String,
}

/// The drift test's measuring query (one row, `share`, the drifted share of columns) and its
/// seeds; or why it cannot be written.
pub struct DriftSql {
    pub share_query: String,
    pub seeds: Vec<Seed>,
}

/// Write the drift test of the check whose model is `own`, against `baselines` (by column).
pub fn drift_sql(
    own: &str,
    spec: &DriftSpec,
    baselines: Option<&BTreeMap<String, ColumnBaseline>>,
    dialect: &dyn Dialect,
) -> Result<DriftSql, String> {
    if !matches!(spec.reference, DriftReference::History { .. }) {
        return Err("drift against a reference input is computed by sluice, not in SQL".into());
    }
    let Some(baselines) = baselines else {
        return Err("the run history holds no distributions of a successful run to compare with".into());
    };
    let model = ref_placeholder(own);
    let mut seeds = Vec::new();
    // Per column: its score expression, whether it is empty, and the threshold; None for a
    // column that counts as drifted whatever its values (missing from the baseline, changed kind).
    let mut scored: Vec<(String, Option<(String, String, f64)>)> = Vec::new();
    for col in &spec.columns {
        let c = &col.ident;
        let Some(baseline) = baselines.get(&col.name) else {
            // A column the baseline does not have counts as drifted, as in `sluice run`.
            scored.push((col.name.clone(), None));
            continue;
        };
        let current_values = match col.ty {
            DriftType::Temporal => format!("epoch_us({c}) / 1000000.0"),
            _ => format!("CAST({c} AS DOUBLE)"),
        };
        let numeric_current = format!(
            "(SELECT v FROM (SELECT {current_values} AS v FROM {model}) AS __t WHERE v IS NOT NULL AND NOT isnan(v) AND abs(v) <> CAST('Infinity' AS DOUBLE))"
        );
        match (baseline, col.ty) {
            (ColumnBaseline::Numeric { rows, values }, DriftType::Integer | DriftType::Float | DriftType::Temporal) => {
                if values.is_empty() {
                    scored.push((col.name.clone(), None));
                    continue;
                }
                let distinct_ref = distinct(values);
                let numeric = col.ty != DriftType::Integer || distinct_ref > 5;
                let method = method_for(col.method, *rows, numeric)?;
                let threshold = col.threshold.unwrap_or_else(|| method.unwrap_or(DriftMethod::Wasserstein).default_threshold());
                // Seed names are file names: spec text made safe, numbered when two read alike.
                let mut seed = format!("{own}__{}", super::text::safe_name(&col.name)).to_lowercase();
                let base = seed.clone();
                let mut n = 1;
                while seeds.iter().any(|s: &Seed| s.name == seed) {
                    n += 1;
                    seed = format!("{base}_{n}");
                }
                seeds.push(Seed { name: seed.clone(), csv: values_csv(values) });
                let reference = format!("(SELECT value AS v FROM {})", ref_placeholder(&seed));
                let std = sluice_core::stats::std_population(values).map_err(|e| e.to_string())?.max(0.001);
                let js = js_sql(
                    &format!("(SELECT v AS k, count(*) AS n FROM {reference} AS __r GROUP BY v)"),
                    &format!("(SELECT v AS k, count(*) AS n FROM {numeric_current} AS __c GROUP BY v)"),
                );
                let wasserstein = format!("({}) / {}", wasserstein_sql(&reference, &numeric_current), num(std));
                let empty = format!("(SELECT count(*) FROM {numeric_current} AS __c) = 0");
                let score = match method {
                    Some(DriftMethod::Wasserstein) => wasserstein,
                    Some(_) => js,
                    // Evidently's default: Jensen–Shannon when reference and input together
                    // have at most five distinct values, else Wasserstein (numeric columns).
                    None if numeric => format!(
                        "CASE WHEN (SELECT count(DISTINCT v) FROM (SELECT v FROM {reference} AS __r UNION ALL SELECT v FROM {numeric_current} AS __c) AS __u) <= 5 \
                         THEN {js} ELSE {wasserstein} END"
                    ),
                    None => js,
                };
                scored.push((col.name.clone(), Some((score, empty, threshold))));
            }
            (ColumnBaseline::Categories { rows, counts, other }, DriftType::Categorical) => {
                method_for(col.method, *rows, false)?;
                let threshold = col.threshold.unwrap_or(DriftMethod::Jensenshannon.default_threshold());
                if counts.is_empty() && *other == 0 {
                    scored.push((col.name.clone(), None));
                    continue;
                }
                let mut rows_sql: Vec<String> =
                    counts.iter().map(|(k, n)| format!("({}, CAST({n} AS BIGINT))", dialect_string(k))).collect();
                if *other > 0 {
                    rows_sql.push(format!("({}, CAST({other} AS BIGINT))", dialect_string(OTHER_CATEGORY)));
                }
                let reference = format!("(SELECT * FROM (VALUES {}) AS __v(k, n))", rows_sql.join(", "));
                let known: Vec<String> = counts.iter().map(|(k, _)| dialect_string(k)).collect();
                let key = if *other > 0 && !known.is_empty() {
                    format!("CASE WHEN CAST({c} AS VARCHAR) IN ({}) THEN CAST({c} AS VARCHAR) ELSE {} END", known.join(", "), dialect_string(OTHER_CATEGORY))
                } else if *other > 0 {
                    dialect_string(OTHER_CATEGORY)
                } else {
                    format!("CAST({c} AS VARCHAR)")
                };
                let current = format!("(SELECT {key} AS k, count(*) AS n FROM {model} WHERE {c} IS NOT NULL GROUP BY 1)");
                let empty = format!("(SELECT count(*) FROM {model} WHERE {c} IS NOT NULL) = 0");
                scored.push((col.name.clone(), Some((js_sql(&reference, &current), empty, threshold))));
            }
            // The column changed kind since the baseline: drifted, as in `sluice run`.
            _ => scored.push((col.name.clone(), None)),
        }
    }
    // One row: the drifted share, then each column's score (NULL when it counts as drifted
    // without one), so that a failing test shows which columns moved and how far.
    let mut inner = Vec::new();
    let mut flags = Vec::new();
    let mut shown = Vec::new();
    for (i, (name, s)) in scored.iter().enumerate() {
        match s {
            Some((score, empty, threshold)) => {
                inner.push(format!("{score} AS __s{i}, {empty} AS __e{i}"));
                flags.push(format!("CASE WHEN __e{i} OR __s{i} >= {} THEN 1 ELSE 0 END", num(*threshold)));
                shown.push(format!("__s{i} AS {}", dialect_ident(name)));
            }
            None => {
                flags.push("1".into());
                shown.push(format!("CAST(NULL AS DOUBLE) AS {}", dialect_ident(name)));
            }
        }
    }
    if inner.is_empty() {
        inner.push("1 AS __none".into());
    }
    let share_query = format!(
        "SELECT CAST({} AS DOUBLE) / {} AS share, {} FROM (SELECT {}) AS __scores",
        flags.join(" + "),
        flags.len().max(1),
        shown.join(", "),
        inner.join(", ")
    );
    let share_query = dialect.finish(&share_query).map_err(|e| e.to_string())?;
    Ok(DriftSql { share_query, seeds })
}

/// The method a column's test uses: given, or None for Evidently's default on a large
/// reference (a distance chosen in the query). P-value tests are refused.
fn method_for(given: Option<DriftMethod>, reference_rows: u64, numeric: bool) -> Result<Option<DriftMethod>, String> {
    match given {
        Some(m @ DriftMethod::Wasserstein) if numeric => Ok(Some(m)),
        Some(m @ DriftMethod::Jensenshannon) if !numeric => Ok(Some(m)),
        Some(m) => Err(format!("the {} test is computed by sluice, not in SQL", m.name())),
        None if reference_rows <= 1000 => Err(format!(
            "with a reference of {reference_rows} rows the default tests are p-values (K–S, chi-square, Z), computed by sluice, not in SQL"
        )),
        None => Ok(None),
    }
}

/// Jensen–Shannon distance (natural log) between two `(k, n)` count relations, over the keys of
/// either with a count, each side's counts as fractions of its total (SciPy's `jensenshannon`).
fn js_sql(reference: &str, current: &str) -> String {
    let j = format!(
        "SELECT CAST(coalesce(r.n, 0) AS DOUBLE) AS rn, CAST(coalesce(c.n, 0) AS DOUBLE) AS cn \
         FROM {reference} AS r FULL OUTER JOIN {current} AS c ON r.k = c.k"
    );
    let f = format!(
        "SELECT j.rn / t.sr AS p, j.cn / t.sc AS q FROM ({j}) AS j CROSS JOIN (SELECT sum(rn) AS sr, sum(cn) AS sc FROM ({j}) AS __j) AS t \
         WHERE j.rn > 0 OR j.cn > 0"
    );
    format!(
        "(SELECT sqrt((sum(CASE WHEN p > 0 THEN p * ln(p / ((p + q) / 2)) ELSE 0 END) \
         + sum(CASE WHEN q > 0 THEN q * ln(q / ((p + q) / 2)) ELSE 0 END)) / 2) FROM ({f}) AS __f)"
    )
}

/// First Wasserstein distance between two samples of `v` (SciPy's `wasserstein_distance`):
/// the area between their empirical distribution functions over the merged sorted values.
fn wasserstein_sql(reference: &str, current: &str) -> String {
    let merged = format!(
        "SELECT v, sum(a) AS a, sum(b) AS b FROM (SELECT v, 1 AS a, 0 AS b FROM {reference} AS __r \
         UNION ALL SELECT v, 0 AS a, 1 AS b FROM {current} AS __c) AS __u GROUP BY v"
    );
    let cdf = format!(
        "SELECT CAST(sum(a) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE) / (SELECT count(*) FROM {reference} AS __r2) AS fa, \
         CAST(sum(b) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE) / (SELECT count(*) FROM {current} AS __c2) AS fb, \
         lead(v) OVER (ORDER BY v) - v AS d FROM ({merged}) AS __m"
    );
    format!("(SELECT coalesce(sum(abs(fa - fb) * d), 0) FROM ({cdf}) AS __cdf WHERE d IS NOT NULL)")
}

fn distinct(values: &[f64]) -> usize {
    let mut v: Vec<u64> = values.iter().map(|x| if *x == 0.0 { 0 } else { x.to_bits() }).collect();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// A DuckDB string literal (the statement is translated for other dialects as a whole).
fn dialect_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A DuckDB quoted identifier.
fn dialect_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A number as SQL that reads back to the same double.
fn num(v: f64) -> String {
    format!("CAST('{v:?}' AS DOUBLE)")
}

fn values_csv(values: &[f64]) -> String {
    let mut s = String::from("value\n");
    for v in values {
        s.push_str(&format!("{v:?}\n"));
    }
    s
}
