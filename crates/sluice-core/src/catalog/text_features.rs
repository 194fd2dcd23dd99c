//! `text_features`: numeric and boolean features of a text column: its length, its word count,
//! regular-expression flags, and token counts hashed into a fixed number of buckets.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{is_false, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct TextFeatures;

/// The most hash buckets a node may ask for.
pub const MAX_BUCKETS: u32 = 1024;

/// Characters Python's `str.split()` splits on (those for which `str.isspace()` is true), as an
/// RE2 character class body.
pub const PY_WHITESPACE: &str =
    r"\x{09}-\x{0d}\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}";

/// A token: a run of Unicode letters and digits.
pub const TOKEN: &str = r"[\p{L}\p{N}]+";

/// The helper column holding each row's token buckets between the two SELECTs.
const BUCKETS: &str = "__sluice_buckets";

/// Parameters of `text_features`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The text (VARCHAR) column.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub column: String,
    /// Add `<prefix>length`: the number of characters (Unicode code points).
    #[serde(default, skip_serializing_if = "is_false")]
    pub length: bool,
    /// Add `<prefix>words`: the number of whitespace-separated words.
    #[serde(default, skip_serializing_if = "is_false")]
    pub words: bool,
    /// Name to regular expression (RE2 syntax): adds BOOLEAN `<prefix><name>`, true where the
    /// pattern matches anywhere in the text.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub patterns: IndexMap<String, String>,
    /// Add `<prefix>tok_0` … `<prefix>tok_<n-1>`: the number of tokens hashed into each of n buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1024))]
    pub hash_buckets: Option<u32>,
    /// Seed of the token hash.
    #[serde(default)]
    pub seed: u64,
    /// Start of the new columns' names (default `<column>_`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

impl Params {
    fn prefix(&self) -> String {
        self.prefix.clone().unwrap_or_else(|| format!("{}_", self.column))
    }

    /// The new columns, in order, with their types.
    fn outputs(&self) -> Vec<(String, &'static str)> {
        let pre = self.prefix();
        let mut out = Vec::new();
        if self.length {
            out.push((format!("{pre}length"), "BIGINT"));
        }
        if self.words {
            out.push((format!("{pre}words"), "BIGINT"));
        }
        for name in self.patterns.keys() {
            out.push((format!("{pre}{name}"), "BOOLEAN"));
        }
        for i in 0..self.hash_buckets.unwrap_or(0) {
            out.push((format!("{pre}tok_{i}"), "BIGINT"));
        }
        out
    }
}

/// The bucket of lower-cased token `t` (an SQL expression): the first 64 bits of
/// md5('<seed>:' || t), read as an unsigned big-endian integer, modulo `n`.
fn bucket_sql(cx: &CompileCx<'_>, t: &str, seed: u64, n: u32) -> String {
    format!("CAST('0x' || left(md5({} || {t}), 16) AS UBIGINT) % {n}", cx.string(&format!("{seed}:")))
}

impl Kind for TextFeatures {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "text_features",
            title: "Text features",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds features of the text `column` after the input's columns, named `<prefix>…` (prefix \
                   `<column>_` by default). `length`: BIGINT `<prefix>length`, the number of Unicode code \
                   points, as Python's `len(s)`. `words`: BIGINT `<prefix>words`, the number of runs of \
                   non-whitespace characters, as `len(s.split())` (the same whitespace characters as \
                   Python's `str.isspace`). `patterns`: a BOOLEAN `<prefix><name>` per named regular \
                   expression, true where it matches anywhere in the text, as Python's `re.search` (RE2 \
                   syntax: no look-around or back-references, and `\\b`, `\\w`, `\\d` are ASCII-only where \
                   Python's are Unicode-aware; anchor with `^`/`$`). `hash_buckets: n`: BIGINT \
                   `<prefix>tok_0` … `<prefix>tok_<n-1>`, counting the tokens in each bucket: the text is \
                   lower-cased (one code point to one, so 'İ' becomes 'i', not Python's 'i̇'), split into runs \
                   of Unicode letters and digits (as Python's `re.findall(r'[^\\W_]+', s.lower())`; \
                   punctuation, `_` and spaces separate tokens), and each token goes to bucket \
                   int(md5('<seed>:<token>' in UTF-8).hexdigest()[:16], 16) mod n. The hash is MD5, so the \
                   buckets are the same in every engine build and can be recomputed outside Sluice; \
                   different tokens may share a bucket. A null text gives null features; an empty text gives \
                   0 and false. Nothing is fitted: unseen words simply hash like the others.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "column": "name",
            "length": true,
            "words": true,
            "patterns": {"has_digit": "[0-9]", "is_pro": "(?i)\\bpro\\b"},
            "hash_buckets": 8,
            "seed": 1
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        match cx.require_column("input", &p.column, "column") {
            Some(c) if c.is_known() && !c.ty.eq_ignore_ascii_case("VARCHAR") => {
                cx.error("S029", "column", format!("column '{}' is {}, not text (VARCHAR)", p.column, c.ty));
                ok = false;
            }
            Some(_) => {}
            None => ok = false,
        }
        if !p.length && !p.words && p.patterns.is_empty() && p.hash_buckets.is_none() {
            cx.error("S027", "length", "no feature asked for: set length, words, patterns or hash_buckets");
            ok = false;
        }
        for (name, pattern) in &p.patterns {
            let path = format!("patterns.{name}");
            if name.is_empty() {
                cx.error("S023", "patterns", "a pattern's name must not be empty");
                ok = false;
            }
            // The regex crate's syntax is close to RE2's; a pattern it rejects is almost surely wrong.
            if let Err(e) = regex::Regex::new(pattern) {
                let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                cx.error("S045", &path, format!("invalid regular expression: {first}"));
                ok = false;
            }
        }
        if let Some(n) = p.hash_buckets {
            if n == 0 || n > MAX_BUCKETS {
                cx.error("S040", "hash_buckets", format!("hash_buckets is a count from 1 to {MAX_BUCKETS}, not {n}"));
                ok = false;
            }
        }
        if p.prefix.as_deref() == Some("") {
            cx.error("S023", "prefix", "prefix must not be empty");
            ok = false;
        }
        let mut out = cx.input("input");
        if ok {
            for (name, ty) in p.outputs() {
                if out.contains(&name) || name == BUCKETS {
                    cx.error("S026", "prefix", format!("column '{name}' exists already; choose another prefix"));
                    ok = false;
                    break;
                }
                out.columns.push(Column::new(name, ty));
            }
        }
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let c = cx.ident(&p.column);
        let pre = p.prefix();
        let mut items = Vec::new();
        if p.length {
            items.push(format!("length({c}) AS {}", cx.ident(&format!("{pre}length"))));
        }
        if p.words {
            let word = cx.string(&format!("[^{PY_WHITESPACE}]+"));
            items.push(format!("len(regexp_extract_all({c}, {word})) AS {}", cx.ident(&format!("{pre}words"))));
        }
        for (name, pattern) in &p.patterns {
            items.push(format!("regexp_matches({c}, {}) AS {}", cx.string(pattern), cx.ident(&format!("{pre}{name}"))));
        }
        let input = cx.input("input");
        let sql = match p.hash_buckets {
            None => format!("SELECT *, {} FROM {input}", items.join(", ")),
            Some(n) => {
                // Each row's token buckets once, then one count per bucket.
                let b = cx.ident(BUCKETS);
                let buckets = format!(
                    "list_transform(regexp_extract_all(lower({c}), {}), lambda __t: {})",
                    cx.string(TOKEN),
                    bucket_sql(cx, "__t", p.seed, n)
                );
                for i in 0..n {
                    items.push(format!("len(list_filter({b}, lambda __b: __b = {i})) AS {}", cx.ident(&format!("{pre}tok_{i}"))));
                }
                format!("SELECT * EXCLUDE ({b}), {} FROM (SELECT *, {buckets} AS {b} FROM {input})", items.join(", "))
            }
        };
        Ok(Compiled::Query(sql))
    }
}

#[cfg(test)]
mod tests {
    use super::super::impute::testing::*;
    use super::*;

    fn input() -> Schema {
        schema(&[("id", "BIGINT"), ("name", "VARCHAR")])
    }

    #[test]
    fn outputs_in_order() {
        let (out, d) = check(
            &TextFeatures,
            json!({"column": "name", "words": true, "length": true, "patterns": {"digit": "[0-9]"}, "hash_buckets": 2}),
            &input(),
        );
        assert!(d.is_empty(), "{d:?}");
        let got = cols(&out.unwrap());
        assert_eq!(
            &got[2..],
            &[
                ("name_length".into(), "BIGINT".into()),
                ("name_words".into(), "BIGINT".into()),
                ("name_digit".into(), "BOOLEAN".into()),
                ("name_tok_0".into(), "BIGINT".into()),
                ("name_tok_1".into(), "BIGINT".into()),
            ]
        );
    }

    #[test]
    fn params_are_checked_with_their_paths() {
        let (out, d) = check(&TextFeatures, json!({"column": "id", "patterns": {"bad": "(a"}, "hash_buckets": 0}), &input());
        assert!(out.is_none());
        assert_eq!(
            codes(&d),
            vec![
                ("S029", "params.column".to_string()),
                ("S045", "params.patterns.bad".to_string()),
                ("S040", "params.hash_buckets".to_string()),
            ]
        );
        let (_, d) = check(&TextFeatures, json!({"column": "name"}), &input());
        assert_eq!(codes(&d), vec![("S027", "params.length".to_string())]);
        let s = schema(&[("name", "VARCHAR"), ("name_length", "BIGINT")]);
        let (_, d) = check(&TextFeatures, json!({"column": "name", "length": true}), &s);
        assert_eq!(codes(&d), vec![("S026", "params.prefix".to_string())]);
        let (out, d) = check(&TextFeatures, json!({"column": "name", "length": true, "prefix": "t_"}), &s);
        assert!(d.is_empty());
        assert_eq!(cols(&out.unwrap()).last().unwrap().0, "t_length");
    }

    #[test]
    fn sql_shape() {
        let sql = compile(&TextFeatures, json!({"column": "name", "length": true, "patterns": {"pro": "Pro$"}}), &input(), None);
        assert_eq!(
            sql,
            "SELECT *, length(\"name\") AS \"name_length\", regexp_matches(\"name\", 'Pro$') AS \"name_pro\" FROM \"src\""
        );
        let sql = compile(&TextFeatures, json!({"column": "name", "hash_buckets": 2, "seed": 7}), &input(), None);
        assert_eq!(
            sql,
            "SELECT * EXCLUDE (\"__sluice_buckets\"), len(list_filter(\"__sluice_buckets\", lambda __b: __b = 0)) AS \"name_tok_0\", \
             len(list_filter(\"__sluice_buckets\", lambda __b: __b = 1)) AS \"name_tok_1\" FROM (SELECT *, \
             list_transform(regexp_extract_all(lower(\"name\"), '[\\p{L}\\p{N}]+'), lambda __t: \
             CAST('0x' || left(md5('7:' || __t), 16) AS UBIGINT) % 2) AS \"__sluice_buckets\" FROM \"src\")"
        );
    }

    #[test]
    fn word_class_is_valid_and_splits_like_python() {
        let re = regex::Regex::new(&format!("[^{PY_WHITESPACE}]+")).unwrap();
        let s = "  a\u{a0}b\tc\u{3000}d\u{1c}e  \u{200b}f ";
        // U+200B (zero width space) is not whitespace for Python either.
        assert_eq!(re.find_iter(s).map(|m| m.as_str()).collect::<Vec<_>>(), ["a", "b", "c", "d", "e", "\u{200b}f"]);
    }
}
