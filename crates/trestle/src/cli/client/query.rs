//! The query strings of listings and metrics requests.

/// A page of a listing: `query`, `page` and `per_page`.
pub struct Page {
    pub query: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

/// The days of a metrics request (YYYY-MM-DD, UTC), passed on as given.
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The two tables of an app's metrics that come as CSV.
#[derive(Clone, Copy)]
pub enum MetricsTable {
    Daily,
    Companies,
}

impl Page {
    /// The query parameters, after `first` (a filter of the listing) when given.
    pub(super) fn params(&self, first: Option<(&'static str, Option<String>)>) -> Vec<(&'static str, Option<String>)> {
        first
            .into_iter()
            .chain([
                ("query", self.query.clone()),
                ("page", Some(self.page.to_string())),
                ("per_page", Some(self.per_page.to_string())),
            ])
            .collect()
    }
}

impl Period {
    /// `?from=…&to=…` with the days given, or nothing.
    pub(super) fn query(&self) -> String {
        let q: Vec<String> = [("from", &self.from), ("to", &self.to)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect();
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    }
}

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path` with the given parameters as a query string (values percent-encoded).
pub(super) fn listing(path: &str, params: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", encode(v))))
        .collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_encode_their_values_and_skip_absent_ones() {
        let page = Page {
            query: Some("pat@example.com & co".into()),
            page: 2,
            per_page: 50,
        };
        assert_eq!(
            listing("/api/v1/people", &page.params(None)),
            "/api/v1/people?query=pat%40example.com%20%26%20co&page=2&per_page=50"
        );
        let page = Page {
            query: None,
            page: 1,
            per_page: 100,
        };
        assert_eq!(
            listing("/p", &page.params(Some(("status", Some("all".into()))))),
            "/p?status=all&page=1&per_page=100"
        );
        assert_eq!(listing("/p", &[("query", None)]), "/p");
    }

    #[test]
    fn a_period_is_a_query_only_when_given() {
        let none = Period { from: None, to: None };
        assert_eq!(none.query(), "");
        let to = Period {
            from: None,
            to: Some("2026-01-31".into()),
        };
        assert_eq!(to.query(), "?to=2026-01-31");
        let both = Period {
            from: Some("2026-01-01".into()),
            to: Some("2026-01-31".into()),
        };
        assert_eq!(both.query(), "?from=2026-01-01&to=2026-01-31");
    }
}
