//! Source inspection: the first bytes of every CSV source file, looked at for what DuckDB's
//! sniffer reads past without a word. An empty file, a ragged row that makes the sniffer take
//! the whole line as one column, NUL bytes or a quote that never closes (both turn columns into
//! text) would otherwise run "successfully" and replace good outputs with garbage: they are data
//! errors naming the node and the file. A header without rows is a warning (0 rows is a valid
//! read, but rarely what was meant).
//!
//! Only the sample the sniffer reads is looked at ([`SAMPLE_BYTES`]); past it, a bad row fails
//! DuckDB's typed read at run time, which is loud already.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sluice_core::{Diagnostic, Plan};

/// The most bytes read of each file: more than DuckDB's sniffer samples (20,480 rows).
const SAMPLE_BYTES: u64 = 8 << 20;

/// Delimiters the sniffer tries, in its order of preference.
const DELIMITERS: [u8; 4] = [b',', b'|', b';', b'\t'];

/// Diagnostics about the files of every `read_csv` node of `plan` (nodes that already have an
/// error in `known` are left alone).
pub(crate) fn csv_sources(plan: &Plan, known: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (id, node) in &plan.nodes {
        if node.kind.info().id != "read_csv" || known.iter().any(|d| d.is_error() && d.node.as_deref() == Some(id.as_str())) {
            continue;
        }
        let Some(path) = node.params.get("path").and_then(Value::as_str) else { continue };
        let delimiter = node.params.get("delimiter").and_then(Value::as_str).map(str::as_bytes).and_then(|d| d.first().copied());
        let header = node.params.get("header").and_then(Value::as_bool).unwrap_or(true);
        let columns: Option<Vec<String>> = node.schema.as_ref().map(|s| s.names().map(str::to_string).collect());
        for file in files(&sluice_core::catalog::resolve_path(&plan.base_dir, path)) {
            let Some(sample) = Sample::read(&file) else { continue };
            let shown = file.display().to_string();
            let finding = inspect(&sample, delimiter, header, columns.as_deref());
            if let Some(f) = finding {
                let d = match f.severity {
                    Severity::Error => Diagnostic::error(f.code, format!("{shown} {}", f.message)),
                    Severity::Warning => Diagnostic::warning(f.code, format!("{shown} {}", f.message)),
                };
                let d = d.node(id).path("params.path").data_fault();
                out.push(match f.help {
                    Some(h) => d.help(h),
                    None => d,
                });
            }
        }
    }
    out
}

/// The files a source's path names (a glob's matches, in order).
fn files(path: &Path) -> Vec<PathBuf> {
    let text = path.to_string_lossy();
    if !text.contains(['*', '?', '[']) {
        return vec![path.to_path_buf()];
    }
    let mut found: Vec<PathBuf> = glob::glob(&text).map(|g| g.flatten().filter(|p| p.is_file()).collect()).unwrap_or_default();
    found.sort();
    found
}

/// The start of a file (decompressed when gzipped).
struct Sample {
    bytes: Vec<u8>,
    /// The whole file is in `bytes`.
    complete: bool,
}

impl Sample {
    /// None when the file cannot be read here (DuckDB reports that itself) or is compressed in
    /// a way not looked into.
    fn read(path: &Path) -> Option<Sample> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let file = File::open(path).ok()?;
        let reader: Box<dyn Read> = if name.ends_with(".gz") {
            // A 0-byte .gz is empty too, not a broken stream.
            if file.metadata().ok()?.len() == 0 {
                return Some(Sample { bytes: vec![], complete: true });
            }
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else if [".zst", ".bz2", ".xz", ".lz4"].iter().any(|e| name.ends_with(e)) {
            return None;
        } else {
            Box::new(file)
        };
        let mut bytes = Vec::new();
        reader.take(SAMPLE_BYTES + 1).read_to_end(&mut bytes).ok()?;
        let complete = bytes.len() as u64 <= SAMPLE_BYTES;
        bytes.truncate(SAMPLE_BYTES as usize);
        Some(Sample { bytes, complete })
    }
}

#[derive(Debug, PartialEq)]
enum Severity {
    Error,
    Warning,
}

/// What is wrong with one file; the message follows its name.
#[derive(Debug)]
struct Finding {
    severity: Severity,
    code: &'static str,
    message: String,
    help: Option<String>,
}

fn error(code: &'static str, message: String, help: Option<&str>) -> Option<Finding> {
    Some(Finding { severity: Severity::Error, code, message, help: help.map(str::to_string) })
}

/// The first thing wrong with a file read with `delimiter` (None: detected) and `header`, given
/// the columns DuckDB described (None: unknown).
fn inspect(s: &Sample, delimiter: Option<u8>, header: bool, columns: Option<&[String]>) -> Option<Finding> {
    let b = &s.bytes;
    if s.complete && b.iter().all(u8::is_ascii_whitespace) {
        let what = if b.is_empty() { "is empty (0 bytes)" } else { "holds only blank lines" };
        return error("D003", format!("{what}: there is nothing to read"), None);
    }
    if let Some(at) = b.iter().position(|&c| c == 0) {
        return error(
            "D006",
            format!("holds a NUL byte at line {}: a binary or damaged file, whose columns would be read as text", line_of(b, at)),
            Some("remove the NUL bytes, or export the file again"),
        );
    }
    let first = first_line(b);
    if let (None, Some(cols)) = (delimiter, columns) {
        // Columns that do not match the first line: a row with another number of fields made
        // the sniffer give up splitting lines (one column of whole lines), or take that row for
        // the header and skip every line above it (0 rows). A first line without any delimiter
        // is a title the sniffer rightly skips.
        let counts = DELIMITERS.map(|d| count_outside_quotes(first, d));
        let fits = match cols.len() {
            1 => counts.iter().all(|n| *n == 0),
            len => counts.iter().any(|n| n + 1 == len),
        };
        let widest = DELIMITERS.iter().copied().zip(counts).filter(|(_, n)| *n > 0).max_by_key(|(_, n)| *n);
        if let (false, Some((d, n))) = (fits, widest) {
            let fields = n + 1;
            let why = match first_odd_record(b, d, fields, s.complete) {
                Some((line, n)) => format!(": line {line} has {n} fields, so the delimiter was not detected"),
                None => String::new(),
            };
            let read = match cols {
                [only] => format!("one column ('{only}')"),
                many => format!("{} columns ('{}')", many.len(), many.join("', '")),
            };
            return error(
                "D005",
                format!("was read as {read} although its first line holds {fields} fields separated by {}{why}", show(d)),
                Some("fix that row, or set `delimiter` so that such a row stops the run at its line"),
            );
        }
    }
    let d = delimiter.or_else(|| {
        let n = columns.filter(|c| c.len() > 1)?.len();
        DELIMITERS.iter().copied().find(|d| count_outside_quotes(first, *d) + 1 == n)
    });
    if let Some(line) = d.and_then(|d| unclosed_quote(b, d, s.complete)) {
        return error(
            "D007",
            format!(
                "has a quote at line {line} that does not close where its field ends: read as it is, quotes become part \
                 of the values and columns change type"
            ),
            Some("close or remove that quote (a quote inside a quoted field is written twice: \"\")"),
        );
    }
    let rest = &b[b.iter().position(|&c| c == b'\n').unwrap_or(b.len())..];
    if header && s.complete && rest.iter().all(u8::is_ascii_whitespace) {
        return Some(Finding {
            severity: Severity::Warning,
            code: "D004",
            message: "holds a header and no rows: the node reads 0 rows".into(),
            help: None,
        });
    }
    None
}

fn show(d: u8) -> String {
    match d {
        b'\t' => "tabs".into(),
        other => format!("'{}'", other as char),
    }
}

/// The 1-based line of byte `at`.
fn line_of(b: &[u8], at: usize) -> usize {
    b[..at].iter().filter(|&&c| c == b'\n').count() + 1
}

/// The first line, without its line break.
fn first_line(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    b[..end].strip_suffix(b"\r").unwrap_or(&b[..end])
}

/// How often `d` occurs in `line` outside double quotes.
fn count_outside_quotes(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &c in line {
        if c == b'"' {
            quoted = !quoted;
        } else if c == d && !quoted {
            n += 1;
        }
    }
    n
}

/// The first record (its line, its number of fields) that does not have `fields` fields when
/// split at `d` (quoted fields may span lines). A last line cut off by the sample is not counted.
fn first_odd_record(b: &[u8], d: u8, fields: usize, complete: bool) -> Option<(usize, usize)> {
    let (mut line, mut start_line, mut n, mut quoted, mut blank) = (1, 1, 1, false, true);
    for &c in b {
        match c {
            b'"' => {
                quoted = !quoted;
                blank = false;
            }
            b'\n' if !quoted => {
                if !blank && n != fields {
                    return Some((start_line, n));
                }
                line += 1;
                (start_line, n, blank) = (line, 1, true);
            }
            b'\n' => line += 1,
            b'\r' => {}
            c if c == d && !quoted => {
                n += 1;
                blank = false;
            }
            _ => blank = false,
        }
    }
    (complete && !blank && n != fields).then_some((start_line, n))
}

/// The line of the first quote that opens a field and does not close where the field ends
/// (before a delimiter or a line break), reading quotes as RFC 4180 does (`""` inside) and, when
/// that fails, with backslash escapes; None when either reading holds. A quote still open where
/// the sample is cut off is not counted.
fn unclosed_quote(b: &[u8], d: u8, complete: bool) -> Option<usize> {
    let rfc = quotes_close(b, d, complete, b'"')?;
    quotes_close(b, d, complete, b'\\')?;
    Some(rfc)
}

/// Err-like: Some(line of the bad quote) when a quote does not close, None when all do.
fn quotes_close(b: &[u8], d: u8, complete: bool, escape: u8) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        Closed,
    }
    let (mut state, mut line, mut opened) = (State::FieldStart, 1, 0);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
        }
        state = match state {
            State::FieldStart | State::Unquoted if c == b'\n' || c == d => State::FieldStart,
            State::FieldStart if c == b'"' => {
                opened = line;
                State::Quoted
            }
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if c == escape && escape != b'"' => {
                // The escaped byte is part of the value, a line break too.
                if b.get(i + 1) == Some(&b'\n') {
                    line += 1;
                }
                i += 1;
                State::Quoted
            }
            State::Quoted if c == b'"' && b.get(i + 1) == Some(&b'"') && escape == b'"' => {
                i += 1;
                State::Quoted
            }
            State::Quoted if c == b'"' => State::Closed,
            State::Quoted => State::Quoted,
            State::Closed if c == b'\n' || c == d => State::FieldStart,
            State::Closed if c == b'\r' => State::Closed,
            State::Closed => return Some(opened),
        };
        i += 1;
    }
    (complete && matches!(state, State::Quoted)).then_some(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &[u8], delimiter: Option<u8>, header: bool, columns: &[&str]) -> Option<(&'static str, String)> {
        let cols: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let s = Sample { bytes: text.to_vec(), complete: true };
        inspect(&s, delimiter, header, Some(&cols)).map(|f| (f.code, f.message))
    }

    #[test]
    fn good_files_pass() {
        assert_eq!(check(b"id,amount\n1,10\n2,20\n", None, true, &["id", "amount"]), None);
        assert_eq!(check(b"id;name\r\n1;\"a;b\"\r\n2;\"say \"\"hi\"\"\"\r\n", None, true, &["id", "name"]), None);
        assert_eq!(check(b"id,note\n1,\"two\nlines\"\n", None, true, &["id", "note"]), None);
        assert_eq!(check(b"id,size\n1,55\" TV\n", None, true, &["id", "size"]), None, "a quote inside a field is text");
        assert_eq!(check(b"id,q\n1,\"a \\\"b\\\" c\"\n", None, true, &["id", "q"]), None, "backslash escapes");
        assert_eq!(check(b"name\nalice\nbob\n", None, true, &["name"]), None, "one column, no delimiter");
        assert_eq!(check(b"1,2\n", None, false, &["column0", "column1"]), None, "one row without a header");
    }

    #[test]
    fn bad_files_are_named() {
        assert_eq!(check(b"", None, true, &["column0"]).unwrap().0, "D003");
        assert_eq!(check(b"\n\n", None, true, &["column0"]).unwrap().0, "D003");
        let (code, m) = check(b"id,amount\n1,10\n2,20,extra\n3,30\n", None, true, &["id,amount"]).unwrap();
        assert_eq!(code, "D005");
        assert!(m.contains("line 3 has 3 fields") && m.contains("('id,amount')"), "{m}");
        // The sniffer took the ragged last row for the header and skipped the lines above it.
        let (code, m) = check(b"id,amount\n1,10\n2,20,extra\n", None, true, &["2", "20", "extra"]).unwrap();
        assert_eq!(code, "D005");
        assert!(m.contains("3 columns ('2', '20', 'extra')") && m.contains("line 3 has 3 fields"), "{m}");
        assert_eq!(check(b"Sales report\nid,amount\n1,10\n", None, true, &["id", "amount"]), None, "a title line");
        assert_eq!(check(b"a;b;c,d\n1;2;3,4\n", None, true, &["a", "b", "c,d"]), None, "a comma in a name");
        let (code, m) = check(b"id,amount\n1,10\n2,2\x000\n", None, true, &["id", "amount"]).unwrap();
        assert_eq!((code, m.contains("line 3")), ("D006", true), "{m}");
        let (code, m) = check(b"id,amount,name\n1,\"10\",a\n3,\"30,ghi\n4,40,x\n", None, true, &["id", "amount", "name"]).unwrap();
        assert_eq!((code, m.contains("line 3")), ("D007", true), "{m}");
        // A quote left open swallows the next lines up to the next quote, then meets a letter.
        let (code, m) = check(b"id,a,n\n1,\"10,x\n2,20,\"y\"\n", None, true, &["id", "a", "n"]).unwrap();
        assert_eq!((code, m.contains("line 2")), ("D007", true), "{m}");
        let (code, _) = check(b"id,amount\n", None, true, &["id", "amount"]).unwrap();
        assert_eq!(code, "D004");
        assert_eq!(check(b"id,amount", None, true, &["id", "amount"]).unwrap().0, "D004");
    }

    #[test]
    fn the_sample_data_passes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
        let mut seen = 0;
        for dir in [root.clone(), root.join("problems")] {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if !name.ends_with(".csv") && !name.ends_with(".csv.gz") {
                    continue;
                }
                let s = Sample::read(&e.path()).unwrap();
                let first = String::from_utf8_lossy(first_line(&s.bytes)).to_string();
                let cols: Vec<String> = first.split(',').map(str::to_string).collect();
                assert!(inspect(&s, None, true, Some(&cols)).is_none(), "{name}: {:?}", inspect(&s, None, true, Some(&cols)));
                seen += 1;
            }
        }
        assert!(seen >= 6);
    }
}
