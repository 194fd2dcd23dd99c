//! Who may use the bridge: only the page it serves, in the user's own browser, on this machine.
//!
//! Every web page the user opens can send requests to `127.0.0.1`, so loopback alone protects
//! nothing. A request is answered only when its `Host` is a loopback name with the bridge's port
//! (a DNS-rebound name is refused), its `Origin`, when sent, is the bridge's own, and, for a
//! command, it carries the token made at start (only the printed URL has it) and a JSON body of
//! bounded size. A JSON content type and the token header both force a browser to ask first
//! (CORS preflight), which the bridge never grants, so a foreign page cannot even send one.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::ApiError;

use super::http::Head;

/// The header that carries the token on every command request.
pub const TOKEN_HEADER: &str = "X-Sluice-Token";
/// The largest command body accepted (a big spec with its layout is well under 1 MiB).
pub const MAX_BODY: u64 = 16 * 1024 * 1024;
/// Bytes of OS randomness in a token (256 bits, 64 hex digits).
const TOKEN_BYTES: usize = 32;

/// Why a request is refused. Each has a stable code and the HTTP status it is answered with.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The bridge's `host:port`, to say which URL to open.
    #[error("this bridge needs the token from the URL it printed at start (http://{0}/#token=...): open that URL; the request had no {TOKEN_HEADER} header")]
    NoToken(String),
    #[error("the token sent is not this bridge's: it makes a new one at every start, so open the URL it printed this time (http://{0}/#token=...)")]
    WrongToken(String),
    #[error("this bridge answers only on {expected}, not on host '{got}' (another name that points at this machine is refused)")]
    ForeignHost { got: String, expected: String },
    #[error("requests from the page at '{0}' are refused: only the page this bridge serves may use it")]
    ForeignOrigin(String),
    #[error("commands take a JSON body sent as Content-Type: application/json (got '{0}')")]
    NotJson(String),
    #[error("the request body is {0} bytes, over the bridge's limit of {MAX_BODY} bytes")]
    BodyTooLarge(u64),
    #[error("the request's headers are over the bridge's limit of {0} bytes")]
    HeadTooLarge(usize),
    #[error("send the body with a Content-Length (no Transfer-Encoding)")]
    NoLength,
    #[error("bad request: {0}")]
    Malformed(String),
    #[error("use {0}")]
    Method(&'static str),
    #[error("the bridge is busy with {0} connections; try again")]
    Busy(usize),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoToken(_) | Refusal::WrongToken(_) => "A060",
            Refusal::ForeignHost { .. } => "A061",
            Refusal::ForeignOrigin(_) => "A062",
            Refusal::NotJson(_) => "A063",
            Refusal::BodyTooLarge(_) => "A064",
            Refusal::HeadTooLarge(_) => "A065",
            Refusal::NoLength => "A066",
            Refusal::Malformed(_) => "A067",
            Refusal::Method(_) => "A022",
            Refusal::Busy(_) => "A068",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Refusal::NoToken(_) | Refusal::WrongToken(_) => 401,
            Refusal::ForeignHost { .. } | Refusal::ForeignOrigin(_) => 403,
            Refusal::NotJson(_) => 415,
            Refusal::BodyTooLarge(_) => 413,
            Refusal::HeadTooLarge(_) => 431,
            Refusal::NoLength => 411,
            Refusal::Malformed(_) => 400,
            Refusal::Method(_) => 405,
            Refusal::Busy(_) => 503,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::new(r.code(), r.to_string())
    }
}

/// The address to listen on, refused unless it is loopback: the bridge runs files and commands
/// as the user, so no other machine may reach it.
pub fn loopback_addr(addr: &str) -> Result<SocketAddr, ApiError> {
    let refuse = || {
        ApiError::new(
            "A070",
            format!(
                "--addr {addr}: the bridge listens on loopback only (127.0.0.1:PORT, [::1]:PORT or localhost:PORT) \
                 because it opens, saves and runs files as you; other machines must not reach it"
            ),
        )
    };
    if let Ok(sock) = addr.parse::<SocketAddr>() {
        return if sock.ip().is_loopback() { Ok(sock) } else { Err(refuse()) };
    }
    // `localhost` is the one name taken: resolving other names could land on any interface.
    match addr.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => match port.parse::<u16>() {
            Ok(port) => Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
            Err(_) => Err(ApiError::new("A070", format!("--addr {addr}: '{port}' is not a port"))),
        },
        _ => Err(refuse()),
    }
}

/// A new token from the OS's randomness, as hex.
pub fn new_token() -> Result<String, ApiError> {
    let bytes = os_random(TOKEN_BYTES).map_err(|e| ApiError::new("A071", format!("cannot read OS randomness for the bridge's token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(unix)]
fn os_random(n: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf)
}

#[cfg(not(unix))]
fn os_random(_n: usize) -> std::io::Result<Vec<u8>> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "no /dev/urandom on this platform"))
}

/// Equal bytes, in a time that does not depend on where they first differ (a token must not be
/// guessable one digit at a time). Lengths are public: every token has the same one.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The checks of one running bridge.
pub struct Guard {
    token: String,
    /// `Host` values accepted, lowercase, each with the port.
    hosts: Vec<String>,
    /// The address printed to the user (host and port, no scheme).
    authority: String,
}

impl Guard {
    /// For a bridge listening on `local` with this token.
    pub fn new(local: SocketAddr, token: String) -> Guard {
        let port = local.port();
        let mut names = vec!["127.0.0.1".to_string(), "localhost".to_string(), "[::1]".to_string()];
        let own = match local.ip() {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        if !names.contains(&own) {
            names.push(own.clone());
        }
        let mut hosts: Vec<String> = names.iter().map(|n| format!("{n}:{port}")).collect();
        // A browser leaves the default port out of `Host`.
        if port == 80 {
            hosts.extend(names.iter().cloned());
        }
        Guard { token, hosts, authority: format!("{own}:{port}") }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// `host:port` as the printed URL has it.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Every request, pages included: its `Host` names this bridge, and its `Origin`, when sent,
    /// is the page's own (`http://` and that host). Returns the host.
    pub fn admit<'h>(&self, head: &'h Head) -> Result<&'h str, Refusal> {
        let host = head.one("host")?.unwrap_or("");
        if !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Err(Refusal::ForeignHost { got: host.to_string(), expected: format!("http://{}", self.authority) });
        }
        if let Some(origin) = head.one("origin")? {
            let own = origin.strip_prefix("http://").is_some_and(|o| o.eq_ignore_ascii_case(host));
            if !own {
                return Err(Refusal::ForeignOrigin(origin.to_string()));
            }
        }
        Ok(host)
    }

    /// A command request (after [`Guard::admit`]): POST, the token, a JSON body of a size
    /// accepted. Returns the body's length.
    pub fn admit_command(&self, head: &Head) -> Result<u64, Refusal> {
        if head.method != "POST" {
            return Err(Refusal::Method("POST"));
        }
        match head.one(TOKEN_HEADER)? {
            None => return Err(Refusal::NoToken(self.authority.clone())),
            Some(t) if !constant_time_eq(t.as_bytes(), self.token.as_bytes()) => return Err(Refusal::WrongToken(self.authority.clone())),
            Some(_) => {}
        }
        let ty = head.one("content-type")?.unwrap_or("");
        let media = ty.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return Err(Refusal::NotJson(ty.to_string()));
        }
        // Only a plain length: chunked bodies could not be capped before reading them.
        if head.one("transfer-encoding")?.is_some() {
            return Err(Refusal::NoLength);
        }
        let len = match head.one("content-length")? {
            None => 0,
            Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                v.parse::<u64>().map_err(|_| Refusal::BodyTooLarge(u64::MAX))?
            }
            Some(v) => return Err(Refusal::Malformed(format!("Content-Length '{v}'"))),
        };
        if len > MAX_BODY {
            return Err(Refusal::BodyTooLarge(len));
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn guard() -> Guard {
        Guard::new("127.0.0.1:8737".parse().unwrap(), TOKEN.to_string())
    }

    fn head(method: &str, headers: &[(&str, &str)]) -> Head {
        Head {
            method: method.into(),
            target: "/api/save".into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    /// A command request as the bridge's own page sends it, with `change` applied.
    fn command(change: &[(&str, Option<&str>)]) -> Head {
        let mut h = vec![
            ("Host", "127.0.0.1:8737"),
            ("Origin", "http://127.0.0.1:8737"),
            ("X-Sluice-Token", TOKEN),
            ("Content-Type", "application/json"),
            ("Content-Length", "2"),
        ];
        for (name, value) in change {
            h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
            if let Some(v) = value {
                h.push((name, v));
            }
        }
        head("POST", &h)
    }

    fn check(g: &Guard, h: &Head) -> Result<u64, Refusal> {
        g.admit(h)?;
        g.admit_command(h)
    }

    #[test]
    fn the_pages_own_request_is_admitted() {
        let g = guard();
        assert_eq!(check(&g, &command(&[])), Ok(2));
        // Same page loaded as localhost or [::1]; no Origin (not every request has one); charset.
        assert_eq!(check(&g, &command(&[("Host", Some("localhost:8737")), ("Origin", Some("http://localhost:8737"))])), Ok(2));
        assert_eq!(check(&g, &command(&[("Host", Some("[::1]:8737")), ("Origin", Some("http://[::1]:8737"))])), Ok(2));
        assert_eq!(check(&g, &command(&[("Origin", None), ("Content-Type", Some("application/json; charset=utf-8"))])), Ok(2));
        assert_eq!(check(&g, &command(&[("Host", Some("LOCALHOST:8737")), ("Origin", None)])), Ok(2));
        assert_eq!(check(&g, &command(&[("Content-Length", None)])), Ok(0));
    }

    #[test]
    fn token_missing_or_wrong_is_refused_with_a_message_that_says_where_it_is() {
        let g = guard();
        let none = check(&g, &command(&[("X-Sluice-Token", None)])).unwrap_err();
        assert_eq!((none.status(), none.code()), (401, "A060"));
        assert!(none.to_string().contains("token from the URL it printed at start (http://127.0.0.1:8737/#token=...)"), "{none}");
        let mut wrong = TOKEN.to_string();
        wrong.replace_range(63.., "0");
        assert_eq!(check(&g, &command(&[("X-Sluice-Token", Some(&wrong))])), Err(Refusal::WrongToken("127.0.0.1:8737".into())));
        assert_eq!(check(&g, &command(&[("X-Sluice-Token", Some(""))])), Err(Refusal::WrongToken("127.0.0.1:8737".into())));
        assert_eq!(check(&g, &command(&[("X-Sluice-Token", Some(&TOKEN[..32]))])), Err(Refusal::WrongToken("127.0.0.1:8737".into())));
        // Sent twice (one of them right) is not a way around it.
        let mut twice = command(&[]);
        twice.headers.push(("x-sluice-token".into(), "nope".into()));
        assert!(matches!(check(&g, &twice), Err(Refusal::Malformed(_))));
    }

    #[test]
    fn foreign_hosts_are_refused_even_with_the_token() {
        let g = guard();
        for host in ["evil.example:8737", "127.0.0.1:8738", "127.0.0.1", "localhost", "192.168.1.5:8737", "127.0.0.1.nip.io:8737", ""] {
            let r = check(&g, &command(&[("Host", Some(host)), ("Origin", None)])).unwrap_err();
            assert_eq!((r.status(), r.code()), (403, "A061"), "{host}");
        }
        let r = check(&g, &command(&[("Host", None), ("Origin", None)])).unwrap_err();
        assert_eq!(r.code(), "A061");
        assert!(r.to_string().contains("http://127.0.0.1:8737"), "{r}");
    }

    #[test]
    fn foreign_origins_are_refused_even_with_the_token() {
        let g = guard();
        for origin in ["https://evil.example", "http://127.0.0.1:3000", "null", "http://localhost:8737", "https://127.0.0.1:8737", "http://127.0.0.1:8737.evil.example"] {
            let r = check(&g, &command(&[("Origin", Some(origin))])).unwrap_err();
            assert_eq!((r.status(), r.code()), (403, "A062"), "{origin}");
        }
        // Pages too: a foreign page may not read the bridge's files through a rebound name.
        let page = head("GET", &[("Host", "evil.example:8737")]);
        assert_eq!(g.admit(&page).unwrap_err().code(), "A061");
    }

    #[test]
    fn only_json_bodies_of_a_known_size_under_the_cap() {
        let g = guard();
        for ty in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonp"] {
            let r = check(&g, &command(&[("Content-Type", Some(ty))])).unwrap_err();
            assert_eq!((r.status(), r.code()), (415, "A063"), "{ty}");
        }
        assert_eq!(check(&g, &command(&[("Content-Type", None)])).unwrap_err().status(), 415);
        let over = (MAX_BODY + 1).to_string();
        assert_eq!(check(&g, &command(&[("Content-Length", Some(&over))])), Err(Refusal::BodyTooLarge(MAX_BODY + 1)));
        assert_eq!(check(&g, &command(&[("Content-Length", Some("99999999999999999999999"))])).unwrap_err().status(), 413);
        assert_eq!(check(&g, &command(&[("Content-Length", Some(&MAX_BODY.to_string()))])), Ok(MAX_BODY));
        assert_eq!(check(&g, &command(&[("Transfer-Encoding", Some("chunked"))])), Err(Refusal::NoLength));
        assert!(matches!(check(&g, &command(&[("Content-Length", Some("-1"))])), Err(Refusal::Malformed(_))));
        assert!(matches!(check(&g, &command(&[("Content-Length", Some("1, 1"))])), Err(Refusal::Malformed(_))));
        let get = Head { method: "GET".into(), ..command(&[]) };
        assert_eq!(check(&g, &get).unwrap_err().status(), 405);
    }

    #[test]
    fn default_port_and_own_loopback_address_are_hosts_too() {
        let g = Guard::new("127.0.0.1:80".parse().unwrap(), TOKEN.into());
        assert!(g.admit(&head("GET", &[("Host", "127.0.0.1")])).is_ok());
        let g = Guard::new("127.0.0.2:9000".parse().unwrap(), TOKEN.into());
        assert!(g.admit(&head("GET", &[("Host", "127.0.0.2:9000")])).is_ok());
        assert_eq!(g.authority(), "127.0.0.2:9000");
        let g = Guard::new("[::1]:9000".parse().unwrap(), TOKEN.into());
        assert_eq!(g.authority(), "[::1]:9000");
    }

    #[test]
    fn only_loopback_addresses_are_listened_on() {
        assert_eq!(loopback_addr("127.0.0.1:8737").unwrap(), "127.0.0.1:8737".parse().unwrap());
        assert_eq!(loopback_addr("[::1]:0").unwrap(), "[::1]:0".parse().unwrap());
        assert_eq!(loopback_addr("localhost:9000").unwrap(), "127.0.0.1:9000".parse().unwrap());
        for addr in ["0.0.0.0:8737", "[::]:8737", "192.168.1.10:8737", "10.0.0.1:80", "example.com:8737", "8737", "localhost:x"] {
            let e = loopback_addr(addr).unwrap_err();
            assert_eq!(e.code, "A070", "{addr}");
        }
        assert!(loopback_addr("0.0.0.0:8737").unwrap_err().message.contains("loopback only"));
    }

    #[test]
    fn tokens_are_random_hex_of_256_bits() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
