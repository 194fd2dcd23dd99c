//! `check_schema`: the input has the expected columns, of the expected types.
//!
//! Unlike the other checks this one looks at the input's columns, not its rows. The columns are
//! known when the plan is compiled (the engine binds every node's SQL while planning), so the
//! differences are worked out then; they go into the measuring query as a table of literals, one
//! row per column compared, so the counts and the samples are computed like any other check's.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_samples, CheckSeverity, CheckSql, Finding, FindingLevel, Rule};
use super::common::{valid_type_name, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Schema, UNKNOWN};

pub struct CheckSchema;

/// What a kind of difference does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Fail the check (a `fail` or `warn` status, by `severity`).
    Fail,
    /// Never fail the check, but give it the status `warn`, whatever its severity.
    Warn,
    /// Do not report it.
    Ignore,
}

fn policy_fail() -> Policy {
    Policy::Fail
}

fn policy_warn() -> Policy {
    Policy::Warn
}

/// Parameters of `check_schema`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Expected column name to expected type, e.g. `{"order_id": "BIGINT", "amount": "DECIMAL(12,2)"}`.
    /// Names match exactly; types match case-insensitively and through DuckDB's aliases (INT is
    /// INTEGER, INT8 is BIGINT, FLOAT8 is DOUBLE, TEXT is VARCHAR, ...).
    #[schemars(extend("x-sluice-widget" = "column-types"))]
    pub columns: IndexMap<String, String>,
    /// An expected column the input lacks: `fail` (default), `warn` or `ignore`.
    #[serde(default = "policy_fail")]
    pub on_missing: Policy,
    /// An input column that is not expected: `fail`, `warn` (default) or `ignore`.
    #[serde(default = "policy_warn")]
    pub on_extra: Policy,
    /// A column of another type than expected: `fail` (default), `warn` or `ignore`.
    #[serde(default = "policy_fail")]
    pub on_type_change: Policy,
    /// `error` stops everything downstream when a `fail` difference is found; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Failing differences kept as samples (one row per column).
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Kind for CheckSchema {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_schema",
            title: "Check: schema",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and compares its columns with `columns`, a map of expected names \
                   to types (a data contract; Great Expectations' `expect_table_columns_to_match_set` with \
                   column types). Each kind of difference has a policy: a missing column (`on_missing`, \
                   default `fail`), an unexpected extra column (`on_extra`, default `warn`) and another type \
                   (`on_type_change`, default `fail`). A `fail` difference fails the check; a `warn` one \
                   gives it the status `warn` even when its severity is `error`, and never stops the run; \
                   `ignore` leaves it out. Types compare case-insensitively and through DuckDB's aliases \
                   (INT = INTEGER, INT8 = BIGINT, FLOAT8 = DOUBLE, TEXT = VARCHAR, NUMERIC = DECIMAL, \
                   DECIMAL = DECIMAL(18,3)). The observed value is the number of `fail` differences; \
                   `unexpected_percent` is over the columns compared (expected and actual together); the \
                   samples list the failing differences.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": {"order_id": "BIGINT", "amount": "DECIMAL(12,2)", "ordered_at": "TIMESTAMP"}, "on_extra": "ignore"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if p.columns.is_empty() {
            cx.error("S042", "columns", "list at least one expected column");
            ok = false;
        }
        for (name, ty) in &p.columns {
            if !valid_type_name(ty) {
                cx.error("S025", format!("columns.{name}"), format!("'{ty}' is not a SQL type name"));
                ok = false;
            }
        }
        ok &= check_common(cx, None, p.samples);
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let diffs = compare(p, &cx.schema("input"));
        let text = |v: &Option<String>| v.as_deref().map_or("NULL".to_string(), |s| cx.string(s));
        let rows: Vec<String> = diffs
            .iter()
            .map(|d| {
                format!(
                    "({}, {}, {}, {}, {})",
                    cx.string(&d.column),
                    text(&d.expected),
                    text(&d.actual),
                    text(&d.difference.map(|k| k.name().to_string())),
                    text(&d.policy.map(|p| policy_name(p).to_string())),
                )
            })
            .collect();
        let table = format!(
            "(VALUES {}) AS __schema(column_name, expected_type, actual_type, difference, policy)",
            rows.join(", ")
        );
        let findings: Vec<Finding> = diffs
            .iter()
            .filter_map(|d| {
                let level = match d.policy? {
                    Policy::Fail => FindingLevel::Fail,
                    Policy::Warn => FindingLevel::Warn,
                    Policy::Ignore => return None,
                };
                Some(Finding { level, text: d.text() })
            })
            .collect();
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT (SELECT count(*) FROM {input}) AS element_count, count(*) AS counted, \
                 count(*) FILTER (WHERE policy = 'fail') AS unexpected, \
                 CAST(count(*) FILTER (WHERE policy = 'fail') AS DOUBLE) AS observed FROM {table}"
            ),
            failing: Some(format!(
                "SELECT column_name, expected_type, actual_type, difference FROM {table} WHERE policy = 'fail'"
            )),
            rule: Rule::Range { min: None, max: Some(0.0), strict_min: false, strict_max: false },
            severity: p.severity,
            description: format!(
                "schema matches {} expected column{}",
                p.columns.len(),
                if p.columns.len() == 1 { "" } else { "s" }
            ),
            samples: p.samples,
            threshold: Some("no difference with policy fail".into()),
            findings,
        }))
    }
}

fn policy_name(p: Policy) -> &'static str {
    match p {
        Policy::Fail => "fail",
        Policy::Warn => "warn",
        Policy::Ignore => "ignore",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DiffKind {
    Missing,
    Extra,
    Type,
}

impl DiffKind {
    fn name(self) -> &'static str {
        match self {
            DiffKind::Missing => "missing",
            DiffKind::Extra => "extra",
            DiffKind::Type => "type",
        }
    }
}

/// One column compared: expected columns first, in the order given, then the extra ones.
#[derive(Debug, Clone, PartialEq)]
struct Compared {
    column: String,
    expected: Option<String>,
    actual: Option<String>,
    difference: Option<DiffKind>,
    /// The policy of the difference; `None` when there is none.
    policy: Option<Policy>,
}

impl Compared {
    fn text(&self) -> String {
        let (e, a) = (self.expected.as_deref().unwrap_or(""), self.actual.as_deref().unwrap_or(""));
        match self.difference {
            Some(DiffKind::Missing) => format!("missing column '{}' (expected {e})", self.column),
            Some(DiffKind::Extra) => format!("extra column '{}' ({a})", self.column),
            Some(DiffKind::Type) => format!("column '{}' is {a}, expected {e}", self.column),
            None => format!("column '{}' as expected", self.column),
        }
    }
}

fn compare(p: &Params, actual: &Schema) -> Vec<Compared> {
    let mut out = Vec::new();
    for (name, ty) in &p.columns {
        let expected = Some(ty.trim().to_string());
        let (actual_ty, difference, policy) = match actual.get(name) {
            None => (None, Some(DiffKind::Missing), Some(p.on_missing)),
            // A type not known (no describer) is not compared.
            Some(c) if c.ty == UNKNOWN || canonical_type(&c.ty) == canonical_type(ty) => (Some(c.ty.clone()), None, None),
            Some(c) => (Some(c.ty.clone()), Some(DiffKind::Type), Some(p.on_type_change)),
        };
        out.push(Compared { column: name.clone(), expected, actual: actual_ty, difference, policy });
    }
    for c in &actual.columns {
        if !p.columns.contains_key(&c.name) {
            out.push(Compared {
                column: c.name.clone(),
                expected: None,
                actual: Some(c.ty.clone()),
                difference: Some(DiffKind::Extra),
                policy: Some(p.on_extra),
            });
        }
    }
    out
}

/// A type name in DuckDB's own spelling, for comparing: upper case, single spaces, no spaces in
/// parentheses, aliases resolved (`int8` → `BIGINT`, `numeric(10, 2)` → `DECIMAL(10,2)`).
pub fn canonical_type(t: &str) -> String {
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ").to_uppercase();
    if let Some(inner) = t.strip_suffix("[]") {
        return format!("{}[]", canonical_type(inner));
    }
    let (base, args) = match t.find('(') {
        Some(i) if t.ends_with(')') => (t[..i].trim().to_string(), Some(t[i + 1..t.len() - 1].replace(' ', ""))),
        _ => (t.clone(), None),
    };
    let name = match base.as_str() {
        "INT" | "INT4" | "INTEGER" | "SIGNED" => "INTEGER",
        "INT8" | "BIGINT" | "LONG" => "BIGINT",
        "INT2" | "SMALLINT" | "SHORT" => "SMALLINT",
        "INT1" | "TINYINT" => "TINYINT",
        "INT128" | "HUGEINT" => "HUGEINT",
        "UINT8" | "UTINYINT" => "UTINYINT",
        "UINT16" | "USMALLINT" => "USMALLINT",
        "UINT32" | "UINTEGER" => "UINTEGER",
        "UINT64" | "UBIGINT" => "UBIGINT",
        "UINT128" | "UHUGEINT" => "UHUGEINT",
        "FLOAT8" | "DOUBLE" | "DOUBLE PRECISION" => "DOUBLE",
        "FLOAT4" | "FLOAT" | "REAL" => "FLOAT",
        "BOOL" | "BOOLEAN" | "LOGICAL" => "BOOLEAN",
        // DuckDB ignores a length on strings.
        "VARCHAR" | "CHAR" | "BPCHAR" | "TEXT" | "STRING" | "NVARCHAR" | "CHARACTER VARYING" | "CHARACTER" => {
            return "VARCHAR".into()
        }
        "BLOB" | "BYTEA" | "BINARY" | "VARBINARY" => "BLOB",
        "BIT" | "BITSTRING" => "BIT",
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP_US" => "TIMESTAMP",
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => "TIMESTAMP WITH TIME ZONE",
        "TIME" | "TIME WITHOUT TIME ZONE" => "TIME",
        "TIMETZ" | "TIME WITH TIME ZONE" => "TIME WITH TIME ZONE",
        "DECIMAL" | "NUMERIC" => {
            let mut parts = args.as_deref().unwrap_or("18,3").split(',').map(str::to_string).collect::<Vec<_>>();
            if parts.len() == 1 {
                parts.push("0".into());
            }
            return format!("DECIMAL({})", parts.join(","));
        }
        other => other,
    };
    match args {
        Some(a) => format!("{name}({a})"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;

    #[test]
    fn aliases_compare_equal() {
        for (a, b) in [
            ("int", "INTEGER"),
            ("INT8", "bigint"),
            ("float8", "DOUBLE"),
            ("double precision", "DOUBLE"),
            ("real", "FLOAT"),
            ("text", "VARCHAR"),
            ("varchar(20)", "VARCHAR"),
            ("bool", "BOOLEAN"),
            ("numeric(12, 2)", "DECIMAL(12,2)"),
            ("decimal", "DECIMAL(18,3)"),
            ("decimal(10)", "DECIMAL(10,0)"),
            ("timestamptz", "TIMESTAMP WITH TIME ZONE"),
            ("datetime", "timestamp"),
            ("int[]", "INTEGER[]"),
        ] {
            assert_eq!(canonical_type(a), canonical_type(b), "{a} vs {b}");
        }
        assert_ne!(canonical_type("INTEGER"), canonical_type("BIGINT"));
        assert_ne!(canonical_type("DECIMAL(12,2)"), canonical_type("DECIMAL(12,3)"));
        assert_ne!(canonical_type("TIMESTAMP"), canonical_type("TIMESTAMPTZ"));
    }

    #[test]
    fn differences_in_order_with_policies() {
        let p: Params = serde_json::from_value(json!({
            "columns": {"id": "int8", "amount": "DECIMAL(12,2)", "gone": "DATE", "name": "text"},
            "on_type_change": "warn"
        }))
        .unwrap();
        let actual = Schema::new(vec![
            Column::new("id", "BIGINT"),
            Column::new("name", "VARCHAR"),
            Column::new("amount", "DOUBLE"),
            Column::new("note", "VARCHAR"),
        ]);
        let got: Vec<(String, Option<DiffKind>, Option<Policy>)> =
            compare(&p, &actual).into_iter().map(|c| (c.column, c.difference, c.policy)).collect();
        assert_eq!(
            got,
            vec![
                ("id".into(), None, None),
                ("amount".into(), Some(DiffKind::Type), Some(Policy::Warn)),
                ("gone".into(), Some(DiffKind::Missing), Some(Policy::Fail)),
                ("name".into(), None, None),
                ("note".into(), Some(DiffKind::Extra), Some(Policy::Warn)),
            ]
        );
    }
}
