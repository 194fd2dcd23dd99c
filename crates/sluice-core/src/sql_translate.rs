//! DuckDB SQL (compiled nodes, with users' derive columns, filter predicates and SQL nodes in
//! them) spelt as another engine's SQL with the same meaning, or refused with the construct named.
//!
//! The SQL is parsed (sqlparser's DuckDB dialect), rewritten bottom-up for a [`Target`] and printed
//! again. Only functions whose meaning there is known to be DuckDB's pass, by an explicit list;
//! every other function is refused, so an export never carries a model that computes something
//! else. The traps handled, for both targets:
//! - `/` is DuckDB's float division and gives NULL for a zero divisor;
//! - `avg` is a DOUBLE in DuckDB (the others keep DECIMAL or NUMBER): the argument is cast;
//! - ORDER BY puts NULLs last in DuckDB, first in Spark for ascending keys and in Snowflake for
//!   descending ones: spelt explicitly;
//! - `concat` skips NULLs in DuckDB, and so do `greatest` and `least`;
//! - date parts, differences and formats use other names and patterns;
//! - timestamps are DuckDB's naive ones: `TIMESTAMP_NTZ`;
//! - string literals escape backslashes in both; Spark quotes identifiers with backticks, and
//!   Snowflake folds unquoted ones to upper case, so every name is quoted there.
//!
//! PostgreSQL (dbt-postgres) is rewritten by [`postgres`]: its functions, types and traps differ
//! enough from the other two that it has a module of its own; the walk, the quoting of names and
//! the spelling of literals are shared.

use std::ops::ControlFlow;

use sqlparser::ast::{
    CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, NamedWindowDefinition,
    NamedWindowExpr, ObjectName, ObjectNamePart, OrderByExpr, Query, Select, SelectItem, TableFactor, Value,
    ValueWithSpan, VisitMut, VisitorMut, WindowFrame, WindowFrameBound, WindowFrameUnits, WindowSpec, WindowType,
};
use sqlparser::dialect::DuckDbDialect;
use sqlparser::parser::Parser;

use crate::dialect::{snowflake_string, spark_string, Unsupported};

mod postgres;

pub use postgres::{EXACT_MEAN, EXACT_SUM};

/// What an arm for PostgreSQL would be where [`postgres`] has rewritten the node already.
fn rewritten_by_postgres() -> ! {
    unreachable!("PostgreSQL expressions are rewritten by sql_translate::postgres")
}

/// The engine SQL is translated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Spark,
    Snowflake,
    Postgres,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Spark => "spark",
            Target::Snowflake => "snowflake",
            Target::Postgres => "postgres",
        }
    }
    fn unsupported(self, what: impl Into<String>) -> Unsupported {
        Unsupported { dialect: self.name(), what: what.into() }
    }
    fn string(self, s: &str) -> String {
        match self {
            Target::Spark => spark_string(s),
            Target::Snowflake => snowflake_string(s),
            // standard_conforming_strings (on by default): a backslash is text, as in DuckDB.
            Target::Postgres => format!("'{}'", s.replace('\'', "''")),
        }
    }
}

/// Marks a string literal in the printed SQL until it is spelt the target's way.
const LIT: char = '\u{2}';

/// A DuckDB expression in `target`'s SQL.
pub fn expr(target: Target, sql: &str) -> Result<String, Unsupported> {
    let mut parser = Parser::new(&DuckDbDialect {})
        .try_with_sql(sql)
        .map_err(|e| target.unsupported(format!("the expression `{sql}` ({e})")))?;
    let mut e = parser.parse_expr().map_err(|e| target.unsupported(format!("the expression `{sql}` ({e})")))?;
    rewrite(target, &mut e)?;
    Ok(finish(target, &mut e, false))
}

/// A DuckDB query (one SELECT statement) in `target`'s SQL, on one line.
pub fn query(target: Target, sql: &str) -> Result<String, Unsupported> {
    translate_query(target, sql, false)
}

/// [`query`] laid out on several lines, indented, for people to read.
pub fn query_pretty(target: Target, sql: &str) -> Result<String, Unsupported> {
    translate_query(target, sql, true)
}

fn translate_query(target: Target, sql: &str, pretty: bool) -> Result<String, Unsupported> {
    let mut statements =
        Parser::parse_sql(&DuckDbDialect {}, sql).map_err(|e| target.unsupported(format!("the query ({e})")))?;
    if statements.len() != 1 {
        return Err(target.unsupported("a query of more than one statement"));
    }
    let mut s = statements.remove(0);
    if !matches!(s, sqlparser::ast::Statement::Query(_)) {
        return Err(target.unsupported("a statement that is not a query"));
    }
    rewrite(target, &mut s)?;
    Ok(finish(target, &mut s, pretty))
}

fn rewrite<T: VisitMut>(target: Target, node: &mut T) -> Result<(), Unsupported> {
    if target != Target::Spark {
        // Names are quoted before anything is rewritten: what the rewriting adds (date parts,
        // function names) stays as written. PostgreSQL folds unquoted names to lower case.
        let _ = node.visit(&mut QuoteNames);
    }
    match node.visit(&mut Rewrite { target, subqueries: 0 }) {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Print; string literals go through placeholders so that they can be escaped as the target
/// reads them, and Spark's identifiers are quoted with backticks.
fn finish<T: VisitMut + std::fmt::Display>(target: Target, node: &mut T, pretty: bool) -> String {
    let mut lits = Literals { target, values: Vec::new() };
    let _ = node.visit(&mut lits);
    let mut out = if pretty { format!("{node:#}") } else { node.to_string() };
    for (i, s) in lits.values.iter().enumerate().rev() {
        out = out.replace(&format!("'{LIT}{i}{LIT}'"), &target.string(s));
    }
    out
}

struct Literals {
    target: Target,
    values: Vec<String>,
}

impl VisitorMut for Literals {
    type Break = ();
    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        if self.target == Target::Spark && ident.quote_style == Some('"') {
            ident.quote_style = Some('`');
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        if let Value::SingleQuotedString(s) = &value.value {
            self.values.push(s.clone());
            value.value = Value::SingleQuotedString(format!("{LIT}{}{LIT}", self.values.len() - 1));
        }
        ControlFlow::Continue(())
    }
}

/// Quotes every column, alias and relation name as written: DuckDB matches names without regard
/// to case, Snowflake folds unquoted names to upper case and sluice's columns are mostly lower
/// case.
struct QuoteNames;

fn quote(ident: &mut Ident) {
    if ident.quote_style.is_none() {
        ident.quote_style = Some('"');
    }
}

fn quote_object(name: &mut ObjectName) {
    for part in &mut name.0 {
        if let ObjectNamePart::Identifier(i) = part {
            quote(i);
        }
    }
}

impl VisitorMut for QuoteNames {
    type Break = ();
    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(i) => quote(i),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(quote),
            _ => {}
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        for item in &mut select.projection {
            match item {
                SelectItem::ExprWithAlias { alias, .. } => quote(alias),
                SelectItem::QualifiedWildcard(sqlparser::ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                    quote_object(n)
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        let alias = match t {
            TableFactor::Table { name, alias, .. } => {
                quote_object(name);
                alias
            }
            TableFactor::Derived { alias, .. } => alias,
            _ => return ControlFlow::Continue(()),
        };
        if let Some(a) = alias {
            quote(&mut a.name);
            for c in &mut a.columns {
                quote(&mut c.name);
            }
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &mut q.with {
            for cte in &mut with.cte_tables {
                quote(&mut cte.alias.name);
                for c in &mut cte.alias.columns {
                    quote(&mut c.name);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

struct Rewrite {
    target: Target,
    /// Subqueries in FROM named so far (PostgreSQL wants every one named).
    subqueries: usize,
}

impl VisitorMut for Rewrite {
    type Break = Unsupported;

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<Unsupported> {
        // `count(DISTINCT (a, b))` counts distinct rows of values, NULLs included; Snowflake's
        // `COUNT(DISTINCT a, b)` skips rows with a NULL, an array of variants does not (a NULL
        // is an undefined element, which still takes its place).
        if self.target == Target::Snowflake {
            if let Expr::Function(f) = e {
                if let FunctionArguments::List(list) = &mut f.args {
                    if list.duplicate_treatment.is_some() && list.args.len() == 1 {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Tuple(items))) = &list.args[0] {
                            let parts: Vec<String> = items.iter().map(|x| format!("TO_VARIANT({x})")).collect();
                            match reparse(self.target, &format!("ARRAY_CONSTRUCT({})", parts.join(", "))) {
                                Ok(object) => list.args[0] = FunctionArg::Unnamed(FunctionArgExpr::Expr(object)),
                                Err(u) => return ControlFlow::Break(u),
                            }
                        }
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<Unsupported> {
        if self.target == Target::Snowflake {
            if let Err(u) = mark_series(select) {
                return ControlFlow::Break(u);
            }
        }
        if self.target == Target::Snowflake && !select.named_window.is_empty() {
            // Named windows are written into each OVER: Snowflake's own documentation has no
            // WINDOW clause.
            let mut defs = Vec::new();
            for NamedWindowDefinition(name, def) in &select.named_window {
                match def {
                    NamedWindowExpr::WindowSpec(spec) if spec.window_name.is_none() => {
                        defs.push((name.value.clone(), spec.clone()))
                    }
                    _ => return ControlFlow::Break(self.target.unsupported(format!("the window {name} defined from another"))),
                }
            }
            let mut inline = InlineWindows(defs);
            let _ = select.projection.visit(&mut inline);
            let _ = select.having.visit(&mut inline);
            let _ = select.qualify.visit(&mut inline);
            select.named_window.clear();
        }
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, select: &mut Select) -> ControlFlow<Unsupported> {
        if self.target == Target::Snowflake {
            if let Err(u) = series_from_range(select) {
                return ControlFlow::Break(u);
            }
        }
        // `FROM t WHERE (c)`: Spark reads `WHERE (c)` as an alias of t with a column list.
        while let Some(Expr::Nested(inner)) = &select.selection {
            select.selection = Some((**inner).clone());
        }
        if select.qualify.is_some() && matches!(self.target, Target::Spark | Target::Postgres) {
            return ControlFlow::Break(self.target.unsupported("QUALIFY"));
        }
        if self.target == Target::Postgres && matches!(select.group_by, sqlparser::ast::GroupByExpr::All(_)) {
            return ControlFlow::Break(self.target.unsupported("GROUP BY ALL; list the grouping columns"));
        }
        for item in &select.projection {
            let options = match item {
                SelectItem::Wildcard(o) | SelectItem::QualifiedWildcard(_, o) => o,
                _ => continue,
            };
            if options.opt_exclude.is_some() || options.opt_replace.is_some() || options.opt_rename.is_some() {
                return ControlFlow::Break(self.target.unsupported("`* EXCLUDE/REPLACE/RENAME`; list the columns"));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<Unsupported> {
        // What a sink's order over all columns is when the columns are not known (see
        // `Translated::order_by_all`).
        if self.target == Target::Postgres
            && q.order_by.as_ref().is_some_and(|o| matches!(o.kind, sqlparser::ast::OrderByKind::All(_)))
        {
            return ControlFlow::Break(self.target.unsupported(
                "ORDER BY ALL: the columns are not known (could the sources' databases be reached when exporting?)",
            ));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<Unsupported> {
        // PostgreSQL before 16 refuses a subquery in FROM without a name.
        if let (Target::Postgres, TableFactor::Derived { alias, .. }) = (self.target, t) {
            if alias.is_none() {
                self.subqueries += 1;
                *alias = Some(sqlparser::ast::TableAlias {
                    explicit: true,
                    name: Ident::with_quote('"', format!("__sluice_sub{}", self.subqueries)),
                    columns: vec![],
                    at: None,
                });
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_order_by_expr(&mut self, o: &mut OrderByExpr) -> ControlFlow<Unsupported> {
        if o.options.nulls_first.is_none() {
            o.options.nulls_first = Some(false);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<Unsupported> {
        if let (Target::Snowflake, Expr::Function(f)) = (self.target, &mut *e) {
            explicit_frame(f);
        }
        match rewrite_expr(self.target, e) {
            Ok(Some(new)) => {
                *e = new;
                ControlFlow::Continue(())
            }
            Ok(None) => ControlFlow::Continue(()),
            Err(u) => ControlFlow::Break(u),
        }
    }
}

/// The call that stands for `unnest(generate_series(start, stop, step))` between
/// [`mark_series`] and [`series_from_range`]: (start, stop, step count, unit or '').
const SERIES: &str = "__sluice_series";

/// `SELECT unnest(generate_series(a, b, step)) AS x` (no FROM) is the one form of series this
/// translation spells for Snowflake, as rows of a range; marks it for [`series_from_range`].
fn mark_series(select: &mut Select) -> Result<(), Unsupported> {
    let target = Target::Snowflake;
    if !select.from.is_empty() || select.projection.len() != 1 {
        return Ok(());
    }
    let SelectItem::ExprWithAlias { expr: Expr::Function(unnest), .. } = &mut select.projection[0] else { return Ok(()) };
    if !unnest.name.to_string().eq_ignore_ascii_case("unnest") {
        return Ok(());
    }
    let FunctionArguments::List(list) = &unnest.args else { return Ok(()) };
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Function(series)))] = list.args.as_slice() else { return Ok(()) };
    if !series.name.to_string().eq_ignore_ascii_case("generate_series") {
        return Ok(());
    }
    let FunctionArguments::List(sargs) = &series.args else { return Ok(()) };
    let exprs: Vec<&Expr> = sargs
        .args
        .iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect();
    let [start, stop, step] = exprs.as_slice() else {
        return Err(target.unsupported(format!("{series}: give start, stop and step")));
    };
    let (count, unit) = match step {
        Expr::Interval(i) => {
            let n = match i.value.as_ref() {
                Expr::Value(ValueWithSpan { value: Value::Number(n, _), .. }) => n.clone(),
                Expr::Nested(inner) => inner.to_string(),
                _ => return Err(target.unsupported(format!("{series}: a step of one number of one unit"))),
            };
            let unit = i.leading_field.as_ref().map(|f| f.to_string().to_lowercase()).unwrap_or_default();
            let unit = unit.trim_end_matches('s').to_string();
            if !["year", "month", "day", "hour", "minute", "second"].contains(&unit.as_str()) {
                return Err(target.unsupported(format!("{series}: the step unit '{unit}'")));
            }
            if unit == "year" || unit == "month" {
                // DuckDB adds the step again and again (31 Jan, 29 Feb, 29 Mar); Snowflake's
                // DATEADD from the start (31 Mar): the same only from a day up to the 28th.
                let day = literal_timestamp(start).and_then(|t| t.get(8..10)?.parse::<u32>().ok());
                if !matches!(day, Some(d) if d <= 28) {
                    return Err(target.unsupported(format!(
                        "{series}: months or years from a start that is not a literal date up to the 28th"
                    )));
                }
            }
            (n, unit)
        }
        other => match int_literal(other) {
            Some(n) if n > 0 => (n.to_string(), String::new()),
            _ => return Err(target.unsupported(format!("{series}: a step that is not a positive integer or an interval"))),
        },
    };
    let marker = format!("{SERIES}({start}, {stop}, {count}, '{unit}')");
    let marker = reparse(target, &marker)?;
    if let SelectItem::ExprWithAlias { expr, .. } = &mut select.projection[0] {
        *expr = marker;
    }
    Ok(())
}

/// The text of a timestamp or date literal (`CAST('…' AS TIMESTAMP)`, `TIMESTAMP '…'`).
fn literal_timestamp(e: &Expr) -> Option<String> {
    match e {
        Expr::Cast { expr, .. } => literal_timestamp(expr),
        Expr::TypedString(t) => match &t.value.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(s), .. }) => Some(s.clone()),
        Expr::Nested(inner) => literal_timestamp(inner),
        _ => None,
    }
}

/// The marked series ([`mark_series`]) as Snowflake rows: a range of step numbers flattened,
/// each added to the start, those past the stop dropped.
fn series_from_range(select: &mut Select) -> Result<(), Unsupported> {
    let target = Target::Snowflake;
    let [SelectItem::ExprWithAlias { expr: Expr::Function(f), alias }] = select.projection.as_slice() else { return Ok(()) };
    if f.name.to_string() != SERIES {
        return Ok(());
    }
    let a = args(target, f)?;
    let [start, stop, count, unit] = a.as_slice() else { unreachable!("the marker has four arguments") };
    let unit = unit.trim_matches('\'');
    let k = "\"__sluice_g\".INDEX";
    let sql = if unit.is_empty() {
        format!(
            "SELECT {start} + {count} * {k} AS {alias} \
             FROM TABLE(FLATTEN(ARRAY_GENERATE_RANGE(0, CAST(GREATEST(FLOOR(({stop} - {start}) / {count}) + 1, 0) AS BIGINT)))) AS \"__sluice_g\""
        )
    } else {
        let value = format!("DATEADD({unit}, {count} * {k}, {start})");
        format!(
            "SELECT {value} AS {alias} \
             FROM TABLE(FLATTEN(ARRAY_GENERATE_RANGE(0, CAST(GREATEST(FLOOR(DATEDIFF({unit}, {start}, {stop}) / {count}) + 1, 0) AS BIGINT)))) AS \"__sluice_g\" \
             WHERE {value} <= {stop}"
        )
    };
    let statements = Parser::parse_sql(&DuckDbDialect {}, &sql).map_err(|e| target.unsupported(format!("`{sql}` ({e})")))?;
    let Some(sqlparser::ast::Statement::Query(q)) = statements.into_iter().next() else { unreachable!("a query") };
    let sqlparser::ast::SetExpr::Select(new) = *q.body else { unreachable!("a select") };
    *select = *new;
    Ok(())
}

/// Replaces references to named windows by their definitions.
struct InlineWindows(Vec<(String, WindowSpec)>);

impl VisitorMut for InlineWindows {
    type Break = ();
    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = e {
            if let Some(WindowType::NamedWindow(name)) = &f.over {
                if let Some((_, spec)) = self.0.iter().find(|(n, _)| *n == name.value) {
                    f.over = Some(WindowType::WindowSpec(spec.clone()));
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Aggregates over an ordered window get DuckDB's default frame written out (from the start of
/// the partition to the current row's peers), whatever Snowflake's default for the function.
fn explicit_frame(f: &mut Function) {
    const FRAMED: &[&str] = &[
        "sum", "avg", "mean", "count", "min", "max", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp",
        "var_pop", "bool_and", "bool_or", "first_value", "last_value", "any_value",
    ];
    let name = f.name.to_string().to_lowercase();
    if !FRAMED.contains(&name.trim_matches('"')) {
        return;
    }
    if let Some(WindowType::WindowSpec(spec)) = &mut f.over {
        if !spec.order_by.is_empty() && spec.window_frame.is_none() {
            spec.window_frame = Some(WindowFrame {
                units: WindowFrameUnits::Range,
                start_bound: WindowFrameBound::Preceding(None),
                end_bound: Some(WindowFrameBound::CurrentRow),
            });
        }
    }
}

/// Parse SQL text we wrote (from already rewritten parts) back into an expression.
fn reparse(target: Target, sql: &str) -> Result<Expr, Unsupported> {
    Parser::new(&DuckDbDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| target.unsupported(format!("`{sql}` ({e})")))
}

/// An integer literal's value.
fn int_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(ValueWithSpan { value: Value::Number(n, false), .. }) => n.parse().ok(),
        Expr::Nested(inner) => int_literal(inner),
        _ => None,
    }
}

fn rewrite_expr(target: Target, e: &Expr) -> Result<Option<Expr>, Unsupported> {
    use sqlparser::ast::BinaryOperator as Op;
    let reparse = |sql: &str| reparse(target, sql);
    let unsupported = |what: String| target.unsupported(what);
    if target == Target::Postgres {
        return postgres::rewrite_expr(e);
    }
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
        Expr::BinaryOp { left, op: Op::Divide, right } => Some(reparse(&match target {
            Target::Spark => format!("try_divide(CAST({left} AS DOUBLE), CAST({right} AS DOUBLE))"),
            Target::Snowflake => format!("(CAST({left} AS DOUBLE) / NULLIF(CAST({right} AS DOUBLE), 0))"),
            Target::Postgres => rewritten_by_postgres(),
        })?),
        Expr::BinaryOp { op: Op::DuckIntegerDivide, .. } => return Err(unsupported("integer division `//`".into())),
        Expr::Cast { kind, expr, data_type, format } => {
            if format.is_some() {
                return Err(unsupported("CAST ... FORMAT".into()));
            }
            let ty = type_of(target, data_type)?;
            let f = match kind {
                CastKind::TryCast | CastKind::SafeCast => match target {
                    Target::Spark => "try_cast",
                    // Snowflake's TRY_CAST takes text only; a cast of anything else cannot fail
                    // where DuckDB's would not.
                    Target::Snowflake => "TRY_CAST",
                    Target::Postgres => rewritten_by_postgres(),
                },
                CastKind::Cast | CastKind::DoubleColon => "CAST",
            };
            if target == Target::Snowflake && ty == "ARRAY" {
                // Snowflake's arrays are untyped: the elements keep their own types.
                return Ok(Some((**expr).clone()));
            }
            if target == Target::Snowflake && f == "TRY_CAST" {
                return Ok(Some(reparse(&format!("TRY_CAST(CAST({expr} AS VARCHAR) AS {ty})"))?));
            }
            Some(reparse(&format!("{f}({expr} AS {ty})"))?)
        }
        Expr::TypedString(t) => {
            let ty = type_of(target, &t.data_type)?;
            match &t.value.value {
                Value::SingleQuotedString(s) => Some(reparse(&format!("CAST('{}' AS {ty})", s.replace('\'', "''")))?),
                _ => return Err(unsupported(format!("the literal {e}"))),
            }
        }
        Expr::Tuple(items) => match target {
            Target::Spark => {
                let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
                Some(reparse(&format!("struct({})", parts.join(", ")))?)
            }
            Target::Snowflake => return Err(unsupported(format!("the row value {e}"))),
            Target::Postgres => rewritten_by_postgres(),
        },
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
            Some(reparse(&match target {
                Target::Spark => format!("INTERVAL {number} {unit}"),
                Target::Snowflake => format!("INTERVAL '{number} {unit}'"),
                Target::Postgres => rewritten_by_postgres(),
            })?)
        }
        Expr::Function(f) => function(target, f)?,
        Expr::Lambda(_) => return Err(unsupported("lambda functions".into())),
        Expr::Array(a) => {
            let items: Vec<String> = a.elem.iter().map(ToString::to_string).collect();
            let f = match target {
                Target::Spark => "array",
                Target::Snowflake => "ARRAY_CONSTRUCT",
                Target::Postgres => rewritten_by_postgres(),
            };
            Some(reparse(&format!("{f}({})", items.join(", ")))?)
        }
        Expr::Dictionary(fields) if target == Target::Spark => {
            let items: Vec<String> =
                fields.iter().map(|f| format!("'{}', {}", f.key.value.replace('\'', "''"), f.value)).collect();
            Some(reparse(&format!("named_struct({})", items.join(", ")))?)
        }
        Expr::CompoundFieldAccess { root, access_chain } if target == Target::Spark => {
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
        Expr::CompoundFieldAccess { root, access_chain } => {
            // DuckDB's list[i] counts from 1, Snowflake's array[i] from 0 (and gives a VARIANT,
            // which compares with the element's type).
            let mut out = root.to_string();
            for access in access_chain {
                match access {
                    sqlparser::ast::AccessExpr::Subscript(sqlparser::ast::Subscript::Index { index }) => {
                        out = match int_literal(index) {
                            Some(i) => format!("{out}[{}]", i - 1),
                            None => format!("{out}[({index}) - 1]"),
                        };
                    }
                    _ => return Err(unsupported(format!("the access {e}"))),
                }
            }
            Some(reparse(&out)?)
        }
        Expr::Dictionary(_) | Expr::Map(_) | Expr::Struct { .. } => {
            return Err(unsupported(format!("the value {e}")))
        }
        Expr::Collate { .. } => return Err(unsupported("COLLATE".into())),
        Expr::SimilarTo { .. } => return Err(unsupported("SIMILAR TO".into())),
        Expr::RLike { .. } => return Err(unsupported("regular expression operators".into())),
        _ => None,
    })
}

/// A DuckDB type as the target's.
fn type_of(target: Target, t: &DataType) -> Result<String, Unsupported> {
    use sqlparser::ast::ExactNumberInfo as N;
    use DataType as T;
    if target == Target::Postgres {
        return postgres::type_of(t);
    }
    let spark = target == Target::Spark;
    let pick = |s: &str, f: &str| if spark { s.to_string() } else { f.to_string() };
    Ok(match t {
        T::Varchar(_) | T::Text | T::String(_) | T::Char(_) | T::CharVarying(_) | T::Nvarchar(_) => pick("STRING", "VARCHAR"),
        T::Boolean | T::Bool => "BOOLEAN".into(),
        T::TinyInt(_) => pick("TINYINT", "BIGINT"),
        T::SmallInt(_) | T::Int2(_) => pick("SMALLINT", "BIGINT"),
        T::Int(_) | T::Integer(_) | T::Int4(_) => pick("INT", "BIGINT"),
        T::BigInt(_) | T::Int8(_) | T::Int64 => "BIGINT".into(),
        // Snowflake's floats are all doubles.
        T::Float(_) | T::Real | T::Float4 => pick("FLOAT", "DOUBLE"),
        T::Double(_) | T::DoublePrecision | T::Float8 | T::Float64 => "DOUBLE".into(),
        T::Decimal(info) | T::Numeric(info) | T::Dec(info) => {
            let (p, s) = match info {
                N::PrecisionAndScale(p, s) => (*p, *s as u64),
                N::Precision(p) => (*p, 0),
                // DuckDB's bare DECIMAL is DECIMAL(18, 3); Spark's is (10, 0), Snowflake's (38, 0).
                N::None => (18, 3),
            };
            if spark { format!("DECIMAL({p}, {s})") } else { format!("NUMBER({p}, {s})") }
        }
        T::Date => "DATE".into(),
        T::Timestamp(None, sqlparser::ast::TimezoneInfo::None) | T::Datetime(None) => "TIMESTAMP_NTZ".into(),
        T::Array(sqlparser::ast::ArrayElemTypeDef::SquareBracket(inner, None)) => {
            let inner = type_of(target, inner)?;
            if spark { format!("ARRAY<{inner}>") } else { "ARRAY".into() }
        }
        other => return Err(target.unsupported(format!("the type {other}"))),
    })
}

/// A DuckDB type name (as a schema spells it) as the target's.
pub fn type_name(target: Target, duckdb: &str) -> Result<String, Unsupported> {
    let e = Parser::new(&DuckDbDialect {})
        .try_with_sql(&format!("CAST(NULL AS {duckdb})"))
        .and_then(|mut p| p.parse_expr())
        .map_err(|_| target.unsupported(format!("the type {duckdb}")))?;
    match e {
        Expr::Cast { data_type, .. } => type_of(target, &data_type),
        _ => Err(target.unsupported(format!("the type {duckdb}"))),
    }
}

fn args(target: Target, f: &Function) -> Result<Vec<String>, Unsupported> {
    match &f.args {
        FunctionArguments::None => Ok(vec![]),
        FunctionArguments::Subquery(_) => Err(target.unsupported(format!("the call {f}"))),
        FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(target.unsupported(format!("the call {f}")));
            }
            list.args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e.to_string()),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => Ok("*".into()),
                    _ => Err(target.unsupported(format!("the arguments of {f}"))),
                })
                .collect()
        }
    }
}

/// A string literal argument (already parsed) as its text.
fn literal_arg(target: Target, f: &Function, i: usize) -> Result<String, Unsupported> {
    if let FunctionArguments::List(list) = &f.args {
        if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(s),
            ..
        })))) = list.args.get(i)
        {
            return Ok(s.clone());
        }
    }
    Err(target.unsupported(format!("{f}: argument {} must be a string literal", i + 1)))
}

fn distinct(f: &Function) -> bool {
    matches!(&f.args, FunctionArguments::List(l) if l.duplicate_treatment.is_some())
}

/// Functions that mean the same in DuckDB, Spark and Snowflake, under the same name.
const SAME: &[&str] = &[
    "coalesce", "lower", "upper", "trim", "ltrim", "rtrim", "replace", "length", "abs", "ceil", "floor", "sqrt",
    "exp", "ln", "nullif", "round", "sum", "min", "max", "count", "year", "month", "day", "hour", "minute", "second",
    "quarter", "lpad", "rpad", "reverse", "substring", "substr", "md5", "sign", "power", "pow", "ifnull",
    "contains", "row_number", "rank", "dense_rank", "lag", "lead", "stddev_samp", "stddev_pop", "var_samp",
    "var_pop", "stddev", "variance", "current_date", "cos", "sin", "tan", "atan", "atan2", "pi", "left", "right",
    "ascii", "repeat", "degrees", "radians", "ntile", "percent_rank", "cume_dist", "any_value", "median",
    "last_day", "first_value", "last_value",
];

/// Functions that mean the same in DuckDB and Spark only.
const SAME_IN_SPARK: &[&str] = &[
    "ceiling", "log10", "log2", "greatest", "least", "concat_ws", "if", "isnan", "cbrt", "bool_and", "bool_or",
];

fn function(target: Target, f: &Function) -> Result<Option<Expr>, Unsupported> {
    let name = f.name.to_string().to_lowercase();
    let name = name.trim_matches('"');
    let unsupported = |what: String| target.unsupported(what);
    let reparse = |sql: &str| reparse(target, sql);
    // FILTER and OVER mean the same in all and their contents were rewritten already; only the
    // function's name and arguments are checked below. WITHIN GROUP orders differently.
    if !f.within_group.is_empty() {
        return Err(unsupported(format!("the call {f}")));
    }
    if target == Target::Snowflake {
        if let Some(cond) = &f.filter {
            return filtered_aggregate(f, name, cond);
        }
    }
    let a = args(target, f)?;
    let keep_with = |new: &str| -> Result<Option<Expr>, Unsupported> {
        let mut g = f.clone();
        g.name = ObjectName::from(vec![Ident::new(new)]);
        Ok(Some(Expr::Function(g)))
    };
    let with_args = |new_name: &str, new_args: Vec<String>| -> Result<Option<Expr>, Unsupported> {
        // Keep DISTINCT, FILTER and OVER by rewriting the name and argument list only.
        let text = format!("f({}{})", if distinct(f) { "DISTINCT " } else { "" }, new_args.join(", "));
        let Expr::Function(parsed) = reparse(&text)? else { unreachable!("a call parses as a call") };
        let mut g = f.clone();
        g.args = parsed.args;
        g.name = ObjectName::from(vec![Ident::new(new_name)]);
        Ok(Some(Expr::Function(g)))
    };
    let window = f.over.as_ref().map(|w| format!(" OVER {w}")).unwrap_or_default();
    let snowflake = target == Target::Snowflake;
    match name {
        "count" if distinct(f) && f.over.is_some() => match target {
            // Spark has no DISTINCT window aggregates; the set of non-null values has the size.
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => Ok(Some(reparse(&format!("size(collect_set({}){window})", a.join(", ")))?)),
            // Snowflake's DISTINCT window aggregates take no frame; its ARRAY_AGG does, and skips
            // NULLs as count does. An empty frame gives [] (the COALESCE is for engines and
            // emulators that give NULL there).
            Target::Snowflake if a.len() == 1 => Ok(Some(reparse(&format!(
                "COALESCE(ARRAY_SIZE(ARRAY_AGG(DISTINCT {}){window}), 0)",
                a[0]
            ))?)),
            Target::Snowflake => Err(unsupported(format!("the distinct count over a window {f}"))),
        },
        n if SAME.contains(&n) => {
            if n == "round" && a.len() == 2 && a[1].starts_with('-') {
                return Err(unsupported("round to negative digits".into()));
            }
            Ok(None)
        }
        n if SAME_IN_SPARK.contains(&n) && !snowflake => Ok(None),
        // Written by the translation itself (DuckDB has no such function).
        "array_construct" | "to_variant" if snowflake => Ok(None),
        SERIES if snowflake => Ok(None),
        "avg" | "mean" => {
            with_args("avg", a.iter().map(|x| format!("CAST({x} AS DOUBLE)")).collect())
        }
        "concat" => Ok(Some(reparse(&match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => {
                format!("concat_ws('', {})", a.iter().map(|x| format!("CAST({x} AS STRING)")).collect::<Vec<_>>().join(", "))
            }
            // Snowflake's CONCAT is NULL when any part is.
            Target::Snowflake => format!(
                "CONCAT({})",
                a.iter().map(|x| format!("COALESCE(CAST({x} AS VARCHAR), '')")).collect::<Vec<_>>().join(", ")
            ),
        })?)),
        // DuckDB's greatest and least skip NULLs; Snowflake's plain ones give NULL.
        "greatest" | "least" if snowflake => keep_with(&format!("{}_IGNORE_NULLS", name.to_uppercase())),
        "if" | "iff" if snowflake && a.len() == 3 => keep_with("IFF"),
        "ceiling" if snowflake => keep_with("CEIL"),
        // Snowflake's NaN equals itself, as DuckDB's does.
        "isnan" if snowflake && a.len() == 1 => {
            Ok(Some(reparse(&format!("(CAST({} AS DOUBLE) = CAST('NaN' AS DOUBLE))", a[0]))?))
        }
        "log10" | "log2" if snowflake && a.len() == 1 => {
            Ok(Some(reparse(&format!("LOG({}, {})", if name == "log10" { 10 } else { 2 }, a[0]))?))
        }
        "bool_and" | "bool_or" if snowflake => keep_with(if name == "bool_and" { "BOOLAND_AGG" } else { "BOOLOR_AGG" }),
        "date_trunc" if a.len() == 2 => match target {
            // Spark's date_trunc gives a TIMESTAMP in the session's zone; DuckDB's a naive one.
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => Ok(Some(reparse(&format!("CAST(date_trunc({}, {}) AS TIMESTAMP_NTZ)", a[0], a[1]))?)),
            Target::Snowflake => {
                let unit = literal_arg(target, f, 0)?.to_lowercase();
                if !["year", "quarter", "month", "week", "day", "hour", "minute", "second"].contains(&unit.as_str()) {
                    return Err(unsupported(format!("date_trunc to '{unit}'")));
                }
                Ok(Some(reparse(&format!("DATE_TRUNC({unit}, CAST({} AS TIMESTAMP_NTZ))", a[1]))?))
            }
        },
        "starts_with" => keep_with(if snowflake { "STARTSWITH" } else { "startswith" }),
        "ends_with" => keep_with(if snowflake { "ENDSWITH" } else { "endswith" }),
        "list_contains" | "array_contains" if a.len() == 2 => match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => keep_with("array_contains"),
            Target::Snowflake => match literal_array(f) {
                // A list of literals (NULLs never match in DuckDB) is an IN list, which needs
                // no VARIANT and is NULL exactly when the value is.
                Some(items) if !items.is_empty() => Ok(Some(reparse(&format!("({} IN ({}))", a[1], items.join(", ")))?)),
                Some(_) => Ok(Some(reparse(&format!("CASE WHEN {} IS NULL THEN NULL ELSE FALSE END", a[1]))?)),
                None => Ok(Some(reparse(&format!("ARRAY_CONTAINS(TO_VARIANT({}), {})", a[1], a[0]))?)),
            },
        },
        "quantile_cont" if a.len() == 2 => match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => keep_with("percentile"),
            Target::Snowflake => {
                Ok(Some(reparse(&format!("PERCENTILE_CONT({}) WITHIN GROUP (ORDER BY {}){window}", a[1], a[0]))?))
            }
        },
        "epoch_us" if a.len() == 1 => Ok(Some(reparse(&epoch_micros(target, &a[0]))?)),
        "strpos" | "instr" if a.len() == 2 => match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => keep_with("instr"),
            Target::Snowflake => Ok(Some(reparse(&format!("CHARINDEX({}, {})", a[1], a[0]))?)),
        },
        "regexp_matches" if a.len() == 2 => Ok(Some(reparse(&match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => format!("rlike({}, {})", a[0], a[1]),
            // Snowflake's REGEXP_LIKE matches the whole string; a match anywhere is a position.
            Target::Snowflake => format!("(REGEXP_INSTR({}, {}) > 0)", a[0], a[1]),
        })?)),
        "regexp_full_match" if a.len() == 2 => {
            let p = literal_arg(target, f, 1)?.replace('\'', "''");
            Ok(Some(reparse(&match target {
                Target::Postgres => rewritten_by_postgres(),
                Target::Spark => format!("rlike({}, '^(?:{p})$')", a[0]),
                Target::Snowflake => format!("REGEXP_LIKE({}, '{p}')", a[0]),
            })?))
        }
        "dayofweek" | "dow" if a.len() == 1 => Ok(Some(reparse(&match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => format!("(dayofweek({}) - 1)", a[0]),
            // Sunday is 0 in DuckDB; Snowflake's DAYOFWEEK depends on a session setting, its ISO
            // day does not.
            Target::Snowflake => format!("(DAYOFWEEKISO({}) % 7)", a[0]),
        })?)),
        "isodow" if a.len() == 1 => match target {
            Target::Postgres => rewritten_by_postgres(),
            Target::Spark => Ok(Some(reparse(&format!("(weekday({}) + 1)", a[0]))?)),
            Target::Snowflake => keep_with("DAYOFWEEKISO"),
        },
        "dayofyear" | "doy" if a.len() == 1 => keep_with("dayofyear"),
        "week" | "weekofyear" if a.len() == 1 => keep_with(if snowflake { "WEEKISO" } else { "weekofyear" }),
        "try_strptime" | "strptime" if a.len() == 2 => {
            let fmt = literal_arg(target, f, 1)?;
            let try_ = name == "try_strptime";
            Ok(Some(reparse(&match target {
                Target::Postgres => rewritten_by_postgres(),
                Target::Spark => {
                    let to = if try_ { "try_to_timestamp" } else { "to_timestamp" };
                    format!("CAST({to}({}, '{}') AS TIMESTAMP_NTZ)", a[0], java_pattern(target, &fmt, true)?.replace('\'', "''"))
                }
                Target::Snowflake => {
                    let to = if try_ { "TRY_TO_TIMESTAMP_NTZ" } else { "TO_TIMESTAMP_NTZ" };
                    format!("{to}({}, '{}')", a[0], snowflake_pattern(&fmt)?.replace('\'', "''"))
                }
            })?))
        }
        "strftime" if a.len() == 2 => {
            let fmt = literal_arg(target, f, 1)?;
            Ok(Some(reparse(&match target {
                Target::Postgres => rewritten_by_postgres(),
                Target::Spark => format!("date_format({}, '{}')", a[0], java_pattern(target, &fmt, false)?.replace('\'', "''")),
                Target::Snowflake => format!("TO_VARCHAR({}, '{}')", a[0], snowflake_pattern(&fmt)?.replace('\'', "''")),
            })?))
        }
        "date_diff" | "datediff" if a.len() == 3 => {
            let unit = literal_arg(target, f, 0)?.to_lowercase();
            let (x, y) = (&a[1], &a[2]);
            let unit = unit.trim_end_matches('s');
            let text = match (target, unit) {
                (Target::Spark, "day") => format!("datediff(CAST({y} AS DATE), CAST({x} AS DATE))"),
                (Target::Spark, "month") => format!("((year({y}) * 12 + month({y})) - (year({x}) * 12 + month({x})))"),
                (Target::Spark, "year") => format!("(year({y}) - year({x}))"),
                // Microseconds since the epoch counted on the naive time, whatever the session's
                // time zone; floored to whole seconds, so that boundaries are counted as DuckDB does.
                (Target::Spark, "second") => {
                    format!("(floor({} / 1000000) - floor({} / 1000000))", epoch_micros(target, y), epoch_micros(target, x))
                }
                // Snowflake's DATEDIFF counts the boundaries crossed, as DuckDB's date_diff does.
                (Target::Snowflake, "day" | "month" | "year" | "hour" | "minute" | "second") => {
                    format!("DATEDIFF({unit}, CAST({x} AS TIMESTAMP_NTZ), CAST({y} AS TIMESTAMP_NTZ))")
                }
                (_, other) => return Err(unsupported(format!("date_diff in unit '{other}'"))),
            };
            Ok(Some(reparse(&format!("CAST({text} AS BIGINT)"))?))
        }
        "generate_series" if a.len() == 3 && !snowflake => {
            Ok(Some(reparse(&format!("sequence({}, {}, {})", a[0], a[1], a[2]))?))
        }
        "unnest" if a.len() == 1 && !snowflake => Ok(Some(reparse(&format!("explode({})", a[0]))?)),
        other => Err(unsupported(format!("the function {other}()"))),
    }
}

/// Snowflake has no FILTER clause: `agg(x) FILTER (WHERE c)` is `agg(CASE WHEN c THEN x END)` for
/// the aggregates that skip NULLs (`count(*)` counts a constant), then translated as any call.
fn filtered_aggregate(f: &Function, name: &str, cond: &Expr) -> Result<Option<Expr>, Unsupported> {
    let target = Target::Snowflake;
    const SKIP_NULLS: &[&str] = &[
        "count", "sum", "min", "max", "avg", "mean", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp",
        "var_pop", "median", "quantile_cont", "bool_and", "bool_or",
    ];
    if !SKIP_NULLS.contains(&name) {
        return Err(target.unsupported(format!("FILTER in {f}")));
    }
    let FunctionArguments::List(list) = &f.args else { return Err(target.unsupported(format!("FILTER in {f}"))) };
    let mut g = f.clone();
    g.filter = None;
    let FunctionArguments::List(new) = &mut g.args else { unreachable!("cloned from a list") };
    for (i, arg) in list.args.iter().enumerate() {
        // Only the first argument is the aggregated value (quantile_cont's second is the level).
        let wrapped = match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => format!("CASE WHEN {cond} THEN 1 END"),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) if i == 0 => format!("CASE WHEN {cond} THEN {x} END"),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(_)) => continue,
            _ => return Err(target.unsupported(format!("FILTER in {f}"))),
        };
        new.args[i] = FunctionArg::Unnamed(FunctionArgExpr::Expr(reparse(target, &wrapped)?));
    }
    Ok(Some(function(target, &g)?.unwrap_or(Expr::Function(g))))
}

/// The non-NULL items of a call's first argument when it is an array of literals (already
/// spelt `ARRAY_CONSTRUCT(...)`).
fn literal_array(f: &Function) -> Option<Vec<String>> {
    let FunctionArguments::List(list) = &f.args else { return None };
    let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Function(array)))) = list.args.first() else { return None };
    if !array.name.to_string().eq_ignore_ascii_case("ARRAY_CONSTRUCT") {
        return None;
    }
    let FunctionArguments::List(items) = &array.args else { return Some(vec![]) };
    let mut out = Vec::new();
    for item in &items.args {
        match item {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))) => {
                if v.value != Value::Null {
                    out.push(v.to_string());
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Microseconds from 1970-01-01 00:00:00 to the naive time `x` (DuckDB's `epoch_us`), not
/// through the session's time zone as Spark's `unix_micros` would.
fn epoch_micros(target: Target, x: &str) -> String {
    match target {
        Target::Postgres => rewritten_by_postgres(),
        Target::Spark => format!(
            "timestampdiff(MICROSECOND, CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ), CAST({x} AS TIMESTAMP_NTZ))"
        ),
        Target::Snowflake => format!(
            "DATEDIFF(microsecond, CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ), CAST({x} AS TIMESTAMP_NTZ))"
        ),
    }
}

/// A DuckDB strftime/strptime format in another engine's pattern language: each `%` code as
/// `code` spells it, and runs of literal letters quoted with `quote` (the quote itself doubled
/// where the language allows it, refused where it does not).
fn pattern(target: Target, fmt: &str, quote: char, code: impl Fn(char) -> Option<&'static str>) -> Result<String, Unsupported> {
    let mut out = String::new();
    let mut quoted = String::new();
    let flush = |out: &mut String, quoted: &mut String| {
        if !quoted.is_empty() {
            out.push(quote);
            out.push_str(&quoted.replace(quote, &format!("{quote}{quote}")));
            out.push(quote);
            quoted.clear();
        }
    };
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            if c == '"' && quote == '"' {
                return Err(target.unsupported(format!("the format '{fmt}' (a double quote in it)")));
            }
            if c.is_ascii_alphabetic() || c == quote {
                quoted.push(c);
            } else {
                flush(&mut out, &mut quoted);
                out.push(c);
            }
            continue;
        }
        flush(&mut out, &mut quoted);
        let spec = chars.next().ok_or_else(|| target.unsupported(format!("the format '{fmt}'")))?;
        let p = code(spec).ok_or_else(|| target.unsupported(format!("the format code %{spec} in '{fmt}'")))?;
        out.push_str(p);
    }
    flush(&mut out, &mut quoted);
    Ok(out)
}

/// A DuckDB strftime/strptime format as a Java date-time pattern. Parsing patterns use one
/// letter for numeric fields, which Spark reads with one or two digits as DuckDB does.
fn java_pattern(target: Target, fmt: &str, parsing: bool) -> Result<String, Unsupported> {
    pattern(target, fmt, '\'', |spec| {
        Some(match (spec, parsing) {
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
            _ => return None,
        })
    })
}

/// A DuckDB strftime/strptime format as a Snowflake one. Snowflake reads `MM`, `DD`, `HH24`, `MI`
/// and `SS` with one or two digits when parsing, as DuckDB does; literal text is double-quoted.
fn snowflake_pattern(fmt: &str) -> Result<String, Unsupported> {
    pattern(Target::Snowflake, fmt, '"', |spec| {
        Some(match spec {
            'Y' => "YYYY",
            'y' => "YY",
            'm' => "MM",
            'd' => "DD",
            'H' => "HH24",
            'M' => "MI",
            'S' => "SS",
            'b' | 'h' => "MON",
            'a' => "DY",
            _ => return None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_expressions() {
        assert_eq!(
            expr(Target::Spark, "TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2))").unwrap(),
            "TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12,2))"
        );
        assert_eq!(
            expr(Target::Spark, "COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'), try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S'))")
                .unwrap(),
            "COALESCE(CAST(try_to_timestamp(ordered_at, 'yyyy-M-d H:m:s') AS TIMESTAMP_NTZ), \
             CAST(try_to_timestamp(ordered_at, 'yyyy/M/d H:m:s') AS TIMESTAMP_NTZ))"
        );
        assert_eq!(
            expr(Target::Spark, "ordered_at >= CAST('2025-07-01' AS TIMESTAMP) - INTERVAL 91 DAY").unwrap(),
            "ordered_at >= CAST('2025-07-01' AS TIMESTAMP_NTZ) - INTERVAL 91 DAY"
        );
        assert_eq!(
            expr(Target::Spark, "date_diff('day', signup_at, TIMESTAMP '2025-07-01 00:00:00')").unwrap(),
            "CAST(datediff(CAST(CAST('2025-07-01 00:00:00' AS TIMESTAMP_NTZ) AS DATE), CAST(signup_at AS DATE)) AS BIGINT)"
        );
        assert_eq!(
            expr(Target::Spark, "CASE WHEN orders > 0 THEN returns / orders END").unwrap(),
            "CASE WHEN orders > 0 THEN try_divide(CAST(returns AS DOUBLE), CAST(orders AS DOUBLE)) END"
        );
        assert_eq!(expr(Target::Spark, "\"odd name\" = 'it''s \\ here'").unwrap(), "`odd name` = 'it\\'s \\\\ here'");
        assert_eq!(expr(Target::Spark, "avg(DISTINCT x) FILTER (WHERE y)").unwrap(), "avg(DISTINCT CAST(x AS DOUBLE)) FILTER (WHERE y)");
    }

    #[test]
    fn what_the_catalog_writes() {
        assert_eq!(
            query(Target::Spark, "SELECT *, count(DISTINCT \"p\") OVER \"__w0\" AS n FROM t WINDOW \"__w0\" AS (PARTITION BY \"c\" ORDER BY epoch_us(\"t\") RANGE BETWEEN 30 * 86400000000 - 1 PRECEDING AND CURRENT ROW)").unwrap(),
            "SELECT *, size(collect_set(`p`) OVER `__w0`) AS n FROM t WINDOW `__w0` AS (PARTITION BY `c` ORDER BY \
             timestampdiff(MICROSECOND, CAST('1970-01-01 00:00:00' AS TIMESTAMP_NTZ), CAST(`t` AS TIMESTAMP_NTZ)) NULLS LAST \
             RANGE BETWEEN 2591999999999 PRECEDING AND CURRENT ROW)"
        );
        assert_eq!(
            expr(Target::Spark, "list_contains(CAST(['a', 'b'] AS VARCHAR[]), CAST(x AS VARCHAR)) AND CAST(s.\"c\" AS VARCHAR[])[2] = 'b'").unwrap(),
            "array_contains(CAST(array('a', 'b') AS ARRAY<STRING>), CAST(x AS STRING)) AND element_at(CAST(s.`c` AS ARRAY<STRING>), 2) = 'b'"
        );
        assert_eq!(expr(Target::Spark, "{'k': 1, 'v': 'x'}").unwrap(), "named_struct('k', 1, 'v', 'x')");
    }

    #[test]
    fn queries_sort_nulls_last_and_group_by_all() {
        assert_eq!(
            query(Target::Spark, "SELECT date_trunc('month', t)::DATE AS month, count(DISTINCT (a, b)) AS n FROM x GROUP BY ALL ORDER BY month")
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
            let e = expr(Target::Spark, sql).unwrap_err();
            assert!(e.what.contains(what), "{sql}: {}", e.what);
        }
        assert!(query(Target::Spark, "SELECT * EXCLUDE (a) FROM t").unwrap_err().what.contains("EXCLUDE"));
        // Spark would take `WHERE (keep)` for an alias of t.
        assert_eq!(query(Target::Spark, "SELECT a FROM t WHERE (keep)").unwrap(), "SELECT a FROM t WHERE keep");
        assert!(query(Target::Spark, "SELECT a FROM t QUALIFY row_number() OVER () = 1").unwrap_err().what.contains("QUALIFY"));
    }

    fn snow(sql: &str) -> String {
        expr(Target::Snowflake, sql).unwrap()
    }

    #[test]
    fn snowflake_quotes_every_name_and_keeps_duckdb_meanings() {
        assert_eq!(snow("a.amount / n"), "(CAST(\"a\".\"amount\" AS DOUBLE) / NULLIF(CAST(\"n\" AS DOUBLE), 0))");
        assert_eq!(snow("concat(a, 'x')"), "CONCAT(COALESCE(CAST(\"a\" AS VARCHAR), ''), COALESCE(CAST('x' AS VARCHAR), ''))");
        assert_eq!(snow("greatest(a, b)"), "GREATEST_IGNORE_NULLS(\"a\", \"b\")");
        assert_eq!(snow("if(a > 1, 'x', 'y')"), "IFF(\"a\" > 1, 'x', 'y')");
        assert_eq!(
            snow("try_strptime(t, '%Y-%m-%dT%H:%M:%S')"),
            "TRY_TO_TIMESTAMP_NTZ(\"t\", 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        );
        assert_eq!(
            snow("date_diff('day', a, TIMESTAMP '2025-07-01 00:00:00')"),
            "CAST(DATEDIFF(day, CAST(\"a\" AS TIMESTAMP_NTZ), CAST(CAST('2025-07-01 00:00:00' AS TIMESTAMP_NTZ) AS TIMESTAMP_NTZ)) AS BIGINT)"
        );
        assert_eq!(snow("t - INTERVAL 91 DAY"), "\"t\" - INTERVAL '91 DAY'");
        assert_eq!(snow("TRY_CAST(x AS INTEGER)"), "TRY_CAST(CAST(\"x\" AS VARCHAR) AS BIGINT)");
        assert_eq!(snow("'it''s \\ here'"), "'it''s \\\\ here'");
        assert_eq!(snow("list_contains(CAST(['a', NULL, 'b'] AS VARCHAR[]), s)"), "(\"s\" IN ('a', 'b'))");
        assert_eq!(snow("list_contains(xs, s)"), "ARRAY_CONTAINS(TO_VARIANT(\"s\"), \"xs\")");
        assert_eq!(snow("dayofweek(t)"), "(DAYOFWEEKISO(\"t\") % 7)");
        assert_eq!(snow("isnan(v)"), "(CAST(\"v\" AS DOUBLE) = CAST('NaN' AS DOUBLE))");
        assert_eq!(snow("strftime(t, '%d. %b')"), "TO_VARCHAR(\"t\", 'DD. MON')");
        assert!(expr(Target::Snowflake, "strftime(t, '%d \"x\"')").unwrap_err().what.contains("double quote"));
        assert!(expr(Target::Snowflake, "strftime(t, '%j')").unwrap_err().what.contains("format code %j"));
    }

    #[test]
    fn snowflake_queries_quote_aliases_and_relations() {
        assert_eq!(
            query(Target::Snowflake, "SELECT avg(x) AS m, quantile_cont(x, 0.5) AS q FROM \"__sluice_ref__t\" AS s GROUP BY ALL ORDER BY m DESC").unwrap(),
            "SELECT avg(CAST(\"x\" AS DOUBLE)) AS \"m\", PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY \"x\") AS \"q\" \
             FROM \"__sluice_ref__t\" AS \"s\" GROUP BY ALL ORDER BY \"m\" DESC NULLS LAST"
        );
        assert_eq!(
            query(Target::Snowflake, "SELECT count(*) FILTER (WHERE a > 1), avg(x) FILTER (WHERE b), count(DISTINCT (a, b)) FROM t").unwrap(),
            "SELECT count(CASE WHEN \"a\" > 1 THEN 1 END), avg(CAST(CASE WHEN \"b\" THEN \"x\" END AS DOUBLE)), \
             count(DISTINCT ARRAY_CONSTRUCT(TO_VARIANT(\"a\"), TO_VARIANT(\"b\"))) FROM \"t\""
        );
        assert_eq!(
            query(Target::Snowflake, "SELECT count(DISTINCT p) OVER w AS n, last_value(p) OVER w, row_number() OVER w, xs[2] FROM t \
                WINDOW w AS (PARTITION BY c ORDER BY d)").unwrap(),
            "SELECT COALESCE(ARRAY_SIZE(ARRAY_AGG(DISTINCT \"p\") OVER (PARTITION BY \"c\" ORDER BY \"d\" NULLS LAST \
             RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)), 0) AS \"n\", \
             last_value(\"p\") OVER (PARTITION BY \"c\" ORDER BY \"d\" NULLS LAST RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), \
             row_number() OVER (PARTITION BY \"c\" ORDER BY \"d\" NULLS LAST), \"xs\"[1] FROM \"t\""
        );
        assert_eq!(
            query(Target::Snowflake, "SELECT c.id, s.t FROM c CROSS JOIN (SELECT unnest(generate_series(CAST('2024-01-01' AS TIMESTAMP), \
                CAST('2024-06-01' AS TIMESTAMP), INTERVAL 1 MONTH)) AS t) s").unwrap(),
            "SELECT \"c\".\"id\", \"s\".\"t\" FROM \"c\" CROSS JOIN (SELECT DATEADD(month, 1 * \"__sluice_g\".INDEX, \
             CAST('2024-01-01' AS TIMESTAMP_NTZ)) AS \"t\" FROM TABLE(FLATTEN(ARRAY_GENERATE_RANGE(0, CAST(GREATEST(FLOOR(\
             DATEDIFF(month, CAST('2024-01-01' AS TIMESTAMP_NTZ), CAST('2024-06-01' AS TIMESTAMP_NTZ)) / 1) + 1, 0) AS BIGINT)))) AS \"__sluice_g\" \
             WHERE DATEADD(month, 1 * \"__sluice_g\".INDEX, CAST('2024-01-01' AS TIMESTAMP_NTZ)) <= CAST('2024-06-01' AS TIMESTAMP_NTZ)) \"s\""
        );
        assert!(query(Target::Snowflake, "SELECT unnest(generate_series(CAST('2024-01-31' AS TIMESTAMP), \
            CAST('2024-06-01' AS TIMESTAMP), INTERVAL 1 MONTH)) AS t").unwrap_err().what.contains("up to the 28th"));
        assert_eq!(
            query(Target::Snowflake, "WITH base AS (SELECT 1 AS a) SELECT b.a FROM base AS b").unwrap(),
            "WITH \"base\" AS (SELECT 1 AS \"a\") SELECT \"b\".\"a\" FROM \"base\" AS \"b\""
        );
        for (sql, what) in [
            ("SELECT count(DISTINCT a, b) OVER (ORDER BY b) FROM t", "distinct count over a window"),
            ("SELECT list(a) FILTER (WHERE b) FROM t", "FILTER"),
            ("SELECT (a, b) = (c, d) FROM t", "row value"),
            ("SELECT unnest(xs) FROM t", "unnest"),
        ] {
            let e = query(Target::Snowflake, sql).unwrap_err();
            assert!(e.what.contains(what), "{sql}: {}", e.what);
        }
    }
}
