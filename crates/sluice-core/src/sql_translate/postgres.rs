//! DuckDB expressions spelt for PostgreSQL (dbt-postgres), with DuckDB's meanings, or refused.
//!
//! The traps handled:
//! - `/` divides as doubles, and a zero divisor gives ±Infinity or NaN as DuckDB's does
//!   (PostgreSQL raises an error, and divides integers as integers);
//! - `avg` and the variance family take doubles (PostgreSQL keeps NUMERIC for integers), and
//!   `median`/`quantile_cont` are ordered-set aggregates there;
//! - `LIKE` escapes nothing (PostgreSQL's default escape character is a backslash);
//! - date parts are BIGINTs (EXTRACT gives NUMERIC, and the second with its fraction);
//! - `round` rounds halves away from zero for doubles too (PostgreSQL rounds a double's half to
//!   even): the value is rounded as NUMERIC;
//! - `list_contains` is NULL when the value or the list is, and never matches a NULL element;
//! - `lower`/`upper` map case with the database's own locale (text columns of exported sources
//!   are collated "C", which would map ASCII only), and give "C" text again;
//! - a compensated sum of doubles (the catalog's [`EXACT_SUM`]) is summed exactly, as NUMERIC,
//!   from each double's bits, and rounded to a double once: the correctly rounded sum, whatever
//!   the order of the rows (DuckDB's Kahan sum is that sum but where a sum's terms differ widely
//!   in magnitude); a compensated mean ([`EXACT_MEAN`]) is DuckDB's formula over that sum.
//!
//! Every function not listed is refused, naming it, as are TRY_CAST (PostgreSQL has no cast that
//! gives NULL), regular expression operators, COLLATE and DuckDB's nested values.

use sqlparser::ast::{CastKind, DataType, Expr, Function, Ident, ObjectName, Value, ValueWithSpan};

use super::{args, distinct, int_literal, literal_arg, pattern, reparse, Target};
use crate::dialect::Unsupported;

/// The call the PostgreSQL dialect writes for a compensated sum of doubles (DuckDB's `fsum`).
pub const EXACT_SUM: &str = "__sluice_exact_sum";
/// The call it writes for a compensated mean of doubles (DuckDB's `favg`).
pub const EXACT_MEAN: &str = "__sluice_exact_mean";

const T: Target = Target::Postgres;

fn unsupported(what: impl Into<String>) -> Unsupported {
    T.unsupported(what)
}

fn parse(sql: &str) -> Result<Option<Expr>, Unsupported> {
    reparse(T, sql).map(Some)
}

fn double(x: &impl std::fmt::Display) -> String {
    format!("CAST({x} AS DOUBLE PRECISION)")
}

/// The PostgreSQL form of one expression whose parts are rewritten already; None keeps it.
pub(super) fn rewrite_expr(e: &Expr) -> Result<Option<Expr>, Unsupported> {
    use sqlparser::ast::BinaryOperator as Op;
    match e {
        Expr::BinaryOp { left, op: Op::Divide, right } => {
            let (l, r) = (double(left), double(right));
            // x / 0 is x times Infinity in IEEE arithmetic: ±Infinity, or NaN for 0 and NaN.
            parse(&format!(
                "CASE WHEN {r} = 0 THEN {l} * CAST('Infinity' AS DOUBLE PRECISION) ELSE {l} / {r} END"
            ))
        }
        Expr::BinaryOp { op: Op::DuckIntegerDivide, .. } => Err(unsupported("integer division `//`")),
        Expr::BinaryOp {
            op:
                Op::PGRegexMatch
                | Op::PGRegexIMatch
                | Op::PGRegexNotMatch
                | Op::PGRegexNotIMatch
                | Op::PGLikeMatch
                | Op::PGILikeMatch
                | Op::PGNotLikeMatch
                | Op::PGNotILikeMatch,
            ..
        } => Err(unsupported(format!("the operator in {e}"))),
        Expr::Like { escape_char: None, negated, any: false, expr, pattern } => {
            parse(&format!("{expr} {}LIKE {pattern} ESCAPE ''", if *negated { "NOT " } else { "" }))
        }
        Expr::ILike { escape_char: None, negated, any: false, expr, pattern } => {
            parse(&format!("{expr} {}ILIKE {pattern} ESCAPE ''", if *negated { "NOT " } else { "" }))
        }
        Expr::Like { any: true, .. } | Expr::ILike { any: true, .. } => Err(unsupported(format!("{e}"))),
        Expr::Cast { kind, expr, data_type, format } => {
            if format.is_some() {
                return Err(unsupported("CAST ... FORMAT"));
            }
            if matches!(kind, CastKind::TryCast | CastKind::SafeCast) {
                return Err(unsupported(format!("{e} (PostgreSQL has no cast that gives NULL when it fails)")));
            }
            parse(&format!("CAST({expr} AS {})", type_of(data_type)?))
        }
        Expr::TypedString(t) => match &t.value.value {
            Value::SingleQuotedString(s) => parse(&format!("CAST('{}' AS {})", s.replace('\'', "''"), type_of(&t.data_type)?)),
            _ => Err(unsupported(format!("the literal {e}"))),
        },
        Expr::Interval(i) => interval(e, i),
        Expr::Array(a) => {
            if a.elem.is_empty() {
                return Err(unsupported("an empty list without a type"));
            }
            let items: Vec<String> = a.elem.iter().map(ToString::to_string).collect();
            parse(&format!("ARRAY[{}]", items.join(", ")))
        }
        Expr::CompoundFieldAccess { root, access_chain } => {
            // Both count list positions from 1; PostgreSQL subscripts an expression in brackets.
            let mut out = root.to_string();
            for access in access_chain {
                match access {
                    sqlparser::ast::AccessExpr::Subscript(sqlparser::ast::Subscript::Index { index }) => {
                        out = format!("({out})[{index}]");
                    }
                    _ => return Err(unsupported(format!("the access {e}"))),
                }
            }
            parse(&out)
        }
        Expr::Extract { field, expr, .. } => date_part(&field.to_string(), &expr.to_string()).map(Some),
        Expr::Substring { expr, substring_from, substring_for, .. } => {
            let from = substring_from.as_deref().ok_or_else(|| unsupported(format!("{e}")))?;
            substring(e, &expr.to_string(), from, substring_for.as_deref())
        }
        Expr::Trim { trim_where: None, trim_what: None, trim_characters: None, .. } => Ok(None),
        Expr::Trim { trim_where: None, trim_what: None, trim_characters: Some(chars), expr } if chars.len() == 1 => {
            parse(&format!("btrim({expr}, {})", chars[0]))
        }
        Expr::Trim { .. } => Err(unsupported(format!("{e}"))),
        Expr::Function(f) => function(f),
        Expr::Lambda(_) => Err(unsupported("lambda functions")),
        Expr::Dictionary(_) | Expr::Map(_) | Expr::Struct { .. } => Err(unsupported(format!("the value {e}"))),
        Expr::Collate { .. } => Err(unsupported("COLLATE (collation names differ)")),
        Expr::SimilarTo { .. } => Err(unsupported("SIMILAR TO")),
        Expr::RLike { .. } => Err(unsupported("regular expression operators")),
        Expr::AtTimeZone { .. } => Err(unsupported("AT TIME ZONE")),
        _ => Ok(None),
    }
}

fn interval(e: &Expr, i: &sqlparser::ast::Interval) -> Result<Option<Expr>, Unsupported> {
    if i.last_field.is_some() || i.leading_precision.is_some() || i.fractional_seconds_precision.is_some() {
        return Err(unsupported(format!("the interval {e}")));
    }
    let value = match i.value.as_ref() {
        Expr::Nested(inner) => inner.as_ref(),
        v => v,
    };
    let Expr::Value(ValueWithSpan { value: Value::Number(number, _), .. }) = value else {
        return Err(unsupported(format!("the interval {e}: only a number of one unit")));
    };
    let Some(unit) = &i.leading_field else {
        return Err(unsupported(format!("the interval {e}: name its unit, e.g. INTERVAL 3 DAY")));
    };
    let unit = unit.to_string().to_uppercase();
    let unit = unit.trim_end_matches('S');
    if !["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"].contains(&unit) {
        return Err(unsupported(format!("the interval unit {unit}")));
    }
    parse(&format!("INTERVAL '{number} {unit}'"))
}

/// `substring(s, start[, length])` from a start counted from 1: a start that is not a positive
/// literal counts from the end in DuckDB, not in PostgreSQL.
fn substring(e: &impl std::fmt::Display, s: &str, from: &Expr, length: Option<&Expr>) -> Result<Option<Expr>, Unsupported> {
    if !int_literal(from).is_some_and(|n| n >= 1) {
        return Err(unsupported(format!("{e}: a start that is not a positive whole number")));
    }
    match length {
        Some(n) => parse(&format!("substr({s}, {from}, {n})")),
        None => parse(&format!("substr({s}, {from})")),
    }
}

/// A date part as DuckDB's function of that name gives it (a BIGINT).
fn date_part(field: &str, x: &str) -> Result<Expr, Unsupported> {
    let field = field.to_lowercase();
    let part = match field.trim_end_matches('s') {
        "year" => "YEAR",
        "month" => "MONTH",
        "day" => "DAY",
        "hour" => "HOUR",
        "minute" => "MINUTE",
        "quarter" => "QUARTER",
        "week" | "weekofyear" => "WEEK",
        "dow" | "dayofweek" => "DOW",
        "isodow" => "ISODOW",
        "doy" | "dayofyear" => "DOY",
        // DuckDB's second has no fraction.
        "second" => return reparse(T, &format!("CAST(floor(EXTRACT(SECOND FROM {x})) AS BIGINT)")),
        "epoch" => return reparse(T, &format!("CAST(EXTRACT(EPOCH FROM {x}) AS DOUBLE PRECISION)")),
        other => return Err(unsupported(format!("the date part '{other}'"))),
    };
    reparse(T, &format!("CAST(EXTRACT({part} FROM {x}) AS BIGINT)"))
}

/// Functions that mean the same in DuckDB and PostgreSQL, under the same name.
const SAME: &[&str] = &[
    "coalesce", "nullif", "abs", "ceil", "ceiling", "floor", "sqrt", "cbrt", "exp", "ln", "log10", "sign", "power",
    "replace", "length", "reverse", "lpad", "rpad", "md5", "ascii", "repeat", "left", "right", "strpos", "sum",
    "min", "max", "count", "row_number", "rank", "dense_rank", "lag", "lead", "ntile", "percent_rank", "cume_dist",
    "first_value", "last_value", "greatest", "least", "cos", "sin", "tan", "atan", "atan2", "pi", "degrees",
    "radians", "bool_and", "bool_or", "current_date", "starts_with", "ltrim", "rtrim",
];

/// Aggregates whose DuckDB result is a DOUBLE whatever the argument's type.
const DOUBLE_AGGREGATES: &[&str] =
    &["avg", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop"];

/// `f` with another name, keeping its arguments, DISTINCT, FILTER and OVER.
fn renamed(f: &Function, name: &str) -> Result<Option<Expr>, Unsupported> {
    let mut g = f.clone();
    g.name = ObjectName::from(vec![Ident::new(name)]);
    Ok(Some(Expr::Function(g)))
}

/// `f` with another name and arguments, keeping DISTINCT, FILTER and OVER.
fn with_args(f: &Function, name: &str, new_args: &[String]) -> Result<Option<Expr>, Unsupported> {
    let text = format!("f({}{})", if distinct(f) { "DISTINCT " } else { "" }, new_args.join(", "));
    let Some(Expr::Function(parsed)) = parse(&text)? else { unreachable!("a call parses as a call") };
    let mut g = f.clone();
    g.args = parsed.args;
    g.name = ObjectName::from(vec![Ident::new(name)]);
    Ok(Some(Expr::Function(g)))
}

/// A plain call: no DISTINCT, FILTER or OVER.
fn plain(f: &Function) -> Result<(), Unsupported> {
    if distinct(f) || f.filter.is_some() || f.over.is_some() {
        return Err(unsupported(format!("the call {f}")));
    }
    Ok(())
}

fn function(f: &Function) -> Result<Option<Expr>, Unsupported> {
    let name = f.name.to_string().to_lowercase();
    let name = name.trim_matches('"');
    if !f.within_group.is_empty() {
        return Err(unsupported(format!("the call {f}")));
    }
    let a = args(T, f)?;
    let n = a.len();
    match name {
        "count" if distinct(f) && f.over.is_some() => Err(unsupported(format!("the distinct count over a window {f}"))),
        "round" if n == 1 || n == 2 => {
            // As NUMERIC: halves away from zero, as DuckDB rounds doubles and decimals.
            let mut b = vec![format!("CAST({} AS NUMERIC)", a[0])];
            b.extend(a.get(1).cloned());
            with_args(f, "round", &b)
        }
        "trim" if n == 1 => Ok(None),
        x if SAME.contains(&x) => Ok(None),
        "pow" => renamed(f, "power"),
        "ifnull" if n == 2 => renamed(f, "coalesce"),
        "instr" if n == 2 => renamed(f, "strpos"),
        "mean" | "avg" | "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop"
            if n == 1 && (name == "mean" || DOUBLE_AGGREGATES.contains(&name)) =>
        {
            let new = if name == "mean" { "avg" } else { name };
            with_args(f, new, &[double(&a[0])])
        }
        "median" | "quantile_cont" if (name == "median" && n == 1) || (name == "quantile_cont" && n == 2) => {
            if distinct(f) || f.over.is_some() {
                return Err(unsupported(format!("{f}: PostgreSQL has it as an aggregate only")));
            }
            let q = if name == "median" { "0.5".to_string() } else { a[1].clone() };
            let filter = f.filter.as_ref().map(|c| format!(" FILTER (WHERE {c})")).unwrap_or_default();
            parse(&format!("percentile_cont({q}) WITHIN GROUP (ORDER BY {}){filter}", double(&a[0])))
        }
        "lower" | "upper" if n == 1 => {
            plain(f)?;
            parse(&format!("({name}(CAST({} AS TEXT) COLLATE \"default\") COLLATE \"C\")", a[0]))
        }
        "concat" => {
            plain(f)?;
            // Both skip NULLs; booleans read 'true' and 'false' in DuckDB's text and in a cast.
            let parts: Vec<String> = a.iter().map(|x| format!("CAST({x} AS TEXT)")).collect();
            parse(&format!("concat({})", parts.join(", ")))
        }
        "concat_ws" if n >= 2 => {
            plain(f)?;
            let parts: Vec<String> = a.iter().map(|x| format!("CAST({x} AS TEXT)")).collect();
            parse(&format!("concat_ws({})", parts.join(", ")))
        }
        "if" | "iff" if n == 3 => {
            plain(f)?;
            parse(&format!("CASE WHEN {} THEN {} ELSE {} END", a[0], a[1], a[2]))
        }
        "isnan" if n == 1 => parse(&format!("({} = CAST('NaN' AS DOUBLE PRECISION))", double(&a[0]))),
        "contains" if n == 2 => parse(&format!("(strpos({}, {}) > 0)", a[0], a[1])),
        "ends_with" if n == 2 => parse(&format!("(right({0}, length({1})) = {1})", a[0], a[1])),
        "substring" | "substr" if n == 2 || n == 3 => {
            let Some(Expr::Function(g)) = parse(&format!("f({})", a.join(", ")))? else { unreachable!("a call") };
            let sqlparser::ast::FunctionArguments::List(list) = &g.args else { unreachable!("a list") };
            let from = match &list.args[1] {
                sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(x)) => x.clone(),
                _ => return Err(unsupported(format!("{f}"))),
            };
            let length = a.get(2).map(|l| reparse(T, l)).transpose()?;
            substring(f, &a[0], &from, length.as_ref())
        }
        "year" | "month" | "day" | "hour" | "minute" | "second" | "quarter" | "week" | "weekofyear" | "dayofweek"
        | "dow" | "isodow" | "dayofyear" | "doy" | "epoch"
            if n == 1 =>
        {
            plain(f)?;
            date_part(name, &a[0]).map(Some)
        }
        "date_part" | "datepart" if n == 2 => {
            plain(f)?;
            date_part(&literal_arg(T, f, 0)?, &a[1]).map(Some)
        }
        "date_trunc" | "datetrunc" if n == 2 => {
            plain(f)?;
            let unit = literal_arg(T, f, 0)?.to_lowercase();
            if !["year", "quarter", "month", "week", "day", "hour", "minute", "second"].contains(&unit.as_str()) {
                return Err(unsupported(format!("date_trunc to '{unit}'")));
            }
            // DuckDB truncates a DATE to a TIMESTAMP; PostgreSQL would take it for a time in the
            // session's zone.
            parse(&format!("date_trunc('{unit}', CAST({} AS TIMESTAMP))", a[1]))
        }
        "last_day" if n == 1 => {
            parse(&format!("CAST(date_trunc('month', CAST({} AS TIMESTAMP)) + INTERVAL '1 MONTH' - INTERVAL '1 DAY' AS DATE)", a[0]))
        }
        "epoch_us" if n == 1 => parse(&format!("CAST(EXTRACT(EPOCH FROM {}) * 1000000 AS BIGINT)", a[0])),
        "list_contains" | "array_contains" | "list_has" | "array_has" if n == 2 => parse(&format!(
            "CASE WHEN ({1}) IS NULL OR ({0}) IS NULL THEN NULL ELSE array_position({0}, {1}) IS NOT NULL END",
            a[0], a[1]
        )),
        "regexp_matches" if n == 2 => {
            let p = regex(f)?;
            parse(&format!("({} ~ '{}')", a[0], p.replace('\'', "''")))
        }
        "regexp_full_match" if n == 2 => {
            let p = regex(f)?;
            parse(&format!("({} ~ '^(?:{})$')", a[0], p.replace('\'', "''")))
        }
        "strftime" if n == 2 => {
            let fmt = literal_arg(T, f, 1)?;
            parse(&format!("to_char({}, '{}')", a[0], pg_pattern(&fmt)?.replace('\'', "''")))
        }
        "strptime" if n == 2 => {
            let fmt = literal_arg(T, f, 1)?;
            parse(&format!("CAST(to_timestamp({}, '{}') AS TIMESTAMP)", a[0], pg_pattern(&fmt)?.replace('\'', "''")))
        }
        "date_diff" | "datediff" if n == 3 => {
            let unit = literal_arg(T, f, 0)?.to_lowercase();
            let (x, y) = (&a[1], &a[2]);
            let epoch = |t: &str| format!("EXTRACT(EPOCH FROM CAST({t} AS TIMESTAMP))");
            // Boundaries crossed, as DuckDB counts them.
            let text = match unit.trim_end_matches('s') {
                "day" => format!("(CAST({y} AS DATE) - CAST({x} AS DATE))"),
                "month" => format!(
                    "((EXTRACT(YEAR FROM {y}) * 12 + EXTRACT(MONTH FROM {y})) - (EXTRACT(YEAR FROM {x}) * 12 + EXTRACT(MONTH FROM {x})))"
                ),
                "year" => format!("(EXTRACT(YEAR FROM {y}) - EXTRACT(YEAR FROM {x}))"),
                "hour" => format!("(floor({} / 3600) - floor({} / 3600))", epoch(y), epoch(x)),
                "minute" => format!("(floor({} / 60) - floor({} / 60))", epoch(y), epoch(x)),
                "second" => format!("(floor({}) - floor({}))", epoch(y), epoch(x)),
                other => return Err(unsupported(format!("date_diff in unit '{other}'"))),
            };
            parse(&format!("CAST({text} AS BIGINT)"))
        }
        EXACT_SUM if n == 1 => {
            plain(f)?;
            parse(&exact_sum(&a[0]))
        }
        EXACT_MEAN if n == 1 => {
            plain(f)?;
            parse(&exact_mean(&a[0]))
        }
        other => Err(unsupported(format!("the function {other}()"))),
    }
}

/// The pattern of a regular expression call, when it means the same in DuckDB (RE2) and
/// PostgreSQL: a literal without escapes whose meaning differs (`\b` is a word boundary in RE2,
/// a backspace in PostgreSQL) and without lookaround.
fn regex(f: &Function) -> Result<String, Unsupported> {
    let p = literal_arg(T, f, 1)?;
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e) if e.is_ascii_alphabetic() && !"dDwWsSnt".contains(e) => {
                    return Err(unsupported(format!("the escape \\{e} in the pattern '{p}'")))
                }
                _ => {}
            }
        }
    }
    if p.contains("(?=") || p.contains("(?!") || p.contains("(?<") || p.contains("(?P") {
        return Err(unsupported(format!("the group in the pattern '{p}'")));
    }
    Ok(p)
}

/// A DuckDB strftime/strptime format as a PostgreSQL to_char/to_timestamp one; literal text
/// double-quoted, names without their padding (`FM`).
fn pg_pattern(fmt: &str) -> Result<String, Unsupported> {
    pattern(T, fmt, '"', |spec| {
        Some(match spec {
            'Y' => "YYYY",
            'y' => "YY",
            'm' => "MM",
            'd' => "DD",
            'H' => "HH24",
            'M' => "MI",
            'S' => "SS",
            'j' => "DDD",
            'b' | 'h' => "Mon",
            'B' => "FMMonth",
            'a' => "Dy",
            'A' => "FMDay",
            _ => return None,
        })
    })
}

/// Double `v` (an expression that is not an aggregate) as the whole number of 2^-1074 it is,
/// a NUMERIC: from its bits (sign, exponent, fraction), exactly.
fn units(v: &str) -> String {
    let bits = format!("CAST(CAST('x' || encode(float8send({v}), 'hex') AS BIT(64)) AS BIGINT)");
    let exponent = format!("(({bits} >> 52) & 2047)");
    let fraction = format!("({bits} & 4503599627370495)");
    let magnitude = format!(
        "CASE WHEN {exponent} = 0 THEN CAST({fraction} AS NUMERIC) \
         ELSE CAST({fraction} + 4503599627370496 AS NUMERIC) * power(CAST(2 AS NUMERIC), {exponent} - 1) END"
    );
    format!("CASE WHEN {bits} < 0 THEN -({magnitude}) ELSE {magnitude} END")
}

/// A whole number of 2^-1074 as the nearest double: its decimal digits times 5^1074, read with
/// the exponent `e-1074` (one correctly rounded conversion).
fn to_double(units: &str) -> String {
    format!("CAST(CAST(({units}) * power(CAST(5 AS NUMERIC), 1074) AS TEXT) || 'e-1074' AS DOUBLE PRECISION)")
}

/// Whether any of the doubles `v` is NaN or infinite (their exponent is all ones).
fn any_special(v: &str) -> String {
    format!("bool_or(((CAST(CAST('x' || encode(float8send({v}), 'hex') AS BIT(64)) AS BIGINT) >> 52) & 2047) = 2047)")
}

/// The correctly rounded sum of the doubles `x`, in any order: each double is an exact whole
/// number of 2^-1074 ([`units`]), those add up exactly as NUMERIC, and the total is rounded to a
/// double once. NaN and infinities add up as doubles.
fn exact_sum(x: &str) -> String {
    let v = double(&x);
    format!(
        "CASE WHEN count({v}) = 0 THEN NULL WHEN {} THEN sum({v}) ELSE {} END",
        any_special(&v),
        to_double(&format!("sum({})", units(&v)))
    )
}

/// The mean of the doubles `x` as DuckDB's compensated mean gives it: the sum's double and what
/// it leaves out (exactly, then rounded), each divided by the count, added.
fn exact_mean(x: &str) -> String {
    let v = double(&x);
    let total = format!("sum({})", units(&v));
    let hi = to_double(&total);
    let rest = to_double(&format!("{total} - ({})", units(&hi)));
    let n = format!("CAST(count({v}) AS DOUBLE PRECISION)");
    format!(
        "CASE WHEN count({v}) = 0 THEN NULL WHEN {} THEN avg({v}) ELSE {hi} / {n} + {rest} / {n} END",
        any_special(&v)
    )
}

/// A DuckDB type as PostgreSQL's.
pub(super) fn type_of(t: &DataType) -> Result<String, Unsupported> {
    use sqlparser::ast::{ArrayElemTypeDef, ExactNumberInfo as N, TimezoneInfo as Tz};
    use DataType as D;
    Ok(match t {
        D::Varchar(_) | D::Text | D::String(_) | D::Char(_) | D::CharVarying(_) | D::Nvarchar(_) => "TEXT".into(),
        D::Boolean | D::Bool => "BOOLEAN".into(),
        D::TinyInt(_) | D::SmallInt(_) | D::Int2(_) => "SMALLINT".into(),
        D::Int(_) | D::Integer(_) | D::Int4(_) => "INTEGER".into(),
        D::BigInt(_) | D::Int8(_) | D::Int64 => "BIGINT".into(),
        D::HugeInt => "NUMERIC(39, 0)".into(),
        D::Float(_) | D::Real | D::Float4 => "REAL".into(),
        D::Double(_) | D::DoublePrecision | D::Float8 | D::Float64 => "DOUBLE PRECISION".into(),
        D::Decimal(info) | D::Numeric(info) | D::Dec(info) => {
            let (p, s) = match info {
                N::PrecisionAndScale(p, s) => (*p, *s as u64),
                N::Precision(p) => (*p, 0),
                // DuckDB's bare DECIMAL is DECIMAL(18, 3); PostgreSQL's bare NUMERIC has no scale.
                N::None => (18, 3),
            };
            format!("NUMERIC({p}, {s})")
        }
        D::Date => "DATE".into(),
        D::Time(None, Tz::None | Tz::WithoutTimeZone) => "TIME".into(),
        D::Timestamp(None, Tz::None | Tz::WithoutTimeZone) | D::Datetime(None) => "TIMESTAMP".into(),
        D::Timestamp(None, Tz::WithTimeZone | Tz::Tz) => "TIMESTAMPTZ".into(),
        D::Blob(None) | D::Bytea => "BYTEA".into(),
        D::Uuid => "UUID".into(),
        D::Interval { fields: None, precision: None } => "INTERVAL".into(),
        D::Array(ArrayElemTypeDef::SquareBracket(inner, None)) => format!("{}[]", type_of(inner)?),
        other => return Err(unsupported(format!("the type {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{expr, query, type_name};
    use super::*;

    fn pg(sql: &str) -> String {
        expr(T, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    #[test]
    fn division_casts_and_literals_keep_duckdb_meanings() {
        assert_eq!(
            pg("a / n"),
            "CASE WHEN CAST(\"n\" AS DOUBLE PRECISION) = 0 THEN CAST(\"a\" AS DOUBLE PRECISION) * CAST('Infinity' AS DOUBLE PRECISION) \
             ELSE CAST(\"a\" AS DOUBLE PRECISION) / CAST(\"n\" AS DOUBLE PRECISION) END"
        );
        assert_eq!(pg("x::DECIMAL(12, 2) + 1"), "CAST(\"x\" AS NUMERIC(12,2)) + 1");
        assert_eq!(pg("'it''s \\ here'"), "'it''s \\ here'");
        assert_eq!(pg("name LIKE 'a\\_%'"), "\"name\" LIKE 'a\\_%' ESCAPE ''");
        assert_eq!(pg("t - INTERVAL 91 DAY"), "\"t\" - INTERVAL '91 DAY'");
        assert_eq!(pg("TIMESTAMP '2025-07-01 00:00:00'"), "CAST('2025-07-01 00:00:00' AS TIMESTAMP)");
        assert_eq!(pg("round(amount, 2)"), "round(CAST(\"amount\" AS NUMERIC), 2)");
        assert_eq!(pg("avg(x) FILTER (WHERE y > 1)"), "avg(CAST(\"x\" AS DOUBLE PRECISION)) FILTER (WHERE \"y\" > 1)");
        assert_eq!(pg("median(x)"), "percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(\"x\" AS DOUBLE PRECISION))");
        assert_eq!(pg("year(t)"), "CAST(EXTRACT(YEAR FROM \"t\") AS BIGINT)");
        assert_eq!(pg("second(t)"), "CAST(FLOOR(EXTRACT(SECOND FROM \"t\")) AS BIGINT)");
        assert_eq!(pg("xs[2]"), "(\"xs\")[2]");
        assert_eq!(pg("CAST(s AS VARCHAR[])[1]"), "(CAST(\"s\" AS TEXT[]))[1]");
        assert_eq!(pg("concat(a, true)"), "concat(CAST(\"a\" AS TEXT), CAST(true AS TEXT))");
        assert_eq!(pg("lower(s)"), "(lower(CAST(\"s\" AS TEXT) COLLATE \"default\") COLLATE \"C\")");
        assert_eq!(pg("strftime(t, '%Y-%m-%d at %H')"), "to_char(\"t\", 'YYYY-MM-DD \"at\" HH24')");
        assert_eq!(
            pg("list_contains(['a', 'b'], s)"),
            "CASE WHEN (\"s\") IS NULL OR (ARRAY['a', 'b']) IS NULL THEN NULL ELSE array_position(ARRAY['a', 'b'], \"s\") IS NOT NULL END"
        );
        assert_eq!(pg("date_diff('day', a, b)"), "CAST((CAST(\"b\" AS DATE) - CAST(\"a\" AS DATE)) AS BIGINT)");
    }

    #[test]
    fn refuses_what_would_mean_something_else() {
        for (sql, what) in [
            ("TRY_CAST(x AS INTEGER)", "no cast that gives NULL"),
            ("list_sum(xs)", "the function list_sum()"),
            ("a // b", "integer division"),
            ("substring(s, -3, 2)", "positive whole number"),
            ("regexp_matches(s, '\\bword')", "the escape \\b"),
            ("x::UBIGINT", "the type UBIGINT"),
            ("s COLLATE nocase", "COLLATE"),
            ("{'k': 1}", "the value"),
            ("count(DISTINCT x) OVER ()", "distinct count over a window"),
            ("s ~ 'a.*'", "operator"),
        ] {
            let e = expr(T, sql).unwrap_err();
            assert!(e.what.contains(what), "{sql}: {}", e.what);
            assert_eq!(e.dialect, "postgres");
        }
        assert!(query(T, "SELECT a FROM t GROUP BY ALL").unwrap_err().what.contains("GROUP BY ALL"));
        assert!(query(T, "SELECT a FROM t QUALIFY row_number() OVER () = 1").unwrap_err().what.contains("QUALIFY"));
    }

    #[test]
    fn queries_name_subqueries_and_sort_nulls_last() {
        assert_eq!(
            query(T, "SELECT count(*) FILTER (WHERE c > 1) AS n FROM (SELECT count(*) OVER (PARTITION BY k) AS c FROM t) ORDER BY n DESC").unwrap(),
            "SELECT count(*) FILTER (WHERE \"c\" > 1) AS \"n\" FROM (SELECT count(*) OVER (PARTITION BY \"k\") AS \"c\" FROM \"t\") AS \"__sluice_sub1\" \
             ORDER BY \"n\" DESC NULLS LAST"
        );
    }

    #[test]
    fn types_as_postgres_spells_them() {
        for (duck, pg) in [
            ("VARCHAR", "TEXT"),
            ("DOUBLE", "DOUBLE PRECISION"),
            ("DECIMAL(12,2)", "NUMERIC(12, 2)"),
            ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"),
            ("TIMESTAMP", "TIMESTAMP"),
            ("BLOB", "BYTEA"),
            ("HUGEINT", "NUMERIC(39, 0)"),
            ("VARCHAR[]", "TEXT[]"),
        ] {
            assert_eq!(type_name(T, duck).unwrap(), pg, "{duck}");
        }
        assert!(type_name(T, "JSON").is_err());
    }

    #[test]
    fn exact_sums_are_one_aggregate_expression() {
        let sum = pg(&format!("{EXACT_SUM}(x)"));
        assert!(sum.starts_with("CASE WHEN count(CAST(\"x\" AS DOUBLE PRECISION)) = 0 THEN NULL"), "{sum}");
        assert!(sum.contains("float8send(CAST(\"x\" AS DOUBLE PRECISION))") && sum.ends_with("|| 'e-1074' AS DOUBLE PRECISION) END"), "{sum}");
        assert!(expr(T, &format!("{EXACT_SUM}(x) OVER ()")).is_err());
        let mean = pg(&format!("{EXACT_MEAN}(x)"));
        assert!(mean.ends_with("/ CAST(count(CAST(\"x\" AS DOUBLE PRECISION)) AS DOUBLE PRECISION) END"), "{mean}");
        assert!(mean.contains("THEN avg(CAST(\"x\" AS DOUBLE PRECISION)) ELSE"), "{mean}");
    }
}
