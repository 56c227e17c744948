//! The REST list endpoints' query parsing (paging, `company_id`, `project_id`) and the `Link`
//! header built from it.
//!
//! Input: the first line is the number of items in the list (decimal, may be anything), the
//! rest the query string of `GET /rest/v1.0/projects?…`.
//! Invariants: no panic; an accepted page request is in range; the `Link` header is a valid
//! header value with `first` and `last` and no `<`, `>` or `"` inside a URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_domain::page::MAX_PER_PAGE;

fuzz_target!(|data: &[u8]| {
    let (total, query) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b"0"[..], data),
    };
    let total = std::str::from_utf8(total)
        .ok()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let mut target = b"/rest/v1.0/projects?".to_vec();
    target.extend_from_slice(query);
    let Some(Ok(q)) = trestle_http::fuzzing::parse_rest_query(&target, total) else {
        return;
    };
    assert!(q.page.page() >= 1);
    assert!((1..=MAX_PER_PAGE).contains(&q.page.per_page()));
    assert!(q.company_id.is_none_or(|c| c > 0) && q.project_id.is_none_or(|p| p > 0));
    assert!(
        axum_free_header_ok(&q.link),
        "Link header {:?} is not a valid header value",
        q.link
    );
    assert!(q.link.contains("rel=\"first\"") && q.link.contains("rel=\"last\""));
    for part in q.link.split(", ") {
        let url = part
            .strip_prefix('<')
            .and_then(|p| p.split_once(">; rel="))
            .map(|(u, _)| u);
        let url = url.unwrap_or_else(|| panic!("Link part {part:?} is not <url>; rel=…"));
        assert!(!url.contains(['<', '>', '"', ' ']), "URL {url:?} in the Link header");
    }
});

/// What `HeaderValue::from_str` accepts: visible ASCII, space and tab.
fn axum_free_header_ok(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}
