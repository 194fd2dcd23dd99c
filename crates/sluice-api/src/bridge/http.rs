//! Just enough HTTP/1.1 for the bridge: a request head read within a size limit, a body of a
//! known length, and responses that close the connection. Written here rather than taken from a
//! crate so that every limit (head size, header count, body size, time) is the bridge's own.

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use super::guard::Refusal;

/// The largest request line plus headers accepted.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most header lines accepted.
pub const MAX_HEADERS: usize = 100;

/// A request's line and headers.
#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    /// The path and query, as sent (`/api/run`, `/assets/x.js?v=1`).
    pub target: String,
    /// Names as sent; compare them ignoring case.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The value of a header that may be sent once: `None` when absent, refused when repeated
    /// (two `Host`s or two tokens would let one check read a different value than another).
    pub fn one(&self, name: &str) -> Result<Option<&str>, Refusal> {
        let mut found = self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some(_), Some(_)) => Err(Refusal::Malformed(format!("header {name} sent more than once"))),
            (first, _) => Ok(first.map(|(_, v)| v.as_str())),
        }
    }

    /// The target's path, without its query.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("/")
    }
}

/// What reading a request head can end in besides a head.
#[derive(Debug)]
pub enum ReadHead {
    /// The client closed the connection (or went quiet) before a whole head: nothing to answer.
    Closed,
    Refused(Refusal),
}

impl From<Refusal> for ReadHead {
    fn from(r: Refusal) -> Self {
        ReadHead::Refused(r)
    }
}

/// Read a request head, refusing it once it passes [`MAX_HEAD`] bytes or [`MAX_HEADERS`] lines
/// (nothing more is buffered than that).
pub fn read_head(r: &mut impl BufRead) -> Result<Head, ReadHead> {
    let mut used = 0usize;
    let mut next_line = |r: &mut dyn BufRead| -> Result<String, ReadHead> {
        let mut line = Vec::new();
        let room = (MAX_HEAD - used) as u64;
        if room == 0 {
            return Err(Refusal::HeadTooLarge(MAX_HEAD).into());
        }
        match r.take(room).read_until(b'\n', &mut line) {
            Ok(0) => return Err(ReadHead::Closed),
            Ok(_) => {}
            Err(_) => return Err(ReadHead::Closed),
        }
        used += line.len();
        if line.last() != Some(&b'\n') {
            return Err(if used >= MAX_HEAD { Refusal::HeadTooLarge(MAX_HEAD).into() } else { ReadHead::Closed });
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8(line).map_err(|_| Refusal::Malformed("a header is not text".into()).into())
    };

    let request_line = next_line(r)?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && t.starts_with('/') => (m, t, v),
        _ => return Err(Refusal::Malformed(format!("request line '{}'", truncate(&request_line))).into()),
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Refusal::Malformed(format!("HTTP version '{}'", truncate(version))).into());
    }
    let mut headers = Vec::new();
    loop {
        let line = next_line(r)?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(Refusal::HeadTooLarge(MAX_HEAD).into());
        }
        // Folded (continued) header lines are obsolete and a known way to smuggle a header past a check.
        if line.starts_with([' ', '\t']) {
            return Err(Refusal::Malformed("folded header line".into()).into());
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Refusal::Malformed(format!("header line '{}'", truncate(&line))).into());
        };
        if name.is_empty() || name.contains([' ', '\t']) {
            return Err(Refusal::Malformed(format!("header name '{}'", truncate(name))).into());
        }
        headers.push((name.to_string(), value.trim_matches([' ', '\t']).to_string()));
    }
    Ok(Head { method: method.to_string(), target: target.to_string(), headers })
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Read exactly `len` body bytes.
pub fn read_body(r: &mut impl Read, len: u64) -> Result<Vec<u8>, Refusal> {
    let mut body = Vec::with_capacity(len.min(1 << 20) as usize);
    r.take(len).read_to_end(&mut body).map_err(|e| Refusal::Malformed(format!("reading the body: {e}")))?;
    if (body.len() as u64) < len {
        return Err(Refusal::Malformed(format!("the body ended after {} of {len} bytes", body.len())));
    }
    Ok(body)
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Headers on every response: no caching, no type sniffing, no referrer, never in a frame.
const COMMON: &str = "Connection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
    Referrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\nContent-Security-Policy: frame-ancestors 'none'\r\n";

/// The status line and headers; `len` is the body's length, `None` for a body that ends when
/// the connection closes (a stream).
pub fn write_head(w: &mut impl Write, status: u16, content_type: &str, len: Option<usize>) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\n{COMMON}", reason(status));
    if let Some(len) = len {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())
}

/// A whole response (the body left out for HEAD).
pub fn respond(w: &mut impl Write, status: u16, content_type: &str, body: &[u8], with_body: bool) -> io::Result<()> {
    let mut out = Vec::with_capacity(body.len() + 300);
    write_head(&mut out, status, content_type, Some(body.len()))?;
    if with_body {
        out.extend_from_slice(body);
    }
    w.write_all(&out)?;
    w.flush()
}

/// The interim answer to `Expect: 100-continue`: go on and send the body.
pub fn write_continue(w: &mut impl Write) -> io::Result<()> {
    w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    w.flush()
}

/// Close after answering. A body left unread (a refused request's) is read and dropped for a
/// moment first: closing with unread bytes resets the connection, and the client could lose the
/// answer that says why it was refused.
pub fn close(stream: &TcpStream, unread: &mut impl Read) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let end = Instant::now() + Duration::from_secs(3);
    let mut left: u64 = 2 * super::guard::MAX_BODY;
    let mut buf = [0u8; 16 * 1024];
    while Instant::now() < end {
        match unread.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => match left.checked_sub(n as u64) {
                Some(l) => left = l,
                None => break,
            },
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &[u8]) -> Result<Head, ReadHead> {
        read_head(&mut io::BufReader::new(raw))
    }

    fn refusal(raw: &[u8]) -> Refusal {
        match read(raw) {
            Err(ReadHead::Refused(r)) => r,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn reads_a_head_and_leaves_the_body() {
        let raw = b"POST /api/save?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8737\r\nContent-Type:application/json \r\nContent-Length: 2\r\n\r\n{}";
        let mut r = io::BufReader::new(&raw[..]);
        let h = read_head(&mut r).unwrap();
        assert_eq!((h.method.as_str(), h.target.as_str(), h.path()), ("POST", "/api/save?x=1", "/api/save"));
        assert_eq!(h.one("HOST").unwrap(), Some("127.0.0.1:8737"));
        assert_eq!(h.one("content-type").unwrap(), Some("application/json"));
        assert_eq!(h.one("origin").unwrap(), None);
        assert_eq!(read_body(&mut r, 2).unwrap(), b"{}");
        // Bare LF line ends are read too.
        assert!(read(b"GET / HTTP/1.0\nHost: x\n\n").is_ok());
    }

    #[test]
    fn an_oversized_head_is_refused_without_reading_it_all() {
        let mut raw = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        raw.extend(std::iter::repeat_n(b'a', MAX_HEAD * 4));
        raw.extend_from_slice(b"\r\n\r\n");
        let mut r = io::BufReader::new(&raw[..]);
        assert!(matches!(read_head(&mut r), Err(ReadHead::Refused(Refusal::HeadTooLarge(_)))));
        // It stopped at the limit (plus what the buffer had read ahead).
        let consumed = raw.len() - r.get_ref().len();
        assert!(consumed <= MAX_HEAD + 8 * 1024, "{consumed}");
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(refusal(&many).status(), 431);
        let long_line = [b"GET /".to_vec(), vec![b'a'; MAX_HEAD], b" HTTP/1.1\r\n\r\n".to_vec()].concat();
        assert_eq!(refusal(&long_line).status(), 431);
    }

    #[test]
    fn malformed_heads_are_refused() {
        for raw in [
            &b"GET http://evil.example/ HTTP/1.1\r\n\r\n"[..],
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \xff\r\n\r\n",
        ] {
            assert_eq!(refusal(raw).status(), 400, "{}", String::from_utf8_lossy(raw));
        }
        // A client that hangs up mid-head gets no answer.
        assert!(matches!(read(b"GET / HTTP/1.1\r\nHost: a"), Err(ReadHead::Closed)));
        assert!(matches!(read(b""), Err(ReadHead::Closed)));
    }

    #[test]
    fn a_short_body_is_an_error() {
        assert!(read_body(&mut &b"{"[..], 2).is_err());
    }

    #[test]
    fn responses_carry_length_and_close() {
        let mut out = Vec::new();
        respond(&mut out, 401, "application/json", b"{}", true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{text}");
        assert!(text.contains("Content-Length: 2\r\n") && text.contains("Connection: close\r\n") && text.ends_with("\r\n\r\n{}"));
        assert!(!text.to_ascii_lowercase().contains("access-control"), "no CORS grants");
    }
}
