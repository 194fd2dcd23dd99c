//! HTTP JSON APIs as a [`Database`]: the source kind `read_http` reads one through it, as the
//! database sources read theirs. Its columns come from the first page's records ([`records`]);
//! a fetch follows the pages (a next link, a cursor token or page numbers) and hands the records
//! over as record batches.
//!
//! Requests go only to URLs inside a scope ([`client::Scope`]): under the connection's URL when
//! the source names a connection (whose credentials they carry), else on the host of the source's
//! own URL. A next page or a redirect anywhere else fails the read before anything is sent there.

mod client;
mod records;

use std::collections::HashSet;
use std::time::Duration;

use sluice_core::json_path;
use sluice_core::remote::{ApiRead, Paging, Relation, API_PAGE_LIMIT as PAGE_LIMIT};
use url::Url;

use crate::batch::{BatchBuilder, RemoteColumn, BATCH_ROWS};
use crate::database::{Above, BatchSink, Database, TableInfo};
use crate::store::Resolved;
use crate::ConnectError;
use client::{Auth, Client, Limits, Scope};

/// An HTTP API, through a connection (its base URL and credentials) or without one.
pub struct HttpApi {
    /// The connection's name ("" without one), for messages.
    name: String,
    /// The connection's base: every URL read must be under it. None without a connection.
    base: Option<Url>,
    client: Client,
}

impl HttpApi {
    /// An API read through connection `conn`, or (None) without credentials.
    pub fn open(conn: Option<&Resolved>) -> Result<HttpApi, ConnectError> {
        let name = conn.map(|c| c.name.clone()).unwrap_or_default();
        let auth = match conn {
            Some(c) => Auth::of(c)?,
            None => Auth::None,
        };
        let base = conn.map(|c| {
            let mut u = c.url.clone();
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_username("");
            u
        });
        let client = Client::new(auth).map_err(|message| ConnectError::Connect { name: name.clone(), message })?;
        Ok(HttpApi { name, base, client })
    }

    /// The URLs the read of `first` may request.
    fn scope(&self, first: &Url) -> Scope {
        match &self.base {
            Some(b) => Scope::of_base(b),
            None => Scope::of_origin(first),
        }
    }

    /// The first page's URL (with the first page number when pages are numbered).
    fn first_url(&self, api: &ApiRead) -> Result<Url, ConnectError> {
        let url = Url::parse(&api.url).map_err(|e| ConnectError::ApiRefused { url: api.url.clone(), page: 1, message: format!("not a URL ({e})") })?;
        Ok(match &api.paging {
            Paging::Page { param, start } => with_param(&url, param, &start.to_string()),
            _ => url,
        })
    }

    fn limits(api: &ApiRead) -> Limits {
        Limits { max_retries: api.max_retries, min_interval: Duration::from_millis(api.min_interval_ms), timeout: Duration::from_secs(api.timeout_secs.max(1)) }
    }

    /// Read the pages of `api` from the first, handing each page's records to `each` (with the
    /// page's number and URL, as messages show it) until the API has no next page, `each` says stop (false) or
    /// `max_pages` are read.
    fn pages(&mut self, api: &ApiRead, mut each: impl FnMut(u64, &str, &[serde_json::Value]) -> Result<bool, ConnectError>) -> Result<(), ConnectError> {
        let first = self.first_url(api)?;
        let scope = self.scope(&first);
        let limits = Self::limits(api);
        let data = |c: &Client, url: &Url, page: u64, message: String| ConnectError::ApiData { url: c.shown(url), page, message };
        let path = |text: &str| json_path::parse(text).map_err(|m| ConnectError::ApiData { url: self.client.shown(&first), page: 1, message: m });
        let records_path = path(&api.records)?;
        let (next_path, cursor_path) = match &api.paging {
            Paging::NextLink { path: Some(p) } => (Some(path(p)?), None),
            Paging::Cursor { path: p, .. } => (None, Some(path(p)?)),
            _ => (None, None),
        };
        let mut url = first.clone();
        let mut seen: HashSet<String> = HashSet::new();
        let mut number: u64 = 1;
        loop {
            if !seen.insert(url.to_string()) {
                return Err(data(&self.client, &url, number, "the API's next page is one it returned before: its pages go round in a loop".into()));
            }
            let page = self.client.get_json(&url, number, &scope, &limits)?;
            let recs = records::records(&page.body, &records_path, &api.records).map_err(|m| data(&self.client, &url, number, m))?;
            if !each(number, &self.client.shown(&url), recs)? || api.max_pages.is_some_and(|m| number >= m) {
                return Ok(());
            }
            let next = match &api.paging {
                Paging::None => None,
                Paging::NextLink { path: Some(_) } => {
                    let p = next_path.as_deref().unwrap_or_default();
                    match json_path::get(&page.body, p) {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
                        Some(serde_json::Value::String(s)) => Some(join(&url, s).map_err(|m| data(&self.client, &url, number, m))?),
                        Some(other) => return Err(data(&self.client, &url, number, format!("the next link is {other}, not a URL"))),
                    }
                }
                Paging::NextLink { path: None } => match &page.link_next {
                    Some(l) => Some(join(&url, l).map_err(|m| data(&self.client, &url, number, m))?),
                    None => None,
                },
                Paging::Cursor { param, .. } => {
                    let p = cursor_path.as_deref().unwrap_or_default();
                    let token = match json_path::get(&page.body, p) {
                        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => None,
                        Some(serde_json::Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
                        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                        Some(other) => return Err(data(&self.client, &url, number, format!("the cursor token is {other}, not a string or a number"))),
                    };
                    token.map(|t| with_param(&first, param, &t))
                }
                Paging::Page { param, start } => {
                    if recs.is_empty() {
                        None
                    } else {
                        Some(with_param(&first, param, &(start + number as i64).to_string()))
                    }
                }
            };
            let Some(next) = next else { return Ok(()) };
            if !scope.allows(&next) {
                // A link elsewhere could carry the credentials (or the spec's reach) to a host
                // the spec never named.
                return Err(ConnectError::ApiRefused {
                    url: self.client.shown(&next),
                    page: number + 1,
                    message: format!("page {number} links to it as the next page, and it is not under {}: nothing was sent to it", scope.describe()),
                });
            }
            number += 1;
            if api.max_pages.is_none() && number > PAGE_LIMIT {
                return Err(data(&self.client, &next, number, format!("the API has not ended after {PAGE_LIMIT} pages: set `max_pages` to read fewer")));
            }
            url = next;
        }
    }
}

/// `url` with query parameter `param` set to `value` (replacing any it had).
fn with_param(url: &Url, param: &str, value: &str) -> Url {
    let kept: Vec<(String, String)> = url.query_pairs().filter(|(k, _)| k != param).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let mut out = url.clone();
    {
        let mut q = out.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        q.append_pair(param, value);
    }
    out
}

/// A next link as an absolute URL (a relative one is relative to the page that named it).
fn join(page: &Url, link: &str) -> Result<Url, String> {
    page.join(link.trim()).map_err(|e| format!("the next link '{link}' is not a URL ({e})"))
}

fn api_of<'a>(rel: &'a Relation, name: &str) -> Result<&'a ApiRead, ConnectError> {
    match rel {
        Relation::Api(a) => Ok(a),
        other => Err(ConnectError::Invalid { name: name.to_string(), message: format!("an HTTP API has no table or query ({})", other.describe()) }),
    }
}

impl Database for HttpApi {
    /// The base URL's answer: an HTTP API has no version to tell, but an answer shows that it
    /// is reached, and any answer but 401 or 403 that it takes the credentials (an API's base
    /// URL often answers 404).
    fn version(&mut self) -> Result<String, ConnectError> {
        let base = self.base.clone().ok_or_else(|| ConnectError::Invalid { name: self.name.clone(), message: "no base URL".into() })?;
        let shown = self.client.shown(&base);
        let fail = |message: String| ConnectError::Connect { name: self.name.clone(), message };
        match self.client.status(&base, &Scope::of_base(&base), Duration::from_secs(30)) {
            Ok(s) if s.as_u16() == 401 || s.as_u16() == 403 => Err(fail(format!("{shown} refused the credentials ({s})"))),
            Ok(s) => Ok(format!("HTTP API at {shown} (answered {s})")),
            Err(ConnectError::Api { message, .. }) => Err(fail(format!("{shown}: {message}"))),
            Err(e) => Err(e),
        }
    }

    fn columns(&mut self, rel: &Relation) -> Result<Vec<RemoteColumn>, ConnectError> {
        let api = api_of(rel, &self.name)?.clone();
        let mut columns = None;
        self.pages(&api, |page, url, recs| {
            let inferred = records::infer(recs, &api.types).map_err(|m| ConnectError::ApiData { url: url.into(), page, message: m })?;
            if inferred.is_empty() {
                return Err(ConnectError::ApiData {
                    url: url.to_string(),
                    page,
                    message: "the first page has no records to learn the columns from: give them in `types`".into(),
                });
            }
            columns = Some(inferred);
            Ok(false)
        })?;
        columns.ok_or_else(|| ConnectError::ApiData { url: api.url.clone(), page: 1, message: "no page was read".into() })
    }

    fn fetch(&mut self, rel: &Relation, columns: &[RemoteColumn], above: Option<&Above>, out: &mut BatchSink<'_>) -> Result<u64, ConnectError> {
        let api = api_of(rel, &self.name)?.clone();
        if above.is_some() {
            return Err(ConnectError::Read { name: self.name.clone(), message: "an HTTP API source reads no incremental mark".into() });
        }
        let name = self.name.clone();
        let mut b = BatchBuilder::new(columns);
        let mut rows: u64 = 0;
        self.pages(&api, |page, url, recs| {
            for (i, r) in recs.iter().enumerate() {
                records::push(&mut b, columns, r).map_err(|m| ConnectError::ApiData { url: url.into(), page, message: format!("record {}: {m}", i + 1) })?;
                rows += 1;
                if b.rows() >= BATCH_ROWS {
                    out(b.finish()).map_err(|message| ConnectError::Read { name: name.clone(), message })?;
                }
            }
            Ok(true)
        })?;
        if b.rows() > 0 {
            out(b.finish()).map_err(|message| ConnectError::Read { name, message })?;
        }
        Ok(rows)
    }

    fn probe(&mut self, _rel: &Relation, _cursor: &str) -> Result<String, ConnectError> {
        Err(ConnectError::Read { name: self.name.clone(), message: "an HTTP API cannot tell whether its records changed".into() })
    }

    fn tables(&mut self) -> Result<Vec<TableInfo>, ConnectError> {
        Err(ConnectError::Invalid { name: self.name.clone(), message: "an HTTP API has no tables to list: a read_http source names its URL".into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_replaced_not_repeated() {
        let u = Url::parse("https://h/items?page=9&status=open").unwrap();
        assert_eq!(with_param(&u, "page", "2").as_str(), "https://h/items?status=open&page=2");
        assert_eq!(with_param(&u, "cursor", "a b&c").as_str(), "https://h/items?page=9&status=open&cursor=a+b%26c");
        assert_eq!(join(&u, "/items?page=3").unwrap().as_str(), "https://h/items?page=3");
        assert_eq!(join(&u, "https://other/x").unwrap().as_str(), "https://other/x");
    }
}
