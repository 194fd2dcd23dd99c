//! Check nodes as dbt tests, attached to the check's own model so that a failing test stops
//! exactly the models below the check.
//!
//! A check that is a standard test ([`StandardTest`]) becomes dbt's generic test of that name.
//! Every other check becomes a singular test: the check's measuring query (one row of
//! `element_count, counted, unexpected, observed`) and a `WHERE NOT (...)` that keeps the row when
//! the check's rule fails, so dbt fails the test exactly when `sluice run` fails the check. A
//! drift check's query is written by [`super::drift`] from the baseline the run history holds.

use indexmap::IndexMap;
use serde_json::Value;
use sluice_core::catalog::check::{CheckSeverity, Rule};
use sluice_core::catalog::{Compiled, StandardTest};
use sluice_core::dialect::Dialect;
use sluice_core::{Diagnostic, Plan};

use super::text::{jinja_sql, plain_identifier, ref_placeholder, safe_name, sql_comment, yaml_text, yaml_value};
use super::Options;
use crate::ExportError;

/// The tests of one check node.
pub struct CheckTests {
    pub id: String,
    /// The check's model (its pass-through view).
    pub model: String,
    pub description: String,
    pub severity: CheckSeverity,
    /// Generic tests, for schema.yml.
    pub generic: Vec<GenericTest>,
    /// Singular tests, files in `tests/`.
    pub singular: Vec<Singular>,
    /// Seeds the tests read (a drift check's baseline values).
    pub seeds: Vec<super::drift::Seed>,
}

/// A generic test on a column of the check's model.
pub struct GenericTest {
    /// The test's name in dbt (unique in the project).
    pub name: String,
    pub column: String,
    /// `not_null`, `unique`, `accepted_values` or `relationships`.
    pub test: &'static str,
    /// The test's arguments, as YAML lines (`key: value`).
    pub arguments: Vec<(String, String)>,
}

/// A singular test file.
pub struct Singular {
    pub name: String,
    pub sql: String,
}

pub enum Outcome {
    NotACheck,
    Tests(CheckTests),
    /// The check could not be exported; the warning says why.
    LeftOut(Diagnostic),
}

/// The tests of node `id`, when it is a check.
pub fn check_tests(
    plan: &Plan,
    id: &str,
    names: &IndexMap<String, String>,
    dialect: &dyn Dialect,
    opts: &Options<'_>,
) -> Result<Outcome, ExportError> {
    let node = plan.node(id)?;
    if node.kind.info().category != sluice_core::catalog::Category::Check {
        return Ok(Outcome::NotACheck);
    }
    let own = names[id].clone();
    // The check measures its own model (the pass-through view of its input), so dbt attaches the
    // test to it; a second input (a reference) is read as itself.
    let input_up = node.inputs.get("input").cloned();
    let relation = |up: &str| {
        if Some(up) == input_up.as_deref() {
            ref_placeholder(&own)
        } else {
            ref_placeholder(names.get(up).map(String::as_str).unwrap_or(up))
        }
    };
    let Compiled::Check(check) = plan.compile_node(id, dialect, &relation)? else {
        return Ok(Outcome::NotACheck);
    };
    let kind = node.kind.info().id;
    let mut out = CheckTests {
        id: id.to_string(),
        model: own.clone(),
        description: check.description.clone(),
        severity: check.severity,
        generic: Vec::new(),
        singular: Vec::new(),
        seeds: Vec::new(),
    };
    if let Some(standard) = node.kind.standard_test(&node.params) {
        out.generic = generic(&own, &standard, node.inputs.get("reference").map(|r| names[r].as_str()), opts.target);
        return Ok(Outcome::Tests(out));
    }
    // The query that measures the check (one row), and when that row passes.
    let mut query = check.metrics.clone();
    let passes = match &check.rule {
        Rule::Mostly(m) if *m >= 1.0 => "unexpected = 0".to_string(),
        Rule::Mostly(m) => format!(
            "counted = 0 OR CAST(counted - unexpected AS DOUBLE) >= {} * CAST(counted AS DOUBLE) - 1e-9",
            num(*m)
        ),
        Rule::Range { min, max, strict_min, strict_max } => {
            let mut parts = vec!["observed IS NOT NULL".to_string()];
            if let Some(v) = min {
                parts.push(format!("observed {} {}", if *strict_min { ">" } else { ">=" }, num(*v)));
            }
            if let Some(v) = max {
                parts.push(format!("observed {} {}", if *strict_max { "<" } else { "<=" }, num(*v)));
            }
            parts.join(" AND ")
        }
        Rule::ChangeFromPrevious { max_change } => match opts.baselines.get(id) {
            Some(0) => "element_count = 0".to_string(),
            Some(prev) => format!(
                "abs((CAST(element_count AS DOUBLE) - {prev}) / {prev}) <= {} + 1e-12",
                num(*max_change)
            ),
            None => {
                return Ok(Outcome::LeftOut(
                    Diagnostic::warning(
                        "X020",
                        format!("check '{id}' ({kind}) is left out: the run history holds no successful run to compare the row count with"),
                    )
                    .node(id)
                    .help("run the pipeline once with its history kept, then export again"),
                ))
            }
        },
        Rule::Drift(spec) => {
            let drift = match super::drift::drift_sql(&own, spec, opts.drift_baselines.get(id), dialect) {
                Ok(d) => d,
                Err(why) => {
                    return Ok(Outcome::LeftOut(
                        Diagnostic::warning("X021", format!("check '{id}' ({kind}) is left out: {why}"))
                            .node(id)
                            .help("keep measuring drift with `sluice run` on the same data"),
                    ))
                }
            };
            out.seeds = drift.seeds;
            query = drift.share_query;
            format!("share < {}", num(spec.drift_share))
        }
    };
    let severity = match check.severity {
        CheckSeverity::Error => "error",
        CheckSeverity::Warn => "warn",
    };
    // The rule names the measures unqualified, as the dialect spells them.
    let passes = dialect.finish_expr(&passes).map_err(|e| ExportError::Unsupported {
        dialect: opts.target.name(),
        nodes: vec![Diagnostic::error("X011", format!("the pass rule of check '{id}': {e}")).node(id)],
    })?;
    let threshold = check.threshold.clone().unwrap_or_else(|| check.rule.threshold());
    let sql = format!(
        "-- {id} ({kind}): {}\n-- fails unless: {}\n{{{{ config(severity='{severity}', meta={{'sluice_check': '{id}'}}) }}}}\n\n\
         SELECT * FROM (\n{}\n) AS m\nWHERE NOT ({})\n",
        sql_comment(&check.description),
        sql_comment(&threshold),
        jinja_sql(query.trim(), None),
        jinja_sql(&passes, None),
    );
    out.singular.push(Singular { name: own.clone(), sql });
    Ok(Outcome::Tests(out))
}

fn generic(model: &str, standard: &StandardTest, reference: Option<&str>, target: super::Target) -> Vec<GenericTest> {
    match standard {
        StandardTest::NotNull { columns } => {
            // Test names are unique in a project: columns whose names read alike get a number.
            let mut taken = std::collections::HashSet::new();
            columns
                .iter()
                .map(|c| {
                    let mut name = format!("{model}__not_null__{}", safe_name(c));
                    let mut n = 1;
                    while !taken.insert(name.to_lowercase()) {
                        n += 1;
                        name = format!("{model}__not_null__{}_{n}", safe_name(c));
                    }
                    GenericTest { name, column: c.clone(), test: "not_null", arguments: vec![] }
                })
                .collect()
        }
        StandardTest::Unique { column } => vec![GenericTest {
            name: format!("{model}__unique__{}", safe_name(column)),
            column: column.clone(),
            test: "unique",
            arguments: vec![],
        }],
        StandardTest::AcceptedValues { column, values } => {
            // Strings are quoted by dbt; numbers and booleans are compared unquoted.
            let quote = values.iter().all(Value::is_string);
            let list: Vec<String> = values.iter().map(yaml_value).collect();
            vec![GenericTest {
                name: format!("{model}__accepted_values__{}", safe_name(column)),
                column: column.clone(),
                test: "accepted_values",
                arguments: vec![("values".into(), format!("[{}]", list.join(", "))), ("quote".into(), quote.to_string())],
            }]
        }
        StandardTest::Relationships { column, reference_column } => vec![GenericTest {
            name: format!("{model}__relationships__{}", safe_name(column)),
            column: column.clone(),
            test: "relationships",
            arguments: vec![
                ("to".into(), format!("ref('{}')", reference.unwrap_or(model))),
                // dbt pastes the field into its SQL as it is: quoted where Snowflake would fold it
                // to upper case, or where it is not an identifier.
                ("field".into(), yaml_text(&match target {
                    super::Target::Snowflake | super::Target::Postgres => {
                        format!("\"{}\"", reference_column.replace('"', "\"\""))
                    }
                    super::Target::DuckDb if !plain_identifier(reference_column) => {
                        format!("\"{}\"", reference_column.replace('"', "\"\""))
                    }
                    super::Target::Spark if !plain_identifier(reference_column) => {
                        format!("`{}`", reference_column.replace('`', "``"))
                    }
                    _ => reference_column.clone(),
                })),
            ],
        }],
    }
}

/// A number as SQL: the shortest text that reads back to the same f64.
fn num(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('e') {
        format!("CAST('{s}' AS DOUBLE)")
    } else {
        s
    }
}
