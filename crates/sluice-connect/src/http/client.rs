//! Requests to an HTTP JSON API: credentials from the connection, sent only inside its scope;
//! retries of answers that may pass (429 and 503 after their `Retry-After`, other failures
//! after growing waits); a least interval between requests; the `Link` header's next page.

use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LINK, LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use url::Url;

use crate::secret::{redact, Secret};
use crate::store::Resolved;
use crate::ConnectError;

/// The first wait before retrying a failed request; each later one is twice as long.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// The longest wait between two attempts of one request when the server did not say.
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured: a server asking for more fails the read at once rather
/// than holding the run for an hour.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(300);
/// How much of an error response's body a message quotes.
const SNIPPET: usize = 200;

/// How requests prove who sends them, from the connection URL's `auth` option (a secret's
/// `Debug` is masked).
#[derive(Debug)]
pub(crate) enum Auth {
    None,
    /// `Authorization: Bearer <password>` (`?auth=bearer`; the default when there is a password).
    Bearer(Secret),
    /// `Authorization: Basic` with the URL's user and the password (`?auth=basic`).
    Basic { user: String, password: Secret },
    /// The password as the value of header `header` (`?auth=header&header=X-API-Key`).
    Header { name: HeaderName, value: Secret },
}

impl Auth {
    /// The credentials connection `conn` describes.
    pub(crate) fn of(conn: &Resolved) -> Result<Auth, ConnectError> {
        let invalid = |message: String| ConnectError::Invalid { name: conn.name.clone(), message };
        let password = conn.password.clone().filter(|p| !p.is_empty());
        let need = |what: &str| {
            password.clone().ok_or_else(|| invalid(format!("auth={what} sends the connection's password, and it has none (--password-stdin or SLUICE_CONN_{}_PASSWORD)", conn.name.to_ascii_uppercase())))
        };
        match conn.option("auth").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None if password.is_none() => Ok(Auth::None),
            Some("none") => Ok(Auth::None),
            None | Some("bearer") => Ok(Auth::Bearer(need("bearer")?)),
            Some("basic") => {
                let user = conn.user();
                if user.is_empty() {
                    return Err(invalid("auth=basic needs a user in the URL (https://user@host)".into()));
                }
                Ok(Auth::Basic { user, password: need("basic")? })
            }
            Some("header") => {
                let header = conn.option("header").unwrap_or_default();
                let name = HeaderName::from_bytes(header.trim().as_bytes())
                    .map_err(|_| invalid(format!("auth=header needs the header's name: &header=X-API-Key (got '{header}')")))?;
                let value = need("header")?;
                if HeaderValue::from_str(value.expose()).is_err() {
                    return Err(invalid("the password cannot be sent as a header value (it holds a line break or a control character)".into()));
                }
                Ok(Auth::Header { name, value })
            }
            Some(other) => Err(invalid(format!("unknown auth '{other}': use bearer, basic, header or none"))),
        }
    }

    fn secret(&self) -> Option<&Secret> {
        match self {
            Auth::None => None,
            Auth::Bearer(s) | Auth::Basic { password: s, .. } | Auth::Header { value: s, .. } => Some(s),
        }
    }
}

/// The URLs requests may go to: a scheme, host and port, and a path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
}

impl Scope {
    /// The connection URL's base: scheme, host, port and path, without its options.
    pub(crate) fn of_base(url: &Url) -> Scope {
        Scope { scheme: url.scheme().into(), host: url.host_str().unwrap_or("").into(), port: url.port_or_known_default(), path: url.path().into() }
    }

    /// The origin of `url` (any path on its scheme, host and port).
    pub(crate) fn of_origin(url: &Url) -> Scope {
        Scope { path: "/".into(), ..Scope::of_base(url) }
    }

    /// Whether `url` is inside: the same scheme, host and port, its path under the base path
    /// (`/v1` holds `/v1` and `/v1/orders`, not `/v10`).
    pub(crate) fn allows(&self, url: &Url) -> bool {
        let path = url.path();
        let under = if self.path.ends_with('/') {
            path.starts_with(&self.path)
        } else {
            path == self.path || path.strip_prefix(&self.path).is_some_and(|r| r.starts_with('/'))
        };
        url.scheme() == self.scheme
            && url.host_str().unwrap_or("") == self.host
            && url.port_or_known_default() == self.port
            && url.username().is_empty()
            && url.password().is_none()
            && under
    }

    /// The base, for messages: `https://api.example.com/v1`.
    pub(crate) fn describe(&self) -> String {
        let port = match (self.scheme.as_str(), self.port) {
            ("https", Some(443)) | ("http", Some(80)) | (_, None) => String::new(),
            (_, Some(p)) => format!(":{p}"),
        };
        format!("{}://{}{port}{}", self.scheme, self.host, self.path)
    }
}

/// One page as it arrived: its body and the `Link` header's next URL.
pub(crate) struct Page {
    pub body: serde_json::Value,
    pub link_next: Option<String>,
}

/// What a read asks of each request.
pub(crate) struct Limits {
    pub max_retries: u32,
    pub min_interval: Duration,
    pub timeout: Duration,
}

/// An HTTP client for one connection (or for APIs read without one).
pub(crate) struct Client {
    http: reqwest::blocking::Client,
    auth: Auth,
    /// When the last request started, for the least interval between two.
    last: Option<Instant>,
}

impl Client {
    pub(crate) fn new(auth: Auth) -> Result<Client, String> {
        // Redirects are followed by hand: each target is checked against the read's scope
        // before anything (credentials included) is sent to it.
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sluice/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Client { http, auth, last: None })
    }

    /// The password, to keep it out of messages.
    pub(crate) fn secret(&self) -> Option<&Secret> {
        self.auth.secret()
    }

    /// `url` for a message, without any credential.
    pub(crate) fn shown(&self, url: &Url) -> String {
        let mut u = url.clone();
        let _ = u.set_username("");
        let _ = u.set_password(None);
        redact(u.as_str(), self.secret())
    }

    /// GET `url` (page `page` of the read) inside `scope`, retrying what may pass, and parse its
    /// body as JSON.
    pub(crate) fn get_json(&mut self, url: &Url, page: u64, scope: &Scope, limits: &Limits) -> Result<Page, ConnectError> {
        let mut url = url.clone();
        let mut redirects = 0;
        let mut attempt: u32 = 0;
        loop {
            if !scope.allows(&url) {
                return Err(ConnectError::ApiRefused { url: self.shown(&url), page, message: format!("it is not under {}", scope.describe()) });
            }
            self.throttle(limits.min_interval);
            let fail = |c: &Client, message: String| ConnectError::Api { url: c.shown(&url), page, message: redact(&message, c.secret()) };
            let response = match self.request(&url, limits.timeout).send() {
                Ok(r) => r,
                Err(e) if attempt < limits.max_retries => {
                    let _ = e;
                    sleep(backoff(attempt));
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(fail(&*self, format!("no answer{}: {}", after(attempt), error_chain(&e)))),
            };
            let status = response.status();
            if status.is_redirection() {
                let target = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).and_then(|l| url.join(l).ok());
                let Some(target) = target.filter(|_| redirects < 10) else {
                    return Err(fail(&*self, format!("the server answered {status} without a redirect sluice can follow")));
                };
                redirects += 1;
                url = target;
                continue;
            }
            if status.is_success() {
                let link_next = link_next(response.headers());
                let text = response.text().map_err(|e| fail(&*self, format!("the body could not be read: {}", error_chain(&e))))?;
                let body = serde_json::from_str(&text).map_err(|e| ConnectError::ApiData {
                    url: self.shown(&url),
                    page,
                    message: redact(&format!("the body is not JSON ({e}): {}", snippet(&text)), self.secret()),
                })?;
                return Ok(Page { body, link_next });
            }
            if retryable(status) && attempt < limits.max_retries {
                let wait = match status {
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => retry_after(response.headers(), SystemTime::now()),
                    _ => None,
                };
                let wait = match wait {
                    Some(w) if w > RETRY_AFTER_CAP => {
                        return Err(fail(&*self, format!("the server answered {status} and asks to wait {} s (Retry-After), more than the {} s a source waits", w.as_secs(), RETRY_AFTER_CAP.as_secs())));
                    }
                    Some(w) => w,
                    None => backoff(attempt),
                };
                sleep(wait);
                attempt += 1;
                continue;
            }
            let body = response.text().unwrap_or_default();
            return Err(fail(&*self, format!("the server answered {status}{}: {}", after(attempt), snippet(&body))));
        }
    }

    /// The status one GET of `url` (inside `scope`) is answered with, redirects not followed.
    pub(crate) fn status(&mut self, url: &Url, scope: &Scope, timeout: Duration) -> Result<StatusCode, ConnectError> {
        if !scope.allows(url) {
            return Err(ConnectError::ApiRefused { url: self.shown(url), page: 1, message: format!("it is not under {}", scope.describe()) });
        }
        self.throttle(Duration::ZERO);
        match self.request(url, timeout).send() {
            Ok(r) => Ok(r.status()),
            Err(e) => Err(ConnectError::Api { url: self.shown(url), page: 1, message: redact(&format!("no answer: {}", error_chain(&e)), self.secret()) }),
        }
    }

    fn request(&self, url: &Url, timeout: Duration) -> reqwest::blocking::RequestBuilder {
        let r = self.http.get(url.clone()).timeout(timeout).header(reqwest::header::ACCEPT, "application/json");
        match &self.auth {
            Auth::None => r,
            Auth::Bearer(t) => r.bearer_auth(t.expose()),
            Auth::Basic { user, password } => r.basic_auth(user, Some(password.expose())),
            Auth::Header { name, value } => {
                let mut v = HeaderValue::from_str(value.expose()).expect("checked when the connection was opened");
                v.set_sensitive(true);
                r.header(name.clone(), v)
            }
        }
    }

    /// Wait until `interval` has passed since the last request started.
    fn throttle(&mut self, interval: Duration) {
        if let Some(last) = self.last {
            let due = last + interval;
            let now = Instant::now();
            if due > now {
                sleep(due - now);
            }
        }
        self.last = Some(Instant::now());
    }
}

/// 408, 429 and the server errors that may pass (500, 502, 503, 504).
fn retryable(s: StatusCode) -> bool {
    matches!(s.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// The wait before retry `attempt + 1`: 0.5 s, 1 s, 2 s, ... at most 30 s.
pub(crate) fn backoff(attempt: u32) -> Duration {
    BACKOFF_BASE.saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX)).min(BACKOFF_CAP)
}

fn after(attempts: u32) -> String {
    match attempts {
        0 => String::new(),
        1 => " after 1 retry".into(),
        n => format!(" after {n} retries"),
    }
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date (a date passed is no
/// wait). None without a header sluice can read.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The URL of the `rel="next"` link of `Link` headers (RFC 8288), as written (maybe relative).
pub(crate) fn link_next(headers: &HeaderMap) -> Option<String> {
    headers.get_all(LINK).iter().filter_map(|v| v.to_str().ok()).find_map(parse_link_next)
}

fn parse_link_next(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let close = open + rest[open..].find('>')?;
        let target = &rest[open + 1..close];
        // The link's params run to the next link's `<` (a `<` cannot appear unquoted in them).
        let params_end = rest[close..].find('<').map(|i| close + i).unwrap_or(rest.len());
        // Without the comma that separates it from the next link.
        let params = rest[close + 1..params_end].trim().trim_end_matches(',');
        let is_next = params.split(';').filter_map(|p| p.split_once('=')).any(|(k, v)| {
            k.trim().eq_ignore_ascii_case("rel") && v.trim().trim_matches('"').split_whitespace().any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim().to_string());
        }
        rest = &rest[params_end..];
    }
    None
}

/// The start of a body, on one line, for a message.
fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return "(empty body)".into();
    }
    match one_line.char_indices().nth(SNIPPET) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// An error with its causes: reqwest's own message alone is often just "error sending request".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(retry_after(&headers(&[("retry-after", "120")]), now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(&headers(&[("retry-after", " 0 ")]), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")]), now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&headers(&[("retry-after", "Wed, 21 Oct 2015 07:00:00 GMT")]), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-5")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let waits: Vec<u128> = (0..8).map(|a| backoff(a).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(backoff(100), BACKOFF_CAP);
    }

    #[test]
    fn the_link_header_names_the_next_page() {
        let h = headers(&[("link", r#"<https://api.example.com/items?page=1>; rel="prev", <https://api.example.com/items?page=3>; rel="next""#)]);
        assert_eq!(link_next(&h).as_deref(), Some("https://api.example.com/items?page=3"));
        let h = headers(&[("link", r#"</items?page=2>; rel="next", </items?page=9>; rel="last""#)]);
        assert_eq!(link_next(&h).as_deref(), Some("/items?page=2"));
        let h = headers(&[("link", r#"</items?page=2>; title="a, b; c"; rel="next last""#)]);
        assert_eq!(link_next(&h).as_deref(), Some("/items?page=2"));
        let h = headers(&[("link", "<https://a/1>; rel=first"), ("link", "<https://a/2>; REL=Next")]);
        assert_eq!(link_next(&h).as_deref(), Some("https://a/2"));
        assert_eq!(link_next(&headers(&[("link", r#"<https://a/1>; rel="last""#)])), None);
        assert_eq!(link_next(&headers(&[("link", "<https://a/1")])), None);
    }

    #[test]
    fn scopes_hold_their_base_and_nothing_else() {
        let u = |s: &str| Url::parse(s).unwrap();
        let base = Scope::of_base(&u("https://api.example.com/v1?auth=bearer"));
        assert!(base.allows(&u("https://api.example.com/v1")));
        assert!(base.allows(&u("https://api.example.com/v1/orders?page=2")));
        assert!(base.allows(&u("https://API.example.com:443/v1/orders")));
        assert!(!base.allows(&u("https://api.example.com/v10/orders")));
        assert!(!base.allows(&u("https://api.example.com/v1/../admin")));
        assert!(!base.allows(&u("http://api.example.com/v1/orders")));
        assert!(!base.allows(&u("https://api.example.com:8443/v1/orders")));
        assert!(!base.allows(&u("https://api.example.com.evil.net/v1/orders")));
        assert!(!base.allows(&u("https://user@api.example.com/v1/orders")));
        assert_eq!(base.describe(), "https://api.example.com/v1");
        let root = Scope::of_base(&u("http://127.0.0.1:8080?auth=basic"));
        assert!(root.allows(&u("http://127.0.0.1:8080/anything")));
        assert!(!root.allows(&u("http://127.0.0.2:8080/anything")));
        assert_eq!(root.describe(), "http://127.0.0.1:8080/");
        let origin = Scope::of_origin(&u("https://a.example/x/y?z=1"));
        assert!(origin.allows(&u("https://a.example/other")));
        assert!(!origin.allows(&u("https://b.example/x/y")));
    }

    #[test]
    fn auth_comes_from_the_connection_url() {
        let conn = |url: &str, pw: Option<&str>| Resolved {
            name: "api".into(),
            driver: sluice_core::remote::Driver::Http,
            url: Url::parse(url).unwrap(),
            password: pw.map(Secret::new),
        };
        assert!(matches!(Auth::of(&conn("https://h", None)).unwrap(), Auth::None));
        assert!(matches!(Auth::of(&conn("https://h", Some("t"))).unwrap(), Auth::Bearer(_)));
        assert!(matches!(Auth::of(&conn("https://h?auth=bearer", Some("t"))).unwrap(), Auth::Bearer(_)));
        assert!(matches!(Auth::of(&conn("https://ana@h?auth=basic", Some("t"))).unwrap(), Auth::Basic { ref user, .. } if user == "ana"));
        assert!(matches!(Auth::of(&conn("https://h?auth=header&header=X-API-Key", Some("t"))).unwrap(), Auth::Header { ref name, .. } if name == "x-api-key"));
        assert!(Auth::of(&conn("https://h?auth=bearer", None)).unwrap_err().to_string().contains("SLUICE_CONN_API_PASSWORD"));
        assert!(Auth::of(&conn("https://h?auth=basic", Some("t"))).unwrap_err().to_string().contains("needs a user"));
        assert!(Auth::of(&conn("https://h?auth=header", Some("t"))).unwrap_err().to_string().contains("header's name"));
        assert!(Auth::of(&conn("https://h?auth=digest", Some("t"))).unwrap_err().to_string().contains("unknown auth 'digest'"));
    }
}
