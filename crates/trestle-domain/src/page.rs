//! Procore-style pagination: `page` (1-based) and `per_page` in, `Total`, `Per-Page` and a
//! `Link` header with absolute `first`/`prev`/`next`/`last` URLs out.

/// Default page size when `per_page` is absent.
pub const DEFAULT_PER_PAGE: u32 = 100;
/// Largest page size served; larger requests are clamped (some clients ask for 10,000).
pub const MAX_PER_PAGE: u32 = 10_000;

/// A page of a list: `page` (1-based) of `per_page` items. The fields are private so that a
/// request always has a page of at least 1 and a size of 1 to [`MAX_PER_PAGE`] (a size of 0
/// would divide by zero in [`PageRequest::last_page`]); [`PageRequest::new`] clamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    per_page: u32,
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
    /// Page `page` of `per_page` items, clamped: a page below 1 is the first, a size below 1
    /// is 1 and one above [`MAX_PER_PAGE`] is [`MAX_PER_PAGE`].
    pub const fn new(page: u32, per_page: u32) -> PageRequest {
        PageRequest {
            page: if page == 0 { 1 } else { page },
            per_page: if per_page == 0 {
                1
            } else if per_page > MAX_PER_PAGE {
                MAX_PER_PAGE
            } else {
                per_page
            },
        }
    }

    /// The page number, 1-based.
    pub const fn page(&self) -> u32 {
        self.page
    }

    /// The page size, 1 to [`MAX_PER_PAGE`].
    pub const fn per_page(&self) -> u32 {
        self.per_page
    }

    /// The page after this one, of the same size.
    pub const fn next(self) -> PageRequest {
        PageRequest::new(self.page.saturating_add(1), self.per_page)
    }

    /// The same page number at another size (clamped as by [`PageRequest::new`]).
    pub const fn with_per_page(self, per_page: u32) -> PageRequest {
        PageRequest::new(self.page, per_page)
    }

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
        Ok(PageRequest::new(page, per_page))
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
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest::new(1, 100));
        assert_eq!(
            PageRequest::parse(Some("3"), Some("10000000")).unwrap().per_page(),
            MAX_PER_PAGE
        );
        assert!(PageRequest::parse(Some("0"), None).unwrap_err().contains("page"));
        assert!(PageRequest::parse(None, Some("-5")).unwrap_err().contains("per_page"));
        assert!(PageRequest::parse(None, Some("abc")).is_err());
        assert_eq!(PageRequest::parse(Some("2"), Some("5")).unwrap().offset(), 5);
    }

    #[test]
    fn a_request_is_always_a_page_of_at_least_one_item() {
        let zero = PageRequest::new(0, 0);
        assert_eq!((zero.page(), zero.per_page()), (1, 1));
        assert_eq!(zero.last_page(0), 1, "a size of 0 would divide by zero here");
        assert_eq!(zero.last_page(7), 7);
        assert_eq!(zero.offset(), 0);
        let huge = PageRequest::new(u32::MAX, u32::MAX);
        assert_eq!((huge.page(), huge.per_page()), (u32::MAX, MAX_PER_PAGE));
        assert_eq!(
            huge.next().page(),
            u32::MAX,
            "the page after the last number stays there"
        );
        assert_eq!(PageRequest::new(2, 5).next(), PageRequest::new(3, 5));
        assert_eq!(PageRequest::new(2, 5).with_per_page(0).per_page(), 1);
        assert_eq!(PageRequest::new(2, 5).with_per_page(20), PageRequest::new(2, 20));
        assert_eq!(PageRequest::default(), PageRequest::new(1, DEFAULT_PER_PAGE));
    }

    #[test]
    fn the_last_page_of_any_total_is_in_range() {
        let req = PageRequest::new(1, 100);
        assert_eq!(req.last_page(i64::MAX), (i64::MAX / 100).min(u32::MAX as i64) as u32);
        assert_eq!(req.last_page(i64::MIN), 1);
        assert_eq!(req.last_page(101), 2);
    }

    #[test]
    fn link_header_has_the_right_relations() {
        let url = |p: u32| format!("http://h/rest/v1.0/x?page={p}&per_page=5");
        let first = PageRequest::new(1, 5).link_header(12, url);
        assert_eq!(
            first,
            "<http://h/rest/v1.0/x?page=1&per_page=5>; rel=\"first\", <http://h/rest/v1.0/x?page=2&per_page=5>; rel=\"next\", <http://h/rest/v1.0/x?page=3&per_page=5>; rel=\"last\""
        );
        let middle = PageRequest::new(2, 5).link_header(12, url);
        assert!(middle.contains("page=1&per_page=5>; rel=\"prev\""));
        assert!(middle.contains("page=3&per_page=5>; rel=\"next\""));
        let last = PageRequest::new(3, 5).link_header(12, url);
        assert!(!last.contains("rel=\"next\""));
        assert!(last.contains("rel=\"prev\""));
        let empty = PageRequest::new(1, 5).link_header(0, url);
        assert!(!empty.contains("next") && !empty.contains("prev"));
        assert!(empty.contains("page=1&per_page=5>; rel=\"last\""));
    }
}
