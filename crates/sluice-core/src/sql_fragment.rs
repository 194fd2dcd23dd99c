//! The one rule for users' SQL in a spec: a param that reaches SQL is exactly one expression or
//! exactly one query, and nothing in it escapes the place the compiler splices it into.
//!
//! Compiled statements put an expression inside `WHERE (…)`, a select list or a function call,
//! and a query inside `SELECT * FROM (…)`. A fragment that closes a parenthesis it did not open,
//! ends a statement, leaves a quote or comment open, or (for an expression) carries a clause of
//! its own (`… FROM read_csv('/etc/passwd') UNION SELECT …`) would change that statement, so it
//! is refused here with a coded diagnostic. The engine checks the finished statements again with
//! DuckDB's own parser, and runs them on a connection locked to what the spec declares.

use crate::sql_text::{shape, spans, SpanKind};

/// What a fragment must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FragmentKind {
    /// One value expression (predicates, derived columns, aggregates).
    Expression,
    /// One SELECT query (the `sql` and `check_sql` kinds).
    Query,
}

/// Why a fragment is refused: a stable code and a message for users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FragmentError {
    pub code: &'static str,
    pub message: String,
}

impl FragmentError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        FragmentError { code, message: message.into() }
    }
}

/// Words that start a statement other than a query: never part of an expression or a query.
const STATEMENT_WORDS: &[&str] = &[
    "ALTER", "ANALYZE", "ATTACH", "BEGIN", "CALL", "CHECKPOINT", "COMMIT", "COPY", "CREATE", "DEALLOCATE", "DELETE", "DETACH",
    "DROP", "EXECUTE", "EXPORT", "FORCE", "GRANT", "IMPORT", "INSERT", "INSTALL", "LOAD", "MERGE", "PRAGMA", "PREPARE", "RESET",
    "REVOKE", "ROLLBACK", "SET", "TRUNCATE", "UPDATE", "USE", "VACUUM",
];

/// Clause words that cannot stand outside brackets in an expression: there they would end the
/// expression and continue the statement around it.
const CLAUSE_WORDS: &[&str] = &[
    "SELECT", "FROM", "WHERE", "GROUP", "HAVING", "QUALIFY", "WINDOW", "ORDER", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT",
    "JOIN", "AS", "INTO", "RETURNING", "USING", "ON", "PIVOT", "UNPIVOT", "VALUES", "WITH",
];

/// Words a query may start with.
const QUERY_STARTS: &[&str] = &["SELECT", "WITH", "FROM", "VALUES", "TABLE", "PIVOT", "UNPIVOT"];

/// Check `text` as a fragment of `kind`. An empty text is refused too.
pub fn check(text: &str, kind: FragmentKind) -> Result<(), FragmentError> {
    if text.trim().is_empty() {
        return Err(FragmentError::new("S021", match kind {
            FragmentKind::Expression => "expression is empty",
            FragmentKind::Query => "query is empty",
        }));
    }
    let spans = spans(text);
    if let Some(open) = spans.iter().find(|s| s.open) {
        let what = match open.kind {
            SpanKind::String | SpanKind::EscapeString => "a string literal ('…') is not closed",
            SpanKind::Ident => "a quoted name (\"…\") is not closed",
            SpanKind::BlockComment => "a comment (/* … */) is not closed",
            SpanKind::Dollar => "a dollar-quoted string ($…$) is not closed",
            SpanKind::Code | SpanKind::LineComment => "the text is not closed",
        };
        return Err(FragmentError::new("S060", format!("{what}: it would swallow the SQL after it")));
    }
    if spans.last().is_some_and(|s| s.kind == SpanKind::LineComment) {
        return Err(FragmentError::new(
            "S065",
            "a '--' comment ends the text: end it with a new line or write /* … */, or it would swallow the SQL after it",
        ));
    }
    let sh = shape(text);
    if !sh.semicolons.is_empty() {
        return Err(FragmentError::new("S022", match kind {
            FragmentKind::Expression => "expression must not contain ';': one expression only",
            FragmentKind::Query => "one query only: remove the ';' between statements",
        }));
    }
    if sh.min_depth < 0 {
        return Err(FragmentError::new("S061", "a ')' closes a bracket the text did not open: it would escape its place in the query"));
    }
    if sh.end_depth != 0 {
        return Err(FragmentError::new("S061", "a '(' is never closed: brackets must balance"));
    }
    if let Some((w, _, _)) = sh.top_words.iter().find(|(w, _, _)| STATEMENT_WORDS.contains(&w.as_str())) {
        return Err(FragmentError::new(
            "S063",
            format!("'{w}' starts a statement that is not a query: only a SELECT can run here (quote a column named {w} as \"{}\")", w.to_lowercase()),
        ));
    }
    match kind {
        FragmentKind::Expression => {
            let escaping = sh.top_words.iter().find(|(w, prev, _)| {
                CLAUSE_WORDS.contains(&w.as_str())
                    // `a IS [NOT] DISTINCT FROM b` is an expression.
                    && !(w == "FROM" && prev.as_deref() == Some("DISTINCT"))
            });
            if let Some((w, _, _)) = escaping {
                return Err(FragmentError::new(
                    "S064",
                    format!("'{w}' outside brackets would end the expression and add a clause to the query around it: put subqueries in ( )"),
                ));
            }
        }
        FragmentKind::Query => {
            let first = sh.top_words.first().map(|(w, _, at)| (w.as_str(), *at));
            let starts_with_bracket = spans
                .iter()
                .find(|s| s.kind == SpanKind::Code && !text[s.start..s.end].trim().is_empty())
                .is_some_and(|s| text[s.start..s.end].trim_start().starts_with('('));
            let ok = match first {
                Some((w, at)) => QUERY_STARTS.contains(&w) || (starts_with_bracket && text[..at].contains('(')),
                None => starts_with_bracket,
            };
            if !ok {
                return Err(FragmentError::new("S063", "not a query: write one SELECT (or WITH … SELECT, FROM …, VALUES …)"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use FragmentKind::*;

    fn code(text: &str, kind: FragmentKind) -> &'static str {
        match check(text, kind) {
            Ok(()) => "ok",
            Err(e) => e.code,
        }
    }

    #[test]
    fn expressions_that_stay_in_place() {
        for ok in [
            "amount > 0",
            "status <> 'cancelled' AND note <> ';'",
            "a IS NOT DISTINCT FROM b",
            "extract(year FROM ordered_at) = 2024",
            "amount > (SELECT avg(amount) FROM input)",
            "CAST(x AS INTEGER) + 1 /* a ; comment */",
            "list_transform(xs, x -> x + 1)[1]",
            "x > 1 -- note\n AND y < 2",
            "{'a': 1}.a = 1",
            "\"select\" > 0",
            "sum(x) FILTER (WHERE y) OVER (PARTITION BY z ORDER BY t)",
        ] {
            assert_eq!(code(ok, Expression), "ok", "{ok}");
        }
    }

    #[test]
    fn expressions_that_escape_are_refused() {
        for (bad, want) in [
            ("", "S021"),
            ("amount > 0 /* ' */) ; COPY (SELECT 'echo hi') TO '/home/me/.profile' (", "S022"),
            ("1; DROP TABLE t", "S022"),
            ("1=1) UNION ALL SELECT * FROM read_csv('/etc/passwd') WHERE (1=1", "S061"),
            ("f(1", "S061"),
            ("1 AS x FROM read_csv('/etc/passwd') UNION SELECT 1", "S064"),
            ("x = 'open", "S060"),
            ("x /* never closed", "S060"),
            ("x = $$ ; COPY", "S060"),
            ("amount > 0 --", "S065"),
            ("1 UNION SELECT 2", "S064"),
            ("x = 1 AND (INSTALL httpfs)", "ok"), // inside brackets: DuckDB refuses it as a syntax error
            ("ATTACH 'x.db'", "S063"),
        ] {
            assert_eq!(code(bad, Expression), want, "{bad}");
        }
    }

    #[test]
    fn queries() {
        for ok in [
            "SELECT * FROM orders",
            "WITH a AS (SELECT 1) SELECT * FROM a",
            "FROM orders SELECT customer_id",
            "(SELECT 1) UNION ALL (SELECT 2)",
            "SELECT 'a;b' AS x -- trailing\n",
            "VALUES (1), (2)",
        ] {
            assert_eq!(code(ok, Query), "ok", "{ok}");
        }
        for (bad, want) in [
            ("SELECT 1; COPY (SELECT 1) TO 'x'", "S022"),
            ("COPY (SELECT 1) TO '/tmp/x'", "S063"),
            ("WITH d AS (SELECT 1) INSERT INTO t SELECT * FROM d", "S063"),
            ("SELECT 1 /* ' */; ATTACH 'x'", "S022"),
            ("SELECT 1) UNION SELECT (2", "S061"),
            ("SELECT 1 --", "S065"),
            ("PRAGMA version", "S063"),
            ("DESCRIBE orders", "S063"),
        ] {
            assert_eq!(code(bad, Query), want, "{bad}");
        }
    }
}
