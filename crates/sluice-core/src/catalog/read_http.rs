//! `read_http`: read the records of an HTTP JSON API, page after page, optionally through a
//! named connection that holds the base URL and the credentials.
//!
//! The engine fetches the records into a table before the node's SQL runs, as it does for the
//! database sources; the columns are inferred from the first page.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::database::{check_connection, compile};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::remote::{api_column_type, ApiRead, Driver, Paging, Relation, RemoteRead};
use crate::schema::Schema;

pub struct ReadHttp;

/// How the API is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pagination {
    /// One request: the URL's response holds every record.
    #[default]
    None,
    /// Each page names the next one's URL: at `next_path` in the body, or (without
    /// `next_path`) in the `Link: <url>; rel="next"` header. No link ends the read.
    NextLink,
    /// Each page holds a token (at `cursor_path`) that the next request sends back in query
    /// parameter `cursor_param`. No token ends the read.
    Cursor,
    /// Page numbers in query parameter `page_param`, from `page_start`. An empty page ends the
    /// read.
    Page,
}

/// Parameters of `read_http`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The first page's URL, absolute (`https://api.example.com/v1/orders?status=open`). With a
    /// `connection`, it must start with the connection's URL.
    pub url: String,
    /// The connection that gives the credentials, by name; its URL is the base the source's
    /// URLs must start with (`https://api.example.com?auth=bearer`: its password is the token).
    /// Leave it out for an API that needs none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "connection", "x-sluice-driver" = "http"))]
    pub connection: Option<String>,
    /// The JSON path of the array of records in each page's body (`data.items`,
    /// `$.data.items`, `results[0].rows`); empty when the body is the array.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub records: String,
    /// How the API is paged: `none`, `next_link`, `cursor` or `page`.
    #[serde(default)]
    pub pagination: Pagination,
    /// `next_link`: the JSON path of the next page's URL in the body; without it, the `Link`
    /// header's `rel="next"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_path: Option<String>,
    /// `cursor`: the JSON path of the next page's token in the body (`meta.next_cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_path: Option<String>,
    /// `cursor`: the query parameter the token is sent in (`cursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_param: Option<String>,
    /// `page`: the query parameter holding the page number (default `page`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_param: Option<String>,
    /// `page`: the first page's number (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_start: Option<i64>,
    /// Read at most this many pages, then stop (without it, a read that has not ended after
    /// 100,000 pages fails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pages: Option<u64>,
    /// Retries of a request answered 429, 5xx or not at all (default 5). 429 and 503 wait what
    /// their `Retry-After` says; the others wait 0.5 s, then twice as long each time (at most
    /// 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Send at most this many requests a second (retries included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_second: Option<f64>,
    /// The most one request may take, in seconds (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Column types given rather than inferred from the first page, e.g.
    /// `{"amount": "DECIMAL(12,2)", "created_at": "TIMESTAMPTZ"}`. A field the first page does
    /// not have is read when named here.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column-types"))]
    pub types: IndexMap<String, String>,
}

impl Params {
    fn api(&self) -> ApiRead {
        let paging = match self.pagination {
            Pagination::None => Paging::None,
            Pagination::NextLink => Paging::NextLink { path: self.next_path.clone().filter(|p| !p.trim().is_empty()) },
            Pagination::Cursor => Paging::Cursor {
                path: self.cursor_path.clone().unwrap_or_default(),
                param: self.cursor_param.clone().unwrap_or_default(),
            },
            Pagination::Page => Paging::Page {
                param: self.page_param.clone().unwrap_or_else(|| "page".into()),
                start: self.page_start.unwrap_or(1),
            },
        };
        let min_interval_ms = match self.max_requests_per_second {
            Some(r) if r.is_finite() && r > 0.0 => (1000.0 / r).ceil() as u64,
            _ => 0,
        };
        ApiRead {
            url: self.url.trim().to_string(),
            records: self.records.trim().to_string(),
            paging,
            max_pages: self.max_pages,
            max_retries: self.max_retries.unwrap_or(5),
            min_interval_ms,
            timeout_secs: self.timeout_seconds.unwrap_or(30),
            types: self.types.iter().map(|(k, v)| (k.clone(), api_column_type(v).unwrap_or_else(|| v.clone()))).collect(),
        }
    }

    fn read(&self) -> RemoteRead {
        RemoteRead {
            driver: Driver::Http,
            connection: self.connection.clone(),
            path: None,
            relation: Relation::Api(Box::new(self.api())),
            cursor: None,
            key: Vec::new(),
            track_deletes: false,
        }
    }
}

impl Kind for ReadHttp {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_http",
            title: "HTTP API source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads the records of an HTTP JSON API, following its pages (a next link, a cursor token or \
                   page numbers). Columns are inferred from the first page: integers become BIGINT, other \
                   numbers DOUBLE, true/false BOOLEAN, text VARCHAR, objects and arrays their JSON text \
                   (VARCHAR; read parts with json_extract); fields that are only null are VARCHAR. A field \
                   a later record lacks is NULL; a later value that does not fit its column (text in a \
                   BIGINT column) fails the run naming the page and the field: give its type in `types`. \
                   Credentials come from the `connection` and are sent only to URLs under its base URL; \
                   a next link elsewhere fails the run. 429 and 503 answers wait their Retry-After; \
                   failed requests are retried with growing waits. The API is read again on every run.",
        }
    }

    fn example(&self) -> Value {
        json!({"url": "https://api.example.com/v1/orders", "connection": "shop_api", "records": "data", "pagination": "next_link", "next_path": "links.next"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        if let Some(c) = &p.connection {
            check_connection(cx, c);
        }
        check_url(cx, &p.url);
        check_path(cx, "records", &p.records);
        let needs = |cx: &mut CheckCx<'_>, param: &str, v: &Option<String>| {
            if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
                cx.error("S073", param, format!("pagination `{}` needs `{param}`", pagination_name(p.pagination)));
            }
        };
        let unused: &[(&str, bool)] = &[
            ("next_path", p.next_path.is_some() && p.pagination != Pagination::NextLink),
            ("cursor_path", p.cursor_path.is_some() && p.pagination != Pagination::Cursor),
            ("cursor_param", p.cursor_param.is_some() && p.pagination != Pagination::Cursor),
            ("page_param", p.page_param.is_some() && p.pagination != Pagination::Page),
            ("page_start", p.page_start.is_some() && p.pagination != Pagination::Page),
        ];
        for (param, wrong) in unused {
            if *wrong {
                cx.error("S073", param, format!("`{param}` does not go with pagination `{}`", pagination_name(p.pagination)));
            }
        }
        match p.pagination {
            Pagination::NextLink => {
                if let Some(n) = &p.next_path {
                    check_path(cx, "next_path", n);
                }
            }
            Pagination::Cursor => {
                needs(cx, "cursor_path", &p.cursor_path);
                needs(cx, "cursor_param", &p.cursor_param);
                if let Some(c) = &p.cursor_path {
                    check_path(cx, "cursor_path", c);
                }
            }
            Pagination::Page => {
                if p.page_param.as_deref().is_some_and(|s| s.trim().is_empty()) {
                    cx.error("S073", "page_param", "the page number's query parameter is empty");
                }
            }
            Pagination::None => {}
        }
        if p.max_pages == Some(0) {
            cx.error("S073", "max_pages", "read at least 1 page");
        }
        if let Some(r) = p.max_requests_per_second {
            if !(r.is_finite() && r > 0.0) {
                cx.error("S073", "max_requests_per_second", "give a number of requests a second above 0");
            }
        }
        if p.timeout_seconds == Some(0) {
            cx.error("S073", "timeout_seconds", "a request needs at least 1 second");
        }
        for (column, ty) in &p.types {
            if column.trim().is_empty() {
                cx.error("S073", "types", "a column name is empty");
            }
            if api_column_type(ty).is_none() {
                cx.error(
                    "S073",
                    format!("types.{column}"),
                    format!("'{ty}' is not a type an API value is read as: BIGINT, INTEGER, DOUBLE, DECIMAL(p,s), BOOLEAN, VARCHAR, DATE, TIMESTAMP or TIMESTAMPTZ"),
                );
            }
        }
        None
    }

    fn remote(&self, p: &Params) -> Option<RemoteRead> {
        Some(p.read())
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        compile(&p.read(), cx)
    }
}

fn pagination_name(p: Pagination) -> &'static str {
    match p {
        Pagination::None => "none",
        Pagination::NextLink => "next_link",
        Pagination::Cursor => "cursor",
        Pagination::Page => "page",
    }
}

/// The URL must be absolute http(s), name a host, and hold no credentials: those belong in a
/// connection, outside the spec.
fn check_url(cx: &mut CheckCx<'_>, url: &str) {
    let t = url.trim();
    let Some((scheme, rest)) = t.split_once("://") else {
        cx.error("S073", "url", format!("'{t}' is not an absolute URL: write it as https://host/path"));
        return;
    };
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        cx.error("S073", "url", format!("an API is read over https:// or http://, not {scheme}://"));
        return;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        cx.error("S073", "url", "the URL holds a user or password: put credentials in a connection (`sluice connections add`), never in the spec");
    } else if authority.is_empty() || authority.starts_with(':') {
        cx.error("S073", "url", "the URL names no host");
    }
    if t.chars().any(char::is_whitespace) {
        cx.error("S073", "url", "the URL holds a space: percent-encode it (%20)");
    }
}

fn check_path(cx: &mut CheckCx<'_>, param: &str, path: &str) {
    if let Err(m) = crate::json_path::parse(path) {
        cx.error("S073", param, format!("not a JSON path: {m}"));
    }
}
