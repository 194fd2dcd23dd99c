//! `ordinal_encode`: categories to integers 0..n-1 in sorted order (fitted on the training rows)
//! or in a given order, as scikit-learn's OrdinalEncoder with
//! `handle_unknown='use_encoded_value'`.
//!
//! This file also holds what the category encoders of this folder share (`one_hot`,
//! `frequency_encode`, `target_encode`, `hash_encode`, and `bin` for the output columns): the
//! training rows as a relation, categories matched by their text, output naming, and the lookup
//! join that applies a fitted `category → value` table.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{assemble, check_outputs, check_train_rows, literal, train_filter};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

// ---------------------------------------------------------------------------------------------
// Shared by the encoders

/// The alias of the input relation in the queries of the encoders.
pub(super) use super::feature::INPUT_ALIAS as IN;

/// The training rows of the input, as a relation aliased `__train`.
pub(super) fn train_relation(cx: &CompileCx<'_>, train_rows: Option<&str>) -> String {
    format!("(SELECT * FROM {}{}) AS __train", cx.input("input"), train_filter(cx, train_rows))
}

/// The text of a value, which categories are matched on: `CAST(expr AS VARCHAR)`.
pub(super) fn text(expr: &str) -> String {
    format!("CAST({expr} AS VARCHAR)")
}

/// Input column `col` of the aliased input.
pub(super) fn in_col(cx: &CompileCx<'_>, col: &str) -> String {
    format!("{IN}.{}", cx.ident(col))
}

/// The text a category given in the params is matched with: strings as they are, numbers as JSON
/// writes them, booleans `true`/`false` (as DuckDB casts them to VARCHAR). None for other values.
pub(super) fn category_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Check a list of categories given in the params at `path`: scalars, none twice. Returns their
/// texts.
pub(super) fn check_categories(cx: &mut CheckCx<'_>, values: &[Value], path: &str) -> Option<Vec<String>> {
    let mut ok = true;
    if values.is_empty() {
        cx.error("S027", path, "the list of categories is empty");
        ok = false;
    }
    let mut texts: Vec<String> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match category_text(v) {
            None => {
                cx.error("S040", format!("{path}[{i}]"), "a category is a string, number or boolean");
                ok = false;
            }
            Some(t) if texts.contains(&t) => {
                cx.error("S040", format!("{path}[{i}]"), format!("category '{t}' is listed twice"));
                ok = false;
            }
            Some(t) => texts.push(t),
        }
    }
    ok.then_some(texts)
}

/// A list of texts as an SQL `VARCHAR[]`.
pub(super) fn text_list(cx: &CompileCx<'_>, items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|s| cx.string(s)).collect();
    format!("CAST([{}] AS VARCHAR[])", v.join(", "))
}

/// A fitted `category → value(s)` table as a relation: the categories in state list
/// `<col>.categories` as column `__k`, zipped with the given lists as columns `__v0`, `__v1`, …
/// Each list is SQL over the state row `__st` (where `{categories}` stands for the categories)
/// with its element type.
pub(super) fn lookup_relation(cx: &CompileCx<'_>, fit: &str, col: &str, values: &[(String, &str)]) -> String {
    let cats = format!("CAST(__st.{} AS VARCHAR[])", cx.ident(&format!("{col}.categories")));
    let mut parts = vec![format!("unnest({cats}) AS __k")];
    for (i, (v, ty)) in values.iter().enumerate() {
        parts.push(format!("unnest(CAST({} AS {ty}[])) AS __v{i}", v.replace("{categories}", &cats)));
    }
    format!("(SELECT {} FROM {} AS __st)", parts.join(", "), cx.state_relation(fit))
}

/// ` LEFT JOIN <lookup> AS __m<i> ON CAST(__in.col AS VARCHAR) = __m<i>.__k`: a hash join, so a
/// large table of categories costs one pass. Unmatched rows (nulls, unseen categories) get nulls.
pub(super) fn lookup_join(cx: &CompileCx<'_>, i: usize, lookup: &str, col: &str) -> String {
    format!(" LEFT JOIN {lookup} AS __m{i} ON {} = __m{i}.__k", text(&in_col(cx, col)))
}

#[cfg(test)]
pub(super) mod testing {
    //! Contexts for the unit tests of the encoders.
    use std::path::Path;

    use indexmap::IndexMap;
    use serde_json::{Map, Value};

    use crate::catalog::{CheckCx, CompileCx, Kind};
    use crate::dialect::DuckDb;
    use crate::schema::{Column, Schema};

    pub fn schema(cols: &[(&str, &str)]) -> Schema {
        Schema::new(cols.iter().map(|(n, t)| Column::new(*n, *t)).collect())
    }

    /// Check `params` against an input of `cols`: the output schema, and each diagnostic as
    /// `code path`.
    pub fn check<K: Kind>(k: &K, params: Value, cols: &[(&str, &str)]) -> (Option<Schema>, Vec<String>) {
        let p: K::Params = match serde_json::from_value(params) {
            Ok(p) => p,
            Err(e) => return (None, vec![format!("S010 {e}")]),
        };
        let mut cx = CheckCx {
            node: "n",
            inputs: IndexMap::from([("input".to_string(), schema(cols))]),
            base_dir: Path::new("."),
            diags: Vec::new(),
        };
        let out = k.check(&p, &mut cx);
        let diags = cx.diags.iter().map(|d| format!("{} {}", d.code, d.path.as_deref().unwrap_or(""))).collect();
        (out, diags)
    }

    /// Output column names and types.
    pub fn columns(s: &Schema) -> Vec<String> {
        s.columns.iter().map(|c| format!("{} {}", c.name, c.ty)).collect()
    }

    /// (fit, compiled query) of `params` over input relation `t` with columns `cols`, with a
    /// fitted `state` when given.
    pub fn sql<K: Kind>(k: &K, params: Value, cols: &[(&str, &str)], state: Option<Value>) -> (String, String) {
        let p: K::Params = serde_json::from_value(params).unwrap();
        let state: Option<Map<String, Value>> = state.map(|s| s.as_object().unwrap().clone());
        let cx = CompileCx {
            node: "n",
            inputs: IndexMap::from([("input".to_string(), "\"t\"".to_string())]),
            schemas: IndexMap::from([("input".to_string(), schema(cols))]),
            dialect: &DuckDb,
            base_dir: Path::new("."),
            state: state.as_ref(),
            output: None,
        };
        let fit = k.fit(&p, &cx).unwrap().unwrap_or_default();
        let q = match k.compile(&p, &cx).unwrap() {
            crate::catalog::Compiled::Query(q) => q,
            other => panic!("not a query: {other:?}"),
        };
        (fit, q)
    }
}

// ---------------------------------------------------------------------------------------------
// ordinal_encode

pub struct OrdinalEncode;

/// Parameters of `ordinal_encode`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Categorical columns to encode (any type; values are matched by their text).
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// The categories of some columns in the order of their codes (column → list); the other
    /// columns get their training values in sorted order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub categories: IndexMap<String, Vec<Value>>,
    /// The code of a category not among the known ones (default -1).
    #[serde(default = "default_unknown")]
    pub unknown_value: i64,
    /// Write the codes to new columns named `<column><suffix>` and keep the originals; absent:
    /// replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

fn default_unknown() -> i64 {
    -1
}

/// The state key of a column's categories.
fn key(col: &str) -> String {
    format!("{col}.categories")
}

/// One row: for each column, its categories in code order, as text.
fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let train = train_relation(cx, p.train_rows.as_deref());
    let parts: Vec<String> = p
        .columns
        .iter()
        .map(|col| {
            let list = match p.categories.get(col) {
                Some(given) => text_list(cx, &given.iter().filter_map(category_text).collect::<Vec<_>>()),
                None => {
                    let c = cx.ident(col);
                    // Sorted by value in the column's own type (numbers numerically), as
                    // scikit-learn's np.unique; kept as text.
                    format!(
                        "(SELECT COALESCE(list({} ORDER BY __v), CAST([] AS VARCHAR[])) FROM (SELECT DISTINCT {c} AS __v FROM {train} WHERE {c} IS NOT NULL))",
                        text("__v")
                    )
                }
            };
            format!("{list} AS {}", cx.ident(&key(col)))
        })
        .collect();
    format!("SELECT {}", parts.join(", "))
}

impl Kind for OrdinalEncode {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "ordinal_encode",
            title: "Ordinal encode",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Replaces each category of `columns` by its code, a BIGINT: the position 0..n−1 of the \
                   category in the column's list of categories. The list is the distinct non-null values of \
                   the training rows in sorted order (numbers numerically, text by code point), as \
                   scikit-learn's OrdinalEncoder; or the list given for the column in `categories`, in that \
                   order. Values are matched by their text (`CAST(value AS VARCHAR)`), so give categories of \
                   a numeric column as DuckDB prints them (`3`, `2.5`). A value not in the list (unseen in \
                   training) gets `unknown_value` (default −1), as `handle_unknown='use_encoded_value'`: \
                   choose it outside 0..n−1, or unseen values share a known category's code; a null stays \
                   null (scikit-learn would treat NaN as a category). The codes replace the columns, or go to new columns `<column><suffix>`. \
                   State: `<column>.categories`, the list in code order. Fitted on the training rows: \
                   `train_rows` when given, else the rows a split step above marked `split = 'train'`, else \
                   every row; the fit goes to the spec's state file and `sluice run --state FILE` applies it \
                   instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["channel", "status"], "suffix": "_code"})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), "BIGINT", false, "encode");
        let mut ok = true;
        for (col, values) in &p.categories {
            if !p.columns.contains(col) {
                cx.error("S040", format!("categories.{col}"), format!("'{col}' is not one of the columns to encode"));
                ok = false;
            }
            ok &= check_categories(cx, values, &format!("categories.{col}")).is_some();
        }
        ok &= check_train_rows(cx, p.train_rows.as_deref());
        out.filter(|_| ok)
    }

    fn fit(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Option<String>, Unsupported> {
        Ok(Some(fit_sql(p, cx)))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let fit = fit_sql(p, cx);
        let mut joins = String::new();
        let mut exprs = Vec::new();
        for (i, col) in p.columns.iter().enumerate() {
            let lookup = lookup_relation(cx, &fit, col, &[("range(len({categories}))".to_string(), "BIGINT")]);
            joins.push_str(&lookup_join(cx, i, &lookup, col));
            let e = format!(
                "CASE WHEN {} IS NULL THEN NULL ELSE COALESCE(__m{i}.__v0, {}) END",
                in_col(cx, col),
                literal(cx.dialect, &json!(p.unknown_value))
            );
            exprs.push((col.clone(), e));
        }
        Ok(Compiled::Query(assemble(cx, &exprs, p.suffix.as_deref(), &joins)))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    const COLS: &[(&str, &str)] = &[("id", "BIGINT"), ("channel", "VARCHAR"), ("size", "INTEGER")];

    #[test]
    fn output_schema_replaces_or_adds() {
        let (s, d) = check(&OrdinalEncode, json!({"columns": ["channel", "size"]}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(columns(&s.unwrap()), ["id BIGINT", "channel BIGINT", "size BIGINT"]);
        let (s, _) = check(&OrdinalEncode, json!({"columns": ["channel"], "suffix": "_code"}), COLS);
        assert_eq!(columns(&s.unwrap()), ["id BIGINT", "channel VARCHAR", "size INTEGER", "channel_code BIGINT"]);
    }

    #[test]
    fn bad_params_name_their_path() {
        let (s, d) = check(
            &OrdinalEncode,
            json!({"columns": ["channel", "nope", "channel"], "categories": {"size": [1, [2]], "channel": ["a", "a"]}}),
            COLS,
        );
        assert!(s.is_none());
        assert_eq!(
            d,
            [
                "S020 params.columns[1]",
                "S026 params.columns[2]",
                "S040 params.categories.size",
                "S040 params.categories.size[1]",
                "S040 params.categories.channel[1]"
            ]
        );
        let (_, d) = check(&OrdinalEncode, json!({"columns": [], "suffix": ""}), COLS);
        assert_eq!(d, ["S027 params.columns", "S040 params.suffix"]);
        let (_, d) = check(&OrdinalEncode, json!({"columns": ["channel"], "suffix": "", "unknown": 1}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
        let (_, d) = check(&OrdinalEncode, json!({"columns": ["channel"], "suffix": "_code", "train_rows": "1; drop"}), COLS);
        assert_eq!(d, ["S022 params.train_rows"]);
        let (_, d) = check(&OrdinalEncode, json!({"columns": ["id"], "suffix": "", "categories": {}}), COLS);
        assert_eq!(d, ["S040 params.suffix"]);
    }

    #[test]
    fn fits_sorted_distinct_values_and_given_lists() {
        let (fit, q) = check_sql(json!({"columns": ["channel", "size"], "categories": {"size": [3, 1]}, "unknown_value": -7}));
        assert_eq!(
            fit,
            "SELECT (SELECT COALESCE(list(CAST(__v AS VARCHAR) ORDER BY __v), CAST([] AS VARCHAR[])) FROM (SELECT DISTINCT \"channel\" AS __v \
             FROM (SELECT * FROM \"t\") AS __train WHERE \"channel\" IS NOT NULL)) AS \"channel.categories\", \
             CAST(['3', '1'] AS VARCHAR[]) AS \"size.categories\""
        );
        assert!(q.starts_with("SELECT __in.* REPLACE (CASE WHEN __in.\"channel\" IS NULL THEN NULL ELSE COALESCE(__m0.__v0, CAST(-7 AS BIGINT)) END AS \"channel\""), "{q}");
        assert!(q.contains(" FROM \"t\" AS __in LEFT JOIN (SELECT unnest(CAST(__st.\"channel.categories\" AS VARCHAR[])) AS __k, unnest(CAST(range(len(CAST(__st.\"channel.categories\" AS VARCHAR[]))) AS BIGINT[])) AS __v0 FROM (SELECT "), "{q}");
        assert!(q.ends_with("AS __m1 ON CAST(__in.\"size\" AS VARCHAR) = __m1.__k"), "{q}");
    }

    #[test]
    fn applies_a_saved_state_as_literals() {
        let (_, q) = sql(&OrdinalEncode, json!({"columns": ["channel"]}), COLS, Some(json!({"channel.categories": ["app", "web"]})));
        assert!(q.contains("FROM (SELECT ['app', 'web'] AS \"channel.categories\") AS __st"), "{q}");
    }

    #[test]
    fn fits_on_the_training_rows() {
        let cols = &[("channel", "VARCHAR"), ("split", "VARCHAR")];
        let (fit, _) = sql(&OrdinalEncode, json!({"columns": ["channel"]}), cols, None);
        assert!(fit.contains("(SELECT * FROM \"t\" WHERE \"split\" = 'train') AS __train"), "{fit}");
        let (fit, _) = sql(&OrdinalEncode, json!({"columns": ["channel"], "train_rows": "id < 5"}), cols, None);
        assert!(fit.contains("(SELECT * FROM \"t\" WHERE (id < 5)) AS __train"), "{fit}");
    }

    fn check_sql(params: Value) -> (String, String) {
        sql(&OrdinalEncode, params, COLS, None)
    }
}
