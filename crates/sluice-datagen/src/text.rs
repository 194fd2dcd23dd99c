//! Byte-buffer formatting for CSV (RFC 4180) and JSON fields.
//!
//! Rows are assembled into a reused `Vec<u8>` with these helpers instead of
//! `format!`/`write!`: at ten million orders the formatting machinery would be a
//! large share of the run time, and doing it by hand also pins the exact text of
//! every number (no locale, no float-to-string surprises).

/// Appends a non-negative integer in decimal.
pub fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends a signed integer in decimal.
pub fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

/// Appends an amount held in hundredths with exactly two decimals, using `sep` as
/// the decimal separator (`.` normally, `,` for the malformed European-style rows).
pub fn push_cents_sep(buf: &mut Vec<u8>, cents: i64, sep: u8) {
    if cents < 0 {
        buf.push(b'-');
    }
    let a = cents.unsigned_abs();
    push_u64(buf, a / 100);
    buf.push(sep);
    buf.push(b'0' + (a / 10 % 10) as u8);
    buf.push(b'0' + (a % 10) as u8);
}

/// Appends an amount held in hundredths as `1234.50`.
pub fn push_cents(buf: &mut Vec<u8>, cents: i64) {
    push_cents_sep(buf, cents, b'.');
}

/// Appends one CSV field, quoting it per RFC 4180 when it contains a comma, quote
/// or line break. Fields with leading or trailing spaces are quoted too: RFC 4180
/// keeps such spaces, but many readers trim unquoted fields, and the padded emails
/// are meant to survive into the pipeline as dirt to clean.
pub fn push_csv(buf: &mut Vec<u8>, field: &str) {
    let b = field.as_bytes();
    let needs_quotes = b.iter().any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
        || b.first() == Some(&b' ')
        || b.last() == Some(&b' ');
    if !needs_quotes {
        buf.extend_from_slice(b);
        return;
    }
    buf.push(b'"');
    for &c in b {
        if c == b'"' {
            buf.push(b'"');
        }
        buf.push(c);
    }
    buf.push(b'"');
}

/// Appends a JSON string literal with the required escapes.
pub fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for &c in s.as_bytes() {
        match c {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(c >> 4) as usize]);
                buf.push(HEX[(c & 15) as usize]);
            }
            // UTF-8 bytes >= 0x80 pass through unchanged: JSON text is UTF-8.
            c => buf.push(c),
        }
    }
    buf.push(b'"');
}

/// Splits one CSV record (RFC 4180, no embedded line breaks) into fields.
/// Test helper for this crate's own output; not a general-purpose parser.
#[cfg(test)]
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.is_empty() => quoted = true,
            (false, ',') => fields.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(s(|b| push_u64(b, 0)), "0");
        assert_eq!(s(|b| push_i64(b, -1234)), "-1234");
        assert_eq!(s(|b| push_cents(b, 5)), "0.05");
        assert_eq!(s(|b| push_cents(b, -1250)), "-12.50");
        assert_eq!(s(|b| push_cents_sep(b, 1250, b',')), "12,50");
    }

    #[test]
    fn csv_quoting_round_trips() {
        let fields = ["plain", "a,b", "27\" Monitor", " padded@x.de ", ""];
        let mut b = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            push_csv(&mut b, f);
        }
        let line = String::from_utf8(b).unwrap();
        assert_eq!(line, "plain,\"a,b\",\"27\"\" Monitor\",\" padded@x.de \",");
        assert_eq!(split_csv(&line), fields);
    }

    #[test]
    fn json_escapes() {
        assert_eq!(
            s(|b| push_json_str(b, "a\"b\\c\nü\u{1}")),
            r#""a\"b\\c\nü\u0001""#
        );
    }
}
