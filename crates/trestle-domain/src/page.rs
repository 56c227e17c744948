//! Procore-style pagination: `page` (1-based) and `per_page` in, `Total`, `Per-Page` and a
//! `Link` header with absolute `first`/`prev`/`next`/`last` URLs out.

/// Default page size when `per_page` is absent.
pub const DEFAULT_PER_PAGE: u32 = 100;
/// Largest page size served; larger requests are clamped (some clients ask for 10,000).
pub const MAX_PER_PAGE: u32 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Parses the raw query values. An absent value takes its default; a value that is not a
    /// positive integer is an error naming the parameter.
    pub fn parse(page: Option<&str>, per_page: Option<&str>) -> Result<PageRequest, String> {
        fn positive(name: &str, v: Option<&str>, default: u32) -> Result<u32, String> {
            match v.map(str::trim) {
                None | Some("") => Ok(default),
                Some(s) => match s.parse::<u64>() {
                    Ok(n) if n >= 1 => Ok(n.min(u32::MAX as u64) as u32),
                    _ => {
                        let shown: String = s.chars().take(40).collect();
                        let more = if s.chars().count() > 40 { "…" } else { "" };
                        Err(format!("{name} must be a positive integer, got {shown:?}{more}"))
                    }
                },
            }
        }
        let page = positive("page", page, 1)?;
        let per_page = positive("per_page", per_page, DEFAULT_PER_PAGE)?.min(MAX_PER_PAGE);
        Ok(PageRequest { page, per_page })
    }

    pub fn offset(&self) -> i64 {
        (self.page as i64 - 1) * self.per_page as i64
    }

    pub fn limit(&self) -> i64 {
        self.per_page as i64
    }

    /// The last page number for `total` items (at least 1).
    pub fn last_page(&self, total: i64) -> u32 {
        let per = self.per_page as i64;
        ((total.max(0).saturating_add(per - 1) / per).max(1)).min(u32::MAX as i64) as u32
    }

    /// Builds the `Link` header value. `url_for(page)` returns the absolute URL of a page.
    /// `prev` is omitted on the first page and `next` on the last one.
    pub fn link_header(&self, total: i64, url_for: impl Fn(u32) -> String) -> String {
        self.link_header_by(total, |n, _| url_for(n))
    }

    /// [`PageRequest::link_header`], where the URL may also depend on the relation (a keyset
    /// list puts its cursor in `next` only).
    pub fn link_header_by(&self, total: i64, url_for: impl Fn(u32, Rel) -> String) -> String {
        let last = self.last_page(total);
        let mut parts = vec![format!("<{}>; rel=\"first\"", url_for(1, Rel::First))];
        if self.page > 1 {
            parts.push(format!(
                "<{}>; rel=\"prev\"",
                url_for((self.page - 1).min(last), Rel::Prev)
            ));
        }
        if self.page < last {
            parts.push(format!("<{}>; rel=\"next\"", url_for(self.page + 1, Rel::Next)));
        }
        parts.push(format!("<{}>; rel=\"last\"", url_for(last, Rel::Last)));
        parts.join(", ")
    }
}

/// A relation of the `Link` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    First,
    Prev,
    Next,
    Last,
}

/// One page of results plus the total count across all pages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_clamps() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest { page: 1, per_page: 100 }
        );
        assert_eq!(
            PageRequest::parse(Some("3"), Some("10000000")).unwrap().per_page,
            MAX_PER_PAGE
        );
        assert!(PageRequest::parse(Some("0"), None).unwrap_err().contains("page"));
        assert!(PageRequest::parse(None, Some("-5")).unwrap_err().contains("per_page"));
        assert!(PageRequest::parse(None, Some("abc")).is_err());
        assert_eq!(PageRequest::parse(Some("2"), Some("5")).unwrap().offset(), 5);
    }

    #[test]
    fn the_last_page_of_any_total_is_in_range() {
        let req = PageRequest { page: 1, per_page: 100 };
        assert_eq!(req.last_page(i64::MAX), (i64::MAX / 100).min(u32::MAX as i64) as u32);
        assert_eq!(req.last_page(i64::MIN), 1);
        assert_eq!(req.last_page(101), 2);
    }

    #[test]
    fn link_header_has_the_right_relations() {
        let url = |p: u32| format!("http://h/rest/v1.0/x?page={p}&per_page=5");
        let first = PageRequest { page: 1, per_page: 5 }.link_header(12, url);
        assert_eq!(
            first,
            "<http://h/rest/v1.0/x?page=1&per_page=5>; rel=\"first\", <http://h/rest/v1.0/x?page=2&per_page=5>; rel=\"next\", <http://h/rest/v1.0/x?page=3&per_page=5>; rel=\"last\""
        );
        let middle = PageRequest { page: 2, per_page: 5 }.link_header(12, url);
        assert!(middle.contains("page=1&per_page=5>; rel=\"prev\""));
        assert!(middle.contains("page=3&per_page=5>; rel=\"next\""));
        let last = PageRequest { page: 3, per_page: 5 }.link_header(12, url);
        assert!(!last.contains("rel=\"next\""));
        assert!(last.contains("rel=\"prev\""));
        let empty = PageRequest { page: 1, per_page: 5 }.link_header(0, url);
        assert!(!empty.contains("next") && !empty.contains("prev"));
        assert!(empty.contains("page=1&per_page=5>; rel=\"last\""));
    }
}
