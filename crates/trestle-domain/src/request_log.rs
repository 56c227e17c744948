//! The request log: every Procore-compatible REST call an app makes (with its bot's token, a
//! person's token issued to it, or its sandbox client), kept per app for a while so its
//! developer can see what the app called and what it got. An entry holds the method, the path
//! with its query string (never a token: `access_token` parameters are dropped), the catalog
//! path template when known, the company the request named, the status, the duration and the
//! client's request id. Never a body, a token or a header's value otherwise.

use crate::{AppId, CompanyId};

/// How long entries are kept by default (24 h); 0 turns the log off.
pub const DEFAULT_RETENTION_SECS: i64 = 24 * 60 * 60;
/// How many entries an app keeps by default: the newest.
pub const DEFAULT_PER_APP_CAP: i64 = 10_000;
/// The longest path (with its query string) kept; longer ones are cut.
pub const MAX_PATH: usize = 1024;
/// The longest request id kept.
pub const MAX_REQUEST_ID: usize = 128;

/// One logged call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestEntry {
    pub id: i64,
    pub app: AppId,
    /// Unix seconds when the answer was known.
    pub at: i64,
    pub method: String,
    /// The path and query string, without tokens.
    pub path: String,
    /// The catalog's path template, e.g. `/rest/v1.0/projects/{project_id}/rfis`.
    pub template: Option<String>,
    pub company: Option<CompanyId>,
    pub status: u16,
    pub duration_us: i64,
    /// The client's `X-Request-Id`, if it sent one.
    pub request_id: Option<String>,
}

/// An entry to append (the store gives it its id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequestEntry {
    pub app: AppId,
    pub at: i64,
    pub method: String,
    pub path: String,
    pub template: Option<String>,
    pub company: Option<CompanyId>,
    pub status: u16,
    pub duration_us: i64,
    pub request_id: Option<String>,
}

/// Which statuses a list shows: one (`404`) or a class (`4xx`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    /// The hundreds digit: `4` for `4xx`.
    Class(u16),
}

impl StatusFilter {
    /// `200`, `4xx` (or `4XX`); `None` for anything else.
    pub fn parse(s: &str) -> Option<StatusFilter> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() != 3 || !(b'1'..=b'5').contains(&b[0]) {
            return None;
        }
        if s[1..].eq_ignore_ascii_case("xx") {
            return Some(StatusFilter::Class(u16::from(b[0] - b'0')));
        }
        s.parse::<u16>().ok().map(StatusFilter::Exact)
    }

    /// The statuses it takes, as an inclusive range.
    pub fn range(self) -> (u16, u16) {
        match self {
            StatusFilter::Exact(s) => (s, s),
            StatusFilter::Class(c) => (c * 100, c * 100 + 99),
        }
    }

    pub fn matches(self, status: u16) -> bool {
        let (lo, hi) = self.range();
        (lo..=hi).contains(&status)
    }
}

/// Which entries a list shows; every field that is set must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestFilter {
    pub method: Option<String>,
    /// The path starts with it.
    pub path_prefix: Option<String>,
    pub status: Option<StatusFilter>,
    pub company: Option<CompanyId>,
    /// At or after (Unix seconds).
    pub since: Option<i64>,
    /// At or before (Unix seconds).
    pub until: Option<i64>,
}

impl RequestFilter {
    pub fn matches(&self, e: &RequestEntry) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(&e.method))
            && self.path_prefix.as_deref().is_none_or(|p| e.path.starts_with(p))
            && self.status.is_none_or(|s| s.matches(e.status))
            && self.company.is_none_or(|c| e.company == Some(c))
            && self.since.is_none_or(|t| e.at >= t)
            && self.until.is_none_or(|t| e.at <= t)
    }
}

/// How long entries live and how many an app keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLogLimits {
    /// Seconds; 0: nothing is recorded.
    pub retention_secs: i64,
    pub per_app_cap: i64,
}

impl Default for RequestLogLimits {
    fn default() -> Self {
        RequestLogLimits {
            retention_secs: DEFAULT_RETENTION_SECS,
            per_app_cap: DEFAULT_PER_APP_CAP,
        }
    }
}

impl RequestLogLimits {
    pub fn enabled(&self) -> bool {
        self.retention_secs > 0 && self.per_app_cap > 0
    }
}

/// The path and query string as logged: `access_token` parameters (any case) dropped, cut to
/// [`MAX_PATH`] bytes on a character boundary.
pub fn loggable_path(path: &str, query: Option<&str>) -> String {
    let mut out = String::with_capacity(path.len() + query.map_or(0, |q| q.len() + 1));
    out.push_str(path);
    if let Some(q) = query {
        let mut first = true;
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let name = pair.split('=').next().unwrap_or("");
            if is_token_param(name) {
                continue;
            }
            out.push(if first { '?' } else { '&' });
            first = false;
            out.push_str(pair);
        }
    }
    cut(out, MAX_PATH)
}

/// Query parameters never logged: tokens (`access_token`, also percent-encoded or bracketed).
fn is_token_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase().replace("%5f", "_");
    lower == "access_token" || lower.starts_with("access_token[") || lower.starts_with("access_token%5b")
}

/// A client's request id as logged: printable ASCII, at most [`MAX_REQUEST_ID`] bytes.
pub fn loggable_request_id(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic())).then(|| cut(v.to_string(), MAX_REQUEST_ID))
}

fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_the_logged_path() {
        assert_eq!(loggable_path("/rest/v1.0/me", None), "/rest/v1.0/me");
        assert_eq!(
            loggable_path("/rest/v1.0/projects", Some("company_id=3&access_token=abc&page=2")),
            "/rest/v1.0/projects?company_id=3&page=2"
        );
        assert_eq!(
            loggable_path("/rest/v1.0/me", Some("ACCESS_TOKEN=x&access%5Ftoken=y")),
            "/rest/v1.0/me"
        );
        assert_eq!(loggable_path("/a", Some("")), "/a");
        let long = "é".repeat(1000);
        let p = loggable_path(&format!("/{long}"), None);
        assert!(p.len() <= MAX_PATH && p.starts_with("/é"));
    }

    #[test]
    fn status_filters_parse_exact_codes_and_classes() {
        assert_eq!(StatusFilter::parse("200"), Some(StatusFilter::Exact(200)));
        assert_eq!(StatusFilter::parse("4xx"), Some(StatusFilter::Class(4)));
        assert_eq!(StatusFilter::parse("5XX"), Some(StatusFilter::Class(5)));
        for bad in ["", "20", "2000", "6xx", "abc", "4x", "0xx"] {
            assert_eq!(StatusFilter::parse(bad), None, "{bad}");
        }
        assert!(StatusFilter::Class(4).matches(404));
        assert!(!StatusFilter::Class(4).matches(500));
        assert!(StatusFilter::Exact(200).matches(200));
    }

    #[test]
    fn request_ids_are_printable_and_short() {
        assert_eq!(loggable_request_id(" abc-1 "), Some("abc-1".into()));
        assert_eq!(loggable_request_id("a b"), None);
        assert_eq!(loggable_request_id(""), None);
        assert_eq!(loggable_request_id(&"x".repeat(500)).unwrap().len(), MAX_REQUEST_ID);
    }

    #[test]
    fn filters_match_every_set_field() {
        let e = RequestEntry {
            id: 1,
            app: AppId(1),
            at: 100,
            method: "GET".into(),
            path: "/rest/v1.0/projects?company_id=3".into(),
            template: None,
            company: Some(CompanyId(3)),
            status: 404,
            duration_us: 5,
            request_id: None,
        };
        assert!(RequestFilter::default().matches(&e));
        let f = RequestFilter {
            method: Some("get".into()),
            path_prefix: Some("/rest/v1.0/pro".into()),
            status: Some(StatusFilter::Class(4)),
            company: Some(CompanyId(3)),
            since: Some(100),
            until: Some(100),
        };
        assert!(f.matches(&e));
        assert!(!RequestFilter {
            since: Some(101),
            ..Default::default()
        }
        .matches(&e));
        assert!(!RequestFilter {
            company: Some(CompanyId(4)),
            ..Default::default()
        }
        .matches(&e));
    }
}
