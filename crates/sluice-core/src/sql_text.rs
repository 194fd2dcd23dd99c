//! Users' SQL as DuckDB's lexer sees it: which spans are code, quoted strings, quoted
//! identifiers, comments or dollar-quoted strings.
//!
//! User SQL is spliced into compiled statements, so where a quote, a comment or a parenthesis
//! ends decides what the statement does. [`crate::sql_fragment`] checks fragments with these
//! spans and [`crate::spec::params`] fills `${name}` placeholders by the span they stand in. The
//! rules follow DuckDB's (PostgreSQL's) scanner: `''` and `""` escape their quote, backslashes
//! are text except in `E'…'` strings, `/* */` comments nest, `--` runs to the end of the line and
//! `$tag$ … $tag$` quotes anything.

/// What a span of SQL text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    Code,
    /// `'…'`, including its quotes.
    String,
    /// `E'…'` (backslash escapes), including `E` and its quotes.
    EscapeString,
    /// `"…"`, including its quotes.
    Ident,
    /// `-- …` up to (not including) the end of the line.
    LineComment,
    /// `/* … */`, nested comments included.
    BlockComment,
    /// `$tag$ … $tag$`.
    Dollar,
}

/// A span of the text, by byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub kind: SpanKind,
    pub start: usize,
    pub end: usize,
    /// The span runs to the end of the text without its closing quote or comment end.
    pub open: bool,
}

/// Split `sql` into spans. Every byte belongs to exactly one span, in order.
pub fn spans(sql: &str) -> Vec<Span> {
    let b = sql.as_bytes();
    let mut out: Vec<Span> = Vec::new();
    let mut code_start = 0;
    let mut i = 0;
    let push = |out: &mut Vec<Span>, code_start: &mut usize, kind, start, end, open| {
        if *code_start < start {
            out.push(Span { kind: SpanKind::Code, start: *code_start, end: start, open: false });
        }
        out.push(Span { kind, start, end, open });
        *code_start = end;
    };
    while i < b.len() {
        let c = b[i];
        let prev_ident = i > 0 && is_ident_byte(b[i - 1]);
        match c {
            b'\'' => {
                let (end, open) = quoted(b, i + 1, b'\'', false);
                push(&mut out, &mut code_start, SpanKind::String, i, end, open);
                i = end;
            }
            b'E' | b'e' if !prev_ident && b.get(i + 1) == Some(&b'\'') => {
                let (end, open) = quoted(b, i + 2, b'\'', true);
                push(&mut out, &mut code_start, SpanKind::EscapeString, i, end, open);
                i = end;
            }
            b'"' => {
                let (end, open) = quoted(b, i + 1, b'"', false);
                push(&mut out, &mut code_start, SpanKind::Ident, i, end, open);
                i = end;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = b[i..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| i + p);
                push(&mut out, &mut code_start, SpanKind::LineComment, i, end, false);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (end, open) = block_comment(b, i);
                push(&mut out, &mut code_start, SpanKind::BlockComment, i, end, open);
                i = end;
            }
            b'$' if !prev_ident => match dollar_tag(b, i) {
                Some(tag_end) => {
                    let tag = &b[i..tag_end];
                    let (end, open) = match find(b, tag_end, tag) {
                        Some(p) => (p + tag.len(), false),
                        None => (b.len(), true),
                    };
                    push(&mut out, &mut code_start, SpanKind::Dollar, i, end, open);
                    i = end;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    if code_start < b.len() {
        out.push(Span { kind: SpanKind::Code, start: code_start, end: b.len(), open: false });
    }
    out
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// The end of a quoted span whose body starts at `from`: after the closing quote (a doubled
/// quote is an escaped one), or the text's end when it never closes.
fn quoted(b: &[u8], from: usize, q: u8, backslash: bool) -> (usize, bool) {
    let mut i = from;
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return (i + 1, false);
        }
        i += 1;
    }
    (b.len(), true)
}

fn block_comment(b: &[u8], start: usize) -> (usize, bool) {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < b.len() {
        if b[i] == b'/' && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return (i, false);
            }
        } else {
            i += 1;
        }
    }
    (b.len(), true)
}

/// `$tag$` starting at `i` (tag: letters, digits, `_`, not starting with a digit): its end.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The words of code spans at bracket depth 0, upper-cased, with the word before each (for
/// `IS DISTINCT FROM`-like pairs). Brackets are `()`, `[]` and `{}`; `depth` reports the lowest
/// and the final depth so callers can tell an unbalanced text.
pub struct Shape {
    pub top_words: Vec<(String, Option<String>, usize)>,
    pub min_depth: i64,
    pub end_depth: i64,
    /// Byte offsets of `;` in code.
    pub semicolons: Vec<usize>,
}

/// The bracket structure and top-level words of `sql`.
pub fn shape(sql: &str) -> Shape {
    let mut shape = Shape { top_words: Vec::new(), min_depth: 0, end_depth: 0, semicolons: Vec::new() };
    let mut depth: i64 = 0;
    let mut prev_word: Option<String> = None;
    for s in spans(sql).iter().filter(|s| s.kind == SpanKind::Code) {
        let text = &sql[s.start..s.end];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    shape.min_depth = shape.min_depth.min(depth);
                }
                b';' => shape.semicolons.push(s.start + i),
                _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                    let start = i;
                    while i < bytes.len() && is_ident_byte(bytes[i]) {
                        i += 1;
                    }
                    let word = String::from_utf8_lossy(&bytes[start..i]).to_ascii_uppercase();
                    if depth == 0 {
                        shape.top_words.push((word.clone(), prev_word.clone(), s.start + start));
                    }
                    prev_word = Some(word);
                    continue;
                }
                _ if c.is_ascii_digit() => {
                    // A number's letters (1e5, 0x1F) are not words.
                    while i < bytes.len() && is_ident_byte(bytes[i]) {
                        i += 1;
                    }
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
    shape.end_depth = depth;
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(SpanKind, &str)> {
        spans(sql).into_iter().map(|s| (s.kind, &sql[s.start..s.end])).collect()
    }

    #[test]
    fn quotes_comments_and_dollars() {
        use SpanKind::*;
        assert_eq!(
            kinds("a > 0 /* ' */ ; 'it''s' \"x\"\"y\" -- c\nE'\\'' $t$ ; $t$"),
            vec![
                (Code, "a > 0 "),
                (BlockComment, "/* ' */"),
                (Code, " ; "),
                (String, "'it''s'"),
                (Code, " "),
                (Ident, "\"x\"\"y\""),
                (Code, " "),
                (LineComment, "-- c"),
                (Code, "\n"),
                (EscapeString, "E'\\''"),
                (Code, " "),
                (Dollar, "$t$ ; $t$"),
            ]
        );
        assert!(spans("/* /* */ ; */").iter().all(|s| s.kind == BlockComment));
        assert!(spans("'open").last().unwrap().open);
        // A word ending in e before a quote is not an escape string; `$1` is not a tag.
        assert_eq!(kinds("type'x'")[1], (String, "'x'"));
        assert_eq!(kinds("$1 + $a$b$a$").last().unwrap().0, Dollar);
    }

    #[test]
    fn shape_of_text() {
        let s = shape("a IS DISTINCT FROM b AND f(x FROM y) ; ')'");
        assert_eq!(s.semicolons.len(), 1);
        assert_eq!((s.min_depth, s.end_depth), (0, 0));
        let words: Vec<&str> = s.top_words.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(words, vec!["A", "IS", "DISTINCT", "FROM", "B", "AND", "F"]);
        assert_eq!(s.top_words[3].1.as_deref(), Some("DISTINCT"));
        assert_eq!(shape("1) OR (1").min_depth, -1);
    }
}
