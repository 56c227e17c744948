//! Scripted faults (issue #17): rules the operator of a sandbox adds so that the calls an app
//! makes (`/oauth/…`, `/rest/…`) misbehave on purpose — an error status, added latency, a cut
//! connection — for the next N matching calls, a percentage of them, or until removed. The
//! management API, the web UI and health checks are never faulted. A rule that names a webhook
//! `destination` strikes Trestle's own deliveries to it instead: the attempt fails as if the
//! receiver had answered the status or cut the connection, and the hook's back-off proceeds.
//!
//! This module holds the rule's shape, its validation (every problem, with its path in the
//! request) and the matching of a call against it; `trestle-core` keeps the rules of a node.

use crate::ids::CompanyId;
use crate::text::Problem;

/// Statuses a rule may answer with.
pub const STATUSES: &[u16] = &[429, 500, 502, 503, 504];
/// The longest added latency, in milliseconds.
pub const MAX_LATENCY_MS: u32 = 30_000;
/// The longest `Retry-After` a 429 may give, in seconds.
pub const MAX_RETRY_AFTER: u32 = 86_400;
/// At most this many rules on a node.
pub const MAX_RULES: usize = 100;

/// Which calls a rule matches; every given field must match, an empty one matches all calls.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultMatch {
    /// `GET`, `POST`, … (any case).
    pub method: Option<String>,
    /// A path or a path template: `/oauth/token`, `/rest/v1.0/projects/{project_id}/rfis`
    /// (`{…}` matches any one segment).
    pub path: Option<String>,
    /// The app's client id (production or sandbox), as it authenticates at `/oauth/token` or
    /// through the access token it got there.
    pub client_id: Option<String>,
    /// The company the call names (`Procore-Company-Id`, `company_id`, or the path).
    pub company_id: Option<CompanyId>,
    /// A webhook destination: the deliveries (company hooks and app endpoints) whose URL
    /// starts with it. Such a rule matches no call.
    pub destination: Option<String>,
}

/// What a rule does to a call it strikes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultSpec {
    pub matching: FaultMatch,
    /// Answer this status instead of serving the call.
    pub status: Option<u16>,
    /// Wait this long first (then answer `status`, cut the connection, or serve the call).
    pub latency_ms: u32,
    /// Cut the connection instead of answering.
    pub drop_connection: bool,
    /// Strike the next this many matching calls, then go away.
    pub count: Option<u32>,
    /// Strike this percentage of matching calls (1–100).
    pub percent: Option<u8>,
    /// A 429's `Retry-After`, in seconds (default 60).
    pub retry_after: Option<u32>,
}

fn problem(path: &str, reason: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        reason: reason.into(),
    }
}

impl FaultSpec {
    /// Every problem of the rule, with its path in the request body (`$.match.path`, …).
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        let m = &self.matching;
        if let Some(method) = &m.method {
            let ok = !method.is_empty() && method.len() <= 16 && method.bytes().all(|b| b.is_ascii_alphabetic());
            if !ok {
                p.push(problem("$.match.method", "must be an HTTP method such as GET or POST"));
            }
        }
        if let Some(path) = &m.path {
            if !(path.starts_with("/oauth/") || path.starts_with("/rest/")) {
                p.push(problem(
                    "$.match.path",
                    "must start with /oauth/ or /rest/: only the calls an app makes are faulted",
                ));
            } else if path.len() > 512 || path.contains(['?', '#', ' ']) {
                p.push(problem(
                    "$.match.path",
                    "must be a path (no query), at most 512 characters",
                ));
            }
        }
        if let Some(c) = &m.client_id {
            if c.is_empty() || c.len() > 200 {
                p.push(problem("$.match.client_id", "must be 1 to 200 characters"));
            }
        }
        if let Some(c) = m.company_id {
            if c.0 < 1 {
                p.push(problem(
                    "$.match.company_id",
                    "must be a company id (a positive number)",
                ));
            }
        }
        if let Some(d) = &m.destination {
            let url_like = (d.starts_with("http://") || d.starts_with("https://"))
                && d.len() <= 2048
                && !d.contains(char::is_whitespace);
            if !url_like {
                p.push(problem(
                    "$.match.destination",
                    "must be an http(s) URL (or its beginning), at most 2048 characters",
                ));
            }
            if m.method.is_some() || m.path.is_some() || m.client_id.is_some() || m.company_id.is_some() {
                p.push(problem(
                    "$.match.destination",
                    "a destination rule strikes webhook deliveries, not calls: leave out method, path, client_id and company_id",
                ));
            }
            if self.retry_after.is_some() {
                p.push(problem(
                    "$.retry_after",
                    "a webhook delivery's retries follow its back-off: leave out retry_after",
                ));
            }
        }
        if let Some(s) = self.status {
            if !STATUSES.contains(&s) {
                p.push(problem("$.status", format!("must be one of {STATUSES:?}")));
            }
        }
        if self.latency_ms > MAX_LATENCY_MS {
            p.push(problem("$.latency_ms", format!("must be at most {MAX_LATENCY_MS}")));
        }
        if self.drop_connection && self.status.is_some() {
            p.push(problem(
                "$.drop_connection",
                "a cut connection answers nothing: leave out status",
            ));
        }
        if self.status.is_none() && !self.drop_connection && self.latency_ms == 0 {
            p.push(problem(
                "$",
                "give status, latency_ms or drop_connection: the rule would do nothing",
            ));
        }
        if self.count == Some(0) {
            p.push(problem("$.count", "must be at least 1 (leave it out for no limit)"));
        }
        if let Some(pc) = self.percent {
            if !(1..=100).contains(&pc) {
                p.push(problem("$.percent", "must be between 1 and 100"));
            }
        }
        if let Some(r) = self.retry_after.filter(|_| m.destination.is_none()) {
            if self.status != Some(429) {
                p.push(problem("$.retry_after", "only a 429 carries Retry-After"));
            } else if r == 0 || r > MAX_RETRY_AFTER {
                p.push(problem(
                    "$.retry_after",
                    format!("must be between 1 and {MAX_RETRY_AFTER}"),
                ));
            }
        }
        p
    }
}

/// Whether `path` is `pattern`, where a `{…}` segment of the pattern matches any one
/// non-empty segment.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.trim_end_matches('/').split('/');
    let mut got = path.trim_end_matches('/').split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) => {
                let any = w.starts_with('{') && w.ends_with('}');
                if !(any && !g.is_empty() || w == g) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// What is known of a call when rules are matched.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallFacts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// The client id the call authenticates with, when it gives one (`/oauth/…`).
    pub client_id: Option<&'a str>,
    pub company: Option<CompanyId>,
}

impl FaultMatch {
    /// Whether the call matches. `token_client` says whether the call's access token was
    /// issued to the rule's client (when the call carries one).
    pub fn matches(&self, call: &CallFacts<'_>, token_client: impl FnOnce() -> bool) -> bool {
        if self.destination.is_some() {
            return false;
        }
        if let Some(m) = &self.method {
            if !m.eq_ignore_ascii_case(call.method) {
                return false;
            }
        }
        if let Some(p) = &self.path {
            if !path_matches(p, call.path) {
                return false;
            }
        }
        if let Some(c) = self.company_id {
            if call.company != Some(c) {
                return false;
            }
        }
        match &self.client_id {
            None => true,
            Some(c) => match call.client_id {
                Some(given) => given == c,
                None => token_client(),
            },
        }
    }
}

impl FaultMatch {
    /// Whether a webhook delivery to `url` matches: only a destination rule does, when `url`
    /// starts with its destination.
    pub fn matches_destination(&self, url: &str) -> bool {
        self.destination.as_deref().is_some_and(|d| url.starts_with(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_one_segment_per_parameter() {
        let table = [
            ("/oauth/token", "/oauth/token", true),
            ("/oauth/token", "/oauth/token/", true),
            ("/oauth/token", "/oauth/revoke", false),
            (
                "/rest/v1.0/projects/{project_id}/rfis",
                "/rest/v1.0/projects/7/rfis",
                true,
            ),
            (
                "/rest/v1.0/projects/{project_id}/rfis",
                "/rest/v1.0/projects/7/rfis/3",
                false,
            ),
            (
                "/rest/v1.0/projects/{project_id}/rfis",
                "/rest/v1.0/projects//rfis",
                false,
            ),
            (
                "/rest/v1.0/projects/{project_id}/rfis",
                "/rest/v1.1/projects/7/rfis",
                false,
            ),
            ("/rest/v1.0/companies", "/rest/v1.0/companies/1", false),
        ];
        for (pattern, path, want) in table {
            assert_eq!(path_matches(pattern, path), want, "{pattern} ~ {path}");
        }
    }

    #[test]
    fn every_field_given_must_match() {
        let rule = FaultMatch {
            method: Some("post".into()),
            path: Some("/oauth/token".into()),
            client_id: Some("abc".into()),
            company_id: None,
            destination: None,
        };
        let call = |method, client_id| CallFacts {
            method,
            path: "/oauth/token",
            client_id,
            company: None,
        };
        assert!(rule.matches(&call("POST", Some("abc")), || false));
        assert!(!rule.matches(&call("GET", Some("abc")), || true));
        assert!(
            !rule.matches(&call("POST", Some("xyz")), || true),
            "the given client id decides"
        );
        assert!(rule.matches(&call("POST", None), || true), "else the token's client");
        assert!(!rule.matches(&call("POST", None), || false));
        let company = FaultMatch {
            company_id: Some(CompanyId(4)),
            ..Default::default()
        };
        let mut c = call("GET", None);
        assert!(!company.matches(&c, || true));
        c.company = Some(CompanyId(4));
        assert!(company.matches(&c, || true));
        assert!(
            FaultMatch::default().matches(&c, || false),
            "an empty match takes every call"
        );
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let ok = FaultSpec {
            status: Some(503),
            count: Some(1),
            ..Default::default()
        };
        assert!(ok.problems().is_empty());
        let bad = FaultSpec {
            matching: FaultMatch {
                method: Some("GE T".into()),
                path: Some("/api/v1/faults".into()),
                client_id: Some(String::new()),
                company_id: Some(CompanyId(0)),
                destination: None,
            },
            status: Some(404),
            latency_ms: 60_000,
            drop_connection: true,
            count: Some(0),
            percent: Some(101),
            retry_after: Some(5),
        };
        let paths: Vec<String> = bad.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "$.match.method",
                "$.match.path",
                "$.match.client_id",
                "$.match.company_id",
                "$.status",
                "$.latency_ms",
                "$.drop_connection",
                "$.count",
                "$.percent",
                "$.retry_after"
            ]
        );
        let idle = FaultSpec::default();
        assert_eq!(idle.problems()[0].path, "$");
    }

    #[test]
    fn a_destination_rule_strikes_deliveries_and_no_call() {
        let rule = FaultMatch {
            destination: Some("http://127.0.0.1:9000/hooks".into()),
            ..Default::default()
        };
        let table = [
            ("http://127.0.0.1:9000/hooks", true),
            ("http://127.0.0.1:9000/hooks/7?x=1", true),
            ("http://127.0.0.1:9001/hooks", false),
            ("https://127.0.0.1:9000/hooks", false),
        ];
        for (url, want) in table {
            assert_eq!(rule.matches_destination(url), want, "{url}");
        }
        let call = CallFacts {
            method: "POST",
            path: "/oauth/token",
            client_id: None,
            company: None,
        };
        assert!(!rule.matches(&call, || true), "a destination rule matches no call");
        assert!(
            !FaultMatch::default().matches_destination("http://127.0.0.1:9000/hooks"),
            "a call rule strikes no delivery"
        );
        let mixed = FaultSpec {
            matching: FaultMatch {
                method: Some("POST".into()),
                destination: Some("ftp://x".into()),
                ..Default::default()
            },
            status: Some(429),
            retry_after: Some(5),
            ..Default::default()
        };
        let paths: Vec<String> = mixed.problems().into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["$.match.destination", "$.match.destination", "$.retry_after"]);
        let ok = FaultSpec {
            matching: rule,
            drop_connection: true,
            count: Some(2),
            ..Default::default()
        };
        assert!(ok.problems().is_empty(), "{:?}", ok.problems());
    }
}
