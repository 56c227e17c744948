//! Procore pagination on the wire: reads `page`/`per_page`, writes `Total`, `Per-Page` and a
//! `Link` built from the configured public URL, else from the request's `Host` when it is a
//! valid authority (else relative).

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use trestle_core::records::CURSOR_PARAM;
use trestle_domain::page::{Page, PageRequest, Rel};

/// Procore's pagination headers (names made once, not parsed per response).
pub(crate) const TOTAL: HeaderName = HeaderName::from_static("total");
pub(crate) const PER_PAGE: HeaderName = HeaderName::from_static("per-page");

/// The header that names the company a DMSA or service-account call acts in.
pub const PROCORE_COMPANY_ID: HeaderName = HeaderName::from_static("procore-company-id");

/// Query parameters as sent, in order, decoded as `form_urlencoded` does (split at `&`,
/// empty parts skipped, the name up to the first `=`; `+` is a space, `%XX` a byte, a `%`
/// without two hex digits stays, invalid UTF-8 is replaced), in one pass over each part.
pub fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    let Some(q) = uri.query() else {
        return Vec::new();
    };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (form_decode(k), form_decode(v)),
            None => (form_decode(p), String::new()),
        })
        .collect()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One `application/x-www-form-urlencoded` name or value, decoded.
fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    if !b.iter().any(|&c| c == b'%' || c == b'+') {
        return s.to_owned();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The single value of a query parameter; a repeated one is an error.
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ApiError> {
    let mut found = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(ApiError::bad_request(format!(
            "query parameter {name} is given more than once"
        )));
    }
    Ok(first)
}

pub fn page_request(pairs: &[(String, String)]) -> Result<PageRequest, ApiError> {
    PageRequest::parse(single(pairs, "page")?, single(pairs, "per_page")?).map_err(ApiError::bad_request)
}

/// The origin for links: the configured public URL, else `http://<Host>` when the `Host` header
/// is a valid `host[:port]` ([`valid_host`]). Otherwise (no or an invalid `Host`) it is empty,
/// so links are relative references (RFC 8288 §3.1), resolved against the request's own URL:
/// nothing of an invalid `Host` is ever written into a header.
pub fn origin(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(u) = public_url {
        return u.trim_end_matches('/').to_string();
    }
    match request_host(headers) {
        Some(host) => format!("http://{host}"),
        None => String::new(),
    }
}

/// The request's `Host`, when it is exactly one valid `host[:port]`.
pub fn request_host(headers: &HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(header::HOST).iter();
    let host = all.next()?.to_str().ok()?;
    (all.next().is_none() && valid_host(host)).then_some(host)
}

/// Whether `h` is a plain authority, `host[:port]`: a DNS name or IPv4 address (letters,
/// digits, `-`, `.`, `_`) or a bracketed IPv6 address, and a port of 1 to 5 digits up to
/// 65535. Anything else (`<>";`, spaces, user information, paths) is refused.
pub fn valid_host(h: &str) -> bool {
    if h.is_empty() || h.len() > 261 {
        return false;
    }
    let (host, port) = if let Some(rest) = h.strip_prefix('[') {
        let Some((ip, after)) = rest.split_once(']') else {
            return false;
        };
        if ip.is_empty() || !ip.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return false;
        }
        match after {
            "" => ("ip", None),
            p => match p.strip_prefix(':') {
                Some(p) => ("ip", Some(p)),
                None => return false,
            },
        }
    } else {
        match h.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (h, None),
        }
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    let port_ok = port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= 65535)
    });
    host_ok && port_ok
}

pub use trestle_core::answer::header_safe;

/// A JSON array response with the pagination headers.
pub fn paged<T: Serialize>(
    origin: &str,
    uri: &Uri,
    pairs: &[(String, String)],
    req: PageRequest,
    page: Page<T>,
) -> Response {
    let link = req.link_header(page.total, |n| page_url(origin, uri, pairs, req, n));
    let mut res = Json(page.items).into_response();
    let h = res.headers_mut();
    h.insert(TOTAL, HeaderValue::from(page.total));
    h.insert(PER_PAGE, HeaderValue::from(req.per_page()));
    if let Some(v) = link_value(&link) {
        h.insert(header::LINK, v);
    }
    res
}

/// Longest `Link` header sent. The links repeat the request's other query parameters, which
/// are the caller's input: a request whose links would be longer gets none (its `Total` and
/// `Per-Page` still say how to page), so a long query never inflates the answer's headers.
pub const MAX_LINK: usize = 4096;

pub(crate) fn link_value(link: &str) -> Option<HeaderValue> {
    (link.len() <= MAX_LINK)
        .then(|| HeaderValue::from_str(link).ok())
        .flatten()
}

/// A page already serialized, with its `Link` header, for one request: the links depend on
/// the `Host` header and the path and query it was asked with.
struct RenderedPage {
    host: Option<HeaderValue>,
    path_and_query: String,
    body: axum::body::Bytes,
    link: Option<HeaderValue>,
    total: i64,
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())
}

/// The absolute URL of page `n`, keeping the request's other parameters.
pub(crate) fn page_url(origin: &str, uri: &Uri, pairs: &[(String, String)], req: PageRequest, n: u32) -> String {
    let mut params: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    params.push(("page", n.to_string()));
    params.push(("per_page", req.per_page().to_string()));
    let q = serde_urlencoded::to_string(&params).unwrap_or_default();
    format!("{origin}{}?{q}", header_safe(uri.path()))
}

/// The `after_id` query parameter of a list read by keyset: the last id of the previous page, a
/// positive integer (a bad or repeated one is a 400).
pub fn after_param(pairs: &[(String, String)]) -> Result<Option<i64>, ApiError> {
    match single(pairs, CURSOR_PARAM)?.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => {
                let shown: String = v.chars().take(40).collect();
                Err(ApiError::bad_request(format!(
                    "after_id must be a positive integer (the last id of the previous page), got {shown:?}"
                )))
            }
        },
    }
}

/// Like [`paged`], for a cached page that can also be read by keyset: the JSON body and `Link`
/// header are made once per cached answer (and request URL) and reused until the answer
/// changes, allocating nothing. The `next` link carries `after_id=<the last id of this page>`
/// beside `page=` ([`keyset_link_header`]), so a client that follows it gets a page whose cost
/// does not grow with its number; `first`, `prev` and `last` carry none (they are read by
/// offset, as a client that walks page numbers does).
#[allow(clippy::too_many_arguments)]
pub fn keyset_paged_shared<T>(
    public_url: Option<&str>,
    headers: &HeaderMap,
    uri: &Uri,
    pairs: &[(String, String)],
    req: PageRequest,
    shared: &trestle_core::Shared<Page<T>>,
    to_json: impl Fn(&[T]) -> serde_json::Result<Vec<u8>>,
    id_of: impl Fn(&T) -> i64,
) -> Response {
    let host = headers.get(header::HOST);
    let render = |page: &Page<T>| {
        let origin = origin(public_url, headers);
        let body = to_json(&page.items).unwrap_or_else(|_| b"[]".to_vec());
        let last_id = page.items.last().map(&id_of);
        let link = keyset_link_header(&origin, uri, pairs, req, page.total, last_id);
        std::sync::Arc::new(RenderedPage {
            host: host.cloned(),
            path_and_query: path_and_query(uri).to_string(),
            body: body.into(),
            link: link_value(&link),
            total: page.total,
        })
    };
    let mut r = shared.rendering(render);
    if r.host.as_ref() != host || r.path_and_query != path_and_query(uri) {
        r = render(&shared.value);
    }
    let mut res = r.body.clone().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(TOTAL, HeaderValue::from(r.total));
    h.insert(PER_PAGE, HeaderValue::from(req.per_page()));
    if let Some(link) = &r.link {
        h.insert(header::LINK, link.clone());
    }
    res
}

/// The `Link` header of a list that can be read by keyset: the request's other parameters kept
/// (not its cursor), and only `next` carrying [`CURSOR_PARAM`] — the last id of this page, when
/// there is one. The REST project and company lists and the catalog engine's lists share it.
pub(crate) fn keyset_link_header(
    origin: &str,
    uri: &Uri,
    pairs: &[(String, String)],
    req: PageRequest,
    total: i64,
    next_after: Option<i64>,
) -> String {
    let kept: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != CURSOR_PARAM).cloned().collect();
    req.link_header_by(total, |n, rel| {
        let url = page_url(origin, uri, &kept, req, n);
        match (rel, next_after) {
            (Rel::Next, Some(after)) => format!("{url}&{CURSOR_PARAM}={after}"),
            _ => url,
        }
    })
}

/// The paging of a management-API list request, as an extractor: `page` and `per_page` read
/// from the query (a bad or repeated one is a 400 before the handler runs), the other query
/// parameters kept for [`Paging::single`] and for the `Link` header, and the link origin.
/// Put it after the actor and path extractors, so authentication is checked first.
pub struct Paging {
    pub req: PageRequest,
    pairs: Vec<(String, String)>,
    uri: Uri,
    origin: String,
}

impl FromRequestParts<crate::AppState> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &crate::AppState) -> Result<Self, ApiError> {
        let pairs = query_pairs(&parts.uri);
        let req = page_request(&pairs)?;
        Ok(Paging {
            req,
            pairs,
            uri: parts.uri.clone(),
            origin: origin(state.public_url.as_deref(), &parts.headers),
        })
    }
}

impl Paging {
    /// The single value of another query parameter (e.g. `query`); a repeated one is an error.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        single(&self.pairs, name)
    }

    /// The query parameters as sent.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// A page of results with the pagination headers.
    pub fn answer<T: Serialize>(&self, page: Page<T>) -> Response {
        paged(&self.origin, &self.uri, &self.pairs, self.req, page)
    }

    /// A page of results, each shown through `view`, with the pagination headers.
    pub fn answer_as<T, J: Serialize>(&self, page: Page<T>, view: impl FnMut(T) -> J) -> Response {
        self.answer(Page {
            items: page.items.into_iter().map(view).collect::<Vec<_>>(),
            total: page.total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{query_pairs, valid_host};

    #[test]
    fn query_pairs_reads_queries_as_form_urlencoded_does() {
        for q in [
            "company_id=1",
            "company_id=1&page=2&per_page=100",
            "a=1&&b=2&",
            "a&b=&=c",
            "a=1=2",
            "scope=read+write&x=%41%zz",
            "name=%E2%9C%93",
            "&&&",
            "",
            "filters%5Bstatus%5D=open&per_page=100",
            "a=%",
            "a=%4",
            "a=%4g%41",
            "a=%%41",
            "a=%FF%FE&b=%C3",
            "a%3Db=c%26d",
            "a=%2b+%2B",
            "a=%e2%9c%93%E2%9C",
        ] {
            let uri: axum::http::Uri = format!("/rest/v1.0/projects?{q}").parse().unwrap();
            let expected: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
            assert_eq!(query_pairs(&uri), expected, "query {q:?}");
        }
        assert!(query_pairs(&"/rest/v1.0/projects".parse().unwrap()).is_empty());
    }

    #[test]
    fn hosts_are_plain_authorities() {
        for ok in [
            "localhost",
            "api.example.com",
            "10.0.0.7:8080",
            "[::1]",
            "[::1]:3000",
            "my_host:1",
            "a:65535",
        ] {
            assert!(valid_host(ok), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "a\"b",
            "<a>",
            "a;b",
            "user@host",
            "host/path",
            "host:",
            "host:65536",
            "host:123456",
            "host:80:80",
            "[::1",
            "[::1]x",
            "[]",
            "[zz::1]",
            ":80",
            "h\u{e9}",
        ] {
            assert!(!valid_host(bad), "{bad:?}");
        }
    }
}
