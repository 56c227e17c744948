//! Entry points for the fuzz targets in `fuzz/`: the pure parsers of requests, reachable from
//! outside the crate. Not an API; nothing else may use them.

pub use crate::oauth::fuzzing::{form_pairs_both, parse_token_request, TokenRequest};
use axum::http::Uri;
use trestle_domain::page::PageRequest;

/// What a REST list request's query says, as the handlers read it.
#[derive(Debug)]
pub struct RestQuery {
    pub pairs: Vec<(String, String)>,
    pub page: PageRequest,
    pub company_id: Option<i64>,
    pub project_id: Option<i64>,
    /// The `Link` header a list of `total` items gets for this request.
    pub link: String,
}

/// Reads `path_and_query` as the REST handlers do (`page`, `per_page`, `company_id`,
/// `project_id`) and builds the `Link` header for `total` items. `None` when the bytes are not a
/// request target HTTP would deliver; `Some(Err(message))` when the handlers refuse it.
pub fn parse_rest_query(path_and_query: &[u8], total: i64) -> Option<Result<RestQuery, String>> {
    let uri = Uri::try_from(path_and_query).ok()?;
    let message = |e: crate::error::ApiError| e.0.to_string();
    let pairs = crate::paging::query_pairs(&uri);
    let read = || -> Result<RestQuery, String> {
        let page = crate::paging::page_request(&pairs).map_err(message)?;
        let company_id = crate::paging::single(&pairs, "company_id")
            .map_err(message)?
            .map(|v| crate::rest::parse_company("company_id", v).map(|c| c.0))
            .transpose()
            .map_err(message)?;
        let project_id = crate::paging::single(&pairs, "project_id")
            .map_err(message)?
            .map(|v| crate::tools::positive("project_id", v))
            .transpose()
            .map_err(message)?;
        let link = page.link_header(total, |n| {
            crate::paging::page_url("http://127.0.0.1:3000", &uri, &pairs, page, n)
        });
        Ok(RestQuery {
            pairs: pairs.clone(),
            page,
            company_id,
            project_id,
            link,
        })
    };
    Some(read())
}
