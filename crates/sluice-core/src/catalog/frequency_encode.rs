//! `frequency_encode`: each category replaced by how often it occurs among the training rows, as
//! a count or as a share.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::feature::{assemble, check_outputs, check_train_rows};
use super::ordinal_encode::{in_col, lookup_join, lookup_relation, text, train_relation};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct FrequencyEncode;

/// Parameters of `frequency_encode`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Categorical columns to encode (any type; values are matched by their text).
    #[schemars(extend("x-sluice-widget" = "columns", "x-sluice-port" = "input"))]
    pub columns: Vec<String>,
    /// The share of the training rows' non-null values (DOUBLE) instead of the count (BIGINT).
    #[serde(default, skip_serializing_if = "super::common::is_false")]
    pub normalize: bool,
    /// Write the encodings to new columns named `<column><suffix>` and keep the originals;
    /// absent: replace the columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// SQL predicate choosing the rows to fit on (default: `split = 'train'` when the input has
    /// a `split` column, else every row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub train_rows: Option<String>,
}

fn keys(col: &str) -> [String; 3] {
    [format!("{col}.categories"), format!("{col}.counts"), format!("{col}.total")]
}

/// One row: for each column, its categories (sorted by value, as text), their counts, and the
/// number of non-null training values.
fn fit_sql(p: &Params, cx: &CompileCx<'_>) -> String {
    let train = train_relation(cx, p.train_rows.as_deref());
    let parts: Vec<String> = p
        .columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let c = cx.ident(col);
            let [cats, counts, total] = keys(col).map(|k| cx.ident(&k));
            format!(
                "(SELECT COALESCE(list({} ORDER BY __v), CAST([] AS VARCHAR[])) AS {cats}, \
                 COALESCE(list(__n ORDER BY __v), CAST([] AS BIGINT[])) AS {counts}, \
                 CAST(COALESCE(sum(__n), 0) AS BIGINT) AS {total} \
                 FROM (SELECT {c} AS __v, count(*) AS __n FROM {train} WHERE {c} IS NOT NULL GROUP BY {c})) AS __f{i}",
                text("__v")
            )
        })
        .collect();
    format!("SELECT * FROM {}", parts.join(" CROSS JOIN "))
}

impl Kind for FrequencyEncode {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "frequency_encode",
            title: "Frequency encode",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Replaces each value of `columns` by the number of training rows holding that value (BIGINT), \
                   or with `normalize` by its share of the training rows whose value is not null: count / \
                   non-null count (DOUBLE, as pandas' `value_counts(normalize=True)`). A value never seen in \
                   training gets 0; a null stays null (nulls are not counted). Values are matched by their \
                   text (`CAST(value AS VARCHAR)`). The encodings replace the columns, or go to new columns \
                   `<column><suffix>`. State per column: `<column>.categories` (sorted by value), \
                   `<column>.counts` (in the same order) and `<column>.total` (non-null training values). \
                   Fitted on the training rows: `train_rows` when given, else the rows a split step above \
                   marked `split = 'train'`, else every row; the fit goes to the spec's state file and \
                   `sluice run --state FILE` applies it instead of fitting.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["product_id"], "normalize": true, "suffix": "_freq"})
    }

    fn stateful(&self) -> bool {
        true
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let ty = if p.normalize { "DOUBLE" } else { "BIGINT" };
        let out = check_outputs(cx, &p.columns, p.suffix.as_deref(), ty, false, "encode");
        let ok = check_train_rows(cx, p.train_rows.as_deref());
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
        // Shares need the totals: the state row, joined once.
        let mut joins =
            if p.normalize { format!(" CROSS JOIN {} AS __s", cx.state_relation(&fit)) } else { String::new() };
        let mut exprs = Vec::new();
        for (i, col) in p.columns.iter().enumerate() {
            let [_, counts, total] = keys(col);
            let lookup = lookup_relation(cx, &fit, col, &[(format!("__st.{}", cx.ident(&counts)), "BIGINT")]);
            joins.push_str(&lookup_join(cx, i, &lookup, col));
            let value = if p.normalize {
                format!("COALESCE(CAST(__m{i}.__v0 AS DOUBLE) / CAST(__s.{} AS DOUBLE), 0.0)", cx.ident(&total))
            } else {
                format!("COALESCE(__m{i}.__v0, 0)")
            };
            exprs.push((col.clone(), format!("CASE WHEN {} IS NULL THEN NULL ELSE {value} END", in_col(cx, col))));
        }
        Ok(Compiled::Query(assemble(cx, &exprs, p.suffix.as_deref(), &joins)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ordinal_encode::testing::*;
    use super::*;

    const COLS: &[(&str, &str)] = &[("id", "BIGINT"), ("product", "INTEGER"), ("channel", "VARCHAR")];

    #[test]
    fn output_types_follow_normalize() {
        let (s, d) = check(&FrequencyEncode, json!({"columns": ["product"]}), COLS);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(columns(&s.unwrap())[1], "product BIGINT");
        let (s, _) = check(&FrequencyEncode, json!({"columns": ["product", "channel"], "normalize": true, "suffix": "_f"}), COLS);
        assert_eq!(columns(&s.unwrap())[3..], ["product_f DOUBLE", "channel_f DOUBLE"]);
    }

    #[test]
    fn bad_params_name_their_path() {
        let (_, d) = check(&FrequencyEncode, json!({"columns": ["product", "produkt"], "suffix": "_f", "train_rows": " "}), COLS);
        assert_eq!(d, ["S020 params.columns[1]", "S021 params.train_rows"]);
        let (_, d) = check(&FrequencyEncode, json!({"columns": ["id", "product"], "suffix": "_f"}), &[("id", "BIGINT"), ("product", "BIGINT"), ("id_f", "BIGINT")]);
        assert_eq!(d, ["S026 params.suffix"]);
        let (_, d) = check(&FrequencyEncode, json!({"columns": ["id"], "normalize": "yes"}), COLS);
        assert!(d[0].starts_with("S010"), "{d:?}");
    }

    #[test]
    fn sql_shape() {
        let (fit, q) = sql(&FrequencyEncode, json!({"columns": ["product", "channel"], "normalize": true}), COLS, None);
        assert!(fit.starts_with(
            "SELECT * FROM (SELECT COALESCE(list(CAST(__v AS VARCHAR) ORDER BY __v), CAST([] AS VARCHAR[])) AS \"product.categories\", \
             COALESCE(list(__n ORDER BY __v), CAST([] AS BIGINT[])) AS \"product.counts\", CAST(COALESCE(sum(__n), 0) AS BIGINT) AS \"product.total\" \
             FROM (SELECT \"product\" AS __v, count(*) AS __n FROM (SELECT * FROM \"t\") AS __train WHERE \"product\" IS NOT NULL GROUP BY \"product\")) AS __f0 \
             CROSS JOIN (SELECT"
        ), "{fit}");
        assert!(fit.ends_with("AS __f1"), "{fit}");
        assert!(q.contains("COALESCE(CAST(__m1.__v0 AS DOUBLE) / CAST(__s.\"channel.total\" AS DOUBLE), 0.0)"), "{q}");
        assert!(q.contains(&format!(" FROM \"t\" AS __in CROSS JOIN ({fit}) AS __s LEFT JOIN (SELECT unnest(")), "{q}");
        let state = json!({"product.categories": ["1", "2"], "product.counts": [3, 1], "product.total": 4});
        let (_, q) = sql(&FrequencyEncode, json!({"columns": ["product"], "suffix": "_n"}), COLS, Some(state));
        assert_eq!(
            q,
            "SELECT __in.*, CASE WHEN __in.\"product\" IS NULL THEN NULL ELSE COALESCE(__m0.__v0, 0) END AS \"product_n\" FROM \"t\" AS __in \
             LEFT JOIN (SELECT unnest(CAST(__st.\"product.categories\" AS VARCHAR[])) AS __k, unnest(CAST(__st.\"product.counts\" AS BIGINT[])) AS __v0 \
             FROM (SELECT ['1', '2'] AS \"product.categories\", [CAST(3 AS BIGINT), CAST(1 AS BIGINT)] AS \"product.counts\", CAST(4 AS BIGINT) AS \"product.total\") AS __st) \
             AS __m0 ON CAST(__in.\"product\" AS VARCHAR) = __m0.__k"
        );
    }
}
