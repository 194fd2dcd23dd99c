//! DuckDB SQL written by users (derive columns, filter predicates, SQL nodes) spelt as Spark SQL
//! with the same meaning, or refused with the construct named.
//!
//! The SQL is parsed (sqlparser's DuckDB dialect), rewritten bottom-up and printed again. Only
//! functions whose Spark meaning is known to be DuckDB's pass, by an explicit list; every other
//! function is refused, so an export never carries a model that computes something else. The
//! traps handled:
//! - `/` is DuckDB's float division and gives NULL for a zero divisor: `try_divide` over doubles;
//! - `avg` is a DOUBLE in DuckDB (Spark keeps DECIMAL): the argument is cast to DOUBLE;
//! - ORDER BY puts NULLs last in DuckDB, first in Spark for ascending keys: spelt explicitly;
//! - `concat` skips NULLs in DuckDB: `concat_ws('', ...)`;
//! - date parts, differences and formats use Java patterns and other names;
//! - timestamps are DuckDB's naive ones: `TIMESTAMP_NTZ`;
//! - string literals escape with backslashes in Spark, identifiers quote with backticks.

use std::ops::ControlFlow;

use sqlparser::ast::{
    CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    OrderByExpr, Query, Select, SelectItem, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;

use crate::dialect::{spark_string, Unsupported};

/// Marks a string literal in the printed SQL until it is spelt the Spark way.
const LIT: char = '\u{2}';

fn unsupported(what: impl Into<String>) -> Unsupported {
    Unsupported { dialect: "spark", what: what.into() }
}

/// A DuckDB expression as Spark SQL.
pub fn expr(sql: &str) -> Result<String, Unsupported> {
    let mut parser = Parser::new(&DuckDbDialect {})
        .try_with_sql(sql)
        .map_err(|e| unsupported(format!("the expression `{sql}` ({e})")))?;
    let mut e = parser.parse_expr().map_err(|e| unsupported(format!("the expression `{sql}` ({e})")))?;
    rewrite(&mut e)?;
    Ok(finish(&mut e, false))
}

/// A DuckDB query (one SELECT statement) as Spark SQL, on one line.
pub fn query(sql: &str) -> Result<String, Unsupported> {
    translate_query(sql, false)
}

/// [`query`] laid out on several lines, indented, for people to read.
pub fn query_pretty(sql: &str) -> Result<String, Unsupported> {
    translate_query(sql, true)
}

fn translate_query(sql: &str, pretty: bool) -> Result<String, Unsupported> {
    let mut statements =
        Parser::parse_sql(&DuckDbDialect {}, sql).map_err(|e| unsupported(format!("the query ({e})")))?;
    if statements.len() != 1 {
        return Err(unsupported("a query of more than one statement"));
    }
    let mut s = statements.remove(0);
    if !matches!(s, sqlparser::ast::Statement::Query(_)) {
        return Err(unsupported("a statement that is not a query"));
    }
    rewrite(&mut s)?;
    Ok(finish(&mut s, pretty))
}

fn rewrite<T: VisitMut>(node: &mut T) -> Result<(), Unsupported> {
    match node.visit(&mut Rewrite) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Quote identifiers with backticks and print; string literals go through placeholders so that
/// they can be escaped as Spark reads them.
fn finish<T: VisitMut + std::fmt::Display>(node: &mut T, pretty: bool) -> String {
    let mut lits = Literals(Vec::new());
    let _ = node.visit(&mut lits);
    let mut out = if pretty { format!("{node:#}") } else { node.to_string() };
    for (i, s) in lits.0.iter().enumerate().rev() {
        out = out.replace(&format!("'{LIT}{i}{LIT}'"), &spark_string(s));
    }
    out
}

struct Literals(Vec<String>);

impl VisitorMut for Literals {
    type Break = ();
    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        if ident.quote_style == Some('"') {
            ident.quote_style = Some('`');
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        if let Value::SingleQuotedString(s) = &value.value {
            self.0.push(s.clone());
            value.value = Value::SingleQuotedString(format!("{LIT}{}{LIT}", self.0.len() - 1));
        }
        ControlFlow::Continue(())
    }
}

struct Rewrite;

impl VisitorMut for Rewrite {
    type Break = Unsupported;

    fn post_visit_select(&mut self, select: &mut Select) -> ControlFlow<Unsupported> {
        // `FROM t WHERE (c)`: Spark reads `WHERE (c)` as an alias of t with a column list.
        while let Some(Expr::Nested(inner)) = &select.selection {
            select.selection = Some((**inner).clone());
        }
        if select.qualify.is_some() {
            return ControlFlow::Break(unsupported("QUALIFY"));
        }
        for item in &select.projection {
            let options = match item {
                SelectItem::Wildcard(o) | SelectItem::QualifiedWildcard(_, o) => o,
                _ => continue,
            };
            if options.opt_exclude.is_some() || options.opt_replace.is_some() || options.opt_rename.is_some() {
                return ControlFlow::Break(unsupported("`* EXCLUDE/REPLACE/RENAME`; list the columns"));
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<Unsupported> {
        ControlFlow::Continue(())
    }

    fn post_visit_order_by_expr(&mut self, o: &mut OrderByExpr) -> ControlFlow<Unsupported> {
        if o.options.nulls_first.is_none() {
            o.options.nulls_first = Some(false);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<Unsupported> {
        match rewrite_expr(e) {
            Ok(Some(new)) => {
                *e = new;
                ControlFlow::Continue(())
            }
            Ok(None) => ControlFlow::Continue(()),
            Err(u) => ControlFlow::Break(u),
        }
    }
}

/// Parse SQL text we wrote (from already rewritten parts) back into an expression.
fn reparse(sql: &str) -> Result<Expr, Unsupported> {
    Parser::new(&DuckDbDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| unsupported(format!("`{sql}` ({e})")))
}

/// An integer literal's value.
fn int_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(ValueWithSpan { value: Value::Number(n, false), .. }) => n.parse().ok(),
        Expr::Nested(inner) => int_literal(inner),
        _ => None,
    }
}

fn rewrite_expr(e: &Expr) -> Result<Option<Expr>, Unsupported> {
    use sqlparser::ast::BinaryOperator as Op;
    // Integer arithmetic on literals is folded: Spark wants window frame bounds as literals.
    if let Expr::BinaryOp { left, op: op @ (Op::Plus | Op::Minus | Op::Multiply), right } = e {
        if let (Some(a), Some(b)) = (int_literal(left), int_literal(right)) {
            let v = match op {
                Op::Plus => a.checked_add(b),
                Op::Minus => a.checked_sub(b),
                _ => a.checked_mul(b),
            };
            if let Some(v) = v {
                return Ok(Some(reparse(&v.to_string())?));
            }
        }
    }
    Ok(match e {
        Expr::BinaryOp { left, op: sqlparser::ast::BinaryOperator::Divide, right } => {
            Some(reparse(&format!("try_divide(CAST({left} AS DOUBLE), CAST({right} AS DOUBLE))"))?)
        }
        Expr::BinaryOp { op: sqlparser::ast::BinaryOperator::DuckIntegerDivide, .. } => {
            return Err(unsupported("integer division `//`"))
        }
        Expr::Cast { kind, expr, data_type, format } => {
            if format.is_some() {
                return Err(unsupported("CAST ... FORMAT"));
            }
            let ty = spark_type(data_type)?;
            let f = match kind {
                CastKind::TryCast | CastKind::SafeCast => "try_cast",
                CastKind::Cast | CastKind::DoubleColon => "CAST",
            };
            Some(reparse(&format!("{f}({expr} AS {ty})"))?)
        }
        Expr::TypedString(t) => {
            let ty = spark_type(&t.data_type)?;
            match &t.value.value {
                Value::SingleQuotedString(s) => Some(reparse(&format!("CAST('{}' AS {ty})", s.replace('\'', "''")))?),
                _ => return Err(unsupported(format!("the literal {e}"))),
            }
        }
        Expr::Tuple(items) => {
            let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
            Some(reparse(&format!("struct({})", parts.join(", ")))?)
        }
        Expr::Interval(i) => {
            if i.last_field.is_some() || i.leading_precision.is_some() || i.fractional_seconds_precision.is_some() {
                return Err(unsupported(format!("the interval {e}")));
            }
            let value = match i.value.as_ref() {
                Expr::Nested(inner) => inner.as_ref(),
                v => v,
            };
            let number = match value {
                Expr::Value(ValueWithSpan { value: Value::Number(n, _), .. }) => n.clone(),
                _ => return Err(unsupported(format!("the interval {e}: only a number of one unit"))),
            };
            let unit = match &i.leading_field {
                Some(f) => f.to_string().to_uppercase(),
                None => return Err(unsupported(format!("the interval {e}: name its unit, e.g. INTERVAL 3 DAY"))),
            };
            let unit = unit.trim_end_matches('S');
            if !["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"].contains(&unit) {
                return Err(unsupported(format!("the interval unit {unit}")));
            }
            Some(reparse(&format!("INTERVAL {number} {unit}"))?)
        }
        Expr::Function(f) => function(f)?,
        Expr::Lambda(_) => return Err(unsupported("lambda functions")),
        Expr::Array(a) => {
            let items: Vec<String> = a.elem.iter().map(ToString::to_string).collect();
            Some(reparse(&format!("array({})", items.join(", ")))?)
        }
        Expr::Dictionary(fields) => {
            let items: Vec<String> =
                fields.iter().map(|f| format!("'{}', {}", f.key.value.replace('\'', "''"), f.value)).collect();
            Some(reparse(&format!("named_struct({})", items.join(", ")))?)
        }
        Expr::CompoundFieldAccess { root, access_chain } => {
            // DuckDB's list[i] counts from 1, as Spark's element_at does.
            let mut out = root.to_string();
            for access in access_chain {
                match access {
                    sqlparser::ast::AccessExpr::Subscript(sqlparser::ast::Subscript::Index { index }) => {
                        out = format!("element_at({out}, {index})");
                    }
                    _ => return Err(unsupported(format!("the access {e}"))),
                }
            }
            Some(reparse(&out)?)
        }
        Expr::Map(_) | Expr::Struct { .. } => return Err(unsupported(format!("the literal {e}"))),
        Expr::Collate { .. } => return Err(unsupported("COLLATE")),
        Expr::SimilarTo { .. } => return Err(unsupported("SIMILAR TO")),
        Expr::RLike { .. } => return Err(unsupported("regular expression operators")),
        _ => None,
    })
}

/// A DuckDB type name as Spark's.
fn spark_type(t: &DataType) -> Result<String, Unsupported> {
    use DataType as T;
    Ok(match t {
        T::Varchar(_) | T::Text | T::String(_) | T::Char(_) | T::CharVarying(_) | T::Nvarchar(_) => "STRING".into(),
        T::Boolean | T::Bool => "BOOLEAN".into(),
        T::TinyInt(_) => "TINYINT".into(),
        T::SmallInt(_) | T::Int2(_) => "SMALLINT".into(),
        T::Int(_) | T::Integer(_) | T::Int4(_) => "INT".into(),
        T::BigInt(_) | T::Int8(_) | T::Int64 => "BIGINT".into(),
        T::Float(_) | T::Real | T::Float4 => "FLOAT".into(),
        T::Double(_) | T::DoublePrecision | T::Float8 | T::Float64 => "DOUBLE".into(),
        T::Decimal(info) | T::Numeric(info) | T::Dec(info) => match info {
            sqlparser::ast::ExactNumberInfo::PrecisionAndScale(p, s) => format!("DECIMAL({p}, {s})"),
            sqlparser::ast::ExactNumberInfo::Precision(p) => format!("DECIMAL({p}, 0)"),
            // DuckDB's bare DECIMAL is DECIMAL(18, 3); Spark's is (10, 0).
            sqlparser::ast::ExactNumberInfo::None => "DECIMAL(18, 3)".into(),
        },
        T::Date => "DATE".into(),
        T::Timestamp(None, sqlparser::ast::TimezoneInfo::None) | T::Datetime(None) => "TIMESTAMP_NTZ".into(),
        T::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, None)) => format!("ARRAY<{}>", spark_type(inner)?),
        other => return Err(unsupported(format!("the type {other}"))),
    })
}

/// A DuckDB type name (as a schema spells it) as Spark's.
pub fn type_name(duckdb: &str) -> Result<String, Unsupported> {
    let e = Parser::new(&DuckDbDialect {})
        .try_with_sql(&format!("CAST(NULL AS {duckdb})"))
        .and_then(|mut p| p.parse_expr())
        .map_err(|_| unsupported(format!("the type {duckdb}")))?;
    match e {
        Expr::Cast { data_type, .. } => spark_type(&data_type),
        _ => Err(unsupported(format!("the type {duckdb}"))),
    }
}

fn args(f: &Function) -> Result<Vec<String>, Unsupported> {
    match &f.args {
        FunctionArguments::None => Ok(vec![]),
        FunctionArguments::Subquery(_) => Err(unsupported(format!("the call {f}"))),
        FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(unsupported(format!("the call {f}")));
            }
            list.args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e.to_string()),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => Ok("*".into()),
                    _ => Err(unsupported(format!("the arguments of {f}"))),
                })
                .collect()
        }
    }
}

/// A string literal argument (already parsed) as its text.
fn literal_arg(f: &Function, i: usize) -> Result<String, Unsupported> {
    if let FunctionArguments::List(list) = &f.args {
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        })))) = list.args.get(i)
        {
            return Ok(s.clone());
        }
    }
    Err(unsupported(format!("{f}: argument {} must be a string literal", i + 1)))
}

fn distinct(f: &Function) -> bool {
    matches!(&f.args, FunctionArguments::List(l) if l.duplicate_treatment.is_some())
}

/// Functions that mean the same in both engines, under the same name.
const SAME: &[&str] = &[
    "coalesce", "lower", "upper", "trim", "ltrim", "rtrim", "replace", "length", "abs", "ceil", "ceiling", "floor",
    "sqrt", "exp", "ln", "log10", "log2", "greatest", "least", "nullif", "round", "sum", "min", "max", "count",
    "year", "month", "day", "hour", "minute", "second", "quarter", "lpad", "rpad", "reverse", "substring", "substr",
    "concat_ws", "md5", "sign", "power", "pow", "if", "ifnull", "contains", "row_number", "rank",
    "dense_rank", "lag", "lead", "stddev_samp", "stddev_pop", "var_samp", "var_pop", "stddev", "variance",
    "current_date", "isnan", "cos", "sin", "tan", "atan", "atan2", "pi", "left", "right", "ascii", "repeat",
    "cbrt", "degrees", "radians", "first_value", "last_value", "ntile", "percent_rank", "cume_dist", "bool_and",
    "bool_or", "any_value", "median", "last_day",
];

fn function(f: &Function) -> Result<Option<Expr>, Unsupported> {
    let name = f.name.to_string().to_lowercase();
    let name = name.trim_matches('"');
    // FILTER and OVER mean the same in both and their contents were rewritten already; only the
    // function's name and arguments are checked below. WITHIN GROUP orders differently.
    if !f.within_group.is_empty() {
        return Err(unsupported(format!("the call {f}")));
    }
    let a = args(f)?;
    let keep_with = |new: &str| -> Result<Option<Expr>, Unsupported> {
        let mut g = f.clone();
        g.name = ObjectName::from(vec![Ident::new(new)]);
        Ok(Some(Expr::Function(g)))
    };
    let with_args = |new_args: Vec<String>| -> Result<Option<Expr>, Unsupported> {
        // Keep DISTINCT, FILTER and OVER by rewriting the argument list only.
        let text = format!("f({}{})", if distinct(f) { "DISTINCT " } else { "" }, new_args.join(", "));
        let Expr::Function(parsed) = reparse(&text)? else { unreachable!("a call parses as a call") };
        let mut g = f.clone();
        g.args = parsed.args;
        Ok(Some(Expr::Function(g)))
    };
    match name {
        "count" if distinct(f) && f.over.is_some() => {
            // Spark has no DISTINCT window aggregates; the set of non-null values has the size.
            let window = f.over.as_ref().map(ToString::to_string).unwrap_or_default();
            Ok(Some(reparse(&format!("size(collect_set({}) OVER {window})", a.join(", ")))?))
        }
        n if SAME.contains(&n) => {
            if n == "round" && a.len() == 2 && a[1].starts_with('-') {
                return Err(unsupported("round to negative digits"));
            }
            Ok(None)
        }
        "avg" | "mean" => {
            let mut g = with_args(a.iter().map(|x| format!("CAST({x} AS DOUBLE)")).collect())?;
            if let Some(Expr::Function(h)) = &mut g {
                h.name = ObjectName::from(vec![Ident::new("avg")]);
            }
            Ok(g)
        }
        "concat" => Ok(Some(reparse(&format!(
            "concat_ws('', {})",
            a.iter().map(|x| format!("CAST({x} AS STRING)")).collect::<Vec<_>>().join(", ")
        ))?)),
        // Spark's date_trunc gives a TIMESTAMP in the session's zone; DuckDB's a naive one.
        "date_trunc" if a.len() == 2 => Ok(Some(reparse(&format!("CAST(date_trunc({}, {}) AS TIMESTAMP_NTZ)", a[0], a[1]))?)),
        "starts_with" => keep_with("startswith"),
        "list_contains" | "array_contains" if a.len() == 2 => keep_with("array_contains"),
        "quantile_cont" if a.len() == 2 => keep_with("percentile"),
        "epoch_us" if a.len() == 1 => Ok(Some(reparse(&epoch_micros(&a[0]))?)),
        "ends_with" => keep_with("endswith"),
        "strpos" | "instr" => keep_with("instr"),
        "regexp_matches" if a.len() == 2 => Ok(Some(reparse(&format!("rlike({}, {})", a[0], a[1]))?)),
        "regexp_full_match" if a.len() == 2 => {
            let p = literal_arg(f, 1)?;
            Ok(Some(reparse(&format!("rlike({}, '^(?:{})$')", a[0], p.replace('\'', "''")))?))
        }
        "dayofweek" | "dow" if a.len() == 1 => Ok(Some(reparse(&format!("(dayofweek({}) - 1)", a[0]))?)),
        "isodow" if a.len() == 1 => Ok(Some(reparse(&format!("(weekday({}) + 1)", a[0]))?)),
        "dayofyear" | "doy" if a.len() == 1 => keep_with("dayofyear"),
        "week" | "weekofyear" if a.len() == 1 => keep_with("weekofyear"),
        "try_strptime" | "strptime" if a.len() == 2 => {
            let fmt = java_pattern(&literal_arg(f, 1)?, true)?;
            let to = if name == "try_strptime" { "try_to_timestamp" } else { "to_timestamp" };
            Ok(Some(reparse(&format!("CAST({to}({}, '{}') AS TIMESTAMP_NTZ)", a[0], fmt.replace('\'', "''")))?))
        }
        "strftime" if a.len() == 2 => {
            let fmt = java_pattern(&literal_arg(f, 1)?, false)?;
            Ok(Some(reparse(&format!("date_format({}, '{}')", a[0], fmt.replace('\'', "''")))?))
        }
        "date_diff" | "datediff" if a.len() == 3 => {
            let unit = literal_arg(f, 0)?.to_lowercase();
            let (x, y) = (&a[1], &a[2]);
            let text = match unit.trim_end_matches('s') {
                "day" => format!("datediff(CAST({y} AS DATE), CAST({x} AS DATE))"),
                "month" => format!("((year({y}) * 12 + month({y})) - (year({x}) * 12 + month({x})))"),
                "year" => format!("(year({y}) - year({x}))"),
                // Microseconds since the epoch counted on the naive time, whatever the session's
                // time zone; floored to whole seconds, so that boundaries are counted as DuckDB does.
                "second" => format!("(floor({} / 1000000) - floor({} / 1000000))", epoch_micros(y), epoch_micros(x)),
                other => return Err(unsupported(format!("date_diff in unit '{other}'"))),
            };
            Ok(Some(reparse(&format!("CAST({text} AS BIGINT)"))?))
        }
        "generate_series" if a.len() == 3 => Ok(Some(reparse(&format!("sequence({}, {}, {})", a[0], a[1], a[2]))?)),
        "unnest" if a.len() == 1 => Ok(Some(reparse(&format!("explode({})", a[0]))?)),
        other => Err(unsupported(format!("the function {other}()"))),
    }
}

/// Microseconds from 1970-01-01 00:00:00 to the naive time `x` (DuckDB's `epoch_us`), not
/// through the session's time zone as `unix_micros` would.
fn epoch_micros(x: &str) -> String {
    format!("timestampdiff(MICROSECOND, CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ), CAST({x} AS TIMESTAMP_NTZ))")
}

/// A DuckDB strftime/strptime format as a Java date-time pattern. Parsing patterns use one
/// letter for numeric fields, which Spark reads with one or two digits as DuckDB does.
fn java_pattern(fmt: &str, parsing: bool) -> Result<String, Unsupported> {
    let mut out = String::new();
    let mut chars = fmt.chars();
    let mut quoted = String::new();
    let flush = |out: &mut String, quoted: &mut String| {
        if !quoted.is_empty() {
            out.push('\'');
            out.push_str(&quoted.replace('\'', "''"));
            out.push('\'');
            quoted.clear();
        }
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            if c.is_ascii_alphabetic() || c == '\'' {
                quoted.push(c);
            } else {
                flush(&mut out, &mut quoted);
                out.push(c);
            }
            continue;
        }
        flush(&mut out, &mut quoted);
        let spec = chars.next().ok_or_else(|| unsupported(format!("the format '{fmt}'")))?;
        let p = match (spec, parsing) {
            ('Y', _) => "yyyy",
            ('y', _) => "yy",
            ('m', true) => "M",
            ('m', false) => "MM",
            ('d', true) => "d",
            ('d', false) => "dd",
            ('H', true) => "H",
            ('H', false) => "HH",
            ('M', true) => "m",
            ('M', false) => "mm",
            ('S', true) => "s",
            ('S', false) => "ss",
            ('b', _) | ('h', _) => "MMM",
            ('B', _) => "MMMM",
            ('a', _) => "EEE",
            ('A', _) => "EEEE",
            ('%', _) => "%",
            (other, _) => return Err(unsupported(format!("the format code %{other} in '{fmt}'"))),
        };
        out.push_str(p);
    }
    flush(&mut out, &mut quoted);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_expressions() {
        assert_eq!(
            expr("TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2))").unwrap(),
            "TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12,2))"
        );
        assert_eq!(
            expr("COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'), try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S'))")
                .unwrap(),
            "COALESCE(CAST(try_to_timestamp(ordered_at, 'yyyy-M-d H:m:s') AS TIMESTAMP_NTZ), \
             CAST(try_to_timestamp(ordered_at, 'yyyy/M/d H:m:s') AS TIMESTAMP_NTZ))"
        );
        assert_eq!(
            expr("ordered_at >= CAST('2025-07-01' AS TIMESTAMP) - INTERVAL 91 DAY").unwrap(),
            "ordered_at >= CAST('2025-07-01' AS TIMESTAMP_NTZ) - INTERVAL 91 DAY"
        );
        assert_eq!(
            expr("date_diff('day', signup_at, TIMESTAMP '2025-07-01 00:00:00')").unwrap(),
            "CAST(datediff(CAST(CAST('2025-07-01 00:00:00' AS TIMESTAMP_NTZ) AS DATE), CAST(signup_at AS DATE)) AS BIGINT)"
        );
        assert_eq!(
            expr("CASE WHEN orders > 0 THEN returns / orders END").unwrap(),
            "CASE WHEN orders > 0 THEN try_divide(CAST(returns AS DOUBLE), CAST(orders AS DOUBLE)) END"
        );
        assert_eq!(expr("\"odd name\" = 'it''s \\ here'").unwrap(), "`odd name` = 'it\\'s \\\\ here'");
        assert_eq!(expr("avg(DISTINCT x) FILTER (WHERE y)").unwrap(), "avg(DISTINCT CAST(x AS DOUBLE)) FILTER (WHERE y)");
    }

    #[test]
    fn what_the_catalog_writes() {
        assert_eq!(
            query("SELECT *, count(DISTINCT \"p\") OVER \"__w0\" AS n FROM t WINDOW \"__w0\" AS (PARTITION BY \"c\" ORDER BY epoch_us(\"t\") RANGE BETWEEN 30 * 86400000000 - 1 PRECEDING AND CURRENT ROW)").unwrap(),
            "SELECT *, size(collect_set(`p`) OVER `__w0`) AS n FROM t WINDOW `__w0` AS (PARTITION BY `c` ORDER BY \
             timestampdiff(MICROSECOND, CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ), CAST(`t` AS TIMESTAMP_NTZ)) NULLS LAST \
             RANGE BETWEEN 2591999999999 PRECEDING AND CURRENT ROW)"
        );
        assert_eq!(
            expr("list_contains(CAST(['a', 'b'] AS VARCHAR[]), CAST(x AS VARCHAR)) AND CAST(s.\"c\" AS VARCHAR[])[2] = 'b'").unwrap(),
            "array_contains(CAST(array('a', 'b') AS ARRAY<STRING>), CAST(x AS STRING)) AND element_at(CAST(s.`c` AS ARRAY<STRING>), 2) = 'b'"
        );
        assert_eq!(expr("{'k': 1, 'v': 'x'}").unwrap(), "named_struct('k', 1, 'v', 'x')");
    }

    #[test]
    fn queries_sort_nulls_last_and_group_by_all() {
        assert_eq!(
            query("SELECT date_trunc('month', t)::DATE AS month, count(DISTINCT (a, b)) AS n FROM x GROUP BY ALL ORDER BY month")
                .unwrap(),
            "SELECT CAST(CAST(date_trunc('month', t) AS TIMESTAMP_NTZ) AS DATE) AS month, count(DISTINCT struct(a, b)) AS n FROM x GROUP BY ALL ORDER BY month NULLS LAST"
        );
    }

    #[test]
    fn refuses_what_it_cannot_vouch_for() {
        for (sql, what) in [
            ("list_sum(xs)", "the function list_sum()"),
            ("date_diff('hour', a, b)", "date_diff in unit 'hour'"),
            ("strftime(t, '%f')", "the format code %f"),
            ("a // b", "integer division"),
            ("x::HUGEINT", "the type HUGEINT"),
        ] {
            let e = expr(sql).unwrap_err();
            assert!(e.what.contains(what), "{sql}: {}", e.what);
        }
        assert!(query("SELECT * EXCLUDE (a) FROM t").unwrap_err().what.contains("EXCLUDE"));
        // Spark would take `WHERE (keep)` for an alias of t.
        assert_eq!(query("SELECT a FROM t WHERE (keep)").unwrap(), "SELECT a FROM t WHERE keep");
        assert!(query("SELECT a FROM t QUALIFY row_number() OVER () = 1").unwrap_err().what.contains("QUALIFY"));
    }
}
