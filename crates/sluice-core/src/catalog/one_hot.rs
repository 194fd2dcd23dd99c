//! `one_hot`: one INTEGER 0/1 indicator column per category of a column: the `top_k` most
//! frequent categories of the training rows (columns named by rank, so the output schema is
//! known before fitting), or the categories listed in the params (columns named after them),
//! plus an `other` indicator.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::check_train_rows;
use super::ordinal_encode::{category_text, check_categories, in_col, text, text_list, train_relation, IN};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct OneHot;

/// Default number of ranked categories.
const DEFAULT_TOP_K: u32 = 10;
/// The most indicator columns a ranked encoding adds.
const MAX_TOP_K: u32 = 1000;

/// Parameters of `one_hot`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The categorical column (any type; values are matched by their text).
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub column: String,
    /// Number of most frequent training categories that get an indicator, named `<prefix>_1`
    /// (most frequent) … `<prefix>_<top_k>` (default 10). Not with `categories`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub top_k: Option<u32>,
    /// The categories that get an indicator, named `<prefix>_<category>` (the category with
    /// every run of characters other than letters, digits and `_` written `_`). Nothing is
    /// fitted then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<Value>>,
    /// Start of the indicator column names (default: the column's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Add `<prefix>_null`, 1 where the value is null (without it a null has all indicators 0).
    #[serde(default, skip_serializing_if = "super::common::is_false")]
    pub null_indicator: bool,
    /// Leave the original column out of the output.
    #[serde(default, skip_serializing_if = "super::common::is_false")]
    pub drop_original: bool,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

/// The state key: the categories in indicator order.
const STATE_KEY: &str = "categories";

/// A category as part of a column name: runs of characters other than letters, digits and `_`
/// become one `_`, leading and trailing ones are dropped.
pub fn sanitize(category: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for ch in category.chars() {
        if ch.is_alphanumeric() || ch == '_' {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(ch);
        } else {
            gap = true;
        }
    }
    out
}

fn prefix(p: &Params) -> &str {
    p.prefix.as_deref().unwrap_or(&p.column)
}

/// The indicator columns, in order: (name, what it marks).
enum Indicator {
    /// The category at this 1-based position of the state list.
    Rank(usize),
    /// This category (its text).
    Named(String),
    Other,
    Null,
}

fn indicators(p: &Params) -> Vec<(String, Indicator)> {
    let pre = prefix(p);
    let mut out: Vec<(String, Indicator)> = match &p.categories {
        Some(cats) => cats
            .iter()
            .filter_map(category_text)
            .map(|t| (format!("{pre}_{}", sanitize(&t)), Indicator::Named(t)))
            .collect(),
        None => (1..=p.top_k.unwrap_or(DEFAULT_TOP_K) as usize).map(|i| (format!("{pre}_{i}"), Indicator::Rank(i))).collect(),
    };
    out.push((format!("{pre}_other"), Indicator::Other));
    if p.null_indicator {
        out.push((format!("{pre}_null"), Indicator::Null));
    }
    out
}

fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let list = match &p.categories {
        Some(cats) => text_list(cx, &cats.iter().filter_map(category_text).collect::<Vec<_>>()),
        None => {
            let c = cx.ident(&p.column);
            let train = train_relation(cx, p.train_rows.as_deref());
            // Most frequent first; ties by value in the column's own type.
            format!(
                "(SELECT COALESCE(list({} ORDER BY __n DESC, __v), CAST([] AS VARCHAR[])) FROM (SELECT {c} AS __v, count(*) AS __n \
                 FROM {train} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY __n DESC, __v LIMIT {}))",
                text("__v"),
                p.top_k.unwrap_or(DEFAULT_TOP_K)
            )
        }
    };
    format!("SELECT {list} AS {}", cx.ident(STATE_KEY))
}

impl Kind for OneHot {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "one_hot",
            title: "One-hot encode",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds INTEGER 0/1 indicator columns for the categories of `column`, after the input's columns. \
                   By default the `top_k` (10) most frequent non-null values of the training rows get one each, \
                   named by rank so that the output columns are known before fitting: `<prefix>_1` marks the \
                   most frequent category, `<prefix>_2` the next, ties going to the smaller value (numbers \
                   numerically, text by code point); with fewer categories than `top_k` the last indicators \
                   are always 0. The state `categories` lists the fitted categories in rank order (the \
                   category of `<prefix>_<i>` is its i-th item). With `categories` given, each listed \
                   category gets `<prefix>_<category>` (runs of characters other than letters, digits and `_` \
                   written `_`) and nothing is fitted. `<prefix>_other` is 1 for any other non-null value, \
                   including values never seen in training; a null has every indicator 0, or 1 in \
                   `<prefix>_null` with `null_indicator`. Values are matched by their text \
                   (`CAST(value AS VARCHAR)`), so give categories of a numeric column as DuckDB prints them. \
                   `prefix` defaults to the column's name; `drop_original` leaves the column out. Equals \
                   scikit-learn's OneHotEncoder(categories=[the fitted list], handle_unknown='ignore') plus \
                   the `other` column. Fitted on the training rows: `train_rows` when given, else the rows a \
                   split step above marked `split = 'train'`, else every row; the fit goes to the spec's \
                   state file and `sluice run --state FILE` applies it instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "channel", "top_k": 3})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = cx.require_column("input", &p.column, "column").is_some();
        match (&p.categories, p.top_k) {
            (Some(_), Some(_)) => {
                cx.error("S028", "top_k", "give either top_k or categories");
                ok = false;
            }
            (None, Some(k)) if k == 0 || k > MAX_TOP_K => {
                cx.error(
                    "S040",
                    "top_k",
                    format!("top_k is from 1 to {MAX_TOP_K}, not {k}; for more categories use frequency_encode, target_encode or hash_encode"),
                );
                ok = false;
            }
            _ => {}
        }
        if let Some(cats) = &p.categories {
            match check_categories(cx, cats, "categories") {
                Some(texts) => {
                    for (i, t) in texts.iter().enumerate() {
                        if sanitize(t).is_empty() {
                            cx.error("S040", format!("categories[{i}]"), format!("category '{t}' has no letter or digit to name its column"));
                            ok = false;
                        }
                    }
                }
                None => ok = false,
            }
        }
        if p.prefix.as_deref() == Some("") {
            cx.error("S040", "prefix", "prefix is empty: leave it out to use the column's name");
            ok = false;
        }
        let mut out = cx.input("input");
        if p.drop_original {
            out.columns.retain(|c| c.name != p.column);
        }
        if ok {
            let inputs = out.columns.len();
            let all = indicators(p);
            let mut added = Vec::new();
            for (k, (name, ind)) in all.iter().enumerate() {
                // DuckDB's column names ignore case.
                if let Some(j) = out.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name)) {
                    // Blame the listed category that repeats a name, else the prefix.
                    let path = match (ind, j >= inputs) {
                        (Indicator::Named(_), true) => format!("categories[{k}]"),
                        (_, true) => format!("categories[{}]", added[j - inputs]),
                        _ => "prefix".to_string(),
                    };
                    cx.error("S026", &path, format!("column '{name}' exists already"));
                    ok = false;
                    continue;
                }
                out.columns.push(Column::new(name.clone(), "INTEGER"));
                added.push(k);
            }
        }
        ok &= check_train_rows(cx, p.train_rows.as_deref());
        ok.then_some(out)
    }

    fn fit(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Option<String>, Unsupported> {
        Ok(Some(fit_sql(p, cx)))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let c = in_col(cx, &p.column);
        let v = text(&c);
        // Ranked: the fitted list, from the state row joined once (or, from a state file, as
        // literals, which every engine reads the same); listed: the params.
        let fitted: Option<Vec<String>> = cx
            .state
            .and_then(|s| s.get(STATE_KEY))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(category_text).collect());
        let (known, from_state) = match (&p.categories, &fitted) {
            (Some(cats), _) => (text_list(cx, &cats.iter().filter_map(category_text).collect::<Vec<_>>()), String::new()),
            (None, Some(cats)) => (text_list(cx, cats), String::new()),
            (None, None) => (
                format!("CAST(__s.{} AS VARCHAR[])", cx.ident(STATE_KEY)),
                format!(" CROSS JOIN {} AS __s", cx.state_relation(&fit_sql(p, cx))),
            ),
        };
        let cols: Vec<String> = indicators(p)
            .into_iter()
            .map(|(name, ind)| {
                let cond = match ind {
                    Indicator::Rank(i) => match &fitted {
                        // Fewer categories than ranks: the indicator is never set.
                        Some(cats) => cats.get(i - 1).map(|t| format!("{v} = {}", cx.string(t))).unwrap_or_else(|| "false".into()),
                        None => format!("{v} = {known}[{i}]"),
                    },
                    Indicator::Named(t) => format!("{v} = {}", cx.string(&t)),
                    Indicator::Other => format!("{c} IS NOT NULL AND NOT list_contains({known}, {v})"),
                    Indicator::Null => format!("{c} IS NULL"),
                };
                format!("CASE WHEN {cond} THEN 1 ELSE 0 END AS {}", cx.ident(&name))
            })
            .collect();
        let star = if p.drop_original {
            cx.dialect.select_exclude(Some(IN), &cx.input_columns("input"), std::slice::from_ref(&p.column))
        } else {
            format!("{IN}.*")
        };
        Ok(Compiled::Query(format!("SELECT {star}, {} FROM {} AS {IN}{from_state}", cols.join(", "), cx.input("input"))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ordinal_encode::testing::*;
    use super::*;

    const COLS: &[(&str, &str)] = &[("id", "BIGINT"), ("channel", "VARCHAR"), ("channel_other", "VARCHAR")];

    #[test]
    fn sanitizes_names() {
        assert_eq!(sanitize("Home & Kitchen"), "Home_Kitchen");
        assert_eq!(sanitize("  a-b_c "), "a_b_c");
        assert_eq!(sanitize("Zürich"), "Zürich");
        assert_eq!(sanitize("2.5"), "2_5");
        assert_eq!(sanitize("--"), "");
    }

    #[test]
    fn ranked_columns_are_known_before_fitting() {
        let (s, d) = check(&OneHot, json!({"column": "channel", "top_k": 2, "prefix": "ch", "null_indicator": true}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            columns(&s.unwrap())[3..],
            ["ch_1 INTEGER", "ch_2 INTEGER", "ch_other INTEGER", "ch_null INTEGER"]
        );
        let (s, _) = check(&OneHot, json!({"column": "id", "drop_original": true}), COLS);
        let s = columns(&s.unwrap());
        assert_eq!(s.len(), 2 + 11);
        assert_eq!((s[0].as_str(), s[2].as_str(), s[12].as_str()), ("channel VARCHAR", "id_1 INTEGER", "id_other INTEGER"));
    }

    #[test]
    fn named_columns() {
        let (s, d) = check(&OneHot, json!({"column": "id", "categories": ["web shop", 3, true]}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(columns(&s.unwrap())[3..], ["id_web_shop INTEGER", "id_3 INTEGER", "id_true INTEGER", "id_other INTEGER"]);
    }

    #[test]
    fn bad_params_name_their_path() {
        let (s, d) = check(&OneHot, json!({"column": "channel"}), COLS);
        assert!(s.is_none());
        assert_eq!(d, ["S026 params.prefix"]);
        let (_, d) = check(&OneHot, json!({"column": "chanel", "top_k": 0, "prefix": ""}), COLS);
        assert_eq!(d, ["S020 params.column", "S040 params.top_k", "S040 params.prefix"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "top_k": 3, "categories": ["a"]}), COLS);
        assert_eq!(d, ["S028 params.top_k"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "categories": ["a b", "a-b", "?", null]}), COLS);
        assert_eq!(d, ["S040 params.categories[3]"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "categories": ["a b", "a-b", "?"]}), COLS);
        assert_eq!(d, ["S040 params.categories[2]"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "categories": ["a b", "a-b"]}), COLS);
        assert_eq!(d, ["S026 params.categories[1]"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "categories": ["Web", "web"]}), COLS);
        assert_eq!(d, ["S026 params.categories[1]"]);
        let (_, d) = check(&OneHot, json!({"column": "channel", "categories": ["x"], "prefix": "Channel", "drop_original": true}), COLS);
        assert_eq!(d, ["S026 params.prefix"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "top_k": 1001}), COLS);
        assert_eq!(d, ["S040 params.top_k"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "categories": []}), COLS);
        assert_eq!(d, ["S027 params.categories"]);
        let (_, d) = check(&OneHot, json!({"column": "id", "top_k": -1}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
    }

    #[test]
    fn fits_the_most_frequent_and_compiles_indicators() {
        let (fit, q) = sql(&OneHot, json!({"column": "channel", "top_k": 2, "prefix": "ch", "null_indicator": true}), COLS, None);
        assert_eq!(
            fit,
            "SELECT (SELECT COALESCE(list(CAST(__v AS VARCHAR) ORDER BY __n DESC, __v), CAST([] AS VARCHAR[])) FROM (SELECT \"channel\" AS __v, \
             count(*) AS __n FROM (SELECT * FROM \"t\") AS __train WHERE \"channel\" IS NOT NULL GROUP BY \"channel\" ORDER BY __n DESC, __v LIMIT 2)) \
             AS \"categories\""
        );
        let (_, q2) = sql(
            &OneHot,
            json!({"column": "channel", "top_k": 2, "prefix": "ch", "null_indicator": true, "drop_original": true}),
            COLS,
            Some(json!({"categories": ["web", "it's"]})),
        );
        // A state file's categories are literals: every engine reads them the same.
        assert_eq!(
            q2,
            "SELECT __in.* EXCLUDE (\"channel\"), \
             CASE WHEN CAST(__in.\"channel\" AS VARCHAR) = 'web' THEN 1 ELSE 0 END AS \"ch_1\", \
             CASE WHEN CAST(__in.\"channel\" AS VARCHAR) = 'it''s' THEN 1 ELSE 0 END AS \"ch_2\", \
             CASE WHEN __in.\"channel\" IS NOT NULL AND NOT list_contains(CAST(['web', 'it''s'] AS VARCHAR[]), CAST(__in.\"channel\" AS VARCHAR)) \
             THEN 1 ELSE 0 END AS \"ch_other\", CASE WHEN __in.\"channel\" IS NULL THEN 1 ELSE 0 END AS \"ch_null\" FROM \"t\" AS __in"
        );
        let (_, q3) = sql(&OneHot, json!({"column": "channel", "top_k": 3}), COLS, Some(json!({"categories": ["web"]})));
        assert!(q3.contains("CASE WHEN false THEN 1 ELSE 0 END AS \"channel_3\""), "{q3}");
        assert!(q.ends_with(&format!("FROM \"t\" AS __in CROSS JOIN ({fit}) AS __s")), "{q}");
    }

    #[test]
    fn listed_categories_need_no_data() {
        let (fit, q) = sql(&OneHot, json!({"column": "id", "categories": [1, 2]}), COLS, None);
        assert_eq!(fit, "SELECT CAST(['1', '2'] AS VARCHAR[]) AS \"categories\"");
        assert!(q.contains("CASE WHEN CAST(__in.\"id\" AS VARCHAR) = '2' THEN 1 ELSE 0 END AS \"id_2\""), "{q}");
        assert!(q.ends_with("FROM \"t\" AS __in"), "{q}");
    }
}
